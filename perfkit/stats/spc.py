"""Statistical process control: the XmR chart as NHS England's "Making Data Count" defines it.

One public function, :func:`xmr`, returns an :class:`XmR` result: a table with one row per month
(value, centre line, process limits, each special-cause rule's flag, the point type), the
overall variation icon, warnings about weak limits, the special-cause signals as values
(:meth:`XmR.signals`), and a chart in the Making Data Count colours. The words for its findings are
in :mod:`perfkit.present.statements` (statistics return numbers, never sentences).

The rules follow the NHSRplotthedots R package (nhs-r-community/NHSRplotthedots,
``R/ptd_spc_standard.R`` and ``R/ptd_calculate_point_type.R``); where this module departs from
it, ``docs/methods-spc-compare.md`` says how and why.

Examples
--------
>>> import pandas as pd
>>> months = pd.period_range("2014-01", periods=18, freq="M")
>>> s = pd.Series([1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1], index=months)
>>> chart = xmr(s, improvement="increase")
>>> float(round(chart.table["upper"].iloc[0], 2)), float(round(chart.table["lower"].iloc[0], 2))
(4.6, -0.72)
>>> chart.table.loc[pd.Period("2014-05", "M"), "point_type"]
'improvement'
>>> chart.icon
'common_cause'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, NamedTuple

import numpy as np
import pandas as pd

from perfkit.errors import PerfkitError
from perfkit.periods import check_monthly, parse_month

__all__ = [
    "xmr",
    "SPCInputError",
    "XmR",
    "LimitWarning",
    "LIMIT_FACTOR",
    "NEAR_LIMIT_FACTOR",
    "SCREEN_FACTOR",
    "MIN_POINTS_FOR_LIMITS",
    "FIRM_LIMITS_POINTS",
    "Signal",
    "SPC_COLOURS",
    "POINT_TYPES",
]

#: Limits sit at mean +/- 2.66 x mean moving range (2.66 = 3 / 1.128, d2 for n = 2).
LIMIT_FACTOR = 2.66
#: "Close to the limits" is beyond mean +/- (2/3) x 2.66 x mean moving range (about 2 sigma).
NEAR_LIMIT_FACTOR = 2 * LIMIT_FACTOR / 3
#: Moving ranges at or above 3.267 x their mean are screened out (Nelson 1982; D4 for n = 2).
SCREEN_FACTOR = 3.267
#: A rebase (a recording change affecting the measure) takes effect only once this many months with
#: data follow it; until then the earlier limits carry on (Making Data Count: at least 12 points).
MIN_POINTS_FOR_LIMITS = 12
#: A segment with fewer points than this has trial limits, which move as months are added.
FIRM_LIMITS_POINTS = 20

#: Making Data Count colours, by point type / variation icon.
SPC_COLOURS = {
    "common_cause": "#a6a6a6",
    "improvement": "#00b0f0",
    "concern": "#e46c0a",
    "neutral": "#490092",
}
POINT_TYPES = tuple(SPC_COLOURS)

_IMPROVEMENT = {
    "increase": "increase", "higher": "increase", "up": "increase",
    "decrease": "decrease", "lower": "decrease", "down": "decrease",
    "none": None, "neutral": None,
}


class LimitWarning(NamedTuple):
    """A weak result of :func:`xmr`, as a value (worded by
    :func:`perfkit.present.statements.spc_warnings`): ``code`` ``"no-limits"`` (a segment with no
    two consecutive months with data), ``"trial"`` (limits from fewer than
    :data:`FIRM_LIMITS_POINTS` points) or ``"missing"`` (months with no data, shown as gaps);
    ``segment`` the first month of the segment (None: the whole series, no rebase); ``points`` the
    points the limits rest on; ``months`` the missing months."""

    code: str
    segment: "pd.Period | None" = None
    points: int = 0
    months: tuple = ()


class SPCInputError(PerfkitError, ValueError):
    """Bad input to :func:`xmr` (or :mod:`perfkit.stats.compare`); the message says what was expected.

    It is both a :class:`perfkit.errors.PerfkitError` (the CLI prints it without a traceback)
    and a :class:`ValueError` (as statsmodels and pandas raise for bad arguments).
    """


# --- input checking --------------------------------------------------------------------------

def _month(value: object, what: str) -> pd.Period:
    return parse_month(value, what, error=SPCInputError)


def _monthly_series(series: object) -> pd.Series:
    """A float Series on a complete monthly PeriodIndex (absent months become NaN)."""
    values = check_monthly(series, "series", error=SPCInputError).rename(None)
    values.index.name = "month"
    return values


def _improvement(value: object) -> "str | None":
    if value is None:
        return None
    key = str(value).strip().lower()
    if key in _IMPROVEMENT:
        return _IMPROVEMENT[key]
    raise SPCInputError(
        f"improvement: found {value!r}; expected 'increase', 'decrease' or None (no direction is better)"
    )


# --- the rules (vectorised over one segment) --------------------------------------------------

def _blocks(values: np.ndarray) -> list[tuple[int, int, float]]:
    """Maximal blocks of consecutive equal values: (start, end inclusive, value)."""
    out: list[tuple[int, int, float]] = []
    n = len(values)
    if n == 0:
        return out
    change = np.flatnonzero(values[1:] != values[:-1]) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change - 1, [n - 1]))
    return [(int(s), int(e), float(values[s])) for s, e in zip(starts, ends)]


def _segment_rules(y: np.ndarray, mean: float, lower: float, upper: float, near_lo: float,
                   near_hi: float, run_length: int) -> dict[str, np.ndarray]:
    n = len(y)
    present = ~np.isnan(y)
    with np.errstate(invalid="ignore"):
        outside = present & ((y > upper) | (y < lower))
        close = present & ~outside & ((y < near_lo) | (y > near_hi))
        side = np.where(present, np.sign(y - mean), 0.0)
    side = np.nan_to_num(side, nan=0.0)

    # (b) runs: a block of >= run_length consecutive points on the same side flags every point
    # of the block (NHSRplotthedots flags each window of 7 and every point in it). A point on the
    # mean (side 0) or a missing month ends the block.
    run = np.zeros(n, dtype=bool)
    for s, e, v in _blocks(side):
        if v != 0 and e - s + 1 >= run_length:
            run[s:e + 1] = True

    # (c) trends: run_length - 1 consecutive strict rises (or falls) flag the run_length points
    # they join. A tie, or a step into or out of a missing month, breaks the trend.
    trend = np.zeros(n, dtype=bool)
    trend_dir = np.zeros(n)
    if n > 1:
        with np.errstate(invalid="ignore"):
            step = np.nan_to_num(np.sign(np.diff(y)), nan=0.0)
        for s, e, v in _blocks(step):
            if v != 0 and e - s + 1 >= run_length - 1:
                trend[s:e + 2] = True
                trend_dir[s:e + 2] = v  # later blocks overwrite: a turning point takes the later trend

    # (d) two of three: in a window of three consecutive points, at least two close to the
    # limits (between the 2-sigma line and the limit) and all three on the same side of the
    # mean; only the close points are flagged (as NHSRplotthedots).
    two = np.zeros(n, dtype=bool)
    for k in range(n - 2):
        if close[k:k + 3].sum() >= 2 and abs(side[k:k + 3].sum()) == 3:
            two[k:k + 3] |= close[k:k + 3]

    return {"outside": outside, "close": close, "side": side, "run": run, "trend": trend,
            "trend_dir": trend_dir, "two": two}


# --- result -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Signal:
    """One special-cause signal: consecutive flagged months of one rule, on one side.

    ``rule`` is ``outside``, ``run``, ``trend`` or ``two_of_three``; ``direction`` +1 (above the
    mean, rising) or -1; ``start`` and ``end`` its first and last months; ``points`` how many
    months it holds; ``latest`` whether it includes the latest month with data. Words for it are
    in :mod:`perfkit.present.statements`."""

    rule: str          # outside, run, trend, two_of_three
    direction: int     # +1 above / rising, -1 below / falling
    start: pd.Period
    end: pd.Period
    points: int
    latest: bool       # the signal includes the latest point with data


class XmR:
    """Result of :func:`xmr`: an XmR (individuals and moving range) chart.

    Attributes are read-only properties. ``table`` is a copy, so changing it changes nothing here.
    """

    def __init__(self, table: pd.DataFrame, segments: pd.DataFrame, improvement: "str | None",
                 run_length: int, rebase: tuple, baseline: "int | None", screen_outliers: bool,
                 warnings: tuple, pending: tuple = ()):
        self._pending = tuple(pending)
        self._table = table
        self._segments = segments
        self._improvement = improvement
        self._run_length = run_length
        self._rebase = rebase
        self._baseline = baseline
        self._screen = screen_outliers
        self._warnings = warnings
        present = table[table["value"].notna()]
        if len(present):
            last = present.iloc[-1]
            self._icon = last["point_type"]
            self._icon_direction = ({1: "high", -1: "low"}.get(int(last["direction"]))
                                    if self._icon != "common_cause" else None)
        else:
            self._icon, self._icon_direction = "common_cause", None

    # --- values -----------------------------------------------------------------------------
    @property
    def table(self) -> pd.DataFrame:
        """One row per month: ``value, mean, lower, upper, outside_limits, run, trend,
        two_of_three, special, point_type`` and also ``segment``, ``moving_range``,
        ``near_lower``, ``near_upper``, ``close_to_limits``, ``special_cause_type``,
        ``direction`` (+1 above/rising, -1 below/falling, 0 none)."""
        return self._table.copy()

    @property
    def segments(self) -> pd.DataFrame:
        """One row per segment (limits recomputed from each rebase month): ``start, end,
        points, mean, mean_moving_range, lower, upper, trial``."""
        return self._segments.copy()

    @property
    def icon(self) -> str:
        """Variation icon: the latest point's type (``common_cause``, ``improvement``,
        ``concern`` or ``neutral``), as NHSRplotthedots."""
        return self._icon

    @property
    def icon_direction(self) -> "str | None":
        """``'high'`` or ``'low'`` for a special-cause icon (the H / L of the icon), else None."""
        return self._icon_direction

    @property
    def icon_colour(self) -> str:
        """Making Data Count colour of the variation icon."""
        return SPC_COLOURS[self._icon]

    @property
    def warnings(self) -> tuple:
        """Weak results (trial limits, segments without limits, missing months) as
        :class:`LimitWarning` values (:func:`perfkit.present.statements.spc_warnings` words them)."""
        return self._warnings

    @property
    def improvement(self) -> "str | None":
        """``'increase'``, ``'decrease'`` or None (no direction is better)."""
        return self._improvement

    @property
    def run_length(self) -> int:
        """Points needed for a run or a trend."""
        return self._run_length

    @property
    def rebase(self) -> tuple[pd.Period, ...]:
        """Months from which the limits were recomputed (those inside the series)."""
        return self._rebase

    # --- findings as values (words: perfkit.present.statements) ------------------------------
    @property
    def pending_rebase(self) -> tuple[pd.Period, ...]:
        """Rebase months inside the series with too few months after them (fewer than
        :data:`MIN_POINTS_FOR_LIMITS`): the earlier limits carry on across them for now."""
        return self._pending

    @property
    def screened(self) -> bool:
        """Whether moving ranges of 3.267 times their mean or more were screened out."""
        return self._screen

    @property
    def baseline(self) -> "int | None":
        """Months of each segment the limits come from (None: all)."""
        return self._baseline

    @property
    def latest(self) -> "pd.Period | None":
        """The latest month with data."""
        present = self._table[self._table["value"].notna()]
        return present.index[-1] if len(present) else None

    @property
    def latest_segment(self) -> dict:
        """The latest segment: ``start``, ``points``, ``trial`` (fewer than
        :data:`FIRM_LIMITS_POINTS` points) and ``has_limits``."""
        seg = self._segments.iloc[-1]
        return {"start": seg["start"], "points": int(seg["points"]), "trial": bool(seg["trial"]),
                "has_limits": not np.isnan(seg["upper"])}

    def signals(self, since: "pd.Period | str | None" = None) -> list[Signal]:
        """The special-cause signals, in order of their first month; with ``since``, only those
        ending in or after that month (the words name the recent ones; the chart shows them all)."""
        t = self._table
        last_seg = t["segment"].max() if len(t) else 0
        seg = t[t["segment"] == last_seg]
        present = seg[seg["value"].notna()]
        latest = present.index[-1] if len(present) else None
        signals: list[Signal] = []

        def add(rule: str, mask: pd.Series, direction: pd.Series, max_gap: int = 1) -> None:
            idx = list(np.flatnonzero(mask.to_numpy()))
            group: list[int] = []
            for i in idx + [None]:
                if group and (i is None or i - group[-1] > max_gap
                              or direction.iloc[i] != direction.iloc[group[0]]):
                    start, end = seg.index[group[0]], seg.index[group[-1]]
                    signals.append(Signal(rule, int(direction.iloc[group[0]]), start, end,
                                           len(group), end == latest))
                    group = []
                if i is not None:
                    group.append(i)

        side = np.sign(seg["value"] - seg["mean"]).fillna(0)
        add("outside", seg["outside_limits"], side)
        add("run", seg["run"], side)
        add("trend", seg["trend"], seg["trend_direction"])
        add("two_of_three", seg["two_of_three"], side, max_gap=2)
        signals.sort(key=lambda s: (s.start, s.end))
        if since is not None:
            since = _month(since, "since")
            signals = [sig for sig in signals if sig.end >= since]
        return signals

    def __repr__(self) -> str:
        n = int(self._table["value"].notna().sum())
        return f"<XmR: {n} points, {len(self._segments)} segment(s), icon {self._icon!r}>"


# --- the public function -------------------------------------------------------------------------

def xmr(series: pd.Series, improvement: "str | None" = None, rebase: Iterable = (),
        baseline: "int | None" = None, run_length: int = 7, screen_outliers: bool = True) -> XmR:
    """XmR chart of a monthly series, with the Making Data Count special-cause rules.

    Parameters
    ----------
    series : pandas.Series
        Monthly values on a ``PeriodIndex`` (freq ``M``; a ``DatetimeIndex`` is converted).
        NaN, or a month absent from the index, is a missing month (see Notes).
    improvement : {'increase', 'decrease', None}
        Which direction is an improvement; None when neither is (points are then "neutral").
        The Plan's words ``'higher'`` / ``'lower'`` / ``'none'`` are accepted too.
    rebase : iterable of pandas.Period or 'YYYY-MM'
        Months from which the limits are recomputed (a recording change that affects the
        measure). Months outside the series are ignored; a month followed by fewer than
        :data:`MIN_POINTS_FOR_LIMITS` months with data is pending (:attr:`XmR.pending_rebase`): the
        earlier limits carry on across it until enough points follow.
    baseline : int, optional
        Compute each segment's mean and limits from its first ``baseline`` months only
        (NHSRplotthedots ``fix_after_n_points``); at least 12.
    run_length : int, default 7
        Points in a run on one side of the mean, and in a trend; 6 or 7 as the NHS tool allows
        (any whole number from 5 to 12 is accepted).
    screen_outliers : bool, default True
        Drop moving ranges >= 3.267 x their mean and recompute the mean (NHSRplotthedots default;
        the NHS spreadsheet does not screen).

    Returns
    -------
    XmR
        ``.table``, ``.segments``, ``.icon``, ``.icon_colour``, ``.warnings`` and
        ``.signals()``; its chart is :func:`perfkit.present.stat_charts.control_chart` and its findings
        in words are :func:`perfkit.present.statements.spc_findings`.

    Raises
    ------
    SPCInputError
        (a ValueError and a PerfkitError) for a series without a monthly index, non-numeric
        values, a bad ``improvement``, ``rebase``, ``baseline`` or ``run_length``.

    Notes
    -----
    Within each segment (from the series start, then from each rebase month):
    centre line = mean of the (baseline) points; MR_t = |x_t - x_(t-1)|; limits = mean +/-
    2.66 x mean(MR); "close to the limits" = beyond mean +/- (2/3) x 2.66 x mean(MR) but within
    the limits. Rules, all evaluated within a segment only: (a) a point strictly outside a limit;
    (b) ``run_length`` or more consecutive points strictly on one side of the mean (all flagged);
    (c) ``run_length`` or more points joined by strict rises, or by strict falls (all flagged);
    (d) two of three consecutive points close to the limits with all three on the same side of
    the mean (the close points are flagged). A point's type comes from the first rule that
    applies in the order (a), (c), (d), (b), and its direction from that rule (above/below the
    mean, rising/falling trend), as NHSRplotthedots. The variation icon is the latest point's type.

    Missing months stay in the table with NaN values and no flags: a moving range is not taken
    across a gap, the mean ignores the gap, and a gap ends a run, a trend and a two-of-three
    window. NHSRplotthedots requires a series without gaps. The limits are only as good as the
    assumption that months are independent with a stable mean: seasonal counts should be
    seasonally adjusted first, or the seasonal pattern shows as runs.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.Series(range(1, 16), index=pd.period_range("2015-04", periods=15, freq="M"), dtype=float)
    >>> chart = xmr(s, improvement="decrease")
    >>> bool(chart.table["trend"].all()), chart.icon
    (True, 'concern')
    """
    y = _monthly_series(series)
    direction = _improvement(improvement)
    if isinstance(run_length, bool) or not isinstance(run_length, (int, np.integer)) or not 5 <= run_length <= 12:
        raise SPCInputError(f"run_length: found {run_length!r}; expected a whole number from 5 to 12 (6 or 7 as the NHS tool)")
    if baseline is not None and (isinstance(baseline, bool) or not isinstance(baseline, (int, np.integer))
                                 or baseline < MIN_POINTS_FOR_LIMITS):
        raise SPCInputError(f"baseline: found {baseline!r}; expected None or a whole number of at least {MIN_POINTS_FOR_LIMITS}")
    if isinstance(rebase, (str, pd.Period)):
        rebase = [rebase]
    try:
        rebase_months = sorted({_month(r, "rebase") for r in rebase})
    except TypeError:
        raise SPCInputError(f"rebase: found {rebase!r}; expected a list of months ('YYYY-MM' or pd.Period)") from None
    if len(y):
        rebase_months = [p for p in rebase_months if y.index[0] < p <= y.index[-1]]
    else:
        rebase_months = []
    # Making Data Count rebases only when enough points follow the change: a rebase month with
    # fewer than MIN_POINTS_FOR_LIMITS months of data from it on is pending, and the earlier
    # limits carry on across it (the words say a change lies in the window).
    with_data = y.dropna().index
    pending = [p for p in rebase_months if int((with_data >= p).sum()) < MIN_POINTS_FOR_LIMITS]
    rebase_months = [p for p in rebase_months if p not in pending]

    n = len(y)
    months = y.index
    segment = np.zeros(n, dtype=int)
    for p in rebase_months:
        segment[months >= p] += 1
    values = y.to_numpy()
    cols = {k: np.full(n, np.nan) for k in ("mean", "lower", "upper", "near_lower", "near_upper", "moving_range")}
    flags = {k: np.zeros(n, dtype=bool) for k in ("outside", "close", "run", "trend", "two")}
    side = np.zeros(n)
    trend_dir = np.zeros(n)
    seg_rows = []
    warnings: list = []
    for seg in range(segment.max() + 1 if n else 0):
        idx = np.flatnonzero(segment == seg)
        ys = values[idx]
        base = ys.copy()
        if baseline is not None:
            base[baseline:] = np.nan
        points = int(np.sum(~np.isnan(ys)))
        start = months[idx[0]]
        mr = np.abs(np.diff(base)) if len(base) > 1 else np.array([])
        mr = np.concatenate(([np.nan], mr))
        cols["moving_range"][idx] = np.abs(np.concatenate(([np.nan], np.diff(ys))))
        mean = float(np.nanmean(base)) if np.any(~np.isnan(base)) else np.nan
        amr = float(np.nanmean(mr)) if np.any(~np.isnan(mr)) else np.nan
        if screen_outliers and amr > 0:
            # as NHSRplotthedots: keep moving ranges strictly below 3.267 x their mean
            kept = np.where(mr < SCREEN_FACTOR * amr, mr, np.nan)
            amr = float(np.nanmean(kept)) if np.any(~np.isnan(kept)) else np.nan
        lower, upper = mean - LIMIT_FACTOR * amr, mean + LIMIT_FACTOR * amr
        near_lo, near_hi = mean - NEAR_LIMIT_FACTOR * amr, mean + NEAR_LIMIT_FACTOR * amr
        for k, v in (("mean", mean), ("lower", lower), ("upper", upper),
                     ("near_lower", near_lo), ("near_upper", near_hi)):
            cols[k][idx] = v
        rules = _segment_rules(ys, mean, lower, upper, near_lo, near_hi, run_length)
        for k in flags:
            flags[k][idx] = rules[k]
        side[idx] = rules["side"]
        trend_dir[idx] = rules["trend_dir"]
        used = min(points, int(np.sum(~np.isnan(base))))
        trial = used < FIRM_LIMITS_POINTS
        seg_start = start if rebase_months else None
        if np.isnan(amr) or np.isnan(mean):
            warnings.append(LimitWarning("no-limits", seg_start))
        elif trial:
            warnings.append(LimitWarning("trial", seg_start, used))
        seg_rows.append({"start": start, "end": months[idx[-1]], "points": points, "mean": mean,
                         "mean_moving_range": amr, "lower": lower, "upper": upper, "trial": trial})
    missing = [p for p, v in zip(months, values) if np.isnan(v)]
    if missing:
        warnings.append(LimitWarning("missing", months=tuple(missing)))

    # Point type: the first rule that applies in NHSRplotthedots' order (outside limits, trend,
    # two of three, run) names the special cause and gives its direction.
    sct = np.full(n, None, dtype=object)
    pdir = np.zeros(n, dtype=int)
    for i in range(n):
        if flags["outside"][i]:
            sct[i], pdir[i] = ("above_upper", 1) if side[i] > 0 else ("below_lower", -1)
        elif flags["trend"][i]:
            sct[i], pdir[i] = ("trend_rising", 1) if trend_dir[i] > 0 else ("trend_falling", -1)
        elif flags["two"][i]:
            sct[i], pdir[i] = ("two_of_three_above", 1) if side[i] > 0 else ("two_of_three_below", -1)
        elif flags["run"][i]:
            sct[i], pdir[i] = ("run_above", 1) if side[i] > 0 else ("run_below", -1)
    special = flags["outside"] | flags["trend"] | flags["two"] | flags["run"]
    sign = {"increase": 1, "decrease": -1, None: 0}[direction]
    point_type = np.where(
        ~special, "common_cause",
        np.where(sign == 0, "neutral", np.where(pdir * sign > 0, "improvement", "concern")),
    ).astype(object)
    point_type[np.isnan(values)] = None

    table = pd.DataFrame({
        "value": values,
        "mean": cols["mean"],
        "lower": cols["lower"],
        "upper": cols["upper"],
        "outside_limits": flags["outside"],
        "run": flags["run"],
        "trend": flags["trend"],
        "two_of_three": flags["two"],
        "special": special,
        "point_type": point_type,
        "segment": segment,
        "moving_range": cols["moving_range"],
        "near_lower": cols["near_lower"],
        "near_upper": cols["near_upper"],
        "close_to_limits": flags["close"],
        "special_cause_type": sct,
        "direction": pdir,
        "trend_direction": trend_dir.astype(int),
    }, index=months)
    segments = pd.DataFrame(seg_rows, columns=["start", "end", "points", "mean", "mean_moving_range",
                                               "lower", "upper", "trial"])
    return XmR(table, segments, direction, int(run_length), tuple(rebase_months), baseline,
               bool(screen_outliers), tuple(warnings), tuple(pending))
