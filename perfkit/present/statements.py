"""The statistics' results in words: the one place sentences about a result are made.

The statistics (:mod:`perfkit.stats`) return numbers, flags and result objects; the evidence model
(:mod:`perfkit.evidence`) holds them; this module turns them into short plain-English sentences for
the pages, with the number style of :mod:`perfkit.present.words` (one rounding, applied once).

- :func:`spc_findings` and :func:`spc_rule_notes`: an XmR chart's verdict on the latest month, the
  signals of the last 12 months (or since the limits were last recalculated), a pending rebase
  and trial limits; the rules behind them for the method notes.

Examples
--------
>>> import pandas as pd
>>> from perfkit.stats.spc import xmr
>>> s = pd.Series([10.0] * 6 + [11, 9] * 6, index=pd.period_range("2015-04", periods=18, freq="M"))
>>> spc_findings(xmr(s), "Burglary")
['Burglary in September 2016: within the usual range (common-cause variation), as every month of the last 12 is.', 'The limits are trial limits, based on only 18 months.']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from perfkit.present import narrative, words

__all__ = ["spc_findings", "spc_rule_notes", "spc_describe", "spc_signal", "RECENT_MONTHS",
           "statement_sentences", "measure_statement", "method_notes", "change_words", "unavailable_reason"]

#: Control-chart words name the signals of this many latest months (older ones stay on the chart).
RECENT_MONTHS = 12

_RULES = {
    "outside": "a point outside the process limits (the mean plus or minus 2.66 times the mean moving range)",
    "run": "the run rule ({n} or more points in a row on one side of the mean)",
    "trend": "the trend rule ({n} or more points in a row rising, or falling)",
    "two_of_three": "the two-of-three rule (two of three points in a row beyond two-thirds of the way to a "
                    "process limit, on the same side)",
}


def spc_signal(s, subject: str = "") -> str:
    """One signal (:class:`perfkit.stats.spc.Signal`) as a short sentence, led by ``subject`` when
    given ("Robbery: June 2018 was above the upper process limit."), so that two measures with a
    signal in the same months never read alike on a page; the rule's name is a method note."""
    said = _signal_words(s)
    return f"{subject}: {words.lower_first(said)}" if subject else said


def _signal_words(s) -> str:
    a, b = words.month(s.start), words.month(s.end)
    if s.rule == "outside":
        where = "above the upper process limit" if s.direction > 0 else "below the lower process limit"
        if s.points == 1:
            return f"The latest month ({b}) is {where}." if s.latest else f"{a} was {where}."
        if s.points == 2:
            return f"{a} and {b} {'are' if s.latest else 'were'} {where}."
        if s.latest:
            return f"Each of the {s.points} months since {a} is {where}."
        return f"Each of the {s.points} months from {a} to {b} was {where}."
    if s.rule == "run":
        side = "above" if s.direction > 0 else "below"
        if s.latest:
            return f"The figures have been {side} the average for {s.points} months in a row, since {a}."
        return f"The figures were {side} the average for {s.points} months in a row, from {a} to {b}."
    if s.rule == "trend":
        way = "rising" if s.direction > 0 else "falling"
        if s.latest:
            return f"There is a {way} trend over the {s.points} months since {a}."
        return f"There was a {way} trend over the {s.points} months from {a} to {b}."
    where = "upper" if s.direction > 0 else "lower"
    if s.points == 2 and (s.end - s.start).n <= 2:
        return f"{a} and {b} {'are' if s.latest else 'were'} close to the {where} process limit."
    if s.latest:
        return f"Since {a}, {s.points} months have been close to the {where} process limit."
    return f"Between {a} and {b}, {s.points} months were close to the {where} process limit."


_VERDICT = {
    "improvement": "special-cause variation, an improvement",
    "concern": "special-cause variation, a concern",
    "neutral": "special-cause variation, where neither direction is better",
}


def _recent(chart, months: int) -> list:
    """The signals ending in the last ``months`` months and after the latest recalculation."""
    latest = chart.latest
    if latest is None:
        return []
    since = latest - (months - 1)
    if chart.rebase:
        since = max(since, chart.rebase[-1])
    return chart.signals(since=since)


