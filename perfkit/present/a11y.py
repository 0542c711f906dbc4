"""Accessibility checks of published pages, in a real browser.

:func:`check_pages` opens every page in headless Chromium (Debian's ``/usr/bin/chromium``, driven
through Playwright's Python package; Playwright's own browser downloads are never used) and runs
these checks:

``axe``
    axe-core (``node_modules/axe-core/axe.min.js``, installed by ``bash .ci/install-browser``)
    with the WCAG 2.1 level A and AA rules (tags ``wcag2a``, ``wcag2aa``, ``wcag21a``,
    ``wcag21aa``). Each axe violation is reported as axe reports it (``id``, ``impact``, ``help``,
    ``helpUrl``, ``nodes``).
``network-request``
    every request the page makes other than for its own file is recorded and aborted: a
    published page must be self-contained.
``reflow``
    at a 320 CSS pixel wide viewport (WCAG 1.4.10) the page must not scroll sideways (tables
    scroll inside their own ``div.table-wrap``, which is allowed).
``print-overflow``, ``print-hidden-content``
    printed on A4 (180 mm text width) nothing may be wider than the paper, and the content of
    collapsed ``<details>`` (the numbers behind a chart) must print.
``table-too-wide``, ``page-too-wide``
    the layout check (:func:`layout_issues`), at each of :data:`LAYOUT_WIDTHS` (a 500 pixel phone
    and a 1280 pixel desktop screen), with every ``<details>`` opened: no table may be wider than
    its container's content box (a table scrolling inside a wrapper counts as too wide), no cell's
    content may stick out of its cell, and the document may not be wider than the screen.

and, without a browser, :func:`static_issues` (also run by :func:`check_pages`):
``external-resource`` (a ``src``, ``srcset``, ``<link href>``, CSS ``url()`` or ``@import``
pointing at http(s) or a protocol-relative URL), ``not-self-contained`` (any other non-``data:``
resource), ``script`` (a ``<script>`` element or ``on...=`` handler), ``local-path`` (``/work/``,
``/tmp/``, ``/home/``, ``/root/``, ``file://``), ``generic-alt`` (an image with no alt, an empty alt
on an informative image, or alt text such as "png", "image", "output"), ``code-shown`` (a
traceback or a notebook prompt).

Every issue is a dict with at least ``id``, ``impact``, ``help`` and ``nodes`` (a list of dicts
with ``target``, ``html`` and ``failureSummary``), so one report format covers them all.

Command line: ``perfkit a11y outputs/2015-16-q1/`` (or ``python -m perfkit.present.a11y``) prints the
issues and exits 1 when there are any (2 when no browser is available or no page is given).
"""

from __future__ import annotations

import html as _html
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Sequence
from html.parser import HTMLParser
from pathlib import Path

from perfkit import config
from perfkit.errors import PerfkitError

__all__ = [
    "WCAG_TAGS",
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "INSTALL_HINT",
    "axe_path",
    "browser_available",
    "check_pages",
    "check_layout",
    "layout_issues",
    "LAYOUT_WIDTHS",
    "static_issues",
    "format_issues",
    "main",
]

#: axe-core rule tags run by default: WCAG 2.0 and 2.1, levels A and AA.
WCAG_TAGS: tuple[str, ...] = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

#: The browser: Debian's ``chromium`` package (override with ``PERFKIT_CHROMIUM``).
CHROMIUM = Path("/usr/bin/chromium")

#: Chromium flags. Playwright adds ``--headless`` itself and the fresh profile folder is passed
#: as ``user_data_dir`` (a new temporary folder for every :func:`check_pages` call).
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)

#: Viewport widths (CSS pixels) of the layout check: a phone held upright and a desktop screen.
LAYOUT_WIDTHS: tuple[int, ...] = (500, 1280)

#: What to tell someone who has no browser.
INSTALL_HINT = "install Chromium and axe-core with `bash .ci/install-browser` (from the checkout's root)"

