"""The evidence for one measure in one quarter: every statistic a report shows about it.

:func:`analyse` gathers, for a measure and a quarter, the series (:mod:`perfkit.data.measures`), the
recording changes that apply (:mod:`perfkit.stats.caveats`), the seasonal adjustment with those changes as
level shifts (:mod:`perfkit.stats.seasonal`), the SPC view rebased at them (:mod:`perfkit.stats.spc`), the
comparisons with their intervals (:mod:`perfkit.stats.compare`), the rate per 1,000 residents and the
position among comparator forces, and the plain-English evidence statement
(:mod:`perfkit.present.narrative`). Reports and the data pack read these results; they never recompute them.

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

__all__ = ["MeasureEvidence", "LabelledCaveat", "analyse", "labelled", "measure_statement", "statement_sentences",
           "method_notes", "population_for",
           "comparator_rates", "comparator_group", "clear_cache"]

#: Caveat directions that can move the figures (others, such as a status change, only qualify them).
_MOVES_FIGURES = ("up", "down", "break", "unknown")

#: Minimum months of history before the reporting quarter's end for SPC and seasonal work.
_MIN_MONTHS_SPC = 12

#: Months a measure's chart shows, to the quarter's end (five years).
CHART_MONTHS = 60


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
        ``'seasonally adjusted'`` or ``'recorded'`` (or an explanation when there is no SPC).
    quarter_comparison, rolling_comparison, ytd_comparison : perfkit.stats.compare.Comparison or None
    rate_per_1000 : float
        Rolling 12 months per 1,000 residents (NaN where not a count or no population).
    comparator : perfkit.stats.compare.ComparatorPosition or None
    shift_estimates : dict
        Caveat id -> ``perfkit.stats.caveats.ShiftEstimate`` for changes inside the series window.
    statement : str
        The evidence statement for "what the evidence says", in short sentences; its first is
        :attr:`headline`, and the test, dispersion, seasonal diagnostics and SPC rules behind it
        are :attr:`method_notes`.
    notes : list of str
        What a reader needs to know about gaps (missing data, no figures supplied).
    chart_caveats : list
        Register entries that qualify the chart: changes dated inside the months it shows, and
        data faults whose months it shows (drawn hollow).
    dispersion : perfkit.stats.compare.Dispersion or None
        The quasi-Poisson scale estimated from the measure's own monthly series, used by every
        test of change in its counts.
    rate_months : int
        Months of data behind ``rate_per_1000`` (12, or fewer when months are left out: the rate
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
        Caveat id -> why a modelled change inside the series has no quoted size.
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
    chart_caveats: list = field(default_factory=list)
    dispersion: Any = None
    rate_months: int = 0
    population_year: "int | None" = None
    ends_before_quarter: bool = False
    snapshot: dict = field(default_factory=dict)
    series_caveats: list = field(default_factory=list)
    shift_reasons: dict = field(default_factory=dict)

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
        ("" when it has figures). What to supply, and where, is for the analysts' checks (:attr:`notes`)."""
        if self.series.available:
            return ""
        m = self.measure
        if m.source == "local":
            return "It comes from the force's own systems."
        if m.source == "derived":
            return "It is worked out from two other measures, which have no figures for the same dates."
        from perfkit.config.forces import name_for
        from perfkit.data.measures import SOURCE_NAMES

        return f"It comes from the {SOURCE_NAMES[m.source]} figures, and the pack holds none for {name_for(self.series.force)}."

    def change_words(self) -> str:
        """The headline change in words, for chart titles and alt text ("2% more than a year earlier,
        2018/19 Q2"), from the same comparison as the statement; "" when there is none."""
        if self.snapshot:
            snap = self.snapshot
            if not snap.get("ref_value"):
                return ""
            said = words.change(snap["value"] / snap["ref_value"], "higher", "lower")
            link = "the same as" if said == "no change" else f"{said} than"
            return f"{link} a year earlier, at {_dated(snap['month'], True)}"
        cmp = self.headline_comparison
        if cmp is None or pd.isna(cmp.ratio) or not np.isfinite(cmp.ratio):
            return ""
        unequal = cmp.exposure != cmp.exposure_ref
        said = words.change(cmp.ratio, *(("higher", "lower") if unequal else ("more", "fewer")))
        if said == "no change":
            return f"no change on a year earlier, {cmp.label}"
        return f"{'a rate ' if unequal else ''}{said} than a year earlier, {cmp.label}"

    @property
    def headline(self) -> str:
        """The statement's first sentence: the figure, the change against a year earlier with its
        95% interval, and whether it is statistically significant (at most 25 words)."""
        return statement_sentences(self)[0]

    @property
    def method_notes(self) -> list[str]:
        """Technical notes for "the numbers behind" and the methods, one short sentence each where
        possible: the test of change and the dispersion it allows for, the seasonal adjustment's
        method and M7/Q/F diagnostics, the recording-change models, and the SPC rules that fired."""
        return method_notes(self)

    @property
    def latest_month(self) -> "pd.Period | None":
        """The latest month with a figure, up to the quarter's end."""
        values = self.series.values.loc[: self.quarter.end].dropna()
        return values.index[-1] if len(values) else None

    @property
    def left_out(self) -> dict:
        """``{month: label}`` of months a registered data fault removes, up to the quarter's end."""
        refs = _labels()
        return {m: refs.get(cid, cid) for m, cid in self.series.left_out.items() if m <= self.quarter.end}


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


