"""The evidence for one measure in one quarter: every statistic a report shows about it.

:func:`analyse` gathers, for a measure and a quarter, the series (:mod:`perfkit.measures`), the
recording changes that apply (:mod:`perfkit.caveats`), the seasonal adjustment with those changes as
level shifts (:mod:`perfkit.seasonal`), the SPC view rebased at them (:mod:`perfkit.spc`), the
comparisons with their intervals (:mod:`perfkit.compare`), the rate per 1,000 residents and the
position among comparator forces, and the plain-English evidence statement
(:mod:`perfkit.narrative`). Reports and the data pack read these results; they never recompute them.

Results are memoised per process (by measure, force, quarter and store), so a notebook that shows a
measure in several sections computes it once; seasonal adjustments are also cached on disk, so the
seven notebooks of a run share them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from perfkit import caveats as caveats_mod
from perfkit import compare, data, narrative, seasonal, spc
from perfkit.measures import MeasureSeries, measure_series
from perfkit.periods import Quarter
from perfkit.plan import Measure, Plan

__all__ = ["MeasureEvidence", "analyse", "population_for", "comparator_rates", "clear_cache"]

#: Minimum months of history before the reporting quarter's end for SPC and seasonal work.
_MIN_MONTHS_SPC = 12


@dataclass(frozen=True)
class MeasureEvidence:
    """Everything known about one measure in one quarter (read-only).

    Attributes
    ----------
    measure, quarter, force
    series : MeasureSeries
        The figures, to the quarter's end.
    caveats : list
        Recording changes that apply to the comparisons (``perfkit.caveats.Caveat``).
    adjustment : perfkit.seasonal.Adjustment or None
        Seasonal adjustment of the monthly series (``None`` if not monthly or too short).
    spc : perfkit.spc.XmR or None
        SPC on the seasonally adjusted series where one exists, otherwise on the recorded one.
    spc_basis : str
        ``'seasonally adjusted'`` or ``'recorded'`` (or an explanation when there is no SPC).
    quarter_comparison, rolling_comparison, ytd_comparison : perfkit.compare.Comparison or None
    rate_per_1000 : float
        Rolling 12 months per 1,000 residents (NaN where not a count or no population).
    comparator : perfkit.compare.ComparatorPosition or None
    shift_estimates : dict
        Caveat id -> ``perfkit.caveats.ShiftEstimate`` for changes inside the series window.
    statement : str
        The evidence statement for "what the evidence says".
    notes : list of str
        What a reader needs to know about gaps (missing data, no figures supplied).
    """

    measure: Measure
    quarter: Quarter
    force: str
    series: MeasureSeries
    caveats: list = field(default_factory=list)
    adjustment: Any = None
    spc: Any = None
    spc_basis: str = ""
    quarter_comparison: Any = None
    rolling_comparison: Any = None
    ytd_comparison: Any = None
    rate_per_1000: float = float("nan")
    comparator: Any = None
    shift_estimates: dict = field(default_factory=dict)
    statement: str = ""
    notes: list = field(default_factory=list)

    @property
    def window(self) -> pd.Series:
        """The figures up to the quarter's end (what the charts show)."""
        return self.series.values.loc[: self.quarter.end]

    @property
    def quarter_value(self) -> float:
        """The quarter's total (monthly counts) or latest figure (other series)."""
        values = self.series.window_values(self.quarter.months)
        if self.series.frequency == "monthly" and self.measure.is_count:
            return float(values.sum(min_count=3))
        return float(values.dropna().iloc[-1]) if values.notna().any() else float("nan")


def population_for(force: str, quarter: Quarter, store=None) -> float:
    """ONS mid-year population of the force area for the year the quarter ends in (latest earlier
    year if not yet published); NaN when unknown."""
    frame = data.population(force=force, store=store)
    if frame.empty:
        return float("nan")
    year = quarter.end.year
    usable = frame[frame["year"] <= year]
    if usable.empty:
        return float("nan")
    return float(usable.sort_values("year")["population"].iloc[-1])


def comparator_rates(measure: Measure, quarter: Quarter, forces, store=None) -> pd.Series:
    """Rolling 12-month rate per 1,000 residents for each force (NaN where incomplete)."""
    months = quarter.rolling_12_months().months
    rates = {}
    for force in forces:
        values = measure_series(measure, force, store=store).window_values(months)
        population = population_for(force, quarter, store)
        total = values.sum(min_count=len(months))
        rates[force] = float(compare.rate_per_1000(total, population)) if pd.notna(total) else float("nan")
    return pd.Series(rates, name=measure.id, dtype=float)


