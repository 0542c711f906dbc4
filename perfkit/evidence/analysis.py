"""The evidence for one measure in one quarter: every statistic a report shows about it.

:func:`analyse` gathers, for a measure and a quarter, the series (:mod:`perfkit.data.measures`), the
recording changes that apply (:mod:`perfkit.stats.caveats`), the seasonal adjustment with those changes as
level shifts (:mod:`perfkit.stats.seasonal`), the SPC view rebased at them (:mod:`perfkit.stats.spc`), the
comparisons with their intervals (:mod:`perfkit.stats.compare`), the rate per residents and the
position among comparator forces. The plain-English evidence statement is worded from these by
:mod:`perfkit.present.statements`. Reports and the data pack read these results; they never recompute them.

Results are memoised per process under one rule: the key is the content of every input (the
measure's Plan entry, the quarter, the force, the register's content, the store's content as the
hashes of its files, and the analyst's options), so an edited ``params/caveats.yaml`` or a new ingest
gives a new key and shows on the next call; :func:`clear_cache` only frees memory. Seasonal
adjustments are also cached on disk, keyed by the series' values, so the seven notebooks of a run
share them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from perfkit.stats import caveats as caveats_mod
from perfkit.stats import compare, seasonal, spc
from perfkit import data
from perfkit.present import narrative, words
from perfkit.data.measures import MeasureSeries, measure_series
from perfkit.periods import Quarter, Window
from perfkit.config.plan import Measure, Plan

__all__ = ["MeasureEvidence", "LabelledCaveat", "LongWindow", "SHIFT_REASONS", "RATE_MISSING", "analyse", "labelled",
           "population_for", "comparator_rates", "offence_group_totals", "offence_group_rates", "comparator_group",
           "clear_cache"]

#: Caveat directions that can move the figures (others, such as a status change, only qualify them).
_MOVES_FIGURES = ("up", "down", "break", "unknown")

#: Why a recording change modelled in a measure's series has no quoted size
#: (:attr:`MeasureEvidence.shift_reasons`): the change reaches the measure only through a total it
#: counts, so it is sized on the measures whose offences it moves; fewer than a year of figures either
#: side of it; the model could not be fitted; its interval could not be checked on placebo dates; (12-month
#: totals) too few totals either side of it yet.
SHIFT_REASONS = ("total", "short", "unfitted", "uncalibrated", "few-totals")

#: Why a monthly count has no rate per residents (:attr:`MeasureEvidence.rate_missing`): the
#: population file has no figures for the force at all; none for the year the window ends in or an
#: earlier one; too many months of the 12 without data (more than :data:`MAX_MONTHS_LEFT_OUT`).
RATE_MISSING = ("no-population", "no-population-year", "few-months")

#: Minimum months of history before the reporting quarter's end for SPC and seasonal work.
_MIN_MONTHS_SPC = 12

#: Months a measure's chart shows, to the quarter's end (five years).
CHART_MONTHS = 60


@dataclass(frozen=True)
class LongWindow:
    """A small count shown as statisticians do (issue 25): the latest 12 months and the 12 before,
    then the ``years`` years to the latest total against the ``years`` before, with no percentage
    change and no test (:class:`perfkit.config.publishing.SmallNumbers`).

    Attributes
    ----------
    years : int
        Length of the longer window.
    below : int
        The count below which the rule applies (either 12-month total).
    end : pandas.Period
        The month the latest 12 months end.
    value_12, previous_12 : float
        The latest 12 months and the 12 months a year earlier.
    value, previous : float
        The ``years`` years to ``end`` and the ``years`` years before (NaN when the series does not
        reach back so far).
    """

    years: int
    below: int
    end: pd.Period
    value_12: float
    previous_12: float
    value: float
    previous: float

    @property
    def start(self) -> pd.Period:
        """The first month of the longer window."""
        return self.end - 12 * self.years + 1


@dataclass(frozen=True)
class MeasureEvidence:
    """Everything known about one measure in one quarter (read-only).

    Attributes
    ----------
    measure, quarter, force
    series : MeasureSeries
        The figures, to the quarter's end.
    caveats : list
        Recording changes that apply to the comparisons (``perfkit.stats.caveats.Caveat``).
    adjustment : perfkit.stats.seasonal.Adjustment or None
        Seasonal adjustment of the monthly series (``None`` if not monthly or too short).
    spc : perfkit.stats.spc.XmR or None
        SPC on the seasonally adjusted series where one exists, otherwise on the recorded one.
    spc_basis : str
        ``'seasonally adjusted'`` or ``'recorded'`` (the series the SPC is on); ``'too few months'``
        when a monthly series has fewer than 12 months (no SPC; worded by
        :func:`perfkit.present.statements.no_spc_reason`); "" for other series.
    quarter_comparison, rolling_comparison, ytd_comparison : perfkit.stats.compare.Comparison or None
    rate : float
        Rolling 12 months per ``measure.rate_per`` residents (1,000 unless the Plan gives a rare
        offence's rate per 100,000 or a million; NaN where not a count or no population).
    comparator : perfkit.stats.compare.ComparatorPosition or None
    shift_estimates : dict
        Caveat id -> ``perfkit.stats.caveats.ShiftEstimate`` for changes inside the series window.
    comparator_months : int
        Months with data for every force of the comparator group behind the rates compared (12,
        or fewer: the rates are then scaled to 12 months); 0 when there is no comparator position.
    chart_caveats : list
        Register entries that qualify the chart: changes dated inside the months it shows, and
        data faults whose months it shows (drawn hollow).
    dispersion : perfkit.stats.compare.Dispersion or None
        The quasi-Poisson scale estimated from the measure's own monthly series, used by every
        test of change in its counts.
    rate_months : int
        Months of data behind ``rate`` (12, or fewer when months are left out: the rate
        is then scaled to 12 months).
    population_year : int or None
        Year of the ONS mid-year population used for the rate.
    ends_before_quarter : bool
        The series ends before the quarter's end; its comparisons run to its latest month.
    snapshot : dict
        For snapshot measures: ``value``, ``month`` (its date), ``ref_value``, ``ref_month``.
    series_caveats : list
        Register entries dated inside the whole series to the quarter's end (the deep dive's window).
    shift_reasons : dict
        Caveat id -> why a modelled change inside the series has no quoted size, as a key of
        :data:`SHIFT_REASONS` (worded by :func:`perfkit.present.statements.shift_reason`).
    rate_missing : str
        Why a count with figures has no rate per residents, a key of :data:`RATE_MISSING`
        (worded by :func:`perfkit.present.statements.rate_missing`); "" when it has one or none is
        expected (not a monthly count, no figures).
    long_window : LongWindow or None
        For an official offence group whose count is small: the counts over the longer window, shown
        instead of a percentage change and a test (``rolling_comparison`` is then None).
    national : dict
        For an official offence group: the national total of the territorial forces for the same
        12 months and a year earlier (``value``, ``previous_value``, ``change_pct``, ``forces``,
        ``forces_left_out``); empty otherwise.
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
    rate: float = float("nan")
    comparator: Any = None
    shift_estimates: dict = field(default_factory=dict)
    comparator_months: int = 0
    chart_caveats: list = field(default_factory=list)
    dispersion: Any = None
    rate_months: int = 0
    population_year: "int | None" = None
    ends_before_quarter: bool = False
    snapshot: dict = field(default_factory=dict)
    series_caveats: list = field(default_factory=list)
    shift_reasons: dict = field(default_factory=dict)
    rate_missing: str = ""
    long_window: "LongWindow | None" = None
    national: dict = field(default_factory=dict)

    @property
    def window(self) -> pd.Series:
        """The figures up to the quarter's end (what the charts show)."""
        return self.series.values.loc[: self.quarter.end]

    @property
    def quarter_value(self) -> float:
        """The quarter's total as compared (monthly counts: the months with data, a left-out
        month excluded), or the latest figure at or before the quarter's end (other series)."""
        if self.series.frequency == "monthly" and self.measure.is_count:
            if self.quarter_comparison is not None and not self.ends_before_quarter:
                return float(self.quarter_comparison.count)
            return float("nan")
        if self.snapshot:
            return float(self.snapshot["value"])
        values = self.series.values.loc[: self.quarter.end].dropna()
        return float(values.iloc[-1]) if len(values) else float("nan")

    @property
    def headline_comparison(self):
        """The comparison the evidence statement leads with (the quarter's, else the 12 months'; for a
        series that ends before the quarter, its latest 12 months)."""
        if self.quarter_comparison is not None and not self.ends_before_quarter:
            return self.quarter_comparison
        return self.rolling_comparison

    @property
    def unavailable_reason(self) -> str:
        """Why a measure without figures has none, in a neutral sentence for the published page
        ("" when it has figures; :func:`perfkit.present.statements.unavailable_reason`)."""
        from perfkit.present import statements

        return statements.unavailable_reason(self)

    def change_words(self) -> str:
        """The headline change in words, for chart titles and alt text ("2% more than a year earlier,
        2018/19 Q2"), from the same comparison as the statement; "" when there is none
        (:func:`perfkit.present.statements.change_words`)."""
        from perfkit.present import statements

        return statements.change_words(self)

    @property
    def headline(self) -> str:
        """The statement's first sentence: the figure, the change against a year earlier with its
        95% interval, and whether it is statistically significant (at most 25 words)."""
        return self.sentences[0]

    @property
    def sentences(self) -> list[str]:
        """The evidence statement as short sentences (:func:`perfkit.present.statements.statement_sentences`)."""
        from perfkit.present import statements

        return statements.statement_sentences(self)

    @property
    def statement(self) -> str:
        """The evidence statement for "what the evidence says", in short sentences; its first is
        :attr:`headline`. Worded from the evidence by :mod:`perfkit.present.statements`."""
        return " ".join(self.sentences)

    @property
    def notes(self) -> list[str]:
        """What a reader needs to know about these figures beyond the statement, one sentence each
        (figures ending before the quarter, comparator rates on fewer months, a recording change
        whose size is not quoted), worded by :func:`perfkit.present.statements.measure_notices`."""
        from perfkit.present import statements

        return statements.measure_notices(self)

    @property
    def method_notes(self) -> list[str]:
        """Technical notes for "the numbers behind" and the methods, one short sentence each where
        possible: the test of change and the dispersion it allows for, the seasonal adjustment's
        method and M7/Q/F diagnostics, the recording-change models, and the SPC rules that fired."""
        from perfkit.present import statements

        return statements.method_notes(self)

    @property
    def latest_month(self) -> "pd.Period | None":
        """The latest month with a figure, up to the quarter's end."""
        values = self.series.values.loc[: self.quarter.end].dropna()
        return values.index[-1] if len(values) else None

    @property
    def left_out(self) -> dict:
        """``{month: label}`` of months a registered data fault removes, up to the quarter's end."""
        return {m: fault.ref for m, fault in self.left_out_faults.items()}

    @property
    def left_out_faults(self) -> dict:
        """``{month: LabelledCaveat}``: the registered data fault that removes each month, up to the
        quarter's end (its ``ref`` label and ``title``, which the words cite)."""
        faults = _faults(self.series, _register())
        return {m: fault for m, fault in faults.items() if m <= self.quarter.end}


