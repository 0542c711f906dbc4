"""One call per report section: what the notebooks run.

A notebook creates a report object from its parameters and calls one method per section; the
narrative text between sections lives in the notebook's markdown cells. Each method returns a
:class:`perfkit.present.section.Section`: the HTML it shows (figures with alt text, tables with captions,
notices, each from a template in ``perfkit/present/templates/blocks``), the frames behind it
(``section.data``) and its figures (``section.figures``). A cell that ends with the call displays it.

- :class:`ObjectiveReport`: one Plan objective, narrative first.
- :class:`perfkit.reports.deepdive.DeepDive` and :class:`perfkit.reports.datapack.DataPack` build on
  :class:`ReportContext` the same way.

The analyst's choices (``chart_months``, ``seasonal_method``, ``comparator_group``) are
:class:`Options`, passed from the notebook's parameters cell to the evidence model.

Examples
--------
>>> r = ObjectiveReport(quarter="2016-17-Q2", objective=3)   # doctest: +SKIP
>>> s = r.outcomes()                                            # doctest: +SKIP
>>> s.data["burglary/monthly"], s.data["burglary/spc"]          # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from perfkit.evidence import analysis
from perfkit.present import charts, stat_charts, statements, words
from perfkit import config, data
from perfkit.present.display import (Html, Markup, details_html, figure, figure_html, heading, notice, paragraph, render,
                             table_html)
from perfkit.errors import ConfigError
from perfkit.data.measures import source_note
from perfkit.periods import Quarter
from perfkit.config.plan import Measure, Objective, Plan, load_plan
from perfkit.config.quarter import QuarterSettings, load_narrative, load_quarter
from perfkit.present.section import Section, frame_of, report_repr, section
from perfkit.present.markup import narrative_html
from perfkit.present.qualitative import qualitative_table

__all__ = ["ReportContext", "ObjectiveReport", "Options", "measure_block", "measure_section",
           "narrative_section", "qualitative_section", "monthly_frame", "monthly_table", "harm_view", "MISSING_NARRATIVE", "EXAMPLE_LABEL"]

#: What a published page says where the analysts' narrative is not written (no file path: the
#: analysts' pre-publication checks list what is missing).
MISSING_NARRATIVE = "Commentary for this report is not available for this quarter."

#: The label shown wherever a narrative marked as example text is shown.
EXAMPLE_LABEL = "Example text written for the shipped data"

_SEASONAL_METHODS = ("auto", "x13", "stl", "none")


@dataclass(frozen=True)
class Options:
    """The analyst's choices, from a notebook's parameters cell.

    Attributes
    ----------
    chart_months : int
        Months a measure's chart shows, to the quarter's end (default 60, five years).
    seasonal_method : str
        ``'auto'`` (X-13 where it runs, else STL), ``'x13'``, ``'stl'`` or ``'none'``.
    comparator_group : str
        A group named in ``params/comparators.yaml``; ``''`` for the force's default group.
    """

    chart_months: int = analysis.CHART_MONTHS
    seasonal_method: str = "auto"
    comparator_group: str = ""

    def __post_init__(self):
        try:
            months = int(self.chart_months)
        except (TypeError, ValueError):
            months = 0
        if months < 12:
            raise ConfigError(f"notebook parameter chart_months: found {self.chart_months!r}; expected a whole "
                              "number of months, at least 12")
        object.__setattr__(self, "chart_months", months)
        method = str(self.seasonal_method or "auto").strip().lower()
        if method not in _SEASONAL_METHODS:
            raise ConfigError(f"notebook parameter seasonal_method: found {self.seasonal_method!r}; expected one "
                              f"of {', '.join(_SEASONAL_METHODS)}")
        object.__setattr__(self, "seasonal_method", method)
        group = str(self.comparator_group or "").strip()
        if group:
            from perfkit.stats import compare

            groups = compare.load_comparators()
            if group not in groups:
                raise ConfigError(f"notebook parameter comparator_group: found {group!r}; expected a group of "
                                  f"params/comparators.yaml: {', '.join(groups) or 'none is configured'}")
        object.__setattr__(self, "comparator_group", group)


@dataclass
class ReportContext:
    """What every report needs: the quarter, the Plan, the quarter's settings, the store and the
    analyst's :class:`Options`."""

    quarter: Quarter
    plan: Plan
    settings: QuarterSettings
    store: "str | None" = None
    options: Options = field(default_factory=Options)
    _model: object = field(default=None, repr=False, compare=False)
    #: What this page has already said in full (caveat ids, notes): said once per page, then referred to.
    said: set = field(default_factory=set, repr=False, compare=False)

    @classmethod
    def create(cls, quarter: "str | Quarter" = "auto", store: "str | None" = None,
               options: "Options | None" = None, params: "str | None" = None) -> "ReportContext":
        """Resolve parameters as a notebook passes them (strings; ``""`` means default).

        A ``params`` folder is used as ``PERFKIT_PARAMS`` would be (:func:`perfkit.config.use_locations`).
        """
        config.use_locations(params)
        store = store or None
        if store is None:
            data.ensure_store()
        q = data.resolve_quarter(quarter, store)
        return cls(q, load_plan(), load_quarter(q), store, options or Options())

    @property
    def force_name(self) -> str:
        """The force's name as the Plan gives it."""
        return self.plan.force_name

    def __repr__(self) -> str:
        return f"<ReportContext: {self.describe()}>"

    def describe(self) -> str:
        """The force, the quarter, the store and any option not at its default, in a few words
        (the report objects' reprs)."""
        store = self.store or config.store_dir()
        options = ", ".join(f"{k}={v!r}" for k, v in vars(self.options).items()
                            if v != getattr(Options, k, None))
        return f"{self.force_name}, {self.quarter.long_label}, store {store}" + (f", {options}" if options else "")

    def refresh(self) -> None:
        """Look the evidence model up again (each section does, first): the model is keyed by the
        content of its inputs, so an edited register or a new ingest gives the new one, and an
        unchanged one is read from memory."""
        self._model = None

    @property
    def model(self):
        """The quarter's evidence model (:func:`perfkit.evidence.load`): every figure the views show."""
        if self._model is None:
            from perfkit import evidence

            self._model = evidence.load(self.plan, self.quarter, self.store, options=self.options)
        return self._model

    def evidence(self, measure: Measure) -> "analysis.MeasureEvidence":
        """The evidence for a measure this quarter, from the quarter's evidence model."""
        return self.model.measure(measure.id)

    def header(self, out: Section, title: str, kind: str) -> None:
        """The page's one ``h1`` and the line under it."""
        out.markdown(f"# {title}")
        out.html(render("lede", kind=kind, quarter=self.quarter.long_label, plan_name=self.plan.name_for(self.quarter), force=self.plan.force_name,
                        date=self.settings.publication_date or "not yet published"))

    def narrative(self, out: Section, report: str) -> None:
        """The analysts' narrative, or a neutral line when none is written."""
        out.extend(narrative_section(self.quarter, report))


