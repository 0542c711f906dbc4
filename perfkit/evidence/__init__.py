"""The quarter's evidence model: every figure any view shows, built once per run.

:func:`build` gathers, for a Plan, a quarter and a store, the evidence of every measure
(:func:`perfkit.evidence.analysis.analyse`: series, comparisons with intervals allowing for
over-dispersion, seasonal adjustment, SPC, recording-change sizes, rates, comparator positions,
months left out and why) and the quarter-wide tables: the national picture, police recorded crime
published by others, the reconciliation of data.police.uk with the official count, and the
suspected incomplete months. :func:`load` does the same through a disk cache keyed by the content
of every input (the store's files, the params files, the code), so the seven notebooks of a run
and its index pages read one model built once.

Views (objective pages, deep dive, data pack, index, board pack, chart titles, alt text) only
read it. :attr:`QuarterEvidence.table` is the data-pack contract: one row per Plan measure with
the columns of :data:`FIELDS`; every figure a page marks up with ``<data data-field=...>`` is one
of its cells.

Examples
--------
>>> model = load(quarter="2016-17-Q2")              # doctest: +SKIP
>>> model.table.set_index("measure_id").loc["burglary", "quarter_value"]   # doctest: +SKIP
1341.0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from perfkit.evidence import analysis, shared
from perfkit.stats import caveats as caveats_mod, compare
from perfkit import config, data
from perfkit.present import statements, words
from perfkit.present.checks import DataCheck, Finding, check_lines
from perfkit.config.forces import name_for
from perfkit.errors import DataError, PerfkitError, naming
from perfkit.periods import Quarter, check_monthly, parse_quarter
from perfkit.config.cache import CACHES
from perfkit.config.params import content_key
from perfkit.config.plan import Plan

__all__ = ["QuarterEvidence", "FIELDS", "HARM_COLUMNS", "harm_table", "build", "load", "suspected_faults", "data_checks", "data_findings", "district_check", "DataCheck", "SHARE_RANGE",
           "SUSPECT_RATIO"]

#: The data-pack contract: one row per Plan measure with these columns (in this order).
FIELDS = (
    "measure_id", "measure", "objective", "unit",
    "quarter_label", "quarter_value", "year_earlier_value", "change_pct", "change_low_pct", "change_high_pct",
    "significant", "rolling12_label", "rolling12_value", "rolling12_previous_value", "rolling12_change_pct",
    "rolling12_change_low_pct", "rolling12_change_high_pct", "rolling12_significant",
    "small_numbers", "long_window_label", "long_window_value", "long_window_previous_value",
    "ytd_value", "ytd_previous_value", "ytd_change_pct",
    "rate", "rate_per", "rate_months", "population_year", "comparator_rank", "comparator_forces", "comparator_mean",
    "primary_window", "spc_icon", "spc_variation", "spc_basis", "latest_month", "dispersion", "dispersion_df", "test",
    "data_quality", "caveats", "restricted",
)

#: data.police.uk's share of the official count outside this range is flagged (normally 98-100%).
SHARE_RANGE = (0.97, 1.01)

#: A force-month below this share of the median of its six neighbouring months is a suspected fault.
SUSPECT_RATIO = data.SUSPECT_RATIO


# The evidence models' cache (perfkit.config.cache): keyed by every input and the whole package's code.
_CACHE = CACHES["evidence"]


@dataclass(frozen=True)
class QuarterEvidence:
    """Everything the quarter's pages show (read-only).

    Attributes
    ----------
    quarter : Quarter
    plan : Plan
    force : str
    store : str or None
        The store it was built from (``None``: the default store).
    measures : dict
        Measure id -> :class:`perfkit.evidence.analysis.MeasureEvidence`.
    table : pandas.DataFrame
        One row per Plan measure, columns :data:`FIELDS` (the data-pack contract).
    national : pandas.DataFrame
        Per data.police.uk measure: forces with complete figures, national totals and change, the
        forces left out and why.
    official : pandas.DataFrame
        Police recorded crime excluding fraud for the force and its comparators (rolling 12 months).
    reconciliation : pandas.DataFrame
        data.police.uk (as published) against the official count: financial years and the latest 12
        months, the share, whether it is flagged and the likely cause.
    suspects : pandas.DataFrame
        Suspected incomplete months of the force (:func:`suspected_faults`), registered or not.
    revisions : pandas.DataFrame
        Last quarter's figures as published (its Board data pack) against what the data now give,
        for monthly counts revised by more than :data:`REVISION_THRESHOLD` (:func:`revisions`).
    caveats : list
        Labelled register entries that apply to some figure of the quarter, in date order.
    qualitative : tuple
        The quarter's qualitative evidence (:class:`perfkit.config.qualitative.QualitativeItem`:
        inspection findings, victims' feedback, partners' information, each with its objective,
        source, date and link), as written in ``params/narrative/<id>/qualitative.yaml``; read
        afresh by every :func:`load`, so editing it never recomputes a statistic.
    harm : pandas.DataFrame
        The harm and vulnerability view (:func:`harm_table`): one row per official offence-group
        measure of an objective with ``harm_view: true``.
    """

    quarter: Quarter
    plan: Plan
    force: str
    store: "str | None"
    measures: dict
    table: pd.DataFrame
    national: pd.DataFrame = field(default_factory=pd.DataFrame)
    official: pd.DataFrame = field(default_factory=pd.DataFrame)
    reconciliation: pd.DataFrame = field(default_factory=pd.DataFrame)
    suspects: pd.DataFrame = field(default_factory=pd.DataFrame)
    revisions: pd.DataFrame = field(default_factory=pd.DataFrame)
    caveats: list = field(default_factory=list)
    qualitative: tuple = ()

    def qualitative_for(self, objective: int, edition: str = "public") -> tuple:
        """The qualitative evidence of one objective for an edition (``"public"`` leaves out the items
        marked ``restricted``), in the order written."""
        return tuple(i for i in self.qualitative
                     if i.objective == objective and (edition == "board" or not i.restricted))
    harm: pd.DataFrame = field(default_factory=pd.DataFrame)

    def revision(self, measure_id: str) -> "dict | None":
        """The revision of last quarter's published figure for one measure, or ``None``."""
        if self.revisions.empty:
            return None
        rows = self.revisions[self.revisions["measure_id"] == measure_id]
        return None if rows.empty else rows.iloc[0].to_dict()

    def measure(self, measure_id: str) -> "analysis.MeasureEvidence":
        """The evidence of one measure."""
        try:
            return self.measures[measure_id]
        except KeyError:
            raise KeyError(f"{measure_id!r}: no such measure in the Plan; expected one of "
                           f"{', '.join(self.measures)}") from None

    def row(self, measure_id: str) -> dict:
        """The measure's row of :attr:`table` as a dict."""
        rows = self.table[self.table["measure_id"] == measure_id]
        if rows.empty:
            raise KeyError(f"{measure_id!r}: no such measure in the data pack")
        return rows.iloc[0].to_dict()


