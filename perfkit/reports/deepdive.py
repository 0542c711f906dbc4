"""The deep dive: one objective examined in depth each quarter, on a rolling basis.

The objective is the one due by rotation (``params/plan.yaml``), the one a quarter's parameter
file names, or the one the Commissioner asked for (``perfkit run --deep-dive N``). Sections: the
objective's crime measures by district, the crime-type mix, outcomes of investigations, where
incidents concentrate, long-run seasonally adjusted trends and each recording change with its
estimated size.

District, outcome and density sections need row-level data.police.uk records. When the store has
none for the quarter, the section says so and, where row-level data exists for an earlier period,
shows the latest such quarter instead, labelled as such.

Each section returns a :class:`perfkit.present.section.Section`; its ``data`` holds the tables behind it
(``districts``, ``crime_mix``, ``outcomes``, ``points``, ``<measure id>/monthly``,
``recording_changes``).
"""

from __future__ import annotations

import pandas as pd

from perfkit.evidence import analysis
from perfkit import data
from perfkit.stats import disclosure
from perfkit.present import words
from perfkit.present import charts
from perfkit.present.display import details_html, figure_html, heading, notice, paragraph, table_html
from perfkit.periods import Quarter
from perfkit.reports.report import Options, ReportContext, about_figures
from perfkit.present.section import Section, report_repr, section

__all__ = ["DeepDive"]


