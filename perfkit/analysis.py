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

__all__ = ["MeasureEvidence", "LabelledCaveat", "analyse", "labelled", "measure_statement", "population_for",
           "comparator_rates", "comparator_group", "clear_cache"]

#: Caveat directions that can move the figures (others, such as a status change, only qualify them).
_MOVES_FIGURES = ("up", "down", "break", "unknown")

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
    """Rolling 12-month rate per 1,000 residents of a data.police.uk measure for each force
    (NaN where a month is missing or the population is unknown). One query for all forces."""
    months = quarter.rolling_12_months().months
    forces = list(forces)
    frame = data.monthly_counts(force=forces, crime_type=list(measure.crime_types), by=("month", "force", "crime_type"),
                                start=months[0], end=months[-1], store=store)
    rates = {}
    for force in forces:
        counts = frame.loc[frame["force"] == force, "count"]
        # A missing month or crime type makes the 12-month total unknown, never smaller.
        complete = len(counts) == len(months) * len(measure.crime_types) and counts.notna().all()
        total = counts.sum() if complete else float("nan")
        population = population_for(force, quarter, store)
        rates[force] = float(compare.rate_per_1000(total, population)) if pd.notna(total) else float("nan")
    return pd.Series(rates, name=measure.id, dtype=float)


class LabelledCaveat:
    """A register entry with its label in this pack (``C3``): reports refer to caveats by label,
    and charts mark them with it. Every other attribute is the :class:`perfkit.caveats.Caveat`'s."""

    def __init__(self, caveat, ref: str):
        self._caveat = caveat
        self.ref = ref

    def __getattr__(self, name):
        return getattr(self._caveat, name)

    @property
    def period(self) -> pd.Period:
        """The first month under the new practice."""
        return self._caveat.date

    @property
    def wording(self) -> str:
        """The caveat's wording as printed under a chart."""
        return self._caveat.caveat


@lru_cache(maxsize=1)
def _register():
    register = caveats_mod.load_register()
    return register, {c.id: f"C{i}" for i, c in enumerate(register, start=1)}


def labelled(caveats) -> list[LabelledCaveat]:
    """Caveats with their pack-wide labels (``C1`` is the register's first entry)."""
    refs = _register()[1]
    return [LabelledCaveat(c, refs[c.id]) for c in caveats]


def clear_cache() -> None:
    """Forget memoised results (after the store or the register changed)."""
    _analyse_cached.cache_clear()
    _register.cache_clear()


def analyse(measure: Measure, quarter: Quarter, plan: Plan, *, force: "str | None" = None,
            store=None, comparator_group: "str | None" = None) -> MeasureEvidence:
    """All the evidence for ``measure`` in ``quarter`` (memoised per process)."""
    return _analyse_cached(measure.id, quarter, plan, force or plan.force,
                           None if store is None else str(store), comparator_group)


def comparator_group(force: str, name: "str | None" = None):
    """The comparator group named ``name``, else the first group configured for ``force`` (or None)."""
    groups = compare.load_comparators()
    if name:
        return groups.get(name)
    return next((g for g in groups.values() if g.force == force), None)


def _number(value: float, unit: str) -> str:
    if unit == "percent":
        return f"{value:.1f}%"
    # Whole numbers from 100 up (officer FTE 1,361.95 reads "1,362"); one decimal below.
    return narrative.format_count(round(value)) if float(value).is_integer() or abs(value) >= 100 else f"{value:,.1f}"