def _pct(value: float) -> float:
    """A percentage change at full precision (NaN when undefined). Rounding is for display, once,
    in :mod:`perfkit.present.words`: a change rounded here and again on the page could read two ways."""
    return float(value) if value is not None and np.isfinite(value) else np.nan


def _count(value: Any) -> float:
    return float(value) if value is not None and pd.notna(value) else np.nan


def _comparison(cmp, prefix: str) -> dict:
    if cmp is None:
        return {}
    out = {f"{prefix}value": _count(cmp.count), f"{prefix}previous_value": _count(cmp.count_ref)}
    if pd.notna(cmp.ratio) and np.isfinite(cmp.ratio):
        out[f"{prefix}change_pct"] = _pct(cmp.change)
        out[f"{prefix}change_low_pct"] = _pct(cmp.change_low)
        out[f"{prefix}change_high_pct"] = _pct(cmp.change_high)
        out[f"{prefix}significant"] = "yes" if cmp.significant else "no"
    return out


def test_kind(cmp) -> str:
    """The test behind a comparison, as a key the views word (:data:`perfkit.present.words.TESTS`):
    ``"score-quasi-poisson"`` (score test widened for the series' own over-dispersion), ``"score"``
    (no over-dispersion found), ``"exact"`` (one count is zero), or ``""`` when untested."""
    if cmp is None or not cmp.tested:
        return ""
    if cmp.case == "exact":  # a value of the comparison, not read back from its method's label
        return "exact"
    return "score-quasi-poisson" if float(cmp.overdispersion) > 1 else "score"


