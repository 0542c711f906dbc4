"""From a Plan measure to its series: what each measure's figures are, where they come from.

:func:`measure_series` turns a :class:`perfkit.config.plan.Measure` into a :class:`MeasureSeries`: a
pandas Series indexed by month (``period[M]``), a missing month NaN (never zero), with its
frequency, source and licence. Monthly counts (data.police.uk, collisions, local measures) are
monthly; official recorded crime is a rolling 12-month total at each quarter's end; workforce
figures are snapshots twice a year.

Examples
--------
>>> from perfkit.config.plan import load_plan
>>> s = measure_series(load_plan().measure("burglary"), "cambridgeshire")
>>> s.frequency
'monthly'
>>> str(s.values.index[0])
'2014-01'
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from perfkit import data
from perfkit.errors import DataError, MissingDataError
from perfkit.periods import check_monthly
from perfkit.config.plan import Measure, Plan

__all__ = ["MeasureSeries", "measure_series", "SOURCE_NOTES", "SOURCE_NAMES", "source_note"]

# The licence (Open Government Licence v3.0) is stated once, in every page's footer and the workbook's notes.

#: Plain-English description and attribution of each source, shown under charts and in "About".
SOURCE_NOTES = {
    "police_uk": (
        "data.police.uk street-level crime and anti-social behaviour, published monthly about two "
        "months in arrears and revised later."
    ),
    "prc": (
        "ONS / Home Office police recorded crime by Police Force Area, rolling 12-month totals. Not "
        "designated as National Statistics since January 2014."
    ),
    "collisions": (
        "Road traffic collisions reported to the police (STATS19), from the local authority's open data."
    ),
    "workforce": "Home Office, Police workforce, England and Wales (officer full-time equivalents).",
    "local": "The force's own systems, supplied as a local data file.",
    "derived": "Derived from the measures named in its description.",
}


@dataclass(frozen=True)
class MeasureSeries:
    """A measure's figures for one force.

    Attributes
    ----------
    measure : Measure
    force : str
        data.police.uk slug of the force.
    values : pandas.Series
        Indexed by month (``period[M]``); NaN marks a month with no data.
    frequency : str
        ``'monthly'``, ``'quarterly-rolling-12'`` (official recorded crime) or ``'snapshot'``.
    source_note : str
        Source and licence in words.
    left_out : dict
        ``{month: register entry id}`` of the months a registered data fault removes: NaN in
        ``values`` (so no statistic uses them), shown hollow on charts at their ``published``
        figure.
    published : pandas.Series
        The figures as published for the ``left_out`` months (empty when none).
    """

    measure: Measure
    force: str
    values: pd.Series
    frequency: str
    source_note: str
    left_out: dict = field(default_factory=dict)
    published: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    #: The kind of file (``perfkit ingest`` kind) the store has none of, when that is why there are
    #: no figures ("" otherwise): a value for the checks, never read back out of a note.
    missing_kind: str = ""

    @property
    def available(self) -> bool:
        """Whether there is at least one figure."""
        return bool(self.values.notna().any())

    @property
    def last_month(self) -> "pd.Period | None":
        """The latest month with a figure."""
        valid = self.values.dropna()
        return valid.index.max() if len(valid) else None

    def window_values(self, months) -> pd.Series:
        """The figures for the given months (NaN where absent)."""
        return self.values.reindex(pd.PeriodIndex(list(months), freq="M"))


def _monthly_index(series: pd.Series) -> pd.Series:
    """A complete monthly index from first to last month; gaps become NaN."""
    if series.empty:
        return series.astype(float)
    return check_monthly(series, "monthly figures", error=DataError).rename_axis(None)


def _police_uk(measure: Measure, force: str, store, faults: bool = True) -> pd.Series:
    frames = []
    for crime_type in measure.crime_types:
        if measure.districts:  # a part of the force: counted from row-level data, by district
            frame = data.monthly_counts(force=force, crime_type=crime_type, by=("month", "district"), store=store,
                                        faults=faults)
            frame = frame[frame["district"].isin(measure.districts)]
            frames.append(frame.groupby("month")["count"].sum(min_count=1))
            continue
        frame = data.monthly_counts(force=force, crime_type=crime_type, by=("month",), store=store, faults=faults)
        frames.append(frame.set_index("month")["count"])
    if not frames:
        return pd.Series(dtype=float)
    # min_count=len: a month missing for any crime type is missing for the measure.
    total = pd.concat(frames, axis=1).sum(axis=1, min_count=len(frames))
    return _monthly_index(total)


def _collisions(measure: Measure, force: str, store) -> pd.Series:
    frame = data.collisions_monthly(store=store)
    frame = frame[(frame["force"] == force) & frame["severity"].isin(measure.severities)]
    if frame.empty:
        return pd.Series(dtype=float)
    return _monthly_index(frame.groupby("month")["count"].sum())


def _prc(measure: Measure, force: str, store) -> pd.Series:
    parts = []
    for offence in measure.offences:
        frame = data.recorded_crime(force=force, offence=offence, store=store)
        parts.append(frame.groupby("period_end")["count"].sum())
    if not parts:
        return pd.Series(dtype=float)
    total = pd.concat(parts, axis=1).sum(axis=1, min_count=len(parts))
    total.index = pd.PeriodIndex(pd.DatetimeIndex(total.index), freq="M")
    return total.sort_index().astype(float)


def _workforce(force: str, store) -> pd.Series:
    frame = data.workforce(force=force, store=store)
    if frame.empty:
        return pd.Series(dtype=float)
    values = frame.assign(month=pd.PeriodIndex(pd.DatetimeIndex(frame["date"]), freq="M"))
    return values.groupby("month")["officer_fte"].last().sort_index().astype(float)


def _local(measure: Measure, force: str, store) -> pd.Series:
    try:
        frame = data.local_measures(measure=measure.id, force=force, store=store)
    except DataError:  # no local measures file has been ingested: the measure has no figures yet
        return pd.Series(dtype=float)
    if frame.empty:
        return pd.Series(dtype=float)
    return _monthly_index(frame.groupby("month")["value"].sum(min_count=1))


def _derived(plan: Plan, measure: Measure, force: str, store) -> pd.Series:
    numerator = measure_series(plan.measure(measure.numerator), force, store=store, plan=plan).values
    denominator = measure_series(plan.measure(measure.denominator), force, store=store, plan=plan).values
    if numerator.empty or denominator.empty:
        return pd.Series(dtype=float)
    # Numerator and denominator of matching dates: the 12 months to each snapshot's month over
    # that snapshot (crimes in the 12 months to September 2017 per officer at 30 September 2017).
    # A snapshot without a complete 12 months of the numerator gives no figure.
    rolling = numerator.rolling(12, min_periods=12).sum()
    snapshots = denominator.dropna()
    ratio = (rolling.reindex(snapshots.index) / snapshots).replace([np.inf, -np.inf], np.nan)
    return ratio.dropna() if ratio.notna().any() else ratio.iloc[0:0]


def _values(measure: Measure, force: str, store, plan: "Plan | None") -> pd.Series:
    """The measure's figures from its source (raises MissingDataError when the store has none of them)."""
    if measure.source == "police_uk":
        return _police_uk(measure, force, store)
    if measure.source == "collisions":
        return _collisions(measure, force, store)
    if measure.source == "prc":
        return _prc(measure, force, store)
    if measure.source == "workforce":
        return _workforce(force, store)
    if measure.source == "local":
        return _local(measure, force, store)
    if plan is None:
        from perfkit.config.plan import load_plan

        plan = load_plan()
    return _derived(plan, measure, force, store)


