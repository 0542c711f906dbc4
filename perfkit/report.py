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

from perfkit import analysis, charts, config, data
from perfkit.display import details_html, escape, figure, figure_html, notice, show, show_markdown, table_html
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

    @cached_property
    def model(self):
        """The quarter's evidence model (:func:`perfkit.evidence.load`): every figure the views show."""
        from perfkit import evidence

        return evidence.load(self.plan, self.quarter, self.store)

    def evidence(self, measure: Measure) -> "analysis.MeasureEvidence":
        """The evidence for a measure this quarter, from the quarter's evidence model."""
        return self.model.measure(measure.id)

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
    if "measure_id" not in published.columns:  # a pack published before the evidence contract
        return ""
    row = published[published["measure_id"] == measure.id]
    if row.empty or pd.isna(row["quarter_value"].iloc[0]):
        return ""
    then = float(row["quarter_value"].iloc[0])
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
        kind = {"data-fault": "data fault", "status": "status of the statistics"}.get(cav.kind, "recording change")
        text = (f"<strong>{escape(cav.ref)}: {escape(cav.title)}</strong> ({escape(kind)}, {escape(cav.when())}). "
                f"{escape(cav.wording)}")
        if cav.id in estimates:
            text += " " + escape(estimates[cav.id].describe())
        text += f' <span class="source">Source: {escape(cav.source)}.</span>'
        items.append(f"<li>{text}</li>")
    return f'<div class="caveats"><p class="caveats-title">Caveats that apply</p><ul>{"".join(items)}</ul></div>'


def _comparison_rows(ctx: ReportContext, measure: Measure) -> list[dict]:
    """The comparison table of one measure: every cell a marked figure of its data-pack row."""
    row = ctx.model.row(measure.id)
    ev = ctx.evidence(measure)
    out = []
    spec = [("quarter_label", "quarter_value", "year_earlier_value", "change_pct", "change_low_pct", "change_high_pct",
             ev.quarter_comparison),
            ("rolling12_label", "rolling12_value", "rolling12_previous_value", "rolling12_change_pct",
             "rolling12_change_low_pct", "rolling12_change_high_pct", ev.rolling_comparison),
            (None, "ytd_value", "ytd_previous_value", "ytd_change_pct", None, None, ev.ytd_comparison)]
    for label_field, now, before, change, low, high, cmp in spec:
        if cmp is None or pd.isna(row.get(now)):
            continue
        label = (f"{cmp.label} against {cmp.label_ref}" if cmp.label_ref else str(cmp.label))
        interval = (f"{figure(row, low).html()} to {figure(row, high).html()}"
                    if low and pd.notna(row.get(low)) else (
                        "" if low else (f"{_pct(cmp.ci_low - 1)} to {_pct(cmp.ci_high - 1)}" if pd.notna(cmp.ci_low) else "")))
        out.append({"Comparison": label, "This period": figure(row, now), "Previous period": figure(row, before),
                    "Change": figure(row, change), "95% interval": interval, "Note": " ".join(cmp.notes)})
    return out


