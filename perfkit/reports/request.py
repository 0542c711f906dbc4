"""An in-depth report on request, and the Board's log of requests.

:class:`RequestReport` is what ``notebooks/request.py`` runs: one call per section, every figure read
from the element's evidence (:mod:`perfkit.evidence.requests`), built by the same engine as every
page. Each part of the element is shown by the same block as a measure of an objective page
(:func:`perfkit.reports.report.measure_section`: the long-run chart with the seasonally adjusted line
and the recording changes, the control chart, the comparisons with intervals, the rate and the
comparator forces), its figures marked as the data pack's rows for the element; then the recording
changes in the window with their sizes, the element by district and by crime type, the outcomes of
its crimes, the national picture, and each question with the analysts' answer.

:func:`board_log` is the Board's log of requests as the quarter's index and the Board pack list it
(the template block ``perfkit/requests-log.html.j2``).
"""

from __future__ import annotations

import dataclasses

import pandas as pd
from markupsafe import Markup

from perfkit.config.quarter import Narrative
from perfkit.config.requests import ASKED_BY, Request, load_answer, load_requests, request_status
from perfkit.evidence import analysis
from perfkit.evidence import requests as request_evidence
from perfkit.periods import Quarter, parse_quarter
from perfkit.present import charts, statements, words
from perfkit.present.display import (Html, details_html, figure, figure_html, heading, notice, paragraph, render,
                                     table_html)
from perfkit.reports.report import Options, ReportContext, about_figures, measure_section
from perfkit.present.section import Section, section
from perfkit.stats import disclosure

__all__ = ["RequestReport", "RequestContext", "board_log", "rendered_requests", "LOG_STATES"]

#: How the log words each state (:func:`perfkit.config.requests.request_status`).
LOG_STATES = {"answered": "Answered", "withdrawn": "Withdrawn", "overdue": "Overdue", "due": "Due this quarter",
              "open": "Open"}


class _ElementModel:
    """The quarter's evidence model seen from an in-depth report: the element's parts first, then
    the Plan's measures (so a block reads a part's row exactly as the data pack holds it)."""

    def __init__(self, model, element):
        self._model, self._element = model, element

    def measure(self, measure_id: str):
        return self._element.parts.get(measure_id) or self._model.measure(measure_id)

    def row(self, measure_id: str) -> dict:
        if measure_id in self._element.parts:
            return self._element.row(measure_id)
        return self._model.row(measure_id)

    def revision(self, measure_id: str):
        return self._model.revision(measure_id) if measure_id not in self._element.parts else None

    def __getattr__(self, name):
        return getattr(self._model, name)


@dataclasses.dataclass
class RequestContext(ReportContext):
    """A :class:`ReportContext` whose model also holds the request's element."""

    request: "Request | None" = None

    @property
    def element(self):
        """The element's evidence (:func:`perfkit.evidence.requests.load`)."""
        return request_evidence.load(self.plan, self.quarter, self.request, self.store, options=self.options)

    @property
    def model(self):
        if self._model is None:
            from perfkit import evidence

            base = evidence.load(self.plan, self.quarter, self.store, options=self.options)
            self._model = _ElementModel(base, self.element)
        return self._model


def rendered_requests(quarter: Quarter, plan, extra=()) -> list[Request]:
    """The requests whose report renders with ``quarter``'s pack: those due then (not withdrawn) and
    the ids in ``extra`` (asked for on demand: ``perfkit run --request``), in the register's order."""
    register = load_requests(plan)
    wanted = {r.id for r in register.due_in(quarter)}
    for rid in extra:
        wanted.add(register.get(rid).id)
    return [r for r in register if r.id in wanted]


