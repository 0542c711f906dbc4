"""A control chart's findings in words: the latest month's verdict, the recent signals, a pending
recalculation of the limits, and the rules behind them (for the method notes).

:class:`perfkit.stats.spc.XmR` returns its signals as values (:meth:`~perfkit.stats.spc.XmR.signals`);
this module words them, with the number style of :mod:`perfkit.present.words`. Its functions are also
found in :mod:`perfkit.present.statements`, which words every other result.

Examples
--------
>>> import pandas as pd
>>> from perfkit.stats.spc import xmr
>>> s = pd.Series([10.0] * 6 + [11, 9] * 6, index=pd.period_range("2015-04", periods=18, freq="M"))
>>> spc_findings(xmr(s), "Burglary")
['Burglary in September 2016: within the usual range (common-cause variation), as every month of the last 12 is.', 'The limits are trial limits, based on only 18 months.']
"""

from __future__ import annotations

from perfkit.present import words

__all__ = ["spc_findings", "spc_rule_notes", "spc_describe", "spc_signal", "RECENT_MONTHS"]

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
    if not subject:
        return said
    # a sentence that opens with a month keeps its capital ("Robbery: July 2018 was ...")
    opens_with_month = said.split(" ", 1)[0] in {words.month(f"2000-{m:02d}").split()[0] for m in range(1, 13)}
    return f"{subject}: {said if opens_with_month else words.lower_first(said)}"


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
