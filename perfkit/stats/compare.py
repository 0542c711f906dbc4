"""Comparisons: a period against another, with an interval; a force against its comparator group.

Counts of crimes are treated as Poisson counts. :func:`compare_periods` gives the rate ratio of two
periods with the score test and score interval of statsmodels
(``statsmodels.stats.rates.test_poisson_2indep`` and ``confint_poisson_2indep``), optionally
widened for over-dispersion: :func:`dispersion` estimates the quasi-Poisson scale of a monthly
series (a :class:`Dispersion`), and a comparison given one refers its statistic to Student's t on
the estimate's degrees of freedom. The helpers :func:`quarter_vs_last_year`,
:func:`rolling_12_months` and :func:`year_to_date` build the usual report comparisons from a
monthly series and a :class:`perfkit.periods.Quarter`, comparing like months with like (a month
missing from one period is left out of the other too) and flagging recording changes the
comparison spans. A month left out is a :class:`Gap` (the month, its partner, why); the results hold
numbers, flags and such values, and :mod:`perfkit.present.statements` words them.
:func:`comparator_position` places a force's rate per 1,000 residents among a comparator
group configured in ``params/comparators.yaml`` (:func:`load_comparators`).

Examples
--------
>>> c = compare_periods(612, 3, 673, 3)
>>> round(c.ratio, 3), round(c.ci_low, 3), round(c.ci_high, 3), round(c.p_value, 3), c.significant
(0.909, 0.815, 1.015, 0.089, False)
"""

from __future__ import annotations

import math
import warnings as _warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from perfkit.periods import Quarter, Window, check_monthly, parse_month, parse_quarter
from perfkit.stats.spc import SPCInputError
# The comparator groups are configuration (perfkit.config.comparators), re-exported here.
from perfkit.config.comparators import ComparatorGroup, load_comparators  # noqa: F401

__all__ = [
    "Comparison",
    "Gap",
    "GAP_REASONS",
    "CASES",
    "NOT_ESTIMATED",
    "compare_periods",
    "compare_windows",
    "quarter_vs_last_year",
    "rolling_12_months",
    "year_to_date",
    "rate_per",
    "estimate_overdispersion",
    "Dispersion",
    "dispersion",
    "rolling_dispersion",
    "ROLLING_DISPERSION_QUARTERS",
    "caveats_spanned",
    "ComparatorGroup",
    "load_comparators",
    "ComparatorPosition",
    "comparator_position",
    "ALPHA",
]

#: Significance level of the verdict (two-sided), and 1 - coverage of the interval.
ALPHA = 0.05

#: Why a month is left out of a comparison (:attr:`Gap.reason`): a data fault removes it, it has
#: no data, or it has data but is left out to pair with a month of the other period that is a
#: fault or has no data (so both periods hold the same calendar months).
GAP_REASONS = ("fault", "no data", "paired")

#: How a comparison was made (:attr:`Comparison.case`): the score test (both counts positive),
#: the exact conditional test (one count zero), no test as both counts are zero, no test as a
#: count is missing, or no test as no month has data in both periods.
CASES = ("score", "exact", "both zero", "no count", "no overlap")

#: Why a :class:`Dispersion` was not estimated ("" when it was): fewer months with data than
#: ``_MIN_DISPERSION_MONTHS``, every count zero, no residual degrees of freedom, or fewer
#: quarter-on-year differences than ``_MIN_ROLLING_DIFFERENCES``.
NOT_ESTIMATED = ("", "few months", "all zero", "no df", "few differences")


def _fail(message: str) -> None:
    raise SPCInputError(message)


def _number(value: Any, what: str, *, allow_nan: bool = True) -> float:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        if allow_nan:
            return math.nan
        _fail(f"{what}: found {value!r}; expected a number")
    if isinstance(value, bool):
        _fail(f"{what}: found {value!r}; expected a number")
    try:
        out = float(value)
    except (TypeError, ValueError):
        _fail(f"{what}: found {value!r}; expected a number")
    if math.isnan(out) and not allow_nan:
        _fail(f"{what}: found NaN; expected a number")
    return out


# --- one comparison --------------------------------------------------------------------------

@dataclass(frozen=True)
class Gap:
    """A month a comparison leaves out, and why (values: the words are
    :func:`perfkit.present.statements.comparison_notes`).

    Attributes
    ----------
    month : pandas.Period
        The month left out.
    partner : pandas.Period or None
        The month it pairs with in the other period (same position in a window of the same
        length); None when the windows differ in length and months are not paired.
    reason : str
        One of :data:`GAP_REASONS`: ``"fault"`` (a data fault removes it: ``fault``), ``"no data"``
        (NaN or absent) or ``"paired"`` (it has data, and is left out because ``partner`` is a
        fault or has no data).
    fault : object or None
        For ``"fault"``, the data fault given in ``faults=`` (e.g. a register entry with its
        ``ref`` label and ``title``); None otherwise.
    """

    month: pd.Period
    partner: "pd.Period | None"
    reason: str
    fault: Any = field(default=None, compare=False)