class RequestReport:
    """The in-depth report on one request.

    Parameters
    ----------
    quarter : str
        Quarter id or ``'auto'``.
    request : str
        The request's id in ``params/requests.yaml``.
    store, params, chart_months, seasonal_method, comparator_group
        As for :class:`perfkit.reports.report.ObjectiveReport`.
    """

    def __init__(self, quarter: str = "auto", request: str = "", store: "str | None" = None, *,
                 chart_months: int = analysis.CHART_MONTHS, seasonal_method: str = "auto",
                 comparator_group: str = "", params: str = ""):
        base = ReportContext.create(quarter, store, Options(chart_months, seasonal_method, comparator_group), params)
        register = load_requests(base.plan)
        found = register.get(request)
        request_evidence.check_requests(register, base.plan, base.store)
        self.ctx = RequestContext(base.quarter, base.plan, base.settings, base.store, base.options, request=found)
        self.request = found

    @property
    def quarter(self) -> Quarter:
        """The reporting quarter."""
        return self.ctx.quarter

    def _parts(self):
        return request_evidence.parts_of(self.request, self.ctx.plan)

    @section("header")
    def header(self, out: Section) -> None:
        """Heading; who asked, when, what about; the questions."""
        r = self.request
        self.ctx.header(out, f"In-depth report: {r.title}", "In-depth report on request")
        state = request_status(r, self.quarter)
        out.html(render("request-header", request=r, asked=r.asked.strftime("%-d %B %Y"), asked_by=ASKED_BY[r.asked_by],
                        element=r.element.describe(self.ctx.plan), due=r.due.label,
                        state=LOG_STATES[state].lower()))

    @section("answers")
    def answers(self, out: Section) -> None:
        """Each question with the analysts' answer (sanitised narrative; restricted passages in the
        Board edition only), or a neutral line while the request is open."""
        r = self.request
        answer = load_answer(r)
        if answer is None:
            out.html(paragraph("The analysts' answer is not yet written: the request is open, due for "
                               f"{r.due.label}. The evidence below is the engine's, for the element asked about."))
            for n, question in enumerate(r.questions, 1):
                out.html(heading(f"Question {n}: {question}", 3))
            return
        if answer.example:
            out.html(render("example-label"))
        if answer.summary:
            _narrative(out, answer.narrative, answer.summary)
        for n, (question, text) in enumerate(zip(r.questions, answer.answers), 1):
            out.html(heading(f"Question {n}: {question}", 3))
            _narrative(out, answer.narrative, text)
        out.data["answers"] = pd.DataFrame({"question": list(r.questions), "answered": [True] * len(r.questions)})

    @section("evidence")
    def evidence(self, out: Section) -> None:
        """Each part of the element as a measure block: the long-run chart (from the element's
        period) with the seasonally adjusted line and recording changes, the control chart, the
        comparisons with intervals, the rate and comparator forces."""
        element = self.ctx.element
        # each part's headline, linked; its block below gives the rest of its statement once
        out.html(render("list", items=[Markup('<a href="#measure-{}">{}</a>').format(
            p.measure.id, element.parts[p.measure.id].headline) for p in self._parts()], css="evidence"))
        start = self.request.element.start
        months = max(12, int((self.quarter.end - start).n) + 1) if start is not None else None
        for part in self._parts():
            block = measure_section(self.ctx, part.measure, level=3, chart_months=months)
            out.extend(block)

    @section("recording changes")
    def recording_changes(self, out: Section) -> None:
        """Each recording change inside the element's series, with its estimated size."""
        out.html(heading("Recording changes in the window", 3))
        rows = []
        for part in self._parts():
            ev = self.ctx.evidence(part.measure)
            for cav in ev.series_caveats:
                if cav.is_fault:
                    continue
                estimate = ev.shift_estimates.get(cav.id)
                rows.append({"Measure": part.measure.title, "Change": f"{cav.ref}: {cav.title}", "Date": str(cav.period),
                             "Estimated effect": statements.shift_estimate_sentence(estimate) if estimate is not None
                             else statements.shift_reason(ev.shift_reasons.get(cav.id, ""))})
        if not rows:
            out.html(notice("No recording change in the register falls inside this element's data window.",
                            kind="info"))
            return
        out.data["recording_changes"] = pd.DataFrame(rows)
        out.html(table_html(pd.DataFrame(rows), "Recording changes and their estimated effect"))

    @section("where and what")
    def where_and_what(self, out: Section) -> None:
        """The element by district and by crime type, and the last outcomes of its crimes."""
        element = self.ctx.element
        used = element.rows_quarter
        if used is None:
            out.html(notice(f"This pack holds no street-level records (each crime with its location and outcome) for "
                            f"{self.ctx.plan.force_name}, so the element cannot be broken down by district or outcome.",
                            kind="missing"))
        elif used != self.quarter:
            out.html(notice(f"This pack holds no street-level records (each crime with its location and outcome) for "
                            f"{self.quarter.label}. The tables by district and outcome show {used.long_label}, the "
                            "latest quarter that has them; they do not describe the reporting quarter.", kind="missing"))
        table = element.by_district
        if used is not None and not table.empty:
            shown = pd.DataFrame({"District": table["district"], "Incidents": table["incidents"],
                                  "In the element": ["yes" if x else "" for x in table["in_element"]]})
            published = disclosure.apply(shown, ["Incidents"])
            visible = published[published["Incidents"] != disclosure.load_rule().symbol]
            fig = charts.bar_chart(visible["District"], visible["Incidents"].astype(float),
                                   title=f"Where the element's crimes were recorded, {used.label}",
                                   subtitle=f"Incidents by district, {self.ctx.plan.force_name}, "
                                            f"{used.window().describe()}", source="data.police.uk",
                                   xlabel="incidents")
            top = table.iloc[0]
            alt = (f"Bar chart of incidents by district, {used.window().describe()}. {top['district']} had the most "
                   f"({words.count(top['incidents'])}) of {words.count(table['incidents'].sum())} in all.")
            out.data["districts"] = published.reset_index(drop=True)
            out.figures["districts"] = fig
            out.html(heading("By district", 3))
            out.html(figure_html(fig, alt, "Incidents by district (the district is read from the LSOA name)."))
            out.html(details_html("Numbers behind the chart: incidents by district",
                                  table_html(published, f"Incidents by district, {used.label}")))
        types = element.by_crime_type
        if not types.empty and len(types) > 1 or (not types.empty and self.request.element.districts):
            out.html(heading("By crime type", 3))
            if self.request.element.districts:
                shown = pd.DataFrame({"Crime type": types["crime_type"], f"Offences, {used.label}": types["count"]})
                out.html(table_html(disclosure.apply(shown, [f"Offences, {used.label}"]),
                                    f"The element's crimes by type, {' and '.join(self.request.element.districts)}"))
            else:
                months = int(types["months"].iloc[0]) if len(types) else 0
                shown = pd.DataFrame({"Crime type": types["crime_type"], "Latest 12 months": types["count"],
                                      "The 12 months before": types["count_before"],
                                      "Change": [words.signed_percent(v) for v in types["change_pct"]]})
                caption = f"The element's crimes by type: the 12 months to {words.month(self.quarter.end)} and before"
                out.html(table_html(shown, caption))
                if months < 12:
                    out.html(paragraph(f"Both periods hold the same {months} months: a month without usable figures "
                                       "in either is left out of both."))
            out.data["crime_types"] = types
        outcomes = element.outcomes
        if used is not None and not outcomes.empty:
            out.html(heading("Outcomes of investigations", 3))
            shown = pd.DataFrame({"Last outcome": outcomes["outcome"], "Crimes": outcomes["crimes"],
                                  "Share (%)": outcomes["share_pct"]})
            published = disclosure.apply(shown, ["Crimes"], also=["Share (%)"])
            out.data["outcomes"] = published
            out.html(table_html(published, f"Last recorded outcome of the element's crimes, {used.label}"))

    @section("national picture")
    def national_picture(self, out: Section) -> None:
        """The national picture of the element's force-wide data.police.uk parts."""
        national = self.ctx.element.national
        if national.empty:
            why = ("the element is limited to districts, whose figures have no national counterpart"
                   if self.request.element.districts else "the element's figures are not data.police.uk counts")
            out.html(notice(f"No national comparison: {why}.", kind="info"))
            return
        out.data["national"] = national
        name = self.ctx.plan.force_name
        own = [self.ctx.model.row(mid) for mid in national["measure_id"]]
        table = pd.DataFrame({
            "Measure": national["measure"].to_numpy(), "Forces with complete data": national["forces_complete"].to_numpy(),
            "National, 12 months": national["national_value"].to_numpy(),
            "National change": [words.signed_percent(v) for v in national["national_change_pct"]],
            f"{name} change": [figure(r, "rolling12_change_pct") for r in own],
            f"{name} 95% interval": [Html(render("range", low=figure(r, "rolling12_change_low_pct"),
                                                 high=figure(r, "rolling12_change_high_pct")))
                                     if pd.notna(r.get("rolling12_change_low_pct")) else "" for r in own],
        })
        out.html(table_html(table, f"The national picture: 12 months to {words.month(self.quarter.end)} against the "
                                   "12 months before"))
        out.html(paragraph("National totals add up every territorial force with complete data.police.uk figures for "
                           "both periods; a force with a month missing or registered as a data fault is left out of "
                           "both, never counted as zero."))

    @section("about")
    def about(self, out: Section) -> None:
        """Data sources and methods."""
        about_figures(out, self.ctx, [p.measure for p in self._parts()])