def population_for(force: str, quarter: Quarter, store=None) -> float:
    """ONS mid-year population of the force area for the year the quarter ends in (latest earlier
    year if not yet published); NaN when unknown."""
    return population_year(force, quarter, store)[0]


#: A force whose rolling 12 months lack more than this many months is left out of a comparison of rates.
MAX_MONTHS_LEFT_OUT = 3


def comparator_rates(measure: Measure, quarter: Quarter, forces, store=None, *, details: bool = False):
    """Rolling 12-month rate per 1,000 residents of a data.police.uk measure for each force.

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
        rates[force] = float(compare.rate_per_1000(total, population))
    out = pd.Series(rates, name=measure.id, dtype=float)
    return (out, tuple(common), left_out) if details else out


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
    return _analyse_cached(measure.id, quarter, plan, force or plan.force,
                           None if store is None else str(store), comparator_group or None, _register(),
                           store_key(store), str(seasonal_method or "auto"), int(chart_months))


def comparator_group(force: str, name: "str | None" = None):
    """The comparator group named ``name``, else the first group configured for ``force`` (or None)."""
    groups = compare.load_comparators()
    if name:
        return groups.get(name)
    return next((g for g in groups.values() if g.force == force), None)


def _number(value: float, unit: str) -> str:
    """A level in its unit's style (:func:`perfkit.present.words.number`)."""
    return words.number(value, unit)


def _dated(month: pd.Period, snapshot_day: bool) -> str:
    """'30 September 2017' for a snapshot taken at a month's end, else 'September 2017'."""
    return words.month_end(month) if snapshot_day else words.month(month)


def _snapshot_sentences(ev: "MeasureEvidence") -> list[str]:
    m, q, snap = ev.measure, ev.quarter, ev.snapshot
    month = snap["month"]
    figure = _number(snap["value"], m.unit) + ("" if m.unit == "percent" else f" {m.unit}")
    head = f"{m.title}: {figure} at {_dated(month, True)}"
    if month < q.start:
        head += ", the latest published"
    rest = []
    if ev.series.frequency == "snapshot-ratio":
        rest.append(f"It uses the 12 months to {words.month(month)} and the staffing figure at {_dated(month, True)}.")
    if snap.get("ref_value"):
        ratio = snap["value"] / snap["ref_value"]
        ref = f"{_dated(snap['ref_month'], True)} ({_number(snap['ref_value'], m.unit)})"
        said = words.change(ratio, "higher", "lower")
        change = f"the same as at {ref}" if said == "no change" else f"{said} than at {ref}"
        if words.word_count(f"{head}, {change}.") <= narrative.HEADLINE_WORDS:
            head = f"{head}, {change}"
        else:
            rest.insert(0, f"That is {change}.")
    return [head + "."] + rest + ["This is a snapshot figure, so no test of change is made."]


def _fault_refs(ev: "MeasureEvidence", compared) -> dict:
    """``{month: label}`` of the data faults whose months the comparison leaves out."""
    if compared is None or compared.window is None:
        return {}
    spans = set(compared.window.months) | (set(compared.window_ref.months) if compared.window_ref is not None else set())
    return {month: ref for month, ref in ev.left_out.items() if month in spans}