def population_year(force: str, quarter: Quarter, store=None) -> "tuple[float, int | None]":
    """(population, year): the ONS mid-year population of the force area for the year the quarter
    ends in, or the latest earlier year if not yet published; (NaN, None) when unknown."""
    from perfkit.evidence import shared

    frame = shared.populations(store)
    frame = frame[frame["force"] == force]
    if frame.empty:
        return float("nan"), None
    usable = frame[frame["year"] <= quarter.end.year]
    if usable.empty:
        return float("nan"), None
    row = usable.sort_values("year").iloc[-1]
    return float(row["population"]), int(row["year"])


def population_missing(force: str, quarter: Quarter, store=None) -> str:
    """Why the force has no population for ``quarter`` (a key of :data:`RATE_MISSING`), or ""."""
    from perfkit.evidence import shared

    frame = shared.populations(store)
    frame = frame[frame["force"] == force]
    if frame.empty:
        return "no-population"
    return "" if (frame["year"] <= quarter.end.year).any() else "no-population-year"


def population_for(force: str, quarter: Quarter, store=None) -> float:
    """ONS mid-year population of the force area for the year the quarter ends in (latest earlier
    year if not yet published); NaN when unknown."""
    return population_year(force, quarter, store)[0]


#: A force whose rolling 12 months lack more than this many months is left out of a comparison of rates.
MAX_MONTHS_LEFT_OUT = 3