class Comparison:
    """Result of :func:`compare_periods`: this period's count against a reference period's.

    All attributes are read-only. ``ratio`` is the rate ratio (this / reference), ``change`` the
    percentage change ``100 * (ratio - 1)``; ``ci_low``, ``ci_high`` its 95% interval (ratio
    scale); ``significant`` is True only when the two-sided test rejects "no change" at 5%.
    """

    def __init__(self, **values: Any):
        self._v = values

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "_v":
            object.__setattr__(self, name, value)
        else:
            raise AttributeError(f"Comparison is read-only; cannot set {name!r}")

    # Properties spelled out for documentation and tab completion.
    count = property(lambda self: self._v["count"], doc="Count in this period (NaN if missing).")
    exposure = property(lambda self: self._v["exposure"], doc="Exposure of this period (months, days or population).")
    count_ref = property(lambda self: self._v["count_ref"], doc="Count in the reference period.")
    exposure_ref = property(lambda self: self._v["exposure_ref"], doc="Exposure of the reference period.")
    rate = property(lambda self: self._v["rate"], doc="count / exposure.")
    rate_ref = property(lambda self: self._v["rate_ref"], doc="count_ref / exposure_ref.")
    ratio = property(lambda self: self._v["ratio"], doc="Rate ratio, this / reference (NaN when undefined, inf from zero).")
    ci_low = property(lambda self: self._v["ci_low"], doc="Lower end of the 95% interval of the ratio.")
    ci_high = property(lambda self: self._v["ci_high"], doc="Upper end of the 95% interval of the ratio.")
    p_value = property(lambda self: self._v["p_value"], doc="Two-sided p-value of 'ratio = 1' (NaN if no test).")
    significant = property(lambda self: self._v["significant"], doc="True only when p_value < 0.05.")
    scale_refit = property(lambda self: self._v.get("scale_refit", False),
                           doc="True when the scale was estimated again without the months compared (its "
                               "months are ``dispersion.n_months``).")
    case = property(lambda self: self._v["case"],
                    doc="How the comparison was made, one of CASES ('score', 'exact', 'both zero', 'no count', "
                        "'no overlap').")
    few_cases = property(lambda self: self._v["few_cases"],
                         doc="True when so few cases are compared that the interval is wide (under 20 in the two "
                             "periods together for the score test, under 10 for the exact test).")
    overdispersion = property(lambda self: self._v["overdispersion"], doc="Quasi-Poisson scale used (1.0: none).")
    dispersion_df = property(lambda self: self._v["dispersion_df"],
                             doc="Residual degrees of freedom the scale was estimated on (inf: taken as known).")
    dispersion = property(lambda self: self._v.get("dispersion"),
                          doc="The Dispersion whose scale the test used (None when the scale was given as a "
                              "number, or none): every view shows this one.")
    gaps = property(lambda self: self._v["gaps"],
                    doc="Each month left out, with its partner and why: a tuple of Gap (pairs together, the "
                        "month that causes the pair first).")
    missing_months = property(lambda self: self._v["missing_months"],
                              doc="Months left out of either window (no data, a data fault, or the partner of one), "
                                  "in month order.")
    caveats = property(lambda self: self._v["caveats"], doc="Recording-change caveats the comparison spans.")
    label = property(lambda self: self._v["label"], doc="Label of this period ('2015/16 Q1'), or None.")
    label_ref = property(lambda self: self._v["label_ref"], doc="Label of the reference period, or None.")
    window = property(lambda self: self._v["window"], doc="This period as a perfkit.periods.Window, or None.")
    window_ref = property(lambda self: self._v["window_ref"], doc="The reference period as a Window, or None.")

    @property
    def change(self) -> float:
        """Percentage change, ``100 * (ratio - 1)``."""
        return 100 * (self.ratio - 1)

    @property
    def change_low(self) -> float:
        """Lower end of the 95% interval of the percentage change."""
        return 100 * (self.ci_low - 1)

    @property
    def change_high(self) -> float:
        """Upper end of the 95% interval of the percentage change."""
        return 100 * (self.ci_high - 1)

    @property
    def tested(self) -> bool:
        """True when a test could be carried out (both counts known, not both zero)."""
        return not math.isnan(self.p_value)

    @property
    def table(self) -> pd.DataFrame:
        """The comparison as a one-row table, for reports and the data pack."""
        return pd.DataFrame([{
            "period": self.label, "count": self.count, "period_ref": self.label_ref,
            "count_ref": self.count_ref, "ratio": self.ratio, "change_pct": self.change,
            "ci_low_pct": self.change_low, "ci_high_pct": self.change_high,
            "p_value": self.p_value, "significant": self.significant, "test": self.case,
            "scale": self.overdispersion, "scale_df": self.dispersion_df,
            "months_left_out": ", ".join(str(m) for m in self.missing_months),
        }])

    def __repr__(self) -> str:
        return (f"<Comparison {self.count:g} vs {self.count_ref:g}: ratio {self.ratio:.3f} "
                f"({self.ci_low:.3f} to {self.ci_high:.3f}), p = {self.p_value:.3g}>")


def _caveat_date(caveat: Any) -> "pd.Period | None":
    for attr in ("date", "month", "start", "effective", "from_month"):
        value = getattr(caveat, attr, None)
        if value is None and isinstance(caveat, dict):
            value = caveat.get(attr)
        if value is not None:
            try:
                return parse_month(value, "caveat date", error=SPCInputError)
            except SPCInputError:
                continue
    return None


def caveats_spanned(caveats: Iterable[Any], window: Window, window_ref: Window) -> tuple:
    """The caveats whose date falls after the start of ``window_ref`` and by the end of ``window``.

    A recording change dated month ``d`` (the first month under the new practice) affects the
    comparison when ``window_ref.start < d <= window.end``: some of the compared months were
    recorded one way and some the other. A caveat is any object (or mapping) with a ``date``,
    ``month`` or ``start`` (a Period, Timestamp or 'YYYY-MM'); undated caveats are skipped.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> q = parse_quarter("2015/16 Q1")
    >>> hmic = NS(title="Crime recording tightened after the HMIC inspection", date="2014-11")
    >>> [c.title for c in caveats_spanned([hmic], q.window(), q.same_quarter_last_year().window())]
    ['Crime recording tightened after the HMIC inspection']
    """
    start, end = min(window.start, window_ref.start), max(window.end, window_ref.end)
    out = []
    for c in caveats:
        d = _caveat_date(c)
        if d is not None and start < d <= end:
            out.append(c)
    return tuple(out)