def statement_sentences(ev: "MeasureEvidence") -> list[str]:
    """The evidence statement of one measure as a list of short sentences: the headline first
    (figure, change with its interval, significance), then the months left out, the recording
    changes and their estimated sizes, and the SPC findings, one short sentence each."""
    m, q = ev.measure, ev.quarter
    if not ev.series.available:
        # what the analysts must supply is in ev.notes (the pre-publication checks), not here
        return [f"{m.title}: no figures are available."]
    last = ev.series.last_month
    compared = ev.quarter_comparison if ev.quarter_comparison is not None else ev.rolling_comparison
    faults = _fault_refs(ev, compared)
    if ev.snapshot:
        out = _snapshot_sentences(ev)
    elif ev.ends_before_quarter and ev.rolling_comparison is not None:
        cmp = ev.rolling_comparison
        out = narrative.evidence_sentences(m.title, cmp, spc=None, unit=m.unit, period_label=cmp.label,
                                           faults=_fault_refs(ev, cmp))
        out.append(f"The figures end in {words.month(last)}, before {q.label}.")
        return out + _estimate_sentences(ev, cmp)
    elif last is not None and last < q.start and ev.series.frequency == "monthly":
        return [f"{m.title}: the figures end in {words.month(last)}, before {q.label}, so this quarter cannot be "
                "reported.", "The chart shows the series to its last month."]
    elif ev.quarter_comparison is not None:
        out = narrative.evidence_sentences(m.title, ev.quarter_comparison, spc=None, unit=m.unit,
                                           period_label=q.label, faults=faults)
    elif ev.rolling_comparison is not None:
        out = narrative.evidence_sentences(m.title, ev.rolling_comparison, spc=None, unit=m.unit,
                                           period_label=ev.rolling_comparison.label, faults=faults)
    else:
        return [f"{m.title}: no figure is available up to the end of {q.label}."]
    out += _estimate_sentences(ev, compared)
    if ev.spc is not None and not ev.snapshot:
        out += ev.spc.findings()
    return out


def _estimate_sentences(ev: "MeasureEvidence", compared) -> list[str]:
    """One sentence per recording change whose size is estimated, the change named by title
    unless the caveat sentence already names it."""
    named = {getattr(c, "id", None) for c in (getattr(compared, "caveats", ()) or ())}
    out = []
    for cav in ev.caveats:
        estimate = ev.shift_estimates.get(cav.id)
        if estimate is None:
            continue
        title = "" if cav.id in named else f" ({words.lower_first(cav.title).rstrip('.')})"
        said = words.change(estimate.ratio)
        size = "no change" if said == "no change" else f"{said} {ev.measure.unit}"
        out.append(f"The recording change {cav.ref}{title} is estimated to account for {size} (95% interval: "
                   f"{words.between(estimate.ci_low, estimate.ci_high)}); {narrative.verdict(estimate)}.")
    return out


def measure_statement(ev: "MeasureEvidence") -> str:
    """The evidence statement for one measure, in short plain-English sentences (see
    :func:`statement_sentences` and :mod:`perfkit.present.narrative`)."""
    return " ".join(statement_sentences(ev))


def _test_words(cmp) -> str:
    if str(cmp.method).startswith("exact conditional"):
        return "exact conditional (binomial) test with a Clopper-Pearson interval, as one count is zero"
    if str(cmp.method).startswith("score test"):
        return "two-sample Poisson score test with its score interval"
    return str(cmp.method)


def method_notes(ev: "MeasureEvidence") -> list[str]:
    """The technical notes behind a measure's statement, one short sentence each where possible
    (see :attr:`MeasureEvidence.method_notes`)."""
    out = []
    cmp = ev.headline_comparison
    if cmp is not None and cmp.tested:
        out.append(f"Test of the change in {cmp.label}: {_test_words(cmp)} ({words.p_value(cmp.p_value)}).")
        phi, df = float(cmp.overdispersion), float(cmp.dispersion_df)
        if phi > 1 and np.isfinite(df):
            out.append(f"This test allows for over-dispersion: quasi-Poisson scale (dispersion) {phi:.2f}, estimated "
                       f"from the months not compared on {df:g} residual degrees of freedom, with Student's t.")
        elif phi > 1:
            out.append(f"Over-dispersion: quasi-Poisson scale (dispersion) {phi:.2f}, taken as known.")
        elif np.isfinite(df):
            out.append(f"Dispersion: none beyond Poisson found (scale 1, estimated on {df:g} residual degrees of "
                       "freedom).")
    if ev.dispersion is not None:
        out.append(ev.dispersion.describe())
    if ev.adjustment is not None:
        # a level shift the count model sized is noted once, with the recording change (below)
        sized = {str(e.at) for e in ev.shift_estimates.values()}
        out.extend(n for n in ev.adjustment.diagnostic_notes()
                   if not any(n.startswith(f"Level shift at {words.month(m)}:") for m in sized))
    for cav in ev.caveats:
        est = ev.shift_estimates.get(cav.id)
        if est is None:
            continue
        checked = (f"interval calibrated on {est.n_placebo} dates with no known change" if est.calibrated
                   else "interval from the model alone")
        out.append(f"Recording change {cav.ref}: {est.model} model of {est.n_months} {est.data}; rate ratio "
                   f"{est.ratio:.2f} (95% interval {est.ci_low:.2f} to {est.ci_high:.2f}), "
                   f"{words.p_value(est.p_value)}; {checked}.")
    if ev.spc is not None:
        out.append(f"SPC on the {ev.spc_basis} series.")
        out.extend(ev.spc.rule_notes())
    return out