def narrative_section(quarter: Quarter, report: str) -> Section:
    """The narrative of ``report`` as a page shows it: the text (each edition its own), with the
    example label when the file is marked example; a neutral line when nothing is written."""
    out = Section("narrative")
    text = load_narrative(quarter, report)
    if not text.written:
        out.html(paragraph(MISSING_NARRATIVE, "narrative-missing"))
        return out
    label = render("example-label") if text.example else ""
    # Rendered and cleaned to the allow-list of perfkit.present.markup: pasted markup never runs on
    # a page (what was removed is listed on the analysts' checks page).
    public, board = text.for_edition("public"), text.for_edition("board")
    out.html(label)
    if public == board:
        out.html(narrative_html(public).html)
    else:
        out.html(narrative_html(board).html, edition="board")
        out.html(narrative_html(public).html, edition="public")
    out.data["narrative"] = pd.DataFrame({"report": [report], "headline": [text.headline],
                                          "example": [text.example]})
    return out


def qualitative_section(model, objective: int) -> Section:
    """The objective's qualitative evidence (inspection findings, victims' feedback, partners'
    information) as a short table, each edition its own (restricted items in the Board's only);
    an empty section when the quarter has none for the objective: nothing is shown, not a placeholder.
    ``data["qualitative"]``: the items of the Board edition, as values."""
    out = Section("qualitative evidence")
    board, public = model.qualitative_for(objective, "board"), model.qualitative_for(objective, "public")
    if not board:
        return out
    anchor = f"qualitative-evidence-{objective}"
    if board == public:
        out.html(qualitative_table(public, objective, anchor))
    else:
        out.html(qualitative_table(board, objective, anchor), edition="board")
        if public:
            out.html(qualitative_table(public, objective, anchor), edition="public")
    out.data["qualitative"] = pd.DataFrame([vars(i) for i in board])
    return out


def _change_cell(value) -> str:
    return words.signed_percent(value)


def revision_note(ctx: ReportContext, measure: Measure) -> str:
    """A notice when last quarter's published figure for ``measure`` has since been revised (the
    evidence model's :func:`perfkit.evidence.revisions`: by more than 1%, read from last quarter's
    published Board data pack). Empty otherwise."""
    rev = ctx.model.revision(measure.id)
    if rev is None:
        return ""
    direction = "more" if rev["now"] > rev["published"] else "fewer"
    return notice(
        f"Revised figure: {rev['quarter_label']} was published last quarter as {words.count(rev['published'])} "
        f"{measure.unit}; the data now give {words.count(rev['now'])} ({words.percent(abs(rev['change_pct']))} "
        f"{direction}). data.police.uk revises earlier months as late-recorded crimes are added; comparisons here "
        "use the revised figures.",
        kind="info")


