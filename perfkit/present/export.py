"""Board-ready HTML: executed notebooks and other pages turned into accessible, self-contained pages.

The export is what the Board and the public read, so it must read like a statistical bulletin,
not like a notebook, and it must meet the Public Sector Bodies Accessibility Regulations 2018
(WCAG 2.1 AA; ``../shared/DOMAIN.md`` section 7).

How a notebook becomes a page
-----------------------------
1. :func:`notebook_to_html` copies the notebook and cleans the copy: the Papermill
   ``parameters`` and ``injected-parameters`` cells, Papermill's error banners and cells tagged
   ``remove-cell`` are dropped; stream outputs (stdout and stderr), error outputs, plain-text reprs, JavaScript and
   widgets are dropped; execution counts, cell ids and all notebook and cell metadata (Papermill
   timestamps and durations, kernel names) are removed. An image output without alt text is a
   :class:`~perfkit.errors.PerfkitError`: no chart is published without a text alternative.
2. nbconvert's :class:`~nbconvert.exporters.HTMLExporter` renders the copy in-process with the
   project template ``perfkit/present/templates/perfkit`` (code inputs and prompts hidden; rich outputs
   ``text/html``, ``text/markdown`` and images kept; nothing links require.js, MathJax or a CDN).
3. The body is finished in Python: ``<script>``, ``<style>``, ``<link>``, ``<iframe>`` and similar
   elements in outputs are removed; the heading outline is made to have exactly one ``h1`` and no
   skipped levels; every heading gets a stable ``id``; every table is wrapped in a focusable,
   labelled ``div.table-wrap`` that scrolls sideways on a small screen.
4. :func:`page` wraps the body in the page shell (``page.html.j2``): ``lang``, a real
   ``<title>``, a skip link, ``header``/``nav``/``main``/``footer`` landmarks and the inlined
   stylesheet ``perfkit.css`` (screen, small screen and print rules; Analysis Function palette).

The result is byte-deterministic: the same notebook content gives the same bytes, whatever the
Papermill metadata, cell ids, execution counts or the machine. Write it with
``Path.write_text(html, encoding="utf-8")``.

CSS classes the reports can use
-------------------------------
``notice`` (with ``notice-missing``, ``notice-restricted``, ``notice-revision``) on a
``<div role="note">``; ``evidence`` on the list of evidence statements; ``caveats`` on a caveat
list (``caveat`` on a single caveat paragraph); ``<figure>`` with ``<figcaption>`` (``headline``
and ``subtitle`` spans or paragraphs, ``source``); ``table-wrap`` (added automatically);
``num`` on numeric cells; ``lede``; ``visually-hidden``.
"""

from __future__ import annotations

import base64
import copy
import functools
import html as _html
import re
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import nbformat
from bs4 import BeautifulSoup, NavigableString
from bs4.dammit import EntitySubstitution
from bs4.formatter import HTMLFormatter

from perfkit.errors import PerfkitError

__all__ = [
    "EDITIONS",
    "SITE_NAME",
    "TEMPLATE_DIR",
    "notebook_to_html",
    "notebook_body",
    "page",
    "accessibility_statement",
    "stylesheet",
    "glossary",
    "Term",
    "link_terms",
    "parse",
    "serialise",
    "render",
]

#: Folder holding the project's nbconvert template, page shell and stylesheet.
TEMPLATE_DIR: Path = Path(__file__).resolve().parent / "templates"

#: The editions a page can belong to, with the label shown in the page header.
EDITIONS: dict[str, str] = {"public": "Public edition", "board": "Board edition"}

#: The name shown at the top of every page.
SITE_NAME = "Police and Crime Plan performance"

# Cells carrying any of these tags are never published.
_DROP_CELL_TAGS = frozenset(
    {
        "parameters",
        "injected-parameters",
        "papermill-error-cell-tag",  # Papermill's "An Exception was encountered" banners
        "remove-cell",
        "remove_cell",
        "hide-cell",
        "hide_cell",
    }
)
# Cells carrying any of these tags are published without their outputs.
_DROP_OUTPUT_TAGS = frozenset({"remove-output", "remove_output", "hide-output", "hide_output"})