def _keep_if_calibrated(estimate, cav, shift_estimates: dict, notes: list) -> None:
    """Quote a recording change's size only when its interval could be checked on placebo dates."""
    if estimate.calibrated:
        shift_estimates[cav.id] = estimate
    else:
        notes.append(
            f"The size of the recording change {cav.ref} is not quoted. The series is too short to check the "
            f"model's interval on dates with no known change (at least {caveats_mod.PLACEBO_MIN} are needed), and "
            "an unchecked interval is far too narrow."
        )


def _reasons(series: MeasureSeries, refs: dict, register) -> dict:
    """``{month: reason}`` for the months a data fault removes, as comparisons word them."""
    out = {}
    for month, cid in series.left_out.items():
        out[month] = f"its {register[cid].title[0].lower() + register[cid].title[1:]}, data fault {refs.get(cid, cid)}"
    return out


def _windows_to(last: pd.Period) -> "tuple[Window, Window]":
    label = f"the 12 months to {words.month(last)}"
    return (Window(last - 11, last, label),
            Window(last - 23, last - 12, f"the 12 months to {words.month(last - 12)}"))


def _compare(values, window, window_ref, dispersion, caveats, reasons, label, label_ref):
    return compare.compare_windows(values, window, window_ref, dispersion, caveats, label=label,
                                   label_ref=label_ref, reasons=reasons or None)