_REFLOW_WIDTH = 320
_PRINT_WIDTH = 680  # A4 (210 mm) less 15 mm margins each side, at 96 CSS px per inch
_GENERIC_ALT = {
    "", "png", "jpg", "jpeg", "svg", "gif", "image", "img", "picture", "photo", "output", "chart",
    "graph", "plot", "figure", "fig", "diagram", "icon", "alt", "alt text", "untitled", "none",
    "no description has been provided for this image",
}
_GENERIC_ALT_RE = re.compile(
    r"^(?:(?:image|figure|fig|chart|graph|plot|output|picture)[\s_\-.:#]*\d*|.*\.(?:png|jpe?g|svg|gif)"
    r"|<(?:matplotlib\.)?figure\b.*|<figure size .*>)$",
    re.IGNORECASE,
)
_LOCAL_PATH = re.compile(r"(?:/work/|/tmp/|/home/|/root/|/Users/|file:/|[A-Za-z]:\\Users\\)")
_DATA_URI = re.compile(r"data:[A-Za-z0-9.+/-]+(?:;[A-Za-z0-9=.+-]+)*,[A-Za-z0-9+/=%._~-]*")
_CSS_URL = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])\s*((?:https?:)?//[^"')\s]+)""", re.IGNORECASE)
_CODE_SHOWN = re.compile(r"Traceback \(most recent call last\)|\b(?:In|Out)\s*\[\d*\]:|\bIn \[\d+\]|\x1b\[|&#x1b;\[")
_ABSOLUTE = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)


def axe_path() -> Path:
    """Where axe-core's ``axe.min.js`` is expected (override with ``PERFKIT_AXE``)."""
    env = os.environ.get("PERFKIT_AXE")
    if env:
        return Path(env)
    return config.project_root() / "node_modules" / "axe-core" / "axe.min.js"


def _chromium() -> Path:
    env = os.environ.get("PERFKIT_CHROMIUM")
    return Path(env) if env else CHROMIUM


def browser_available() -> tuple[bool, str]:
    """Whether :func:`check_pages` can run here.

    Returns
    -------
    (bool, str)
        ``(True, "")`` when Chromium, axe-core and Playwright's Python package are all present;
        otherwise ``(False, reason)``, the reason saying what is missing and how to install it.
    """
    missing = []
    if not os.access(_chromium(), os.X_OK):
        missing.append(f"no browser at {_chromium()}")
    if not axe_path().is_file():
        missing.append(f"no axe-core at {axe_path()}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the Python package playwright is not installed (it is in the test extra: make setup, or pip install -e '.[test]')")
    if missing:
        return False, "; ".join(missing) + f": {INSTALL_HINT}"
    return True, ""


def check_pages(
    paths: Sequence[Path | str],
    *,
    tags: Sequence[str] = WCAG_TAGS,
    reflow: bool = True,
    printed: bool = True,
    layout: Sequence[int] = LAYOUT_WIDTHS,
) -> dict[Path, list[dict]]:
    """Check pages in headless Chromium with axe-core, plus the self-containment and layout checks.

    Parameters
    ----------
    paths : sequence of Path or str
        The HTML files to check (opened as ``file://`` URLs).
    tags : sequence of str, keyword-only
        axe-core rule tags to run (default WCAG 2.1 A and AA; add ``"best-practice"`` for more).
    reflow : bool, keyword-only
        Also check that nothing is wider than a 320 pixel screen.
    printed : bool, keyword-only
        Also check that nothing is wider than A4 paper when printed.
    layout : sequence of int, keyword-only
        Viewport widths at which to run the layout check (:func:`layout_issues`); default
        :data:`LAYOUT_WIDTHS`, an empty sequence skips it.

    Returns
    -------
    dict
        ``{path: [issue, ...]}`` for every path given (an empty list means the page passed).

    Raises
    ------
    PerfkitError
        If a page does not exist, or the browser or axe-core is unavailable or fails to start.
    """
    axe_source = None

    def _one(context, path: Path) -> list[dict]:
        nonlocal axe_source
        if axe_source is None:
            axe_source = axe_path().read_text(encoding="utf-8")
        issues = static_issues(path.read_text(encoding="utf-8"))
        return issues + _browser_issues(context, path, axe_source, tags, reflow, printed, layout)

    return _with_browser(paths, _one)