def measure_statement(ev: "MeasureEvidence") -> str:
    """The evidence statement for one measure, in plain English (see :mod:`perfkit.narrative`)."""
    m, q = ev.measure, ev.quarter
    if not ev.series.available:
        return f"{m.title}: no figures are available. " + " ".join(ev.series.notes)
    last = ev.series.last_month
    if last is not None and last < q.start and ev.series.frequency == "monthly":
        return (f"{m.title}: the figures in the data store end in {last.strftime('%B %Y')}, before {q.label}, "
                f"so this quarter cannot be reported; the chart shows the series to its last month.")
    if ev.quarter_comparison is not None:
        text = narrative.evidence_statement(m.title, ev.quarter_comparison, spc=ev.spc,
                                            unit=m.unit, period_label=q.label)
    elif ev.rolling_comparison is not None:
        text = narrative.evidence_statement(m.title, ev.rolling_comparison, spc=ev.spc,
                                            unit=m.unit, period_label=ev.rolling_comparison.label)
    else:
        values = ev.window.dropna()
        if values.empty:
            return f"{m.title}: no figure is available up to the end of {q.label}."
        latest_month, latest = values.index[-1], values.iloc[-1]
        year_before = values.loc[: latest_month - 12]
        text = f"{m.title}: {_number(latest, m.unit)} {'' if m.unit == 'percent' else m.unit + ' '}at {latest_month.strftime('%B %Y')}"
        if len(year_before):
            ref_month, ref = year_before.index[-1], year_before.iloc[-1]
            if ref:
                change = latest / ref - 1
                words = "no change" if abs(change) < 0.005 else f"{abs(change):.1%} {'more' if change > 0 else 'less'}"
                text += f", {words} than the {_number(ref, m.unit)} at {ref_month.strftime('%B %Y')}"
        text += " (a snapshot figure, so no test of change is made)"
        if latest_month < q.start:
            text += f"; the latest figure predates {q.label}"
        text += "."
    for cav in ev.caveats:
        estimate = ev.shift_estimates.get(cav.id)
        if estimate is not None:
            verdict = "statistically significant" if estimate.significant else "not statistically significant"
            title = cav.title[:1].lower() + cav.title[1:]
            text = text.rstrip(".") + f"; the recording change {cav.ref} ({title}) is estimated at " \
                   f"{(estimate.ratio - 1):+.0%} (95% interval {(estimate.ci_low - 1):+.0%} to " \
                   f"{(estimate.ci_high - 1):+.0%}; {verdict})."
    return text


def _keep_if_calibrated(estimate, cav, shift_estimates: dict, notes: list) -> None:
    """Quote a recording change's size only when its interval could be checked on placebo dates."""
    if estimate.calibrated:
        shift_estimates[cav.id] = estimate
    else:
        notes.append(
            f"The size of the recording change {cav.ref} is not quoted: the series is too short to check the "
            f"model's interval against dates with no known change (fewer than {caveats_mod.PLACEBO_MIN}), and "
            "on real figures the unchecked interval is far too narrow."
        )


