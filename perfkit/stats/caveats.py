"""Recording changes: the caveat register, which caveats apply, and the size of a recording effect.

Recorded crime moves for reasons other than crime: offences are added to the Counting Rules,
forces tighten compliance with the National Crime Recording Standard, categories are split. The
register (``params/caveats.yaml``) lists every known change with its date, the measures and
data.police.uk crime types it affects, the expected direction, the source and the caveat wording
a report prints; analysts add local changes to the same file.

- :func:`load_register`, :func:`applicable`, :func:`shift_dates` and :func:`register_table`: the
  register, read and queried by :mod:`perfkit.config.register` (re-exported here).
- :func:`estimate_shift` sizes a step at a date as a rate ratio with a 95% interval.
- :func:`like_for_like` restates a comparison across a change with the recording effect removed.

Examples
--------
>>> reg = load_register()
>>> [c.id for c in applicable(reg, "violence_sexual", "2015-01", "2015-06", after_months=0)]
['hmic-crime-recording-2014-11', 'harassment-offences-2015-04']
>>> [str(p) for p in shift_dates(reg, "violence_sexual")]
['2015-04', '2018-04']
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from perfkit.periods import check_monthly
# The register is configuration (perfkit.config.register); its names are re-exported here, where
# the statistics that use it have always found them.
from perfkit.config.register import (KINDS, LABEL_PREFIX, POLICE_UK_CRIME_TYPES, Caveat, Register,  # noqa: F401
                                     _as_month, applicable, current_register, faulty_months, labels,
                                     load_register, register_table, shift_dates)

__all__ = [
    "Caveat",
    "Register",
    "ShiftEstimate",
    "LikeForLike",
    "load_register",
    "current_register",
    "applicable",
    "shift_dates",
    "estimate_shift",
    "like_for_like",
    "register_table",
    "POLICE_UK_CRIME_TYPES",
    "KINDS",
    "LABEL_PREFIX",
    "faulty_months",
    "labels",
    "OVERDISPERSION_THRESHOLD",
    "PLACEBO_MIN",
    "CALIBRATION_FACTOR",
]

#: Pearson dispersion above which :func:`estimate_shift` uses a negative binomial model.
OVERDISPERSION_THRESHOLD = 1.5


# ================================================================================================
# Sizing a recording effect
# ================================================================================================
@dataclass(frozen=True)
class ShiftEstimate:
    """Result of :func:`estimate_shift`: the size of a step in a count series.

    Attributes
    ----------
    at : pandas.Period
        First month at the new level.
    ratio, ci_low, ci_high : float
        Rate ratio (after / before, other things equal) and its 95% interval.
    p_value : float
        Two-sided p-value for no step (normal approximation with the standard error ``se``).
    coefficient, se : float
        The log rate ratio and its standard error. ``se`` is the calibrated one when the estimate
        was calibrated (see ``model_se`` and ``placebo_sd``).
    model : str
        ``"Poisson"``, ``"negative binomial"``, or the rolling-totals model.
    dispersion : float
        Pearson chi-squared / residual degrees of freedom of the Poisson fit (NaN for rolling totals).
    alpha : float
        Negative binomial dispersion parameter (NaN otherwise).
    n_months, n_before, n_after : int
        Observations used (months, or rolling totals); how many lie wholly before the step and how
        many after it begins.
    warnings : tuple of str
        What qualifies the estimate, as keys of :data:`SHIFT_WARNINGS` (worded for the analysts by
        :func:`perfkit.present.statements.shift_warnings`).
    excluded : tuple of pandas.Period
        Months left out of the fit (``exclude``).
    full_window : int
        Rolling totals: the totals a full window holds (``2 * window``); 0 for monthly counts.
    model_se : float
        The standard error the model alone gives (assumes the model's trend is right).
    placebo_sd : float
        Root mean square of the step estimates at the placebo dates (NaN when not calibrated).
    n_placebo : int
        Placebo dates used (0 when not calibrated).
    data : str
        ``"monthly counts"`` or ``"rolling 12-month totals"``.
    change : str
        ``"step"`` (a step sized by the model), ``"stopped"`` (no cases at all from ``at`` on:
        ratio 0, the interval 0 to an exact upper bound) or ``"started"`` (no cases before ``at``:
        ratio inf, the interval an exact lower bound to inf).
    count_before, count_after : float
        Cases in the months used before ``at`` and from it on.
    """

    at: pd.Period
    ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    coefficient: float
    se: float
    model: str
    dispersion: float
    alpha: float
    n_months: int
    n_before: int
    n_after: int
    warnings: tuple = ()
    model_se: float = float("nan")
    placebo_sd: float = float("nan")
    n_placebo: int = 0
    data: str = "monthly counts"
    change: str = "step"
    count_before: float = float("nan")
    count_after: float = float("nan")
    excluded: tuple = ()
    full_window: int = 0

    @property
    def interval(self) -> tuple[float, float]:
        """The 95% interval of the rate ratio."""
        return (self.ci_low, self.ci_high)

    @property
    def significant(self) -> bool:
        """True when the 95% interval excludes 1."""
        return self.ci_low > 1 or self.ci_high < 1

    @property
    def calibrated(self) -> bool:
        """True when the interval was widened by the placebo calibration."""
        return self.n_placebo >= PLACEBO_MIN

    @property
    def date(self) -> pd.Period:
        """Alias of ``at`` (so an estimate can be passed as a shift)."""
        return self.at


#: What can qualify an estimate (:attr:`ShiftEstimate.warnings`): the negative binomial fit reported
#: convergence problems; under three years of months (month-of-year effects and trend from less);
#: months left out of the fit; fewer rolling totals than a full window; too few placebo dates to
#: calibrate (the interval is the model's alone); every case on one side of the change (no model
#: fitted: the series stopped, or started, at it).
SHIFT_WARNINGS = ("nonconvergence", "under-three-years", "months-excluded", "short-window", "few-placebo",
                  "stopped", "started")

#: At least this many placebo dates are needed to calibrate an interval (see :func:`estimate_shift`).
PLACEBO_MIN = 6
#: Placebo dates lie at least this many months from the change being sized ...
PLACEBO_GAP_MONTHS = 6
#: ... at least this many months from any other modelled change ...
PLACEBO_OTHER_GAP_MONTHS = 3
#: ... and have at least this many months of data before them and from them on (monthly counts;
#: fewer after than a sized change needs, so placebo estimates are if anything noisier).
PLACEBO_EDGE_MONTHS = (12, 6)
#: Months of data needed before and from a change on to size it (a full seasonal cycle each side).
MIN_MONTHS_EACH_SIDE = 12
#: Rolling totals needed wholly before a change and from it on (four: the ramp is complete).
MIN_TOTALS_BEFORE, MIN_TOTALS_AFTER = 3, 4
#: Quarters each side of the change that the rolling-totals model uses by default.
ROLLING_WINDOW_QUARTERS = 12
#: The calibrated standard error is this times the model's and the placebo spread in quadrature.
#: Set on placebo dates only (1,720 cases of data.police.uk and ONS series, bench/shift_calibration.py):
#: without it the 95% interval excluded 1 at 8.3-9.1% of them, with it at 5.1-5.2%.
CALIBRATION_FACTOR = 1.2

_ROLLING_MODEL = "rolling trend"  # a log-linear trend fitted to rolling 12-month totals


def _check_counts(series: Any) -> pd.Series:
    values = check_monthly(series, "series (monthly counts; for rolling 12-month totals at quarter ends, pass "
                           "kind='rolling-year')", error=ValueError, fill=False)
    if (values < 0).any():
        raise ValueError("series: found a negative value; expected counts of 0 or more")
    return values


def _count_design(idx: pd.PeriodIndex, steps: Sequence[pd.Period]) -> tuple[pd.DataFrame, np.ndarray]:
    """Design matrix (constant, month of year, trend in years, one step column each) and offset."""
    columns = {"const": np.ones(len(idx))}
    months = idx.month.to_numpy()
    for m in range(2, 13):
        if (months == m).any():
            columns[f"m{m}"] = (months == m).astype(float)
    t = (np.asarray(idx.asi8) - idx[0].ordinal).astype(float)
    columns["trend"] = (t - t.mean()) / 12.0
    for k, at in enumerate(steps):
        columns[f"step{k}"] = (idx >= at).astype(float)
    return pd.DataFrame(columns, index=idx), np.log(np.asarray(idx.days_in_month, dtype=float))


def _modelled_counts(series: pd.Series, exclude: Sequence[Any]) -> tuple[pd.Series, set]:
    values = _check_counts(series)
    excluded = {_as_month(e, "exclude") for e in exclude}
    keep = values.notna().to_numpy() & ~np.isin(values.index, list(excluded))
    return values[keep], excluded


def _fit_count_model(series: pd.Series, steps: Sequence[pd.Period], exclude: Sequence[pd.Period] = ()) -> dict:
    """Count model: log E[y_t] = log(days_t) + month-of-year + trend + sum of steps."""
    import statsmodels.api as sm
    from statsmodels.discrete.discrete_model import NegativeBinomial
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning

    y, excluded = _modelled_counts(series, exclude)
    idx = y.index
    if len(y) < 24:
        raise ValueError(f"series: found {len(y)} months with data; expected at least 24 to size a step")
    notes: list[str] = []
    for at in steps:
        after = int((idx >= at).sum())
        if after < 3 or len(idx) - after < 3:
            raise ValueError(
                f"at: {at} leaves {len(idx) - after} month(s) before and {after} after; "
                "expected at least 3 on each side"
            )
    X, offset = _count_design(idx, steps)
    step_names = [f"step{k}" for k in range(len(steps))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        poisson = sm.GLM(y.to_numpy(), X, family=sm.families.Poisson(), offset=offset).fit()
    dispersion = float(poisson.pearson_chi2 / poisson.df_resid) if poisson.df_resid > 0 else float("nan")
    params, bse, model, alpha = poisson.params, poisson.bse, "Poisson", float("nan")
    if np.isfinite(dispersion) and dispersion > OVERDISPERSION_THRESHOLD:
        model = "negative binomial"
        start = np.r_[poisson.params.to_numpy(), 1.0 / max(y.mean(), 1.0) * (dispersion - 1)]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            nb = NegativeBinomial(y.to_numpy(), X, offset=offset, loglike_method="nb2").fit(
                start_params=start, method="bfgs", maxiter=2000, disp=0,
            )
            if not nb.mle_retvals.get("converged", True):
                nb = NegativeBinomial(y.to_numpy(), X, offset=offset, loglike_method="nb2").fit(
                    start_params=nb.params, method="newton", maxiter=200, disp=0,
                )
        if any(issubclass(w.category, (ConvergenceWarning, HessianInversionWarning)) for w in caught):
            notes.append("nonconvergence")
        params, bse = nb.params, nb.bse
        alpha = float(nb.params["alpha"])
    out_steps = []
    for name, at in zip(step_names, steps):
        out_steps.append({
            "at": at, "coef": float(params[name]), "se": float(bse[name]),
            "n_before": int((idx < at).sum()), "n_after": int((idx >= at).sum()),
        })
    if len(y) < 36:
        notes.append("under-three-years")
    if excluded:
        notes.append("months-excluded")
    return {
        "model": model,
        "dispersion": dispersion,
        "alpha": alpha,
        "steps": out_steps,
        "n_months": len(y),
        "warnings": notes,
        "excluded": tuple(sorted(excluded)),
    }


def _placebo_counts(y: pd.Series, at: pd.Period, others: Sequence[pd.Period], alpha: float) -> np.ndarray:
    """Step estimates at placebo dates, each fitted on the side of the change being sized that holds
    it (the months before ``at``, or from ``at`` on), with the other real changes on that side kept
    in the model: a placebo window never contains the change being sized, so a change to near zero
    cannot make the placebo steps beside it meaningless. A side where a month of the year has no
    case at all (a series near zero) gives no placebo dates, nor does a date with no case on one
    side within its segment: neither has a finite step."""
    import statsmodels.api as sm

    family = sm.families.Poisson() if not np.isfinite(alpha) else sm.families.NegativeBinomial(alpha=alpha)
    coefs = []
    for segment in (y[y.index < at], y[y.index >= at]):
        if len(segment) < sum(PLACEBO_EDGE_MONTHS):
            continue
        if (segment.groupby(segment.index.month).sum() == 0).any():
            # a month of the year with no case in the segment (a series near zero): its effect has no
            # finite estimate, and placebo steps on such a segment measure nothing but that
            continue
        idx = segment.index
        first, last = idx[0], idx[-1]
        inside = [o for o in others if (idx < o).sum() >= 3 and (idx >= o).sum() >= 3]
        # The design with the real changes on this side, built once; each placebo date adds its step last.
        base, offset = _count_design(idx, inside)
        base, counts = base.to_numpy(), segment.to_numpy()
        for d in idx:
            if (d - first).n < PLACEBO_EDGE_MONTHS[0] or (last - d).n < PLACEBO_EDGE_MONTHS[1] - 1:
                continue
            if abs((d - at).n) < PLACEBO_GAP_MONTHS or any(abs((d - o).n) < PLACEBO_OTHER_GAP_MONTHS for o in others):
                continue
            after = idx >= d
            if counts[after].sum() == 0 or counts[~after].sum() == 0:
                continue
            X = np.column_stack([base, after.astype(float)])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = sm.GLM(counts, X, family=family, offset=offset).fit()
            coef = float(fit.params[-1])
            if np.isfinite(coef):
                coefs.append(coef)
    return np.asarray(coefs, dtype=float)


# --- rolling 12-month totals ---------------------------------------------------------------------
def _check_rolling(series: Any) -> pd.Series:
    """Rolling 12-month totals on a quarterly PeriodIndex (quarter ends given monthly are converted)."""
    expected = ("series: expected a pandas Series of rolling 12-month totals on a quarterly PeriodIndex, "
                "or on a monthly PeriodIndex with values only at quarter ends (March, June, September, December)")
    if not isinstance(series, pd.Series) or not isinstance(series.index, pd.PeriodIndex):
        raise ValueError(expected)
    values = pd.to_numeric(series, errors="coerce").astype(float).sort_index().dropna()
    freq = values.index.freqstr
    if freq in ("M", "ME"):
        odd = [str(p) for p in values.index if p.month % 3 != 0]
        if odd:
            raise ValueError(f"{expected}; found values at {', '.join(odd[:3])}")
        values.index = values.index.asfreq("Q")
    elif not freq.startswith("Q"):
        raise ValueError(f"{expected}; found frequency {freq}")
    if values.index.has_duplicates:
        raise ValueError("series: found the same quarter twice; expected one rolling total a quarter")
    if (values <= 0).any():
        raise ValueError("series: found a total of 0 or less; expected positive rolling 12-month totals")
    return values


def _quarter_fraction(quarters: pd.PeriodIndex, at: pd.Period, lag: int = 0) -> np.ndarray:
    """Share of each quarter's three months that are at or after ``at``, for the quarters ``lag``
    before ``quarters``. Integer ordinals (quarter n starts at month 3n, both counted from 1970),
    not period arithmetic: the placebo fits call this thousands of times."""
    first_month = (np.asarray(quarters.asi8) - lag) * 3
    return np.clip(first_month + 3 - at.ordinal, 0, 3) / 3.0


def _fit_rolling(totals: pd.Series, steps: Sequence[pd.Period]) -> dict:
    """Least-squares fit of log totals to log(sum of the four quarters each total covers)."""
    from scipy.optimize import least_squares

    q = totals.index
    t = (np.asarray(q.asi8) - q[0].ordinal).astype(float)
    y = np.log(totals.to_numpy())
    # exposure[j][k]: share of quarter t-k at or after step j, for each total t
    shares = [np.stack([_quarter_fraction(q, s, k) for k in range(4)]) for s in steps]
    lags = np.arange(4)[:, None]

    # d(log mu)/d(theta) for each lag and total: constant, trend, one share per step
    grads = np.stack([np.ones((4, len(t))), t[None, :] - lags, *shares])

    def log_mu(theta: np.ndarray) -> np.ndarray:
        return np.tensordot(theta, grads, axes=1)

    def residuals(theta: np.ndarray) -> np.ndarray:
        return np.logaddexp.reduce(log_mu(theta), axis=0) - y

    def jacobian(theta: np.ndarray) -> np.ndarray:
        eta = log_mu(theta)
        weights = np.exp(eta - np.logaddexp.reduce(eta, axis=0))  # each quarter's share of the total
        return (grads * weights[None]).sum(axis=1).T

    start = np.r_[y[0] - math.log(4.0), 0.0, np.zeros(len(steps))]
    fit = least_squares(residuals, start, jac=jacobian, method="lm")
    n, p = len(y), len(start)
    resid_var = float(fit.fun @ fit.fun) / (n - p) if n > p else float("nan")
    cov = np.linalg.pinv(fit.jac.T @ fit.jac) * resid_var
    return {
        "coefs": fit.x[2:],
        "ses": np.sqrt(np.maximum(np.diag(cov)[2:], 0.0)),
        "n_before": [int((_ramp(q, s) == 0).sum()) for s in steps],
        "n_after": [int((_ramp(q, s) > 0).sum()) for s in steps],
        "n": n,
    }


def _rolling_window(totals: pd.Series, at: pd.Period, width: int) -> pd.Series:
    centre = at.asfreq("Q")
    return totals.loc[(totals.index >= centre - width) & (totals.index <= centre + width - 1)]


def _placebo_rolling(totals: pd.Series, at: pd.Period, others: Sequence[pd.Period], width: int) -> np.ndarray:
    coefs = []
    for dq in totals.index:
        d = dq.asfreq("M", how="start")
        if abs((d - at).n) < PLACEBO_GAP_MONTHS or any(abs((d - o).n) < PLACEBO_OTHER_GAP_MONTHS for o in others):
            continue
        window = _rolling_window(totals, d, width)
        if len(window) < 2 * width:  # placebo windows must be complete
            continue
        # only the totals on the placebo's side of the change being sized: none ramps through it
        share = _ramp(window.index, at)
        window = window[share == 0] if d < at else window[share == 4]
        window = _trim_for_others(window, d, others)
        if len(window) < 8 or not _enough_each_side(window, d):
            continue
        inside = [s for s in others if _enough_each_side(window, s)]
        fit = _fit_rolling(window, [d, *inside])
        if np.isfinite(fit["coefs"][0]):
            coefs.append(float(fit["coefs"][0]))
    return np.asarray(coefs, dtype=float)


def _ramp(quarters: pd.PeriodIndex, at: pd.Period) -> np.ndarray:
    """For each rolling total, how many of its four quarters' worth lie at or after ``at`` (0 to 4)."""
    return np.stack([_quarter_fraction(quarters, at, k) for k in range(4)]).sum(axis=0)


def _trim_for_others(window: pd.Series, at: pd.Period, others: Sequence[pd.Period]) -> pd.Series:
    """Drop the totals a change too near the window's edge would ramp through (it cannot be modelled)."""
    for o in others:
        share = _ramp(window.index, o)
        if not (share > 0).any() or (share == 4).all() or _enough_each_side(window, o):
            continue
        window = window[share == 4] if o < at else window[share == 0]
    return window


def _enough_each_side(window: pd.Series, at: pd.Period, after: int = 2) -> bool:
    share = _ramp(window.index, at)
    return int((share == 0).sum()) >= MIN_TOTALS_BEFORE and int((share > 0).sum()) >= after


def estimate_shift(
    series: pd.Series,
    at: Any,
    *,
    other_shifts: Iterable[Any] = (),
    exclude: Iterable[Any] = (),
    kind: str = "counts",
    calibrate: bool = True,
    window: "int | None" = None,
) -> ShiftEstimate:
    """Size a step (a recording change) at ``at`` as a rate ratio with a 95% interval.

    Parameters
    ----------
    series : pandas.Series
        ``kind="counts"``: monthly counts on a monthly PeriodIndex (NaN months are left out), at
        least 12 months with data before ``at`` and 12 from it on (other shifts need 3 each
        side). ``kind="rolling-year"``: rolling
        12-month totals at quarter ends (as ONS publishes police recorded crime), on a quarterly
        PeriodIndex or on a monthly one with values only in March, June, September and December.
    at : pandas.Period, "YYYY-MM" or a Caveat
        First month at the new level.
    other_shifts : iterable, optional
        Other known changes to model jointly (so they are not mistaken for this one).
    exclude : iterable, optional
        Months to leave out, e.g. a partial data feed (``kind="counts"`` only).
    kind : {"counts", "rolling-year"}
        What the series holds.
    calibrate : bool, default True
        Widen the interval by the spread of the same model's estimates at placebo dates (below).
    window : int, optional
        Use only this many periods each side of ``at`` (months for counts, quarters for rolling
        totals). Default: the whole series for counts; 12 quarters for rolling totals.

    Returns
    -------
    ShiftEstimate

    Notes
    -----
    Monthly counts: a Poisson generalised linear model with a log link,
    ``log E[y_t] = log(days in month t) + month-of-year effect + linear trend + step(t >= at)``.
    The offset makes it a model of counts per day, so month length is accounted for. When the
    Pearson dispersion exceeds 1.5 (counts vary more than a Poisson model allows, as recorded
    crime usually does) a negative binomial (NB2) model is fitted instead by maximum likelihood.

    Rolling 12-month totals: each total is the sum of the four quarters it covers, and the
    quarterly level follows ``log mu_q = a + b q + step(q >= at)`` (a quarter the change falls
    inside counts by the share of its months after the change). Summing whole years cancels the
    seasonal pattern, so there are no seasonal terms; the log totals are fitted by least squares.
    A change shows as a ramp over the four quarters after it and is told apart from a change of
    trend by that shape.

    Calibration. On real crime series a model's own interval is far too narrow: the trend is
    never a straight line and the counts are autocorrelated, so a step fitted at a date with
    no change is "statistically significant" much more often than 5% of the time (in the
    project's check on data.police.uk and ONS series, 40-49% of placebo dates). So, by default,
    the same model is refitted with a step at every placebo date of the same series (at least
    6 months from ``at``, 3 from any other modelled change, with 12 months of data before and
    6 after; for rolling totals, dates whose whole window of ``window`` quarters each side is
    available), keeping the real changes in the model. The root mean square of those placebo
    estimates (whose true value is taken to be 0) measures how far the model strays on this
    series; it is added in quadrature to the model's standard error, and the result multiplied
    by ``CALIBRATION_FACTOR`` (1.2), because a spread measured at a few overlapping placebo dates
    understates the true one. The factor was set on placebo dates alone (``bench/shift_calibration.py``):
    across 1,720 placebo cases in data.police.uk and ONS series the calibrated interval excludes 1
    about 5% of the time, against 40-49% for the model's own interval. With fewer than 6 placebo
    dates the interval is the model's own, and a warning says so.

    A step to or from zero (a crime type that stops, or starts, being recorded: every count on one
    side is 0) has no finite log ratio, so no model is fitted: the result says the series stopped
    (``change="stopped"``, ratio 0, interval 0 to an exact upper bound) or started
    (``"started"``, ratio inf, an exact lower bound to inf), from the conditional binomial of the
    counts either side (Clopper-Pearson), and :func:`perfkit.present.statements.shift_estimate_sentence`
    says so in words.

    Limits: a recording change that coincides with a real change in crime, an operation or a
    data outage is attributed to the step; a change phased in over months looks smaller than
    it is; a change needs a year of data each side (four rolling totals after it) to be sized; the calibration
    assumes no unknown changes at the placebo dates (if there are, it widens the interval).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> idx = pd.period_range("2013-01", periods=72, freq="M")
    >>> lam = 20 * idx.days_in_month.to_numpy() * np.where(idx >= pd.Period("2015-04", "M"), 1.2, 1.0)
    >>> y = pd.Series(np.random.default_rng(3).poisson(lam).astype(float), index=idx)
    >>> est = estimate_shift(y, "2015-04")
    >>> est.ci_low < 1.2 < est.ci_high, est.calibrated
    (True, True)
    """
    if kind not in ("counts", "rolling-year"):
        raise ValueError(f"kind: found {kind!r}; expected 'counts' or 'rolling-year'")
    if window is not None and (not isinstance(window, (int, np.integer)) or window < 6):
        raise ValueError(f"window: found {window!r}; expected a whole number of 6 or more, or None")
    at_p = _as_month(getattr(at, "date", at) if not isinstance(at, str) else at, "at")
    others = sorted({_as_month(getattr(o, "date", o) if not isinstance(o, str) else o, "other_shifts")
                     for o in other_shifts} - {at_p})
    if kind == "rolling-year":
        if list(exclude):
            raise ValueError("exclude: months cannot be left out of rolling 12-month totals; drop the totals instead")
        return _estimate_shift_rolling(series, at_p, others, calibrate, window or ROLLING_WINDOW_QUARTERS)
    values = _check_counts(series)
    if window is not None:
        values = values.loc[(values.index >= at_p - window) & (values.index <= at_p + window - 1)]
    span = values.dropna()
    if span.empty or not span.index[0] < at_p <= span.index[-1]:
        first = span.index[0] if len(span) else "none"
        last = span.index[-1] if len(span) else "none"
        raise ValueError(
            f"at: found {at_p}; expected a month after the first ({first}) and no later than "
            f"the last ({last}) month of the series"
        )
    others = [o for o in others if span.index[0] < o <= span.index[-1]]
    y, _ = _modelled_counts(values, list(exclude))
    before, after = int((y.index < at_p).sum()), int((y.index >= at_p).sum())
    if min(before, after) < MIN_MONTHS_EACH_SIDE:
        raise ValueError(
            f"at: {at_p} has {before} month(s) of data before it and {after} from it on; at least "
            f"{MIN_MONTHS_EACH_SIDE} each side are needed to tell a step from the seasonal pattern"
        )
    zero = _zero_side(y, at_p)
    if zero is not None:
        return zero
    fit = _fit_count_model(values, [at_p, *others], exclude=list(exclude))
    s = fit["steps"][0]
    notes = list(fit["warnings"])
    placebo = np.empty(0)
    if calibrate:
        kept_others = [o for o in others if y.index[0] < o <= y.index[-1]]
        placebo = _placebo_counts(y, at_p, kept_others, fit["alpha"])
    out = _finish(at_p, s["coef"], s["se"], placebo, notes, model=fit["model"], dispersion=fit["dispersion"],
                  alpha=fit["alpha"], n=fit["n_months"], n_before=s["n_before"], n_after=s["n_after"],
                  data="monthly counts", calibrate=calibrate)
    return replace(out, count_before=float(y[y.index < at_p].sum()), count_after=float(y[y.index >= at_p].sum()),
                   excluded=fit["excluded"])


def _zero_side(y: pd.Series, at: pd.Period) -> "ShiftEstimate | None":
    """An exact statement when every count before ``at``, or from it on, is zero (else None).

    A model cannot size a step to or from zero (the log ratio is infinite; its interval runs to
    about 1e10). Given the total N, the count from ``at`` on is binomial with probability
    pi = r E1 / (r E1 + E0) (E0, E1 the days before and from ``at``; r the rate ratio), so the
    Clopper-Pearson interval of pi, turned into r, is an exact 95% interval: 0 to
    (pi_hi / (1 - pi_hi)) E0 / E1 with pi_hi = 1 - 0.025^(1/N) when the series stops, and the
    mirror image when it starts. The two-sided p-value is twice the probability of all N on one
    side at r = 1. Trend, season and over-dispersion are ignored: with every case on one side
    they cannot change the conclusion.
    """
    from scipy import stats
    before, after = y[y.index < at], y[y.index >= at]
    c0, c1 = float(before.sum()), float(after.sum())
    if c0 > 0 and c1 > 0:
        return None
    if c0 == 0 and c1 == 0:
        raise ValueError(f"series: every month used is 0 before and after {at}; expected some cases to size a step")
    e0 = float(np.asarray(before.index.days_in_month, dtype=float).sum())
    e1 = float(np.asarray(after.index.days_in_month, dtype=float).sum())
    n = c0 + c1
    share_after = e1 / (e0 + e1)
    if c1 == 0:
        change, ratio, lo = "stopped", 0.0, 0.0
        pi_hi = float(stats.beta.ppf(1 - 0.025, 1, n))
        hi = (pi_hi / (1 - pi_hi)) * e0 / e1
        p = min(1.0, 2 * (1 - share_after) ** n)
        note = "stopped"
    else:
        change, ratio, hi = "started", math.inf, math.inf
        pi_lo = float(stats.beta.ppf(0.025, n, 1))
        lo = (pi_lo / (1 - pi_lo)) * e0 / e1
        p = min(1.0, 2 * share_after ** n)
        note = "started"
    return ShiftEstimate(
        at=at, ratio=ratio, ci_low=lo, ci_high=hi, p_value=float(p),
        coefficient=-math.inf if c1 == 0 else math.inf, se=float("nan"),
        model="exact binomial",  # every case on one side of the change
        dispersion=float("nan"), alpha=float("nan"), n_months=len(y), n_before=len(before), n_after=len(after),
        warnings=(note,), data="monthly counts", change=change, count_before=c0, count_after=c1,
    )


def _estimate_shift_rolling(series: Any, at: pd.Period, others: list, calibrate: bool, width: int) -> ShiftEstimate:
    totals = _check_rolling(series)
    window = _trim_for_others(_rolling_window(totals, at, width), at, others)
    if len(window) < 8 or not _enough_each_side(window, at, MIN_TOTALS_AFTER):
        raise ValueError(
            f"at: {at} with rolling totals from {totals.index[0]} to {totals.index[-1]}: expected at least 8 "
            f"totals within {width} quarters of it, {MIN_TOTALS_BEFORE} wholly before the change and "
            f"{MIN_TOTALS_AFTER} from it on"
        )
    inside = [o for o in others if _enough_each_side(window, o)]
    fit = _fit_rolling(window, [at, *inside])
    notes = ["short-window"] if len(window) < 2 * width else []
    placebo = _placebo_rolling(totals, at, others, width) if calibrate else np.empty(0)
    return _finish(at, float(fit["coefs"][0]), float(fit["ses"][0]), placebo, notes, model=_ROLLING_MODEL,
                   dispersion=float("nan"), alpha=float("nan"), n=fit["n"], n_before=fit["n_before"][0],
                   n_after=fit["n_after"][0], data="rolling 12-month totals", calibrate=calibrate,
                   full_window=2 * width)


def _finish(at: pd.Period, coef: float, model_se: float, placebo: np.ndarray, notes: list, *, model: str,
            dispersion: float, alpha: float, n: int, n_before: int, n_after: int, data: str,
            calibrate: bool, full_window: int = 0) -> ShiftEstimate:
    from scipy import stats
    placebo_sd, used, se = float("nan"), 0, model_se
    if len(placebo) >= PLACEBO_MIN:
        used = len(placebo)
        placebo_sd = float(np.sqrt(np.mean(placebo ** 2)))
        se = CALIBRATION_FACTOR * math.hypot(model_se, placebo_sd)
    elif calibrate:
        notes.append("few-placebo")
    z = stats.norm.ppf(0.975)
    return ShiftEstimate(
        at=at,
        ratio=math.exp(coef),
        ci_low=math.exp(coef - z * se),
        ci_high=math.exp(coef + z * se),
        p_value=float(2 * stats.norm.sf(abs(coef / se))) if se > 0 else float("nan"),
        coefficient=coef,
        se=se,
        model=model,
        dispersion=dispersion,
        alpha=alpha,
        n_months=n,
        n_before=n_before,
        n_after=n_after,
        warnings=tuple(notes),
        full_window=full_window,
        model_se=model_se,
        placebo_sd=placebo_sd,
        n_placebo=used,
        data=data,
    )

# ================================================================================================
# Like-for-like comparison
# ================================================================================================
@dataclass(frozen=True)
class LikeForLike:
    """Result of :func:`like_for_like`: a comparison as recorded and with the recording effect removed.

    Ratios are current / reference rates; intervals are 95%.
    """

    count: float
    count_ref: float
    recorded_ratio: float
    recorded_ci: tuple
    recorded_p: float
    adjusted_ratio: float
    adjusted_ci: tuple
    adjusted_p: float
    shift: ShiftEstimate
    label: str = "the latest period"
    label_ref: str = "the period before"

    def as_table(self) -> pd.DataFrame:
        """Both comparisons as a small table."""
        return pd.DataFrame(
            {
                "comparison": ["as recorded", "recording effect removed"],
                "ratio": [self.recorded_ratio, self.adjusted_ratio],
                "ci_low": [self.recorded_ci[0], self.adjusted_ci[0]],
                "ci_high": [self.recorded_ci[1], self.adjusted_ci[1]],
                "p_value": [self.recorded_p, self.adjusted_p],
            }
        )


def like_for_like(
    count: float,
    count_ref: float,
    shift: ShiftEstimate,
    *,
    exposure: float = 1.0,
    exposure_ref: float = 1.0,
    dispersion: float = 1.0,
    label: str = "the latest period",
    label_ref: str = "the period before",
) -> LikeForLike:
    """Compare a period after a recording change with one before it, as recorded and like for like.

    Parameters
    ----------
    count, count_ref : float
        Total counts in the current period (after the change) and the reference period (before).
    shift : ShiftEstimate
        The recording effect, from :func:`estimate_shift`.
    exposure, exposure_ref : float, default 1
        Lengths of the periods (e.g. days) or populations, when they differ.
    dispersion : float, default 1
        Variance / mean of the counts; above 1 widens the intervals (over-dispersion).
    label, label_ref : str
        Names of the two periods for :func:`perfkit.present.statements.like_for_like_sentence`.

    Returns
    -------
    LikeForLike

    Notes
    -----
    As recorded: the rate ratio with the score interval and test of
    ``statsmodels.stats.rates.test_poisson_2indep`` (with ``dispersion`` > 1, a Wald interval on
    the log scale with the variance scaled by ``dispersion``). Like for like: the recorded ratio
    divided by the estimated recording effect, with a Wald interval on the log scale whose
    variance adds the effect's sampling variance (the two estimates are treated as independent,
    which slightly overstates the width when the periods were used to estimate the effect). The
    adjustment assumes the effect is a constant proportion from the change onward.

    Examples
    --------
    >>> est = ShiftEstimate(pd.Period("2015-04", "M"), 1.2, 1.1, 1.31, 0.0001, math.log(1.2), 0.045,
    ...                     "Poisson", 1.0, float("nan"), 60, 27, 33)
    >>> res = like_for_like(1320, 1000, est)
    >>> round(res.recorded_ratio, 2), round(res.adjusted_ratio, 2)
    (1.32, 1.1)
    """
    from scipy import stats
    from statsmodels.stats.rates import confint_poisson_2indep, test_poisson_2indep

    for name, value in (("count", count), ("count_ref", count_ref)):
        if not isinstance(value, (int, float, np.integer, np.floating)) or not value > 0:
            raise ValueError(f"{name}: found {value!r}; expected a positive count")
    for name, value in (("exposure", exposure), ("exposure_ref", exposure_ref), ("dispersion", dispersion)):
        if not isinstance(value, (int, float, np.integer, np.floating)) or not value > 0:
            raise ValueError(f"{name}: found {value!r}; expected a positive number")
    if not isinstance(shift, ShiftEstimate):
        raise ValueError(f"shift: found {type(shift).__name__}; expected a ShiftEstimate from estimate_shift")
    z = stats.norm.ppf(0.975)
    ratio = (count / exposure) / (count_ref / exposure_ref)
    log_var = dispersion * (1.0 / count + 1.0 / count_ref)
    if dispersion == 1.0:
        ci = confint_poisson_2indep(count, exposure, count_ref, exposure_ref, method="score", compare="ratio")
        recorded_ci = (float(ci[0]), float(ci[1]))
        recorded_p = float(test_poisson_2indep(count, exposure, count_ref, exposure_ref, method="score").pvalue)
    else:
        se = math.sqrt(log_var)
        recorded_ci = (ratio * math.exp(-z * se), ratio * math.exp(z * se))
        recorded_p = float(2 * stats.norm.sf(abs(math.log(ratio) / se)))
    adjusted = ratio / shift.ratio
    se_adj = math.sqrt(log_var + shift.se ** 2)
    adjusted_ci = (adjusted * math.exp(-z * se_adj), adjusted * math.exp(z * se_adj))
    adjusted_p = float(2 * stats.norm.sf(abs(math.log(adjusted) / se_adj)))
    return LikeForLike(
        count=float(count),
        count_ref=float(count_ref),
        recorded_ratio=ratio,
        recorded_ci=recorded_ci,
        recorded_p=recorded_p,
        adjusted_ratio=adjusted,
        adjusted_ci=adjusted_ci,
        adjusted_p=adjusted_p,
        shift=shift,
        label=label,
        label_ref=label_ref,
    )
