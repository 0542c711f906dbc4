"""The evidence of an in-depth report: one request's element in one quarter.

A request (:mod:`perfkit.config.requests`) names an element: Plan measures, or data.police.uk crime
types, over the whole force or some of its districts. Its evidence is made by the same engine as
every page's: each *part* of the element is a measure (a Plan measure as it stands, or one made for
the element: the crime types, or a Plan measure limited to the districts) analysed by
:func:`perfkit.evidence.analysis.analyse`, so its series, seasonal adjustment, recording changes
and their sizes, control chart, comparisons with intervals, rate and comparator forces are worked out
as for a Plan measure, and its data-pack row (:func:`perfkit.evidence.measure_row`, the columns of
:data:`perfkit.evidence.FIELDS`) is the contract its page's marked figures are checked against.
A Plan measure over the whole force *is* the quarter's own evidence (the same object and row).

Around the parts, from the same store queries: the element by district and by crime type, the last
outcomes of its crimes (row-level data; the latest quarter holding them when the reporting quarter
has none, labelled), and the national picture of its force-wide parts.

:func:`check_requests` refuses, before anything renders, a request whose crime types the data do not
know or whose period lies outside the store's months. :func:`load` caches an element's evidence on
disk beside the quarter's, keyed by the same inputs and the element.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from perfkit import data
from perfkit.config.plan import Measure, Plan
from perfkit.config.requests import Request, RequestRegister
from perfkit.errors import ConfigError, MissingDataError, PerfkitError, naming
from perfkit.evidence import analysis
from perfkit.evidence.deepdive import DISTRICT_OUTSIDE
from perfkit.periods import Quarter

__all__ = ["RequestEvidence", "Part", "parts_of", "build", "load", "check_requests", "DISTRICT_OUTSIDE"]


_ASB = "Anti-social behaviour"


@dataclass(frozen=True)
class Part:
    """One part of an element: its measure and whether it is a Plan measure as the quarter has it."""

    measure: Measure
    plan_measure: bool


@dataclass(frozen=True)
class RequestEvidence:
    """Everything an in-depth report shows (read-only).

    Attributes
    ----------
    request : Request
    quarter : Quarter
    parts : dict
        Part id -> :class:`perfkit.evidence.analysis.MeasureEvidence`.
    table : pandas.DataFrame
        One row per part, the columns of :data:`perfkit.evidence.FIELDS` (the data pack's rows for
        the element; ``objective`` is the Plan's for a Plan measure, empty otherwise).
    by_district : pandas.DataFrame
        ``district``, ``incidents``, ``in_element`` for :attr:`rows_quarter` (empty without row-level data).
    by_crime_type : pandas.DataFrame
        ``crime_type``, ``count``, ``count_before``, ``change_pct``, ``months``: the latest 12 months
        against the 12 before for the whole force, over the ``months`` both hold (like for like), or
        the row-level quarter for districts (no earlier count).
    outcomes : pandas.DataFrame
        ``outcome``, ``crimes``, ``share_pct``: the last outcome of the element's crimes in :attr:`rows_quarter`.
    rows_quarter : Quarter or None
        The quarter the row-level tables describe (the reporting quarter, or the latest earlier one
        with row-level data; ``None`` when the store has none).
    national : pandas.DataFrame
        The national picture of the force-wide data.police.uk parts (as :attr:`QuarterEvidence.national`).
    """

    request: Request
    quarter: Quarter
    parts: dict
    table: pd.DataFrame
    by_district: pd.DataFrame = field(default_factory=pd.DataFrame)
    by_crime_type: pd.DataFrame = field(default_factory=pd.DataFrame)
    outcomes: pd.DataFrame = field(default_factory=pd.DataFrame)
    rows_quarter: "Quarter | None" = None
    national: pd.DataFrame = field(default_factory=pd.DataFrame)
    crime_types: tuple = ()

    def measure(self, part_id: str) -> "analysis.MeasureEvidence":
        """The evidence of one part."""
        try:
            return self.parts[part_id]
        except KeyError:
            raise KeyError(f"{part_id!r}: no such part of request {self.request.id}; expected one of "
                           f"{', '.join(self.parts)}") from None

    def row(self, part_id: str) -> dict:
        """The part's row of :attr:`table`."""
        rows = self.table[self.table["measure_id"] == part_id]
        if rows.empty:
            raise KeyError(f"{part_id!r}: no such part of request {self.request.id}")
        return rows.iloc[0].to_dict()


def parts_of(request: Request, plan: Plan) -> list[Part]:
    """The element's parts: each Plan measure (limited to the districts when some are named), or
    one measure of the element's crime types."""
    element = request.element
    where = " and ".join(element.districts)
    if element.measures:
        out = []
        for mid in element.measures:
            m = plan.measure(mid)
            if not element.districts:
                out.append(Part(m, True))
                continue
            out.append(Part(dataclasses.replace(
                m, id=f"{request.slug}-{m.id}", title=f"{m.title}, {where}", districts=element.districts), False))
        return out
    types = element.crime_types
    asb_only = set(types) == {_ASB}
    title = request.title + (f", {where}" if where and where not in request.title else "")
    return [Part(Measure(
        id=request.slug, title=title, source="police_uk", unit="incidents" if asb_only else "offences",
        better="none", recorded_crime=not asb_only, description=f"data.police.uk: {', '.join(types)}"
        + (f", {where} (row-level data)" if where else "") + ".", crime_types=tuple(types),
        districts=element.districts), False)]


def check_requests(register: RequestRegister, plan: Plan, store=None) -> None:
    """Refuse a request whose element the data cannot give: a crime type data.police.uk does not
    have, or a period outside the months the store holds for the force.

    Raises
    ------
    ConfigError
        Naming the file, the request and the key.
    """
    from perfkit.data.ingest import CRIME_TYPES

    requests = list(register)
    if not requests:
        return
    try:
        months = data.monthly_counts(force=plan.force, crime_type="all_crime", by=("month",), store=store,
                                     faults=False).dropna()["month"]
    except (MissingDataError, PerfkitError):
        months = pd.Series([], dtype="period[M]")
    first, last = (months.min(), months.max()) if len(months) else (None, None)
    for r in requests:
        for i, t in enumerate(r.element.crime_types):
            if t not in CRIME_TYPES:
                raise ConfigError(f"{r.where}.element.crime_types[{i}]: request {r.id}: found {t!r}; expected a "
                                  f"data.police.uk crime type: {', '.join(CRIME_TYPES)}")
        for key, month in (("from", r.element.start), ("to", r.element.end)):
            if month is None:
                continue
            if first is None or not (first <= month <= last):
                held = f"{first} to {last}" if first is not None else "no months"
                raise ConfigError(f"{r.where}.element.period.{key}: request {r.id}: found {month}, outside the data; "
                                  f"expected a month the store holds for {plan.force_name} ({held})")


def _element_plan(plan: Plan, request: Request, parts: list[Part]) -> Plan:
    """The Plan with the element's own measures added, so the engine finds them by id. Its source
    names the request and its content digest: analyses are memoised by the Plan, and the Plan's
    equality leaves its measures out, so an edited element must not read an old result."""
    extra = {p.measure.id: p.measure for p in parts if not p.plan_measure}
    if not extra:
        return plan
    return dataclasses.replace(plan, measures={**plan.measures, **extra},
                               source=f"{plan.source} with request {request.id} ({request.digest})")


def _force_wide(ev) -> bool:
    return not ev.measure.districts


def _without_rates(ev):
    """A district part has no rate per residents or comparator position: the populations are
    the whole force's. Its statement is made again from what is left."""
    ev = dataclasses.replace(ev, rate=float("nan"), rate_months=0, population_year=None, comparator=None)
    object.__setattr__(ev, "statement", analysis.measure_statement(ev))
    return ev


def _types_filter(frame: pd.DataFrame, types) -> pd.DataFrame:
    if "all_crime" in types:
        return frame[frame["crime_type"] != _ASB]
    return frame[frame["crime_type"].isin(types)]


def _row_level(plan: Plan, quarter: Quarter, store) -> "tuple[Quarter | None, pd.DataFrame]":
    """Row-level records of the quarter, else of the latest complete earlier quarter that has them."""
    try:
        rows = data.incidents(plan.force, quarter.start, quarter.end, store=store)
    except MissingDataError:
        return None, pd.DataFrame()
    if not rows.empty and rows["month"].nunique() == 3:
        return quarter, rows
    every = data.incidents(plan.force, None, quarter.end, store=store)
    if every.empty:
        return None, every
    months = set(every["month"].unique())
    for q in sorted({Quarter.containing(m) for m in months}, reverse=True):
        if all(m in months for m in q.months):
            return q, every[every["month"].isin(q.months)]
    return None, every.iloc[0:0]


def _by_district(plan: Plan, rows: pd.DataFrame, districts) -> pd.DataFrame:
    if rows.empty:
        return pd.DataFrame(columns=["district", "incidents", "in_element"])
    district = rows["district"].astype("object")
    if plan.districts:
        district = district.where(district.isin(set(plan.districts)), DISTRICT_OUTSIDE)
    table = district.value_counts().rename_axis("district").reset_index(name="incidents")
    table = table.sort_values(["incidents", "district"], ascending=[False, True]).reset_index(drop=True)
    table["incidents"] = table["incidents"].astype(float)
    table["in_element"] = [(d in districts) if districts else d != DISTRICT_OUTSIDE for d in table["district"]]
    return table


def _by_crime_type(plan: Plan, quarter: Quarter, types, districts, rows: pd.DataFrame, store) -> pd.DataFrame:
    columns = ["crime_type", "count", "count_before", "change_pct"]
    if districts:  # row-level data only: the quarter they describe, by type
        if rows.empty:
            return pd.DataFrame(columns=columns + ["months"])
        part = rows[rows["district"].isin(districts)]
        counts = part["crime_type"].value_counts().astype(float)
        return pd.DataFrame({"crime_type": counts.index, "count": counts.to_numpy(), "count_before": np.nan,
                             "change_pct": np.nan, "months": 3.0}, columns=columns + ["months"])
    w, w0 = quarter.rolling_12_months(), quarter.rolling_12_months_before()
    frame = data.monthly_counts(force=plan.force, crime_type=None if "all_crime" in types else list(types),
                                start=w0.start, end=w.end, by=("month", "crime_type"), store=store)
    wide = _types_filter(frame, types).pivot(index="month", columns="crime_type", values="count")
    # Like for like: a month without usable data (or a data fault) is left out of both windows.
    pairs = [(m, m - 12) for m in w.months
             if m in wide.index and m - 12 in wide.index and wide.loc[[m, m - 12]].notna().all(axis=None)]
    now = wide.loc[[m for m, _ in pairs]].sum() if pairs else pd.Series(np.nan, index=wide.columns)
    before = wide.loc[[m for _, m in pairs]].sum() if pairs else pd.Series(np.nan, index=wide.columns)
    table = pd.DataFrame({"crime_type": now.index, "count": now.to_numpy(), "count_before": before.to_numpy(),
                          "months": float(len(pairs))})
    table["change_pct"] = [round(100 * (a / b - 1), 1) if pd.notna(a) and pd.notna(b) and b else np.nan
                           for a, b in zip(table["count"], table["count_before"])]
    return table.sort_values(["count", "crime_type"], ascending=[False, True]).reset_index(drop=True)[columns + ["months"]]


def _outcomes(rows: pd.DataFrame, districts) -> pd.DataFrame:
    columns = ["outcome", "crimes", "share_pct"]
    crimes = rows[rows["crime_type"] != _ASB] if not rows.empty else rows
    if districts and not crimes.empty:
        crimes = crimes[crimes["district"].isin(districts)]
    if crimes.empty:
        return pd.DataFrame(columns=columns)
    outcome = crimes["outcome"].fillna("").replace("", "Not recorded")
    table = outcome.value_counts().rename_axis("outcome").reset_index(name="crimes")
    table["crimes"] = table["crimes"].astype(float)
    table["share_pct"] = (table["crimes"] / table["crimes"].sum() * 100).round(1)
    return table[columns]


def build(plan: Plan, quarter: Quarter, request: Request, store=None, options=None) -> RequestEvidence:
    """Build the element's evidence (no cache; see :func:`load`)."""
    from perfkit import evidence

    opts = evidence._options(options)
    model = evidence.load(plan, quarter, store, options=options)
    parts = parts_of(request, plan)
    element_plan = _element_plan(plan, request, parts)
    measures, rows = {}, []
    for part in parts:
        m = part.measure
        if part.plan_measure:
            ev = model.measure(m.id)
            row = model.row(m.id)
        else:
            try:
                ev = analysis.analyse(m, quarter, element_plan, store=store,
                                      comparator_group=opts["comparator_group"] or None,
                                      seasonal_method=opts["seasonal_method"], chart_months=opts["chart_months"])
            except PerfkitError as exc:
                raise naming(f"request {request.id} ({m.title})", exc) from None
            if m.districts:
                ev = _without_rates(ev)
            row = evidence.measure_row(ev, np.nan)
        measures[m.id] = ev
        rows.append(row)
    types = tuple(sorted({t for p in parts for t in p.measure.crime_types}))
    used, incidents = _row_level(plan, quarter, store) if types else (None, pd.DataFrame())
    incidents = _types_filter(incidents, types) if not incidents.empty else incidents
    districts = request.element.districts
    force_wide = {mid: ev for mid, ev in measures.items() if _force_wide(ev)}
    return RequestEvidence(
        request=request, quarter=quarter, parts=measures, table=pd.DataFrame(rows, columns=list(evidence.FIELDS)),
        by_district=_by_district(plan, incidents, districts),
        by_crime_type=_by_crime_type(plan, quarter, types, districts, incidents, store) if types else pd.DataFrame(),
        outcomes=_outcomes(incidents, districts), rows_quarter=used,
        national=evidence._national(plan, quarter, force_wide, store) if force_wide else pd.DataFrame(),
        crime_types=types,
    )


def load(plan: Plan, quarter: Quarter, request: Request, store=None, options=None) -> RequestEvidence:
    """The element's evidence, built once for a given content of its inputs (those of the quarter's
    model, :func:`perfkit.evidence.load`, and the request's element) and cached beside it."""
    from perfkit import evidence

    # the quarter's model's key (every input's content and the code), with the request's element
    key = evidence._CACHE.key(evidence._key(plan, quarter, store, options), repr(request))
    return evidence._CACHE.get(key, lambda: build(plan, quarter, request, store, options), store=store,
                               prefix=f"{quarter.id}-{request.slug}-")
