"""Checking the recording-change estimates against real data: placebo dates and known changes.

:func:`perfkit.stats.caveats.estimate_shift` sizes a step at a date. Whether its interval can be
trusted is an empirical question: on real crime series, does it call a step "statistically
significant" at dates where nothing changed (placebo dates) about 5% of the time, and does it
find changes that are known to have happened? This module runs those checks on any collection
of series, so that an analyst can repeat them on a force's own data before quoting an estimate
(for example for a local recording change added to ``params/caveats.yaml``).

``bench/shift_calibration.py`` runs them on the real data in ``../shared/data`` and prints the
results quoted in ``docs/methods-seasonal.md``; ``tests/test_shift_calibration.py`` asserts them.

Examples
--------
>>> import numpy as np, pandas as pd
>>> idx = pd.period_range("2013-01", periods=60, freq="M")
>>> rng = np.random.default_rng(0)
>>> series = {f"s{k}": pd.Series(rng.poisson(300, 60).astype(float), index=idx) for k in range(3)}
>>> table = estimates(series, ["2015-01"])
>>> list(table.columns[:4])
['series', 'at', 'ratio', 'ci_low']
>>> 0 <= false_positive_rate(table) <= 1
True
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd
from scipy import stats

from perfkit.stats import caveats
from perfkit.config import forces
from perfkit.periods import parse_month

__all__ = ["estimates", "false_positive_rate", "found", "interval_under", "counts_by_force",
           "street_counts", "rolling_by_force", "national"]

_Z = float(stats.norm.ppf(0.975))


def counts_by_force(counts: pd.DataFrame, crime_type: str) -> dict[str, pd.Series]:
    """Monthly counts of one crime type by territorial force, from :func:`perfkit.data.sources.read_counts`."""
    rows = counts[counts["crime_type"] == crime_type]
    if rows.empty:
        raise ValueError(f"crime_type: found {crime_type!r}; it is not in the counts")
    wide = rows.pivot(index="month", columns="force", values="count").astype(float)
    return {f: wide[f].dropna() for f in wide.columns if forces.is_territorial(f)}


def street_counts(folder, crime_type: str) -> pd.DataFrame:
    """Monthly counts of one crime type from data.police.uk street files, month by force.

    ``folder`` holds ``YYYY-MM/YYYY-MM-<force>-street.csv`` files (as data.police.uk's archive
    does); each row is one crime, so a month's count is the number of rows of that type.
    """
    from pathlib import Path

    rows = []
    for path in sorted(Path(folder).glob("*/*-street.csv")):
        frame = pd.read_csv(path, usecols=["Month", "Crime type"])
        rows.append({"month": parse_month(path.name[:7], str(path), error=ValueError), "force": path.name[8:-len("-street.csv")],
                     "count": float((frame["Crime type"] == crime_type).sum())})
    if not rows:
        raise ValueError(f"folder: found no YYYY-MM/*-street.csv files in {folder}")
    return pd.DataFrame(rows).pivot(index="month", columns="force", values="count")


def rolling_by_force(prc: pd.DataFrame, offence: str, since: str = "2007-06-30") -> dict[str, pd.Series]:
    """Rolling 12-month totals of one offence at quarter ends, by territorial force.

    ``prc`` is the frame of :func:`perfkit.data.sources.read_prc`; ``since`` drops the earlier annual
    period ends (ONS published quarterly totals from June 2007).
    """
    rows = prc[(prc["offence"] == offence) & (prc["period_end"] >= since)]
    if rows.empty:
        raise ValueError(f"offence: found {offence!r}; it is not in the recorded crime table")
    rows = rows.assign(quarter=rows["period_end"].dt.to_period("Q"))
    wide = rows.pivot_table(index="quarter", columns="force", values="count", aggfunc="sum").astype(float)
    return {f: wide[f].dropna() for f in wide.columns if forces.is_territorial(f)}


def national(parts: Mapping[str, pd.Series]) -> pd.Series:
    """The sum over forces, for the periods every force has."""
    return pd.DataFrame(dict(parts)).dropna().sum(axis=1)


def estimates(
    series: Mapping[str, pd.Series],
    dates: Iterable[Any],
    *,
    kind: str = "counts",
    other_shifts: Iterable[Any] = (),
    exclude: "Mapping[str, Iterable[Any]] | None" = None,
    window: "int | None" = None,
) -> pd.DataFrame:
    """:func:`~perfkit.stats.caveats.estimate_shift` for every series at every date, as a table.

    Parameters
    ----------
    series : mapping of name to pandas.Series
        Monthly counts (``kind="counts"``) or rolling 12-month totals (``kind="rolling-year"``).
    dates : iterable of "YYYY-MM" or pandas.Period
        The months to size a step at: placebo dates (no known change) or a known change.
    kind, other_shifts, window
        Passed to :func:`~perfkit.stats.caveats.estimate_shift`.
    exclude : mapping of name to months, optional
        Months to leave out of a named series (e.g. a partial data feed).

    Returns
    -------
    pandas.DataFrame
        One row per series and date that the model could fit: ``series``, ``at``, ``ratio``,
        ``ci_low``, ``ci_high``, ``coefficient``, ``se``, ``model_se``, ``placebo_sd``,
        ``n_placebo``, and ``skipped`` (why a pair could not be estimated, or "").
    """
    rows = []
    others = list(other_shifts)
    for name, values in series.items():
        for at in dates:
            try:
                est = caveats.estimate_shift(
                    values, at, kind=kind, other_shifts=others,
                    exclude=(exclude or {}).get(name, ()), window=window,
                )
            except ValueError as exc:
                rows.append({"series": name, "at": str(at), "skipped": str(exc)})
                continue
            rows.append({
                "series": name, "at": str(est.at), "ratio": est.ratio, "ci_low": est.ci_low,
                "ci_high": est.ci_high, "coefficient": est.coefficient, "se": est.se,
                "model_se": est.model_se, "placebo_sd": est.placebo_sd,
                "n_placebo": est.n_placebo, "skipped": "",
            })
    columns = ["series", "at", "ratio", "ci_low", "ci_high", "coefficient", "se", "model_se",
               "placebo_sd", "n_placebo", "skipped"]
    return pd.DataFrame(rows, columns=columns)


def interval_under(table: pd.DataFrame, rule: str = "calibrated") -> pd.DataFrame:
    """95% intervals of the estimates under a rule, for comparing calibration rules.

    ``rule``: ``"calibrated"`` (the interval :func:`~perfkit.stats.caveats.estimate_shift` reported),
    ``"model"`` (the model's own standard error) or ``"quadrature"`` (model and placebo spread
    added in quadrature, without the calibration factor).
    """
    done = table[table["skipped"] == ""].copy()
    coef, model_se = done["coefficient"].astype(float), done["model_se"].astype(float)
    calibrated = done["n_placebo"].astype(int) >= caveats.PLACEBO_MIN
    if rule == "calibrated":
        se = done["se"].astype(float)
    elif rule == "model":
        se = model_se
    elif rule == "quadrature":
        se = np.where(calibrated, np.hypot(model_se, done["placebo_sd"].astype(float)), model_se)
    else:
        raise ValueError(f"rule: found {rule!r}; expected calibrated, model or quadrature")
    done["ci_low"] = np.exp(coef - _Z * se)
    done["ci_high"] = np.exp(coef + _Z * se)
    return done


def false_positive_rate(table: pd.DataFrame, rule: str = "calibrated") -> float:
    """Share of the estimated steps whose 95% interval excludes 1 (at placebo dates: ideally 5%)."""
    done = interval_under(table, rule)
    if done.empty:
        return math.nan
    return float(((done["ci_low"] > 1) | (done["ci_high"] < 1)).mean())


def found(table: pd.DataFrame, direction: str, rule: str = "calibrated") -> dict:
    """How many estimates find a known change: interval excluding 1 in ``direction`` ("up"/"down").

    Returns a dict with ``n`` (estimated), ``right`` (excluding 1 in the expected direction),
    ``wrong`` (excluding 1 the other way) and ``median_ratio``.
    """
    if direction not in ("up", "down"):
        raise ValueError(f"direction: found {direction!r}; expected 'up' or 'down'")
    done = interval_under(table, rule)
    up, down = int((done["ci_low"] > 1).sum()), int((done["ci_high"] < 1).sum())
    right, wrong = (up, down) if direction == "up" else (down, up)
    median = float(np.exp(done["coefficient"].astype(float).median())) if len(done) else math.nan
    return {"n": len(done), "right": right, "wrong": wrong, "median_ratio": median}
