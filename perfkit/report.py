"""One call per report section: what the notebooks run.

A notebook creates a report object from its parameters and calls one method per section; the
narrative text between sections lives in the notebook's markdown cells. Each method displays HTML
(figures with alt text, tables with captions, notices) and returns nothing a reader needs.

- :class:`ObjectiveReport`: one Plan objective, narrative first.
- :class:`perfkit.deepdive.DeepDive` and :class:`perfkit.datapack.DataPack` build on
  :class:`ReportContext` the same way.

Examples
--------
>>> r = ObjectiveReport(quarter="2016-17-Q2", objective=3)   # doctest: +SKIP
>>> r.header(); r.narrative(); r.evidence(); r.outcomes()       # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from perfkit import analysis, charts, compare, config, data
from perfkit.display import details_html, escape, figure_html, notice, show, show_markdown, table_html
from perfkit.forces import all_slugs, name_for
from perfkit.measures import SOURCE_NOTES
from perfkit.periods import Quarter, latest_complete_quarter, parse_quarter
from perfkit.plan import Measure, Objective, Plan, load_plan
from perfkit.quarter import QuarterSettings, load_narrative, load_quarter

__all__ = ["ReportContext", "ObjectiveReport", "resolve_quarter", "measure_block"]


def resolve_quarter(quarter: "str | Quarter", store=None) -> Quarter:
    """``'auto'`` means the latest complete quarter in the store; otherwise parse the id."""
    if isinstance(quarter, Quarter):
        return quarter
    if str(quarter).strip().lower() == "auto":
        return latest_complete_quarter(data.last_month(store=store))
    return parse_quarter(quarter)


@dataclass
class ReportContext:
    """What every report needs: the quarter, the Plan, the quarter's settings and the store."""

    quarter: Quarter
    plan: Plan
    settings: QuarterSettings
    store: "str | None" = None

    @classmethod
    def create(cls, quarter: "str | Quarter" = "auto", store: "str | None" = None) -> "ReportContext":
        """Resolve parameters as a notebook passes them (strings; ``""`` means default)."""
        store = store or None
        if store is None:
            data.ensure_store()
        q = resolve_quarter(quarter, store)
        return cls(q, load_plan(), load_quarter(q), store)

    @property
    def force_name(self) -> str:
        return self.plan.force_name

    def evidence(self, measure: Measure) -> "analysis.MeasureEvidence":
        """The memoised evidence for a measure this quarter."""
        return analysis.analyse(measure, self.quarter, self.plan, store=self.store)

    def header(self, heading: str, kind: str) -> None:
        """The page's one ``h1`` and the line under it."""
        show_markdown(f"# {heading}")
        date = self.settings.publication_date or "not yet published"
        show(
            f'<p class="lede">{escape(kind)} for {escape(self.quarter.long_label)}. '
            f"{escape(self.plan.title)} ({escape(self.plan.period)}), {escape(self.plan.force_name)}. "
            f"Publication date: {escape(date)}.</p>"
        )

    def narrative(self, report: str) -> None:
        """The analysts' narrative, or a visible box saying it is not yet written."""
        text = load_narrative(self.quarter, report)
        if not text.written:
            show(notice(
                f"Narrative not yet written. The analysts' commentary for this report has not been "
                f"written for {self.quarter.label} (expected in {text.path}). The evidence below "
                f"stands on its own, but read it without the context the narrative gives.",
                kind="missing"))
            return
        public, board = text.for_edition("public"), text.for_edition("board")
        if public == board:
            show_markdown(public)
        else:
            show_markdown(board, edition="board")
            show_markdown(public, edition="public")


def _pct(value: float) -> str:
    return "no data" if pd.isna(value) else f"{value:+.1%}".replace("+-", "-")


def comparison_row(label: str, cmp) -> dict:
    """One row of a comparison table, from a :class:`perfkit.compare.Comparison`."""
    if cmp is None:
        return {"Comparison": label, "This period": None, "Previous period": None,
                "Change": "not available", "95% interval": "", "Note": ""}
    return {
        "Comparison": label,
        "This period": cmp.count,
        "Previous period": cmp.count_ref,
        "Change": _pct(cmp.change / 100) if pd.notna(cmp.ratio) and cmp.ratio != float("inf") else "not available",
        "95% interval": (f"{_pct(cmp.ci_low - 1)} to {_pct(cmp.ci_high - 1)}"
                         if pd.notna(cmp.ci_low) else ""),
        "Note": "; ".join(cmp.notes),
    }