def _narrative(out: Section, narrative: Narrative, text: str) -> None:
    """One piece of an answer, each edition its own (restricted passages for the Board only)."""
    piece = dataclasses.replace(narrative, text=text)
    public, board = piece.for_edition("public"), piece.for_edition("board")
    if public == board:
        out.markdown(public)
    else:
        out.markdown(board, edition="board")
        out.markdown(public, edition="public")


# --------------------------------------------------------------------------------------------
# The Board's log
# --------------------------------------------------------------------------------------------


def board_log(quarter: "Quarter | str", plan, rendered=(), edition: str = "public") -> list[dict]:
    """The Board's log of ``quarter``: every request asked by its end, with its state (answered,
    withdrawn with the reason, overdue, due this quarter, open with the quarter due) and, for an
    answered one, the link to its report: in this quarter's folder when it renders with this pack
    (``rendered``: the report names), else in the folder of the quarter it was due.

    Returns a list of dicts for ``perfkit/requests-log.html.j2``.
    """
    quarter = parse_quarter(quarter)
    rendered = set(rendered)
    out = []
    for r in load_requests(plan).asked_by(quarter):
        state = request_status(r, quarter)
        href, pack = "", ""
        if r.slug in rendered:
            href = f"{r.slug}.html"
        elif state == "answered" and r.due < quarter:
            href = (f"../../{r.due.id}/board/{r.slug}.html" if edition == "board" else f"../{r.due.id}/{r.slug}.html")
            pack = r.due.label
        out.append({"id": r.id, "title": r.title, "asked": r.asked.strftime("%-d %B %Y"),
                    "asked_by": ASKED_BY[r.asked_by], "element": r.element.describe(plan), "due": r.due.label,
                    "state": state, "state_words": LOG_STATES[state], "href": href, "pack": pack,
                    "reason": r.reason, "questions": len(r.questions)})
    return out
