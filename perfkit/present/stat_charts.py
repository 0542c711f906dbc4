"""The statistics' own charts: a comparison's interval, a force among its comparators, an XmR chart
and a seasonal adjustment, each a matplotlib Figure drawn from a result's values.

The statistics (:mod:`perfkit.stats`) return numbers; the words a chart carries (axis labels,
legends, the variation icon's name) are written here, with the house palette and fonts of
:mod:`perfkit.present.charts`. A report embeds a figure with
:func:`perfkit.present.display.figure_html`; an analyst can call these on any result.

Examples
--------
>>> from perfkit.stats.compare import compare_periods
>>> fig = comparison_chart(compare_periods(120, 3, 100, 3), "Burglary")
>>> fig.axes[0].get_xlabel()
'Change, % (dot), with 95% interval (line); 0 = no change'
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from perfkit.present.charts import PALETTE  # also the house style (Agg backend, fonts, SVG ids)

__all__ = ["comparison_chart", "comparator_chart", "control_chart", "adjustment_chart", "SPC_MARKERS",
           "SPC_LABELS"]

#: XmR point types' marker shapes, so that no information is carried by colour alone.
SPC_MARKERS = {"common_cause": "o", "improvement": "D", "concern": "X", "neutral": "s"}
#: XmR point types' names in the chart's legend.
SPC_LABELS = {
    "common_cause": "Common cause",
    "improvement": "Special cause: improvement",
    "concern": "Special cause: concern",
    "neutral": "Special cause: neither direction better",
}


def comparison_chart(cmp, title: "str | None" = None):
    """The percentage change of a :class:`perfkit.stats.compare.Comparison` and its 95% interval
    as a dot and a line against "no change".

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 1.8), dpi=100)
    ax.axvline(0, color="#3D3D3D", linewidth=1)
    if not math.isnan(cmp.change):
        lo = cmp.change_low if math.isfinite(cmp.change_low) else np.nan
        hi = cmp.change_high if math.isfinite(cmp.change_high) else np.nan
        ax.plot([lo, hi], [0, 0], color=PALETTE[0], linewidth=3, solid_capstyle="butt")
        if math.isfinite(cmp.change):
            ax.plot([cmp.change], [0], marker="o", color=PALETTE[0], markersize=9)
    ax.set_yticks([])
    ax.set_xlabel("Change, % (dot), with 95% interval (line); 0 = no change")
    ax.spines[["top", "right", "left"]].set_visible(False)
    if title:
        ax.set_title(title, loc="left", fontsize=10)
    fig.tight_layout()
    return fig


def comparator_chart(pos, title: "str | None" = None, value_label: "Callable[[float], str] | None" = None):
    """Horizontal bars of each force's rate in a :class:`perfkit.stats.compare.ComparatorPosition`,
    the force highlighted by colour AND a bold "(this force)" label, with the group mean (line) and
    the +/- 1 SD band (shading).

    ``value_label`` turns a rate into the text beside its bar; pass the report's number style
    (:func:`perfkit.present.statements.comparator_rate`) so the chart and the text round alike. By
    default ``pos.decimals`` places with thousands separators.
    """
    import matplotlib.pyplot as plt

    t = pos.table.iloc[::-1]
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(t) + 1.4), dpi=100)
    lo, hi = pos.band
    if not math.isnan(lo):
        ax.axvspan(lo, hi, color="#A285D1", alpha=0.18, label="Group mean +/- 1 SD")
    colours = [PALETTE[3] if f == pos.force else PALETTE[0] for f in t["force"]]
    ax.barh(range(len(t)), t["rate"], color=colours, height=0.6)
    if not math.isnan(pos.group_mean):
        ax.axvline(pos.group_mean, color=PALETTE[4], linewidth=1.2, linestyle="--", label="Group mean", zorder=3)
    labels = [f"{n} (this force)" if f == pos.force else n for f, n in zip(t["force"], t["name"])]
    ax.set_yticks(range(len(t)), labels)
    for tick, f in zip(ax.get_yticklabels(), t["force"]):
        if f == pos.force:
            tick.set_fontweight("bold")
    for i, v in enumerate(t["rate"]):
        text = value_label(v) if value_label is not None else f"{v:,.{pos.decimals}f}"
        # above the mean line, on white, so a label the line crosses stays readable
        ax.text(v, i, " " + text, va="center", fontsize=8, color=PALETTE[4], zorder=4,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.85})
    ax.set_xlabel(pos.unit[0].upper() + pos.unit[1:])
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.1 - 1.2 / (0.45 * len(t) + 1.4) * 0.5),
              ncol=2, frameon=False, fontsize=8)
    ax.set_title(title or pos.group.title, loc="left", fontsize=10)
    fig.tight_layout()
    return fig