def comparator_rates(measure: Measure, quarter: Quarter, forces, store=None, *, details: bool = False):
    """Rolling 12-month rate per ``measure.rate_per`` residents of a data.police.uk measure for each force.

    Every force's rate uses the same months: those with data for every force of the group (a
    month missing or registered as a data fault for one force is left out for all, so the rates
    stay like for like), scaled to 12 months. A force missing more than
    :data:`MAX_MONTHS_LEFT_OUT` months, or without a population, is NaN. One query for all forces.

    Returns a Series of rates, or with ``details=True`` ``(rates, months_used, forces_left_out)``.
    """
    from perfkit.evidence import shared

    months = pd.PeriodIndex(quarter.rolling_12_months().months, freq="M")
    forces = list(forces)
    everyone = shared.quarter_counts(measure.crime_types, quarter, store)
    if set(forces) <= set(everyone.columns):
        wide = everyone.reindex(index=months, columns=forces)
    else:  # a group naming a force outside the territorial forces: its own query
        frame = data.monthly_counts(force=forces, crime_type=list(measure.crime_types), by=("month", "force"),
                                    start=months[0], end=months[-1], store=store)
        wide = frame.pivot(index="month", columns="force", values="count").reindex(index=months, columns=forces)
    gaps = wide.isna().sum()
    usable = [f for f in forces if gaps[f] <= MAX_MONTHS_LEFT_OUT]
    left_out = tuple(f for f in forces if f not in usable)
    common = wide[usable].dropna().index if usable else wide.index[:0]
    rates = {}
    for force in forces:
        population = population_for(force, quarter, store)
        if force not in usable or not len(common):
            rates[force] = float("nan")
            continue
        total = float(wide.loc[common, force].sum()) * 12 / len(common)
        rates[force] = float(compare.rate_per(total, population, measure.rate_per))
    out = pd.Series(rates, name=measure.id, dtype=float)
    return (out, tuple(common), left_out) if details else out