def spc_findings(chart, subject: str = "The figure", months: int = RECENT_MONTHS, max_signals: int = 3) -> list[str]:
    """An XmR chart's findings in short sentences: the verdict on the latest month (named with
    ``subject``, so that two measures on one page never read the same), then the signals of the
    last ``months`` months (at most ``max_signals``, the most recent), a recording change whose
    rebase is still pending, and trial limits. Older signals stay on the chart.

    >>> import pandas as pd
    >>> from perfkit.stats.spc import xmr
    >>> s = pd.Series([10.0, 11.0] * 10 + [30.0], index=pd.period_range("2015-01", periods=21, freq="M"))
    >>> spc_findings(xmr(s), "Robbery")
    ['Robbery in September 2016: special-cause variation, where neither direction is better.', 'Robbery: the figures were below the average for 20 months in a row, from January 2015 to August 2016.', 'Robbery: the latest month (September 2016) is above the upper process limit.']
    """
    latest = chart.latest
    if latest is None:
        return [f"{subject}: the monthly series has no data."]
    recent = _recent(chart, months)
    span = (f"since the limits were recalculated from {words.month(chart.rebase[-1])}"
            if chart.rebase and chart.rebase[-1] > latest - (months - 1) else f"of the last {months}")
    if chart.icon == "common_cause":
        if recent:
            out = [f"{subject} in {words.month(latest)}: within the usual range (common-cause variation)."]
        else:
            which = f"every month {span} is" if span.startswith("since") else f"every month {span} is"
            out = [f"{subject} in {words.month(latest)}: within the usual range (common-cause variation), as "
                   f"{which}."]
    else:
        out = [f"{subject} in {words.month(latest)}: {_VERDICT[chart.icon]}."]
    shown = sorted(recent, key=lambda s: (s.end, s.start))[-max_signals:]
    out += [spc_signal(s, subject if subject != "The figure" else "") for s in sorted(shown, key=lambda s: (s.start, s.end))]
    if chart.pending_rebase:
        when = words.months(chart.pending_rebase)
        out.append(f"A recording change from {when} lies in the window. The limits will be recalculated from it "
                   f"once 12 months of figures follow it; until then the earlier limits carry on.")
    seg = chart.latest_segment
    if seg["trial"] and seg["has_limits"]:
        out.append(f"The limits are trial limits, based on only {seg['points']} months.")
    return out


def spc_describe(chart, subject: str = "The figure", months: int = RECENT_MONTHS) -> str:
    """:func:`spc_findings` as one short paragraph."""
    return " ".join(spc_findings(chart, subject, months))


def spc_rule_notes(chart, months: int = RECENT_MONTHS, max_signals: int = 3) -> list[str]:
    """Technical notes for the methods: each rule behind the signals :func:`spc_findings` names,
    with its months, and how the limits were set.

    >>> import pandas as pd
    >>> from perfkit.stats.spc import xmr
    >>> s = pd.Series([10.0, 11.0] * 6 + [30.0], index=pd.period_range("2015-04", periods=13, freq="M"))
    >>> spc_rule_notes(xmr(s, baseline=12))[0]
    'SPC rule that fired: a point outside the process limits (the mean plus or minus 2.66 times the mean moving range), April 2016.'
    """
    if chart.latest is None:
        return []
    recent = sorted(_recent(chart, months), key=lambda s: (s.end, s.start))[-max_signals:]
    out = []
    for sig in sorted(recent, key=lambda s: (s.start, s.end)):
        rule = _RULES[sig.rule].format(n=chart.run_length)
        span = words.month(sig.start) if sig.start == sig.end else f"{words.month(sig.start)} to {words.month(sig.end)}"
        out.append(f"SPC rule that fired: {rule}, {span}.")
    seg = chart.latest_segment
    if seg["trial"] and seg["has_limits"]:
        from perfkit.stats.spc import FIRM_LIMITS_POINTS

        out.append(f"SPC limits of the latest segment are trial limits: {seg['points']} points, fewer than "
                   f"{FIRM_LIMITS_POINTS}.")
    screen = ("Moving ranges of 3.267 times their mean or more are screened out."
              if chart.screened else "Moving ranges are not screened.")
    base = (f"Limits come from the first {chart.baseline} months of each segment."
            if chart.baseline else "Limits come from all points of each segment.")
    out.append("SPC method: an XmR chart with Making Data Count rules, limits at the mean plus or minus 2.66 "
               "times the mean moving range.")
    out.append(screen + " " + base)
    if chart.rebase:
        out.append("Limits are recalculated from " + words.months(chart.rebase) + ".")
    if chart.pending_rebase:
        out.append("Not yet recalculated (fewer than 12 months since): " + words.months(chart.pending_rebase) + ".")
    return out


# --- a measure's evidence statement (from perfkit.evidence.analysis.MeasureEvidence) -------------