def revision_note(ctx: ReportContext, measure: Measure, *, threshold: float = 0.01) -> str:
    """A notice when last quarter's published figure for ``measure`` has since been revised by
    more than ``threshold`` (1%): what was published and what the data now say. Empty otherwise.

    Last quarter's figures are read from its published Board data pack
    (``outputs/<previous quarter>/board/data-pack.csv``), so only what was actually published counts.
    """
    previous = ctx.quarter.previous()
    path = config.outputs_dir() / previous.id / "board" / "data-pack.csv"
    ev = ctx.evidence(measure)
    if not path.exists() or not (ev.series.frequency == "monthly" and measure.is_count):
        return ""
    published = pd.read_csv(path)
    row = published[published["Measure id"] == measure.id]
    if row.empty or pd.isna(row["Quarter"].iloc[0]):
        return ""
    then = float(row["Quarter"].iloc[0])
    now = float(ev.series.window_values(previous.months).sum(min_count=3))
    if pd.isna(now) or then == 0 or abs(now / then - 1) <= threshold:
        return ""
    direction = "more" if now > then else "fewer"
    return notice(
        f"Revised figure: {previous.label} was published last quarter as {then:,.0f} {measure.unit}; the data now "
        f"give {now:,.0f} ({abs(now / then - 1):.1%} {direction}). data.police.uk revises earlier months as "
        "late-recorded crimes are added; comparisons here use the revised figures.", kind="info")


def _caveat_list(caveats, estimates) -> str:
    if not caveats:
        return ""
    items = []
    for cav in caveats:
        text = f"<strong>{escape(cav.ref)}: {escape(cav.title)}</strong> ({escape(str(cav.period))}). {escape(cav.wording)}"
        if cav.id in estimates:
            text += " " + escape(estimates[cav.id].describe())
        text += f' <span class="source">Source: {escape(cav.source)}.</span>'
        items.append(f"<li>{text}</li>")
    return f'<div class="caveats"><p class="caveats-title">Caveats that apply</p><ul>{"".join(items)}</ul></div>'


