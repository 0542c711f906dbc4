"""Plain-English evidence statements, written from the statistics' result objects, in short sentences.

:func:`evidence_statement` turns a :class:`perfkit.stats.compare.Comparison` (and optionally a
:class:`perfkit.stats.spc.XmR` and recording-change caveats) into the "what the evidence says" text of
a measure. The wording rules:

- the first sentence (the headline, at most :data:`HEADLINE_WORDS` words) gives the figure, the
  change against a year earlier with its 95% interval, and whether it is statistically
  significant; what does not fit moves to a short sentence after it;
- a change is called "statistically significant" only when the test says so (p < 0.05), and
  "not statistically significant" only when a test was carried out;
- a change is never called good or bad: the words are "more" and "fewer" (or "higher" and
  "lower" for rates);
- months left out, recording changes ("see C3") and each SPC finding follow, one short sentence
  each; test names, dispersion and SPC rule names are left to the method notes;
- missing months are stated.

Numbers follow GOV.UK style through :mod:`perfkit.present.words`: thousands separators, percentages rounded
half up to whole per cent (:func:`format_percent`, :func:`format_change`).

Examples
--------
>>> from perfkit.stats.compare import compare_periods
>>> c = compare_periods(612, 3, 673, 3, label="2015/16 Q1")
>>> evidence_statement("Burglary", c)
'Burglary: 612 offences in 2015/16 Q1, 9% fewer than the 673 a year earlier (95% interval: 18% fewer to 1% more); not statistically significant.'
"""

from __future__ import annotations

import math
from typing import Any, Iterable

from perfkit.present import words

__all__ = ["evidence_statement", "evidence_sentences", "headline_sentences", "caveat_sentence", "verdict",
           "HEADLINE_WORDS", "format_count", "format_percent", "format_change", "caveat_reference"]


# The number style lives in perfkit.present.words; these names are kept for the statements below and for
# callers written before it.
format_count = words.count
format_percent = words.percent
format_change = words.change


def caveat_reference(caveat: Any) -> str:
    """How a caveat is referred to: its ``ref`` ("caveat 3"), else "caveat <number>", else its id.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> caveat_reference(NS(title="HMIC inspection", number=3))
    'caveat 3'
    """
    def get(name: str) -> Any:
        return caveat.get(name) if isinstance(caveat, dict) else getattr(caveat, name, None)

    if get("ref"):
        return str(get("ref"))
    if get("number") is not None:
        return f"caveat {get('number')}"
    if get("id") is not None:
        return f"caveat {get('id')}"
    return ""


def _caveat_title(caveat: Any) -> str:
    title = caveat.get("title") if isinstance(caveat, dict) else getattr(caveat, "title", None)
    if not title:
        raise ValueError(f"caveats: found {caveat!r}; expected an object or mapping with a 'title'")
    text = str(title).strip().rstrip(".")
    return text[0].lower() + text[1:] if text[:2] != text[:2].upper() else text


def _month_list(months: Iterable[Any]) -> str:
    return words.join(words.month(m) for m in months)


#: A headline (a statement's first sentence) is at most this many words.
HEADLINE_WORDS = 25


def _coverage(comparison: Any, which: str) -> str:
    """' (2 of 3 months with data)' when the window has missing months, else ''."""
    window = getattr(comparison, which, None)
    if window is None:
        return ""
    months = list(window.months)
    gaps = [m for m in getattr(comparison, "missing_months", ()) if m in set(months)]
    return f" ({len(months) - len(gaps)} of {len(months)} months with data)" if gaps else ""


def verdict(comparison: Any) -> str:
    """"statistically significant" or "not statistically significant" (only for a tested change)."""
    return "statistically significant" if comparison.significant else "not statistically significant"


def _fit(title: str, forms: list[tuple[str, list[str]]], max_words: int, short_title: str = "") -> list[str]:
    """The first form whose headline (with the title, else with the measure's ``short_title``) is at
    most ``max_words`` words, followed by the sentences that form moved out of it; the shortest form
    as a last resort, still named (a headline that does not say which measure it is about is no
    headline, so a long title without a short one may take it over the limit)."""
    for name in dict.fromkeys(t for t in (title, short_title) if t):
        for head, rest in forms:
            sentence = f"{name}: {head}"
            if words.word_count(sentence) <= max_words:
                return [sentence] + rest
    head, rest = forms[-1]
    return [f"{short_title or title}: {head}"] + rest