def check_layout(paths: Sequence[Path | str], *, widths: Sequence[int] = LAYOUT_WIDTHS) -> dict[Path, list[dict]]:
    """Only the layout check (:func:`layout_issues`) over pages, in headless Chromium (no axe-core run).

    Parameters
    ----------
    paths : sequence of Path or str
        The HTML files to check (opened as ``file://`` URLs; other requests are aborted).
    widths : sequence of int, keyword-only
        Viewport widths in CSS pixels (default :data:`LAYOUT_WIDTHS`).

    Returns
    -------
    dict
        ``{path: [issue, ...]}`` for every path given; issues are ``table-too-wide`` and
        ``page-too-wide`` (see :func:`layout_issues`).

    Raises
    ------
    PerfkitError
        If a page does not exist, or the browser is unavailable or fails.
    """
    return _with_browser(paths, lambda context, path: _in_page(context, path, lambda page: layout_issues(page, widths)))


def _with_browser(paths: Sequence[Path | str], check) -> dict[Path, list[dict]]:
    """Run ``check(context, path)`` for every page in one fresh headless Chromium profile."""
    pages = [Path(p) for p in paths]
    for path in pages:
        if not path.is_file():
            raise PerfkitError(f"{path}: no such page to check")
    ok, reason = browser_available()
    if not ok:
        raise PerfkitError(f"cannot check accessibility: {reason}")

    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    results: dict[Path, list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="perfkit-chromium-") as profile:
        try:
            with sync_playwright() as pw:
                context = pw.chromium.launch_persistent_context(
                    profile,
                    executable_path=str(_chromium()),
                    headless=True,
                    args=list(CHROMIUM_ARGS),
                    viewport={"width": 1280, "height": 800},
                    java_script_enabled=True,
                )
                try:
                    for path in pages:
                        results[path] = check(context, path)
                finally:
                    context.close()
        except PlaywrightError as exc:
            raise PerfkitError(
                f"the browser at {_chromium()} failed while checking pages: {str(exc).splitlines()[0]}; "
                f"{INSTALL_HINT}"
            ) from exc
    return results


def _in_page(context, path: Path, check) -> list[dict]:
    """Open ``path`` in a new tab (every request but the page itself aborted) and run ``check(page)``."""
    url = path.resolve().as_uri()
    page = context.new_page()
    try:
        page.route(
            "**/*",
            lambda route: route.continue_()
            if route.request.url.split("#", 1)[0] == url or route.request.url.startswith("data:")
            else route.abort(),
        )
        page.goto(url, wait_until="load")
        return check(page)
    finally:
        page.close()


def _issue(rule: str, help_: str, nodes: Iterable[tuple[str, str]], impact: str = "serious") -> dict:
    return {
        "id": rule,
        "impact": impact,
        "help": help_,
        "helpUrl": "",
        "nodes": [{"target": [target], "html": snippet[:300], "failureSummary": help_} for target, snippet in nodes],
    }


def _browser_issues(context, path: Path, axe_source: str, tags, reflow: bool, printed: bool,
                    layout: Sequence[int] = ()) -> list[dict]:
    """axe-core, then the reflow and print checks, then the layout check (:func:`layout_issues`, last
    because it opens every ``<details>``), in one load of the page."""
    url = path.resolve().as_uri()
    requested: list[str] = []

    def _route(route) -> None:
        req_url = route.request.url
        if req_url.split("#", 1)[0] == url or req_url.startswith("data:"):
            route.continue_()
        else:
            requested.append(req_url)
            route.abort()

    page = context.new_page()
    try:
        page.route("**/*", _route)
        page.goto(url, wait_until="load")
        issues: list[dict] = []
        if requested:
            issues.append(
                _issue(
                    "network-request",
                    "A published page must be self-contained: it requested another resource",
                    [(u, u) for u in dict.fromkeys(requested)],
                    impact="critical",
                )
            )
        page.add_script_tag(content=axe_source)
        found = page.evaluate(
            """async (tags) => {
                const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                   resultTypes: ['violations']});
                return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                    helpUrl: v.helpUrl, tags: v.tags,
                    nodes: v.nodes.map(n => ({target: n.target, html: n.html,
                                              failureSummary: n.failureSummary}))}));
            }""",
            list(tags),
        )
        issues.extend(found)
        if reflow:
            page.set_viewport_size({"width": _REFLOW_WIDTH, "height": 640})
            wide = _too_wide(page)
            if wide:
                issues.append(
                    _issue(
                        "reflow",
                        f"Content is wider than a {_REFLOW_WIDTH} pixel screen (WCAG 1.4.10 reflow)",
                        wide,
                    )
                )
        if printed:
            page.emulate_media(media="print")
            page.set_viewport_size({"width": _PRINT_WIDTH, "height": 1000})
            wide = _too_wide(page)
            if wide:
                issues.append(_issue("print-overflow", "Content is cut off when printed on A4 paper", wide))
            hidden = page.evaluate(
                """() => [...document.querySelectorAll('details:not([open]) > :not(summary)')]
                    .filter(e => !e.checkVisibility())
                    .map(e => ['details > ' + e.tagName.toLowerCase(), e.outerHTML.slice(0, 200)])"""
            )
            if hidden:
                issues.append(
                    _issue("print-hidden-content", "Collapsed content (a closed <details>) is missing on paper", hidden)
                )
        if layout:
            issues.extend(layout_issues(page, layout))
        return issues
    finally:
        page.close()