_CAVEAT_KINDS = {"data-fault": "data fault", "status": "status of the statistics"}


def caveat_list(caveats, estimates, said: "set | None" = None) -> Markup:
    """The caveats that qualify a chart, each with its label, kind, date, wording, estimated size and
    source. A caveat already given in full on the page (its id in ``said``) is referred to by its
    label only, so the page says each caveat once."""
    said = set() if said is None else said
    items, again = [], []
    for c in caveats:
        if c.id in said:
            again.append(c.ref)
            continue
        said.add(c.id)
        items.append({"ref": c.ref, "title": c.title, "kind": _CAVEAT_KINDS.get(c.kind, "recording change"),
                      "when": c.when(), "wording": c.wording,
                      "estimate": statements.shift_estimate_sentence(estimates[c.id]) if c.id in estimates else "",
                      "source": c.source})
    return render("caveats", caveats=items, again=again)


def _comparison_rows(ctx: ReportContext, measure: Measure) -> list[dict]:
    """The comparison table of one measure: every cell a marked figure of its data-pack row."""
    row = ctx.model.row(measure.id)
    ev = ctx.evidence(measure)
    out = []
    spec = [("quarter_value", "year_earlier_value", "change_pct", "change_low_pct", "change_high_pct",
             ev.quarter_comparison),
            ("rolling12_value", "rolling12_previous_value", "rolling12_change_pct",
             "rolling12_change_low_pct", "rolling12_change_high_pct", ev.rolling_comparison),
            ("ytd_value", "ytd_previous_value", "ytd_change_pct", None, None, ev.ytd_comparison)]
    for now, before, change, low, high, cmp in spec:
        if cmp is None and now == "rolling12_value" and ev.long_window is not None:
            out.extend(_small_number_rows(row, ev.long_window))
            continue
        if cmp is None or pd.isna(row.get(now)):
            continue
        label = (f"{cmp.label} against {cmp.label_ref}" if cmp.label_ref else str(cmp.label))
        if low and pd.notna(row.get(low)):
            interval = Html(render("range", low=figure(row, low), high=figure(row, high)))
        elif not low and pd.notna(cmp.ci_low):
            interval = Html(render("range", low=words.signed_percent(100 * (cmp.ci_low - 1)),
                                   high=words.signed_percent(100 * (cmp.ci_high - 1))))
        else:
            interval = ""
        out.append({"Comparison": label, "This period": figure(row, now), "Previous period": figure(row, before),
                    "Change": figure(row, change), "95% interval": interval,
                    "Note": " ".join(statements.comparison_notes(cmp))})
    return out


def _small_number_rows(row: dict, lw) -> list[dict]:
    """The comparison rows of a small count: the 12 months and the longer window, as counts only
    (every figure a marked cell of the data-pack row)."""
    note = (f"Fewer than {words.count(lw.below)} a year: no percentage change or test, as chance alone moves counts "
            "this small a lot.")
    years = words.number_word(lw.years)
    out = [{"Comparison": f"{row['rolling12_label']} against the 12 months to {words.month(lw.end - 12)}",
            "This period": figure(row, "rolling12_value"), "Previous period": figure(row, "rolling12_previous_value"),
            "Change": "not given", "95% interval": "", "Note": note}]
    if pd.notna(row.get("long_window_value")):
        out.append({"Comparison": f"{row['long_window_label']} against the {years} years before",
                    "This period": figure(row, "long_window_value"),
                    "Previous period": figure(row, "long_window_previous_value"),
                    "Change": "not given", "95% interval": "", "Note": note})
    return out


def _plain(rows: list[dict]) -> pd.DataFrame:
    """A table of figures and fragments as plain values (for :attr:`Section.data`)."""
    def value(v):
        if hasattr(v, "value") and hasattr(v, "field"):
            return v.value
        return Markup(str(v)).striptags() if isinstance(v, (Markup, Html)) else v
    return pd.DataFrame([{k: value(v) for k, v in r.items()} for r in rows])


def _method_notes(ev) -> list:
    notes = getattr(ev, "method_notes", None)
    return list(notes) if notes else []


def monthly_frame(ev, months: "pd.PeriodIndex | None" = None) -> pd.DataFrame:
    """The monthly table behind a measure's trend chart, the same columns in every quarter (a
    column that does not apply is empty, not absent): ``recorded``, ``seasonally_adjusted`` (blank
    for a month left out, and when the series is not adjusted), ``published`` (the count the source
    published, where the store knows it) and ``left_out`` (the data fault's label, or ""), indexed by
    ``month``. ``months`` limits it to the chart's months (default the measure's window)."""
    recorded = ev.window if months is None else ev.window.reindex(months)
    adjusted = (ev.adjustment.seasadj.reindex(recorded.index)
                if ev.adjustment is not None and ev.adjustment.method != "none"
                else pd.Series(np.nan, index=recorded.index))
    published = (ev.series.published.reindex(recorded.index) if len(ev.series.published)
                 else pd.Series(np.nan, index=recorded.index))
    frame = pd.DataFrame({"recorded": recorded, "seasonally_adjusted": adjusted.where(recorded.notna()),
                          "published": published.astype(float),
                          "left_out": [ev.left_out.get(m, "") for m in recorded.index]})
    return frame.rename_axis("month")