@lru_cache(maxsize=256)
def _analyse_cached(measure_id: str, quarter: Quarter, plan: Plan, force: str, store, group_name) -> MeasureEvidence:
    measure = plan.measure(measure_id)
    series = measure_series(measure, force, store=store, plan=plan)
    notes = list(series.notes)
    register = _register()[0]
    values = series.values.loc[: quarter.end]
    earliest = quarter.rolling_12_months_before().start
    applicable = labelled(caveats_mod.applicable(register, measure, earliest, quarter.end)) if measure.recorded_crime else []
    # A status caveat (a lost designation) qualifies the figures but cannot explain a change in them.
    moving = [c for c in applicable if c.direction in _MOVES_FIGURES]

    adjustment = spc_result = None
    spc_basis = ""
    shift_estimates: dict = {}
    q_cmp = r_cmp = y_cmp = None
    rate = float("nan")
    comparator = None

    monthly_count = series.frequency == "monthly" and measure.is_count
    if series.available and series.frequency == "monthly":
        history = values.dropna()
        shift_months = ([m for m in caveats_mod.shift_dates(register, measure)
                         if len(history) and history.index.min() < m <= quarter.end]
                        if measure.recorded_crime else [])
        if len(history) >= 24:
            adjustment = seasonal.adjust(values.loc[history.index.min():], method="auto", shifts=tuple(shift_months))
        if monthly_count:
            for cav in applicable:
                if cav.model_shift and len(history) >= 24 and history.index.min() + 12 <= cav.date <= quarter.end - 11:
                    try:
                        # the same model as the adjustment's (its other shifts included), so one number a change
                        estimate = caveats_mod.estimate_shift(values.loc[history.index.min():], cav.date,
                                                              other_shifts=[m for m in shift_months if m != cav.date])
                    except ValueError as exc:  # a series the model cannot fit: say so rather than fail
                        notes.append(f"The size of the recording change {cav.ref} could not be estimated: {exc}")
                    else:
                        _keep_if_calibrated(estimate, cav, shift_estimates, notes)
        if len(history) >= _MIN_MONTHS_SPC:
            basis, spc_basis = values.loc[history.index.min():], "recorded"
            if adjustment is not None and adjustment.method != "none":
                basis, spc_basis = adjustment.seasadj, "seasonally adjusted"
            rebase = [m for m in shift_months if basis.index.min() < m <= quarter.end]
            spc_result = spc.xmr(basis.loc[: quarter.end], improvement=measure.improvement, rebase=rebase)
        else:
            spc_basis = "too few months of data for a control chart (at least 12 are needed)"
    if monthly_count and series.available:
        q_cmp = compare.quarter_vs_last_year(values, quarter, caveats=moving)
        r_cmp = compare.rolling_12_months(values, quarter, caveats=moving)
        y_cmp = compare.year_to_date(values, quarter, caveats=moving)
        population = population_for(force, quarter, store)
        total = series.window_values(quarter.rolling_12_months().months).sum(min_count=12)
        if pd.notna(total) and pd.notna(population):
            rate = float(compare.rate_per_1000(total, population))
        if measure.source == "police_uk":
            chosen = comparator_group(force, group_name)
            if chosen is not None:
                rates = comparator_rates(measure, quarter, chosen.members, store)
                if rates.notna().sum() >= 2 and pd.notna(rates.get(force, np.nan)):
                    comparator = compare.comparator_position(rates.dropna(), force, chosen,
                                                             unit=f"{measure.unit} per 1,000 residents")
    elif series.frequency == "quarterly-rolling-12" and series.available:
        at = values.dropna()
        at = at.loc[: quarter.end]
        modelled = [c.date for c in applicable if c.model_shift]
        for cav in applicable:
            if cav.model_shift and len(at) and cav.date <= quarter.end:
                try:
                    estimate = caveats_mod.estimate_shift(
                        at, cav.date, kind="rolling-year", other_shifts=[d for d in modelled if d != cav.date])
                    _keep_if_calibrated(estimate, cav, shift_estimates, notes)
                except ValueError:  # too few totals either side yet: say so rather than fail
                    notes.append(f"The size of the recording change {cav.ref} cannot be estimated from these "
                                 "figures yet: the model needs at least three rolling totals wholly before the "
                                 "change and four from it on (a year after it).")
        if len(at):
            end = at.index[-1]
            ref = values.get(end - 12, np.nan)
            r_cmp = compare.compare_periods(
                at.iloc[-1], 12, ref, 12,
                spans_caveats=[c for c in moving if end - 23 < c.date <= end],
                label=f"the 12 months to {end.strftime('%B %Y')}", label_ref="a year earlier")

    ev = MeasureEvidence(
        measure=measure, quarter=quarter, force=force, series=series, caveats=applicable,
        adjustment=adjustment, spc=spc_result, spc_basis=spc_basis, quarter_comparison=q_cmp,
        rolling_comparison=r_cmp, ytd_comparison=y_cmp, rate_per_1000=rate, comparator=comparator,
        shift_estimates=shift_estimates, notes=notes,
    )
    object.__setattr__(ev, "statement", measure_statement(ev))
    return ev
