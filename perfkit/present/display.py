"""HTML fragments the reports display: figures with alt text, tables, notices, caveat lists.

Every fragment comes from a Jinja2 template in ``perfkit/present/templates/blocks/`` rendered by one
environment with autoescape on (:func:`render`): text passed in is escaped by the template; a
fragment already rendered (a :class:`markupsafe.Markup`, a marked :class:`Figure`) is kept as it is.
Numbers are written by :mod:`perfkit.present.words`. Output is deterministic: the same figure gives the same
bytes.

An output can be limited to one edition of the pack: ``show(html, edition="board")`` marks it
for the Board edition only; the public export drops it (see :mod:`perfkit.run`). Report sections
return a :class:`perfkit.present.section.Section`, which carries the same edition metadata.

Examples
--------
>>> print(notice("Figures are not available.", kind="missing"))
<div class="notice notice-missing" role="note"><p>Figures are not available.</p></div>
"""

from __future__ import annotations

import base64
import html
import io
from functools import lru_cache
from typing import Iterable, Sequence

import pandas as pd
from markupsafe import Markup

from perfkit.present import words

__all__ = [
    "render",
    "Markup",
    "Html",
    "figure_html",
    "encode_figure",
    "Figure",
    "figure",
    "table_html",
    "details_html",
    "notice",
    "paragraph",
    "heading",
    "show",
    "show_markdown",
    "escape",
    "EDITION_KEY",
]

#: Output metadata key marking an output for one edition only.
EDITION_KEY = "perfkit"

#: Kept for modules outside the views (:mod:`perfkit.reports.site`); the views escape through templates.
escape = html.escape


