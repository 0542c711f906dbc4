"""Charts for the reports, in the UK Government Analysis Function style, with their alt text.

Every chart has a headline title and a statistical subtitle, a source line, and a text
alternative written from the data (what it shows, the period, the latest value, the direction).
Colour never carries meaning alone: lines differ in style as well as colour, and markers carry
labels. The palette is the Analysis Function's (``afcharts``).

Examples
--------
>>> import pandas as pd
>>> s = pd.Series([10.0, 12, 11, 15], index=pd.period_range("2015-01", periods=4, freq="M"))
>>> describe_direction(s)
'rose'
"""

from __future__ import annotations

from typing import Iterable, Sequence

import matplotlib

matplotlib.use("Agg")  # headless and deterministic: no display needed in a scheduled run

import matplotlib.dates as mdates  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from perfkit.present import words  # noqa: E402

__all__ = [
    "PALETTE",
    "TWO_SERIES",
    "FOCUS",
    "CONTEXT",
    "trend_chart",
    "trend_alt_text",
    "describe_direction",
    "bar_chart",
]

#: Analysis Function categorical palette.
PALETTE = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")
TWO_SERIES = ("#12436D", "#F46A25")
FOCUS, CONTEXT = "#12436D", "#BFBFBF"

matplotlib.rcParams.update({
    # DejaVu Sans draws the charts (matplotlib ships it); a reader's browser shows an SVG chart's text in
    # the first of these it has: Verdana has DejaVu's widths, Arial and Helvetica are narrower, so
    # text never runs wider than it was laid out.
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Verdana", "Arial", "Helvetica"],
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlelocation": "left",
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "svg.hashsalt": "perfkit",  # the SVG's element ids are the same from run to run
    "svg.fonttype": "none",  # text kept as text: a third of the size of text drawn as shapes
})


def describe_direction(series: pd.Series, tolerance: float = 0.02, sparse: bool = False) -> str:
    """``'rose'``, ``'fell'`` or ``'stayed about the same'``: the last 12 values against the 12 before
    (or the last value against the first, for shorter series); for ``sparse`` figures (quarterly,
    twice a year) the latest against the latest a year or more before. A description, not a judgement."""
    values = series.dropna()
    if len(values) < 2:
        return "cannot be described (too few figures)"
    latest = values.index[-1]
    if sparse:
        earlier = values.loc[: latest - 12]
        recent, before = values.iloc[-1], (earlier.iloc[-1] if len(earlier) else values.iloc[0])
    elif len(values) >= 24:
        recent, before = values.iloc[-12:].mean(), values.iloc[-24:-12].mean()
    else:
        recent, before = values.iloc[-1], values.iloc[0]
    if before == 0:
        return "rose" if recent > 0 else "stayed about the same"
    change = recent / before - 1
    if abs(change) < tolerance:
        return "stayed about the same"
    return "rose" if change > 0 else "fell"


def _x(index: pd.PeriodIndex) -> np.ndarray:
    return index.to_timestamp(how="start").to_numpy()


def marker_layout(markers: Sequence[tuple[pd.Period, str]], first: pd.Period, last: pd.Period,
                  *, gap: int = 6) -> list[tuple[pd.Period, str, int]]:
    """Where the labels of vertical markers go so that none overlaps another: markers in the same
    month share one label ("C9, C10"), and a label within ``gap`` months of the one before drops a
    line (``row`` 0, 1, 2, then back to 0). Markers outside ``first``..``last`` are left out.

    >>> m = [(pd.Period("2018-04", "M"), "C10"), (pd.Period("2018-04", "M"), "C9"), (pd.Period("2018-06", "M"), "C11")]
    >>> [(str(a), b, r) for a, b, r in marker_layout(m, pd.Period("2014-01", "M"), pd.Period("2018-09", "M"))]
    [('2018-04', 'C9, C10', 0), ('2018-06', 'C11', 1)]
    """
    by_month: dict = {}
    for month, label in markers:
        if first <= month <= last and label not in by_month.setdefault(month, []):
            by_month[month].append(label)

    def order(label: str):
        digits = "".join(ch for ch in label if ch.isdigit())
        return (label.rstrip("0123456789"), int(digits) if digits else 0, label)

    out, previous, row = [], None, 0
    for month in sorted(by_month):
        row = (row + 1) % 3 if previous is not None and (month - previous).n < gap else 0
        out.append((month, ", ".join(sorted(by_month[month], key=order)), row))
        previous = month
    return out