def measure_block(ctx: ReportContext, measure: Measure, *, level: int = 3) -> str:
    """Everything shown for one measure: chart, caveats, SPC, comparisons, comparators, numbers."""
    ev = ctx.evidence(measure)
    h = f"h{level}"
    parts = [f'<{h} id="measure-{measure.id}">{escape(measure.title)}</{h}>']
    if measure.description:
        parts.append(f'<p class="measure-description">{escape(measure.description)}</p>')
    parts.append(f'<p class="statement">{escape(ev.statement)}</p>')
    values = ev.window
    if not ev.series.available:
        parts.append(notice(" ".join(ev.series.notes) or "No figures are available for this measure.", kind="missing"))
        return "\n".join(parts)

    if values.dropna().empty:
        parts.append(notice(f"No figures for this measure up to the end of {ctx.quarter.label}: the series in the "
                            f"data store starts in {charts.month_name(ev.series.values.dropna().index.min())}.",
                            kind="missing"))
        return "\n".join(parts)
    place = ctx.plan.area_name
    markers = [(c.period, c.ref) for c in ev.caveats]
    if ev.series.frequency == "monthly":
        recorded = values.loc[max(values.index.min(), ctx.quarter.end - 59):]
        adjusted = ev.adjustment.seasadj.reindex(recorded.index) if ev.adjustment is not None and ev.adjustment.method != "none" else None
        first, last = recorded.index.min(), recorded.index.max()
        title = f"{measure.title}: {charts.describe_direction(adjusted if adjusted is not None else recorded)} over the latest year"
        subtitle = (f"Monthly recorded {measure.unit}, {charts.month_name(first)} to {charts.month_name(last)}"
                    + (", with seasonally adjusted series" if adjusted is not None else ""))
        fig = charts.trend_chart(recorded, title=title, subtitle=subtitle, source=ev.series.source_note.split(". ")[0],
                                 adjusted=adjusted, markers=markers,
                                 highlight=(ctx.quarter.start, ctx.quarter.end), unit=measure.unit)
        alt = charts.trend_alt_text(recorded, what=f"recorded {measure.title.lower()}", place=place,
                                    adjusted=adjusted, unit=measure.unit)
        parts.append(figure_html(fig, alt, escape(subtitle) + ". The shaded band is the reporting quarter."))
        parts.append(_caveat_list(ev.caveats, ev.shift_estimates))
        if ev.adjustment is not None:
            parts.append(f'<p class="method">{escape(ev.adjustment.describe())}</p>')
        table = pd.DataFrame({"Month": [str(m) for m in recorded.index], "Recorded": recorded.to_numpy()})
        if adjusted is not None:
            table["Seasonally adjusted"] = adjusted.round(1).to_numpy()
        parts.append(details_html(f"Numbers behind the chart: {measure.title}",
                                  table_html(table, f"{measure.title}, monthly, {place}")))
    else:
        points = values.dropna()
        kind = {"quarterly-rolling-12": "Rolling 12-month totals at each quarter's end",
                "snapshot": "Figures at each date published",
                "monthly-rolling-12": "Rolling 12-month figures, monthly"}.get(ev.series.frequency, "Figures")
        shown = points.loc[points.index.max() - 59:]
        first, last = shown.index.min(), shown.index.max()
        subtitle = f"{kind}, {charts.month_name(first)} to {charts.month_name(last)}"
        title = (f"{measure.title}: {charts.describe_direction(shown, sparse=True)} over the latest year"
                 if len(shown) > 1 else measure.title)
        fig = charts.trend_chart(shown, title=title, subtitle=subtitle, source=ev.series.source_note.split(". ")[0],
                                 markers=markers, highlight=(ctx.quarter.start, ctx.quarter.end), unit=measure.unit,
                                 connect=True)
        alt = charts.trend_alt_text(shown, what=measure.title.lower(), place=place, unit=measure.unit,
                                    kind=kind.lower())
        parts.append(figure_html(fig, alt, escape(subtitle) + ". The shaded band is the reporting quarter."))
        parts.append(_caveat_list(ev.caveats, ev.shift_estimates))
        table = pd.DataFrame({"Period ending": [str(m) for m in shown.index], "Value": shown.round(2).to_numpy()})
        parts.append(details_html(f"Numbers behind the chart: {measure.title}",
                                  table_html(table, f"{measure.title}, {place}")))

    if ev.spc is not None:
        fig = ev.spc.plot(title=f"{measure.title}: statistical process control chart ({ev.spc_basis})")
        alt = (f"Statistical process control chart of {ev.spc_basis} monthly {measure.title.lower()} in {place}, "
               f"{charts.month_name(ev.spc.table.index.min())} to {charts.month_name(ev.spc.table.index.max())}. "
               + ev.spc.describe())
        parts.append(figure_html(fig, alt, f"Process limits from the {ev.spc_basis} series. " + escape(ev.spc.describe())))
    elif ev.spc_basis:
        parts.append(notice(f"No control chart: {ev.spc_basis}.", kind="info"))

    rows = [comparison_row(f"{ctx.quarter.label} against {ctx.quarter.same_quarter_last_year().label}", ev.quarter_comparison),
            comparison_row(ctx.quarter.rolling_12_months().label + " against the 12 months before", ev.rolling_comparison),
            comparison_row(f"{ctx.quarter.fy_label} to date against the same months a year earlier", ev.ytd_comparison)]
    if any(r["This period"] is not None for r in rows):
        parts.append(table_html(pd.DataFrame([r for r in rows if r["This period"] is not None]),
                                f"{measure.title}: comparisons with 95% intervals"))
    parts.append(revision_note(ctx, measure))
    if pd.notna(ev.rate_per_1000):
        parts.append(f'<p>Rate: {ev.rate_per_1000:,.2f} {escape(measure.unit)} per 1,000 residents in the '
                     f"12 months to {charts.month_name(ctx.quarter.end)} (ONS mid-year population).</p>")
    if ev.comparator is not None:
        pos = ev.comparator
        parts.append(f"<p>{escape(pos.describe())}</p>")
        parts.append(figure_html(pos.plot(), pos.alt_text() if hasattr(pos, "alt_text") else pos.describe(),
                                 escape(f"{measure.title}: rate per 1,000 residents, comparator forces")))
        parts.append(details_html(f"Numbers behind the chart: {measure.title} in comparator forces",
                                  table_html(pos.table, f"{measure.title} per 1,000 residents, comparator forces")))
    for note in ev.notes:
        parts.append(notice(note, kind="info"))
    return "\n".join(p for p in parts if p)