def control_chart(xmr, title: "str | None" = None, ylabel: str = "", note: str = ""):
    """An :class:`perfkit.stats.spc.XmR` chart as a matplotlib Figure.

    Points are coloured AND shaped by type (grey circle common cause, blue diamond improvement,
    orange cross concern, purple square neither direction better); the mean is a solid line and the
    limits dashed, broken at each rebase; the variation icon is drawn at the top right with its
    name written beside it. ``note`` is printed under the chart (the limits' warnings in words,
    :func:`perfkit.present.statements.spc_warnings`).
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from perfkit.stats.spc import POINT_TYPES, SPC_COLOURS

    t = xmr.table
    x = t.index.to_timestamp()
    fig, ax = plt.subplots(figsize=(9, 4.6), dpi=100)
    ax.plot(x, t["value"].to_numpy(), color="#7f7f7f", linewidth=1.2, zorder=2)
    for seg in sorted(t["segment"].unique()):
        part = t[t["segment"] == seg]
        px = part.index.to_timestamp()
        ax.plot(px, part["mean"], color="#3D3D3D", linewidth=1.2, zorder=1)
        ax.plot(px, part["upper"], color="#3D3D3D", linewidth=1, linestyle="--", zorder=1)
        ax.plot(px, part["lower"], color="#3D3D3D", linewidth=1, linestyle="--", zorder=1)
    for p in xmr.rebase:
        ax.axvline(p.to_timestamp(), color="#3D3D3D", linewidth=0.8, linestyle=":")
    handles = []
    for kind in POINT_TYPES:
        pts = t[(t["point_type"] == kind) & t["value"].notna()]
        if len(pts) == 0:
            continue
        ax.scatter(pts.index.to_timestamp(), pts["value"], color=SPC_COLOURS[kind],
                   marker=SPC_MARKERS[kind], s=28 if kind == "common_cause" else 52,
                   edgecolors="#3D3D3D" if kind != "common_cause" else "none",
                   linewidths=0.5, zorder=3)
        handles.append(Line2D([], [], color=SPC_COLOURS[kind], marker=SPC_MARKERS[kind],
                              linestyle="", markersize=7, label=SPC_LABELS[kind]))
    handles += [Line2D([], [], color="#3D3D3D", linewidth=1.2, label="Mean"),
                Line2D([], [], color="#3D3D3D", linewidth=1, linestyle="--", label="Process limits")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.12), ncol=3,
              frameon=False, fontsize=8)
    # Variation icon: a circle in the icon colour with H or L for the latest signal's side,
    # and its name in words (so the icon never depends on colour alone).
    letter = {"high": "H", "low": "L"}.get(xmr.icon_direction or "", "")
    ax.scatter([0.965], [1.06], s=380, color=xmr.icon_colour, transform=ax.transAxes,
               clip_on=False, zorder=5)
    ax.text(0.965, 1.06, letter, transform=ax.transAxes, ha="center", va="center",
            color="white", fontsize=10, fontweight="bold", zorder=6)
    ax.text(0.935, 1.06, "Variation: " + SPC_LABELS[xmr.icon].lower().replace("special cause: ", "special cause, "),
            transform=ax.transAxes, ha="right", va="center", fontsize=8, color="#3D3D3D")
    if title:
        ax.set_title(title, loc="left", fontsize=11, pad=24)
    ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
    if note:
        fig.text(0.01, 0.01, note, fontsize=7, color="#3D3D3D", wrap=True)
    fig.subplots_adjust(bottom=0.28, top=0.86, left=0.09, right=0.98)
    return fig


def adjustment_chart(adj, ax: Any = None):
    """A :class:`perfkit.stats.seasonal.Adjustment`: the recorded and seasonally adjusted series
    (with trend and level shifts), and the seasonal factors below (on ``ax``, the top panel only).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    if ax is None:
        fig = Figure(figsize=(9, 5.5), layout="constrained")
        ax_top, ax_bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1.4))
    else:
        fig = ax.figure
        ax_top, ax_bottom = ax, None
    observed = adj.observed
    x = observed.index.to_timestamp()
    ax_top.plot(x, observed.to_numpy(), color="#12436D", label="Recorded", lw=1.6)
    if adj.method != "none":
        ax_top.plot(x, adj.seasadj.to_numpy(), color="#F46A25", lw=1.8,
                    label=f"Seasonally adjusted ({'X-13ARIMA-SEATS' if adj.method == 'x13' else 'STL fallback'})")
    ax_top.plot(x, adj.trend.to_numpy(), color="#801650", lw=1.2, ls="--", label="Trend")
    for s in adj.shifts:
        ax_top.axvline(s.date.to_timestamp(), color="#3D3D3D", lw=0.9, ls=":")
        ax_top.annotate(
            f"recording change {s.date}", (s.date.to_timestamp(), 1.0), xycoords=("data", "axes fraction"),
            rotation=90, va="top", ha="right", fontsize=8, color="#3D3D3D",
        )
    ax_top.set_ylabel("per month")
    ax_top.legend(frameon=False, fontsize=8)
    ax_top.set_title(observed.name or "Seasonal adjustment", loc="left", fontsize=10)
    if ax_bottom is not None:
        ax_bottom.bar(x, adj.seasonal.to_numpy() - (1.0 if adj.mode == "multiplicative" else 0.0),
                      width=20, color="#28A197")
        ax_bottom.axhline(0, color="#3D3D3D", lw=0.6)
        ax_bottom.set_ylabel("seasonal\n" + ("factor - 1" if adj.mode == "multiplicative" else "effect"))
    return fig