# The output types published, best first; anything else (text/plain, JavaScript, widgets, LaTeX)
# is dropped by the template.
_DISPLAY_PRIORITY = ["text/html", "text/markdown", "image/svg+xml", "image/png", "image/jpeg", "text/plain"]
_IMAGE_TYPES = ("image/svg+xml", "image/png", "image/jpeg")

_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_STRIP_TAGS = ["script", "style", "iframe", "object", "embed", "noscript", "template", "frameset", "frame",
               "link", "meta", "base"]


class _AsWritten(HTMLFormatter):
    """bs4's output with attributes in the order written (bs4 sorts them by default)."""

    def attributes(self, tag):
        return list(tag.attrs.items()) if tag.attrs else []


_FORMATTER = _AsWritten(entity_substitution=EntitySubstitution.substitute_xml, void_element_close_prefix=None,
                        empty_attributes_are_booleans=False, indent=0)
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


def notebook_to_html(
    nb: nbformat.NotebookNode,
    *,
    title: str,
    lang: str = "en-GB",
    edition: str = "public",
    site_nav: Sequence[tuple[str, str]] = (),
    description: str = "",
    glossary: "str | None" = None,
) -> str:
    """Render an executed notebook as a self-contained, accessible HTML page.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook (version 4). It is not modified.
    title : str
        The page's ``<title>`` (e.g. ``"Objective 1: keeping people safe, 2015/16 Q1"``). When the
        notebook has no level-1 heading this also becomes the page's ``h1``.
    lang : str, default "en-GB"
        The page language (BCP 47), written to ``<html lang>``.
    edition : {"public", "board"}
        Which edition the page belongs to; shown in the header. Board pages carry a notice that
        they may hold restricted material.
    site_nav : sequence of (label, href)
        Links for the site navigation (relative links such as ``"index.html"``); no ``nav`` is
        written when empty.
    description : str, default ""
        One sentence for ``<meta name="description">`` (omitted when empty).
    glossary : str or None, default None
        Where the glossary is (``"glossary.html"``; ``""`` for the same page): the first use of
        each glossary term is linked to its definition (:func:`link_terms`). ``None``: no links.

    Returns
    -------
    str
        The complete HTML document. The same notebook content always gives the same string.

    Raises
    ------
    PerfkitError
        If the title is empty, the language or edition is invalid, or an image output has no
        alt text (the message names the cell).
    """
    body = notebook_body(nb)
    return page(title, body, lang=lang, site_nav=site_nav, edition=edition, description=description,
                glossary=glossary)


def notebook_body(nb: nbformat.NotebookNode) -> str:
    """Render just the body of a notebook (no page shell, outline not yet fixed).

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook; not modified.

    Returns
    -------
    str
        HTML fragments, one ``div.cell`` per published cell.
    """
    clean = _clean_notebook(nb)
    body, _ = _exporter().from_notebook_node(clean, resources={"metadata": {"name": "report", "path": ""}})
    return body


