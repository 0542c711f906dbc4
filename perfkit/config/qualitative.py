"""The quarter's qualitative evidence: what inspections, victims and partners said, with its source.

The framework asks for statistics *alongside* qualitative information: inspection findings,
victims' feedback and information from partners. Each quarter may have
``params/narrative/<id>/qualitative.yaml`` beside the narrative files, a list of ``items``, each
with the objective it belongs to, its kind, its source, the date it was published, a link to it
and a short summary in the analysts' words::

    items:
      - objective: 4
        kind: inspection          # inspection, victims or partners
        source: HMICFRS
        title: "PEEL: police effectiveness 2017"
        date: 2018-03-22          # written YYYY-MM-DD
        link: https://www.example.org/report
        summary: The service to domestic abuse victims is not always consistent.
        restricted: false         # optional; true shows the item in the Board edition only

A missing file, an empty one (comments only) or ``items: []`` means no qualitative evidence: the
pages show nothing for it, not a placeholder. The file is read and checked before a run renders
anything (:func:`load_qualitative`); a mistake names the file, the item, the key, what was found
and what was expected. The summary is markdown cleaned like the narrative
(:func:`perfkit.present.markup.inline_html`); a link must be an ``http://`` or ``https://`` address.

Examples
--------
>>> items = parse_qualitative({"items": [{"objective": 4, "kind": "inspection", "source": "HMICFRS",
...     "title": "PEEL 2017", "date": "2018-03-22", "link": "https://www.example.org/peel",
...     "summary": "Service to domestic abuse victims is inconsistent."}]}, "qualitative.yaml", objectives=(1, 4))
>>> items[0].objective, items[0].kind, items[0].date.isoformat()
(4, 'inspection', '2018-03-22')
>>> parse_qualitative(None, "qualitative.yaml")
()
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

from perfkit import config
from perfkit.config.params import Node, load_yaml
from perfkit.periods import Quarter, parse_quarter

__all__ = ["QualitativeItem", "KINDS", "FILE_NAME", "qualitative_path", "load_qualitative", "parse_qualitative",
           "TEMPLATE"]

#: The kinds of qualitative evidence the framework names (the views word them).
KINDS = ("inspection", "victims", "partners")

#: The file's name in the quarter's narrative folder.
FILE_NAME = "qualitative.yaml"

_ITEM_KEYS = {"objective", "kind", "source", "title", "date", "link", "summary", "restricted"}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class QualitativeItem:
    """One piece of qualitative evidence, as the analysts wrote it (values; the views word it).

    Attributes
    ----------
    objective : int
        The Plan objective it belongs to.
    kind : str
        One of :data:`KINDS`: ``"inspection"`` (an inspection finding), ``"victims"`` (victims'
        feedback) or ``"partners"`` (partners' information).
    source : str
        Who published or gave it ("HMICFRS", "Victim and Witness Hub survey").
    title : str
        The document or exchange it comes from; the link's text.
    date : datetime.date
        When it was published or given.
    link : str
        Its ``http://`` or ``https://`` address.
    summary : str
        What it says, in the analysts' words (markdown; cleaned where it is shown).
    restricted : bool
        True when it is for the Board edition only.
    """

    objective: int
    kind: str
    source: str
    title: str
    date: _dt.date
    link: str
    summary: str
    restricted: bool = False


def qualitative_path(quarter: "Quarter | str") -> Path:
    """Where the quarter's qualitative evidence file is: ``params/narrative/<id>/qualitative.yaml``."""
    return config.params_dir() / "narrative" / parse_quarter(quarter).id / FILE_NAME


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(config.project_root()))
    except ValueError:
        return str(path)


def _date(node: Node, key: str) -> _dt.date:
    value = node.get(key)
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return value
    text = str(value).strip()
    if isinstance(value, str) and _DATE.fullmatch(text):
        try:
            return _dt.date.fromisoformat(text)
        except ValueError:
            pass
    node.fail(f"found {value!r}; expected a date written YYYY-MM-DD (e.g. 2018-03-22)", key)


def _link(node: Node, key: str) -> str:
    text = node.str(key)
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in text):
        node.fail(f"found {text!r}; expected a web address starting http:// or https://", key)
    return text


def _item(node: Node, objectives: "tuple[int, ...]") -> QualitativeItem:
    node.only(_ITEM_KEYS)
    objective = node.int("objective")
    if objectives and objective not in objectives:
        node.fail(f"found {objective}; expected one of the Plan's objectives "
                  f"({', '.join(str(n) for n in objectives)})", "objective")
    kind = node.choice("kind", KINDS)
    restricted = node.bool("restricted", False)
    return QualitativeItem(objective=objective, kind=kind, source=node.str("source"), title=node.str("title"),
                           date=_date(node, "date"), link=_link(node, "link"), summary=node.str("summary"),
                           restricted=restricted)


def parse_qualitative(raw: Any, file: "Path | str", objectives: Iterable[int] = ()) -> "tuple[QualitativeItem, ...]":
    """Check the content of a qualitative evidence file (as YAML reads it) and return its items.

    Parameters
    ----------
    raw : object
        What the YAML file holds: ``None`` (an empty file), or a mapping with ``items``, a list.
    file : path or str
        The file's name, for messages.
    objectives : iterable of int
        The Plan's objective numbers; an item naming another is refused (not checked when empty).

    Returns
    -------
    tuple of QualitativeItem
        In the order written (empty for an empty file or ``items: []``).

    Raises
    ------
    ConfigError
        Naming the file, the item (``items[2]``), the key, what was found and what was expected.
    """
    if raw is None:
        return ()
    node = Node(raw, file)
    node.only({"items"})
    objectives = tuple(objectives)
    return tuple(_item(child, objectives) for child in node.children("items", []))


def load_qualitative(quarter: "Quarter | str", plan=None) -> "tuple[QualitativeItem, ...]":
    """The qualitative evidence of ``quarter`` (``()`` when its file is missing or empty).

    ``plan``: the Plan whose objective numbers an item may name (default: no check of the number
    beyond its being a whole number).
    """
    path = qualitative_path(quarter)
    if not path.exists():
        return ()
    objectives = tuple(o.number for o in plan.objectives) if plan is not None else ()
    return parse_qualitative(load_yaml(path), _rel(path), objectives)


#: What ``perfkit new-quarter`` writes: comments only, so the quarter shows no qualitative evidence
#: until an item is written.
TEMPLATE = """\
# Qualitative evidence for {label}: inspection findings, victims' feedback and partners'
# information, each shown in a short table in the objective it belongs to, beside the statistics.
# While this file holds no items, the pages show nothing for it. One entry per item:
#
# items:
#   - objective: 4                  # the Plan objective it belongs to
#     kind: inspection              # inspection, victims or partners
#     source: HMICFRS               # who published or gave it
#     title: "PEEL: police effectiveness"     # the report or exchange (the link's text)
#     date: 2018-03-22              # when it was published or given, YYYY-MM-DD
#     link: https://www.example.org/the-report  # http:// or https:// only
#     summary: >                    # what it says, in a sentence or two (plain markdown)
#       The service to domestic abuse victims is not always consistent.
#     restricted: false             # true: the Board edition only
"""