def primary_window(ev) -> str:
    """The window a measure is reported on everywhere (summary, headline, page, chart title):
    ``"quarter"`` (the quarter against the same quarter a year earlier), ``"rolling12"`` (the latest 12
    months against the 12 before: a series ending before the quarter, such as road collisions, or
    official statistics published as rolling totals), ``"snapshot"`` (a figure at a date), or ``""``
    when the measure has no figure to compare."""
    if ev.snapshot:
        return "snapshot"
    if ev.long_window is not None:  # small numbers: the 12 months' counts, without a change
        return "rolling12"
    cmp = ev.headline_comparison
    if cmp is None:
        return ""
    return "quarter" if cmp is ev.quarter_comparison else "rolling12"


def measure_row(ev, objective: int) -> dict:
    """One row of the data-pack contract from a measure's evidence."""
    m = ev.measure
    row = {k: np.nan for k in FIELDS}
    row.update(measure_id=m.id, measure=m.title, objective=objective, unit=m.unit, restricted="yes" if m.restricted else "no")
    q, r, y = ev.quarter_comparison, ev.rolling_comparison, ev.ytd_comparison
    if q is not None:
        row.update(_comparison(q, ""))
        row["quarter_value"] = row.pop("value")
        row["year_earlier_value"] = row.pop("previous_value")
        row["quarter_label"] = q.label
    if ev.snapshot:
        row["quarter_value"] = ev.snapshot["value"]
        row["quarter_label"] = f"at {words.month(ev.snapshot['month'])}"
        if "ref_value" in ev.snapshot:
            row["year_earlier_value"] = ev.snapshot["ref_value"]
            row["change_pct"] = _pct(100 * (ev.snapshot["value"] / ev.snapshot["ref_value"] - 1)) if ev.snapshot["ref_value"] else np.nan
    if r is not None:
        row.update(_comparison(r, "rolling12_"))
        row["rolling12_label"] = r.label
    row["small_numbers"] = "yes" if ev.long_window is not None else "no"
    if ev.long_window is not None:
        lw = ev.long_window
        row["rolling12_label"] = f"the 12 months to {words.month(lw.end)}"
        row["rolling12_value"], row["rolling12_previous_value"] = _count(lw.value_12), _count(lw.previous_12)
        row["long_window_label"] = f"the {words.number_word(lw.years)} years to {words.month(lw.end)}"
        row["long_window_value"], row["long_window_previous_value"] = _count(lw.value), _count(lw.previous)
    if y is not None:
        row.update({k: v for k, v in _comparison(y, "ytd_").items() if k in FIELDS})
    if pd.notna(ev.rate):
        row["rate"] = float(ev.rate)
        row["rate_per"] = ev.measure.rate_per
        row["rate_months"] = ev.rate_months
        row["population_year"] = ev.population_year
    if ev.comparator is not None:
        row["comparator_rank"] = ev.comparator.rank
        row["comparator_forces"] = ev.comparator.n
        row["comparator_mean"] = float(ev.comparator.group_mean)
    if ev.spc is not None:
        row["spc_icon"] = ev.spc.icon
        row["spc_variation"] = words.spc_variation(ev.spc.icon)
        row["spc_basis"] = ev.spc_basis
    else:
        row["spc_icon"] = ""
        row["spc_variation"] = words.spc_variation("")
    row["primary_window"] = primary_window(ev)
    latest = ev.latest_month
    row["latest_month"] = str(latest) if latest is not None else ""
    # One dispersion per comparison: the scale the headline comparison's test used (each comparison
    # refits the scale without the months it compares), not the whole series' scale.
    cmp = ev.headline_comparison
    if cmp is not None and cmp.tested:
        row["dispersion"] = float(cmp.overdispersion)
        row["dispersion_df"] = float(cmp.dispersion_df)
        row["test"] = test_kind(cmp)
    elif ev.dispersion is not None:
        row["dispersion"] = float(getattr(ev.dispersion, "phi", ev.dispersion))
        row["dispersion_df"] = getattr(ev.dispersion, "df", np.nan)
    row["data_quality"] = statements.data_quality(ev)
    row["caveats"] = " ".join(c.ref for c in ev.caveats)
    return row