def page(
    title: str,
    body_html: str,
    *,
    lang: str = "en-GB",
    site_nav: Sequence[tuple[str, str]] = (),
    edition: str = "public",
    description: str = "",
    glossary: "str | None" = None,
) -> str:
    """Wrap HTML (an index page, the accessibility statement, a report body) in the page shell.

    Parameters
    ----------
    title : str
        The page's ``<title>``; also its ``h1`` when ``body_html`` has none.
    body_html : str
        The content of ``<main>``. ``<script>``, ``<style>``, ``<link>``, ``<meta>``,
        ``<iframe>``, ``<object>`` and ``<embed>`` elements are removed (other resources, such as
        an ``<img>`` pointing at a file, are left for :mod:`perfkit.present.a11y` to report); headings are
        renumbered so there is one ``h1`` and no skipped level; tables are wrapped so they scroll
        sideways on a small screen.
    lang, site_nav, edition, description, glossary
        As for :func:`notebook_to_html`.

    Returns
    -------
    str
        The complete HTML document (UTF-8 text, ``\\n`` line endings).
    """
    title = _check_text("title", title)
    if not isinstance(lang, str) or not _LANG.match(lang):
        raise PerfkitError(f"page language: found {lang!r}; expected a BCP 47 tag such as 'en-GB' or 'cy'")
    if edition not in EDITIONS:
        raise PerfkitError(f"page edition: found {edition!r}; expected one of {', '.join(EDITIONS)}")
    nav = [(_check_text("site_nav label", label), _check_text("site_nav href", href)) for label, href in site_nav]

    from markupsafe import Markup

    body = _finish_body(body_html, title, glossary)
    template = _jinja_env().get_template("perfkit/page.html.j2")
    out = template.render(
        lang=lang,
        title=title,
        description=" ".join(description.split()) if description else "",
        css=Markup(stylesheet().strip() + "\n" + _read_template_file("site.css").strip()),
        edition=edition,
        edition_label=EDITIONS[edition],
        site_name=SITE_NAME,
        site_nav=nav,
        body=Markup(body.strip()),
        licence_url="https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    )
    out = out.replace("\r\n", "\n")
    out = "\n".join(line.rstrip() for line in out.split("\n"))
    return _BLANK_LINES.sub("\n\n", out).strip() + "\n"


def render(template: str, **context) -> str:
    """Render one of the project's Jinja2 templates (``perfkit/present/templates/perfkit/<template>``) with
    autoescape on: pass ready HTML (a figure's ``<data>`` markup) as :class:`markupsafe.Markup`."""
    return _jinja_env().get_template(f"perfkit/{template}").render(**context)


def stylesheet() -> str:
    """The project stylesheet (``perfkit/present/templates/perfkit/perfkit.css``), inlined in every page
    (followed by ``site.css``, the styles of the index, glossary and board pack)."""
    return _read_template_file("perfkit.css")


def accessibility_statement(
    organisation: str,
    contact: str = "",
    *,
    website: str = "the Police and Crime Plan performance reports",
    prepared: str | None = None,
    limitations: Iterable[str] = (),
) -> str:
    """The body of an accessibility statement page (Public Sector Bodies Accessibility Regulations 2018).

    Follows the structure of the GOV.UK model statement: who runs the pages and what users
    should be able to do, how accessible they are (with their known limitations stated
    honestly), how to ask for another format or report a problem, the enforcement procedure
    (Equality and Human Rights Commission), the compliance status against WCAG 2.1 AA and how
    the pages were tested. Wrap it with :func:`page`.

    Parameters
    ----------
    organisation : str
        Who publishes the pages, e.g. ``"the Office of the Police and Crime Commissioner for
        Cambridgeshire and Peterborough"``.
    contact : str, default ""
        How to reach the publisher (an email address, phone number or postal address; plain
        text, escaped). When empty the statement points to the organisation's own website.
    website : str, keyword-only
        What the statement covers, as it reads after "This statement applies to".
    prepared : str or None, keyword-only
        The date the statement was prepared, as text (e.g. ``"26 November 2026"``). Pass the
        publication date so the page stays byte-reproducible; omitted when None.
    limitations : iterable of str, keyword-only
        Further known limitations (plain text), listed after the standard ones.

    Returns
    -------
    str
        HTML for the content of ``<main>``, starting with its ``h1``.
    """
    org = _check_text("organisation", organisation)
    site = _check_text("website", website)
    if contact.strip():
        how = f"contact {org}: {' '.join(contact.split())}"
    else:
        how = f"contact {org} using the contact details on its website"
    return render("accessibility.html.j2", org=org, site=site, how=how, prepared=prepared,
                  limitations=[" ".join(str(item).split()) for item in limitations])


# --------------------------------------------------------------------------------------------
# Private helpers
# --------------------------------------------------------------------------------------------


def _check_text(what: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PerfkitError(f"page {what}: found {value!r}; expected non-empty text")
    return " ".join(value.split())


@functools.lru_cache(maxsize=None)
def _read_template_file(name: str) -> str:
    path = TEMPLATE_DIR / "perfkit" / name
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PerfkitError(f"{path}: cannot read the export template file ({exc}); reinstall perfkit") from exc


@functools.lru_cache(maxsize=1)
def _jinja_env():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


_LOCAL = threading.local()


def _exporter():
    """One HTMLExporter per thread (building one loads the templates: about 0.1 s)."""
    exporter = getattr(_LOCAL, "exporter", None)
    if exporter is None:
        from nbconvert.exporters import HTMLExporter

        exporter = _LOCAL.exporter = HTMLExporter(config=_exporter_config())
    return exporter


def _exporter_config():
    from traitlets.config import Config

    c = Config()
    c.HTMLExporter.extra_template_basedirs = [str(TEMPLATE_DIR)]
    c.HTMLExporter.template_name = "perfkit"
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.HTMLExporter.exclude_anchor_links = True
    c.HTMLExporter.embed_images = True
    c.HTMLExporter.display_data_priority = list(_DISPLAY_PRIORITY)
    return c


def _chosen_type(output) -> str | None:
    data = output.get("data", {})
    for mime in _DISPLAY_PRIORITY:
        if mime in data:
            return mime
    return None


def _image_alt(output, cell, index: int) -> str:
    """The alt text of an image output, from its metadata or its cell's; raise when there is none."""
    meta = output.get("metadata", {}) or {}
    candidates = []
    for mime in _IMAGE_TYPES:
        sub = meta.get(mime)
        if isinstance(sub, dict):
            candidates.append(sub.get("alt"))
    candidates += [meta.get("alt"), (cell.get("metadata", {}) or {}).get("alt")]
    for alt in candidates:
        if isinstance(alt, str) and alt.strip():
            return " ".join(alt.split())
    first = next((line for line in cell.get("source", "").splitlines() if line.strip()), "")
    raise PerfkitError(
        f"notebook cell {index} ({first.strip()[:60]!r}): an image output has no alt text; "
        "expected the chart to be displayed through perfkit.present.charts (a <figure> with alt text and a data "
        "table) or the output metadata to carry {'alt': '...'}; a chart without a text alternative "
        "cannot be published"
    )


def _clean_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` holding only what is published, with every volatile field removed."""
    if not isinstance(nb, dict) or "cells" not in nb:
        raise PerfkitError(f"notebook_to_html: found {type(nb).__name__}; expected an nbformat NotebookNode")
    cells = []
    for index, cell in enumerate(nb["cells"]):
        tags = set((cell.get("metadata", {}) or {}).get("tags", []) or [])
        if tags & _DROP_CELL_TAGS:
            continue
        kind = cell.get("cell_type")
        if kind == "markdown":
            new = nbformat.v4.new_markdown_cell(source=_source(cell))
            if cell.get("attachments"):
                new["attachments"] = copy.deepcopy(cell["attachments"])
        elif kind == "code":
            new = nbformat.v4.new_code_cell(source="")
            if not tags & _DROP_OUTPUT_TAGS:
                new["outputs"] = _clean_outputs(cell, index)
        else:
            continue  # raw cells are never published
        new["id"] = f"c{len(cells)}"
        cells.append(new)
    clean = nbformat.v4.new_notebook(cells=cells)
    clean["metadata"] = {"language_info": {"name": "python"}}
    return clean


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _clean_outputs(cell, index: int) -> list:
    outputs = []
    for output in cell.get("outputs", []) or []:
        if output.get("output_type") not in {"display_data", "execute_result"}:
            continue  # streams and errors are never shown
        chosen = _chosen_type(output)
        if chosen in (None, "text/plain"):
            continue  # plain reprs are debugging output (and often hold memory addresses)
        data = {chosen: copy.deepcopy(output["data"][chosen])}
        if isinstance(data[chosen], list):
            data[chosen] = "".join(data[chosen])
        meta: dict = {}
        if chosen in _IMAGE_TYPES:
            meta["perfkit_alt"] = _image_alt(output, cell, index)
            if chosen == "image/svg+xml":
                meta["perfkit_svg_b64"] = base64.b64encode(data[chosen].encode("utf-8")).decode("ascii")
        outputs.append(nbformat.v4.new_output("display_data", data=data, metadata=meta))
    return outputs


def _finish_body(body: str, title: str, glossary_href: "str | None" = None) -> str:
    soup = parse(body)
    for tag in soup.find_all(_STRIP_TAGS):
        tag.decompose()
    for cell in soup.find_all("div", class_="cell-out"):
        if cell.get("class") == ["cell", "cell-out"] and all(
                isinstance(c, NavigableString) and not c.strip() for c in cell.contents):
            _drop_with_space(cell)
    _fix_outline(soup, title)
    _wrap_tables(soup)
    if glossary_href is not None:
        link_terms(soup, glossary_href)
    return serialise(soup)


def parse(fragment: str) -> "BeautifulSoup":
    """Parse an HTML fragment or page with BeautifulSoup's ``html.parser`` (which keeps the markup's
    nesting and whitespace as written)."""
    return BeautifulSoup(fragment, "html.parser")


def serialise(soup) -> str:
    """HTML text of a parsed fragment: void elements without a slash, only ``&``, ``<`` and ``>``
    escaped in text (and ``"`` in attribute values), so the bytes are as nbconvert wrote them."""
    return soup.decode(formatter=_FORMATTER)


def _drop_with_space(tag) -> None:
    following = tag.next_sibling
    if isinstance(following, NavigableString) and not following.strip():
        following.extract()
    tag.decompose()


def _plain(fragment) -> str:
    text = fragment.get_text(" ") if hasattr(fragment, "get_text") else _html.unescape(str(fragment))
    return " ".join(text.split())


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60].rstrip("-") or "section"


_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def _strip_inner(tag) -> None:
    """Remove whitespace at the start and end of an element's content."""
    if tag.contents and isinstance(tag.contents[0], NavigableString):
        tag.contents[0].replace_with(tag.contents[0].lstrip())
    if tag.contents and isinstance(tag.contents[-1], NavigableString):
        tag.contents[-1].replace_with(tag.contents[-1].rstrip())


def _fix_outline(soup, title: str) -> None:
    """One ``h1`` (the first), no skipped levels, a unique stable ``id`` on every heading."""
    headings = soup.find_all(_HEADINGS)
    if not any(h.name == "h1" for h in headings):
        h1 = soup.new_tag("h1")
        h1.string = title
        soup.insert(0, h1)
        h1.insert_after("\n")
        headings = [h1] + headings
    taken = {"main"} | {t["id"] for t in soup.find_all(id=True) if t.name not in _HEADINGS}
    prev, seen_h1 = 1, False
    for h in headings:
        level = int(h.name[1])
        if level == 1 and not seen_h1:
            new_level, seen_h1 = 1, True
        else:
            new_level = min(max(level, 2), prev + 1, 6)
        prev = new_level
        base = h.get("id") or _slug(_plain(h)) or "section"
        ident, n = base, 2
        while ident in taken:
            ident, n = f"{base}-{n}", n + 1
        taken.add(ident)
        others = {k: v for k, v in h.attrs.items() if k != "id"}
        h.attrs = {"id": ident, **others}
        h.name = f"h{new_level}"
        _strip_inner(h)


def _wrap_tables(soup) -> None:
    """Wrap each top-level table in a labelled, focusable ``div.table-wrap`` (scrolls sideways)."""
    tables = [t for t in soup.find_all("table") if t.find_parent("table") is None]
    for count, table in enumerate(tables, start=1):
        caption = table.find("caption")
        text = _plain(caption) if caption is not None and caption.find_parent("table") is table else ""
        label = f"Table: {text}" if text else f"Table {count}"
        parent = table.parent
        if parent is not None and parent.name == "div" and "table-wrap" in (parent.get("class") or []) \
                and table.find_previous_sibling() is None and _only_space_before(table):
            given = parent.get("aria-label")
            parent.attrs = _wrap_attrs(given or label)
        else:
            table.wrap(soup.new_tag("div", attrs=_wrap_attrs(label)))


def _only_space_before(tag) -> bool:
    sib = tag.previous_sibling
    while sib is not None:
        if not isinstance(sib, NavigableString) or sib.strip():
            return False
        sib = sib.previous_sibling
    return True


def _wrap_attrs(label: str) -> dict:
    return {"class": "table-wrap", "role": "region", "tabindex": "0", "aria-label": label}


# --------------------------------------------------------------------------------------------
# The glossary and links to it
# --------------------------------------------------------------------------------------------


class Term:
    """A glossary term: ``id`` (the link target), ``term`` (as headed), ``uses`` (phrases that count
    as a use of it) and ``definition`` (plain English)."""

    __slots__ = ("id", "term", "uses", "definition")

    def __init__(self, id: str, term: str, uses: tuple, definition: str):
        self.id, self.term, self.uses, self.definition = id, term, uses, definition

    def __repr__(self) -> str:
        return f"Term({self.id!r})"


@functools.lru_cache(maxsize=1)
def glossary() -> tuple:
    """The glossary (``perfkit/present/templates/perfkit/glossary.yaml``) as a tuple of :class:`Term`,
    in the order written.

    Raises
    ------
    PerfkitError
        If the file is malformed (the message names the file and key).
    """
    from perfkit.config.params import Node

    import yaml

    path = TEMPLATE_DIR / "perfkit" / "glossary.yaml"
    node = Node(yaml.safe_load(_read_template_file("glossary.yaml")), path)
    terms, seen = [], set()
    for item in node.children("terms"):
        item.only({"id", "term", "uses", "definition"})
        ident = item.str("id")
        if not re.fullmatch(r"[a-z][a-z0-9-]*", ident) or ident in seen:
            item.fail(f"found {ident!r}; expected a unique id of lower-case letters, digits and hyphens", "id")
        seen.add(ident)
        terms.append(Term(ident, item.str("term"), tuple(item.str_list("uses")), " ".join(item.str("definition").split())))
    return tuple(terms)


# Text inside these elements is never linked to the glossary.
_NO_LINK = frozenset({"a", "data", "button", "summary", "label", "select", "option", "textarea", "title",
                      "script", "style", "svg", "code", "pre", "dt"} | set(_HEADINGS))


@functools.lru_cache(maxsize=1)
def _term_pattern():
    uses = sorted(((use, term.id) for term in glossary() for use in term.uses), key=lambda u: -len(u[0]))
    lookup = {use.lower(): ident for use, ident in uses}
    pattern = re.compile("|".join(rf"(?<![\w-]){re.escape(use)}(?![\w-])" for use, _ in uses), re.IGNORECASE)
    return pattern, lookup


def _linkable(node) -> bool:
    for parent in node.parents:
        if parent.name in _NO_LINK or parent.get("id") == "glossary" or parent.get("aria-hidden") == "true":
            return False
        if "no-glossary" in (parent.get("class") or []) or "visually-hidden" in (parent.get("class") or []):
            return False
    return True


def link_terms(soup, href: str = "glossary.html") -> None:
    """Link the first use of each glossary term in ``soup`` to its definition, in place.

    ``href`` is the glossary page (``"glossary.html"``), or ``""`` when the glossary is on the
    same page. Only text is linked, never inside a heading, a link, a ``<data>`` figure, a
    ``<summary>`` or the glossary itself; a term already linked on the page is not linked again.
    """
    pattern, lookup = _term_pattern()
    done = set()
    for a in soup.find_all("a", href=True):
        target = a["href"]
        if "#" in target and target.split("#", 1)[0] in ("", href):
            done.add(target.split("#", 1)[1])
    for node in list(soup.find_all(string=pattern)):
        if type(node) is not NavigableString or not _linkable(node):
            continue
        text, pos, pieces = str(node), 0, []
        for m in pattern.finditer(text):
            ident = lookup[m.group(0).lower()]
            if ident in done:
                continue
            done.add(ident)
            pieces.append(text[pos:m.start()])
            link = soup.new_tag("a", attrs={"href": f"{href}#{ident}", "class": "term"})
            link.string = m.group(0)
            pieces.append(link)
            pos = m.end()
        if not pieces:
            continue
        pieces.append(text[pos:])
        for piece in pieces:
            if isinstance(piece, str):
                if piece:
                    node.insert_before(NavigableString(piece))
            else:
                node.insert_before(piece)
        node.extract()