@lru_cache(maxsize=256)
def _analyse_cached(measure_id: str, quarter: Quarter, plan: Plan, force: str, store, group_name,
                    register, store_content: str = "", seasonal_method: str = "auto",
                    chart_months: int = CHART_MONTHS) -> MeasureEvidence:
    # ``store_content`` is only part of the key: the store's content as hashes (see store_key).
    measure = plan.measure(measure_id)
    series = measure_series(measure, force, store=store, plan=plan)
    notes = list(series.notes)
    refs = caveats_mod.labels(register)
    values = series.values.loc[: quarter.end]
    earliest = quarter.rolling_12_months_before().start
    if series.frequency in ("snapshot", "snapshot-ratio") and values.notna().any():
        # A snapshot is qualified by what its own date's figures span, not by the quarter's.
        dated = values.dropna().index[-1]
        first = dated - 23 if series.frequency == "snapshot-ratio" else dated
        applicable = labelled(caveats_mod.applicable(register, measure, first, dated, force=force))
    else:
        applicable = labelled(caveats_mod.applicable(register, measure, earliest, quarter.end, force=force))
    # A status caveat (a lost designation) qualifies the figures but cannot explain a change in
    # them; a data fault's months are left out instead (the comparison notes say so).
    moving = [c for c in applicable if c.direction in _MOVES_FIGURES and c.kind == "recording-change"]
    shown = values.dropna()
    chart_caveats = []
    if len(shown):
        chart_start = max(shown.index.min(), quarter.end - chart_months + 1)
        if series.frequency != "monthly":  # a chart of 12-month figures shows the 12 months behind its first point
            chart_start = max(shown.index.min(), shown.index.max() - chart_months + 1) - 11
        chart_caveats = labelled(caveats_mod.applicable(register, measure, chart_start, shown.index.max(),
                                                        after_months=0, force=force))
    reasons = _reasons(series, refs, register)
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
    snapshot: dict = {}
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
                said = notes if cav.id in quoted else []
                if not (len(history) >= 24 and history.index.min() + 12 <= cav.date <= quarter.end - 11):
                    shift_reasons[cav.id] = "not estimated: a year of figures either side of the change is needed"
                    continue
                try:
                    estimate = caveats_mod.estimate_shift(values.loc[history.index.min():], cav.date,
                                                          other_shifts=[m for m in shift_months if m != cav.date])
                except ValueError as exc:  # a series the model cannot fit: say so rather than fail
                    said.append(f"The size of the recording change {cav.ref} could not be estimated: {exc}")
                    shift_reasons[cav.id] = f"not estimated: {exc}"
                else:
                    _keep_if_calibrated(estimate, cav, shift_estimates, said)
                    if cav.id not in shift_estimates:
                        shift_reasons[cav.id] = ("not estimated: the series is too short to check the model's "
                                                 "interval against dates with no known change")
        if len(history) >= _MIN_MONTHS_SPC:
            basis, spc_basis = values.loc[history.index.min():], "recorded"
            if adjustment is not None and adjustment.method != "none":
                observed = values.reindex(adjustment.seasadj.index)
                basis, spc_basis = adjustment.seasadj.where(observed.notna()), "seasonally adjusted"
            rebase = [m for m in shift_months if basis.index.min() < m <= quarter.end]
            spc_result = spc.xmr(basis.loc[: quarter.end], improvement=measure.improvement, rebase=rebase)
        else:
            spc_basis = "too few months of data for a control chart (at least 12 are needed)"
    if monthly_count and series.available and last is not None:
        if ends_early:
            # Report to the latest month: the latest complete quarter and 12 months, by their own dates.
            q_eff = Quarter.containing(last)
            if q_eff.end > last:
                q_eff = q_eff.previous()
            ref_q = q_eff.same_quarter_last_year()
            q_cmp = _compare(values, q_eff.window(), ref_q.window(), dispersion, moving, reasons, q_eff.label, ref_q.label)
            w, w0 = _windows_to(last)
            r_cmp = _compare(values, w, w0, dispersion, moving, reasons, w.label, w0.label)
            notes.append(f"The figures end in {last.strftime('%B %Y')}, before the end of {quarter.label}: the "
                         f"comparisons are of the latest complete periods ({q_eff.label} and {w.label}).")
        else:
            ref_q = quarter.same_quarter_last_year()
            q_cmp = _compare(values, quarter.window(), ref_q.window(), dispersion, moving, reasons,
                             quarter.label, ref_q.label)
            w, w0 = _windows_to(quarter.end)
            r_cmp = _compare(values, w, w0, dispersion, moving, reasons, w.label, w0.label)
            y, y0 = quarter.year_to_date(), quarter.year_to_date_last_year()
            y_cmp = _compare(values, y, y0, dispersion, moving, reasons, f"{quarter.fy_label} to date ({y.describe()})",
                             f"{quarter.shift(-4).fy_label} to date ({y0.describe()})")
        population, pop_year = population_year(force, quarter, store)
        window = r_cmp.window.months if r_cmp is not None and r_cmp.window is not None else quarter.rolling_12_months().months
        in_window = series.window_values(window).dropna()
        if len(in_window) >= 12 - MAX_MONTHS_LEFT_OUT and pd.notna(population):
            rate_months = len(in_window)
            rate = float(compare.rate_per_1000(float(in_window.sum()) * 12 / rate_months, population))
        if measure.source == "police_uk" and not ends_early:
            chosen = comparator_group(force, group_name)
            if chosen is not None:
                rates, used, dropped = comparator_rates(measure, quarter, chosen.members, store, details=True)
                if rates.notna().sum() >= 2 and pd.notna(rates.get(force, np.nan)):
                    comparator = compare.comparator_position(rates.dropna(), force, chosen,
                                                             unit=f"{measure.unit} per 1,000 residents")
                    # one rate per measure: the page's rate is the one the force is ranked on
                    rate, rate_months = float(rates[force]), len(used)
                    if len(used) < 12:
                        notes.append(f"Comparator rates use the {len(used)} months with data for every force of the "
                                     "group, scaled to 12 months, so that they stay like for like.")
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
        rolling_comparison=r_cmp, ytd_comparison=y_cmp, rate_per_1000=rate, comparator=comparator,
        shift_estimates=shift_estimates, notes=notes, chart_caveats=chart_caveats, dispersion=dispersion,
        rate_months=rate_months, population_year=pop_year, ends_before_quarter=ends_early, snapshot=snapshot,
        series_caveats=series_caveats, shift_reasons=shift_reasons,
    )
    object.__setattr__(ev, "statement", measure_statement(ev))
    return ev