def _national(plan: Plan, quarter: Quarter, measures: dict, store) -> pd.DataFrame:
    rows = []
    w, w0 = quarter.rolling_12_months(), quarter.rolling_12_months_before()
    for mid, ev in measures.items():
        m = ev.measure
        if m.offence_groups and ev.national:
            rows.append(_national_group_row(ev))
            continue
        if m.source != "police_uk":
            continue
        # the 43 territorial forces of England and Wales, shared by every force's evidence
        wide = shared.quarter_counts(m.crime_types, quarter, store)
        has_any = [f for f in wide.columns if wide[f].notna().any()]
        complete = [f for f in has_any if wide[f].notna().all()]
        partial = sorted(set(has_any) - set(complete))
        if not complete:
            continue
        now = float(wide.loc[pd.PeriodIndex(w.months, freq="M"), complete].to_numpy().sum())
        before = float(wide.loc[pd.PeriodIndex(w0.months, freq="M"), complete].to_numpy().sum())
        national = compare.compare_periods(now, 12, before, 12)
        own = ev.rolling_comparison
        rows.append({
            "measure_id": mid, "measure": m.title, "restricted": m.restricted,
            "forces_complete": len(complete),
            "national_value": now, "national_previous_value": before,
            "national_change_pct": _pct(national.change),
            "force_change_pct": _pct(own.change) if own is not None and pd.notna(own.ratio) else np.nan,
            "force_change_low_pct": _pct(own.change_low) if own is not None and pd.notna(own.ratio) else np.nan,
            "force_change_high_pct": _pct(own.change_high) if own is not None and pd.notna(own.ratio) else np.nan,
            "forces_left_out": ", ".join(name_for(f) for f in partial),
            # which months each left-out force lacks (missing, or a registered or suspected data fault)
            "left_out_months": {name_for(f): tuple(wide.index[wide[f].isna()]) for f in partial},
        })
    return pd.DataFrame(rows)


def _national_group_row(ev) -> dict:
    """A national-picture row of an official offence-group measure (the territorial forces' total of
    the same groups, from the same national tables)."""
    m, n, own = ev.measure, ev.national, ev.rolling_comparison
    tested = own is not None and pd.notna(own.ratio)
    return {
        "measure_id": m.id, "measure": m.title, "restricted": m.restricted, "forces_complete": n["forces"],
        "national_value": n["value"], "national_previous_value": n["previous_value"],
        "national_change_pct": _pct(n["change_pct"]),
        "force_change_pct": _pct(own.change) if tested else np.nan,
        "force_change_low_pct": _pct(own.change_low) if tested else np.nan,
        "force_change_high_pct": _pct(own.change_high) if tested else np.nan,
        "forces_left_out": ", ".join(name_for(f) for f in n["forces_left_out"]),
        "left_out_months": {},
    }


#: Columns of :attr:`QuarterEvidence.harm`.
HARM_COLUMNS = ["measure_id", "measure", "group", "objective", "unit", "label", "value", "previous_value", "change_pct",
                "change_low_pct", "change_high_pct", "significant", "direction", "small_numbers", "long_label",
                "long_value", "long_previous_value", "recording_refs", "recording_titles", "comparator_rank",
                "comparator_forces", "comparator_position", "comparator_group", "national_change_pct"]


def harm_table(plan: Plan, measures: dict) -> pd.DataFrame:
    """The harm and vulnerability view as values (issue 25): for each official offence-group
    measure of an objective with ``harm_view: true``, the 12 months against a year earlier with its
    interval and significance (or, for small numbers, the counts over the longer window), the
    recording changes the comparison spans that can move the figures (``recording_refs``, their
    labels; for small numbers, those inside the longer window and the years before), the force's
    rank and position in its comparator group, and the national change. Words are
    :func:`perfkit.present.statements.harm_sentences`'."""
    rows = []
    for objective in plan.objectives:
        for m in objective.harm_measures:
            ev = measures.get(m.id)
            if ev is None or not ev.series.available:
                continue
            r, lw = ev.rolling_comparison, ev.long_window
            if lw is not None:  # the caveats of its longer windows (perfkit.evidence.analysis)
                spanned = [c for c in ev.caveats if c.kind == "recording-change" and c.direction in
                           analysis._MOVES_FIGURES and lw.end - 24 * lw.years + 1 < c.period <= lw.end]
            elif r is not None:
                spanned = [c for c in r.caveats if getattr(c, "kind", "") == "recording-change"]
            else:
                spanned = []
            tested = r is not None and r.tested
            pos = ev.comparator
            rows.append({
                "measure_id": m.id, "measure": m.title, "group": " and ".join(m.offence_groups),
                "objective": objective.number, "unit": m.unit,
                "label": r.label if r is not None else (f"the 12 months to {words.month(lw.end)}" if lw else ""),
                "value": _count(r.count) if r is not None else (_count(lw.value_12) if lw else np.nan),
                "previous_value": _count(r.count_ref) if r is not None else (_count(lw.previous_12) if lw else np.nan),
                "change_pct": _pct(r.change) if tested else np.nan,
                "change_low_pct": _pct(r.change_low) if tested else np.nan,
                "change_high_pct": _pct(r.change_high) if tested else np.nan,
                "significant": bool(tested and r.significant),
                "direction": ("up" if r.ratio > 1 else "down" if r.ratio < 1 else "none") if tested else "",
                "small_numbers": lw is not None,
                "long_label": f"the {words.number_word(lw.years)} years to {words.month(lw.end)}" if lw else "",
                "long_value": _count(lw.value) if lw else np.nan,
                "long_previous_value": _count(lw.previous) if lw else np.nan,
                "recording_refs": " ".join(c.ref for c in spanned),
                "recording_titles": tuple(c.title for c in spanned),
                "comparator_rank": pos.rank if pos is not None else None,
                "comparator_forces": pos.n if pos is not None else None,
                "comparator_position": pos.position if pos is not None else "",
                "comparator_group": pos.group.title if pos is not None else "",
                "national_change_pct": _pct(ev.national.get("change_pct")) if ev.national else np.nan,
            })
    return pd.DataFrame(rows, columns=HARM_COLUMNS)


