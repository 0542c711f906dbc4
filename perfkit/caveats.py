"""Recording changes: the caveat register, which caveats apply, and the size of a recording effect.

Recorded crime moves for reasons other than crime: offences are added to the Counting Rules,
forces tighten compliance with the National Crime Recording Standard, categories are split. The
register (``params/caveats.yaml``) lists every known change with its date, the measures and
data.police.uk crime types it affects, the expected direction, the source and the caveat wording
a report prints; analysts add local changes to the same file.

- :func:`load_register` reads and validates the register.
- :func:`applicable` gives the caveats that qualify a comparison window for a measure.
- :func:`shift_dates` gives the changes to model as level shifts (seasonal adjustment, SPC
  rebasing).
- :func:`estimate_shift` sizes a step at a date as a rate ratio with a 95% interval.
- :func:`like_for_like` restates a comparison across a change with the recording effect removed.
- :func:`register_table` is the register as an assumptions-and-caveats log for the data pack.

Examples
--------
>>> reg = load_register()
>>> [c.id for c in applicable(reg, "violence_sexual", "2015-01", "2015-06", after_months=0)]
['uksa-designation-2014-01', 'hmic-crime-recording-2014-11', 'harassment-offences-2015-04']
>>> [str(p) for p in shift_dates(reg, "violence_sexual")]
['2015-04', '2018-04']
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from perfkit import config
from perfkit.errors import ConfigError
from perfkit.params import Node, load_yaml

__all__ = [
    "Caveat",
    "Register",
    "ShiftEstimate",
    "LikeForLike",
    "load_register",
    "applicable",
    "shift_dates",
    "estimate_shift",
    "like_for_like",
    "register_table",
    "POLICE_UK_CRIME_TYPES",
    "OVERDISPERSION_THRESHOLD",
]

#: data.police.uk crime types (current scheme, the pre-2013 names, and ``all_crime``).
POLICE_UK_CRIME_TYPES = (
    "all_crime",
    "Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson", "Drugs",
    "Other crime", "Other theft", "Possession of weapons", "Public order", "Robbery",
    "Shoplifting", "Theft from the person", "Vehicle crime", "Violence and sexual offences",
    "Violent crime", "Public disorder and weapons",
)
#: Pearson dispersion above which :func:`estimate_shift` uses a negative binomial model.
OVERDISPERSION_THRESHOLD = 1.5

_DIRECTIONS = ("up", "down", "break", "none", "unknown")
_RATINGS = ("high", "medium", "low")
_SCOPES = ("national", "local")
_KEYS = (
    "id", "date", "end", "title", "change", "measures", "crime_types", "all_recorded_crime",
    "direction", "source", "caveat", "quality", "impact", "model_shift", "scope", "persists",
    "applies_for_months", "note",
)
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_MONTH_NAMES = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]


# ================================================================================================
# The register
# ================================================================================================
@dataclass(frozen=True)
class Caveat:
    """One recording change (an entry of ``params/caveats.yaml``).

    Attributes
    ----------
    id : str
        Short slug, e.g. ``"harassment-offences-2015-04"``.
    date : pandas.Period
        First month under the new practice.
    end : pandas.Period or None
        Last month of a change phased in over a period (None for a change at one date).
    title, change : str
        Short title; what changed.
    measures : tuple of str
        Plan measure ids affected (``params/plan.yaml``).
    crime_types : tuple of str
        data.police.uk crime types affected (``all_crime`` for every type but anti-social behaviour).
    all_recorded_crime : bool
        Applies to every measure of police recorded crime.
    direction : str
        Expected effect on the recorded figures: ``up``, ``down``, ``break`` (series not
        comparable), ``none`` or ``unknown``.
    source, caveat : str
        Where the change is documented; the wording a report prints under a chart.
    quality, impact : str
        ``high``/``medium``/``low``: how well the change and its date are known; how much it can
        move the Plan's measures (the assumptions-and-caveats log).
    model_shift : bool
        Model as a level shift at ``date`` (seasonal adjustment, SPC rebasing).
    scope : str
        ``national`` or ``local`` (an analyst's entry about the force).
    persists : bool
        Applies to every later window (a status change such as a lost designation).
    applies_for_months : int or None
        Overrides :func:`applicable`'s ``after_months`` for this entry.
    note : str
        Anything else (e.g. a date still to be confirmed).
    """

    id: str
    date: pd.Period
    title: str
    change: str
    measures: tuple
    crime_types: tuple
    direction: str
    source: str
    caveat: str
    quality: str
    impact: str
    model_shift: bool
    end: "pd.Period | None" = None
    all_recorded_crime: bool = False
    scope: str = "national"
    persists: bool = False
    applies_for_months: "int | None" = None
    note: str = ""

    @property
    def last_month(self) -> pd.Period:
        """Last month of the change (``end``, or ``date`` for a change at one date)."""
        return self.end if self.end is not None else self.date

    def when(self) -> str:
        """The date in words: ``'April 2015'`` or ``'April 2011 to March 2013'``."""
        first = f"{_MONTH_NAMES[self.date.month - 1]} {self.date.year}"
        if self.end is None:
            return first
        return f"{first} to {_MONTH_NAMES[self.end.month - 1]} {self.end.year}"

    def describe(self) -> str:
        """The caveat as printed under a chart: wording, then the source."""
        return f"{self.caveat} (Source: {self.source}.)"

    def affects(self, measure: Any) -> bool:
        """Whether the change affects ``measure`` (an id, or an object with ``.id``)."""
        mid, crime_types, recorded = _measure_facts(measure)
        if mid in self.measures:
            return True
        if crime_types and set(crime_types) & set(self.crime_types):
            return True
        return bool(self.all_recorded_crime and recorded)


class Register:
    """The caveat register: an ordered, iterable collection of :class:`Caveat` (by date).

    Examples
    --------
    >>> reg = load_register()
    >>> reg["harassment-offences-2015-04"].direction
    'up'
    """

    def __init__(self, caveats: Iterable[Caveat], path: "Path | None" = None):
        self._caveats = tuple(sorted(caveats, key=lambda c: (c.date, c.id)))
        self._path = path

    @property
    def path(self) -> "Path | None":
        """The file the register was read from."""
        return self._path

    def __iter__(self) -> Iterator[Caveat]:
        return iter(self._caveats)

    def __len__(self) -> int:
        return len(self._caveats)

    def __getitem__(self, key: str) -> Caveat:
        for c in self._caveats:
            if c.id == key:
                return c
        raise KeyError(f"{key!r}: no such caveat; expected one of {', '.join(c.id for c in self._caveats)}")

    def __repr__(self) -> str:
        return f"<Register {len(self)} caveats from {self._path}>"


def _month(node: Node, key: str, required: bool = True) -> "pd.Period | None":
    value = node.get(key) if required else node.get(key, None)
    if value is None:
        return None
    text = str(value).strip()
    if not _MONTH_RE.match(text):
        node.fail(f"found {value!r}; expected a month written YYYY-MM, e.g. 2015-04", key)
    return pd.Period(text, freq="M")


@lru_cache(maxsize=8)
def _plan_measures(path: str, mtime: float) -> dict[str, dict]:
    try:
        data = load_yaml(Path(path))
    except ConfigError:
        return {}
    measures = data.get("measures", []) if isinstance(data, dict) else []
    return {m["id"]: m for m in measures if isinstance(m, dict) and "id" in m}


def _plan_lookup() -> dict[str, dict]:
    path = config.params_dir() / "plan.yaml"
    if not path.is_file():
        return {}
    return _plan_measures(str(path), path.stat().st_mtime)


def _measure_facts(measure: Any) -> tuple[str, tuple, "bool | None"]:
    """(id, crime types, recorded_crime) of a measure id or measure object."""
    if isinstance(measure, str):
        facts = _plan_lookup().get(measure, {})
        return measure, tuple(facts.get("crime_types") or ()), facts.get("recorded_crime")
    mid = getattr(measure, "id", None)
    if not isinstance(mid, str):
        raise ValueError(
            f"measure: found {type(measure).__name__}; expected a measure id (text) or an object with .id"
        )
    return mid, tuple(getattr(measure, "crime_types", None) or ()), getattr(measure, "recorded_crime", None)


def load_register(path: "Path | str | None" = None) -> Register:
    """Read and validate the caveat register.

    Parameters
    ----------
    path : path-like, optional
        Default ``<params>/caveats.yaml`` (:func:`perfkit.config.params_dir`).

    Returns
    -------
    Register

    Raises
    ------
    ConfigError
        Naming the file and the key, what was found and what was expected, e.g.
        ``params/caveats.yaml: caveats[3].direction: found 'rise'; expected one of 'up', ...``.
        Measure ids are checked against ``plan.yaml`` in the same folder when it exists.

    Examples
    --------
    >>> len(load_register()) >= 9
    True
    """
    path = Path(path) if path is not None else config.params_dir() / "caveats.yaml"
    data = load_yaml(path)
    root = Node(data if data is not None else {}, path)
    root.only(("caveats",))
    plan_path = path.parent / "plan.yaml"
    known = set(_plan_measures(str(plan_path), plan_path.stat().st_mtime)) if plan_path.is_file() else set()
    caveats: list[Caveat] = []
    seen: dict[str, str] = {}
    for node in root.children("caveats"):
        node.only(_KEYS)
        cid = node.str("id")
        if not _ID_RE.match(cid):
            node.fail(f"found {cid!r}; expected lower-case letters, digits and hyphens, e.g. harassment-offences-2015-04", "id")
        if cid in seen:
            node.fail(f"found {cid!r} again (first at {seen[cid]}); expected each id once", "id")
        seen[cid] = node.key
        date = _month(node, "date")
        end = _month(node, "end", required=False)
        if end is not None and end < date:
            node.fail(f"found {end} before date {date}; expected an end on or after the date", "end")
        measures = node.str_list("measures", [])
        for i, m in enumerate(measures):
            if known and m not in known:
                node.fail(
                    f"found {m!r}; expected a measure id of {plan_path.name} ({', '.join(sorted(known))})",
                    f"measures[{i}]",
                )
        crime_types = node.str_list("crime_types", [])
        for i, t in enumerate(crime_types):
            if t not in POLICE_UK_CRIME_TYPES:
                node.fail(
                    f"found {t!r}; expected a data.police.uk crime type ({', '.join(POLICE_UK_CRIME_TYPES)})",
                    f"crime_types[{i}]",
                )
        all_recorded = node.bool("all_recorded_crime", False)
        if not (measures or crime_types or all_recorded):
            node.fail("no measures, crime_types or all_recorded_crime; expected at least one to say what is affected")
        applies = node.get("applies_for_months", None)
        if applies is not None:
            applies = node.int("applies_for_months", minimum=0)
        caveats.append(
            Caveat(
                id=cid,
                date=date,
                end=end,
                title=node.str("title"),
                change=node.str("change"),
                measures=tuple(measures),
                crime_types=tuple(crime_types),
                all_recorded_crime=all_recorded,
                direction=node.choice("direction", _DIRECTIONS),
                source=node.str("source"),
                caveat=node.str("caveat"),
                quality=node.choice("quality", _RATINGS),
                impact=node.choice("impact", _RATINGS),
                model_shift=node.bool("model_shift"),
                scope=node.choice("scope", _SCOPES, "national"),
                persists=node.bool("persists", False),
                applies_for_months=applies,
                note=node.str("note", ""),
            )
        )
    return Register(caveats, path)


def _as_month(value: Any, what: str) -> pd.Period:
    if isinstance(value, pd.Period):
        return value.asfreq("M")
    if isinstance(value, pd.Timestamp):
        return value.to_period("M")
    text = str(value).strip()
    if not _MONTH_RE.match(text):
        raise ValueError(f"{what}: found {value!r}; expected a month written YYYY-MM or a pandas Period")
    return pd.Period(text, freq="M")


def applicable(
    register: Iterable[Caveat],
    measure: Any,
    start: Any,
    end: Any,
    after_months: int = 12,
) -> list[Caveat]:
    """The caveats that qualify ``measure`` over the window ``start`` to ``end``.

    Parameters
    ----------
    register : Register or iterable of Caveat
    measure : str or object
        A measure id of ``params/plan.yaml`` (its crime types and whether it is recorded crime are
        read from the plan), or an object with ``.id`` and optionally ``.crime_types`` and
        ``.recorded_crime``.
    start, end : pandas.Period or "YYYY-MM"
        First and last month of the comparison: for "this quarter against the same quarter last
        year", the first month of last year's quarter and the last month of this one.
    after_months : int, default 12
        A change also applies when the window starts within this many months after it (a year
        on year comparison soon after a change still mixes regimes in its context). An entry's
        ``applies_for_months`` overrides it.

    Returns
    -------
    list of Caveat
        In date order. A caveat applies when it affects the measure and the window spans the
        change (starts before it and ends at or after it), overlaps a change phased in over a
        period, starts within ``after_months`` after it, or the entry ``persists``.

    Examples
    --------
    >>> reg = load_register()
    >>> [c.id for c in applicable(reg, "violence_sexual", "2017-04", "2018-06")]
    ['uksa-designation-2014-01', 'hmic-crime-recording-2014-11', 'stalking-harassment-subcategory-2017-04', 'conduct-crimes-2018-04']
    """
    first, last = _as_month(start, "start"), _as_month(end, "end")
    if last < first:
        raise ValueError(f"end: found {last}, before start {first}; expected end on or after start")
    if isinstance(after_months, bool) or not isinstance(after_months, int) or after_months < 0:
        raise ValueError(f"after_months: found {after_months!r}; expected a whole number of 0 or more")
    out = []
    for c in register:
        if not c.affects(measure):
            continue
        months = c.applies_for_months if c.applies_for_months is not None else after_months
        spans = first < c.date <= last if c.end is None else (first <= c.end and last >= c.date)
        soon_after = c.last_month <= first < c.last_month + max(months, 0) and months > 0
        persists = c.persists and last >= c.date
        if spans or soon_after or persists:
            out.append(c)
    return sorted(out, key=lambda c: (c.date, c.id))


def shift_dates(register: Iterable[Caveat], measure: Any) -> list[pd.Period]:
    """Months of the changes to model as level shifts for ``measure`` (``model_shift: true``).

    For :func:`perfkit.seasonal.adjust` (``shifts=``) and SPC rebasing.

    Examples
    --------
    >>> [str(p) for p in shift_dates(load_register(), "burglary")]
    []
    """
    return sorted({c.date for c in register if c.model_shift and c.affects(measure)})


def register_table(register: Iterable[Caveat]) -> pd.DataFrame:
    """The register as an assumptions-and-caveats log (one row per change) for the data pack.

    Examples
    --------
    >>> register_table(load_register()).columns[:4].tolist()
    ['id', 'date', 'title', 'what_changed']
    """
    rows = []
    for c in register:
        rows.append(
            {
                "id": c.id,
                "date": c.when(),
                "title": c.title,
                "what_changed": c.change,
                "measures_affected": ", ".join(c.measures) + (" (all recorded crime)" if c.all_recorded_crime else ""),
                "crime_types_affected": ", ".join(c.crime_types),
                "expected_direction": c.direction,
                "caveat": c.caveat,
                "source": c.source,
                "quality": c.quality,
                "impact": c.impact,
                "modelled_as_level_shift": "yes" if c.model_shift else "no",
                "scope": c.scope,
                "note": c.note,
            }
        )
    columns = [
        "id", "date", "title", "what_changed", "measures_affected", "crime_types_affected",
        "expected_direction", "caveat", "source", "quality", "impact", "modelled_as_level_shift",
        "scope", "note",
    ]
    return pd.DataFrame(rows, columns=columns)


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
        Two-sided Wald p-value for no step.
    coefficient, se : float
        The log rate ratio and its standard error.
    model : str
        ``"Poisson"`` or ``"negative binomial"``.
    dispersion : float
        Pearson chi-squared / residual degrees of freedom of the Poisson fit.
    alpha : float
        Negative binomial dispersion parameter (NaN for Poisson).
    n_months, n_before, n_after : int
        Months used; before and after the step.
    warnings : tuple of str
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

    @property
    def interval(self) -> tuple[float, float]:
        """The 95% interval of the rate ratio."""
        return (self.ci_low, self.ci_high)

    @property
    def significant(self) -> bool:
        """True when the 95% interval excludes 1."""
        return self.ci_low > 1 or self.ci_high < 1

    @property
    def date(self) -> pd.Period:
        """Alias of ``at`` (so an estimate can be passed as a shift)."""
        return self.at

    def describe(self) -> str:
        """The step in plain English."""
        when = f"{_MONTH_NAMES[self.at.month - 1]} {self.at.year}"
        pct = (self.ratio - 1) * 100
        size = "no change" if abs(pct) < 0.5 else f"a {abs(pct):.0f}% {'rise' if pct > 0 else 'fall'}"
        lo, hi = (self.ci_low - 1) * 100, (self.ci_high - 1) * 100
        verdict = (
            "statistically significant" if self.significant else "not statistically significant: it could be chance"
        )
        return (
            f"From {when} the recorded level shows {size} beyond the usual seasonal pattern and trend "
            f"(95% interval {lo:+.0f}% to {hi:+.0f}%; {verdict}; {self.model} model of "
            f"{self.n_months} months)."
        )


def _check_counts(series: Any) -> pd.Series:
    if not isinstance(series, pd.Series) or not isinstance(series.index, pd.PeriodIndex) or series.index.freqstr not in ("M", "ME"):
        raise ValueError("series: expected a pandas Series of monthly counts on a monthly PeriodIndex")
    values = pd.to_numeric(series, errors="coerce").astype(float).sort_index()
    if (values < 0).any():
        raise ValueError("series: found a negative value; expected counts of 0 or more")
    return values


def _fit_count_model(series: pd.Series, steps: Sequence[pd.Period], exclude: Sequence[pd.Period] = ()) -> dict:
    """Count model: log E[y_t] = log(days_t) + month-of-year + trend + sum of steps."""
    import statsmodels.api as sm
    from statsmodels.discrete.discrete_model import NegativeBinomial
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning

    values = _check_counts(series)
    excluded = {_as_month(e, "exclude") for e in exclude}
    keep = values.notna().to_numpy() & ~np.isin(values.index, list(excluded))
    y = values[keep]
    idx = y.index
    if len(y) < 24:
        raise ValueError(f"series: found {len(y)} months with data; expected at least 24 to size a step")
    notes: list[str] = []
    columns = {"const": np.ones(len(y))}
    months = idx.month.to_numpy()
    for m in range(2, 13):
        if (months == m).any():
            columns[f"m{m}"] = (months == m).astype(float)
    t = (idx - idx[0]).map(lambda d: d.n).to_numpy(dtype=float)
    columns["trend"] = (t - t.mean()) / 12.0
    step_names = []
    for k, at in enumerate(steps):
        after = (idx >= at).astype(float)
        if after.sum() < 3 or (1 - after).sum() < 3:
            raise ValueError(
                f"at: {at} leaves {int((1 - after).sum())} month(s) before and {int(after.sum())} after; "
                "expected at least 3 on each side"
            )
        columns[f"step{k}"] = after
        step_names.append(f"step{k}")
    X = pd.DataFrame(columns, index=idx)
    offset = np.log(np.asarray(idx.days_in_month, dtype=float))
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
            notes.append("The negative binomial fit reported convergence problems; treat the interval with caution.")
        params, bse = nb.params, nb.bse
        alpha = float(nb.params["alpha"])
    z = stats.norm.ppf(0.975)
    out_steps = []
    for name, at in zip(step_names, steps):
        coef, se = float(params[name]), float(bse[name])
        out_steps.append(
            {
                "at": at,
                "coef": coef,
                "se": se,
                "ratio": math.exp(coef),
                "ci_low": math.exp(coef - z * se),
                "ci_high": math.exp(coef + z * se),
                "p_value": float(2 * stats.norm.sf(abs(coef / se))) if se > 0 else float("nan"),
                "n_before": int((idx < at).sum()),
                "n_after": int((idx >= at).sum()),
            }
        )
    if len(y) < 36:
        notes.append(f"Only {len(y)} months: month-of-year effects and trend are estimated from under three years.")
    if excluded:
        notes.append("Months left out of the fit: " + ", ".join(str(e) for e in sorted(excluded)) + ".")
    return {
        "model": model,
        "dispersion": dispersion,
        "alpha": alpha,
        "steps": out_steps,
        "n_months": len(y),
        "warnings": notes,
    }


def estimate_shift(
    series: pd.Series,
    at: Any,
    *,
    other_shifts: Iterable[Any] = (),
    exclude: Iterable[Any] = (),
) -> ShiftEstimate:
    """Size a step (a recording change) at ``at`` as a rate ratio with a 95% interval.

    Parameters
    ----------
    series : pandas.Series
        Monthly counts on a monthly PeriodIndex (NaN months are left out). At least 24 months,
        with at least 3 on each side of ``at``.
    at : pandas.Period, "YYYY-MM" or a Caveat
        First month at the new level.
    other_shifts : iterable, optional
        Other known changes to model jointly (so they are not mistaken for this one).
    exclude : iterable, optional
        Months to leave out, e.g. a partial data feed.

    Returns
    -------
    ShiftEstimate

    Notes
    -----
    The model is a Poisson generalised linear model of the monthly counts with a log link:
    ``log E[y_t] = log(days in month t) + month-of-year effect + linear trend + step(t >= at)``.
    The offset makes it a model of counts per day, so month length is accounted for. When the
    Pearson dispersion exceeds 1.5 (counts vary more than a Poisson model allows, as recorded
    crime usually does) a negative binomial (NB2) model is fitted instead by maximum likelihood,
    which widens the interval. The interval and p-value are Wald (normal on the log scale).

    Limits: a linear trend cannot tell a step from a change of direction in the underlying
    trend near ``at``; anything else that happened in the same month (an operation, a data
    outage) is attributed to the step; autocorrelation beyond the seasonal and trend terms is
    ignored, so the interval can be too narrow; steps within about a year of either end are
    poorly determined.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> idx = pd.period_range("2013-01", periods=72, freq="M")
    >>> lam = 20 * idx.days_in_month.to_numpy() * np.where(idx >= pd.Period("2015-04", "M"), 1.2, 1.0)
    >>> y = pd.Series(np.random.default_rng(3).poisson(lam).astype(float), index=idx)
    >>> est = estimate_shift(y, "2015-04")
    >>> est.ci_low < 1.2 < est.ci_high
    True
    """
    at_p = _as_month(getattr(at, "date", at) if not isinstance(at, str) else at, "at")
    others = sorted({_as_month(getattr(o, "date", o) if not isinstance(o, str) else o, "other_shifts")
                     for o in other_shifts} - {at_p})
    values = _check_counts(series)
    if not values.index[0] < at_p <= values.index[-1]:
        raise ValueError(
            f"at: found {at_p}; expected a month after the first ({values.index[0]}) and no later than "
            f"the last ({values.index[-1]}) month of the series"
        )
    others = [o for o in others if values.index[0] < o <= values.index[-1]]
    fit = _fit_count_model(values, [at_p, *others], exclude=list(exclude))
    s = fit["steps"][0]
    return ShiftEstimate(
        at=at_p,
        ratio=s["ratio"],
        ci_low=s["ci_low"],
        ci_high=s["ci_high"],
        p_value=s["p_value"],
        coefficient=s["coef"],
        se=s["se"],
        model=fit["model"],
        dispersion=fit["dispersion"],
        alpha=fit["alpha"],
        n_months=fit["n_months"],
        n_before=s["n_before"],
        n_after=s["n_after"],
        warnings=tuple(fit["warnings"]),
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

    def describe(self) -> str:
        """Two plain-English sentences: as recorded, then like for like."""
        def words(r: float, ci: tuple, p: float) -> str:
            pct = (r - 1) * 100
            size = "no change" if abs(pct) < 0.5 else f"{abs(pct):.0f}% {'higher' if pct > 0 else 'lower'}"
            sig = "statistically significant" if p < 0.05 else "not statistically significant"
            return f"{size} (95% interval {(ci[0] - 1) * 100:+.0f}% to {(ci[1] - 1) * 100:+.0f}%; {sig})"

        when = f"{_MONTH_NAMES[self.shift.at.month - 1]} {self.shift.at.year}"
        return (
            f"As recorded, {self.label} is {words(self.recorded_ratio, self.recorded_ci, self.recorded_p)} "
            f"than {self.label_ref}. The comparison spans the recording change of {when}; with its "
            f"estimated effect removed the like-for-like change is "
            f"{words(self.adjusted_ratio, self.adjusted_ci, self.adjusted_p)}."
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
        Names of the two periods for :meth:`LikeForLike.describe`.

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