def trend_chart(
    recorded: pd.Series,
    *,
    title: str,
    subtitle: str,
    source: str,
    adjusted: "pd.Series | None" = None,
    adjusted_label: str = "Seasonally adjusted",
    markers: Sequence[tuple[pd.Period, str]] = (),
    highlight: "tuple[pd.Period, pd.Period] | None" = None,
    unit: str = "",
    connect: bool = False,
    incomplete: "pd.Series | None" = None,
):
    """Monthly recorded figures with, optionally, the seasonally adjusted line.

    Parameters
    ----------
    recorded : Series
        Monthly values indexed by ``period[M]`` (NaN = missing; the line breaks there).
    adjusted : Series, optional
        Seasonally adjusted values on the same index.
    markers : sequence of (month, label)
        Vertical markers, e.g. recording changes labelled ``"C3"``.
    highlight : (first month, last month), optional
        The reporting quarter, shaded and labelled.
    connect : bool
        Join the points across the months between them (for quarterly or twice-yearly figures,
        where the months between are not missing but not measured).
    incomplete : Series, optional
        Published figures of months left out as data faults: drawn hollow, labelled, never joined
        to the line.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.2))
    if connect:
        recorded = recorded.dropna()
    x = _x(recorded.index)
    ax.plot(x, recorded.to_numpy(dtype=float), color=TWO_SERIES[0], linewidth=1.6,
            label="Published figure" if connect else "Recorded", marker="o", markersize=4 if connect else 2.5)
    if adjusted is not None and adjusted.notna().any():
        ax.plot(_x(adjusted.index), adjusted.to_numpy(dtype=float), color=TWO_SERIES[1], linewidth=2.0,
                linestyle="--", label=adjusted_label)
    if incomplete is not None and len(incomplete.dropna()):
        shown = incomplete.dropna()
        ax.scatter(_x(shown.index), shown.to_numpy(dtype=float), s=36, facecolors="white", edgecolors=TWO_SERIES[0],
                   linewidths=1.5, zorder=3, label="Incomplete month (left out)")
    ymax = np.nanmax(recorded.to_numpy(dtype=float)) if recorded.notna().any() else 1.0
    if highlight is not None:
        start, end = highlight
        ax.axvspan(start.to_timestamp(how="start"), (end + 1).to_timestamp(how="start"), color=CONTEXT,
                   alpha=0.5, linewidth=0, label="Reporting quarter")
    for month, label, row in marker_layout(markers, recorded.index.min(), recorded.index.max()):
        when = month.to_timestamp(how="start")
        ax.axvline(when, color="#3D3D3D", linestyle=":", linewidth=1.2)
        ax.annotate(label, (when, ymax), xytext=(3, -11 * row), textcoords="offset points", fontsize=9,
                    color="#3D3D3D", va="top")
    ax.set_ylim(bottom=0)
    ax.set_ylabel(unit)
    # Dates on the axis, as few as read well (a short series otherwise gets a crowded label a month).
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
    ax.grid(axis="y", color="#E0E0E0", linewidth=0.8)
    ax.set_axisbelow(True)
    fig.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")
    ax.set_title(subtitle, fontsize=10, fontweight="normal", loc="left")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, frameon=False)
    fig.text(0.01, -0.04, f"Source: {source}", fontsize=8, ha="left", va="top", wrap=True)
    fig.tight_layout()
    return fig


def trend_alt_text(recorded: pd.Series, *, what: str, place: str, adjusted: "pd.Series | None" = None,
                   unit: str = "", kind: str = "", change: str = "", left_out: Sequence[pd.Period] = ()) -> str:
    """Alt text written from the data: what, where, the period, the latest value, the direction.

    ``change`` is the measure's comparison in words, from the evidence model ("2% more than a year
    earlier in 2018/19 Q2"); when given it replaces the chart's own description of direction, so
    the alt text says what the page says. ``left_out`` are months drawn hollow as data faults."""
    values = recorded.dropna()
    if values.empty:
        return f"Chart of {what} in {place}: no figures are available."
    first, last = values.index.min(), values.index.max()
    latest = values.iloc[-1]
    latest_text = f"{latest:,.0f}" if abs(latest) >= 100 else f"{latest:,.1f}"
    text = (f"Line chart of {kind + ' of ' if kind else 'monthly '}{what} in {place}, {words.month(first)} to {words.month(last)}"
            f"{', with the seasonally adjusted series' if adjusted is not None and adjusted.notna().any() else ''}. "
            f"Latest month ({words.month(last)}): {latest_text}{(' ' + unit) if unit else ''}. ")
    basis = adjusted if adjusted is not None and adjusted.notna().any() else recorded
    direction = describe_direction(basis, sparse=bool(kind))
    if change:
        text += f"{change[0].upper()}{change[1:]}."
    elif kind:
        text += f"The latest figure {direction} compared with a year earlier."
    else:
        text += f"Over the latest 12 months the figures {direction} compared with the 12 months before."
    shown_out = [m for m in left_out if first <= m <= last]
    if shown_out:
        text += (f" {', '.join(words.month(m) for m in shown_out)}: incomplete data, left out and drawn as a hollow "
                 "point.")
    # the other months without a figure: named when few, as the table's notes name them
    gaps = [] if kind else [m for m in recorded.loc[first:last].index[recorded.loc[first:last].isna()]
                            if m not in shown_out]
    if 0 < len(gaps) <= 3:
        text += f" {words.months(gaps)} {'has' if len(gaps) == 1 else 'have'} no figures in the source files."
    elif gaps:
        text += f" {len(gaps)} months in the period have no figures in the source files."
    return text


def bar_chart(labels: Iterable[str], values: Iterable[float], *, title: str, subtitle: str, source: str,
              highlight: "str | None" = None, xlabel: str = ""):
    """Horizontal bars, largest first; ``highlight`` gets the focus colour and a bold label."""
    labels, values = list(labels), [float(v) for v in values]
    order = np.argsort(values)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 0.45 * len(labels) + 1.6))
    ys = np.arange(len(labels))
    colours = [FOCUS if labels[i] == highlight else CONTEXT for i in order]
    ax.barh(ys, [values[i] for i in order], color=colours, hatch=None)
    ax.set_yticks(ys, [labels[i] for i in order])
    for tick, i in zip(ax.get_yticklabels(), order):
        if labels[i] == highlight:
            tick.set_fontweight("bold")
    for y, i in zip(ys, order):
        ax.annotate(f"{values[i]:,.0f}" if float(values[i]).is_integer() else f"{values[i]:,.1f}", (values[i], y), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=9)
    ax.set_xlabel(xlabel)
    fig.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")
    ax.set_title(subtitle, fontsize=10, fontweight="normal", loc="left")
    fig.text(0.01, -0.02, f"Source: {source}", fontsize=8, ha="left", va="top", wrap=True)
    fig.tight_layout()
    return fig
