"""Plain-English evidence statements, written from the statistics' result objects.

:func:`evidence_statement` turns a :class:`perfkit.compare.Comparison` (and optionally a
:class:`perfkit.spc.XmR` and recording-change caveats) into one sentence for the "what the
evidence says" summary of an objective report. The wording rules:

- a change is called "statistically significant" only when the test says so (p < 0.05), and
  "not statistically significant" only when a test was carried out;
- a change is never called good or bad: the words are "more" and "fewer" (or "higher" and
  "lower" for rates);
- each special cause on the SPC chart is named with its rule;
- an applicable recording caveat is referenced in the same sentence ("see caveat 3");
- missing months are stated.

Numbers follow GOV.UK style through :mod:`perfkit.words`: thousands separators, percentages rounded
half up to whole per cent (:func:`format_percent`, :func:`format_change`).

Examples
--------
>>> from perfkit.compare import compare_periods
>>> c = compare_periods(612, 3, 673, 3, label="2015/16 Q1")
>>> evidence_statement("Burglary", c)
'Burglary: 612 offences in 2015/16 Q1, 9% fewer than the 673 a year earlier; the 95% interval runs from 18% fewer to 1% more, so the change is not statistically significant.'
"""

from __future__ import annotations

import math
from typing import Any, Iterable

from perfkit import words

__all__ = ["evidence_statement", "format_count", "format_percent", "format_change", "caveat_reference"]


# The number style lives in perfkit.words; these names are kept for the statements below and for
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


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _month_list(months: Iterable[Any]) -> str:
    return _join([m.strftime("%B %Y") for m in months])


def _as_clause(sentence: str) -> str:
    s = sentence.strip().rstrip(".")
    return s[0].lower() + s[1:] if s else s


def _interval_clause(comparison: Any, more: str, fewer: str) -> str:
    lo = format_change(comparison.ci_low, more, fewer)
    hi = format_change(comparison.ci_high, more, fewer)
    verdict = ("so the change is statistically significant" if comparison.significant
               else "so the change is not statistically significant")
    return f"the 95% interval runs from {lo} to {hi}, {verdict}"


def _coverage(comparison: Any, which: str) -> str:
    """' (2 of 3 months with data)' when the window has missing months, else ''."""
    window = getattr(comparison, which, None)
    if window is None:
        return ""
    months = list(window.months)
    gaps = [m for m in getattr(comparison, "missing_months", ()) if m in set(months)]
    return f" ({len(months) - len(gaps)} of {len(months)} months with data)" if gaps else ""


def evidence_statement(title: str, comparison: Any, spc: Any = None, caveats: Iterable[Any] = (),
                       unit: str = "offences", period_label: "str | None" = None,
                       ref_label: str = "a year earlier", unit_singular: "str | None" = None,
                       more: str = "more", fewer: str = "fewer") -> str:
    """One sentence of evidence for a measure: the change, its interval and verdict, caveats,
    missing data and the SPC view.

    Parameters
    ----------
    title : str
        The measure's name ("Burglary").
    comparison : perfkit.compare.Comparison
        The period comparison (e.g. from :func:`perfkit.compare.quarter_vs_last_year`).
    spc : perfkit.spc.XmR, optional
        The monthly series' XmR chart; its :meth:`~perfkit.spc.XmR.describe` sentence becomes the
        last clause.
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

    Returns
    -------
    str

    Notes
    -----
    The interval is the comparison's 95% interval, as percentage changes rounded to whole per
    cent by :func:`format_change`. Where one count is zero the percentage change is not
    meaningful, so the sentence reports the exact test's verdict without an interval. The
    sentence never judges a change good or bad.

    Examples
    --------
    >>> from perfkit.compare import compare_periods
    >>> c = compare_periods(0, 3, 0, 3, label="2015/16 Q1")
    >>> evidence_statement("Homicide", c)
    'Homicide: no offences in 2015/16 Q1 and none a year earlier, so there is no change to test.'
    """
    period = period_label or getattr(comparison, "label", None) or "the latest period"
    singular = unit_singular or (unit[:-1] if unit.endswith("s") else unit)
    c1, c0 = comparison.count, comparison.count_ref

    def counted(n: float) -> str:
        return f"{format_count(n)} {singular if format_count(n) == '1' else unit}"

    clauses: list[str] = []
    if math.isnan(c1) or math.isnan(c0):
        if math.isnan(c1) and math.isnan(c0):
            head = f"{title}: no figures are available for {period} or {ref_label}, so no comparison can be made"
        elif math.isnan(c1):
            head = f"{title}: no figure is available for {period}, so no comparison with {ref_label} can be made"
        else:
            head = (f"{title}: {counted(c1)} in {period}; no figure is available for {ref_label}, "
                    "so no comparison can be made")
    elif c1 == 0 and c0 == 0:
        head = f"{title}: no {unit} in {period} and none {ref_label}, so there is no change to test"
    elif c1 == 0 or c0 == 0:
        verdict = "statistically significant" if comparison.significant else "not statistically significant"
        if c0 == 0:
            head = f"{title}: {counted(c1)} in {period}, up from none {ref_label}"
        else:
            head = f"{title}: no {unit} in {period}, down from {format_count(c0)} {ref_label}"
        clauses.append(f"an exact test finds the change {verdict}")
    elif comparison.exposure != comparison.exposure_ref:
        # unequal exposure (a missing month, or a population or day count): compare rates
        cover, cover_ref = _coverage(comparison, "window"), _coverage(comparison, "window_ref")
        change = format_change(comparison.ratio, "higher", "lower")
        ref_part = f"{format_count(c0)} {unit}" + (f" in {cover_ref[2:-1]}" if cover_ref else "")
        if change == "no change":
            head = f"{title}: {counted(c1)} in {period}{cover}, the same rate as {ref_label} ({ref_part})"
        else:
            head = f"{title}: {counted(c1)} in {period}{cover}, a rate {change} than {ref_label} ({ref_part})"
        clauses.append(_interval_clause(comparison, "higher", "lower"))
    else:
        change = format_change(comparison.ratio, more, fewer)
        if change == "no change":
            head = f"{title}: {counted(c1)} in {period}, no change from the {format_count(c0)} {ref_label}"
        else:
            head = f"{title}: {counted(c1)} in {period}, {change} than the {format_count(c0)} {ref_label}"
        clauses.append(_interval_clause(comparison, more, fewer))

    missing = tuple(getattr(comparison, "missing_months", ()) or ())
    if missing:
        verb = "has" if len(missing) == 1 else "have"
        verb = "is" if len(missing) == 1 else "are"
        clauses.append(f"{_month_list(missing)} {verb} left out (no usable data), so both periods are compared on "
                       "the same months")

    seen: list[Any] = []
    for c in list(getattr(comparison, "caveats", ()) or ()) + list(caveats):
        if not any(c is s or _caveat_title(c) == _caveat_title(s) for s in seen):
            seen.append(c)
    if seen:
        named = []
        for c in seen:
            ref = caveat_reference(c)
            named.append(f"{_caveat_title(c)} (see {ref})" if ref else _caveat_title(c))
        noun = "a recording change" if len(named) == 1 else "recording changes"
        clauses.append(f"{noun} may account for some of the change: {_join(named)}")

    if spc is not None:
        clauses.append(_as_clause(spc.describe()))
    return "; ".join([head] + clauses) + "."