def clear_cache() -> None:
    """Forget memoised results (after the store changed)."""
    _analyse_cached.cache_clear()


def analyse(measure: Measure, quarter: Quarter, plan: Plan, *, force: "str | None" = None,
            store=None, comparator_group: "str | None" = None) -> MeasureEvidence:
    """All the evidence for ``measure`` in ``quarter`` (memoised per process)."""
    return _analyse_cached(measure.id, quarter, plan, force or plan.force,
                           None if store is None else str(store), comparator_group)


@lru_cache(maxsize=256)
def _analyse_cached(measure_id: str, quarter: Quarter, plan: Plan, force: str, store, group) -> MeasureEvidence:
    measure = plan.measure(measure_id)
    series = measure_series(measure, force, store=store, plan=plan)
    notes = list(series.notes)
    register = caveats_mod.load_register()
    values = series.values.loc[: quarter.end]
    earliest = quarter.rolling_12_months_before().start
    applicable = caveats_mod.applicable(register, measure, earliest, quarter.end) if measure.recorded_crime else []

    adjustment = spc_result = None
    spc_basis = ""
    shift_estimates: dict = {}
    q_cmp = r_cmp = y_cmp = None
    rate = float("nan")
    comparator = None

    monthly_count = series.frequency == "monthly" and measure.is_count
    if series.available and series.frequency == "monthly":
        history = values.dropna()
        shift_months = [m for m in caveats_mod.shift_dates(register, measure)
                        if len(history) and history.index.min() < m <= quarter.end] if measure.recorded_crime else []
        if len(history) >= 24:
            adjustment = seasonal.adjust(values, method="auto", shifts=tuple(shift_months))
        if monthly_count:
            for cav in applicable:
                at = cav.period
                if len(history) >= 24 and values.index.min() + 12 <= at <= quarter.end - 6:
                    try:
                        shift_estimates[cav.id] = caveats_mod.estimate_shift(values, at)
                    except Exception as exc:  # a weak estimate must not stop a report; say why
                        notes.append(f"The size of the recording change '{cav.title}' could not be estimated: {exc}")
        if len(history) >= _MIN_MONTHS_SPC:
            basis = values
            spc_basis = "recorded"
            if adjustment is not None and adjustment.method != "none":
                basis, spc_basis = adjustment.seasadj, "seasonally adjusted"
            rebase = [m for m in shift_months if basis.index.min() < m <= quarter.end]
            spc_result = spc.xmr(basis, improvement=measure.improvement, rebase=rebase)
        else:
            spc_basis = "too few months of data for a control chart (at least 12 are needed)"
    if monthly_count and series.available:
        q_cmp = compare.quarter_vs_last_year(values, quarter, caveats=applicable)
        r_cmp = compare.rolling_12_months(values, quarter, caveats=applicable)
        y_cmp = compare.year_to_date(values, quarter, caveats=applicable)
        population = population_for(force, quarter, store)
        total = series.window_values(quarter.rolling_12_months().months).sum(min_count=12)
        if pd.notna(total) and pd.notna(population):
            rate = float(compare.rate_per_1000(total, population))
        if measure.source == "police_uk":
            groups = compare.load_comparators()
            chosen = groups.group(group) if group else groups.for_force(force)
            if chosen is not None:
                rates = comparator_rates(measure, quarter, chosen.forces, store)
                if rates.notna().sum() >= 2 and pd.notna(rates.get(force, np.nan)):
                    comparator = compare.comparator_position(rates.dropna(), force, chosen)
    elif series.frequency == "quarterly-rolling-12" and series.available:
        r_cmp = compare.rolling_12_values(values, quarter, caveats=applicable)

    statement = narrative.measure_statement(
        measure, quarter, series=series, comparison=q_cmp or r_cmp, spc=spc_result,
        caveats=applicable, shift_estimates=shift_estimates, notes=notes,
    )
    return MeasureEvidence(
        measure=measure, quarter=quarter, force=force, series=series, caveats=applicable,
        adjustment=adjustment, spc=spc_result, spc_basis=spc_basis, quarter_comparison=q_cmp,
        rolling_comparison=r_cmp, ytd_comparison=y_cmp, rate_per_1000=rate, comparator=comparator,
        shift_estimates=shift_estimates, statement=statement, notes=notes,
    )
