"""The pages around the reports: a quarter's index, the Board pack, the site index.

A published quarter folder is a static site: ``index.html`` (public edition) linking the seven
reports, the downloads and the accessibility statement; ``board/`` with the same for the Board
edition plus ``board-pack.html`` (every Board report in one file, for email and print). The site
index ``outputs/index.html`` lists every published quarter.
"""

from __future__ import annotations

import re
from pathlib import Path

from perfkit.display import escape
from perfkit.periods import parse_quarter

__all__ = ["quarter_nav", "write_quarter_index", "write_board_pack", "write_site_index", "HOW_TO_READ"]

ORGANISATION = "Office of the Police and Crime Commissioner for Cambridgeshire"

HOW_TO_READ = (
    "<h2>How to read the charts</h2><ul>"
    "<li><strong>Trend charts</strong> show the recorded monthly figures (solid line with dots) and, where the series "
    "is seasonal, the seasonally adjusted series (dashed line). The reporting quarter is shaded. Dotted vertical lines "
    "labelled C1, C2 ... mark changes in how crime is recorded; the caveat under the chart explains each.</li>"
    "<li><strong>Statistical process control charts</strong> show whether the latest figures are within the range the "
    "series usually varies over (the process limits). Points marked with a different shape and colour are special causes: "
    "outside the limits, a run of 7 on one side of the average, a trend of 7, or two of three close to a limit. A special "
    "cause is a signal worth explaining, not a verdict.</li>"
    "<li><strong>Intervals.</strong> A 95% interval shows the range of changes consistent with the figures; a change is "
    "called statistically significant only when the test says so.</li>"
    "<li>Every chart has a table of the numbers behind it, in a section you can open under the chart.</li></ul>"
)


def _pages(jobs) -> list[tuple[str, str]]:
    labels = []
    for job in jobs:
        label = job.title.split(" | ")[0]
        labels.append((label, f"{job.name}.html"))
    return labels


def quarter_nav(jobs) -> list[tuple[str, str]]:
    """Links shown in every page's navigation: the quarter's index and its reports."""
    return [("Contents", "index.html")] + _pages(jobs) + [("Accessibility", "accessibility.html")]


def _first_statements(model) -> dict[int, str]:
    out = {}
    for objective in model.plan.objectives:
        public = [m for m in objective.measures if not m.restricted]
        if public:
            out[objective.number] = model.measure(public[0].id).statement
    return out


def _index_body(model, settings, jobs, edition: str) -> str:
    quarter, plan = model.quarter, model.plan
    date = settings.publication_date or "not yet published"
    first = _first_statements(model)
    parts = [
        f"<h1>Police and Crime Plan performance: {escape(quarter.long_label)}</h1>",
        f'<p class="lede">{escape(plan.title)}, {escape(plan.force_name)}. Publication date: {escape(date)}. '
        f"Edition: {'Board' if edition == 'board' else 'public (website)'}.</p>",
    ]
    if settings.notes:
        parts.append(f'<div class="notice notice-info" role="note"><p>{escape(settings.notes)}</p></div>')
    words = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}
    count = len(plan.objectives)
    parts.append(f"<h2>The {words.get(count, str(count))} objective{'s' if count != 1 else ''}</h2><ul class=\"objectives\">")
    for job in jobs:
        if job.name.startswith("objective-"):
            number = int(job.name.split("-")[1])
            summary = first.get(number, "")
            parts.append(f'<li><a href="{job.name}.html">{escape(job.title.split(" | ")[0])}</a>'
                         + (f"<br>{escape(summary)}" if summary else "") + "</li>")
    parts.append("</ul>")
    dive = next(j for j in jobs if j.name == "deep-dive")
    parts.append(f'<h2>Deep dive of the quarter</h2><p><a href="deep-dive.html">{escape(dive.title.split(" | ")[0])}</a>'
                 + (f". {escape(settings.deep_dive_reason)}" if settings.deep_dive_reason else "") + "</p>")
    parts.append('<h2>Data pack</h2><ul><li><a href="data-pack.html">Data pack (web page)</a></li>'
                 '<li><a href="data-pack.xlsx">Data pack (Excel workbook)</a></li>'
                 '<li><a href="data-pack.csv">Data pack (CSV)</a></li></ul>')
    if edition == "board":
        parts.append('<p><a href="board-pack.html">The whole Board pack in one file (for email and print)</a></p>')
    caveats = model.caveats
    if caveats:
        items = "".join(f"<li><strong>{escape(c.ref)}: {escape(c.title)}</strong> ({escape(str(c.period))}). "
                        f"{escape(c.wording)}</li>" for c in caveats)
        parts.append(f"<h2>Caveats that apply this quarter</h2><ul>{items}</ul>")
    parts.append(HOW_TO_READ)
    parts.append('<h2>More</h2><ul><li><a href="accessibility.html">Accessibility statement</a></li>'
                 f'<li><a href="{"../../" if edition == "board" else "../"}index.html">Earlier quarters</a></li></ul>')
    return "\n".join(parts)