def _official(plan: Plan, quarter: Quarter, store, group_name: "str | None" = None) -> pd.DataFrame:
    group = analysis.comparator_group(plan.force, group_name)
    forces = list(group.members) if group is not None else [plan.force]
    rows = []
    for force in forces:
        frame = data.recorded_crime(force=force, offence="all_excluding_fraud", store=store)
        frame = frame[frame["period_end"] <= quarter.end.to_timestamp(how="end")]
        if frame.empty:
            continue
        series = frame.groupby("period_end")["count"].sum().sort_index()
        latest_end = series.index[-1]
        before = series.get(pd.Timestamp((latest_end - pd.DateOffset(years=1)).date()), np.nan)
        population, year = analysis.population_year(force, quarter, store)
        rows.append({
            "force": force, "force_name": name_for(force),
            "period_end": latest_end.strftime("%d %B %Y").lstrip("0"),
            "value": float(series.iloc[-1]), "previous_value": float(before) if pd.notna(before) else np.nan,
            "change_pct": _pct(100 * (series.iloc[-1] / before - 1)) if pd.notna(before) and before else np.nan,
            "rate_per_1000": float(compare.rate_per(series.iloc[-1], population)) if pd.notna(population) else np.nan,
            "population_year": year,
            # why a rate is missing, as a value the page words (perfkit.present.statements.rate_missing_words)
            "rate_missing": analysis.population_missing(force, quarter, store) if pd.isna(population) else "",
        })
    return pd.DataFrame(rows)


def _reconciliation(plan: Plan, quarter: Quarter, store) -> pd.DataFrame:
    """data.police.uk as published (no month left out) against the official count, for the financial
    years to the quarter and the latest 12 months with both sources."""
    police = data.monthly_counts(force=plan.force, crime_type="all_crime", by=("month",), store=store,
                                 faults=False).set_index("month")["count"]
    official = data.recorded_crime(force=plan.force, offence="all_excluding_fraud", store=store)
    if official.empty or police.empty:
        return pd.DataFrame()
    official = official.assign(month=official["period_end"].dt.to_period("M")).groupby("month")["count"].sum(min_count=1)
    register = caveats_mod.current_register()
    refs = caveats_mod.labels(register)
    ends = [pd.Period(f"{y}-03", freq="M") for y in range(quarter.end.year - 3, quarter.end.year + 1)]
    ends = [e for e in ends if e <= quarter.end]
    latest = [m for m in official.index if m <= quarter.end and police.reindex(pd.period_range(m - 11, m, freq="M")).notna().all()]
    rows = []
    for end, kind in [(e, "financial year") for e in ends] + ([(max(latest), "latest 12 months")] if latest else []):
        months = pd.period_range(end - 11, end, freq="M")
        counts = police.reindex(months)
        total_official = official.get(end, np.nan)
        if counts.isna().any() or pd.isna(total_official):
            continue
        share = float(counts.sum()) / float(total_official)
        faults = [c for c in register if c.is_fault and c.force == plan.force and any(m in months for m in c.months)]
        flagged = not (SHARE_RANGE[0] <= share <= SHARE_RANGE[1])
        # Why a flagged share is off, as values the views word: the registered faults inside the
        # period (label and months), else which way the share is off (a share above 101% cannot
        # come from an incomplete feed).
        fault_refs = " ".join(refs[c.id] for c in faults) if flagged else ""
        fault_when = "; ".join(c.when() for c in faults) if flagged else ""
        side = ("" if not flagged else "below" if share < SHARE_RANGE[0] else "above")
        label = (f"Year ending March {end.year}" if kind == "financial year"
                 else f"12 months to {end.strftime('%B %Y')} (latest)")
        if kind == "latest 12 months" and any(r["period"] == label.replace(" (latest)", "") for r in rows):
            continue
        rows.append({"period": label, "kind": kind, "police_uk": float(counts.sum()), "official": float(total_official),
                     "share_pct": 100 * share, "flagged": flagged, "side": side, "fault_refs": fault_refs,
                     "fault_when": fault_when})
    return pd.DataFrame(rows)