@lru_cache(maxsize=1)
def _environment():
    """The one Jinja2 environment of the page elements (autoescape on, undefined names fail)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("perfkit.present", "templates/blocks"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)
    return env


def render(name: str, **context) -> Markup:
    """Render the block template ``name`` (``"notice"`` for ``templates/blocks/notice.html.j2``)
    with ``context``; the result is :class:`~markupsafe.Markup`, safe to pass to another template."""
    template = _environment().get_template(name if name.endswith(".j2") else f"{name}.html.j2")
    return Markup(template.render(**context).strip())


class Html:
    """A rendered fragment to put in a table cell. pandas stores a :class:`Markup` (a ``str``
    subclass) as a plain string, which the table template would then escape; this holder keeps it
    a fragment (``__html__``)."""

    __slots__ = ("markup",)

    def __init__(self, markup):
        self.markup = Markup(markup)

    def __html__(self) -> Markup:
        return self.markup

    def __str__(self) -> str:
        return str(self.markup)

    def __bool__(self) -> bool:
        return bool(self.markup)


def encode_figure(fig, *, vector: bool = True, dpi: int = 110) -> tuple[str, str]:
    """A matplotlib figure as ``(media type, base64 data)``: SVG by default, PNG when ``vector`` is
    false. Either way without a creator stamp or date, so identical figures give identical bytes
    (SVG element ids are salted by ``svg.hashsalt``, set in :mod:`perfkit.present.charts`). The
    figure is closed afterwards (it can still be saved again).

    SVG is the default: a trend chart's SVG is about 40% of the PNG's size, encodes in about two
    thirds of the time, and stays sharp when a reader zooms in. Its text is kept as text, in the
    fonts listed in :mod:`perfkit.present.charts`. PNG is for figures of many small shapes (a
    density map), whose SVG would be large.
    """
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    bbox = _drawn_box(fig)
    if vector:
        kind = "image/svg+xml"
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches=bbox)
    else:
        kind = "image/png"
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None}, bbox_inches=bbox)
    plt.close(fig)
    return kind, base64.b64encode(buffer.getvalue()).decode("ascii")


def _drawn_box(fig):
    """The area of ``fig`` to save: everything drawn, with matplotlib's usual margin (as
    ``bbox_inches="tight"``), measured once.

    ``savefig(bbox_inches="tight")`` draws the whole figure once to measure it and again to write
    it, and a figure laid out by ``tight_layout()`` is drawn that extra time even without it. A
    figure laid out by ``tight_layout()`` (every chart but those with a layout engine of their own)
    was measured by that layout already: its extent is taken with the same renderer (whose text
    sizes are cached), and the figure is then written in one draw. Other figures are measured by
    matplotlib as before. The extra draw was about a third of the time spent saving a page's charts.
    """
    from matplotlib import rcParams
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    renderer = getattr(fig.canvas, "get_renderer", None)
    if renderer is None or not isinstance(fig.get_layout_engine(), PlaceHolderLayoutEngine):
        return "tight"
    box = fig.get_tightbbox(renderer())
    fig.set_layout_engine(None)  # the layout is done: saving need not draw the figure to redo it
    pad = rcParams["savefig.pad_inches"]
    return box.padded(0.1 if pad == "layout" else pad)


def figure_html(fig, alt: str, caption: str = "", *, vector: bool = True, dpi: int = 110) -> Markup:
    """A matplotlib figure as ``<figure>`` with the image embedded (:func:`encode_figure`), its alt
    text and caption (plain text, or :class:`Markup` holding marked figures)."""
    kind, data = encode_figure(fig, vector=vector, dpi=dpi)
    return render("figure", kind=kind, data=data, alt=alt, caption=caption)


#: Contract fields that are percentage changes (shown signed).
_PCT_FIELDS = ("change_pct", "change_low_pct", "change_high_pct")

#: Contract fields that are levels in the measure's unit (shown as :func:`perfkit.present.words.number`).
_LEVEL_FIELDS = ("_value", "year_earlier_value")


class Figure:
    """A figure from the quarter's evidence model, shown marked up with HTML's ``data`` element so
    that a page can be checked against the data pack: ``<data value="17086"
    data-measure="all_crime" data-field="quarter_value">17,086</data>``.

    ``field`` is a column of :data:`perfkit.evidence.FIELDS`; ``value`` is that cell's value. In a
    template, a Figure renders as its marked-up HTML (``__html__``).
    """

    __slots__ = ("value", "measure", "field", "unit")

    def __init__(self, value, measure: str, field: str, unit: str = ""):
        self.value, self.measure, self.field, self.unit = value, measure, field, unit

    @property
    def missing(self) -> bool:
        """True when the cell holds no figure."""
        return self.value is None or (isinstance(self.value, float) and pd.isna(self.value)) or self.value == ""

    def text(self) -> str:
        """The figure in words (:mod:`perfkit.present.words`): 17,086; +2%; 7.48; 2018-09."""
        v = self.value
        if self.missing:
            return "no data"
        if isinstance(v, str):
            return v
        if self.field.endswith(_PCT_FIELDS):
            return words.signed_percent(v)
        if self.field in ("rate", "comparator_mean"):
            return words.resident_rate(v)  # a rare offence's rate keeps two significant figures
        if self.field == "dispersion":
            return words.rate(v, 1)
        if self.field.endswith(_LEVEL_FIELDS):
            return words.number(v, self.unit)
        if float(v).is_integer():
            return words.count(v)
        return words.rate(v, 1)

    def raw(self) -> str:
        """The cell's value as the ``value`` attribute holds it."""
        v = self.value
        return v if isinstance(v, str) else (str(int(v)) if float(v).is_integer() else repr(float(v)))

    def html(self) -> Markup:
        """The marked-up figure (escaped by its template)."""
        if self.missing:
            return Markup("no data")
        return render("data", value=self.raw(), measure=self.measure, field=self.field, text=self.text())

    __html__ = html

    def __str__(self) -> str:
        return self.text()


def figure(row: dict, field: str) -> Figure:
    """The :class:`Figure` of one field of a data-pack row (``perfkit.evidence.QuarterEvidence.row``)."""
    return Figure(row.get(field), row["measure_id"], field, row.get("unit", ""))