def compare_periods(count: float, exposure: float, count_ref: float, exposure_ref: float,
                    overdispersion: "float | Dispersion | None" = None, missing_months: Iterable = (),
                    spans_caveats: Iterable[Any] = (), *, label: "str | None" = None,
                    label_ref: "str | None" = None, window: "Window | None" = None,
                    window_ref: "Window | None" = None) -> Comparison:
    """Compare the rate of a count with a reference period's: rate ratio, interval, test.

    Parameters
    ----------
    count, exposure : float
        Count in this period and its exposure (months, days or population; any unit, the same
        as the reference's).
    count_ref, exposure_ref : float
        The same for the reference period (e.g. the same quarter a year earlier).
    overdispersion : float or Dispersion, optional
        Quasi-Poisson scale phi >= 1 (variance = phi x mean). The score statistic is divided by
        sqrt(phi) and the interval widened to match (see Notes). None or 1: pure Poisson. A
        number is taken as known; a :class:`Dispersion` (from :func:`dispersion`) carries the
        degrees of freedom it was estimated on, and the test then allows for that estimate's
        own noise (Student's t).
    missing_months : iterable of pandas.Period
        Months with no data in either window; recorded in ``missing_months`` and ``gaps``
        (reason ``"no data"``, no partner).
    spans_caveats : iterable
        Recording-change caveats the comparison spans (objects with ``title`` and optionally
        ``ref`` or ``number``); recorded in ``caveats``.
    label, label_ref, window, window_ref : optional
        Names of the two periods, for sentences and tables.

    Returns
    -------
    Comparison

    Notes
    -----
    The test is statsmodels' score test of ``ratio = 1`` (``test_poisson_2indep(...,
    method='score', compare='ratio')``) and the interval its score interval
    (``confint_poisson_2indep(..., method='score')``), the inverse of the same test, so that the
    interval excludes 1 exactly when p < 0.05. With over-dispersion phi the counts are divided by
    phi before both calls ("effective counts"): the ratio is unchanged and the score statistic is
    divided by sqrt(phi), which is the quasi-Poisson score test.

    A phi given as a number is treated as known, and the scaled statistic is referred to the
    standard normal distribution. A :class:`Dispersion` with ``phi > 1`` is an estimate on
    ``df`` residual degrees of freedom (Pearson chi-squared / df, itself roughly chi-squared on df
    over df), so the scaled statistic z / sqrt(phi) is referred to Student's t with ``df``
    degrees of freedom, as for a quasi-Poisson GLM: p = 2 P(T_df > |z| / sqrt(phi)). The interval
    is the set of ratios the same test does not reject: the score interval at the level whose
    normal quantile equals t_df(0.975), so the interval still excludes 1 exactly when p < 0.05.
    An estimate at the floor (Pearson chi-squared / df at or below 1) means the counts are
    treated as Poisson, whose variance is known, so the normal reference is kept. Simulated
    negative binomial series with variance 1 to 12 times the mean and no change are called
    significant about 5% of the time this way (``tests/test_overdispersion.py``,
    ``bench/overdispersion.py``), against 17-58% for the plain Poisson test at 2 to 12 times.

    When one count is zero the score
    interval degenerates, so the exact conditional test and the Clopper-Pearson interval of the
    conditional binomial proportion are used instead, without the over-dispersion widening. Both
    counts zero, or a count missing, give NaN ratio, interval and p-value, ``significant``
    False and ``case`` saying why. The counts are assumed independent between the periods; a
    recording change between them biases the ratio, which no interval captures (hence
    ``caveats``). The result holds numbers, flags and values; :func:`perfkit.present.statements.comparison_notes`
    words its edge cases, months left out and caveats.

    Examples
    --------
    >>> c = compare_periods(612, 3, 673, 3)
    >>> f"{c.change:.1f}% ({c.change_low:.1f}% to {c.change_high:.1f}%)"
    '-9.1% (-18.5% to 1.5%)'
    >>> compare_periods(0, 3, 0, 3).case
    'both zero'
    """
    from statsmodels.stats.rates import confint_poisson_2indep, test_poisson_2indep

    c1 = _number(count, "count")
    c0 = _number(count_ref, "count_ref")
    e1 = _number(exposure, "exposure", allow_nan=False)
    e0 = _number(exposure_ref, "exposure_ref", allow_nan=False)
    for value, what in ((c1, "count"), (c0, "count_ref")):
        if not math.isnan(value) and value < 0:
            _fail(f"{what}: found {value:g}; expected a count of zero or more")
    for value, what in ((e1, "exposure"), (e0, "exposure_ref")):
        if not value > 0:
            _fail(f"{what}: found {value:g}; expected a positive exposure (months, days or population)")
    estimated = overdispersion if isinstance(overdispersion, Dispersion) else None
    if estimated is not None:
        phi, df = float(estimated.phi), float(estimated.df)
        if math.isnan(df) or df <= 0:
            _fail(f"overdispersion: found a Dispersion with df = {df:g}; expected positive residual "
                  "degrees of freedom (inf when the scale is taken as known)")
    else:
        phi = 1.0 if overdispersion is None else _number(overdispersion, "overdispersion", allow_nan=False)
        df = math.inf
    if phi < 1:
        _fail(f"overdispersion: found {phi:g}; expected a quasi-Poisson scale of at least 1 (None for none)")
    # Student's t on the estimate's degrees of freedom when the scale was estimated above 1
    use_t = phi > 1 and math.isfinite(df)
    missing = tuple(sorted({parse_month(m, "missing_months", error=SPCInputError) for m in missing_months}))
    caveats = tuple(spans_caveats)
    few = False
    rate1 = c1 / e1 if not math.isnan(c1) else math.nan
    rate0 = c0 / e0 if not math.isnan(c0) else math.nan
    nan = math.nan
    ratio, lo, hi, p = nan, nan, nan, nan
    if math.isnan(c1) or math.isnan(c0):
        case = "no count"
    elif c1 == 0 and c0 == 0:
        case = "both zero"
    elif c1 == 0 or c0 == 0:
        from scipy import stats

        ratio = rate1 / rate0 if rate0 > 0 else math.inf
        n = c1 + c0
        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore", RuntimeWarning)
            res = test_poisson_2indep(int(round(c1)), e1, int(round(c0)), e0, method="exact-cond", compare="ratio")
        p = float(res.pvalue)
        # Clopper-Pearson interval of pi = c1 / (c1 + c0); ratio = pi / (1 - pi) * e0 / e1
        exact = stats.binomtest(int(round(c1)), int(round(n))).proportion_ci(1 - ALPHA, method="exact")
        pi_lo, pi_hi = float(exact.low), float(exact.high)
        to_ratio = lambda q: (q / (1 - q)) * (e0 / e1) if q < 1 else math.inf  # noqa: E731
        lo, hi = to_ratio(pi_lo), to_ratio(pi_hi)
        case, few = "exact", bool(n < 10)
    else:
        k1, k0 = c1 / phi, c0 / phi
        level = _score_level(df) if use_t else ALPHA
        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore", RuntimeWarning)
            res = test_poisson_2indep(k1, e1, k0, e0, method="score", compare="ratio")
            lo, hi = score_interval(k1, e1, k0, e0, level)
        p = float(res.pvalue)
        if use_t:
            from scipy import stats

            p = float(2 * stats.t.sf(abs(float(res.statistic)), df))
        ratio, lo, hi = rate1 / rate0, float(lo), float(hi)
        case, few = "score", bool(c1 + c0 < 20)

    significant = bool(not math.isnan(p) and p < ALPHA)
    return Comparison(count=c1, exposure=e1, count_ref=c0, exposure_ref=e0, rate=rate1, rate_ref=rate0,
                      ratio=ratio, ci_low=lo, ci_high=hi, p_value=p, significant=significant,
                      case=case, few_cases=few, overdispersion=phi, dispersion_df=df,
                      dispersion=estimated,
                      gaps=tuple(Gap(m, None, "no data") for m in missing), missing_months=missing,
                      caveats=caveats, label=label, label_ref=label_ref, window=window,
                      window_ref=window_ref)


def score_interval(k1: float, e1: float, k0: float, e0: float, alpha: float) -> tuple[float, float]:
    """The score interval for the ratio of two Poisson rates: the ratios R whose score test
    (``test_poisson_2indep(..., value=R, method="score")``) is not rejected at ``alpha``.

    statsmodels' ``confint_poisson_2indep(..., method="score")`` gives it directly, and is used when
    its answer holds the estimate strictly inside. Its root search can collapse to a single point
    that does not hold the estimate: with about 13,700 and 12,700 effective counts at ``alpha``
    0.018, (1.108, 1.108) for an estimate of 1.077. Then the same test is inverted here: the
    statistic decreases in R, so each end is the root of ``z(R) = +/-z_crit`` in log R, bracketed
    by the estimate and 20 standard errors of log R away from it (twice the critical value's, when
    that is more).

    >>> lo, hi = score_interval(58190 / 4.24, 12, 54049 / 4.24, 12, 0.018048)
    >>> f"{lo:.3f} {hi:.3f}"
    '1.046 1.108'

    A level so small that ``1 - alpha / 2`` rounds to 1 (Student's t on one degree of freedom,
    turned into a normal-theory level) still gives a finite interval:

    >>> lo, hi = score_interval(28551.1, 12, 32109.9, 12, 5.46e-37)
    >>> f"{lo:.3f} {hi:.3f}"
    '0.802 0.986'
    """
    from scipy import optimize, stats
    from statsmodels.stats.rates import confint_poisson_2indep, test_poisson_2indep

    estimate = (k1 / e1) / (k0 / e0)
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = (float(v) for v in confint_poisson_2indep(k1, e1, k0, e0, method="score", compare="ratio",
                                                             alpha=alpha))
    if lo < estimate < hi:
        return lo, hi
    crit = float(stats.norm.isf(alpha / 2))  # not ppf(1 - alpha / 2): 1 - alpha rounds to 1 for tiny alpha

    def z(log_ratio: float) -> float:
        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore", RuntimeWarning)
            return float(test_poisson_2indep(k1, e1, k0, e0, value=math.exp(log_ratio), method="score",
                                             compare="ratio").statistic)

    centre, spread = math.log(estimate), max(20.0, 2 * crit) * math.sqrt(1 / k1 + 1 / k0)
    low = optimize.brentq(lambda x: z(x) - crit, centre - spread, centre, xtol=1e-12)
    high = optimize.brentq(lambda x: z(x) + crit, centre, centre + spread, xtol=1e-12)
    return math.exp(low), math.exp(high)