def _too_wide(page) -> list[tuple[str, str]]:
    """Elements sticking out beyond the viewport when the document itself scrolls sideways."""
    return [
        (t, h)
        for t, h in page.evaluate(
            """() => {
                const w = document.documentElement.clientWidth;
                if (document.documentElement.scrollWidth <= w + 1) return [];
                const out = [];
                for (const el of document.body.querySelectorAll('*')) {
                    const r = el.getBoundingClientRect();
                    if (r.right > w + 1 && !el.closest('.table-wrap, pre')) {
                        const id = el.id ? '#' + el.id : '';
                        const cls = el.classList.length ? '.' + [...el.classList].join('.') : '';
                        out.push([el.tagName.toLowerCase() + id + cls, el.outerHTML.slice(0, 200)]);
                        if (out.length >= 5) break;
                    }
                }
                return out.length ? out : [['html', 'the document is wider than the screen']];
            }"""
        )
    ]


_LAYOUT_JS = """(vw) => {
    const opened = [...document.querySelectorAll('details:not([open])')];
    opened.forEach(d => { d.open = true; });
    const px = v => parseFloat(v) || 0;
    const inner = el => {
        const cs = getComputedStyle(el);
        return el.clientWidth - px(cs.paddingLeft) - px(cs.paddingRight);
    };
    const text = el => (el ? el.textContent : '').replace(/\\s+/g, ' ').trim();
    const describe = el => {
        const id = el.id ? '#' + el.id : '';
        const cls = el.classList.length ? '.' + [...el.classList].join('.') : '';
        return el.tagName.toLowerCase() + id + cls;
    };
    const clipped = (el, stop) => {  // inside a visually hidden box (1 px, clipped): read aloud, not seen
        for (let a = el; a && a !== stop; a = a.parentElement) {
            const r = a.getBoundingClientRect(), cs = getComputedStyle(a);
            if ((r.width <= 1 || r.height <= 1) && (cs.overflow !== 'visible' || cs.clip !== 'auto')) return true;
        }
        return false;
    };
    const tables = [];
    document.querySelectorAll('table').forEach((t, i) => {
        const r = t.getBoundingClientRect();
        if (r.width === 0 || !t.checkVisibility() || clipped(t, document.body)) return;
        const width = Math.max(r.width, t.scrollWidth);
        const th = t.querySelector('th');
        const label = text(t.caption) ? 'table "' + text(t.caption).slice(0, 80) + '"'
            : th && text(th) ? 'table headed "' + text(th).slice(0, 60) + '"' : 'table ' + (i + 1) + ' of the page';
        let box = null, room = 0;
        for (let a = t.parentElement; a && a !== document.documentElement; a = a.parentElement) {
            const d = getComputedStyle(a).display;
            if (d === 'inline' || d === 'contents' || a.clientWidth === 0) continue;
            if (width > inner(a) + 1) { box = a; room = inner(a); break; }
        }
        let cell = null;
        for (const c of t.querySelectorAll('th, td')) {
            if (c.checkVisibility() && c.scrollWidth > c.clientWidth + 1 && !clipped(c, t)) { cell = c; break; }
        }
        if (box || cell) tables.push({
            label: label, html: t.outerHTML.slice(0, 200), width: Math.round(width),
            box: box ? describe(box) : null, room: Math.round(room),
            cell: cell ? text(cell).slice(0, 60) : null,
            cellWidth: cell ? cell.clientWidth : 0, cellContent: cell ? cell.scrollWidth : 0,
        });
    });
    const doc = document.documentElement;
    const wide = [];
    if (doc.scrollWidth > doc.clientWidth + 1) {
        for (const el of document.body.querySelectorAll('*')) {
            const r = el.getBoundingClientRect();
            if (r.right > doc.clientWidth + 1 && r.width > 0) {
                wide.push([describe(el), el.outerHTML.slice(0, 200)]);
                if (wide.length >= 5) break;
            }
        }
    }
    opened.forEach(d => { d.open = false; });
    return {tables: tables, scrollWidth: doc.scrollWidth, screen: doc.clientWidth, wide: wide};
}"""