def headline_sentences(title: str, comparison: Any, unit: str = "offences", period_label: "str | None" = None,
                       ref_label: str = "a year earlier", unit_singular: "str | None" = None,
                       more: str = "more", fewer: str = "fewer", max_words: int = HEADLINE_WORDS,
                       short_title: str = "") -> list[str]:
    """The first sentence of a measure's evidence (the figure, the change with its 95% interval and
    whether it is statistically significant), at most ``max_words`` words, followed by any short
    sentence that had to move out of it to keep it short (the interval, the figure a year earlier).

    Examples
    --------
    >>> from perfkit.stats.compare import compare_periods
    >>> headline_sentences("Burglary", compare_periods(612, 3, 673, 3, label="2015/16 Q1"))
    ['Burglary: 612 offences in 2015/16 Q1, 9% fewer than the 673 a year earlier (95% interval: 18% fewer to 1% more); not statistically significant.']
    """
    period = period_label or getattr(comparison, "label", None) or "the latest period"
    singular = unit_singular or (unit[:-1] if unit.endswith("s") else unit)
    c1, c0 = comparison.count, comparison.count_ref

    def counted(n: float) -> str:
        return f"{format_count(n)} {singular if format_count(n) == '1' else unit}"

    if math.isnan(c1) or math.isnan(c0):
        if math.isnan(c1) and math.isnan(c0):
            head = f"no figures are available for {period} or {ref_label}, so no comparison can be made."
        elif math.isnan(c1):
            head = f"no figure is available for {period}, so no comparison with {ref_label} can be made."
        else:
            head = f"{counted(c1)} in {period}; no figure is available for {ref_label}, so no comparison can be made."
        return _fit(title, [(head, [])], max_words, short_title)
    if c1 == 0 and c0 == 0:
        return _fit(title, [(f"no {unit} in {period} and none {ref_label}, so there is no change to test.", [])],
                    max_words, short_title)
    if c1 == 0 or c0 == 0:
        head = (f"{counted(c1)} in {period}, up from none {ref_label}" if c0 == 0
                else f"no {unit} in {period}, down from {format_count(c0)} {ref_label}")
        return _fit(title, [(f"{head}; the change is {verdict(comparison)}.", []),
                            (f"{head}; {verdict(comparison)}.", [])], max_words, short_title)
    unequal = comparison.exposure != comparison.exposure_ref
    up, down = ("higher", "lower") if unequal else (more, fewer)
    change = format_change(comparison.ratio, up, down)
    spread = f"95% interval: {words.between(comparison.ci_low, comparison.ci_high, up, down)}"
    said = verdict(comparison)
    cover, cover_ref = _coverage(comparison, "window"), _coverage(comparison, "window_ref")
    if unequal:
        ref_count = f"{format_count(c0)} {unit}" + (f" in {cover_ref[2:-1]}" if cover_ref else "")
        rate = "the same rate as" if change == "no change" else f"a rate {change} than"
        full = f"{counted(c1)} in {period}{cover}, {rate} {ref_label} ({ref_count})"
        short = f"{counted(c1)} in {period}{cover}, {rate} {ref_label}"
        ref_sentence = f"{words.sentence_case(ref_label)} there were {ref_count}."
    else:
        link = "no change from" if change == "no change" else f"{change} than"
        full = f"{counted(c1)} in {period}, {link} the {format_count(c0)} {ref_label}"
        short = f"{counted(c1)} in {period}, {link} {ref_label}"
        ref_sentence = f"{words.sentence_case(ref_label)} there were {format_count(c0)}."
    interval_sentence = f"The 95% interval runs {words.interval(comparison.ci_low, comparison.ci_high, up, down)}."
    forms = [
        (f"{full} ({spread}); {said}.", []),
        (f"{short} ({spread}); {said}.", [ref_sentence]),
        (f"{full}; {said}.", [interval_sentence]),
        (f"{short}; {said}.", [interval_sentence, ref_sentence]),
    ]
    return _fit(title, forms, max_words, short_title)


def caveat_sentence(caveats: Iterable[Any]) -> str:
    """One short sentence naming the recording changes that may account for some of a change
    ("" when there are none).

    >>> caveat_sentence([{"title": "New crime system", "ref": "C5"}])
    'A recording change may account for some of the change: new crime system (see C5).'
    """
    seen: list[Any] = []
    for c in caveats:
        if not any(c is s or _caveat_title(c) == _caveat_title(s) for s in seen):
            seen.append(c)
    if not seen:
        return ""
    named = []
    for c in seen:
        ref = caveat_reference(c)
        named.append(f"{_caveat_title(c)} (see {ref})" if ref else _caveat_title(c))
    noun = "A recording change" if len(named) == 1 else "Recording changes"
    return f"{noun} may account for some of the change: {words.join(named)}."


def _fault_label(fault: Any) -> str:
    """A data fault's label ("D1"): the value itself when it is text, else its ``ref``."""
    if isinstance(fault, str):
        return fault
    return str((fault.get("ref") if isinstance(fault, dict) else getattr(fault, "ref", None)) or "")


def _named_months(months: list) -> str:
    months = sorted(months)
    if len(months) <= 3:
        return _month_list(months)
    return f"{len(months)} months from {words.month(months[0])} to {words.month(months[-1])}"