def offence_group_totals(offences, store=None) -> pd.DataFrame:
    """Rolling 12-month totals of the ONS offence groups ``offences`` summed, for every force in the
    official statistics: index the month each 12 months ends (``period[M]``), one column per force
    slug. A force lacking one of the groups at a date is NaN there (never a partial sum)."""
    # memoised by the store's content, like the measures' evidence (read-only: callers only index it)
    return _group_totals(tuple(sorted(set(offences))), None if store is None else str(store), store_key(store))


@lru_cache(maxsize=64)
def _group_totals(offences: tuple, store, store_content: str) -> pd.DataFrame:
    frame = data.recorded_crime(offence=list(offences), store=store)
    if frame.empty:
        return pd.DataFrame()
    frame = frame.assign(month=pd.PeriodIndex(pd.DatetimeIndex(frame["period_end"]), freq="M"))
    grouped = frame.groupby(["month", "force"])["count"]
    wide = grouped.sum().unstack("force")
    present = grouped.count().unstack("force").reindex_like(wide)
    return wide.where(present >= len(offences)).sort_index()


def offence_group_rates(measure: Measure, quarter: Quarter, forces, end: pd.Period, store=None,
                        years: int = 1) -> pd.Series:
    """Each force's rate per ``measure.rate_per`` residents of an official measure (its offence
    groups, or the total excluding fraud): the rolling 12-month total to ``end`` (or, with ``years``
    > 1, the mean of the ``years`` yearly totals to ``end``) over the ONS mid-year population of the
    quarter's year. NaN where a total or the population is missing."""
    wide = offence_group_totals(measure.offences, store)
    rates = {}
    for force in forces:
        column = wide[force] if force in wide.columns else pd.Series(dtype=float)
        totals = [column.get(end - 12 * k, np.nan) for k in range(years)]
        population = population_for(force, quarter, store)
        rates[force] = (float(compare.rate_per(sum(totals) / years, population, measure.rate_per))
                        if all(pd.notna(t) for t in totals) else float("nan"))
    return pd.Series(rates, name=measure.id, dtype=float)


def _national_groups(measure: Measure, end: pd.Period, store=None) -> dict:
    """The territorial forces' total of an offence-group measure for the 12 months to ``end`` and a
    year earlier; forces without both totals are left out of both."""
    from perfkit.config.forces import all_slugs

    wide = offence_group_totals(measure.offences, store)
    territorial = [f for f in all_slugs(territorial_only=True) if f in wide.columns]
    if not territorial or end not in wide.index or (end - 12) not in wide.index:
        return {}
    now, before = wide.loc[end, territorial], wide.loc[end - 12, territorial]
    complete = [f for f in territorial if pd.notna(now[f]) and pd.notna(before[f])]
    if not complete:
        return {}
    value, previous = float(now[complete].sum()), float(before[complete].sum())
    return {"value": value, "previous_value": previous,
            "change_pct": 100 * (value / previous - 1) if previous else float("nan"),
            "forces": len(complete), "forces_left_out": tuple(f for f in territorial if f not in complete)}