def _score_level(df: float) -> float:
    """The normal-theory level whose two-sided critical value is Student's t_df(1 - ALPHA/2)."""
    from scipy import stats

    return float(2 * stats.norm.sf(stats.t.ppf(1 - ALPHA / 2, df)))


# --- comparisons built from a monthly series --------------------------------------------------

def _as_monthly(series: pd.Series) -> pd.Series:
    return check_monthly(series, "series", error=SPCInputError, fill=False).rename(None)


def _window_sum(series: pd.Series, window: Window, exposure: str) -> tuple[float, float, list]:
    values = series.reindex(pd.PeriodIndex(window.months, freq="M"))
    missing = list(values.index[values.isna()])
    return (*_total(values.dropna(), exposure), missing)


def _total(present: pd.Series, exposure: str) -> tuple[float, float]:
    if len(present) == 0:
        return math.nan, 0.0
    if exposure == "months":
        exp = float(len(present))
    else:
        exp = float(sum(p.days_in_month for p in present.index))
    return float(present.sum()), exp


def _as_month(value: Any, what: str) -> pd.Period:
    """A month from a Period, Timestamp or 'YYYY-MM' text (not 'May', which pandas reads as year 1)."""
    return parse_month(value, what, error=SPCInputError)


def _faults(faults: "Mapping[Any, Any] | None") -> dict:
    """``{month: fault}`` from the ``faults=`` argument, months parsed, every fault a value."""
    if faults is None:
        return {}
    if not isinstance(faults, Mapping):
        _fail(f"faults: found {type(faults).__name__}; expected a mapping of month (Period or 'YYYY-MM') "
              "to the data fault that removes it")
    out = {}
    for month, fault in faults.items():
        key = _as_month(month, "faults")
        if fault is None or (isinstance(fault, str) and not fault.strip()):
            _fail(f"faults[{key}]: found {fault!r}; expected the data fault that removes the month (a register "
                  "entry with its ref and title, or its label such as 'D1')")
        out[key] = fault
    return out


def _gap(month: pd.Period, partner: "pd.Period | None", faults: dict) -> Gap:
    """A month left out because it has no value: a data fault's when ``faults`` names it."""
    if month in faults:
        return Gap(month, partner, "fault", faults[month])
    return Gap(month, partner, "no data")


def compare_windows(series: pd.Series, window: Window, window_ref: Window,
                    overdispersion: "float | Dispersion | None" = None, caveats: Iterable[Any] = (),
                    exposure: str = "months", label: "str | None" = None,
                    label_ref: "str | None" = None, faults: "Mapping[Any, Any] | None" = None) -> Comparison:
    """Compare the total of ``series`` over ``window`` with its total over ``window_ref``.

    Parameters
    ----------
    series : pandas.Series
        Monthly counts on a monthly PeriodIndex; a missing month is NaN or absent.
    window, window_ref : perfkit.periods.Window
        This period and the reference period.
    overdispersion : float or Dispersion, optional
        As :func:`compare_periods`; a :class:`Dispersion` from :func:`dispersion` (estimated on
        the series up to the end of ``window``) makes the test allow for the estimate's noise.
        It is refitted without the months of the two windows (:meth:`Dispersion.leaving_out`),
        so the scale comes from the months not compared (see Notes).
    caveats : iterable
        The recording-change caveats that apply to the measure; those dated inside the span are
        attached (:func:`caveats_spanned`).
    exposure : {"months", "days"}
        ``'months'`` (default: with no missing months the ratio is the ratio of the counts) or
        ``'days'`` (adjusts for February 29th).
    label, label_ref : str, optional
        Names of the two periods.
    faults : mapping of pandas.Period (or 'YYYY-MM') to a data fault, optional
        The data fault that removes a month, as a value (e.g. the register entry, whose ``ref``
        "D1" and ``title`` the wording module cites); the month's :class:`Gap` then has reason
        ``"fault"`` instead of ``"no data"``. It only explains: a month is left out because it
        is NaN or absent, not because it is named here.

    Returns
    -------
    Comparison

    Notes
    -----
    Like with like. When the two windows have the same length their months are paired by
    position (April with April a year earlier, and so on). A month absent or NaN in either
    window is left out together with its partner in the other, so both totals cover the same
    calendar months and a missing summer month cannot make a period look lower; every month
    left out is in ``missing_months`` and in ``gaps`` with its partner and why (a fault, no
    data, or paired with one of those). A window with no month left gives no comparison (NaN
    ratio and p-value, ``case`` ``"no overlap"``). Windows of different lengths
    cannot be paired: each then loses only its own missing months and rates are per month (or
    day) with data, which ignores the season of a missing month.

    Scale from the months not compared. An estimated scale that includes the compared months is
    inflated exactly when the two periods differ by chance (their difference is partly a
    residual of the fit), which makes the test conservative: in simulations with no change 3.5
    to 4.3% of comparisons were significant instead of 5%. Refitted without those months it is
    independent of the comparison's statistic, and the rate is 4.9-5.3% for variance 2 to 12
    times the mean (about 4% at 1, where the floor of phi at 1 makes the test conservative).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from perfkit.periods import parse_quarter
    >>> s = pd.Series(300.0, index=pd.period_range("2017-01", "2018-06", freq="M"))
    >>> s[pd.Period("2018-05", "M")] = np.nan
    >>> q = parse_quarter("2018/19 Q1")
    >>> c = compare_windows(s, q.window(), q.same_quarter_last_year().window(), faults={"2018-05": "D1"})
    >>> c.count, c.count_ref, [str(m) for m in c.missing_months]
    (600.0, 600.0, ['2017-05', '2018-05'])
    >>> [(str(g.month), str(g.partner), g.reason, g.fault) for g in c.gaps]
    [('2018-05', '2017-05', 'fault', 'D1'), ('2017-05', '2018-05', 'paired', None)]
    """
    if exposure not in ("months", "days"):
        _fail(f"exposure: found {exposure!r}; expected 'months' or 'days'")
    s = _as_monthly(series)
    why = _faults(faults)
    spanned = caveats_spanned(caveats, window, window_ref)
    names = dict(label=label or window.label or window.describe(), label_ref=label_ref or window_ref.describe(),
                 window=window, window_ref=window_ref)
    months = pd.PeriodIndex(window.months, freq="M")
    months_ref = pd.PeriodIndex(window_ref.months, freq="M")
    refit = False
    if isinstance(overdispersion, Dispersion) and overdispersion.estimated:
        given = overdispersion
        overdispersion = given.leaving_out(list(months) + list(months_ref))
        refit = overdispersion is not given
    if len(months) != len(months_ref):
        c1, e1, m1 = _window_sum(s, window, exposure)
        c0, e0, m0 = _window_sum(s, window_ref, exposure)
        out = compare_periods(c1, e1 if e1 > 0 else 1.0, c0, e0 if e0 > 0 else 1.0,
                              overdispersion=overdispersion, missing_months=m1 + m0,
                              spans_caveats=spanned, **names)
        gaps = tuple(_gap(m, None, why) for m in out.missing_months)
        return Comparison(**{**out._v, "gaps": gaps, "scale_refit": refit})
    now, ref = s.reindex(months), s.reindex(months_ref)
    gone_now, gone_ref = now.isna().to_numpy(), ref.isna().to_numpy()
    keep = ~(gone_now | gone_ref)
    gaps: list[Gap] = []
    for i in np.flatnonzero(~keep):  # each pair, the month that causes it first
        a, b = months[i], months_ref[i]
        if gone_now[i] and gone_ref[i]:
            gaps += [_gap(a, b, why), _gap(b, a, why)]
        elif gone_now[i]:
            gaps += [_gap(a, b, why), Gap(b, a, "paired")]
        else:
            gaps += [_gap(b, a, why), Gap(a, b, "paired")]
    if not keep.any():
        # Nothing to pair: no comparison, but a window whose own months all exist still has its
        # figure (a force with a few months of history has its quarter's count; the year before
        # it has none). Each missing month is left out for its own reason; none is "paired".
        c1 = float(now.sum()) if not gone_now.any() else math.nan
        c0 = float(ref.sum()) if not gone_ref.any() else math.nan
        out = compare_periods(c1, float(len(months)), c0, float(len(months_ref)), spans_caveats=spanned, **names)
        missing = [m for m, gone in zip(months, gone_now) if gone] + [m for m, gone in zip(months_ref, gone_ref) if gone]
        return Comparison(**{**out._v, "gaps": tuple(_gap(m, None, why) for m in missing),
                             "missing_months": tuple(sorted(missing)), "case": "no overlap"})
    left_out = tuple(sorted(set(months[~keep]) | set(months_ref[~keep])))
    c1, e1 = _total(now[keep], exposure)
    c0, e0 = _total(ref[keep], exposure)
    out = compare_periods(c1, e1 if e1 > 0 else 1.0, c0, e0 if e0 > 0 else 1.0,
                          overdispersion=overdispersion, spans_caveats=spanned, **names)
    case = out.case
    return Comparison(**{**out._v, "gaps": tuple(gaps), "missing_months": left_out, "scale_refit": refit,
                         "case": case})