def suspected_faults(force: "str | None", store=None, *, start=None, end=None) -> pd.DataFrame:
    """Months whose published data.police.uk crime count (all crime but anti-social behaviour) is
    far below its neighbours' (:func:`perfkit.data.suspected_months`), for one force or (``None``)
    every force in the store. Such a month is left out of every statistic whether or not the
    register names it; this table is for the analysts to confirm it in ``params/caveats.yaml``.
    Returns columns ``force``, ``month``, ``count``, ``neighbours_median``, ``ratio``, ``registered``
    (the register entry's id, or "") and ``genuine`` (the register's reason for keeping the month as
    data, ``genuine_months:``, or ""; such a month is not left out).

    Examples
    --------
    >>> suspected_faults("cambridgeshire")[["month", "count", "registered"]].to_dict("records")   # doctest: +SKIP
    [{'month': Period('2018-05', 'M'), 'count': 1629.0, 'registered': 'cambridgeshire-partial-feed-2018-05'}]
    """
    frame = data.suspected_months(store)
    if force is not None:
        frame = frame[frame["force"] == force]
    months = pd.PeriodIndex(frame["month"], freq="M") if len(frame) else pd.PeriodIndex([], freq="M")
    keep = np.ones(len(frame), dtype=bool)
    if start is not None:
        keep &= months >= pd.Period(start, freq="M")
    if end is not None:
        keep &= months <= pd.Period(end, freq="M")
    frame = frame[keep].copy()
    frame["month"] = pd.PeriodIndex(frame["month"], freq="M") if len(frame) else frame["month"]
    register = caveats_mod.current_register()
    registered = []
    for row in frame.itertuples():
        hit = caveats_mod.faulty_months(register, row.force, ["all_crime"]).get(row.month)
        registered.append(hit.id if hit is not None else "")
    frame["registered"] = registered
    frame["genuine"] = [getattr(register.genuine_month(row.force, row.month), "reason", "") for row in frame.itertuples()]
    return frame[["force", "month", "count", "neighbours_median", "ratio", "registered", "genuine"]].reset_index(drop=True)


def _options(options) -> dict:
    """The analyst's choices as a plain dict (from :class:`perfkit.reports.report.Options`, a dict or None)."""
    out = {"chart_months": analysis.CHART_MONTHS, "seasonal_method": "auto", "comparator_group": ""}
    if options is not None:
        given = options if isinstance(options, dict) else {k: getattr(options, k) for k in out if hasattr(options, k)}
        out.update({k: v for k, v in given.items() if k in out})
    out["chart_months"] = int(out["chart_months"])
    out["seasonal_method"] = str(out["seasonal_method"] or "auto")
    out["comparator_group"] = str(out["comparator_group"] or "")
    return out


#: A published figure is reported as revised when the data now differ from it by more than this share.
REVISION_THRESHOLD = 0.01

_REVISION_COLUMNS = ["measure_id", "quarter_label", "published", "now", "change_pct"]


def published_pack(quarter: Quarter) -> Path:
    """Where the Board data pack of ``quarter`` is published (under :func:`perfkit.config.outputs_dir`)."""
    return config.outputs_dir() / quarter.id / "board" / "data-pack.csv"