#: Each source in words, for sentences ("No road collision figures for ...").
SOURCE_NAMES = {
    "police_uk": "data.police.uk", "prc": "official police recorded crime", "collisions": "road collision",
    "workforce": "police workforce", "local": "local", "derived": "derived",
}


def source_note(source: str, plan: "Plan | None" = None) -> str:
    """The description of a source: the Plan's own (``source_notes:``, e.g. who publishes the force
    area's collision data) or the generic one of :data:`SOURCE_NOTES`."""
    if plan is not None and source in plan.source_notes:
        return plan.source_notes[source]
    return SOURCE_NOTES[source]


def measure_series(measure: Measure, force: str, *, store=None, plan: "Plan | None" = None) -> MeasureSeries:
    """The figures of ``measure`` for ``force``.

    Parameters
    ----------
    measure : Measure
    force : str
        data.police.uk slug.
    store : path, optional
        Data store; default :func:`perfkit.config.store_dir`.
    plan : Plan, optional
        Needed for ``derived`` measures (to find their numerator and denominator).
    """
    missing_kind = ""
    frequency = {"prc": "quarterly-rolling-12", "workforce": "snapshot", "derived": "snapshot-ratio"}.get(measure.source, "monthly")
    try:
        values = _values(measure, force, store, plan)
    except MissingDataError as exc:
        # No file of this kind in the store: the measure shows "no figures" with the reason; the run
        # goes on (docs/guide.md, "Adding a measure", says how to supply it).
        values = pd.Series(dtype=float)
        missing_kind = str(exc.kind or "")
    left_out: dict = {}
    published = pd.Series(dtype=float)
    if measure.source == "police_uk":
        from perfkit.config import register

        bad = register.faulty_months(register.current_register(), force, measure.crime_types, measure=measure)
        left_out = {m: c.id for m, c in bad.items() if m in values.index}
        if left_out:
            raw = _police_uk(measure, force, store, faults=False)
            published = raw.reindex(pd.PeriodIndex(list(left_out), freq="M")).dropna()
    values = values.rename(measure.id)
    values.index.name = "month"
    return MeasureSeries(measure, force, values, frequency, source_note(measure.source, plan),
                         left_out, published, missing_kind)