class DeepDive:
    """The quarter's deep dive.

    Parameters
    ----------
    quarter : str
        Quarter id or ``'auto'``.
    objective : int
        Objective number; 0 = the quarter's parameter file, else the rotation.
    store : str, optional
        Data store folder.
    chart_months, seasonal_method, comparator_group
        The analyst's choices (:class:`perfkit.reports.report.Options`).
    params : str, optional
        Parameters folder (default ``params/``, or ``PERFKIT_PARAMS``).
    """

    def __init__(self, quarter: str = "auto", objective: int = 0, store: "str | None" = None, *,
                 chart_months: int = analysis.CHART_MONTHS, seasonal_method: str = "auto",
                 comparator_group: str = "", params: str = ""):
        self.ctx = ReportContext.create(quarter, store, Options(chart_months, seasonal_method, comparator_group), params)
        override = objective or self.ctx.settings.deep_dive
        self.requested = bool(objective or self.ctx.settings.deep_dive)
        self.objective = self.ctx.plan.deep_dive(self.ctx.quarter, override=override or None)
        self.crime_types = sorted({t for m in self.objective.measures if m.source == "police_uk"
                                   for t in m.crime_types})
        self._rows_cache: "tuple[str, Quarter | None, pd.DataFrame] | None" = None

    @property
    def quarter(self) -> Quarter:
        """The reporting quarter."""
        return self.ctx.quarter

    def __repr__(self) -> str:
        o = self.objective
        why = "requested" if self.requested else "by rotation"
        return report_repr(self, f"deep dive into objective {o.number} ({o.title}, {why}), {self.ctx.describe()}")

    # --- helpers ----------------------------------------------------------------------------------
    def _types(self, frame: pd.DataFrame) -> pd.DataFrame:
        if "all_crime" in self.crime_types:
            return frame[frame["crime_type"] != "Anti-social behaviour"]
        return frame[frame["crime_type"].isin(self.crime_types)]

    def _rows(self) -> "tuple[Quarter | None, pd.DataFrame]":
        """Row-level records for the quarter, else for the latest earlier quarter that has them
        (kept while the store's content is unchanged)."""
        key = analysis.store_key(self.ctx.store)
        if self._rows_cache is None or self._rows_cache[0] != key:
            force = self.ctx.plan.force
            rows = data.incidents(force, self.quarter.start, self.quarter.end, store=self.ctx.store)
            used: "Quarter | None" = self.quarter
            if rows.empty or rows["month"].nunique() < 3:
                every = data.incidents(force, None, self.quarter.end, store=self.ctx.store)
                used, rows = None, rows.iloc[0:0]
                if not every.empty:
                    months = sorted(every["month"].unique())
                    for q in sorted({Quarter.containing(m) for m in months}, reverse=True):
                        if all(m in set(months) for m in q.months):
                            used, rows = q, every[every["month"].isin(q.months)]
                            break
            self._rows_cache = (key, used, self._types(rows) if not rows.empty else rows)
        return self._rows_cache[1], self._rows_cache[2]

    def _period_notice(self, out: Section, used: "Quarter | None", what: str) -> bool:
        if used is None:
            out.html(notice(
                f"{what} could not be produced: the data store holds no row-level data.police.uk records for "
                f"{self.ctx.plan.force_name} for {self.quarter.label} or any complete earlier quarter. These sections "
                "need the monthly street-level files (perfkit ingest police-uk); counts by crime type are not enough.",
                kind="missing"))
            return False
        if used != self.quarter:
            out.html(notice(
                f"Row-level records are not in the data store for {self.quarter.label}. This section shows "
                f"{used.long_label}, the latest complete quarter with row-level data, to illustrate the analysis; "
                "it does not describe the reporting quarter.", kind="missing"))
        return True

    # --- sections --------------------------------------------------------------------------------
    @section("header")
    def header(self, out: Section) -> None:
        """Heading and why this objective."""
        o = self.objective
        self.ctx.header(out, f"Deep dive: Objective {o.number}, {o.title}", "Deep dive")
        rotation = self.ctx.plan.deep_dive(self.quarter).number
        if self.requested and o.number != rotation:
            reason = self.ctx.settings.deep_dive_reason or "at the Commissioner's request"
            out.html(paragraph(f"This quarter's deep dive examines objective {o.number} instead of objective "
                               f"{rotation} (due by rotation): {reason}."))
        else:
            out.html(paragraph(f"Objective {o.number} is due for its deep dive this quarter on the rolling schedule, "
                               f"which takes the {len(self.ctx.plan.objectives)} objectives in turn."))

    @section("narrative")
    def narrative(self, out: Section) -> None:
        """The analysts' narrative for the deep dive."""
        self.ctx.narrative(out, "deep-dive")

    @section("by district")
    def by_district(self, out: Section) -> None:
        """The objective's crimes by district (Community Safety Partnership)."""
        out.html(heading("By district", 3))
        if not self.crime_types:
            out.html(notice("This objective has no data.police.uk crime measures to break down by district.", kind="info"))
            return
        used, rows = self._rows()
        if not self._period_notice(out, used, "The breakdown by district"):
            return
        districts = rows["district"].astype("object")
        own = set(self.ctx.plan.districts)
        if own:
            # ~250 incidents a year carry an LSOA in a neighbouring district (or a mis-coded one):
            # keep them, grouped, rather than drop them or show many tiny, identifying counts.
            districts = districts.where(districts.isin(own), "Outside the force's districts")
        table = districts.value_counts().rename_axis("District").reset_index(name="Incidents")
        table = table[table["Incidents"] > 0].sort_values(["Incidents", "District"], ascending=[False, True])
        published = disclosure.apply(table, ["Incidents"])
        shown = published[published["Incidents"] != disclosure.load_rule().symbol]
        fig = charts.bar_chart(shown["District"], shown["Incidents"].astype(float),
                               title=f"Where the objective's crimes were recorded, {used.label}",
                               subtitle=f"Incidents by district, {self.ctx.plan.force_name}, {used.window().describe()}",
                               source="data.police.uk", xlabel="incidents")
        top = table.iloc[0]
        alt = (f"Bar chart of incidents by district, {used.window().describe()}. {top['District']} had the most "
               f"({words.count(top['Incidents'])}) of {words.count(table['Incidents'].sum())} in all.")
        caption = "Incidents by district (the district is read from the LSOA name)."
        if len(shown) < len(published):
            caption += " Districts with a suppressed count are in the table only."
        out.data["districts"] = published.reset_index(drop=True)
        out.figures["districts"] = fig
        out.html(figure_html(fig, alt, caption))
        out.html(details_html("Numbers behind the chart: incidents by district",
                              table_html(published, f"Incidents by district, {used.label}")))

    @section("crime mix")
    def crime_mix(self, out: Section) -> None:
        """The crime-type mix: each type's share of all crime, now and a year earlier."""
        out.html(heading("Crime-type mix", 3))
        q = self.quarter
        force = self.ctx.plan.force
        frame = data.monthly_counts(force=force, by=("month", "crime_type"), store=self.ctx.store)
        rows = []
        for label, window in (("12 months to the quarter", q.rolling_12_months()),
                              ("The 12 months before", q.rolling_12_months_before())):
            part = frame[frame["month"].isin(window.months)]
            totals = part.groupby("crime_type")["count"].sum(min_count=1)
            rows.append(totals.rename(label))
        mix = pd.concat(rows, axis=1)
        mix = mix.drop(index="Anti-social behaviour", errors="ignore")
        if mix.dropna(how="all").empty:
            out.html(notice("No monthly counts by crime type are in the store for these windows.", kind="missing"))
            return
        shares = (mix / mix.sum()).mul(100).round(1)
        table = pd.DataFrame({"Crime type": mix.index, "Offences, latest 12 months": mix.iloc[:, 0].to_numpy(),
                              "Share (%)": shares.iloc[:, 0].to_numpy(),
                              "Offences, 12 months before": mix.iloc[:, 1].to_numpy(),
                              "Share a year earlier (%)": shares.iloc[:, 1].to_numpy()})
        table["Objective focus"] = ["yes" if t in self.crime_types or "all_crime" in self.crime_types else ""
                                    for t in table["Crime type"]]
        table = table.sort_values("Offences, latest 12 months", ascending=False)
        out.data["crime_mix"] = table.reset_index(drop=True)
        out.html(table_html(table, f"Crime-type mix, {self.ctx.plan.force_name}, excluding anti-social behaviour"))

    @section("outcomes")
    def outcomes(self, out: Section) -> None:
        """Outcomes of investigations (the last outcome recorded for each crime)."""
        out.html(heading("Outcomes of investigations", 3))
        used, rows = self._rows()
        if not self._period_notice(out, used, "The outcomes of investigations"):
            return
        crimes = rows[rows["crime_type"] != "Anti-social behaviour"]
        if crimes.empty:
            out.html(notice("The objective's measures are anti-social behaviour only, which has no outcomes.", kind="info"))
            return
        outcome = crimes["outcome"].fillna("").replace("", "Not recorded")
        table = outcome.value_counts().rename_axis("Last outcome").reset_index(name="Crimes")
        table["Share (%)"] = (table["Crimes"] / table["Crimes"].sum() * 100).round(1)
        published = disclosure.apply(table, ["Crimes"], also=["Share (%)"])
        out.data["outcomes"] = published.reset_index(drop=True)
        out.html(table_html(published, f"Last recorded outcome of the objective's crimes, {used.label}"))
        out.html(paragraph("The outcome is the latest recorded when the data were published; many investigations "
                           "were still open then, so later releases move crimes out of \"under investigation\"."))

    @section("density")
    def density(self, out: Section) -> None:
        """A density map of incidents from their coordinates (no map tiles: nothing is fetched)."""
        used, rows = self._rows()
        if not self._period_notice(out, used, "The density map"):
            return
        points = rows.dropna(subset=["longitude", "latitude"])
        if self.ctx.plan.districts:
            points = points[points["district"].isin(self.ctx.plan.districts)]
        if len(points) < 50:
            out.html(notice("Too few located incidents for a density map.", kind="info"))
            return
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 6))
        # mincnt hides cells with fewer than 5 incidents: small counts in small areas can identify victims.
        hb = ax.hexbin(points["longitude"], points["latitude"], gridsize=40, mincnt=5, cmap="Blues", linewidths=0.2)
        fig.colorbar(hb, ax=ax, label="incidents per cell (cells under 5 not shown)")
        ax.set_xlabel("longitude")
        ax.set_ylabel("latitude")
        ax.set_aspect(1.6)
        fig.suptitle(f"Incidents concentrate in the urban centres, {used.label}", x=0.01, ha="left",
                     fontsize=12, fontweight="bold")
        ax.set_title(f"Density of the objective's incidents by anonymised location, {used.window().describe()}",
                     fontsize=10, loc="left")
        fig.text(0.01, -0.02, "Source: data.police.uk (locations are snapped to anonymous points).", fontsize=8)
        fig.tight_layout()
        districts = rows.groupby("district").size().sort_values(ascending=False)
        alt = (f"Hexagonal density map of {words.count(len(points))} located incidents, {used.window().describe()}. "
               f"The densest areas are in {words.join(districts.index[:2])}; rural areas have few incidents.")
        out.figures["density"] = fig
        out.data["points"] = points[["month", "crime_type", "longitude", "latitude", "district"]].reset_index(drop=True) \
            if {"month", "crime_type", "district"} <= set(points.columns) else points.reset_index(drop=True)
        # PNG: hundreds of hexagons make a large SVG.
        out.html(figure_html(fig, alt, "Density of incidents; darker cells hold more incidents. No map tiles are used.",
                             vector=False))

    @section("long-run trends")
    def long_run_trends(self, out: Section) -> None:
        """Seasonally adjusted trends over the whole period in the data."""
        for measure in self.objective.measures:
            if measure.restricted:
                continue
            ev = self.ctx.evidence(measure)
            if ev.series.frequency != "monthly" or not ev.series.available:
                continue
            values = ev.window
            adjusted = ev.adjustment.seasadj if ev.adjustment is not None and ev.adjustment.method != "none" else None
            if adjusted is not None:
                adjusted = adjusted.where(values.reindex(adjusted.index).notna())  # no adjusted value for a left-out month
            subtitle = (f"Monthly recorded {measure.unit}, {words.month(values.index.min())} to "
                        f"{words.month(values.index.max())}")
            fig = charts.trend_chart(values, title=f"{measure.title}: the long run", subtitle=subtitle,
                                     source=ev.series.source_note.split(". ")[0], adjusted=adjusted,
                                     markers=[(c.period, c.ref) for c in ev.series_caveats if not c.is_fault],
                                     incomplete=ev.series.published if len(ev.series.published) else None,
                                     unit=measure.unit)
            alt = charts.trend_alt_text(values, what=f"recorded {measure.title.lower()}", place=self.ctx.plan.area_name,
                                        adjusted=adjusted, unit=measure.unit, left_out=list(ev.left_out))
            text = ev.adjustment.describe() if ev.adjustment is not None else "Too short to adjust."
            frame = pd.DataFrame({"recorded": values})
            if adjusted is not None:
                frame["seasonally_adjusted"] = adjusted
            out.data[f"{measure.id}/monthly"] = frame.rename_axis("month")
            out.figures[f"{measure.id}/long_run"] = fig
            out.html(heading(measure.title, 3))
            out.html(figure_html(fig, alt, subtitle))
            out.html(paragraph(text))

    @section("recording changes")
    def recording_changes(self, out: Section) -> None:
        """Each recording change inside the data's window, with its estimated size."""
        out.html(heading("Recording changes in the window", 3))
        rows = []
        for measure in self.objective.measures:
            if not measure.recorded_crime or measure.restricted:
                continue
            ev = self.ctx.evidence(measure)
            for cav in ev.series_caveats:
                if cav.is_fault:
                    continue
                estimate = ev.shift_estimates.get(cav.id)
                why = ev.shift_reasons.get(cav.id, "not estimated: the change is not modelled as a step in the series")
                rows.append({"Measure": measure.title, "Change": f"{cav.ref}: {cav.title}", "Date": str(cav.period),
                             "Estimated effect": estimate.describe() if estimate is not None else why})
        if not rows:
            out.html(notice("No recording change in the register falls inside this objective's data window.",
                            kind="info"))
            return
        out.data["recording_changes"] = pd.DataFrame(rows)
        out.html(table_html(pd.DataFrame(rows), "Recording changes and their estimated effect"))
        out.html(paragraph("Each effect is the size of a step in the monthly series at the change date, from a count model with "
             "month-of-year effects, a trend and month length. Its interval is widened by how much the same model's "
             "estimates vary at dates in the series where nothing is known to have changed, so that it can be trusted "
             "on real figures. A change needs a year of figures after it before it can be sized, and a step can also "
             "reflect anything else that changed at the same time."))

    @section("about")
    def about(self, out: Section) -> None:
        """Data sources and methods."""
        about_figures(out, self.ctx, self.objective.measures)
