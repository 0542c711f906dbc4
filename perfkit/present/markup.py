"""The analysts' markdown made safe to publish: rendered to HTML, then cleaned to an allow-list.

Narrative is often pasted from partners' emails and documents, and the public pages are the
Commissioner's website, so nothing in a narrative file may run code there. :func:`narrative_html`
renders the markdown as every other markdown of a page is rendered (nbconvert's renderer, raw
HTML passed through), then cleans the result with nh3 (the Python binding of the Rust sanitiser
ammonia) to :data:`TAGS` and :data:`ATTRIBUTES`: paragraphs, emphasis, lists, block quotes, tables,
headings and links. A link keeps its address only when it is ``http:``, ``https:``, ``mailto:`` or
relative to the site (``objective-2.html#burglary``); an event handler (``onerror``, ``onclick``,
``onload``...), a ``javascript:`` or ``data:`` address, an image, a form, a ``<script>`` or an
``<iframe>`` never survives. Text is kept: an element off the list loses its tags, not its words
(a ``<script>``, ``<style>`` or ``<iframe>`` loses both).

What the cleaning removed is returned as data (:class:`Removal`), so the analysts' checks page can
name the file and the markup (``perfkit.reports.site.pre_publication_checks``); the published page
says nothing of it.

Examples
--------
>>> safe = narrative_html('Fell <img src=x onerror="alert(1)"> [see](javascript:alert(2)).')
>>> safe.html
'<p>Fell  <a>see</a>.</p>\\n'
>>> [r.describe() for r in safe.removed]
['the element <img src="x" onerror="alert(1)">', 'the link address javascript:alert(2) of <a>']
>>> plain_text("**Crime fell** by 5% & <b onclick='x()'>more</b>")
'Crime fell by 5% & more'
"""

from __future__ import annotations

import html as _html
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["TAGS", "INLINE_TAGS", "ATTRIBUTES", "URL_SCHEMES", "STYLE_PROPERTIES", "Removal", "SafeHTML",
           "narrative_html", "inline_html", "plain_text"]

#: The elements a narrative may use: paragraphs, emphasis, lists, block quotes, tables, headings, links.
TAGS = frozenset({
    "p", "br", "hr", "blockquote",
    "em", "strong", "b", "i",
    "ul", "ol", "li",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
    "h1", "h2", "h3", "h4", "h5", "h6",
    "a",
})

#: The elements a short text inside a table cell may use (a qualitative evidence item's summary):
#: paragraphs, line breaks, emphasis and links; a heading, list or table there would break the table.
INLINE_TAGS = frozenset({"p", "br", "em", "strong", "b", "i", "a"})

#: The attributes kept, by element (every other attribute, event handlers included, is removed).
ATTRIBUTES = {
    "a": frozenset({"href", "title"}),
    "ol": frozenset({"start"}),
    "th": frozenset({"style", "colspan", "rowspan", "scope"}),
    "td": frozenset({"style", "colspan", "rowspan"}),
}

#: The only addresses a link may point at, besides a relative one (a page or section of the site).
URL_SCHEMES = frozenset({"http", "https", "mailto"})

#: The only properties a ``style`` attribute keeps (markdown tables align their columns with it).
STYLE_PROPERTIES = frozenset({"text-align"})

# Removed with everything inside them, not only their tags.
_DROPPED_WITH_CONTENT = frozenset({"script", "style", "template", "noscript", "iframe", "object", "textarea",
                                   "svg", "math", "title", "select"})
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


@dataclass(frozen=True)
class Removal:
    """One piece of markup the cleaning removed.

    Attributes
    ----------
    element : str
        The element it was on or was (``"img"``, ``"a"``).
    attribute : str
        The attribute removed (``"onclick"``, ``"href"``, ``"style"``), or ``""`` when the whole
        element was removed.
    value : str
        What was written: the attribute's value, or the element's start tag as written.
    with_content : bool
        Whether the element's content went with it (``<script>``, ``<iframe>``...).
    """

    element: str
    attribute: str
    value: str
    with_content: bool = False

    def describe(self) -> str:
        """The removal in a few words, for the checks page."""
        if not self.attribute:
            return f"the element {self.value}" + (" and its content" if self.with_content else "")
        if self.attribute == "href":
            return f"the link address {self.value} of <{self.element}>"
        return f'the attribute {self.attribute}="{self.value}" of <{self.element}>'


