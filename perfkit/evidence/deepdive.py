"""The deep dive's evidence: every figure the deep dive shows, computed once from the store.

:func:`deep_dive` gathers, for one objective of a quarter's evidence model, the objective's crimes
by district, the crime-type mix compared like for like (the same calendar months in both 12-month
windows, a month without data or with a data fault left out of both), the outcomes of
investigations, where located incidents are densest (measured: the densest cell of the grid the
map draws, and the district most of its incidents fall in), and which quarter of row-level records
those come from. The deep dive's page only reads it, as every other view reads the evidence model.

Examples
--------
>>> from perfkit import evidence
>>> dd = deep_dive(evidence.load(quarter="2018-19-Q2"), 4)        # doctest: +SKIP
>>> dd.mix_months, int(dd.crime_mix.loc["Violence and sexual offences", "now"])   # doctest: +SKIP
(11, 15799)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from perfkit import data
from perfkit.periods import Quarter
from perfkit.stats import disclosure

#: How incidents whose district is not one of the Plan's are grouped (the deep dive's and the
#: requests' district tables).
DISTRICT_OUTSIDE = "Outside the force's districts"

__all__ = ["DeepDiveEvidence", "deep_dive", "GRID", "DISTRICT_OUTSIDE"]

#: Cells across the density map's grid (the map's hexbin uses the same number).
GRID = 40

#: A density cell with fewer incidents than this is not shown (small counts can identify victims).
MIN_CELL = 5


@dataclass(frozen=True)
class DeepDiveEvidence:
    """What the deep dive of one objective shows (read-only).

    Attributes
    ----------
    objective : int
    crime_types : tuple
        The data.police.uk crime types of the objective's measures (``"all_crime"`` for every type).
    rows_quarter : Quarter or None
        The quarter the row-level sections show: the reporting quarter, else the latest complete
        earlier quarter with row-level records, else None.
    districts : pandas.DataFrame
        ``District, Incidents`` (disclosure rule applied), most first.
    busiest : dict
        ``district``, ``incidents`` and ``total`` of the district with the most incidents ({} when none).
    crime_mix : pandas.DataFrame
        Index crime type; ``now``, ``before`` (counts over the paired months), ``share_now``,
        ``share_before`` (percent of all crime excluding anti-social behaviour), ``focus``.
    mix_months : int
        Months in each window of the mix (12 unless months are left out to keep like with like).
    mix_left_out : tuple
        ``(month, reason)`` of each month left out of the mix: ``"no data"`` or ``"paired"`` (left out
        with a month of the other window that has none), or ``"fault"``.
    mix_label, mix_label_ref : str
        The windows the mix compares.
    outcomes : pandas.DataFrame
        ``Last outcome, Crimes, Share (%)`` (disclosure rule applied).
    points : pandas.DataFrame
        Located incidents inside the Plan's districts (``month, crime_type, longitude, latitude, district``).
    densest : dict
        The densest grid cell: ``incidents`` in it, ``district`` most of them fall in, ``share`` of all
        located incidents in the busiest 10% of occupied cells ({} when too few points).
    """

    objective: int
    crime_types: tuple
    rows_quarter: "Quarter | None" = None
    districts: pd.DataFrame = field(default_factory=pd.DataFrame)
    busiest: dict = field(default_factory=dict)
    crime_mix: pd.DataFrame = field(default_factory=pd.DataFrame)
    mix_months: int = 0
    mix_left_out: tuple = ()
    mix_label: str = ""
    mix_label_ref: str = ""
    outcomes: pd.DataFrame = field(default_factory=pd.DataFrame)
    points: pd.DataFrame = field(default_factory=pd.DataFrame)
    densest: dict = field(default_factory=dict)


def _types(frame: pd.DataFrame, crime_types) -> pd.DataFrame:
    if "all_crime" in crime_types:
        return frame[frame["crime_type"] != "Anti-social behaviour"]
    return frame[frame["crime_type"].isin(crime_types)]


def _rows(force: str, quarter: Quarter, store) -> "tuple[Quarter | None, pd.DataFrame]":
    """Row-level records for the quarter, else for the latest complete earlier quarter with them."""
    rows = data.incidents(force, quarter.start, quarter.end, store=store)
    if not rows.empty and rows["month"].nunique() >= 3:
        return quarter, rows
    every = data.incidents(force, None, quarter.end, store=store)
    if every.empty:
        return None, rows.iloc[0:0]
    months = set(every["month"].unique())
    for q in sorted({Quarter.containing(m) for m in months}, reverse=True):
        if all(m in months for m in q.months):
            return q, every[every["month"].isin(q.months)]
    return None, rows.iloc[0:0]


def _mix(force: str, quarter: Quarter, crime_types, store, month_words) -> dict:
    """The crime-type mix over paired months of the latest 12 months and the 12 before."""
    w, w0 = quarter.rolling_12_months(), quarter.rolling_12_months_before()
    frame = data.monthly_counts(force=force, by=("month", "crime_type"), start=w0.start, end=w.end, store=store)
    frame = frame[frame["crime_type"] != "Anti-social behaviour"]
    wide = frame.pivot(index="month", columns="crime_type", values="count")  # NaN stays missing
    # a month has data when every crime type has (a type not recorded in a published month is 0, not missing)
    has = wide.notna().all(axis=1).reindex(pd.PeriodIndex(list(w0.months) + list(w.months), freq="M"), fill_value=False)
    faulty = {pd.Period(month, freq="M") for f, month, _ in data.registered_faults() if f == force}
    keep, left = [], []
    for now, before in zip(w.months, w0.months):
        ok_now, ok_before = bool(has.get(now, False)), bool(has.get(before, False))
        if ok_now and ok_before:
            keep.append((now, before))
            continue
        for month, ok, other_ok in ((now, ok_now, ok_before), (before, ok_before, ok_now)):
            reason = "fault" if month in faulty else ("no data" if not ok else "paired")
            left.append((month, reason))
    now_months = [a for a, _ in keep]
    before_months = [b for _, b in keep]
    now = wide.reindex(pd.PeriodIndex(now_months, freq="M")).sum(min_count=1)
    before = wide.reindex(pd.PeriodIndex(before_months, freq="M")).sum(min_count=1)
    mix = pd.DataFrame({"now": now, "before": before}).fillna(0.0)
    mix = mix[(mix["now"] > 0) | (mix["before"] > 0)]
    if len(mix):
        mix["share_now"] = 100 * mix["now"] / mix["now"].sum()
        mix["share_before"] = 100 * mix["before"] / mix["before"].sum() if mix["before"].sum() else np.nan
    mix["focus"] = [("all_crime" in crime_types) or (t in crime_types) for t in mix.index]
    mix = mix.sort_values("now", ascending=False)
    mix.index.name = "crime_type"
    return {"crime_mix": mix, "mix_months": len(keep), "mix_left_out": tuple(sorted(left)),
            "mix_label": f"the 12 months to {month_words(w.end)}",
            "mix_label_ref": f"the 12 months to {month_words(w0.end)}"}


def _densest(points: pd.DataFrame) -> dict:
    """The densest cell of a GRID x GRID grid over the points' extent (as the map draws them)."""
    if len(points) < 50:
        return {}
    x, y = points["longitude"].to_numpy(float), points["latitude"].to_numpy(float)
    counts, xe, ye = np.histogram2d(x, y, bins=GRID)
    i, j = np.unravel_index(int(np.argmax(counts)), counts.shape)
    inside = (x >= xe[i]) & (x <= xe[i + 1]) & (y >= ye[j]) & (y <= ye[j + 1])
    district = points.loc[inside, "district"].astype("object").mode()
    occupied = np.sort(counts[counts >= MIN_CELL].ravel())[::-1]
    top = occupied[: max(1, int(np.ceil(0.1 * len(occupied))))]
    return {"incidents": int(counts[i, j]), "district": str(district.iloc[0]) if len(district) else "",
            "share": float(100 * top.sum() / len(points)) if len(points) else float("nan"),
            "cells": int(len(occupied))}