class ObjectiveReport:
    """The quarterly report on one objective of the Plan.

    Parameters
    ----------
    quarter : str
        Quarter id (``'2016-17-Q2'``) or ``'auto'`` for the latest complete quarter in the store.
    objective : int
        Objective number.
    store : str, optional
        Data store folder (default: the project's store, built from the shipped data).
    """

    def __init__(self, quarter: str = "auto", objective: int = 1, store: "str | None" = None):
        self.ctx = ReportContext.create(quarter, store)
        self.objective: Objective = self.ctx.plan.objective(objective)

    @property
    def quarter(self) -> Quarter:
        return self.ctx.quarter

    def _measures(self):
        return self.objective.measures

    def header(self) -> None:
        """Heading: the objective's words as the Plan states them, the quarter."""
        o = self.objective
        self.ctx.header(f"Objective {o.number}: {o.title}", "Police and Crime Plan performance report")
        if o.summary:
            show(f'<p class="summary">{escape(o.summary)}</p>')

    def narrative(self) -> None:
        """The analysts' narrative for this objective and quarter."""
        self.ctx.narrative(self.objective.slug)

    def evidence(self) -> None:
        """Three to eight plain sentences, one per measure."""
        public, restricted = [], []
        for measure in self._measures():
            item = f"<li>{escape(self.ctx.evidence(measure).statement)}</li>"
            (restricted if measure.restricted else public).append(item)
        show(f'<ul class="evidence">{"".join(public)}</ul>')
        if restricted:
            show(f'<ul class="evidence restricted">{"".join(restricted)}</ul>', edition="board")

    def outcomes(self) -> None:
        """Outcome by outcome, measure by measure."""
        for outcome in self.objective.outcomes:
            show(f"<h2>Outcome: {escape(outcome.title)}</h2>")
            if all(m.restricted for m in outcome.measures):
                show(notice("The figures for this outcome are shown to the Board only; they are not published.",
                            kind="info"), edition="public")
            for measure in outcome.measures:
                show(measure_block(self.ctx, measure), edition="board" if measure.restricted else None)

    @cached_property
    def _prc_forces(self) -> list[str]:
        group = analysis.comparator_group(self.ctx.plan.force)
        return list(group.members) if group is not None else [self.ctx.plan.force]

    def published_by_others(self) -> None:
        """Official police recorded crime for the force and its comparators, and the reconciliation."""
        q = self.quarter
        rows = []
        for force in self._prc_forces:
            frame = data.recorded_crime(force=force, offence="all_excluding_fraud", store=self.ctx.store)
            frame = frame[frame["period_end"] <= q.end.to_timestamp(how="end")]
            if frame.empty:
                continue
            series = frame.groupby("period_end")["count"].sum().sort_index()
            latest_end = series.index[-1]
            year_before = latest_end - pd.DateOffset(years=1)
            before = series.get(pd.Timestamp(year_before.date()), float("nan"))
            population = analysis.population_for(force, q, self.ctx.store)
            rows.append({
                "Force": name_for(force),
                "12 months ending": latest_end.strftime("%d %B %Y").lstrip("0"),
                "Recorded crime (excl. fraud)": int(series.iloc[-1]),
                "Year before": int(before) if pd.notna(before) else None,
                "Change": _pct(series.iloc[-1] / before - 1) if pd.notna(before) and before else "not available",
                "Per 1,000 residents": round(series.iloc[-1] / population * 1000, 1) if pd.notna(population) else None,
            })
        if not rows:
            show(notice("No official recorded-crime figures are in the data store for this quarter.", kind="missing"))
            return
        show(table_html(pd.DataFrame(rows), "Police recorded crime excluding fraud, rolling 12 months (ONS / Home Office)"))
        show(notice(
            "Police recorded crime has not been designated as National Statistics since January 2014, when "
            "the UK Statistics Authority found it did not meet the required standard. Rises since 2014 largely "
            "reflect improvements in recording practice after the HMIC inspection of November 2014. Fraud is "
            "excluded: it has been recorded nationally by Action Fraud since 2013.", kind="caveat"))
        self._reconciliation()

    def _reconciliation(self) -> None:
        q = self.quarter
        # Financial years ending on or before the quarter, where both sources are complete.
        rows = []
        for fy_end in range(q.end.year - 3, q.end.year + 1):
            end = pd.Period(f"{fy_end}-03", freq="M")
            if end > q.end:
                continue
            months = [end - i for i in range(11, -1, -1)]
            police = data.monthly_counts(force=self.ctx.plan.force, crime_type="all_crime", by=("month",),
                                         store=self.ctx.store).set_index("month")["count"].reindex(pd.PeriodIndex(months, freq="M"))
            official = data.recorded_crime(force=self.ctx.plan.force, offence="all_excluding_fraud", store=self.ctx.store)
            official = official[official["period_end"].dt.to_period("M") == end]["count"].sum(min_count=1)
            if police.isna().any() or pd.isna(official):
                continue
            rows.append({"Year ending March": str(fy_end), "data.police.uk crimes (excl. ASB)": int(police.sum()),
                         "Official recorded crime (excl. fraud)": int(official),
                         "data.police.uk as % of official": f"{police.sum() / official:.1%}"})
        if rows:
            show("<h3>How data.police.uk figures reconcile with the official statistics</h3>")
            show(table_html(pd.DataFrame(rows), "Reconciliation of data.police.uk crimes with police recorded crime"))
            show("<p>data.police.uk counts crimes by the month they were recorded, as published each month; "
                 "the official statistics are finalised later. A share close to 100% shows the two agree.</p>")

    def wider_environment(self) -> None:
        """The national picture for the same measures, from every force in the data."""
        q = self.quarter
        rows = []
        national = all_slugs(territorial_only=True)  # the 43 territorial forces of England and Wales
        for measure in self._measures():
            if measure.source != "police_uk" or measure.restricted:
                continue
            ev = self.ctx.evidence(measure)
            totals = []
            for window in (q.rolling_12_months(), q.rolling_12_months_before()):
                months = window.months
                frame = data.monthly_counts(force=national, crime_type=list(measure.crime_types), by=("month", "force"),
                                            start=months[0], end=months[-1], store=self.ctx.store)
                complete = frame.groupby("force")["count"].apply(lambda s: s.notna().sum() == len(months))
                totals.append((frame, complete))
            (now, ok_now), (before, ok_before) = totals
            both = sorted(set(ok_now[ok_now].index) & set(ok_before[ok_before].index))
            if not both:
                continue
            current = now[now["force"].isin(both)]["count"].sum()
            previous = before[before["force"].isin(both)]["count"].sum()
            national_cmp = compare.compare_periods(current, 12, previous, 12)
            own = ev.rolling_comparison
            own_row = comparison_row("", own)
            rows.append({
                "Measure": measure.title,
                "Forces with complete data": len(both),
                "National, 12 months": int(current),
                "National change": comparison_row("", national_cmp)["Change"],
                f"{self.ctx.plan.force_name} change": own_row["Change"],
                f"{self.ctx.plan.force_name} 95% interval": own_row["95% interval"],
            })
        if not rows:
            show(notice("No national comparison can be made for this objective's measures: they are not "
                        "data.police.uk counts, or no force has complete figures in the data store for both the "
                        "latest 12 months and the 12 months before (a month missing is never counted as zero).",
                        kind="info"))
            return
        show(table_html(pd.DataFrame(rows), f"The national picture: 12 months to {charts.month_name(q.end)} against the 12 months before"))
        show("<p>National totals add up every force in England and Wales with complete data.police.uk "
             "figures for both periods (forces with a missing month are left out of both).</p>")

    def about(self) -> None:
        """Data sources and their dates, methods in one paragraph each, licence."""
        about_figures(self.ctx, self._measures())