def quarter_vs_last_year(series: pd.Series, quarter: "Quarter | str",
                         overdispersion: "float | Dispersion | None" = None,
                         caveats: Iterable[Any] = (), exposure: str = "months",
                         faults: "Mapping[Any, Any] | None" = None) -> Comparison:
    """The quarter against the same quarter of the previous financial year.

    Arguments as :func:`compare_windows`; a month missing from one quarter is left out of the
    other too.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.Series(200.0, index=pd.period_range("2014-04", "2015-06", freq="M"))
    >>> quarter_vs_last_year(s, "2015/16 Q1").ratio
    1.0
    """
    q = parse_quarter(quarter)
    ref = q.same_quarter_last_year()
    return compare_windows(series, q.window(), ref.window(), overdispersion, caveats, exposure,
                           q.label, ref.label, faults=faults)


def rolling_12_months(series: pd.Series, quarter: "Quarter | str",
                      overdispersion: "float | Dispersion | None" = None,
                      caveats: Iterable[Any] = (), exposure: str = "months",
                      faults: "Mapping[Any, Any] | None" = None) -> Comparison:
    """The 12 months to the end of the quarter against the 12 months before them.

    Arguments as :func:`compare_windows`.
    """
    q = parse_quarter(quarter)
    w, w0 = q.rolling_12_months(), q.rolling_12_months_before()
    return compare_windows(series, w, w0, overdispersion, caveats, exposure,
                           f"the 12 months to {_month_words(w.end)}", f"the 12 months to {_month_words(w0.end)}",
                           faults=faults)


def year_to_date(series: pd.Series, quarter: "Quarter | str",
                 overdispersion: "float | Dispersion | None" = None,
                 caveats: Iterable[Any] = (), exposure: str = "months",
                 faults: "Mapping[Any, Any] | None" = None) -> Comparison:
    """The financial year to date (April to the quarter's end) against the same months a year earlier.

    Arguments as :func:`compare_windows`.
    """
    q = parse_quarter(quarter)
    w, w0 = q.year_to_date(), q.year_to_date_last_year()
    return compare_windows(series, w, w0, overdispersion, caveats, exposure,
                           f"{q.fy_label} to date ({w.describe()})",
                           f"{q.shift(-4).fy_label} to date ({w0.describe()})", faults=faults)


def _month_words(p: pd.Period) -> str:
    """A month's name for a period label ("March 2017"), as :mod:`perfkit.periods` names months."""
    return Window(p, p).describe()


def rate_per(count: Any, population: Any, per: int = 1000) -> Any:
    """Rate per ``per`` residents (1,000 unless a rare offence's measure says 100,000 or a
    million): ``per * count / population``.

    Works on numbers, numpy arrays and aligned pandas Series. A population of zero or less gives
    NaN (never a division error); NaN propagates.

    Examples
    --------
    >>> rate_per(4500, 850_000)
    5.294117647058823
    >>> round(rate_per(8, 850_000, per=1_000_000), 2)
    9.41
    """
    if np.isscalar(count) and np.isscalar(population):
        c, p = _number(count, "count"), _number(population, "population")
        return per * c / p if p > 0 else math.nan
    pop = population.where(population > 0) if isinstance(population, pd.Series) else \
        np.where(np.asarray(population, dtype=float) > 0, np.asarray(population, dtype=float), np.nan)
    return per * count / pop


#: Fewer months with data than this and the scale is not estimated (Poisson is assumed).
_MIN_DISPERSION_MONTHS = 12