@dataclass(frozen=True)
class SafeHTML:
    """A narrative as published: ``html`` (cleaned) and ``removed`` (what the cleaning took out)."""

    html: str
    removed: tuple[Removal, ...] = ()

    def __html__(self) -> str:
        return self.html


def _render(markdown: str) -> str:
    """Markdown to HTML with nbconvert's renderer, as an exported page renders any markdown."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    renderer = IPythonRenderer(escape=False, exclude_anchor_links=True, embed_images=False)
    return MarkdownWithMath(renderer=renderer).render(markdown)


def _clean(html: str, tags=TAGS) -> str:
    import nh3

    return nh3.clean(
        html,
        tags=set(tags),
        clean_content_tags=set(_DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items() if tag in tags},
        url_schemes=set(URL_SCHEMES),
        filter_style_properties=set(STYLE_PROPERTIES),
        link_rel=None,
        strip_comments=True,
    )


def _start_tag(tag) -> str:
    attrs = "".join(f' {k}="{" ".join(v) if isinstance(v, list) else v}"' for k, v in tag.attrs.items())
    return f"<{tag.name}{attrs}>"


def _scheme(url: str) -> str:
    """The scheme of an address as a browser reads it (control characters and spaces removed)."""
    return urlsplit(_CONTROL.sub("", url)).scheme.lower()


def _style_kept(value: str) -> bool:
    props = [d.split(":", 1)[0].strip().lower() for d in value.split(";") if d.strip()]
    return all(p in STYLE_PROPERTIES for p in props)


def _removals(html: str, tags=TAGS) -> tuple[Removal, ...]:
    """What :func:`_clean` takes out of ``html`` under the allow-list ``tags``, in document order."""
    from bs4 import BeautifulSoup

    out: list[Removal] = []
    soup = BeautifulSoup(html, "html.parser")
    # Everything inside a removed element is looked at too: a parser may nest differently from nh3's
    # (an unclosed <svg>), and listing too much is better than hiding what went.
    for tag in soup.find_all(True):
        if tag.name not in tags:
            out.append(Removal(tag.name, "", _start_tag(tag), tag.name in _DROPPED_WITH_CONTENT))
            continue
        allowed = ATTRIBUTES.get(tag.name, frozenset())
        for name, value in tag.attrs.items():
            value = " ".join(value) if isinstance(value, list) else str(value)
            if name not in allowed:
                out.append(Removal(tag.name, name, value))
            elif name == "href" and _scheme(value) and _scheme(value) not in URL_SCHEMES:
                out.append(Removal(tag.name, name, value))
            elif name == "style" and not _style_kept(value):
                out.append(Removal(tag.name, name, value))
    return tuple(out)


def narrative_html(markdown: str) -> SafeHTML:
    """The analysts' markdown as HTML safe to publish, with what was removed.

    Parameters
    ----------
    markdown : str
        A narrative (or any text an analyst wrote) in markdown; raw HTML in it is allowed as far
        as the allow-list goes.

    Returns
    -------
    SafeHTML
        ``html``: the markdown rendered and cleaned by nh3 to :data:`TAGS`, :data:`ATTRIBUTES` and
        :data:`URL_SCHEMES`; ``removed``: each element, attribute or link address taken out.
    """
    raw = _render(markdown)
    return SafeHTML(_clean(raw), _removals(raw))


def inline_html(markdown: str) -> SafeHTML:
    """A short text in markdown as HTML safe to publish inside a table cell: rendered and cleaned as
    :func:`narrative_html` does, to the smaller allow-list :data:`INLINE_TAGS` (paragraphs, emphasis,
    links), with what was removed.

    >>> inline_html("*Inconsistent* service <script>x()</script> [report](https://example.org)").html
    '<p><em>Inconsistent</em> service  <a href="https://example.org">report</a></p>\\n'
    """
    raw = _render(markdown)
    return SafeHTML(_clean(raw, tags=INLINE_TAGS), _removals(raw, INLINE_TAGS))


def plain_text(markdown: str) -> str:
    """Markdown (a headline) as plain text: markup and anything that could run code removed,
    entities read back to characters, spaces collapsed. For text a template escapes itself."""
    text = _clean(_render(markdown), tags=frozenset())
    return " ".join(_html.unescape(text).split())