def unavailable_reason(ev) -> str:
    """Why a measure without figures has none, in a neutral sentence for the published page
    ("" when it has figures). What to supply, and where, is for the analysts' checks."""
    if ev.series.available:
        return ""
    m = ev.measure
    if m.source == "local":
        return "It comes from the force's own systems."
    if m.source == "derived":
        return "It is worked out from two other measures, which have no figures for the same dates."
    from perfkit.config.forces import name_for
    from perfkit.data.measures import SOURCE_NAMES

    return f"It comes from the {SOURCE_NAMES[m.source]} figures, and the pack holds none for {name_for(ev.series.force)}."


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
        # what the analysts must supply is in ev.notes (the pre-publication checks), not here
        return [f"{m.title}: no figures are available."]
    last = ev.series.last_month
    compared = ev.quarter_comparison if ev.quarter_comparison is not None else ev.rolling_comparison
    faults = _fault_refs(ev, compared)
    if ev.snapshot:
        out = _snapshot_sentences(ev)
    elif ev.ends_before_quarter and ev.rolling_comparison is not None:
        cmp = ev.rolling_comparison
        out = narrative.evidence_sentences(m.title, cmp, spc=None, unit=m.unit, period_label=cmp.label,
                                           faults=_fault_refs(ev, cmp))
        out.append(f"The figures end in {words.month(last)}, before {q.label}.")
        return out + _estimate_sentences(ev, cmp)
    elif last is not None and last < q.start and ev.series.frequency == "monthly":
        return [f"{m.title}: the figures end in {words.month(last)}, before {q.label}, so this quarter cannot be "
                "reported.", "The chart shows the series to its last month."]
    elif ev.quarter_comparison is not None:
        out = narrative.evidence_sentences(m.title, ev.quarter_comparison, spc=None, unit=m.unit,
                                           period_label=q.label, faults=faults)
    elif ev.rolling_comparison is not None:
        out = narrative.evidence_sentences(m.title, ev.rolling_comparison, spc=None, unit=m.unit,
                                           period_label=ev.rolling_comparison.label, faults=faults)
    else:
        return [f"{m.title}: no figure is available up to the end of {q.label}."]
    out += _estimate_sentences(ev, compared)
    if ev.spc is not None and not ev.snapshot:
        out += spc_findings(ev.spc, m.title)
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
    if str(cmp.method).startswith("exact conditional"):
        return "exact conditional (binomial) test with a Clopper-Pearson interval, as one count is zero"
    if str(cmp.method).startswith("score test"):
        return "two-sample Poisson score test with its score interval"
    return str(cmp.method)


def method_notes(ev: "MeasureEvidence") -> list[str]:
    """The technical notes behind a measure's statement, one short sentence each where possible
    (see :attr:`MeasureEvidence.method_notes`)."""
    out = []
    cmp = ev.headline_comparison
    if cmp is not None and cmp.tested:
        out.append(f"Test of the change in {cmp.label}: {_test_words(cmp)} ({words.p_value(cmp.p_value)}).")
        phi, df = float(cmp.overdispersion), float(cmp.dispersion_df)
        if phi > 1 and np.isfinite(df):
            out.append(f"This test allows for over-dispersion: quasi-Poisson scale (dispersion) {phi:.2f}, estimated "
                       f"from the months not compared on {df:g} residual degrees of freedom, with Student's t.")
        elif phi > 1:
            out.append(f"Over-dispersion: quasi-Poisson scale (dispersion) {phi:.2f}, taken as known.")
        elif np.isfinite(df):
            out.append(f"Dispersion: none beyond Poisson found (scale 1, estimated on {df:g} residual degrees of "
                       "freedom).")
    if ev.dispersion is not None:
        out.append(ev.dispersion.describe())
    if ev.adjustment is not None:
        # a level shift the count model sized is noted once, with the recording change (below)
        sized = {str(e.at) for e in ev.shift_estimates.values()}
        out.extend(n for n in ev.adjustment.diagnostic_notes()
                   if not any(n.startswith(f"Level shift at {words.month(m)}:") for m in sized))
    for cav in ev.caveats:
        est = ev.shift_estimates.get(cav.id)
        if est is None:
            continue
        checked = (f"interval calibrated on {est.n_placebo} dates with no known change" if est.calibrated
                   else "interval from the model alone")
        out.append(f"Recording change {cav.ref}: {est.model} model of {est.n_months} {est.data}; rate ratio "
                   f"{est.ratio:.2f} (95% interval {est.ci_low:.2f} to {est.ci_high:.2f}), "
                   f"{words.p_value(est.p_value)}; {checked}.")
    if ev.spc is not None:
        out.append(f"SPC on the {ev.spc_basis} series.")
        out.extend(spc_rule_notes(ev.spc))
    return out


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
