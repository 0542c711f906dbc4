"""The pages around the reports: a quarter's index, its glossary, the Board pack, the site index,
and the analysts' pre-publication checks.

A published quarter folder is a static site: ``index.html`` (public edition) opening with a
summary of every Plan measure and linking the seven reports, the downloads, the glossary and the
accessibility statement; ``board/`` with the same for the Board edition plus ``board-pack.html``
(every Board report in one file that stands alone: for email and print). The site index
``outputs/index.html`` lists every published quarter. The checks page for the analysts is written
under ``outputs/_work/<quarter>/checks.html``, never inside the published quarter.

Every page is a Jinja2 template under ``perfkit/present/templates/perfkit/`` (autoescape on) reading the
quarter's evidence model; published HTML is rewritten with BeautifulSoup, never with regexes.
"""

from __future__ import annotations

import base64
import dataclasses
import logging
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from markupsafe import Markup

from perfkit import config
from perfkit.present import statements, words
from perfkit.present.markup import narrative_html, plain_text
from perfkit.present.qualitative import qualitative_line
from perfkit.errors import ConfigError
from perfkit.periods import parse_quarter

__all__ = [
    "quarter_nav",
    "write_quarter_index",
    "write_glossary",
    "write_board_pack",
    "write_site_index",
    "write_checks_page",
    "pre_publication_checks",
    "summary",
    "headlines",
    "site_url",
    "PACK_ONCE",
    "Check",
]

log = logging.getLogger("perfkit.reports.site")

def organisation(plan=None) -> str:
    """Who publishes the pages, for the accessibility statement: ``publisher:`` in
    ``params/plan.yaml`` (default: the office of the Plan's Commissioner)."""
    if plan is None:
        from perfkit.config.plan import load_plan

        plan = load_plan()
    return plan.publisher

#: Sections (by heading id) every report repeats; the board pack keeps one copy, at its end.
PACK_ONCE = ("published-by-others", "about-these-figures")

_NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}


def _label(job) -> str:
    return job.title.split(" | ")[0]


def quarter_nav(jobs) -> list[tuple[str, str]]:
    """Links shown in every page's navigation: the quarter's index, its reports, the glossary and
    the accessibility statement."""
    # In-depth reports on request are reached from the Board's log, not the navigation: one rendered on
    # demand must not change every other page of the quarter.
    return ([("Contents", "index.html")] + [(_label(j), f"{j.name}.html") for j in jobs
                                            if not j.name.startswith("request-")]
            + [("Glossary", "glossary.html"), ("Accessibility", "accessibility.html")])


# --------------------------------------------------------------------------------------------
# Publishing settings
# --------------------------------------------------------------------------------------------


def site_url() -> str:
    """``site_url`` of ``params/publishing.yaml``: the published site's address (``https://...``,
    ending ``/``), or ``""`` when not set (the board pack then embeds its downloads).

    Raises
    ------
    ConfigError
        If the key is not an ``http(s)`` address (the message names the file and key).
    """
    from perfkit.config.params import Node, load_yaml

    path = config.params_dir() / "publishing.yaml"
    if not path.exists():
        return ""
    node = Node(load_yaml(path) or {}, "params/publishing.yaml")
    node.only({"disclosure", "site_url", "small_numbers", "board_pdf", "public_board_paper"})
    url = node.get("site_url", "")
    if url == "":
        return ""
    if not isinstance(url, str) or urlsplit(url.strip()).scheme not in ("http", "https") \
            or not urlsplit(url.strip()).netloc:
        node.fail(f"found {url!r}; expected the published site's address, such as https://example.org/performance/",
                  "site_url")
    url = url.strip()
    return url if url.endswith("/") else url + "/"