def revisions(quarter: Quarter, measures: dict, threshold: float = REVISION_THRESHOLD) -> pd.DataFrame:
    """Last quarter's published quarter figures that the data now revise by more than ``threshold``.

    Read from the previous quarter's published Board data pack, so only what was actually published
    counts; monthly counts only (data.police.uk revises earlier months as late crimes are added).
    """
    previous = quarter.previous()
    path = published_pack(previous)
    if not path.is_file():
        return pd.DataFrame(columns=_REVISION_COLUMNS)
    published = pd.read_csv(path)
    if "measure_id" not in published.columns or "quarter_value" not in published.columns:
        return pd.DataFrame(columns=_REVISION_COLUMNS)  # a pack published before the evidence contract
    then_by_id = dict(zip(published["measure_id"], published["quarter_value"]))
    rows = []
    for mid, ev in measures.items():
        then = then_by_id.get(mid)
        if then is None or pd.isna(then) or float(then) == 0 or not (ev.series.frequency == "monthly" and ev.measure.is_count):
            continue
        now = float(ev.series.window_values(previous.months).sum(min_count=3))
        if pd.isna(now) or abs(now / float(then) - 1) <= threshold:
            continue
        rows.append({"measure_id": mid, "quarter_label": previous.label, "published": float(then), "now": now,
                     "change_pct": 100 * (now / float(then) - 1)})
    return pd.DataFrame(rows, columns=_REVISION_COLUMNS)


def build(plan: "Plan | None" = None, quarter: "Quarter | str" = "auto", store=None, options=None) -> QuarterEvidence:
    """Build the quarter's evidence from the store (no cache; see :func:`load`). ``options``: the
    analyst's choices (``chart_months``, ``seasonal_method``, ``comparator_group``), as
    :class:`perfkit.reports.report.Options` or a dict; defaults when ``None``."""
    from perfkit.config.plan import load_plan
    from perfkit.config.qualitative import load_qualitative
    from perfkit.data import resolve_quarter

    plan = plan or load_plan()
    quarter = resolve_quarter(quarter, store)
    qualitative = load_qualitative(quarter, plan)  # read first: a mistake in it stops the build at once
    opts = _options(options)
    measures, rows = {}, []
    for objective in plan.objectives:
        for measure in objective.measures:
            if measure.id in measures:
                continue
            try:
                ev = analysis.analyse(measure, quarter, plan, store=store,
                                      comparator_group=opts["comparator_group"] or None,
                                      seasonal_method=opts["seasonal_method"], chart_months=opts["chart_months"])
            except PerfkitError as exc:  # say which measure, so the analyst knows where to look
                raise naming(f"measure {measure.id} ({measure.title}, Objective {objective.number})", exc) from None
            measures[measure.id] = ev
            rows.append(measure_row(ev, objective.number))
    seen, applying = set(), []
    for ev in measures.values():
        for cav in ev.caveats:
            if cav.id not in seen:
                seen.add(cav.id)
                applying.append(cav)
    start, end = quarter.rolling_12_months_before().start - 12, quarter.end
    return QuarterEvidence(
        quarter=quarter, plan=plan, force=plan.force, store=None if store is None else str(store),
        measures=measures, table=pd.DataFrame(rows, columns=list(FIELDS)),
        national=_national(plan, quarter, measures, store),
        official=_official(plan, quarter, store, opts["comparator_group"] or None),
        reconciliation=_reconciliation(plan, quarter, store),
        suspects=suspected_faults(None, store, start=start, end=end),
        revisions=revisions(quarter, measures),
        caveats=sorted(applying, key=lambda c: (c.period, c.ref)),
        qualitative=qualitative,
        harm=harm_table(plan, measures),
    )


def data_findings(quarter, plan, store) -> "list[Finding]":
    """Pre-publication checks of the data, as values (:class:`perfkit.present.checks.Finding`):
    suspected incomplete months of the force (registered as data faults or not), reconciliation
    shares outside the usual range, incidents outside the Plan's districts and the warnings of past
    ingests."""
    model = load(plan, quarter, store)
    out = []
    for s in model.suspects.itertuples():
        out.append(Finding("suspected incomplete month", {
            "force": s.force, "month": s.month, "count": float(s.count), "ratio": float(s.ratio),
            "median": float(s.neighbours_median), "registered": s.registered, "genuine": s.genuine}))
    for r in model.reconciliation.itertuples():
        if r.flagged:
            out.append(Finding("reconciliation", {"period": r.period, "share_pct": float(r.share_pct),
                                                  "fault_when": r.fault_when, "fault_refs": r.fault_refs,
                                                  "side": r.side}))
    districts = district_check(quarter, plan, store)
    if districts is not None:
        out.append(districts)
    for w in data.ingest_warnings(store=store):
        out.append(Finding("ingest warning", {"file_kind": w["kind"], "date": w["ingested_at"][:10],
                                              "warning": w["warning"]}))
    return out