def _left_out_sentence(comparison: Any, faults: dict) -> str:
    """The months a comparison leaves out, each for its own reason: those with no data or a data
    fault (cited by label), then those left out with them so both periods cover the same months
    ("" when none). ``faults`` adds labels for months the comparison does not know as faults."""
    gaps = tuple(getattr(comparison, "gaps", ()) or ())
    causes = [g for g in gaps if g.reason != "paired"]
    paired = [g.month for g in gaps if g.reason == "paired"]
    if not causes:
        return ""
    refs = []
    for g in causes:
        ref = faults.get(g.month) or (_fault_label(g.fault) if g.reason == "fault" else "")
        if ref and str(ref) not in refs:
            refs.append(str(ref))
    empty = any(g.reason != "fault" and g.month not in faults for g in causes)
    why = words.join((["no data"] if empty else []) + ([f"data fault {words.join(refs)}"] if refs else []))
    named = _named_months([g.month for g in causes])
    verb = "is" if len(causes) == 1 else "are"
    if any(g.partner is None for g in gaps):  # windows of different lengths: not paired
        return f"{named} {verb} left out ({why}); the change compares the months with data."
    if paired:
        return (f"{named} {verb} left out ({why}), and {_named_months(paired)} with "
                f"{'it' if len(causes) == 1 else 'them'}, so both periods cover the same months.")
    return f"{named} {verb} left out ({why}), so both periods cover the same months."


def evidence_sentences(title: str, comparison: Any, spc: Any = None, caveats: Iterable[Any] = (),
                       unit: str = "offences", period_label: "str | None" = None,
                       ref_label: str = "a year earlier", unit_singular: "str | None" = None,
                       more: str = "more", fewer: str = "fewer", faults: "dict | None" = None,
                       short_title: str = "") -> list[str]:
    """The evidence for a measure as a list of short sentences: the headline (figure, change,
    interval, verdict), then months left out, recording changes and the SPC findings, one short
    sentence each. Arguments as :func:`evidence_statement`; ``faults`` maps a month left out to
    the label of the data fault that removes it ("D1"), which the sentence on months left out cites;
    ``short_title`` names the measure in the headline when its title is too long for it.

    >>> from perfkit.stats.compare import compare_periods
    >>> len(evidence_sentences("Burglary", compare_periods(612, 3, 673, 3, label="2015/16 Q1")))
    1
    """
    out = headline_sentences(title, comparison, unit, period_label, ref_label, unit_singular, more, fewer,
                             short_title=short_title)
    # No comparison (a period without figures): the headline says which period has none; there is
    # no change for the months left out or a recording change to qualify.
    compared = not (math.isnan(comparison.count) or math.isnan(comparison.count_ref))
    left_out = _left_out_sentence(comparison, faults or {}) if compared else ""
    if left_out:
        out.append(left_out)
    named = caveat_sentence(list(getattr(comparison, "caveats", ()) or ()) + list(caveats)) if compared else ""
    if named:
        out.append(named)
    if spc is not None:
        from perfkit.present.control_charts import spc_findings

        out.extend(spc_findings(spc, title))
    return out


def evidence_statement(title: str, comparison: Any, spc: Any = None, caveats: Iterable[Any] = (),
                       unit: str = "offences", period_label: "str | None" = None,
                       ref_label: str = "a year earlier", unit_singular: "str | None" = None,
                       more: str = "more", fewer: str = "fewer", faults: "dict | None" = None) -> str:
    """The evidence for a measure in short sentences: the change, its interval and verdict first,
    then missing data, caveats and the SPC view.

    Parameters
    ----------
    title : str
        The measure's name ("Burglary").
    comparison : perfkit.stats.compare.Comparison
        The period comparison (e.g. from :func:`perfkit.stats.compare.quarter_vs_last_year`).
    spc : perfkit.stats.spc.XmR, optional
        The monthly series' XmR chart; its :meth:`~perfkit.stats.spc.XmR.findings` follow.
    caveats : iterable
        Recording caveats that apply (objects or mappings with ``title`` and optionally ``ref``,
        ``number`` or ``id``), in addition to those the comparison spans.
    unit : str
        Plural noun for the count ("offences", "incidents", "collisions").
    period_label : str, optional
        The period in words; default ``comparison.label``.
    ref_label : str
        The reference period in words, default "a year earlier".
    more, fewer : str
        Words of change ("higher"/"lower" for rates).
    faults : dict, optional
        Month left out -> label of the data fault that removes it ("D1"), cited where the
        statement says which months are left out.

    Returns
    -------
    str

    Notes
    -----
    The interval is the comparison's 95% interval, as percentage changes rounded to whole per
    cent by :func:`format_change`. Where one count is zero the percentage change is not
    meaningful, so the sentence reports the exact test's verdict without an interval. The
    statement never judges a change good or bad, and names no test: the test, its dispersion and
    the SPC rules are method notes (:attr:`perfkit.evidence.analysis.MeasureEvidence.method_notes`).

    Examples
    --------
    >>> from perfkit.stats.compare import compare_periods
    >>> c = compare_periods(0, 3, 0, 3, label="2015/16 Q1")
    >>> evidence_statement("Homicide", c)
    'Homicide: no offences in 2015/16 Q1 and none a year earlier, so there is no change to test.'
    """
    return " ".join(evidence_sentences(title, comparison, spc, caveats, unit, period_label, ref_label,
                                       unit_singular, more, fewer, faults))