# --------------------------------------------------------------------------------------------
# The summary and headlines (read from the evidence model)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """One objective's headline: ``text``, and ``source`` one of ``"analysts"``, ``"example"``,
    ``"generated"``; ``label`` says so on the page."""

    objective: int
    title: str
    href: str
    text: str
    source: str

    @property
    def label(self) -> str:
        """How the page marks where the headline comes from."""
        return {"analysts": "The analysts' headline", "example": "Example text written for the shipped data",
                "generated": "Generated from the figures"}[self.source]


def _visible(measures, edition: str):
    return [m for m in measures if edition == "board" or not m.restricted]


def headlines(model, edition: str = "public") -> list[Headline]:
    """One headline per objective: the first line of the analysts' narrative for the edition, or
    one generated from the evidence (:func:`perfkit.present.words.objective_headline`) when none is written."""
    from perfkit.config.quarter import load_narrative

    out = []
    for objective in model.plan.objectives:
        narrative = load_narrative(model.quarter, f"objective-{objective.number}")
        text = dataclasses.replace(narrative, text=narrative.for_edition(edition)).headline if narrative.written else ""
        text = plain_text(text) if text else ""  # markup removed: the template escapes, but never shows it
        if text:
            source = "example" if narrative.example else "analysts"
        else:
            rows = [_compared(model.row(m.id)) for m in _visible(objective.measures, edition)]
            text, source = words.objective_headline(rows), "generated"
        out.append(Headline(objective.number, objective.title, f"objective-{objective.number}.html", text, source))
    return out


def _fig(row: dict, field: str, text: str) -> Markup:
    """A figure's ``<data>`` markup (:func:`perfkit.present.display.figure`) with the words shown for it."""
    from perfkit.present.display import figure

    fig = figure(row, field)
    if fig.missing:
        return Markup("{}").format(text)
    v = fig.value
    raw = v if isinstance(v, str) else (str(int(v)) if float(v).is_integer() else repr(float(v)))
    return Markup('<data value="{}" data-measure="{}" data-field="{}">{}</data>').format(raw, fig.measure, fig.field, text)


def _basis(row: dict) -> dict:
    """Which comparison a summary row shows: the quarter's against a year earlier, or, for a
    measure reported as rolling 12 months only, the latest 12 months against the 12 before. The
    fields' names in the row (``value``, ``label``, ``change``, ``low``, ``high``, ``significant``)."""
    if row.get("primary_window") == "rolling12":
        p = "rolling12_"
        return {"value": f"{p}value", "label": f"{p}label", "change": f"{p}change_pct", "low": f"{p}change_low_pct",
                "high": f"{p}change_high_pct", "significant": f"{p}significant"}
    return {"value": "quarter_value", "label": "quarter_label", "change": "change_pct", "low": "change_low_pct",
            "high": "change_high_pct", "significant": "significant"}


def _interval(row: dict, b: dict, cmp: dict) -> Markup:
    """The 95% interval in words with each end marked (``<data>``), so a page can be checked
    against the data pack end by end: "from 30% fewer to 10% more"; "" when there is none."""
    if words._missing(cmp.get("change_low_pct")) or words._missing(cmp.get("change_high_pct")):
        return Markup("")
    low, high = words.year_interval_ends(cmp)
    return Markup("from {} to {}").format(_fig(row, b["low"], low), _fig(row, b["high"], high))


def _compared(row: dict) -> dict:
    """The row's comparison under the quarter's field names (for the wording functions)."""
    b = _basis(row)
    return {"measure": row["measure"], "unit": row.get("unit"), "change_pct": row.get(b["change"]),
            "change_low_pct": row.get(b["low"]), "change_high_pct": row.get(b["high"]),
            "significant": row.get(b["significant"]), "primary_window": row.get("primary_window"),
            "spc_variation": row.get("spc_variation"), "spc_icon": row.get("spc_icon")}


def summary(model, edition: str = "public") -> list[dict]:
    """The summary table's groups: per objective, its rows (measure, latest figure, change on a year
    earlier, interval, significance, SPC icon, caveat refs), every value from ``model.row``."""
    groups = []
    for objective in model.plan.objectives:
        rows = []
        for m in _visible(objective.measures, edition):
            row = model.row(m.id)
            b, cmp = _basis(row), _compared(row)
            kind, spc_text = words.spc_icon(row.get("spc_icon"))
            latest = words.number(row.get(b["value"]), row.get("unit"))
            label = row.get(b["label"])
            rows.append({
                "id": m.id, "measure": row["measure"], "href": f"objective-{objective.number}.html#measure-{m.id}",
                "latest": _fig(row, b["value"], latest),
                "period": "" if words._missing(label) else str(label),
                "change": (Markup("not given: small numbers, {} in {}").format(
                    _fig(row, "long_window_value", words.count(row.get("long_window_value"))), row["long_window_label"])
                    if row.get("small_numbers") == "yes" else _fig(row, b["change"], words.year_change(cmp))),
                "interval": _interval(row, b, cmp),
                "significant": _fig(row, b["significant"], words.significance(cmp["significant"])),
                "spc_kind": kind, "spc_text": _fig(row, "spc_variation", spc_text) if kind != "none" else spc_text,
                "caveats": [] if words._missing(row.get("caveats")) else str(row["caveats"]).split(),
                "restricted": m.restricted,
            })
        groups.append({"number": objective.number, "title": objective.title, "rows": rows})
    return groups