def _decimals(column: pd.Series) -> int:
    """Decimals for a column of numbers: none when every value is whole (counts held as floats,
    NaN marking a missing month), else one, or two for small values such as rates."""
    values = pd.to_numeric(column, errors="coerce").dropna()
    if values.empty or (values == values.round()).all():
        return 0
    return 2 if values.abs().max() < 10 else 1


def _cell(value, decimals: int = 1) -> dict:
    """One table cell for the template: ``{"value": text or Markup, "num": right-aligned?}``."""
    if hasattr(value, "item") and not isinstance(value, (str, Markup)):
        value = value.item()
    if isinstance(value, Figure):
        return {"value": value if not value.missing else "no data", "num": not value.missing}
    if isinstance(value, Html):
        return {"value": value.markup, "num": False}
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return {"value": "no data", "num": False}
    if isinstance(value, bool):
        return {"value": "yes" if value else "no", "num": False}
    if isinstance(value, float):
        return {"value": words.rate(value, decimals) if decimals else words.count(value), "num": True}
    if isinstance(value, int):
        return {"value": words.count(value), "num": True}
    return {"value": value if isinstance(value, Markup) else str(value), "num": False}


def table_html(frame: pd.DataFrame, caption: str, *, index: bool = False, raw_html_columns: Sequence[str] = (),
               number_columns: Sequence[str] = ()) -> Markup:
    """An accessible table: a caption, column headers with ``scope``, numbers right-aligned.

    Cells are escaped by the template; a cell holding :class:`Markup` (a marked figure, a link)
    is kept. ``raw_html_columns`` names columns whose strings are trusted fragments from
    :func:`render` (wrapped as Markup); ``number_columns`` names columns of numbers already in
    words (``"0.0098"``), right-aligned as numbers are. The table sits in a focusable wrapper that
    scrolls sideways on a narrow screen.
    """
    if index:
        frame = frame.reset_index()
    decimals = {c: _decimals(frame[c]) if not any(isinstance(v, Figure) for v in frame[c]) else 0 for c in frame.columns}
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, record):
            if column in raw_html_columns and isinstance(value, str):
                value = Markup(value)
            cell = _cell(value, decimals[column])
            cells.append({**cell, "num": True} if column in number_columns and isinstance(value, str) else cell)
        rows.append(cells)
    return render("table", caption=caption, columns=[str(c) for c in frame.columns], rows=rows)


def details_html(summary: str, body) -> Markup:
    """A collapsible section (``<details>``), e.g. the numbers behind a chart; ``body`` is a rendered fragment."""
    return render("details", summary=summary, body=body)


def notice(text, kind: str = "info", *, raw: bool = False) -> Markup:
    """A boxed notice; ``kind`` is ``info``, ``missing`` (something not available) or ``caveat``.
    ``text`` is escaped unless it is :class:`Markup` (``raw=True`` marks a trusted fragment)."""
    return render("notice", text=Markup(text) if raw else text, kind=kind)


def paragraph(text, css: str = "") -> Markup:
    """A ``<p>`` (with an optional class) of plain text or :class:`Markup`."""
    return render("paragraph", text=text, css=css)


def heading(text, level: int = 2, anchor: str = "") -> Markup:
    """A heading ``<hN>`` (with an optional ``id``)."""
    return render("heading", text=text, level=level, anchor=anchor)


def _metadata(edition: "str | None") -> dict:
    return {EDITION_KEY: {"edition": edition}} if edition else {}


def show(fragment: "str | Iterable[str]", *, edition: "str | None" = None) -> None:
    """Display HTML in the notebook (``edition``: ``'board'`` or ``'public'`` to limit it)."""
    from IPython.display import HTML, display

    text = fragment if isinstance(fragment, str) else "\n".join(fragment)
    display(HTML(text), metadata=_metadata(edition))


def show_markdown(text: str, *, edition: "str | None" = None) -> None:
    """Display markdown in the notebook (``edition`` as for :func:`show`)."""
    from IPython.display import Markdown, display

    display(Markdown(text), metadata=_metadata(edition))