def layout_issues(page, widths: Sequence[int] = LAYOUT_WIDTHS) -> list[dict]:
    """Tables wider than their box, and a page wider than the screen, at each viewport width.

    Run in an open Playwright page (screen media). At each width every ``<details>`` is opened
    (a reader opens "the numbers behind"), then the layout Chromium computes is measured:

    ``table-too-wide``
        a visible table whose width (the larger of ``getBoundingClientRect().width`` and
        ``scrollWidth``) exceeds the content box of its nearest block ancestor, or of any ancestor
        further out (so a table scrolling inside ``div.table-wrap`` is too wide), or a cell whose
        content sticks out of it;
    ``page-too-wide``
        ``document.documentElement.scrollWidth`` is more than the viewport's width.

    Parameters
    ----------
    page : playwright.sync_api.Page
        The page, already loaded.
    widths : sequence of int
        Viewport widths in CSS pixels (default :data:`LAYOUT_WIDTHS`).

    Returns
    -------
    list of dict
        Issues in the format of :func:`check_pages`, each with ``page`` (the file name), ``width``
        (the viewport width) and one node per element, named by its caption or first header.
    """
    name = page.url.rsplit("/", 1)[-1].split("#", 1)[0]
    page.emulate_media(media="screen")
    issues = []
    for width in widths:
        page.set_viewport_size({"width": int(width), "height": 900})
        found = page.evaluate(_LAYOUT_JS, int(width))
        nodes = []
        for t in found["tables"]:
            if t["box"]:
                why = f"{t['label']} is {t['width']} px wide in a {t['room']} px box ({t['box']})"
            else:
                why = f"{t['label']}: the cell \"{t['cell']}\" holds {t['cellContent']} px in {t['cellWidth']} px"
            nodes.append({"target": [t["label"]], "html": t["html"], "failureSummary": why})
        if nodes:
            issues.append({
                "id": "table-too-wide", "impact": "serious", "page": name, "width": int(width), "helpUrl": "",
                "help": f"A table is wider than its box on a {width} pixel wide screen", "nodes": nodes,
            })
        if found["scrollWidth"] > found["screen"] + 1:
            why = f"{name} is {found['scrollWidth']} px wide on a {found['screen']} px wide screen"
            wide = found["wide"] or [["html", "the document"]]
            issues.append({
                "id": "page-too-wide", "impact": "serious", "page": name, "width": int(width), "helpUrl": "",
                "help": f"The page is wider than a {width} pixel wide screen",
                "nodes": [{"target": [t], "html": h, "failureSummary": why} for t, h in wide],
            })
    return issues