@dataclass(frozen=True)
class Dispersion:
    """Result of :func:`dispersion`: the quasi-Poisson scale of a monthly count series.

    Pass it as ``overdispersion=`` to :func:`compare_periods` and the window helpers: the test
    then allows for the scale being an estimate (Student's t on ``df`` degrees of freedom).
    ``float(d)`` is ``d.phi``.

    Attributes
    ----------
    phi : float
        Quasi-Poisson scale (variance = phi x mean): Pearson chi-squared / ``df``, floored at 1.
    df : float
        Residual degrees of freedom of the fit (``inf`` when the scale was not estimated).
    n_months : int
        Months with data used.
    reason : str
        Why the scale was not estimated, one of :data:`NOT_ESTIMATED` (``""`` when it was); the
        pages say it with :func:`perfkit.present.statements.dispersion_sentence`.
    pearson : float
        Pearson chi-squared / ``df`` before the floor (NaN when not estimated).
    steps : tuple of pandas.Period
        Level-shift months modelled as steps.
    seasonal : bool
        Whether month-of-year effects were in the model.
    data : str
        What varies: ``"monthly counts"`` (:func:`dispersion`) or ``"quarterly counts"``
        (:func:`rolling_dispersion`, from rolling 12-month totals; ``n_months`` is then the number of
        quarter-on-year differences used).
    """

    phi: float
    df: float
    n_months: int
    reason: str = ""
    pearson: float = float("nan")
    steps: tuple = ()
    seasonal: bool = False
    #: The counts the scale was estimated from (for :meth:`leaving_out`); not part of the value.
    series: "pd.Series | None" = field(default=None, repr=False, compare=False)
    data: str = "monthly counts"

    def __post_init__(self) -> None:
        if self.reason not in NOT_ESTIMATED:
            _fail(f"Dispersion reason: found {self.reason!r}; expected one of {NOT_ESTIMATED}")

    def __float__(self) -> float:
        return float(self.phi)

    def leaving_out(self, months: Iterable[Any]) -> "Dispersion":
        """The same estimate refitted without ``months`` (e.g. the months a comparison uses).

        The window helpers call it so that the scale a comparison is scaled by is estimated from
        the months it does not compare, and so is independent of the comparison's own statistic
        (see :func:`compare_windows`). Returns ``self`` when none of ``months`` was used, the
        counts are not kept, or too few months would be left to estimate the scale (fewer than
        12, or no residual degrees of freedom): an estimate that includes the compared months is
        conservative, whereas none at all would assume Poisson variation.
        """
        if self.series is None:
            return self
        drop = {_as_month(m, "months") for m in months}
        kept = self.series[~self.series.index.isin(list(drop))]
        if len(kept) == len(self.series):
            return self
        refit = dispersion(kept, steps=self.steps, seasonal=self.seasonal)
        return refit if refit.estimated else self

    @property
    def estimated(self) -> bool:
        """True when the scale was estimated (finite ``df``)."""
        return math.isfinite(self.df)


def _poisson_pearson(y: np.ndarray, x: np.ndarray, offset: np.ndarray, max_iter: int = 100,
                     tol: float = 1e-10) -> np.ndarray:
    """Pearson chi-squared of Poisson GLMs (log link) fitted by IRLS, one per row of ``y``.

    ``y`` is (replicates, months), ``x`` (months, columns, full column rank) and ``offset``
    (months,). Vectorised over replicates: the same fit as statsmodels' ``GLM(...).fit()``.
    """
    y = np.atleast_2d(np.asarray(y, dtype=float))
    mu = (y + y.mean(axis=1, keepdims=True)) / 2 + 0.1  # statsmodels' start, kept off zero
    eta = np.log(mu)
    deviance = np.full(len(y), np.inf)
    for _ in range(max_iter):
        z = eta - offset + (y - mu) / mu
        xtw = x.T[None, :, :] * mu[:, None, :]
        a = xtw @ x
        b = np.einsum("rkn,rn->rk", xtw, z)
        try:
            beta = np.linalg.solve(a, b[..., None])[..., 0]
        except np.linalg.LinAlgError:
            beta = np.einsum("rkj,rj->rk", np.linalg.pinv(a), b)
        eta = np.clip(beta @ x.T + offset, -700, 700)
        mu = np.exp(eta)
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)
        new = 2 * term.sum(axis=1)
        done = np.abs(new - deviance) <= tol * (np.abs(new) + 0.1)
        deviance = new
        if done.all():
            break
    return (((y - mu) ** 2) / mu).sum(axis=1)


def _dispersion_design(index: pd.PeriodIndex, steps: Sequence[pd.Period], seasonal: bool) -> np.ndarray:
    """Constant, trend (months from the first, scaled to 0-1), month-of-year, steps; full rank."""
    t = (np.asarray(index.asi8) - index[0].ordinal).astype(float)
    columns = [np.ones(len(index)), t / max(t.max(), 1.0)]
    if seasonal:
        for m in range(2, 13):
            columns.append(np.asarray(index.month == m, dtype=float))
    for at in steps:
        columns.append(np.asarray(index >= at, dtype=float))
    kept: list = []
    for col in columns:  # drop a column that adds nothing (a month never seen, a step outside the data)
        trial = np.column_stack(kept + [col])
        if np.linalg.matrix_rank(trial) == trial.shape[1]:
            kept.append(col)
    return np.column_stack(kept)


def dispersion(series: pd.Series, steps: Iterable[Any] = (), seasonal: "bool | None" = None) -> Dispersion:
    """Quasi-Poisson scale of a monthly count series, with its degrees of freedom.

    Parameters
    ----------
    series : pandas.Series
        Monthly counts on a monthly PeriodIndex (or DatetimeIndex); NaN months are dropped. For a
        comparison, pass the series up to the end of the period being compared
        (``series.loc[:quarter_end]``), as the analysis would have had it.
    steps : iterable of pandas.Period or 'YYYY-MM'
        Level shifts (the first month at a new level, e.g. a recording change) entered as step
        regressors, so that a known change is not mistaken for extra variation. Steps at or
        before the first month with data, or after the last, are ignored.
    seasonal : bool, optional
        Month-of-year effects in the model; by default when there are at least 24 months.

    Returns
    -------
    Dispersion

    Raises
    ------
    ValueError
        If the series is not monthly counts or a step is not a month.

    Notes
    -----
    A Poisson GLM with a log link is fitted to the counts: ``log E[y_t] = log(days in month t) +
    a + b t (+ month of year) (+ steps)``, ``t`` the month number from the PeriodIndex (so gaps
    are handled). phi is Pearson chi-squared over the residual degrees of freedom ``df``
    (months minus parameters), floored at 1: the quasi-Poisson scale of McCullagh and Nelder.
    Under the model, ``df x phi`` is roughly chi-squared on ``df``, which is why a comparison
    given a Dispersion refers its scaled statistic to Student's t on ``df`` (see
    :func:`compare_periods`). The month-length offset keeps February's fewer days from looking
    like extra variation when there are no month-of-year effects. Any structure the model
    misses (a curved trend, an unmodelled level shift, a partial month) inflates phi, which
    makes tests conservative rather than wrong. With fewer than 12 months, or no residual
    degrees of freedom, the scale is not estimated: phi = 1 and ``df`` = inf, an optimistic
    default, which :func:`perfkit.present.statements.dispersion_sentence` says.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> idx = pd.period_range("2014-04", periods=60, freq="M")
    >>> rng = np.random.default_rng(4)
    >>> y = pd.Series(rng.negative_binomial(100, 100 / 400, 60).astype(float), index=idx)
    >>> d = dispersion(y)
    >>> 2 < d.phi < 6, d.df, d.n_months
    (True, 47.0, 60)
    """
    s = _as_monthly(series).dropna()
    if (s < 0).any():
        _fail(f"series: found a negative count at {s.index[(s < 0).to_numpy()][0]}; expected counts of 0 or more")
    if seasonal is not None and not isinstance(seasonal, (bool, np.bool_)):
        _fail(f"seasonal: found {seasonal!r}; expected True, False or None")
    wanted = []
    for at in steps:
        wanted.append(_as_month(getattr(at, "date", at), "steps"))
    n = len(s)
    inside = tuple(sorted({p for p in wanted if n and s.index[0] < p <= s.index[-1]}))
    use_seasonal = bool(seasonal) if seasonal is not None else n >= 24
    if n < _MIN_DISPERSION_MONTHS or float(s.sum()) == 0:
        why = "few months" if n < _MIN_DISPERSION_MONTHS else "all zero"
        return Dispersion(1.0, math.inf, n, why, math.nan, inside, use_seasonal, s)
    x = _dispersion_design(s.index, inside, use_seasonal)
    df = float(n - x.shape[1])
    if df < 1:
        return Dispersion(1.0, math.inf, n, "no df", math.nan, inside, use_seasonal, s)
    offset = np.log(np.asarray(s.index.days_in_month, dtype=float))
    pearson = float(_poisson_pearson(s.to_numpy()[None, :], x, offset)[0]) / df
    return Dispersion(max(1.0, pearson), df, n, "", pearson, inside, use_seasonal, s)