def monthly_table(ev, months: pd.PeriodIndex, caption: str) -> Markup:
    """The numbers behind a measure's monthly chart, as a table: each month's recorded count, its
    seasonally adjusted value when the series is adjusted, and a note for every month without a
    figure saying why (a data fault left out, with the count the source published; or no figures
    in the source files for the month)."""
    frame = monthly_frame(ev, months)
    table = pd.DataFrame({"Month": [str(m) for m in frame.index], "Recorded": frame["recorded"].to_numpy()})
    if ev.adjustment is not None and ev.adjustment.method != "none":
        table["Seasonally adjusted"] = frame["seasonally_adjusted"].round(1).to_numpy()
    notes = [statements.month_note(row.left_out, row.published) if pd.isna(row.recorded) else ""
             for row in frame.itertuples()]
    if any(notes):
        table["Note"] = notes
    return table_html(table, caption)


def measure_section(ctx: ReportContext, measure: Measure, *, level: int = 3,
                    chart_months: "int | None" = None) -> Section:
    """Everything shown for one measure (chart, caveats, SPC, comparisons, comparators, numbers),
    with the frames behind it: ``<id>/monthly`` (or ``<id>/series``), ``<id>/spc``,
    ``<id>/comparisons``, ``<id>/comparators``; and its figures under the same names."""
    chart_months = chart_months or ctx.options.chart_months
    ev = ctx.evidence(measure)
    row = ctx.model.row(measure.id)
    out = Section(measure.id)
    mid = measure.id
    parts: list = []

    def block():
        # The headline is the page's "What the evidence says" line; the block gives the rest once,
        # and a sentence another measure's block has already said on the page is not said again
        # (a recording change that qualifies two measures: each block's caveat list refers to it).
        rest = []
        for sentence in ev.sentences[1:]:
            if f"sentence:{sentence}" not in ctx.said:
                ctx.said.add(f"sentence:{sentence}")
                rest.append(sentence)
        out.html(render("measure", level=level, measure_id=mid, title=measure.title,
                        description=statements.measure_description(measure), statement=" ".join(rest),
                        parts=[p for p in parts if p]))
        return out

    values = ev.window
    if not ev.series.available:
        # Neutral on a published page: what to supply, and where, is for the analysts' checks.
        parts.append(notice(f"Figures for {words.lower_first(measure.title)} are not available for "
                            f"{ctx.quarter.label}. {ev.unavailable_reason}", kind="missing"))
        return block()
    if values.dropna().empty:
        parts.append(notice(f"No figures for this measure up to the end of {ctx.quarter.label}: its figures "
                            f"start in {words.month(ev.series.values.dropna().index.min())}.",
                            kind="missing"))
        return block()
    place = ctx.plan.area_name
    markers = [(c.period, c.ref) for c in ev.chart_caveats if not c.is_fault]
    change = ev.change_words()
    title = f"{measure.title}: {change}" if change else measure.title
    left_out = list(ev.left_out)
    band = "The shaded band is the reporting quarter."
    if ev.series.frequency == "monthly":
        recorded = values.loc[max(values.index.min(), ctx.quarter.end - chart_months + 1):]
        adjusted = (ev.adjustment.seasadj.reindex(recorded.index)
                    if ev.adjustment is not None and ev.adjustment.method != "none" else None)
        if adjusted is not None:
            adjusted = adjusted.where(recorded.notna())  # a left-out month has no adjusted value either
        first, last = recorded.index.min(), recorded.index.max()
        subtitle = (f"Monthly recorded {measure.unit}, {words.month(first)} to {words.month(last)}"
                    + (", with seasonally adjusted series" if adjusted is not None else ""))
        incomplete = ev.series.published.loc[first:last] if len(ev.series.published) else None
        fig = charts.trend_chart(recorded, title=title, subtitle=subtitle, source=ev.series.source_note.split(". ")[0],
                                 adjusted=adjusted, markers=markers, incomplete=incomplete,
                                 highlight=(ctx.quarter.start, ctx.quarter.end), unit=measure.unit)
        alt = charts.trend_alt_text(recorded, what=f"recorded {measure.title.lower()}", place=place,
                                    adjusted=adjusted, unit=measure.unit, change=change, left_out=left_out)
        out.figures[f"{mid}/trend"] = fig
        parts.append(figure_html(fig, alt, f"{measure.title}: {words.lower_first(subtitle)}. {band}"))
        parts.append(caveat_list(ev.chart_caveats, ev.shift_estimates, ctx.said))
        out.data[f"{mid}/monthly"] = monthly_frame(ev, recorded.index)
        parts.append(details_html(f"Numbers behind the chart: {measure.title}",
                                  monthly_table(ev, recorded.index, f"{measure.title}, monthly, {place}")))
    else:
        points = values.dropna()
        kind = {"quarterly-rolling-12": "Rolling 12-month totals at each quarter's end",
                "snapshot": "Figures at each date published",
                "snapshot-ratio": "The 12 months to each staffing date over the staff at that date"}.get(
                    ev.series.frequency, "Figures")
        # an official offence group: the long-run series, since its first published total, with every
        # recording change that touches the group marked
        shown = points if measure.offence_groups else points.loc[points.index.max() - chart_months + 1:]
        first, last = shown.index.min(), shown.index.max()
        subtitle = f"{kind}, {words.month(first)} to {words.month(last)}"
        fig = charts.trend_chart(shown, title=title, subtitle=subtitle, source=ev.series.source_note.split(". ")[0],
                                 markers=markers, highlight=(ctx.quarter.start, ctx.quarter.end), unit=measure.unit,
                                 connect=True)
        alt = charts.trend_alt_text(shown, what=measure.title.lower(), place=place, unit=measure.unit,
                                    kind=kind.lower(), change=change)
        out.figures[f"{mid}/trend"] = fig
        out.data[f"{mid}/series"] = frame_of(shown, "value").rename_axis("period_ending")
        parts.append(figure_html(fig, alt, f"{measure.title}: {words.lower_first(subtitle)}. {band}"))
        parts.append(caveat_list(ev.chart_caveats, ev.shift_estimates, ctx.said))
        if ev.snapshot:
            parts.append(render("latest", value=figure(row, "quarter_value"), unit=measure.unit,
                                month=figure(row, "latest_month"), before=figure(row, "year_earlier_value"),
                                change=figure(row, "change_pct")))
        table = pd.DataFrame({"Period ending": [str(m) for m in shown.index], "Value": shown.round(2).to_numpy()})
        parts.append(details_html(f"Numbers behind the chart: {measure.title}",
                                  table_html(table, f"{measure.title}, {place}")))

    if ev.spc is not None:
        fig = stat_charts.control_chart(ev.spc, title=f"{measure.title}: statistical process control chart "
                                                      f"({ev.spc_basis})", note=" ".join(statements.spc_warnings(ev.spc)))
        alt = (f"Statistical process control chart of {ev.spc_basis} monthly {measure.title.lower()} in {place}, "
               f"{words.month(ev.spc.table.index.min())} to {words.month(ev.spc.table.index.max())}. "
               + statements.spc_describe(ev.spc, measure.title))
        if left_out:
            alt += " " + words.months(left_out) + (" is" if len(left_out) == 1 else " are") + \
                " left out (incomplete data) and not plotted."
        out.figures[f"{mid}/spc"] = fig
        out.data[f"{mid}/spc"] = ev.spc.table
        parts.append(figure_html(fig, alt, f"{measure.title}: monthly {ev.spc_basis} figures with the centre line "
                                           f"and process limits, {words.month(ev.spc.table.index.min())} to "
                                           f"{words.month(ev.spc.table.index.max())}."))
        parts.append(paragraph(Markup("Control chart of {}: {}.").format(words.lower_first(measure.title),
                                                                       figure(row, "spc_variation")), "spc-verdict"))
    elif ev.spc_basis:
        parts.append(notice(statements.no_spc_reason(ev.spc_basis), kind="info"))

    rows = _comparison_rows(ctx, measure)
    if rows:
        out.data[f"{mid}/comparisons"] = _plain(rows)
        parts.append(table_html(pd.DataFrame(rows), f"{measure.title}: comparisons with 95% intervals"))
    parts.append(revision_note(ctx, measure))
    if pd.notna(ev.rate):
        window = ev.rolling_comparison.window if ev.rolling_comparison is not None else ctx.quarter.rolling_12_months()
        if ev.long_window is not None:
            window = ev.long_window
        parts.append(render("comparisons", rate=figure(row, "rate"), unit=measure.unit, per=words.per_residents(measure.rate_per),
                            month=words.month(window.end), scaled=ev.rate_months < 12, months=ev.rate_months,
                            population_year=ev.population_year,
                            years=words.number_word(ev.long_window.years) if ev.long_window is not None else ""))
    elif ev.rate_missing:
        parts.append(paragraph(f"{statements.rate_missing(ev)}.", "rate-missing"))
    if ev.comparator is not None:
        pos = ev.comparator
        fig = stat_charts.comparator_chart(pos, value_label=lambda x: statements.comparator_rate(pos, x))
        out.figures[f"{mid}/comparators"] = fig
        out.data[f"{mid}/comparators"] = pos.table
        said = " ".join(statements.comparator_sentences(pos))
        parts.append(paragraph(said))
        group = getattr(pos, "group", None)
        if group is not None and f"group:{group.name}" not in ctx.said:  # the group is described once a page
            ctx.said.add(f"group:{group.name}")
            parts.append(paragraph(f"The {words.lower_first(group.title)} ({len(group.members)} forces, named in the "
                                   f"table below the chart): {words.lower_first(group.source).rstrip('.')}.",
                                   "comparator-group"))
        per = words.per_residents(measure.rate_per)
        parts.append(figure_html(fig, said, f"{measure.title}: rate {per}, comparator forces"))
        # the rates as the sentences show them (a rare offence's to two significant figures)
        readable = pd.DataFrame({"Force": pos.table["name"],
                                 f"Rate {per}": [statements.comparator_rate(pos, x) for x in pos.table["rate"]],
                                 "Rank (1 = highest)": pos.table["rank"],
                                 "This force": ["yes" if f else "" for f in pos.table["is_force"]]})
        parts.append(details_html(f"Numbers behind the chart: {measure.title} in comparator forces",
                                  table_html(readable, f"{measure.title} {per}, comparator forces",
                                             number_columns=[f"Rate {per}"])))
    parts.append(render("method-notes", summary=f"How the figures for {measure.title.lower()} were worked out",
                        notes=_method_notes(ev)))
    for note in ev.notes:
        if note not in ctx.said:  # a note that holds for several measures is said once on the page
            ctx.said.add(note)
            parts.append(notice(note, kind="info"))
    return block()