def _caveats(model) -> list[dict]:
    return [{"ref": c.ref, "title": c.title, "period": c.when(), "wording": c.wording} for c in model.caveats]


# --------------------------------------------------------------------------------------------
# The quarter's index, glossary and accessibility pages
# --------------------------------------------------------------------------------------------


def _glossary_context() -> dict:
    from perfkit.present.export import glossary

    return {"terms": glossary()}


def write_quarter_index(folder: Path, quarter, plan, settings, jobs, store=None) -> None:
    """Write ``index.html``, ``glossary.html`` and ``accessibility.html`` for both editions of a
    quarter, from the quarter's evidence model built from ``store`` (the run's)."""
    from perfkit import evidence
    from perfkit.present.export import accessibility_statement, page, render

    model = evidence.load(plan, quarter, store)
    nav = quarter_nav(jobs)
    dive = next((j for j in jobs if j.name == "deep-dive"), None)
    from perfkit.config.publishing import board_pdf, public_board_paper

    for edition, target in (("public", folder), ("board", folder / "board")):
        paper = edition == "board" or public_board_paper()
        target.mkdir(parents=True, exist_ok=True)
        body = render(
            "quarter-index.html.j2", quarter=quarter, plan=plan, edition=edition,
            date=settings.publication_date or "not yet published", notes=settings.notes,
            count=_NUMBERS.get(len(plan.objectives), str(len(plan.objectives))),
            headlines=headlines(model, edition), groups=summary(model, edition), caveats=_caveats(model),
            dive_label=_label(dive) if dive else "", dive_reason=settings.deep_dive_reason,
            requests_log=_requests_log(quarter, plan, jobs, edition),
            home="../../index.html" if edition == "board" else "../index.html", level=2, glossary="glossary.html",
            paper=paper, paper_pdf=paper and board_pdf(),
        )
        (target / "index.html").write_text(
            page(f"Police and Crime Plan performance | {quarter.label}", body, site_nav=nav, edition=edition,
                 glossary="glossary.html"), encoding="utf-8")
        write_glossary(target, quarter, nav, edition)
        (target / "accessibility.html").write_text(
            page("Accessibility statement", accessibility_statement(organisation(plan)), site_nav=nav, edition=edition),
            encoding="utf-8")


def _requests_log(quarter, plan, jobs, edition: str) -> list[dict]:
    """The Board's log of requests (:func:`perfkit.reports.request.board_log`)."""
    from perfkit.reports.request import board_log

    return board_log(quarter, plan, [j.name for j in jobs if j.name.startswith("request-")], edition)