def measure_block(ctx: ReportContext, measure: Measure, *, level: int = 3, chart_months: int = analysis.CHART_MONTHS) -> str:
    """Everything shown for one measure: chart, caveats, SPC, comparisons, comparators, numbers."""
    ev = ctx.evidence(measure)
    row = ctx.model.row(measure.id)
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
    markers = [(c.period, c.ref) for c in ev.chart_caveats if not c.is_fault]
    change = ev.change_words()
    title = f"{measure.title}: {change}" if change else measure.title
    left_out = list(ev.left_out)
    if ev.series.frequency == "monthly":
        recorded = values.loc[max(values.index.min(), ctx.quarter.end - chart_months + 1):]
        adjusted = ev.adjustment.seasadj.reindex(recorded.index) if ev.adjustment is not None and ev.adjustment.method != "none" else None
        if adjusted is not None:
            adjusted = adjusted.where(recorded.notna())  # a left-out month has no adjusted value either
        first, last = recorded.index.min(), recorded.index.max()
        subtitle = (f"Monthly recorded {measure.unit}, {charts.month_name(first)} to {charts.month_name(last)}"
                    + (", with seasonally adjusted series" if adjusted is not None else ""))
        incomplete = ev.series.published.loc[first:last] if len(ev.series.published) else None
        fig = charts.trend_chart(recorded, title=title, subtitle=subtitle, source=ev.series.source_note.split(". ")[0],
                                 adjusted=adjusted, markers=markers, incomplete=incomplete,
                                 highlight=(ctx.quarter.start, ctx.quarter.end), unit=measure.unit)
        alt = charts.trend_alt_text(recorded, what=f"recorded {measure.title.lower()}", place=place,
                                    adjusted=adjusted, unit=measure.unit, change=change, left_out=left_out)
        parts.append(figure_html(fig, alt, escape(subtitle) + ". The shaded band is the reporting quarter."))
        parts.append(_caveat_list(ev.chart_caveats, ev.shift_estimates))
        if ev.adjustment is not None:
            parts.append(f'<p class="method">{escape(ev.adjustment.describe())}</p>')
        table = pd.DataFrame({"Month": [str(m) for m in recorded.index], "Recorded": recorded.to_numpy()})
        if adjusted is not None:
            table["Seasonally adjusted"] = adjusted.round(1).to_numpy()
        if left_out:
            table["Note"] = [f"incomplete ({ev.series.published.get(m, float('nan')):,.0f} published), left out "
                             f"(data fault {ev.left_out[m]})" if m in ev.left_out else "" for m in recorded.index]
        parts.append(details_html(f"Numbers behind the chart: {measure.title}",
                                  table_html(table, f"{measure.title}, monthly, {place}")))
    else:
        points = values.dropna()
        kind = {"quarterly-rolling-12": "Rolling 12-month totals at each quarter's end",
                "snapshot": "Figures at each date published",
                "snapshot-ratio": "The 12 months to each staffing date over the staff at that date"}.get(ev.series.frequency, "Figures")
        shown = points.loc[points.index.max() - chart_months + 1:]
        first, last = shown.index.min(), shown.index.max()
        subtitle = f"{kind}, {charts.month_name(first)} to {charts.month_name(last)}"
        fig = charts.trend_chart(shown, title=title, subtitle=subtitle, source=ev.series.source_note.split(". ")[0],
                                 markers=markers, highlight=(ctx.quarter.start, ctx.quarter.end), unit=measure.unit,
                                 connect=True)
        alt = charts.trend_alt_text(shown, what=measure.title.lower(), place=place, unit=measure.unit,
                                    kind=kind.lower(), change=change)
        parts.append(figure_html(fig, alt, escape(subtitle) + ". The shaded band is the reporting quarter."))
        parts.append(_caveat_list(ev.chart_caveats, ev.shift_estimates))
        if ev.snapshot:
            parts.append(f'<p class="latest">Latest figure: {figure(row, "quarter_value").html()} {escape(measure.unit)} '
                         f'({figure(row, "latest_month").html()}); a year earlier {figure(row, "year_earlier_value").html()}'
                         f' ({figure(row, "change_pct").html()}).</p>')
        table = pd.DataFrame({"Period ending": [str(m) for m in shown.index], "Value": shown.round(2).to_numpy()})
        parts.append(details_html(f"Numbers behind the chart: {measure.title}",
                                  table_html(table, f"{measure.title}, {place}")))

    if ev.spc is not None:
        fig = ev.spc.plot(title=f"{measure.title}: statistical process control chart ({ev.spc_basis})")
        alt = (f"Statistical process control chart of {ev.spc_basis} monthly {measure.title.lower()} in {place}, "
               f"{charts.month_name(ev.spc.table.index.min())} to {charts.month_name(ev.spc.table.index.max())}. "
               + ev.spc.describe())
        if left_out:
            alt += " " + ", ".join(charts.month_name(m) for m in left_out) + " is left out (incomplete data) and not plotted."
        parts.append(figure_html(fig, alt, f"Process limits from the {ev.spc_basis} series. " + escape(ev.spc.describe())))
        parts.append(f'<p class="spc-verdict">SPC verdict: {figure(row, "spc_variation").html()}.</p>')
    elif ev.spc_basis:
        parts.append(notice(f"No control chart: {ev.spc_basis}.", kind="info"))

    rows = _comparison_rows(ctx, measure)
    if rows:
        parts.append(table_html(pd.DataFrame(rows), f"{measure.title}: comparisons with 95% intervals",
                                raw_html_columns=["95% interval"]))
    parts.append(revision_note(ctx, measure))
    if pd.notna(ev.rate_per_1000):
        scaled = f" (from {ev.rate_months} months with data, scaled to 12)" if ev.rate_months < 12 else ""
        window = ev.rolling_comparison.window if ev.rolling_comparison is not None else ctx.quarter.rolling_12_months()
        parts.append(f'<p>Rate: {figure(row, "rate_per_1000").html()} {escape(measure.unit)} per 1,000 residents in the '
                     f"12 months to {charts.month_name(window.end)}{escape(scaled)} (ONS mid-year population, "
                     f"{ev.population_year}).</p>")
    if ev.comparator is not None:
        pos = ev.comparator
        parts.append(f"<p>{escape(pos.describe())}</p>")
        parts.append(figure_html(pos.plot(), pos.alt_text() if hasattr(pos, "alt_text") else pos.describe(),
                                 escape(f"{measure.title}: rate per 1,000 residents, comparator forces")))
        parts.append(details_html(f"Numbers behind the chart: {measure.title} in comparator forces",
                                  table_html(pos.table, f"{measure.title} per 1,000 residents, comparator forces")))
    if ev.dispersion is not None:
        parts.append(f'<p class="method">Test of change: {escape(row["test"]) if isinstance(row["test"], str) else ""}. '
                     f'Over-dispersion estimated from the monthly series: {figure(row, "dispersion").html()} '
                     "times the Poisson variance.</p>")
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

    def published_by_others(self) -> None:
        """Official police recorded crime for the force and its comparators, and the reconciliation."""
        official = self.ctx.model.official
        if official.empty:
            show(notice("No official recorded-crime figures are in the data store for this quarter.", kind="missing"))
            return
        table = pd.DataFrame({
            "Force": official["force_name"], "12 months ending": official["period_end"],
            "Recorded crime (excl. fraud)": official["value"], "Year before": official["previous_value"],
            "Change": [_pct(v / 100) for v in official["change_pct"]],
            "Per 1,000 residents": official["rate_per_1000"],
        })
        show(table_html(table, "Police recorded crime excluding fraud, rolling 12 months (ONS / Home Office)"))
        status = next((c for c in self.ctx.model.caveats if c.kind == "status"), None)
        text = ("These are official statistics. Rises since 2014 largely reflect improvements in recording practice "
                "after the HMIC inspection of November 2014. Fraud is excluded: it has been recorded nationally by "
                "Action Fraud since 2013.")
        if status is not None:
            text = f"{status.wording} ({status.ref}.) " + text
        show(notice(text, kind="caveat"))
        self._reconciliation()

    def _reconciliation(self) -> None:
        rec = self.ctx.model.reconciliation
        if rec.empty:
            return
        table = pd.DataFrame({
            "Period": rec["period"], "data.police.uk crimes (excl. ASB), as published": rec["police_uk"],
            "Official recorded crime (excl. fraud)": rec["official"],
            "data.police.uk as % of official": [f"{v:.1f}%" for v in rec["share_pct"]],
            "Check": [("outside 97% to 101%: " + c) if f else "within 97% to 101%" for f, c in zip(rec["flagged"], rec["likely_cause"])],
        })
        show("<h3>How data.police.uk figures reconcile with the official statistics</h3>")
        show(table_html(table, "Reconciliation of data.police.uk crimes with police recorded crime"))
        flagged = rec[rec["flagged"]]
        text = ("data.police.uk counts crimes by the month they were recorded, as published each month; the official "
                "statistics are finalised later, and data.police.uk normally holds 98% to 100% of them. ")
        if flagged.empty:
            text += "Every period shown is within 97% to 101%."
        else:
            text += ("A share outside 97% to 101% means the published data.police.uk figures are incomplete or "
                     f"otherwise differ for {', '.join(flagged['period'])}: " + "; ".join(flagged["likely_cause"]) + ".")
        show(f"<p>{escape(text)}</p>")

    def wider_environment(self) -> None:
        """The national picture for the same measures, from every force in the data."""
        q = self.quarter
        national = self.ctx.model.national
        ids = [m.id for m in self._measures() if m.source == "police_uk" and not m.restricted]
        part = national[national["measure_id"].isin(ids)] if not national.empty else national
        if part.empty:
            show(notice("No national comparison can be made for this objective's measures: they are not "
                        "data.police.uk counts, or no force has complete figures in the data store for both the "
                        "latest 12 months and the 12 months before (a month missing is never counted as zero).",
                        kind="info"))
            return
        name = self.ctx.plan.force_name
        own = [self.ctx.model.row(mid) for mid in part["measure_id"]]
        table = pd.DataFrame({
            "Measure": part["measure"].to_numpy(), "Forces with complete data": part["forces_complete"].to_numpy(),
            "National, 12 months": part["national_value"].to_numpy(),
            "National change": [_pct(v / 100) for v in part["national_change_pct"]],
            f"{name} change": [figure(r, "rolling12_change_pct") for r in own],
            f"{name} 95% interval": [f"{figure(r, 'rolling12_change_low_pct').html()} to {figure(r, 'rolling12_change_high_pct').html()}"
                                     if pd.notna(r.get("rolling12_change_low_pct")) else "" for r in own],
        })
        show(table_html(table, f"The national picture: 12 months to {charts.month_name(q.end)} against the 12 months before",
                        raw_html_columns=[f"{name} 95% interval"]))
        left = sorted({f for cell in part["forces_left_out"] for f in cell.split(", ") if f})
        text = ("National totals add up every territorial force of England and Wales with complete data.police.uk "
                "figures for both periods: a force with a month missing or registered as a data fault is left out of "
                "both, never counted as zero.")
        if left:
            text += f" Left out: {', '.join(left)}."
        show(f"<p>{escape(text)}</p>")

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