class LabelledCaveat:
    """A register entry with its label in this pack (``C3``): reports refer to caveats by label,
    and charts mark them with it. Every other attribute is the :class:`perfkit.stats.caveats.Caveat`'s."""

    def __init__(self, caveat, ref: str):
        self._caveat = caveat
        self.ref = ref

    def __getattr__(self, name):
        if name.startswith("__") or name == "_caveat":  # pickling looks these up before _caveat exists
            raise AttributeError(name)
        return getattr(self._caveat, name)

    @property
    def period(self) -> pd.Period:
        """The first month under the new practice."""
        return self._caveat.date

    @property
    def wording(self) -> str:
        """The caveat's wording as printed under a chart."""
        return self._caveat.caveat


def _register():
    return caveats_mod.current_register()


def _labels() -> dict:
    return caveats_mod.labels(_register())


def labelled(caveats) -> list[LabelledCaveat]:
    """Register entries with their pack-wide labels (``C1`` is the first recording change or
    status caveat, ``D1`` the first data fault)."""
    refs = _labels()
    return [LabelledCaveat(c, refs[c.id]) for c in caveats]


def clear_cache() -> None:
    """Free the memoised results (never needed for correctness: every key follows the content of
    its inputs, so an edited register or a new ingest is picked up on the next call)."""
    _analyse_cached.cache_clear()
    _group_totals.cache_clear()
    data._store_digest.cache_clear()


def store_key(store=None) -> str:
    """The content key of ``store`` (:func:`perfkit.data.store_key`)."""
    return data.store_key(store)


def analyse(measure: Measure, quarter: Quarter, plan: Plan, *, force: "str | None" = None,
            store=None, comparator_group: "str | None" = None, seasonal_method: str = "auto",
            chart_months: int = CHART_MONTHS) -> MeasureEvidence:
    """All the evidence for ``measure`` in ``quarter``.

    ``comparator_group`` names a group of ``params/comparators.yaml`` (``None``/``""``: the force's
    default), ``seasonal_method`` is passed to :func:`perfkit.stats.seasonal.adjust` (``"auto"``), and
    ``chart_months`` is the chart window whose caveats are listed under the chart. Memoised by the
    content of every input (see the module's docstring).
    """
    from perfkit.config.publishing import load_small_numbers

    return _analyse_cached(measure.id, quarter, plan, force or plan.force,
                           None if store is None else str(store), comparator_group or None, _register(),
                           store_key(store), str(seasonal_method or "auto"), int(chart_months),
                           load_small_numbers())


def comparator_group(force: str, name: "str | None" = None):
    """The comparator group named ``name``, else the first group configured for ``force`` (or None)."""
    groups = compare.load_comparators()
    if name:
        return groups.get(name)
    return next((g for g in groups.values() if g.force == force), None)


def _keep_if_calibrated(estimate, cav, shift_estimates: dict, shift_reasons: dict) -> None:
    """Quote a recording change's size only when its interval could be checked on placebo dates."""
    if estimate.calibrated:
        shift_estimates[cav.id] = estimate
    else:
        shift_reasons[cav.id] = "uncalibrated"


def _faults(series: MeasureSeries, register) -> dict:
    """``{month: LabelledCaveat}`` for the months a data fault removes: the comparisons carry the
    fault as a value (its label and title), which :mod:`perfkit.present.statements` words."""
    refs = caveats_mod.labels(register)
    return {month: LabelledCaveat(register[cid], refs.get(cid, cid)) for month, cid in series.left_out.items()}


def _windows_to(last: pd.Period) -> "tuple[Window, Window]":
    label = f"the 12 months to {words.month(last)}"
    return (Window(last - 11, last, label),
            Window(last - 23, last - 12, f"the 12 months to {words.month(last - 12)}"))


def _compare(values, window, window_ref, dispersion, caveats, faults, label, label_ref):
    return compare.compare_windows(values, window, window_ref, dispersion, caveats, label=label,
                                   label_ref=label_ref, faults=faults or None)