#: Fewest quarter-on-year differences :func:`rolling_dispersion` estimates a scale from (two years).
_MIN_ROLLING_DIFFERENCES = 8
#: The latest differences the evidence model's comparisons of rolling totals estimate their scale
#: from (five years): a linear trend in the year-on-year change holds over a few years, not over a
#: series back to 2003, whose curvature would be taken for variation.
ROLLING_DISPERSION_QUARTERS = 20


def rolling_dispersion(totals: pd.Series, steps: Iterable[Any] = (), leave_out: Iterable[Any] = (),
                       quarters: "int | None" = None) -> Dispersion:
    """Quasi-Poisson scale of the quarterly counts behind a series of rolling 12-month totals.

    Parameters
    ----------
    totals : pandas.Series
        Rolling 12-month totals at quarter ends, on a monthly PeriodIndex (the month each total
        ends in: March, June, September, December), as the official statistics publish them.
    steps : iterable of pandas.Period or 'YYYY-MM'
        Level shifts (modelled recording changes), so that a known change is not mistaken for
        extra variation.
    leave_out : iterable of pandas.Period or 'YYYY-MM'
        The totals a comparison compares (their ends): the differences that share a quarter with
        them are left out, so the scale is estimated from the quarters not compared.
    quarters : int, optional
        Use only the latest this many of the differences kept (the evidence model passes
        :data:`ROLLING_DISPERSION_QUARTERS`); default every one.

    Returns
    -------
    Dispersion
        ``data`` is ``"quarterly counts"``; ``n_months`` the number of differences used.

    Notes
    -----
    Consecutive totals differ by one quarter in and one out: ``R_t - R_(t-1) = Q_t - Q_(t-4)``, the
    quarter's count less the same quarter's a year earlier, so the season cancels. With quarterly
    counts of variance phi x mean, ``Var(D_t) = phi (mu_t + mu_(t-4))``, and ``(R_t + R_(t-1)) / 4``
    estimates ``mu_t + mu_(t-4)``. The differences are fitted by weighted least squares on a constant
    and a linear trend (growth that speeds up or slows down), plus, for each step, the four quarters
    over which it enters the differences. The differences of one season are successive differences
    of independent counts, so two a year apart share a quarter and have correlation -1/2: with ``M``
    the weighted fit's residual-maker and ``C`` that correlation, the Pearson statistic has expectation
    ``phi tr(MC)``, so phi is the statistic over ``tr(MC)`` (floored at 1, as :func:`dispersion` does
    for months), and ``df`` is Satterthwaite's ``tr(MC)^2 / tr(MCMC)`` (rounded down), about two
    thirds of the number of differences. The same scale then widens a comparison of two 12-month
    totals as the monthly one widens a comparison of months (quarterly counts summed to a year,
    variance phi x mean). Fewer than eight differences: not estimated (phi 1, df inf).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> q = pd.period_range("2008-01", periods=44, freq="Q")
    >>> counts = rng.negative_binomial(50, 50 / (50 + 3000), 44).astype(float)  # variance about 61 x mean
    >>> totals = pd.Series(counts, index=q).rolling(4).sum().dropna()
    >>> totals.index = totals.index.asfreq("M", how="end")
    >>> d = rolling_dispersion(totals)
    >>> 20 < d.phi < 120, d.data, d.n_months
    (True, 'quarterly counts', 40)
    """
    s = _as_monthly(totals).dropna().sort_index()
    odd = [str(m) for m in s.index if m.month % 3]
    if odd:
        _fail(f"totals: found a total ending in {odd[0]}; expected rolling 12-month totals at quarter ends "
              "(March, June, September, December)")
    if (s < 0).any():
        _fail(f"totals: found a negative total at {s.index[(s < 0).to_numpy()][0]}; expected counts of 0 or more")
    dropped = {_as_month(m, "leave_out") for m in leave_out}
    wanted = sorted({_as_month(getattr(at, "date", at), "steps") for at in steps})
    # differences of consecutive totals (three months apart); D_t = Q_t - Q_(t-12 months) shares a
    # quarter with a compared total R_e (the quarters ending e-9 to e) when t lies from e-9 to e+12
    months = s.index.asi8  # months since 1970: a difference of 3 is consecutive quarter ends
    values = s.to_numpy(dtype=float)
    keep = (np.diff(months) == 3) & (values[1:] + values[:-1] > 0)  # two zero totals: no variation to see
    for e in dropped:
        gap = months[1:] - e.ordinal
        keep &= ~((gap >= -9) & (gap <= 12))
    if quarters:  # the latest `quarters` differences kept
        keep &= np.cumsum(keep[::-1])[::-1] <= int(quarters)
    ends = s.index[1:][keep]
    d = (values[1:] - values[:-1])[keep]
    v = ((values[1:] + values[:-1]) / 4)[keep]
    n = len(d)
    inside = tuple(p for p in wanted if n and ends[0] - 12 < p <= ends[-1])
    if n < _MIN_ROLLING_DIFFERENCES:
        return Dispersion(1.0, math.inf, n, "few differences", math.nan, inside, False, data="quarterly counts")
    t = (ends.asi8 - ends.asi8[0]) / 3.0
    columns = [np.ones(n), t / max(t.max(), 1.0)]
    for at in inside:  # the step enters the differences of the four quarter ends from the change on
        first = at + (-at.month % 3)  # the quarter end of the change's quarter
        columns.append(np.isin(ends.asi8 - first.ordinal, (0, 3, 6, 9)).astype(float))
    x = np.column_stack([c for c in columns if c.any()])
    root_w = 1 / np.sqrt(v)
    xw = x * root_w[:, None]
    residual = d * root_w - xw @ np.linalg.lstsq(xw, d * root_w, rcond=None)[0]
    # the weighted differences have correlation -1/2 a year apart (D_t and D_(t+12 months) share Q_t)
    corr = np.eye(n)
    for i, j in zip(*np.nonzero(np.subtract.outer(ends.asi8, ends.asi8) == -12)):
        corr[i, j] = corr[j, i] = -0.5
    resid_maker = np.eye(n) - xw @ np.linalg.pinv(xw)
    mc = resid_maker @ corr
    expected = float(np.trace(mc))  # E[Pearson sum] / phi
    df = expected ** 2 / float(np.trace(mc @ mc)) if expected > 0 else 0.0  # Satterthwaite
    if df < 1 or expected <= 0:
        return Dispersion(1.0, math.inf, n, "no df", math.nan, inside, False, data="quarterly counts")
    df = float(math.floor(df))
    pearson = float(residual @ residual) / expected
    return Dispersion(max(1.0, pearson), df, n, "", pearson, inside, False, data="quarterly counts")


