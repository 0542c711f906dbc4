"""The quarter's qualitative evidence as the pages show it: a short table per objective, one line in
the Board paper.

The items are values of the evidence model (:attr:`perfkit.evidence.QuarterEvidence.qualitative`,
read from ``params/narrative/<id>/qualitative.yaml`` by :mod:`perfkit.config.qualitative`); this
module words their kinds and dates and cleans their summaries like the narrative
(:func:`perfkit.present.markup.inline_html`), and the templates ``blocks/qualitative.html.j2`` and
``blocks/qualitative-line.html.j2`` lay them out. No items, no output: an objective without
qualitative evidence shows nothing for it, not a placeholder.

Examples
--------
>>> import datetime
>>> from perfkit.config.qualitative import QualitativeItem
>>> item = QualitativeItem(4, "inspection", "HMICFRS", "PEEL 2017", datetime.date(2018, 3, 22),
...                        "https://www.example.org/peel", "Service to *domestic abuse* victims is inconsistent.")
>>> qualitative_table([item], objective=4).count("<tr>")
2
>>> qualitative_table([], objective=4)
Markup('')
"""

from __future__ import annotations

from typing import Iterable

from markupsafe import Markup

from perfkit.present import words
from perfkit.present.display import render
from perfkit.present.markup import Removal, inline_html, plain_text

__all__ = ["KIND_WORDS", "heading", "rows", "removed", "qualitative_table", "qualitative_line"]

#: How each kind of item is named on a page.
KIND_WORDS = {"inspection": "Inspection finding", "victims": "Victims' feedback", "partners": "Partners' information"}

_WHO = {"inspection": "inspections", "victims": "victims", "partners": "partners"}


def heading(items: Iterable) -> str:
    """The heading of the items' table, naming the kinds present: "What inspections, victims and
    partners said", "What inspections said".

    >>> from types import SimpleNamespace as NS
    >>> heading([NS(kind="partners"), NS(kind="inspection")])
    'What inspections and partners said'
    """
    kinds = {i.kind for i in items}
    return f"What {words.join(_WHO[k] for k in _WHO if k in kinds)} said"


def rows(items: Iterable) -> list[dict]:
    """The items as the templates show them: ``source`` and ``title`` as plain text (markup removed,
    the template escapes), ``link``, ``kind`` in words, ``date`` in words with ``iso_date``, and
    ``summary`` cleaned to the inline allow-list (:func:`perfkit.present.markup.inline_html`)."""
    return [{"source": plain_text(i.source), "title": plain_text(i.title), "link": i.link,
             "kind": KIND_WORDS[i.kind], "date": words.day(i.date), "iso_date": i.date.isoformat(),
             "summary": Markup(inline_html(i.summary).html.strip())} for i in items]


def removed(items: Iterable) -> "list[tuple[int, Removal]]":
    """What the cleaning takes out of each item's summary, as ``(index in items, removal)`` pairs (for
    the analysts' checks page; the published page says nothing of it)."""
    return [(n, r) for n, i in enumerate(items) for r in inline_html(i.summary).removed]


def qualitative_table(items: Iterable, objective: int, anchor: str = "") -> Markup:
    """The objective's qualitative evidence as a heading and a short table (source with its link,
    kind, date, what it says), or empty markup when there are no items.

    Parameters
    ----------
    items : iterable of perfkit.config.qualitative.QualitativeItem
        The items to show (already those of the objective and the edition).
    objective : int
        The objective's number, for the table's caption.
    anchor : str, optional
        An ``id`` for the heading.
    """
    items = list(items)
    if not items:
        return Markup("")
    title = heading(items)
    return render("qualitative", items=rows(items), heading=title, anchor=anchor,
                  caption=f"{title} about objective {objective}, with the source and date of each")


def qualitative_line(items: Iterable) -> Markup:
    """The Board paper's one line on an objective's qualitative evidence (each item's source, linked
    title, kind and date), or empty markup when there are no items."""
    items = list(items)
    if not items:
        return Markup("")
    return render("qualitative-line", items=rows(items), heading=heading(items))