@lru_cache(maxsize=256)
def _analyse_cached(measure_id: str, quarter: Quarter, plan: Plan, force: str, store, group_name,
                    register, store_content: str = "", seasonal_method: str = "auto",
                    chart_months: int = CHART_MONTHS, small_numbers=None) -> MeasureEvidence:
    # ``store_content`` is only part of the key: the store's content as hashes (see store_key);
    # ``small_numbers`` (the publishing settings' rule) is the rule the offence groups use.
    measure = plan.measure(measure_id)
    series = measure_series(measure, force, store=store, plan=plan)
    values = series.values.loc[: quarter.end]
    earliest = quarter.rolling_12_months_before().start
    # A caveat qualifies the figures compared: a change applies when its date falls inside the
    # months they cover (or its effect, per applies_for_months, reaches into them), and a measure
    # without figures carries none.
    if not values.notna().any():
        applicable = []
    elif series.frequency in ("snapshot", "snapshot-ratio"):
        # A snapshot is qualified by what its own date's figures span, not by the quarter's.
        dated = values.dropna().index[-1]
        first = dated - 23 if series.frequency == "snapshot-ratio" else dated
        applicable = labelled(caveats_mod.applicable(register, measure, first, dated, force=force))
    elif series.frequency == "monthly" and values.dropna().index[-1] >= quarter.end:
        applicable = labelled(caveats_mod.applicable(register, measure, earliest, quarter.end, force=force))
    else:
        # a series ending before the quarter (or 12-month totals published later) is compared to its
        # latest figure: the 12 months to it against the 12 before
        dated = values.dropna().index[-1]
        applicable = labelled(caveats_mod.applicable(register, measure, dated - 23, dated, force=force))
    # A status caveat (a lost designation) qualifies the figures but cannot explain a change in
    # them; a data fault's months are left out instead (the comparison notes say so).
    moving = [c for c in applicable if c.direction in _MOVES_FIGURES and c.kind == "recording-change"]
    shown = values.dropna()
    chart_caveats = []
    if len(shown):
        chart_start = max(shown.index.min(), quarter.end - chart_months + 1)
        if measure.offence_groups:  # the long-run series of an official offence group, since its first total
            chart_start = shown.index.min() - 11
        elif series.frequency != "monthly":  # a chart of 12-month figures shows the 12 months behind its first point
            chart_start = max(shown.index.min(), shown.index.max() - chart_months + 1) - 11
        chart_caveats = labelled(caveats_mod.applicable(register, measure, chart_start, shown.index.max(),
                                                        after_months=0, force=force))
    faults = _faults(series, register)
    series_caveats = labelled(caveats_mod.applicable(register, measure, shown.index.min(), quarter.end, after_months=0,
                                                     force=force)) if len(shown) else []
    shift_reasons: dict = {}

    adjustment = spc_result = None
    spc_basis = ""
    shift_estimates: dict = {}
    q_cmp = r_cmp = y_cmp = None
    rate = float("nan")
    rate_months = 0
    pop_year = None
    comparator = None
    dispersion = None
    rate_missing = ""
    comparator_months = 0
    snapshot: dict = {}
    long_window = None
    national: dict = {}
    last = values.dropna().index.max() if values.notna().any() else None
    ends_early = bool(last is not None and series.frequency == "monthly" and last < quarter.end)

    monthly_count = series.frequency == "monthly" and measure.is_count
    if series.available and series.frequency == "monthly":
        history = values.dropna()
        shift_months = ([m for m in caveats_mod.shift_dates(register, measure)
                         if len(history) and history.index.min() < m <= quarter.end]
                        if measure.recorded_crime else [])
        if len(history) >= 24:
            # A left-out month is NaN: the adjustment fills it for fitting only and its adjusted
            # value is never used as data (below).
            adjustment = seasonal.adjust(values.loc[history.index.min():], method=seasonal_method,
                                         shifts=tuple(shift_months))
        if monthly_count and len(history) >= 12:
            dispersion = compare.dispersion(values.loc[history.index.min():], steps=tuple(shift_months))
        if monthly_count:
            # Every modelled change inside the series is sized once, with the others in the same model
            # (the adjustment's), so a page, the deep dive and the data pack quote one number a change.
            quoted = {c.id for c in applicable}
            for cav in series_caveats:
                if not cav.model_shift:
                    continue
                if cav.reach(measure) != "direct":
                    # a total that includes the offences the change moves: its step mixes the change
                    # with every other offence, so the change is sized on the measures it moves directly
                    shift_reasons[cav.id] = "total"
                    continue
                if not (len(history) >= 24 and history.index.min() + 12 <= cav.date <= quarter.end - 11):
                    shift_reasons[cav.id] = "short"
                    continue
                try:
                    estimate = caveats_mod.estimate_shift(values.loc[history.index.min():], cav.date,
                                                          other_shifts=[m for m in shift_months if m != cav.date])
                except ValueError:  # a series the model cannot fit: say so rather than fail
                    shift_reasons[cav.id] = "unfitted"
                else:
                    _keep_if_calibrated(estimate, cav, shift_estimates, shift_reasons)
        if len(history) >= _MIN_MONTHS_SPC:
            basis, spc_basis = values.loc[history.index.min():], "recorded"
            if adjustment is not None and adjustment.method != "none":
                observed = values.reindex(adjustment.seasadj.index)
                basis, spc_basis = adjustment.seasadj.where(observed.notna()), "seasonally adjusted"
            rebase = [m for m in shift_months if basis.index.min() < m <= quarter.end]
            spc_result = spc.xmr(basis.loc[: quarter.end], improvement=measure.improvement, rebase=rebase)
        else:
            spc_basis = "too few months"
    if monthly_count and series.available and last is not None:
        if ends_early:
            # Report to the latest month: the latest complete quarter and 12 months, by their own dates.
            q_eff = Quarter.containing(last)
            if q_eff.end > last:
                q_eff = q_eff.previous()
            ref_q = q_eff.same_quarter_last_year()
            q_cmp = _compare(values, q_eff.window(), ref_q.window(), dispersion, moving, faults, q_eff.label, ref_q.label)
            w, w0 = _windows_to(last)
            r_cmp = _compare(values, w, w0, dispersion, moving, faults, w.label, w0.label)
        else:
            ref_q = quarter.same_quarter_last_year()
            q_cmp = _compare(values, quarter.window(), ref_q.window(), dispersion, moving, faults,
                             quarter.label, ref_q.label)
            w, w0 = _windows_to(quarter.end)
            r_cmp = _compare(values, w, w0, dispersion, moving, faults, w.label, w0.label)
            y, y0 = quarter.year_to_date(), quarter.year_to_date_last_year()
            y_cmp = _compare(values, y, y0, dispersion, moving, faults, f"{quarter.fy_label} to date ({y.describe()})",
                             f"{quarter.shift(-4).fy_label} to date ({y0.describe()})")
        # the population of the year the compared window ends in (a source ending before the quarter
        # is set against its own year's population, not the quarter's)
        population, pop_year = population_year(force, Quarter.containing(last) if ends_early else quarter, store)
        window = r_cmp.window.months if r_cmp is not None and r_cmp.window is not None else quarter.rolling_12_months().months
        in_window = series.window_values(window).dropna()
        if len(in_window) >= 12 - MAX_MONTHS_LEFT_OUT and pd.notna(population):
            rate_months = len(in_window)
            rate = float(compare.rate_per(float(in_window.sum()) * 12 / rate_months, population, measure.rate_per))
        elif pd.isna(population):
            rate_missing = population_missing(force, Quarter.containing(last) if ends_early else quarter, store)
        else:
            rate_missing = "few-months"
        if measure.source == "police_uk" and not ends_early:
            chosen = comparator_group(force, group_name)
            if chosen is not None:
                rates, used, dropped = comparator_rates(measure, quarter, chosen.members, store, details=True)
                if rates.notna().sum() >= 2 and pd.notna(rates.get(force, np.nan)):
                    # the group's rates to the places of the force's own, as the page's rate is shown
                    comparator = compare.comparator_position(rates.dropna(), force, chosen,
                                                             unit=f"{measure.unit} {words.per_residents(measure.rate_per)}",
                                                             decimals=words.rate_places(rates[force]))
                    # one rate per measure: the page's rate is the one the force is ranked on
                    rate, rate_months = float(rates[force]), len(used)
                    comparator_months = len(used)
    elif series.frequency == "quarterly-rolling-12" and series.available:
        at = values.dropna()
        at = at.loc[: quarter.end]
        modelled = [c.date for c in applicable if c.model_shift]
        for cav in applicable:
            if cav.model_shift and len(at) and cav.date <= quarter.end and cav.reach(measure) != "direct":
                shift_reasons[cav.id] = "total"
            elif cav.model_shift and len(at) and cav.date <= quarter.end:
                try:
                    estimate = caveats_mod.estimate_shift(
                        at, cav.date, kind="rolling-year", other_shifts=[d for d in modelled if d != cav.date])
                    _keep_if_calibrated(estimate, cav, shift_estimates, shift_reasons)
                except ValueError:  # too few totals either side yet: say so rather than fail
                    shift_reasons[cav.id] = "few-totals"
        if len(at):
            end = at.index[-1]
            r_cmp, long_window, dispersion = _official_comparison(measure, values, end, moving, register,
                                                                  small_numbers)
            if long_window is not None:  # its comparison is of the longer windows: their caveats qualify it
                applicable = labelled(caveats_mod.applicable(register, measure, end - 24 * long_window.years + 1,
                                                             end, force=force))
            if measure.offence_groups:
                national = _national_groups(measure, end, store)
            # the rate and the force's place among its comparators, every force's from the same
            # national tables (the groups', or the total excluding fraud)
            population, pop_year = population_year(force, quarter, store)
            if pd.isna(population):  # worded by present.statements.rate_missing, as for every measure
                rate_missing = population_missing(force, quarter, store)
            years = long_window.years if long_window is not None else 1
            chosen = comparator_group(force, group_name)
            members = list(chosen.members) if chosen is not None else [force]
            rates = offence_group_rates(measure, quarter, members, end, store, years=years)
            if pd.notna(rates.get(force, np.nan)):
                rate, rate_months = float(rates[force]), 12 * years
            if chosen is not None and rates.notna().sum() >= 2 and pd.notna(rates.get(force, np.nan)):
                per = "a year " if years > 1 else ""
                # the group's rates to the places of the force's own, as the page's rate is shown
                comparator = compare.comparator_position(rates.dropna(), force, chosen,
                                                         unit=f"{measure.unit} {words.per_residents(measure.rate_per)} {per}".strip(),
                                                         decimals=words.rate_places(rates[force]))
    elif series.frequency in ("snapshot", "snapshot-ratio") and series.available:
        points = values.dropna()
        if len(points):
            month = points.index[-1]
            snapshot = {"value": float(points.iloc[-1]), "month": month}
            before = points.loc[: month - 12]
            if len(before):
                snapshot.update(ref_value=float(before.iloc[-1]), ref_month=before.index[-1])

    ev = MeasureEvidence(
        measure=measure, quarter=quarter, force=force, series=series, caveats=applicable,
        adjustment=adjustment, spc=spc_result, spc_basis=spc_basis, quarter_comparison=q_cmp,
        rolling_comparison=r_cmp, ytd_comparison=y_cmp, rate=rate, comparator=comparator,
        shift_estimates=shift_estimates, comparator_months=comparator_months, chart_caveats=chart_caveats, dispersion=dispersion,
        rate_months=rate_months, population_year=pop_year, ends_before_quarter=ends_early, snapshot=snapshot,
        series_caveats=series_caveats, shift_reasons=shift_reasons, rate_missing=rate_missing,
        long_window=long_window, national=national,
    )
    return ev