_MEMORY: dict = {}


def deep_dive(model, objective: int) -> DeepDiveEvidence:
    """The deep dive's evidence for ``objective`` of ``model`` (a :class:`perfkit.evidence.QuarterEvidence`),
    computed once per model and objective in a process."""
    key = (id(model), model.quarter.id, model.force, model.store, int(objective))
    if key in _MEMORY:
        return _MEMORY[key]
    from perfkit.present import words  # labels only (the month's name in a window's label)

    plan, quarter, store, force = model.plan, model.quarter, model.store, model.force
    obj = plan.objective(objective)
    crime_types = tuple(sorted({t for m in obj.measures if m.source == "police_uk" for t in m.crime_types}))
    parts: dict = {"objective": int(objective), "crime_types": crime_types}
    if crime_types:
        used, rows = _rows(force, quarter, store)
        rows = _types(rows, crime_types) if not rows.empty else rows
        parts["rows_quarter"] = used
        if used is not None and not rows.empty:
            districts = rows["district"].astype("object")
            own = set(plan.districts)
            if own:
                districts = districts.where(districts.isin(own), DISTRICT_OUTSIDE)
            table = districts.value_counts().rename_axis("District").reset_index(name="Incidents")
            table = table[table["Incidents"] > 0].sort_values(["Incidents", "District"], ascending=[False, True])
            parts["districts"] = disclosure.apply(table, ["Incidents"]).reset_index(drop=True)
            top = table.iloc[0]
            parts["busiest"] = {"district": str(top["District"]), "incidents": int(top["Incidents"]),
                                "total": int(table["Incidents"].sum())}
            crimes = rows[rows["crime_type"] != "Anti-social behaviour"]
            if not crimes.empty:
                outcome = crimes["outcome"].fillna("").replace("", "Not recorded")
                out = outcome.value_counts().rename_axis("Last outcome").reset_index(name="Crimes")
                out["Share (%)"] = out["Crimes"] / out["Crimes"].sum() * 100
                parts["outcomes"] = disclosure.apply(out, ["Crimes"], also=["Share (%)"]).reset_index(drop=True)
            points = rows.dropna(subset=["longitude", "latitude"])
            if plan.districts:
                points = points[points["district"].isin(plan.districts)]
            cols = [c for c in ("month", "crime_type", "longitude", "latitude", "district") if c in points.columns]
            parts["points"] = points[cols].reset_index(drop=True)
            parts["densest"] = _densest(parts["points"])
        parts.update(_mix(force, quarter, crime_types, store, words.month))
    result = DeepDiveEvidence(**parts)
    while len(_MEMORY) >= 8:
        _MEMORY.pop(next(iter(_MEMORY)))
    _MEMORY[key] = result
    return result