def data_checks(quarter, plan, store) -> "list[DataCheck]":
    """The :func:`data_findings` as log lines for the run's log and the checks page
    (:class:`perfkit.present.checks.DataCheck`, each with its ``kind`` and ``text``), worded by
    :func:`perfkit.present.checks.check_lines`."""
    return check_lines(data_findings(quarter, plan, store))


#: Above this share of a quarter's incidents outside the Plan's districts, the run's checks ask
#: whether a district is misspelt (about 1% of incidents carry a neighbouring district's LSOA).
OUTSIDE_DISTRICTS_LIMIT = 0.02


def district_check(quarter, plan, store=None) -> "Finding | None":
    """A finding (kind ``districts``) when more than :data:`OUTSIDE_DISTRICTS_LIMIT` of the force's
    incidents in the quarter carry a district (read from the LSOA name) that ``plan.yaml`` does not
    list; None when the share is below it, the Plan lists no districts or the store has no street
    rows for the quarter. Its values name the unlisted districts with the most incidents (``top``),
    so a misspelt name is found; :func:`perfkit.present.checks.district_words` words it.
    """
    from perfkit.errors import MissingDataError

    quarter = parse_quarter(quarter) if isinstance(quarter, str) else quarter
    if not plan.districts:
        return None
    try:
        rows = data.incidents(plan.force, quarter.start, quarter.end, store=store)
    except MissingDataError:
        return None
    if rows.empty:
        return None
    district = rows["district"].astype("object")
    outside = district[~district.isin(set(plan.districts))]
    share = len(outside) / len(rows)
    if share <= OUTSIDE_DISTRICTS_LIMIT:
        return None
    top = outside.fillna("(no LSOA)").value_counts().head(3)
    return Finding("districts", {"quarter": quarter.label, "outside": len(outside), "total": len(rows), "share": share,
                                 "top": [(str(name), int(count)) for name, count in top.items()],
                                 "limit": OUTSIDE_DISTRICTS_LIMIT})


# --- the cache: the one rule of perfkit.config.cache, keyed by the content of every input ----------------

def _key(plan: Plan, quarter: Quarter, store, options=None) -> str:
    """The cache key: the content of every input (register, comparators, publishing rules, the
    store's files, the Plan, last quarter's published figures) and the analyst's options; the
    cache adds the code (:meth:`perfkit.config.cache.Cache.key`)."""
    params = config.params_dir()
    files = [name.encode() + b"\0" + ((params / name).read_bytes() if (params / name).is_file() else b"")
             for name in ("caveats.yaml", "comparators.yaml", "publishing.yaml")]
    return _CACHE.key(quarter.id, repr(sorted(_options(options).items())), repr(plan), *files,
                      analysis.store_key(store), str(store or ""),
                      content_key(published_pack(quarter.previous())))  # last quarter's published figures


def cache_dir(store=None) -> Path:
    """Where the evidence models of ``store`` are kept: ``evidence/`` in the store's cache
    (:func:`perfkit.config.cache.root`; ``data/cache/evidence`` for the project's own store)."""
    return _CACHE.folder(store)


def load(plan: "Plan | None" = None, quarter: "Quarter | str" = "auto", store=None, options=None) -> QuarterEvidence:
    """The quarter's evidence, built once for a given content of its inputs and ``options`` (the
    analyst's choices, see :func:`build`).

    The first caller builds it (others wanting the same model wait on its lock; other models build
    at the same time) and writes it to :func:`cache_dir` (beside ``store``); later
    callers, in this process or another, read it. Editing the register, ingesting data, changing the
    Plan or the code gives a new key, so the next call rebuilds.
    """
    from dataclasses import replace

    from perfkit.config.plan import load_plan
    from perfkit.config.qualitative import load_qualitative
    from perfkit.data import resolve_quarter

    if store is None:
        data.ensure_store()
    plan = plan or load_plan()
    quarter = resolve_quarter(quarter, store)
    # The analysts' qualitative evidence is text, not an input of any statistic: it is read afresh
    # here rather than keyed into the cache, so an edit to it never rebuilds the model.
    qualitative = load_qualitative(quarter, plan)
    # One lock per model, not per quarter: callers wanting the same model wait for the first to
    # build it, while the models of other forces (a national run's workers) build side by side.
    model = _CACHE.get(_key(plan, quarter, store, options), lambda: build(plan, quarter, store, options),
                       store=store, prefix=f"{quarter.id}-")
    return model if model.qualitative == qualitative else replace(model, qualitative=qualitative)