class _Tags(HTMLParser):
    """Collects start tags (with attributes) and text of ``<style>`` elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str], str]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: (v or "") for k, v in attrs}, self.get_starttag_text() or ""))
        self._in_style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, {k: (v or "") for k, v in attrs}, self.get_starttag_text() or ""))

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def static_issues(page_html: str) -> list[dict]:
    """Checks that need no browser: self-containment, scripts, local paths, alt text, code.

    Parameters
    ----------
    page_html : str
        The page's HTML.

    Returns
    -------
    list of dict
        Issues in the same format as axe-core's violations (empty when the page passes).
    """
    parser = _Tags()
    parser.feed(page_html)
    parser.close()
    external, local, scripts, alts = [], [], [], []
    for tag, attrs, raw in parser.tags:
        snippet = _DATA_URI.sub("data:…", raw)
        if tag == "script":
            scripts.append((tag, snippet))
        if any(name.startswith("on") for name in attrs):
            scripts.append((tag, snippet))
        resources = [attrs.get(a, "") for a in ("src", "poster", "data", "background") if a in attrs]
        if tag == "link" and "href" in attrs:
            resources.append(attrs["href"])
        for srcset in (attrs.get("srcset", ""), attrs.get("imagesrcset", "")):
            resources += [part.strip().split(" ")[0] for part in srcset.split(",") if part.strip()]
        resources += _CSS_URL.findall(attrs.get("style", ""))
        for res in resources:
            if _ABSOLUTE.match(res):
                external.append((f"{tag}[{res[:80]}]", snippet))
            elif not res.strip().lower().startswith("data:"):
                local.append((f"{tag}[{res[:80]}]", snippet))
        if tag == "img" or (tag == "input" and attrs.get("type") == "image"):
            decorative = attrs.get("role") in {"presentation", "none"} or attrs.get("aria-hidden") == "true"
            alt = attrs.get("alt")
            label = attrs.get("aria-label", "").strip()
            text = " ".join((alt or label).split())
            if alt is None and not label:
                alts.append(("img", snippet, "has no alt attribute"))
            elif not decorative and (text.lower() in _GENERIC_ALT or _GENERIC_ALT_RE.match(text)):
                alts.append(("img", snippet, f"has a generic or empty alt text ({text!r})"))
    for css in parser.styles:
        external += [(f"style[{u[:80]}]", u) for u in _CSS_URL.findall(css)]

    issues = []
    if external:
        issues.append(_issue("external-resource", "The page loads a resource from another website", external, "critical"))
    if local:
        issues.append(
            _issue("not-self-contained", "The page loads a file instead of embedding it as a data: URI", local)
        )
    if scripts:
        issues.append(_issue("script", "Published pages carry no scripts or event handlers", scripts))
    if alts:
        issues.append(
            {
                **_issue("generic-alt", "Every chart needs alt text that says what it shows", []),
                "nodes": [{"target": [t], "html": s[:300], "failureSummary": f"The image {why}"} for t, s, why in alts],
            }
        )
    text = _DATA_URI.sub("data:…", page_html)
    paths = sorted({m.group(0) for m in _LOCAL_PATH.finditer(text)})
    if paths:
        nodes = []
        for found in paths:
            at = text.index(found)
            nodes.append((found, _html.unescape(text[max(0, at - 60) : at + 80])))
        issues.append(_issue("local-path", "The page shows a local file path", nodes))
    code = [m.group(0) for m in _CODE_SHOWN.finditer(text)]
    if code:
        issues.append(_issue("code-shown", "The page shows program code, a prompt or a traceback", [(c, c) for c in code]))
    return issues


def format_issues(results: dict[Path, list[dict]]) -> str:
    """A plain-text report of :func:`check_pages` results, one line per problem element."""
    lines = []
    for path, issues in results.items():
        if not issues:
            lines.append(f"{path}: no issues")
            continue
        for issue in issues:
            lines.append(f"{path}: {issue['id']} ({issue.get('impact') or 'unknown impact'}): {issue['help']}")
            for node in issue.get("nodes", [])[:10]:
                target = ", ".join(str(t) for t in node.get("target", []))
                lines.append(f"    {target}: {node.get('html', '')[:160]}")
            if issue.get("helpUrl"):
                lines.append(f"    see {issue['helpUrl']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``perfkit a11y PAGE.html|FOLDER ...``: check pages; exit 0 clean, 1 issues, 2 unusable.

    Parameters
    ----------
    argv : list of str, optional
        Page paths (a folder means every ``*.html`` under it).
    """
    import argparse

    parser = argparse.ArgumentParser(
        prog="perfkit a11y", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run axe-core (WCAG 2.1 A/AA) in headless Chromium, the self-containment checks and the layout "
        "check (tables and page within a 500 and a 1280 px screen) over each page.",
        epilog="exit codes:\n  0  every page passed\n  1  a page has issues (listed)\n"
        "  2  no page given, or no browser to check with (bash .ci/install-browser)")
    parser.add_argument("pages", nargs="+", metavar="PAGE", help="an HTML page, or a folder (every *.html under it)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    pages: list[Path] = []
    for arg in args.pages:
        p = Path(arg)
        pages += sorted(p.rglob("*.html")) if p.is_dir() else [p]
    try:
        results = check_pages(pages)
    except PerfkitError as exc:
        print(f"perfkit a11y: error: {exc}", file=sys.stderr)
        return 2
    print(format_issues(results))
    bad = sum(1 for issues in results.values() if issues)
    print(f"{len(results)} page(s) checked; {bad} with issues")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