def estimate_overdispersion(series: pd.Series, seasonal: "bool | None" = None) -> float:
    """Quasi-Poisson scale of a monthly count series, for :func:`compare_periods`.

    The ``phi`` of :func:`dispersion` (which see): Pearson chi-squared over the residual degrees
    of freedom of a Poisson GLM with a log link on a linear trend (and month-of-year effects when
    ``seasonal``, by default when there are at least 24 months), floored at 1. Missing months are
    dropped. Prefer :func:`dispersion`: a comparison given its result also allows for the noise
    of the estimate.

    Notes
    -----
    The scale measures extra-Poisson variation around that simple model; a level shift (e.g. a
    recording change) inside the series inflates it (:func:`dispersion` can model one). Fewer
    than 12 months give 1.0 (no widening), which is optimistic.
    """
    return float(dispersion(series, seasonal=seasonal).phi)


# --- comparator forces -----------------------------------------------------------------------------

def _force_label(slug: str) -> str:
    try:
        from perfkit.config.forces import short_name_for

        return short_name_for(slug)
    except Exception:  # the forces table is optional here: fall back to the slug in words
        return " ".join(w if w in ("and", "of", "the") else w.capitalize() for w in slug.split("-"))


class ComparatorPosition:
    """Result of :func:`comparator_position`. Attributes are read-only properties."""

    def __init__(self, table: pd.DataFrame, force: str, group: ComparatorGroup, unit: str,
                 missing: tuple[str, ...], decimals: int):
        self._table, self._force, self._group = table, force, group
        self._unit, self._missing, self._decimals = unit, missing, decimals
        rates = table["rate"]
        self._mean = float(rates.mean()) if len(rates) else math.nan
        self._sd = float(rates.std(ddof=1)) if len(rates) > 1 else math.nan
        row = table[table["force"] == force]
        self._rate = float(row["rate"].iloc[0]) if len(row) else math.nan
        self._rank = int(row["rank"].iloc[0]) if len(row) else None

    @property
    def force(self) -> str:
        """Slug of the force."""
        return self._force

    @property
    def group(self) -> ComparatorGroup:
        """The comparator group."""
        return self._group

    @property
    def rate(self) -> float:
        """The force's rate (NaN if it has none)."""
        return self._rate

    @property
    def group_mean(self) -> float:
        """Simple mean of the rates of the forces in the group with a rate, the force included."""
        return self._mean

    @property
    def sd(self) -> float:
        """Sample standard deviation (n - 1) of the group's rates."""
        return self._sd

    @property
    def band(self) -> tuple[float, float]:
        """Group mean -/+ one standard deviation."""
        return self._mean - self._sd, self._mean + self._sd

    @property
    def rank(self) -> "int | None":
        """Rank of the force, 1 = highest rate (ties share the lower rank number)."""
        return self._rank

    @property
    def n(self) -> int:
        """Forces with a rate."""
        return len(self._table)

    @property
    def position(self) -> str:
        """``'above the band'``, ``'within the band'`` or ``'below the band'`` (or ``'unknown'``)."""
        lo, hi = self.band
        if any(math.isnan(v) for v in (self._rate, lo, hi)):
            return "unknown"
        return "above the band" if self._rate > hi else "below the band" if self._rate < lo else "within the band"

    @property
    def missing(self) -> tuple[str, ...]:
        """Members of the group with no rate (left out of the mean)."""
        return self._missing

    @property
    def name(self) -> str:
        """The force's short name (from the force names of perfkit.config.forces)."""
        return _force_label(self._force)

    @property
    def missing_names(self) -> tuple[str, ...]:
        """Short names of the members with no rate, as :attr:`missing`."""
        return tuple(_force_label(m) for m in self._missing)

    @property
    def unit(self) -> str:
        """What the rate counts ("crimes per 1,000 residents")."""
        return self._unit

    @property
    def decimals(self) -> int:
        """Decimal places the rates are shown with (0: whole numbers)."""
        return self._decimals

    @property
    def table(self) -> pd.DataFrame:
        """One row per force: ``force, name, rate, rank, is_force``, highest rate first."""
        return self._table.copy()


def comparator_position(rates: pd.Series, force: str, group: "str | ComparatorGroup | Sequence[str]",
                        unit: str = "crimes per 1,000 residents", decimals: int = 1,
                        comparators: "Path | str | None" = None) -> ComparatorPosition:
    """A force's rate against its comparator group: group mean, +/- 1 SD band, rank, chart.

    Parameters
    ----------
    rates : pandas.Series
        Rates (e.g. per 1,000 residents, :func:`rate_per`) indexed by force slug.
    force : str
        Slug of the force.
    group : str, ComparatorGroup or list of slugs
        A group name in ``params/comparators.yaml`` (read with :func:`load_comparators` from
        ``comparators`` or the default path), a group, or the member slugs. The force is added
        if it is not a member, since the group mean includes the force itself.
    unit : str
        Words for the rate, for the sentence and the axis.

    Notes
    -----
    As HMICFRS / Home Office most-similar-group comparisons: the group average is the simple
    (unweighted) mean of the forces' rates, the force included; the band is that mean +/- one
    sample standard deviation. Members without a rate (NaN or absent) are left out and listed in
    ``missing``. The band describes spread among a handful of forces; it is not a confidence
    interval and being outside it is not a test.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.Series({"cambridgeshire": 60.0, "essex": 50.0, "norfolk": 40.0})
    >>> p = comparator_position(r, "cambridgeshire", ["cambridgeshire", "essex", "norfolk"])
    >>> p.rank, p.group_mean, p.position
    (1, 50.0, 'within the band')
    """
    if not isinstance(rates, pd.Series):
        _fail(f"rates: found {type(rates).__name__}; expected a pandas Series indexed by force slug")
    if isinstance(group, str):
        groups = load_comparators(comparators)
        if group not in groups:
            _fail(f"group: found {group!r}; expected one of {', '.join(repr(g) for g in groups)} "
                  "(the groups in params/comparators.yaml)")
        grp = groups[group]
    elif isinstance(group, ComparatorGroup):
        grp = group
    else:
        members = [str(m) for m in group]
        grp = ComparatorGroup("custom", "comparator group", force, tuple(members))
    members = list(grp.members) if force in grp.members else [force] + list(grp.members)
    values = pd.to_numeric(rates.reindex(members), errors="coerce")
    missing = tuple(m for m in members if pd.isna(values.get(m)))
    values = values.dropna()
    table = pd.DataFrame({"force": values.index, "rate": values.to_numpy(dtype=float)})
    table["name"] = [_force_label(f) for f in table["force"]]
    table["rank"] = table["rate"].rank(ascending=False, method="min").astype(int) if len(table) else []
    table["is_force"] = table["force"] == force
    table = table.sort_values(["rate", "force"], ascending=[False, True]).reset_index(drop=True)
    table = table[["force", "name", "rate", "rank", "is_force"]]
    return ComparatorPosition(table, force, grp, unit, missing, decimals)
