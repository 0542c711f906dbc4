"""HTML fragments the reports display: figures with alt text, tables, notices, caveat lists.

Every report section is emitted as ``text/html`` (or markdown) output, so that the exported page
carries real alt text, captions and accessible tables rather than whatever a notebook front end
would write. Output is deterministic: the same figure gives the same bytes.

An output can be limited to one edition of the pack: ``show(html, edition="board")`` marks it
for the Board edition only; the public export drops it (see :mod:`perfkit.run`).

Examples
--------
>>> print(notice("Narrative not yet written.", kind="missing"))
<div class="notice notice-missing" role="note"><p>Narrative not yet written.</p></div>
"""

from __future__ import annotations

import base64
import html
import io
from typing import Iterable, Sequence

import pandas as pd

__all__ = [
    "figure_html",
    "Figure",
    "figure",
    "table_html",
    "details_html",
    "notice",
    "show",
    "show_markdown",
    "escape",
    "EDITION_KEY",
]

#: Output metadata key marking an output for one edition only.
EDITION_KEY = "perfkit"

escape = html.escape


def figure_html(fig, alt: str, caption: str = "", *, dpi: int = 110) -> str:
    """A matplotlib figure as ``<figure>`` with an embedded PNG, its alt text and caption.

    The PNG is written without a ``Software`` stamp or timestamp, so identical figures give
    identical bytes. The figure is closed afterwards.
    """
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None}, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    cap = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f'<figure><img src="data:image/png;base64,{data}" alt="{escape(alt, quote=True)}">{cap}</figure>'


#: Contract fields that are percentages (shown signed, one decimal) and rates (two decimals).
_PCT_FIELDS = ("change_pct", "change_low_pct", "change_high_pct")


class Figure:
    """A figure from the quarter's evidence model, shown marked up with HTML's ``data`` element so
    that a page can be checked against the data pack: ``<data value="17086"
    data-measure="all_crime" data-field="quarter_value">17,086</data>``.

    ``field`` is a column of :data:`perfkit.evidence.FIELDS`; ``value`` is that cell's value.
    """

    __slots__ = ("value", "measure", "field", "unit")

    def __init__(self, value, measure: str, field: str, unit: str = ""):
        self.value, self.measure, self.field, self.unit = value, measure, field, unit

    @property
    def missing(self) -> bool:
        return self.value is None or (isinstance(self.value, float) and pd.isna(self.value)) or self.value == ""

    def text(self) -> str:
        """The figure in words: 17,086; +2.0%; 7.48; 2018-09."""
        v = self.value
        if self.missing:
            return "no data"
        if isinstance(v, str):
            return v
        if self.field.endswith(_PCT_FIELDS):
            return f"{v:+.1f}%".replace("+-", "-")
        if self.field == "rate_per_1000":
            return f"{v:,.2f}"
        if float(v).is_integer():
            return f"{int(round(v)):,}"
        return f"{v:,.1f}" if abs(v) >= 10 else f"{v:,.2f}"

    def html(self) -> str:
        """The marked-up figure (escaped)."""
        if self.missing:
            return "no data"
        v = self.value
        raw = v if isinstance(v, str) else (str(int(v)) if float(v).is_integer() else repr(float(v)))
        return (f'<data value="{escape(raw, quote=True)}" data-measure="{escape(self.measure, quote=True)}" '
                f'data-field="{escape(self.field, quote=True)}">{escape(self.text())}</data>')


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


def _cell(value, decimals: int = 1) -> str:
    if isinstance(value, Figure):
        return "<td>no data</td>" if value.missing else f'<td class="num">{value.html()}</td>'
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "<td>no data</td>"
    if isinstance(value, float):
        return f'<td class="num">{value:,.{decimals}f}</td>'
    if isinstance(value, int):
        return f'<td class="num">{value:,}</td>'
    return f"<td>{escape(str(value))}</td>"


def table_html(frame: pd.DataFrame, caption: str, *, index: bool = False, raw_html_columns: Sequence[str] = ()) -> str:
    """An accessible table: a caption, column headers with ``scope``, numbers right-aligned.

    Cells are escaped, except in ``raw_html_columns`` (for pre-built fragments such as links).
    The table sits in a focusable wrapper that scrolls sideways on a narrow screen.
    """
    if index:
        frame = frame.reset_index()
    head = "".join(f'<th scope="col">{escape(str(c))}</th>' for c in frame.columns)
    decimals = {c: _decimals(frame[c]) if not any(isinstance(v, Figure) for v in frame[c]) else 0 for c in frame.columns}
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for i, (column, value) in enumerate(zip(frame.columns, record)):
            if column in raw_html_columns:
                cell = f"<td>{value}</td>"
            else:
                cell = _cell(value.item() if hasattr(value, "item") else value, decimals[column])
            if i == 0:
                cell = cell.replace("<td", '<th scope="row"', 1).replace("</td>", "</th>")
            cells.append(cell)
        rows.append("<tr>" + "".join(cells) + "</tr>")
    label = escape(caption, quote=True)
    return (
        f'<div class="table-wrap" role="region" aria-label="{label}" tabindex="0">'
        f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def details_html(summary: str, body: str) -> str:
    """A collapsible section (``<details>``), e.g. the numbers behind a chart."""
    return f"<details><summary>{escape(summary)}</summary>{body}</details>"


def notice(text: str, kind: str = "info", *, raw: bool = False) -> str:
    """A boxed notice; ``kind`` is ``info``, ``missing`` (something not yet available) or ``caveat``."""
    body = text if raw else escape(text)
    return f'<div class="notice notice-{kind}" role="note"><p>{body}</p></div>'


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