def _official_comparison(measure: Measure, values: pd.Series, end: pd.Period, moving, register, rule=None):
    """(comparison, long window, dispersion) of an official measure (its offence groups, or the
    total excluding fraud) at ``end``: the 12 months against the 12 a year earlier, tested with the
    quasi-Poisson scale of its own quarterly series (:func:`perfkit.stats.compare.rolling_dispersion`, from the quarters before the two years
    compared, the group's modelled recording changes as steps); or, when either count is below the
    small-numbers rule's, no comparison and the counts over the longer window."""
    from perfkit.config.publishing import load_small_numbers

    rule = rule or load_small_numbers()
    now, ref = float(values.get(end, np.nan)), float(values.get(end - 12, np.nan))
    dispersion = compare.rolling_dispersion(values.loc[:end], steps=caveats_mod.shift_dates(register, measure),
                                            leave_out=[end, end - 12], quarters=compare.ROLLING_DISPERSION_QUARTERS)
    if pd.notna(now) and pd.notna(ref) and min(now, ref) < rule.below:
        def span(last):
            totals = [values.get(last - 12 * k, np.nan) for k in range(rule.years)]
            return float(sum(totals)) if all(pd.notna(t) for t in totals) else float("nan")
        long_window = LongWindow(rule.years, rule.below, end, now, ref, span(end), span(end - 12 * rule.years))
        return None, long_window, dispersion
    label = f"the 12 months to {end.strftime('%B %Y')}"
    r_cmp = compare.compare_periods(
        now, 12, ref, 12, overdispersion=dispersion,
        spans_caveats=[c for c in moving if end - 23 < c.date <= end],
        label=label, label_ref=f"the 12 months to {(end - 12).strftime('%B %Y')}",
        window=Window(end - 11, end, label), window_ref=Window(end - 23, end - 12, f"the 12 months to "
                                                                                 f"{(end - 12).strftime('%B %Y')}"))
    return r_cmp, None, dispersion