def measure_block(ctx: ReportContext, measure: Measure, *, level: int = 3, chart_months: "int | None" = None) -> str:
    """The HTML of :func:`measure_section` (one measure's block)."""
    return measure_section(ctx, measure, level=level, chart_months=chart_months).html_for()


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
    chart_months, seasonal_method, comparator_group
        The analyst's choices (:class:`Options`).
    params : str, optional
        Parameters folder (default ``params/``, or ``PERFKIT_PARAMS``).
    """

    def __init__(self, quarter: str = "auto", objective: int = 1, store: "str | None" = None, *,
                 chart_months: int = analysis.CHART_MONTHS, seasonal_method: str = "auto",
                 comparator_group: str = "", params: str = ""):
        options = Options(chart_months, seasonal_method, comparator_group)
        self.ctx = ReportContext.create(quarter, store, options, params)
        self.objective: Objective = self.ctx.plan.objective(objective)

    @property
    def quarter(self) -> Quarter:
        """The reporting quarter."""
        return self.ctx.quarter

    def __repr__(self) -> str:
        o = self.objective
        return report_repr(self, f"objective {o.number} ({o.title}), {self.ctx.describe()}")

    def _measures(self):
        return self.objective.measures

    @section("header")
    def header(self, out: Section) -> None:
        """Heading: the objective's words as the Plan states them, the quarter."""
        o = self.objective
        self.ctx.header(out, f"Objective {o.number}: {o.title}", "Police and Crime Plan performance report")
        if o.summary:
            out.html(paragraph(o.summary, "summary"))

    @section("narrative")
    def narrative(self, out: Section) -> None:
        """The analysts' narrative for this objective and quarter, then the quarter's qualitative
        evidence for it (:func:`qualitative_section`; nothing when there is none)."""
        self.ctx.narrative(out, self.objective.slug)
        out.extend(qualitative_section(self.ctx.model, self.objective.number))

    @section("evidence")
    def evidence(self, out: Section) -> None:
        """One statement per measure; ``data["statements"]`` and, per measure, the frames behind
        its chart (``<id>/monthly``, ``<id>/spc``)."""
        public, restricted, rows = [], [], []
        for measure in self._measures():
            ev = self.ctx.evidence(measure)
            (restricted if measure.restricted else public).append(Markup('<a href="#measure-{}">{}</a>').format(
                measure.id, ev.headline))
            rows.append({"measure_id": measure.id, "measure": measure.title, "statement": ev.statement,
                         "restricted": measure.restricted})
            if ev.series.available:
                monthly = ev.window
                if ev.series.frequency == "monthly":
                    # the same table as the measure's chart in outcomes() (one key, one table)
                    chart = monthly.index[monthly.index >= self.ctx.quarter.end - self.ctx.options.chart_months + 1]
                    out.data[f"{measure.id}/monthly"] = monthly_frame(ev, chart)
                else:
                    out.data[f"{measure.id}/series"] = frame_of(monthly.dropna(), "value")
            if ev.spc is not None:
                out.data[f"{measure.id}/spc"] = ev.spc.table
        out.data["statements"] = pd.DataFrame(rows)
        out.html(render("list", items=public, css="evidence"))
        if restricted:
            out.html(render("list", items=restricted, css="evidence restricted"), edition="board")

    @section("harm and vulnerability")
    def harm(self, out: Section) -> None:
        """The harm and vulnerability view, where the Plan gives this objective one (``harm_view:
        true``): which high-harm offence groups moved, which moved with a recording change, the
        force among its comparators (``data["harm"]``). Nothing for another objective."""
        if not self.objective.harm_view:
            return
        ids = [m.id for m in self.objective.harm_measures if not m.restricted]
        frame = self.ctx.model.harm
        frame = frame[frame["measure_id"].isin(ids)] if not frame.empty else frame
        out.data["harm"] = frame.reset_index(drop=True)
        out.html(harm_view(self.ctx.model, frame, level=2, href=lambda mid: f"#measure-{mid}"))

    @section("outcomes")
    def outcomes(self, out: Section) -> None:
        """Outcome by outcome, measure by measure (frames and figures of each measure's block)."""
        for outcome in self.objective.outcomes:
            out.html(heading(f"Outcome: {outcome.title}", 2))
            if all(m.restricted for m in outcome.measures):
                out.html(notice("The figures for this outcome are shown to the Board only; they are not published.",
                                kind="info"), edition="public")
            for measure in outcome.measures:
                block = measure_section(self.ctx, measure)
                edition = "board" if measure.restricted else None
                for part in block.parts:
                    out.html(part.content, edition=edition)
                out.data.update(block.data)
                out.figures.update(block.figures)

    @section("published by others")
    def published_by_others(self, out: Section) -> None:
        """Official police recorded crime for the force and its comparators, and the reconciliation."""
        official = self.ctx.model.official
        if official.empty:
            out.html(notice("No official recorded-crime figures are available for this quarter.",
                            kind="missing"))
            return
        out.data["official"] = official
        table = pd.DataFrame({
            "Force": official["force_name"], "12 months ending": official["period_end"],
            "Recorded crime (excl. fraud)": official["value"], "Year before": official["previous_value"],
            "Change": [_change_cell(v) for v in official["change_pct"]],
            "Per 1,000 residents": official["rate_per_1000"],
        })
        out.html(table_html(table, "Police recorded crime excluding fraud, rolling 12 months (ONS / Home Office)"))
        for row in official.itertuples():
            if getattr(row, "rate_missing", ""):
                out.html(paragraph(f"{statements.rate_missing_words(row.rate_missing, row.force, self.ctx.quarter.end.year)}.",
                                   "rate-missing"))
        status = next((c for c in self.ctx.model.caveats if c.kind == "status"), None)
        text = ("These are official statistics. Rises since 2014 largely reflect improvements in recording practice "
                "after the HMIC inspection of November 2014. Fraud is excluded: it has been recorded nationally by "
                "Action Fraud since 2013.")
        if status is not None:  # its wording is given once on the page
            text = (f"See {status.ref} on their status. " if status.id in self.ctx.said
                    else f"{status.wording} ({status.ref}.) ") + text
            self.ctx.said.add(status.id)
        out.html(notice(text, kind="caveat"))
        self._reconciliation(out)

    def _reconciliation(self, out: Section) -> None:
        rec = self.ctx.model.reconciliation
        if rec.empty:
            return
        out.data["reconciliation"] = rec
        table = pd.DataFrame({
            "Period": rec["period"], "data.police.uk crimes (excl. ASB), as published": rec["police_uk"],
            "Official recorded crime (excl. fraud)": rec["official"],
            "data.police.uk as % of official": [words.number(v, "percent") for v in rec["share_pct"]],
            "Check": [words.reconciliation_check(r) for r in rec.to_dict("records")],
        })
        out.html(heading("How data.police.uk figures reconcile with the official statistics", 3))
        out.html(table_html(table, "Reconciliation of data.police.uk crimes with police recorded crime"))
        flagged = rec[rec["flagged"]]
        text = ("data.police.uk counts crimes by the month they were recorded, as published each month; the official "
                "statistics are finalised later, and data.police.uk normally holds 98% to 100% of them. ")
        if flagged.empty:
            text += "Every period shown is within 97% to 101%."
        else:
            text += (f"The share is outside 97% to 101% for {words.join(flagged['period'])}. "
                     + " ".join(dict.fromkeys(words.reconciliation_cause(r) for r in flagged.to_dict("records"))))
        out.html(paragraph(text))

    @section("wider environment")
    def wider_environment(self, out: Section) -> None:
        """The national picture for the same measures, from every force in the data."""
        q = self.quarter
        national = self.ctx.model.national
        ids = [m.id for m in self._measures() if (m.source == "police_uk" or m.offence_groups) and not m.restricted]
        part = national[national["measure_id"].isin(ids)] if not national.empty else national
        if part.empty:
            out.html(notice("No national comparison can be made for this objective's measures. They are not "
                            "data.police.uk counts, or no force has complete figures for both the latest 12 months "
                            "and the 12 months before. A missing month is never counted as zero.",
                            kind="info"))
            return
        out.data["national"] = part.reset_index(drop=True)
        name = self.ctx.plan.force_name
        own = [self.ctx.model.row(mid) for mid in part["measure_id"]]
        table = pd.DataFrame({
            "Measure": part["measure"].to_numpy(), "Forces with complete data": part["forces_complete"].to_numpy(),
            "National, 12 months": part["national_value"].to_numpy(),
            "National change": [_change_cell(v) for v in part["national_change_pct"]],
            f"{name} change": [figure(r, "rolling12_change_pct") if r.get("small_numbers") != "yes"
                               else "not given (small numbers)" for r in own],
            f"{name} 95% interval": [Html(render("range", low=figure(r, "rolling12_change_low_pct"),
                                                 high=figure(r, "rolling12_change_high_pct")))
                                     if pd.notna(r.get("rolling12_change_low_pct")) else "" for r in own],
        })
        out.html(table_html(table, f"The national picture: 12 months to {words.month(q.end)} against the 12 months "
                                   "before"))
        left = {}
        for cell in part["left_out_months"]:
            for force, months in (cell or {}).items():
                left.setdefault(force, set()).update(months)
        text = ("National totals add up every territorial force of England and Wales with complete data.police.uk "
                "figures for both periods: a force with a month missing or incomplete is left out of both, never "
                "counted as zero.")
        if any(self.ctx.plan.measure(mid).offence_groups for mid in part["measure_id"]):
            text += (" The official offence groups' national totals add up the same forces' official statistics "
                     "(police recorded crime by Police Force Area) for the same 12 months.")
        if left:
            named = [f"{force} ({words.months(sorted(months)) if len(months) <= 3 else f'{len(months)} months'})"
                     for force, months in sorted(left.items())]
            text += f" Left out: {words.join(named)}."
        out.html(paragraph(text))

    @section("about")
    def about(self, out: Section) -> None:
        """Data sources and their dates, methods in one paragraph each, licence."""
        about_figures(out, self.ctx, self._measures())


