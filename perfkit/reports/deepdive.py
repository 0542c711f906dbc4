"""The deep dive: one objective examined in depth each quarter, on a rolling basis.

The objective is the one due by rotation (``params/plan.yaml``), the one a quarter's parameter
file names, or the one the Commissioner asked for (``perfkit run --deep-dive N``). Sections: the
objective's crime measures by district, the crime-type mix, outcomes of investigations, where
incidents concentrate, long-run seasonally adjusted trends and each recording change with its
estimated size.

District, outcome and density sections need row-level data.police.uk records. When the store has
none for the quarter, the page says so once and, where row-level data exists for an earlier period,
shows the latest such quarter instead, labelled as such. Every figure comes from the evidence model
(:func:`perfkit.evidence.deepdive.deep_dive`); the page only reads it.

Each section returns a :class:`perfkit.present.section.Section`; its ``data`` holds the tables behind it
(``districts``, ``crime_mix``, ``outcomes``, ``points``, ``<measure id>/monthly``,
``recording_changes``).
"""

from __future__ import annotations

import pandas as pd

from perfkit.evidence import analysis
from perfkit import data
from perfkit.stats import disclosure
from perfkit.present import charts, statements, words
from perfkit.present.display import details_html, figure_html, heading, notice, paragraph, table_html
from perfkit.periods import Quarter
from perfkit.reports.report import Options, ReportContext, about_figures, monthly_frame, monthly_table
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

    @property
    def quarter(self) -> Quarter:
        """The reporting quarter."""
        return self.ctx.quarter

    def __repr__(self) -> str:
        o = self.objective
        why = "requested" if self.requested else "by rotation"
        return report_repr(self, f"deep dive into objective {o.number} ({o.title}, {why}), {self.ctx.describe()}")

    # --- helpers ----------------------------------------------------------------------------------
    @property
    def evidence(self):
        """The deep dive's evidence (:func:`perfkit.evidence.deepdive.deep_dive`): every figure it shows."""
        from perfkit.evidence.deepdive import deep_dive

        return deep_dive(self.ctx.model, self.objective.number)

    def _period_notice(self, out: Section, used: "Quarter | None", what: str) -> bool:
        """Say, once on the page, which quarter the row-level sections show and why."""
        if used is None:
            if "no-rows" not in self.ctx.said:
                self.ctx.said.add("no-rows")
                out.html(notice(
                    f"{what} and the other sections built from individual crime records could not be produced: this "
                    f"pack holds no street-level records (each crime with its location and outcome) for "
                    f"{self.ctx.plan.force_name} for {self.quarter.label} or any complete earlier quarter.",
                    kind="missing"))
            return False
        if used != self.quarter and "earlier-rows" not in self.ctx.said:
            self.ctx.said.add("earlier-rows")
            out.html(notice(
                f"This pack holds no street-level records (each crime with its location and outcome) for "
                f"{self.quarter.label}. The sections built from them (districts, outcomes and where incidents "
                f"concentrate) show {used.long_label}, the latest quarter that has them, to illustrate the "
                "analysis; they do not describe the reporting quarter.", kind="missing"))
        elif used != self.quarter:
            out.html(paragraph(f"As above, this shows {used.label}.", "period-note"))
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
        dd = self.evidence
        used = dd.rows_quarter
        if not self._period_notice(out, used, "The breakdown by district") or dd.districts.empty:
            return
        published = dd.districts
        shown = published[published["Incidents"] != disclosure.load_rule().symbol]
        fig = charts.bar_chart(shown["District"], shown["Incidents"].astype(float),
                               title=f"Where the objective's crimes were recorded, {used.label}",
                               subtitle=f"Incidents by district, {self.ctx.plan.force_name}, {used.window().describe()}",
                               source="data.police.uk", xlabel="incidents")
        top = dd.busiest
        alt = (f"Bar chart of incidents by district, {used.window().describe()}. {top['district']} had the most "
               f"({words.count(top['incidents'])}) of {words.count(top['total'])} in all.")
        caption = "Incidents by district (the district is read from the LSOA name)."
        if len(shown) < len(published):
            caption += " Districts with a suppressed count are in the table only."
        out.data["districts"] = published
        out.figures["districts"] = fig
        out.html(figure_html(fig, alt, caption))
        out.html(paragraph(f"{top['district']} recorded the most of the objective's incidents in {used.label}: "
                           f"{words.count(top['incidents'])} of {words.count(top['total'])} "
                           f"({words.number(100 * top['incidents'] / top['total'], 'percent')})."))
        out.html(details_html("Numbers behind the chart: incidents by district",
                              table_html(published, f"Incidents by district, {used.label}")))

    @section("crime mix")
    def crime_mix(self, out: Section) -> None:
        """The crime-type mix: each type's share of all crime, now and a year earlier."""
        out.html(heading("Crime-type mix", 3))
        dd = self.evidence
        mix = dd.crime_mix
        if mix.empty:
            out.html(notice("No monthly counts by crime type are in the data for these windows.", kind="missing"))
            return
        months = "" if dd.mix_months == 12 else f" ({dd.mix_months} months in each)"
        table = pd.DataFrame({"Crime type": mix.index, f"Offences, {dd.mix_label}{months}": mix["now"].to_numpy(),
                              "Share (%)": mix["share_now"].round(1).to_numpy(),
                              f"Offences, {dd.mix_label_ref}{months}": mix["before"].to_numpy(),
                              "Share a year earlier (%)": mix["share_before"].round(1).to_numpy(),
                              "Objective focus": ["yes" if f else "" for f in mix["focus"]]})
        out.data["crime_mix"] = mix.reset_index()
        out.html(table_html(table, f"Crime-type mix, {self.ctx.plan.force_name}, excluding anti-social behaviour"))
        if dd.mix_left_out:
            out.html(paragraph(statements.left_out_sentence(dd.mix_left_out, self.ctx.model.caveats)))

    @section("outcomes")
    def outcomes(self, out: Section) -> None:
        """Outcomes of investigations (the last outcome recorded for each crime)."""
        out.html(heading("Outcomes of investigations", 3))
        dd = self.evidence
        used = dd.rows_quarter
        if not self._period_notice(out, used, "The outcomes of investigations"):
            return
        if dd.outcomes.empty:
            out.html(notice("The objective's measures are anti-social behaviour only, which has no outcomes.", kind="info"))
            return
        published = dd.outcomes.assign(**{"Share (%)": dd.outcomes["Share (%)"].map(
            lambda v: v if isinstance(v, str) else round(float(v), 1))})
        out.data["outcomes"] = dd.outcomes
        out.html(table_html(published, f"Last recorded outcome of the objective's crimes, {used.label}"))
        out.html(paragraph("The outcome is the latest recorded when the data were published; many investigations "
                           "were still open then, so later releases move crimes out of \"under investigation\"."))

    @section("density")
    def density(self, out: Section) -> None:
        """A density map of incidents from their coordinates (no map tiles: nothing is fetched)."""
        dd = self.evidence
        used = dd.rows_quarter
        if not self._period_notice(out, used, "The density map"):
            return
        points = dd.points
        if not dd.densest:
            out.html(notice("Too few located incidents for a density map.", kind="info"))
            return
        import matplotlib.pyplot as plt

        from perfkit.evidence.deepdive import GRID, MIN_CELL

        densest = dd.densest
        fig, ax = plt.subplots(figsize=(7, 6))
        # mincnt hides cells with fewer than MIN_CELL incidents: small counts in small areas can identify victims.
        hb = ax.hexbin(points["longitude"], points["latitude"], gridsize=GRID, mincnt=MIN_CELL, cmap="Blues",
                       linewidths=0.2)
        fig.colorbar(hb, ax=ax, label=f"incidents per cell (cells under {MIN_CELL} not shown)")
        ax.set_xlabel("longitude")
        ax.set_ylabel("latitude")
        ax.set_aspect(1.6)
        fig.suptitle(f"The densest area is in {densest['district']}, {used.label}", x=0.01, ha="left",
                     fontsize=12, fontweight="bold")
        ax.set_title(f"Density of the objective's incidents by anonymised location, {used.window().describe()}",
                     fontsize=10, loc="left")
        fig.text(0.01, -0.02, "Source: data.police.uk (locations are snapped to anonymous points).", fontsize=8)
        fig.tight_layout()
        said = (f"The densest cell of the grid holds {words.count(densest['incidents'])} incidents, most of them in "
                f"{densest['district']}. The busiest tenth of the {densest['cells']} cells shown holds "
                f"{words.number(densest['share'], 'percent')} of the {words.count(len(points))} located incidents.")
        alt = (f"Hexagonal density map of {words.count(len(points))} located incidents, {used.window().describe()}. "
               + said)
        out.figures["density"] = fig
        out.data["points"] = points
        # PNG: hundreds of hexagons make a large SVG.
        out.html(figure_html(fig, alt, "Density of incidents; darker cells hold more incidents. No map tiles are used.",
                             vector=False))
        out.html(paragraph(said))

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
            text = statements.adjustment_describe(ev.adjustment) if ev.adjustment is not None else "Too short to adjust."
            out.data[f"{measure.id}/monthly"] = monthly_frame(ev)  # the whole window: the long run
            out.figures[f"{measure.id}/long_run"] = fig
            out.html(heading(measure.title, 3))
            out.html(figure_html(fig, alt, f"{measure.title}: {words.lower_first(subtitle)}"))
            out.html(paragraph(f"{measure.title}: {words.lower_first(text)}"))
            out.html(details_html(f"Numbers behind the chart: {measure.title}, the long run",
                                  monthly_table(ev, values.index, f"{measure.title}, monthly, {self.ctx.plan.area_name}")))

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
                rows.append({"Measure": measure.title, "Change": f"{cav.ref}: {cav.title}", "Date": str(cav.period),
                             "Estimated effect": statements.shift_estimate_sentence(estimate) if estimate is not None
                             else statements.shift_reason(ev.shift_reasons.get(cav.id, ""))})
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