def write_glossary(target: Path, quarter, nav, edition: str) -> Path:
    """Write ``glossary.html`` (the terms of ``glossary.yaml`` with their definitions) into ``target``."""
    from perfkit.present.export import page, render

    body = render("glossary.html.j2", level=1, quarter=quarter, **_glossary_context())
    path = target / "glossary.html"
    path.write_text(page(f"Glossary | {quarter.label}", body, site_nav=nav, edition=edition), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# The board pack
# --------------------------------------------------------------------------------------------


def _top_sections(main) -> list[tuple[str, list]]:
    """The children of a report's ``<main>`` grouped by level-2 heading: ``[(heading id, nodes)]``."""
    from bs4 import Tag

    groups: list[tuple[str, list]] = [("", [])]
    for child in list(main.children):
        if isinstance(child, Tag):
            h2 = child if child.name == "h2" else child.find("h2")
            if h2 is not None:
                groups.append((h2.get("id", ""), []))
        groups[-1][1].append(child)
    return groups


def _demote(main) -> None:
    """Shift headings one level down (h1 -> h2 ...), so one h1 heads the combined pack."""
    for h in main.find_all(["h1", "h2", "h3", "h4", "h5", "h6"]):
        h.name = f"h{min(int(h.name[1]) + 1, 6)}"


def _data_uri(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".csv":
        kind = "text/csv"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _rewrite_links(soup, job_names: set[str], prefix: str, downloads: dict[str, str]) -> None:
    """Make every link of one report's part of the pack travel with the pack: in-page anchors get the
    report's prefix, links to other reports point to their part, glossary links to the pack's
    glossary, downloads to their data URI or the site; a link to anything else is unwrapped."""
    own = (lambda ident: f"{prefix}-{ident}") if prefix else (lambda ident: ident)
    for tag in soup.find_all(id=True):
        tag["id"] = own(tag["id"])
    for tag in soup.find_all(attrs={"aria-labelledby": True}):
        tag["aria-labelledby"] = " ".join(own(i) for i in tag["aria-labelledby"].split())
    for a in soup.find_all(href=True):
        href = a["href"]
        page, _, frag = href.partition("#")
        if href.startswith(("data:", "http://", "https://", "mailto:")):
            continue
        if page == "":
            a["href"] = f"#{own(frag)}" if frag else "#top"
        elif page == "glossary.html":
            a["href"] = f"#{frag}" if frag else "#glossary"
        elif page.endswith(".html") and page[:-5] in job_names:
            a["href"] = f"#{page[:-5]}-{frag}" if frag else f"#report-{page[:-5]}"
        elif page in downloads:
            a["href"] = downloads[page]
            if downloads[page].startswith("data:"):
                a["download"] = page
        else:
            a.unwrap()


def _unique_landmarks(soup) -> None:
    """Give every region and navigation landmark of the pack a unique name (axe-core's
    landmark-unique): a repeated name gets the name of the pack section it is in."""
    seen: dict[str, int] = {}
    for tag in soup.find_all(attrs={"aria-label": True}):
        if tag.name not in ("section", "nav", "aside", "form") and tag.get("role") not in ("region", "navigation"):
            continue
        name = tag["aria-label"]
        if name in seen:
            section = tag.find_parent("section", class_="pack-section")
            where = section.get("aria-label", "") if section is not None else ""
            candidate = f"{name} ({where})" if where else name
            n = 2
            while candidate in seen:
                candidate, n = f"{name} ({where or 'part'} {n})", n + 1
            tag["aria-label"] = name = candidate
        seen[name] = 1


def _measure_nodes(main, measure_id: str) -> list:
    """The nodes of one measure's part of an objective page: from its ``h3#measure-<id>`` to the
    next heading of the same or a higher level."""
    from bs4 import Tag

    head = main.find(id=f"measure-{measure_id}")
    if head is None:
        return []
    out = []
    for node in head.find_all_next():
        if isinstance(node, Tag) and node.name in ("h1", "h2", "h3"):
            break
        out.append(node)
    return out


def _chart(main, measure_id: str):
    """The first chart (``<figure>``) of a measure on its objective page, or None."""
    return next((n for n in _measure_nodes(main, measure_id) if getattr(n, "name", None) == "figure"), None)


def _copy(main):
    """A copy of a page's ``<main>`` element to cut from (the page itself is read again later)."""
    from perfkit.present.export import parse

    copied = parse(str(main))
    return copied.find("main") or copied


def _narrative(main) -> "Markup":
    """The analysts' narrative of a report page (its "Narrative" section without the heading, the line
    introducing it and the example label, which the paper gives once), or "" when none is written."""
    sections = dict(_top_sections(main))
    nodes = sections.get("narrative", [])
    from bs4 import Tag

    keep = []
    for node in nodes:
        if not isinstance(node, Tag):
            continue
        # The qualitative evidence's table stays on the page: the paper gives it one line (write_board_pack).
        for tag in node.find_all(["h2"]) + node.find_all(class_=["example-label", "qualitative-evidence"]):
            tag.decompose()
        if "cell-md" in (node.get("class") or []):
            continue  # the heading cell and its introduction
        if node.find(class_=["notice-missing", "narrative-missing"]) is not None or not node.get_text(strip=True):
            continue
        keep.append(node)
    return Markup("".join(str(n) for n in keep))


def attention(model, edition: str = "board") -> list[dict]:
    """"For the Board's attention": one item each for a statistically significant change (on the
    measure's primary window), a special-cause signal in the latest month, a data fault, a suspected
    fault not yet registered, and a figure that is stale or missing. Read from the evidence model;
    each item links to the measure's line in the paper or to the fault in the annex."""
    items, seen = [], set()
    for objective in model.plan.objectives:
        for m in _visible(objective.measures, edition):
            if m.id in seen:
                continue
            seen.add(m.id)
            row, ev = model.row(m.id), model.measure(m.id)
            b, cmp = _basis(row), _compared(row)
            href = f"#measure-{m.id}"
            if row.get(b["significant"]) == "yes":
                low, high = words.year_interval_ends(cmp)
                label = row.get(b["label"])
                text = Markup("{} in {} than a year earlier (95% interval: from {} to {})").format(
                    _fig(row, b["change"], words.year_change(cmp)), label,
                    _fig(row, b["low"], low), _fig(row, b["high"], high))
                items.append({"kind": "change", "label": "Statistically significant change", "subject": row["measure"],
                              "href": href, "text": text})
            kind, spc_text = words.spc_icon(row.get("spc_icon"))
            if kind in ("improvement", "concern", "neutral"):
                items.append({"kind": "signal", "label": "Special-cause variation", "subject": row["measure"],
                              "href": href, "text": _fig(row, "spc_variation", words.lower_first(spc_text))})
            if not ev.series.available:
                items.append({"kind": "missing", "label": "No figures", "subject": row["measure"], "href": href,
                              "text": statements.unavailable_source(ev)})
            elif ev.ends_before_quarter and ev.latest_month is not None:
                items.append({"kind": "stale", "label": "Figures end before the quarter", "subject": row["measure"],
                              "href": href, "text": f"latest month {words.month(ev.latest_month)}"})
            elif ev.snapshot and ev.snapshot["month"] < model.quarter.start:
                items.append({"kind": "stale", "label": "Latest figure before the quarter", "subject": row["measure"],
                              "href": href, "text": f"latest figure at {words.month_end(ev.snapshot['month'])}"})
    for c in model.caveats:
        if c.kind == "data-fault":
            items.append({"kind": "fault", "label": "Data fault", "subject": f"{c.ref}: {c.title}",
                          "href": f"#caveat-{c.ref}", "text": "left out of every figure"})
    for s in model.suspects.itertuples():
        if not s.registered and not s.genuine and s.force == model.force:
            items.append({"kind": "fault", "label": "Suspected data fault", "subject": words.month(s.month),
                          "href": "#data-quality",
                          "text": f"{words.count(s.count)} crimes, well below the months around it; not yet confirmed"})
    return _grouped(items)


#: The order of the Board's attention list: what moved first, then what is wrong with the data,
#: the requests, and last the figures that are old or not supplied.
ATTENTION_ORDER = ("change", "signal", "fault", "request", "stale", "missing")


def _grouped(items: list[dict]) -> list[dict]:
    """Each item with its ``links`` (name and target); the items of one kind, label and text said
    once, naming every measure they hold ("No figures: 999 calls ..., 101 calls ... and victims
    satisfied ...: it comes from the force's own systems"), in :data:`ATTENTION_ORDER`."""
    out, by_key = [], {}
    for item in items:
        key = (item["kind"], item["label"], str(item.get("text", "")))
        links = list(item.get("links") or [{"name": item["subject"], "href": item.get("href", "")}])
        if item["kind"] in ("missing", "stale") and key in by_key:
            by_key[key]["links"].extend(links)
            continue
        by_key[key] = dict(item, links=links)
        out.append(by_key[key])
    return sorted(out, key=lambda i: ATTENTION_ORDER.index(i["kind"]))


def data_quality(model) -> list[str]:
    """The annex's data-quality lines: which months every figure leaves out and why, and how
    data.police.uk reconciles with the official count where it is off."""
    out = []
    register = {c.ref: c for c in model.caveats}
    for c in model.caveats:
        if c.kind != "data-fault":
            continue
        months = words.join(words.month(m) for m in c.months)
        matched = words.join(words.month(m - 12) for m in c.months)
        out.append(f"{c.ref}: {months} is left out of every figure, as its data are incomplete. Where a "
                   f"comparison spans it, {matched} is left out too, so both periods hold the same months.")
    for r in model.reconciliation.to_dict("records"):
        if r["flagged"]:
            out.append(f"{r['period']}: data.police.uk holds {words.number(r['share_pct'], 'percent')} of the "
                       f"official count (usually 98% to 100%). {words.reconciliation_cause(r)}")
    del register
    return out


def write_board_pack(board: Path, quarter, plan, jobs, store=None, extra_sections: "Markup | str" = "",
                     edition: str = "board") -> None:
    """Write ``board-pack.html``, the Board paper: exception-led and standing alone (issue 21).

    The first screen gives one headline per objective and what needs the Board's attention
    (:func:`attention`); then the summary table; per objective the analysts' narrative, the
    statement of each measure in one line and a chart only for the measures that need attention
    (taken from the edition's objective page, so it is the same chart); then one annex where
    data quality, the caveats, the official statistics, the methods, how to read the paper and the
    glossary are each said once. The full detail is on the web pages. The CSV and Excel downloads
    are embedded as ``data:`` URIs, or linked at the published site when ``site_url`` is set in
    ``params/publishing.yaml``. ``extra_sections`` is rendered markup placed before the annex (the
    Board's requests).

    ``board`` is the edition's folder: ``<quarter>/board/`` for the Board edition (the default), or
    the quarter's own folder with ``edition="public"`` for the public edition (``public_board_paper:
    true`` in ``params/publishing.yaml``), made from the public pages only: no restricted measure,
    narrative or request.
    """
    from perfkit import evidence
    from perfkit.config.quarter import load_narrative
    from perfkit.present.export import page, parse, render, serialise

    model = evidence.load(plan, quarter, store)
    url = site_url()
    downloads = {}
    for name in ("data-pack.csv", "data-pack.xlsx"):
        if url:
            downloads[name] = f"{url}{quarter.id}/{name}"
        elif (board / name).exists():
            downloads[name] = _data_uri(board / name)
    names = {j.name for j in jobs}
    pages = {}
    for job in jobs:
        path = board / f"{job.name}.html"
        if path.exists():  # `--only` into a quarter never published in full: the paper has what exists
            soup = parse(path.read_text(encoding="utf-8"))
            pages[job.name] = soup.find("main") or soup
    needs = {}
    for item in attention(model, edition):
        if item["kind"] in ("change", "signal"):
            needs.setdefault(item["href"].removeprefix("#measure-"), True)
    objectives, seen, example = [], set(), False
    for objective in plan.objectives:
        main = pages.get(f"objective-{objective.number}")
        text = load_narrative(model.quarter, f"objective-{objective.number}")
        example = example or bool(text.written and text.example)
        measures = []
        for m in _visible(objective.measures, edition):
            if m.id in seen:
                continue
            seen.add(m.id)
            ev = model.measure(m.id)
            line = ev.headline if ev.series.available else f"{ev.headline} {ev.unavailable_reason}"
            chart = None
            if m.id in needs and main is not None:
                found = _chart(main, m.id)
                if found is not None:
                    chart = parse(str(found))
                    _rewrite_links(chart, names, f"objective-{objective.number}", downloads)
                    chart = Markup(serialise(chart))
            measures.append({"id": m.id, "line": line, "chart": chart,
                             "refs": [c.ref for c in ev.caveats]})
        narrative = Markup("")
        if main is not None:
            fragment = parse(str(_narrative(_copy(main))))
            _rewrite_links(fragment, names, f"objective-{objective.number}", downloads)
            narrative = Markup(serialise(fragment))
        objectives.append({"number": objective.number, "title": objective.title, "narrative": narrative,
                           "qualitative": qualitative_line(model.qualitative_for(objective.number, edition)),
                           "measures": measures})
    dive = None
    job = next((j for j in jobs if j.name == "deep-dive"), None)
    if job is not None and "deep-dive" in pages:
        fragment = parse(str(_narrative(_copy(pages["deep-dive"]))))
        _rewrite_links(fragment, names, "deep-dive", downloads)
        dive = {"label": _label(job).removeprefix("Deep dive: "), "narrative": Markup(serialise(fragment))}
    common = []
    ordered = ([pages["data-pack"]] if "data-pack" in pages else []) + [p for n, p in pages.items() if n != "data-pack"]
    for hid in PACK_ONCE:  # the data pack's copy covers the whole Plan; otherwise the first report's
        for source in ordered:
            sections = dict(_top_sections(_copy(source)))
            if hid in sections:
                fragment = parse("".join(str(n) for n in sections[hid]))
                _demote(fragment)
                _rewrite_links(fragment, names, "annex", downloads)
                common.append(Markup(serialise(fragment)))
                break
    summary_html = render("summary.html.j2", quarter=quarter, headlines=[], count="",
                          groups=summary(model, edition), caveats=_caveats(model))
    summary_soup = parse(summary_html)
    for a in summary_soup.find_all("a", href=True):  # a measure's link goes to its line in the paper
        page_name, _, frag = a["href"].partition("#")
        if page_name.startswith("objective-") and frag:
            a["href"] = f"#{frag}"
    # the harm and vulnerability view (issue 25) in the summary: the groups link to their lines below
    from perfkit.reports.report import harm_view

    harm_html = harm_view(model, level=2, href=lambda mid: f"#measure-{mid}")
    caveats_soup = parse(render("caveat-list.html.j2", caveats=_caveats(model)))
    _demote(caveats_soup)
    log = _requests_log(quarter, plan, jobs, edition)
    if log and not extra_sections:
        # The log, then each request answered with this pack: its questions and the analysts' answers
        # (its figures are on its web page); the log's link goes to that part of the paper.
        answered = []
        for job in jobs:
            if not job.name.startswith("request-") or job.name not in pages:
                continue
            sections = dict(_top_sections(_copy(pages[job.name])))
            nodes = sections.get("questions", []) + sections.get("the-answers", [])
            if not nodes:
                continue
            fragment = parse("".join(str(n) for n in nodes))
            start = fragment.find(id="questions")
            while start is not None and start.parent is not None:  # the page's heading and lede go before it
                for before in list(start.previous_siblings):
                    before.extract()
                start = start.parent
            _demote(fragment)
            _rewrite_links(fragment, names, job.name, downloads)
            answered.append({"name": job.name, "label": _label(job), "html": Markup(serialise(fragment))})
        log_soup = parse(render("board-requests.html.j2", quarter=quarter, requests_log=log, answered=answered))
        _rewrite_links(log_soup, names, "", downloads)
        extra_sections = Markup(serialise(log_soup))
    items = _grouped(attention(model, edition) + [
        {"kind": "request", "label": "Overdue request" if r["state"] == "overdue" else "Request due this quarter",
         "subject": f"{r['id']}: {r['title']}", "href": "#requests",
         "text": f"asked {r['asked']} by {r['asked_by']}, due {r['due']}"}
        for r in log if r["state"] in ("overdue", "due")])
    body = render("board-pack.html.j2", quarter=quarter, plan=plan, headlines=headlines(model, edition), edition=edition,
                  attention=items, objectives=objectives, dive=dive, example=example,
                  summary_html=Markup(serialise(summary_soup)), caveats_html=Markup(serialise(caveats_soup)),
                  harm_html=harm_html,
                  quality=data_quality(model), common=common, extra_sections=Markup(extra_sections),
                  downloads=downloads, site_url=url, level=3, glossary="", **_glossary_context())
    soup = parse(body)
    _unique_landmarks(soup)
    (board / "board-pack.html").write_text(
        page(f"Board paper | {quarter.label}", serialise(soup), edition=edition, glossary=""), encoding="utf-8")


# --------------------------------------------------------------------------------------------
# The site index
# --------------------------------------------------------------------------------------------


def write_site_index(outputs: Path) -> None:
    """``outputs/index.html``: every published quarter, newest first, and the accessibility statement."""
    from perfkit.config.plan import load_plan
    from perfkit.present.export import accessibility_statement, page, render

    quarters = []
    for folder in outputs.iterdir():
        if folder.is_dir() and (folder / "manifest.json").exists():
            try:
                quarters.append(parse_quarter(folder.name))
            except Exception:
                continue
    quarters.sort(reverse=True)
    nav = [("All quarters", "index.html"), ("Accessibility", "accessibility.html")]
    (outputs / "index.html").write_text(
        page("Police and Crime Plan performance reports", render("site-index.html.j2", quarters=quarters, plan=load_plan()), site_nav=nav),
        encoding="utf-8")
    (outputs / "accessibility.html").write_text(
        page("Accessibility statement", accessibility_statement(organisation()), site_nav=nav), encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Pre-publication checks (for the analysts; never published)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One finding for the analysts: ``kind`` (a short heading), ``report`` (or ``""``), ``text``
    (what was found) and ``action`` (what to do); ``file`` the file it is about (or ``""``) and
    ``removed`` the markup the narrative cleaning took out of it
    (:class:`perfkit.present.markup.Removal`)."""

    kind: str
    report: str
    text: str
    action: str = ""
    file: str = ""
    removed: tuple = ()

    def line(self) -> str:
        """The finding as one log line."""
        where = f"{self.report}: " if self.report else ""
        return f"check: {self.kind}: {where}{self.text}" + (f"; {self.action}" if self.action else "")


def _narrative_checks(quarter, jobs) -> list[Check]:
    from perfkit.config.quarter import NARRATIVE_REPORTS, headline_problem, load_narrative

    out = []
    for job in jobs:
        if job.name not in NARRATIVE_REPORTS:
            continue
        n = load_narrative(quarter, job.name)
        if not n.written:
            out.append(Check("missing narrative", job.name, "no narrative is written",
                             f"write it in {n.path}; the page says only that no commentary is available"))
            continue
        if n.example:
            out.append(Check("example narrative", job.name, "the narrative is the example text for the shipped data",
                             f"replace it in {n.path} (and remove the <!-- example --> marker)"))
        problem = headline_problem(n.headline) if job.name.startswith("objective-") else ""
        if problem:
            out.append(Check("headline too long", job.name, problem, f"shorten the first line of {n.path}"))
        removed = narrative_html(n.for_edition("board")).removed  # the Board's text holds the public one
        if removed:
            out.append(Check("markup removed", job.name,
                             f"{n.path}: removed {'; '.join(r.describe() for r in removed)}",
                             "the pages show the narrative without it; write the narrative as plain markdown "
                             "(paragraphs, emphasis, lists, tables, headings, links to http, https or mailto "
                             "addresses or to pages of the site)", file=n.path, removed=removed))
    return out


def _qualitative_checks(model) -> list[Check]:
    """Markup the cleaning removes from a qualitative evidence item's summary, naming the file and
    the item (the pages show the summary without it)."""
    from perfkit.config.qualitative import qualitative_path
    from perfkit.present.qualitative import removed

    found = removed(model.qualitative)
    if not found:
        return []
    path = qualitative_path(model.quarter)
    try:
        path = path.resolve().relative_to(config.project_root())
    except ValueError:
        pass
    out = []
    for n in sorted({n for n, _ in found}):
        item = model.qualitative[n]
        gone = tuple(r for m, r in found if m == n)
        out.append(Check("markup removed", f"objective-{item.objective}",
                         f"{path}: items[{n}].summary: removed {'; '.join(r.describe() for r in gone)}",
                         "the pages show the summary without it; write it as plain markdown (emphasis and links "
                         "to http or https addresses)", file=str(path), removed=gone))
    return out


def _measure_checks(model) -> list[Check]:
    out = []
    for objective in model.plan.objectives:
        for m in objective.measures:
            row = model.row(m.id)
            if words._missing(row.get("quarter_value")) and words._missing(row.get("rolling12_value")):
                local = m.source == "local"
                kind = model.measures[m.id].series.missing_kind
                if local:
                    action = "add the figures as a local data file (data/templates/local-measures.csv; see the analyst's guide)"
                elif kind:
                    said = statements.no_figures_words(m, model.force, model.plan, missing=kind)
                    action = (f"{words.lower_first(said).rstrip('.')}: ingest one with `perfkit ingest {kind} FILE` "
                              "or take the measure out of plan.yaml")
                else:
                    action = "check the data store holds the months of the quarter"
                out.append(Check("no figures", f"objective-{objective.number}", f"{m.id} ({m.title}) has no figures",
                                 action))
            quality = row.get("data_quality")
            if not words._missing(quality) and str(quality) and str(quality) != "no figures":
                out.append(Check("data quality", f"objective-{objective.number}", f"{m.id}: {quality}"))
    return out


def pre_publication_checks(quarter, plan, jobs, store=None) -> list[Check]:
    """What the analysts should look at before publishing: missing or example narrative, headlines
    over 30 words, measures without figures, suspected incomplete months, reconciliation flags,
    incidents outside the Plan's districts and the warnings of past ingests
    (:func:`perfkit.evidence.data_checks`)."""
    from perfkit import evidence
    from perfkit.evidence import data_checks

    model = evidence.load(plan, quarter, store)
    checks = _narrative_checks(model.quarter, jobs) + _qualitative_checks(model) + _measure_checks(model)
    for found in data_checks(model.quarter, plan, store):
        checks.append(Check(found.kind, "", found.text))
    return checks


def write_checks_page(work: Path, quarter, plan, jobs, store=None) -> "tuple[Path, list[Check]]":
    """Write ``checks.html`` (the :func:`pre_publication_checks`) into ``work``
    (``outputs/_work/<quarter>/``, never the published folder) and return the page's path and the
    findings (``perfkit run`` logs each)."""
    from perfkit.present.export import page, render

    quarter = parse_quarter(quarter)
    checks = pre_publication_checks(quarter, plan, jobs, store)
    kinds: dict[str, list[Check]] = {}
    for check in checks:
        kinds.setdefault(check.kind, []).append(check)
    work.mkdir(parents=True, exist_ok=True)
    path = work / "checks.html"
    body = render("checks.html.j2", quarter=quarter, kinds=kinds, count=len(checks))
    path.write_text(page(f"Pre-publication checks | {quarter.label}", body, edition="board"), encoding="utf-8")
    return path, checks