def write_quarter_index(folder: Path, quarter, plan, settings, jobs, store=None) -> None:
    """Write ``index.html`` and ``accessibility.html`` for both editions of a quarter, from the
    quarter's evidence model built from ``store`` (the run's)."""
    from perfkit import evidence
    from perfkit.export import accessibility_statement, page

    model = evidence.load(plan, quarter, store)
    nav = quarter_nav(jobs)
    for edition, target in (("public", folder), ("board", folder / "board")):
        target.mkdir(parents=True, exist_ok=True)
        title = f"Police and Crime Plan performance | {quarter.label}"
        (target / "index.html").write_text(
            page(title, _index_body(model, settings, jobs, edition), site_nav=nav, edition=edition),
            encoding="utf-8")
        (target / "accessibility.html").write_text(
            page("Accessibility statement", accessibility_statement(ORGANISATION), site_nav=nav, edition=edition),
            encoding="utf-8")


_MAIN = re.compile(r"<main\b[^>]*>(.*?)</main>", re.DOTALL | re.IGNORECASE)


def _demote(fragment: str) -> str:
    """Shift headings one level down (h1 -> h2 ...), so one h1 heads the combined pack."""
    def repl(match):
        level = min(int(match.group(2)) + 1, 6)
        return f"<{match.group(1)}h{level}"
    return re.sub(r"<(/?)h([1-6])", repl, fragment)


def write_board_pack(board: Path, quarter, plan, jobs) -> None:
    """Combine the Board edition's reports into one self-contained ``board-pack.html``."""
    from perfkit.export import page

    sections, contents = [], []
    for job in jobs:
        html = (board / f"{job.name}.html").read_text(encoding="utf-8")
        match = _MAIN.search(html)
        body = match.group(1) if match else html
        body = re.sub(r'\bid="', f'id="{job.name}-', body)
        body = re.sub(r'href="#', f'href="#{job.name}-', body)
        label = job.title.split(" | ")[0]
        contents.append(f'<li><a href="#report-{job.name}">{escape(label)}</a></li>')
        sections.append(f'<section class="pack-section" id="report-{job.name}" aria-label="{escape(label, quote=True)}">'
                        f"{_demote(body)}</section>")
    body = (f"<h1>Board pack: {escape(quarter.long_label)}</h1>"
            f"<p class=\"lede\">{escape(plan.title)}, {escape(plan.force_name)}. Board edition: not for publication.</p>"
            f'<nav aria-label="Contents of the pack"><h2>Contents</h2><ol>{"".join(contents)}</ol></nav>'
            + "".join(sections))
    (board / "board-pack.html").write_text(page(f"Board pack | {quarter.label}", body, edition="board"),
                                           encoding="utf-8")


def write_site_index(outputs: Path) -> None:
    """``outputs/index.html``: every published quarter, newest first, and the accessibility statement."""
    from perfkit.export import accessibility_statement, page

    quarters = []
    for folder in outputs.iterdir():
        if folder.is_dir() and (folder / "manifest.json").exists():
            try:
                quarters.append(parse_quarter(folder.name))
            except Exception:
                continue
    quarters.sort(reverse=True)
    items = "".join(f'<li><a href="{q.id}/index.html">{escape(q.long_label)}</a></li>' for q in quarters)
    body = ("<h1>Police and Crime Plan performance reports</h1>"
            "<p>Quarterly reports to the Business Coordination Board on the Police and Crime Plan, newest first.</p>"
            f"<h2>Quarters</h2><ul>{items}</ul>"
            '<p><a href="accessibility.html">Accessibility statement</a></p>')
    nav = [("All quarters", "index.html"), ("Accessibility", "accessibility.html")]
    (outputs / "index.html").write_text(page("Police and Crime Plan performance reports", body, site_nav=nav),
                                        encoding="utf-8")
    (outputs / "accessibility.html").write_text(
        page("Accessibility statement", accessibility_statement(ORGANISATION), site_nav=nav), encoding="utf-8")