def harm_view(model, frame: "pd.DataFrame | None" = None, *, level: int = 2, href=None) -> Markup:
    """The harm and vulnerability view (issue 25) as HTML: its sentences
    (:func:`perfkit.present.statements.harm_sentences`) and a table of the high-harm offence groups,
    every figure a marked cell of the data-pack row. ``frame`` is part of ``model.harm`` (default:
    all of it); ``href(measure_id)`` links each group to its measure. Empty markup when there is no
    group to show."""
    frame = model.harm if frame is None else frame
    if frame is None or frame.empty:
        return Markup("")
    href = href or (lambda mid: f"#measure-{mid}")
    from perfkit.config.forces import short_name_for

    force = short_name_for(model.plan.force)  # as the comparator sentences name it: "Cambridgeshire: 6.0 ..."
    rows = []
    for h in frame.to_dict("records"):
        row = model.row(h["measure_id"])
        small = h["small_numbers"]
        if small:
            change = Html(Markup("not given; {} in {} against {} in the {} years before").format(
                figure(row, "long_window_value"), h["long_label"], figure(row, "long_window_previous_value"),
                words.number_word(model.measure(h["measure_id"]).long_window.years)))
            significant = "not tested (small numbers)"
        else:
            interval = (Html(render("range", low=figure(row, "rolling12_change_low_pct"),
                                    high=figure(row, "rolling12_change_high_pct")))
                        if pd.notna(row.get("rolling12_change_low_pct")) else "")
            change = Html(Markup("{} ({})").format(figure(row, "rolling12_change_pct"), interval)
                          if interval else Markup("{}").format(figure(row, "rolling12_change_pct")))
            significant = figure(row, "rolling12_significant")
        rank = (Html(Markup("{} of {}").format(figure(row, "comparator_rank"), figure(row, "comparator_forces")))
                if pd.notna(row.get("comparator_rank")) else "no comparison")
        rows.append({
            "Offence group": Html(Markup('<a href="{}">{}</a>').format(href(h["measure_id"]), h["group"])),
            "12 months": figure(row, "rolling12_value"), "A year earlier": figure(row, "rolling12_previous_value"),
            "Change (95% interval)": change, "Statistically significant?": significant,
            "Recording changes in the comparison": h["recording_refs"] or "none",
            "Rate rank among comparators (1 = highest)": rank,
            "National change": words.signed_percent(h["national_change_pct"]),
        })
    label = frame.iloc[0]["label"]
    parts = [heading("Harm and vulnerability: the high-harm offence groups", level, "harm-and-vulnerability"),
             render("list", items=statements.harm_sentences(frame, force), css="harm"),
             table_html(pd.DataFrame(rows), f"High-harm offence groups, police recorded crime, {label} against a year "
                                            "earlier (ONS / Home Office)")]
    return Markup("").join(parts)


def about_figures(out: Section, ctx: ReportContext, measures) -> None:
    """The "About these figures" section shared by every report."""
    sources = sorted({m.source for m in measures})
    out.html(render("about", sources=[source_note(s, ctx.plan) for s in sources],
                    last_month=words.month(data.last_month(store=ctx.store))))