def about_figures(ctx: ReportContext, measures) -> None:
    """The "About these figures" section shared by every report."""
    sources = sorted({m.source for m in measures})
    items = "".join(f"<li>{escape(SOURCE_NOTES[s])}</li>" for s in sources)
    last = data.last_month(store=ctx.store)
    show(f"<h3>Data sources</h3><ul>{items}</ul><p>The latest data.police.uk month in the data store is "
         f"{charts.month_name(last)}.</p>")
    show(
        "<h3>Methods</h3>"
        "<p><strong>Comparisons.</strong> Counts are compared as rate ratios with a two-sample Poisson score test and "
        "a 95% interval; a change is called statistically significant only when the test says so. A comparison that "
        "touches a missing month, or spans a recording change, says so.</p>"
        "<p><strong>Seasonal adjustment.</strong> Monthly series are tested for identifiable seasonality and adjusted "
        "with X-13ARIMA-SEATS (US Census Bureau), as the ONS does, with known recording changes as level shifts; STL is "
        "used, and labelled, where X-13 cannot run. Non-seasonal series are not adjusted.</p>"
        "<p><strong>Statistical process control.</strong> XmR charts as NHS England's Making Data Count defines them: "
        "limits at the mean plus or minus 2.66 times the mean moving range, recomputed from each recording change; "
        "special causes are points outside the limits, runs and trends of 7 points, and two of three points close to a limit.</p>"
        "<p><strong>Indicators, not targets.</strong> The figures are evidence about one element of performance, read "
        "with the narrative. No change is good or bad by itself; colour never carries meaning alone.</p>"
        "<p>Contains public sector information licensed under the Open Government Licence v3.0. The analyst's guide "
        "describes every method and its limits.</p>"
    )
