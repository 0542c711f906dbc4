"""Report sections computed in-process (no kernel): caveats under charts, alt text, statements,
disclosure control. Runs on the shipped data (the default store is built on first use)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from perfkit.evidence import analysis
from perfkit.stats import disclosure
from perfkit.present import words
from perfkit.reports.report import ReportContext, measure_block


@pytest.fixture(scope="module")
def ctx_2015q1():
    return ReportContext.create("2015-16-Q1")


def test_the_april_2015_counting_rules_caveat_sits_under_the_violence_chart(ctx_2015q1):
    html = measure_block(ctx_2015q1, ctx_2015q1.plan.measure("violence_sexual"))
    chart_at = html.index("<img")
    caveat_at = html.index("From April 2015 two harassment offences (including malicious communications) count as")
    assert chart_at < caveat_at, "the caveat must come under the chart it qualifies"
    # Its marker is drawn on the chart and named in the evidence statement, with its label.
    ref = next(c.ref for c in ctx_2015q1.evidence(ctx_2015q1.plan.measure("violence_sexual")).caveats
               if c.id == "harassment-offences-2015-04")
    assert f"{ref}: " in html
    statement = ctx_2015q1.evidence(ctx_2015q1.plan.measure("violence_sexual")).statement
    assert "harassment" in statement.lower()


def test_burglary_in_2015_carries_no_violence_caveat(ctx_2015q1):
    html = measure_block(ctx_2015q1, ctx_2015q1.plan.measure("burglary"))
    assert "harassment offences" not in html


def test_alt_text_is_written_from_the_data(ctx_2015q1):
    measure = ctx_2015q1.plan.measure("burglary")
    html = measure_block(ctx_2015q1, measure)
    alts = re.findall(r'alt="([^"]*)"', html)
    assert len(alts) >= 2  # trend chart and SPC chart
    trend = alts[0]
    ev = ctx_2015q1.evidence(measure)
    latest = ev.window.dropna()
    assert trend.startswith("Line chart of monthly recorded burglary in Cambridgeshire and Peterborough")
    assert f"{latest.iloc[-1]:,.0f}" in trend and "June 2015" in trend
    # the alt text states the measure's comparison, in the statement's words
    assert re.search(r"(more|fewer|higher|lower) than a year earlier|no change on a year earlier", trend)
    # December 2014 is missing in the shipped data: named, in the words of the table's note
    assert "December 2014 has no figures in the source files." in trend
    for alt in alts:
        assert alt.strip().lower() not in {"", "png", "image", "chart", "output", "figure"}


def test_every_month_without_a_figure_says_why_in_the_numbers_behind_the_chart(ctx_2015q1):
    from bs4 import BeautifulSoup

    html = measure_block(ctx_2015q1, ctx_2015q1.plan.measure("burglary"))
    table = next(t for t in BeautifulSoup(html, "html.parser").find_all("table")
                 if "monthly" in t.caption.get_text())
    rows = {tr.find(["th", "td"]).get_text(strip=True): [c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]
            for tr in table.find("tbody").find_all("tr")}
    assert rows["2014-12"][-1] == "no figures in the source files for this month"
    assert all(cells[-1] == "" for month, cells in rows.items() if month != "2014-12" and "no data" not in cells)
    assert all(cells[-1] for cells in rows.values() if "no data" in cells)  # no month without a figure goes unexplained


def test_statement_reports_the_test_verdict_in_words(ctx_2015q1):
    ev = ctx_2015q1.evidence(ctx_2015q1.plan.measure("burglary"))
    cmp = ev.quarter_comparison
    assert ev.statement.startswith("Burglary: ")
    verdict = "so the change is statistically significant" if cmp.significant else "not statistically significant"
    assert verdict in ev.statement
    assert f"{int(cmp.count):,}" in ev.statement and f"{int(cmp.count_ref):,}" in ev.statement


def test_a_measure_without_figures_says_so_neutrally():
    ctx = ReportContext.create("2016-17-Q2")
    html = measure_block(ctx, ctx.plan.measure("calls_999_answered"))
    notice = re.search(r'<div class="notice notice-missing"[^>]*><p>([^<]*)</p>', html).group(1)
    assert notice.startswith("Figures for 999 calls answered within 10 seconds are not available for 2016/17 Q2") and "<img" not in html
    assert "data/templates" not in notice and "add it as" not in notice  # nothing for the analysts on the page


def test_snapshot_measures_get_a_chart_and_no_test():
    ctx = ReportContext.create("2016-17-Q2")
    ev = ctx.evidence(ctx.plan.measure("officer_fte"))
    assert "no test of change" in ev.statement
    assert "<img" in measure_block(ctx, ctx.plan.measure("officer_fte"))


def test_caveat_labels_follow_the_register_order():
    labelled = analysis.labelled(list(analysis._register()))
    changes = [c.ref for c in labelled if not c.is_fault]
    assert changes == [f"C{i}" for i in range(1, len(changes) + 1)]
    assert [c.ref for c in labelled if c.is_fault] == ["D1"]


class TestDisclosure:
    rule = disclosure.Rule(1, 4, "[c]", True)

    def test_primary_and_secondary_suppression(self):
        table = pd.DataFrame({"District": list("ABCD"), "Incidents": [120, 3, 40, 0]})
        out = disclosure.apply(table, ["Incidents"], rule=self.rule)
        # 3 is suppressed; 40, the next smallest non-zero count, too, so 3 cannot be worked out
        # from the total; zero discloses nothing about a person and stays.
        assert out["Incidents"].tolist() == [120, "[c]", "[c]", 0]

    def test_two_primary_suppressions_need_no_secondary(self):
        table = pd.DataFrame({"District": list("ABC"), "Incidents": [120, 3, 4]})
        assert disclosure.apply(table, ["Incidents"], rule=self.rule)["Incidents"].tolist() == [120, "[c]", "[c]"]

    def test_linked_share_columns_are_suppressed_with_the_count(self):
        table = pd.DataFrame({"Outcome": ["a", "b", "c"], "Crimes": [200, 2, 50], "Share (%)": [79.1, 0.8, 19.8]})
        out = disclosure.apply(table, ["Crimes"], rule=self.rule, also=["Share (%)"])
        assert out["Share (%)"].tolist() == [79.1, "[c]", "[c]"]

    def test_nothing_small_nothing_hidden(self):
        table = pd.DataFrame({"District": ["A", "B"], "Incidents": [10, 5]})
        assert disclosure.apply(table, ["Incidents"], rule=self.rule)["Incidents"].tolist() == [10, 5]

    def test_the_shipped_rule(self):
        assert disclosure.load_rule() == disclosure.Rule(1, 4, "[c]", True)


def test_a_revised_figure_from_last_quarter_is_flagged(tmp_path, monkeypatch, small_params):
    """Last quarter's published Board data pack says 1,000 burglaries; the data now say otherwise.
    (A Plan of burglary and robbery: each change of the pack builds the evidence model again.)"""
    from perfkit.reports.report import revision_note

    monkeypatch.setenv("PERFKIT_PARAMS", str(small_params({3: "burglary", 2: "robbery"})))
    monkeypatch.setenv("PERFKIT_OUTPUTS", str(tmp_path))
    ctx = ReportContext.create("2016-17-Q2")
    measure = ctx.plan.measure("burglary")
    now = ctx.evidence(measure).series.window_values(ctx.quarter.previous().months).sum()
    folder = tmp_path / "2016-17-Q1" / "board"
    folder.mkdir(parents=True)
    pd.DataFrame({"measure_id": ["burglary"], "quarter_value": [1000.0]}).to_csv(folder / "data-pack.csv", index=False)
    # The published pack is an input of the evidence model: a new context sees it without clearing a cache.
    ctx = ReportContext.create("2016-17-Q2")
    note = revision_note(ctx, measure)
    assert f"2016/17 Q1 was published last quarter as 1,000 offences; the data now give {now:,.0f}" in note
    assert ctx.model.revision("burglary")["published"] == 1000.0 and ctx.model.revision("robbery") is None
    # Within 1%: nothing to say.
    pd.DataFrame({"measure_id": ["burglary"], "quarter_value": [now * 1.005]}).to_csv(folder / "data-pack.csv", index=False)
    assert revision_note(ReportContext.create("2016-17-Q2"), measure) == ""


def test_a_recording_change_has_one_size_on_the_page():
    """The evidence model, the seasonal-adjustment sentence and the page's notices agree on a
    recording change's size: quoted with its interval when it is calibrated, not quoted anywhere
    when it is not (issue 22 item 7: placebo steps are fitted on one side of the change only, so in
    2016-17 Q3, 21 months after April 2015, too few placebo dates remain to check its interval)."""
    from perfkit import periods
    from perfkit.present import words
    from perfkit.config.plan import load_plan
    from perfkit.present.statements import adjustment_describe

    plan = load_plan()
    # 2016-17 Q3: its comparisons (January 2015 to December 2016) span April 2015
    early = analysis.analyse(plan.measure("violence_sexual"), periods.parse_quarter("2016-17-Q3"), plan)
    assert early.shift_reasons["harassment-offences-2015-04"] == "uncalibrated" and not early.shift_estimates
    (shift,) = [s for s in early.adjustment.shifts if str(s.date) == "2015-04"]
    assert not shift.calibrated and "interval:" not in adjustment_describe(early.adjustment)
    assert "too few months for a reliable interval" in adjustment_describe(early.adjustment)
    assert "estimated to account for" not in early.statement
    (note,) = [n for n in early.notes if "is not quoted" in n]
    assert note.startswith("The size of the recording change C6 is not quoted.")
    # 2017-18 Q2: the same change, now calibrated, has one size in the model and the adjustment
    later = analysis.analyse(plan.measure("violence_sexual"), periods.parse_quarter("2017-18-Q2"), plan)
    estimate = later.shift_estimates["harassment-offences-2015-04"]
    (shift,) = [s for s in later.adjustment.shifts if str(s.date) == "2015-04"]
    assert estimate.calibrated and shift.calibrated
    assert (shift.estimate, shift.ci_low, shift.ci_high) == (estimate.ratio, estimate.ci_low, estimate.ci_high)
    size = words.percent(abs(estimate.ratio - 1) * 100)  # one rounding rule for the model's size and the adjustment
    assert f"{size} {'rise' if estimate.ratio > 1 else 'fall'}" in adjustment_describe(later.adjustment)
    assert not [n for n in later.notes if "is not quoted" in n]


# --- sections, templates, the analyst's options --------------------------------------------------

def test_a_section_returns_the_frames_behind_its_charts(ctx_2015q1):
    from perfkit.reports.report import measure_section

    s = measure_section(ctx_2015q1, ctx_2015q1.plan.measure("burglary"))
    monthly, spc = s.data["burglary/monthly"], s.data["burglary/spc"]
    ev = ctx_2015q1.evidence(ctx_2015q1.plan.measure("burglary"))
    assert monthly.index.max() == ctx_2015q1.quarter.end and len(monthly) == min(60, len(ev.window))
    assert monthly["recorded"].dropna().equals(ev.window.loc[monthly.index.min():].dropna())
    assert {"value", "mean", "upper", "lower"} <= set(spc.columns) and spc.index.max() == ctx_2015q1.quarter.end
    assert set(s.figures) >= {"burglary/trend", "burglary/spc"}
    bundle, meta = s.parts[0]._repr_mimebundle_()
    assert "text/html" in bundle and meta == {}


def test_chart_months_sets_the_window_of_the_chart_and_its_numbers(monkeypatch, small_params):
    from perfkit.reports.report import Options, measure_section

    monkeypatch.setenv("PERFKIT_PARAMS", str(small_params({3: "burglary"})))  # one measure's model, twice
    ctx = ReportContext.create("2016-17-Q2", options=Options(chart_months=24))
    s = measure_section(ctx, ctx.plan.measure("burglary"))
    assert len(s.data["burglary/monthly"]) == 24
    assert s.data["burglary/monthly"].index.min() == pd.Period("2014-10", "M")
    assert "October 2014 to September 2016" in s.html_for()
    default = measure_section(ReportContext.create("2016-17-Q2"), ctx.plan.measure("burglary"))
    assert len(default.data["burglary/monthly"]) > 24


def test_bad_options_are_named():
    from perfkit.errors import ConfigError
    from perfkit.reports.report import Options

    with pytest.raises(ConfigError, match="chart_months: found 3; expected"):
        Options(chart_months=3)
    with pytest.raises(ConfigError, match="seasonal_method: found 'x12'; expected one of auto, x13, stl, none"):
        Options(seasonal_method="x12")
    with pytest.raises(ConfigError, match="comparator_group: found 'nowhere'"):
        Options(comparator_group="nowhere")


def test_templates_escape_what_they_are_given():
    from perfkit.present.display import figure, notice, table_html

    assert notice("<b>A & B</b>") == '<div class="notice notice-info" role="note"><p>&lt;b&gt;A &amp; B&lt;/b&gt;</p></div>'
    row = {"measure_id": "x<y", "change_pct": 9.06, "unit": "offences"}
    marked = str(figure(row, "change_pct").html())
    assert marked == '<data value="9.06" data-measure="x&lt;y" data-field="change_pct">+9%</data>'
    html = str(table_html(pd.DataFrame({"Name": ["<i>"], "Change": [figure(row, "change_pct")], "n": [1234.0]}),
                          "Caption & more"))
    assert "<th scope=\"row\" data-label=\"Name\">&lt;i&gt;</th>" in html and marked in html and ">1,234<" in html
    assert 'aria-label="Caption &amp; more"' in html
    # A rendered fragment in a cell stays a fragment (pandas turns Markup into a plain str).
    from perfkit.present.display import Html, render

    cell = Html(render("range", low=figure(row, "change_pct"), high="<x>"))
    html = str(table_html(pd.DataFrame({"Name": ["a"], "95% interval": [cell]}), "c"))
    assert f'<td data-label="95% interval">{marked} to &lt;x&gt;</td>' in html


def test_the_comparison_table_marks_its_interval_figures(ctx_2015q1):
    html = measure_block(ctx_2015q1, ctx_2015q1.plan.measure("burglary"))
    assert "&lt;data" not in html
    assert re.search(r'<td data-label="95% interval"><data value="[^"]+" data-measure="burglary" data-field="change_low_pct">[^<]+</data> to '
                     r'<data value="[^"]+" data-measure="burglary" data-field="change_high_pct">', html)


def test_the_view_modules_build_no_html_in_python(project_root):
    """Item 1 of issue 12: no f-string HTML and no hand escaping in the view modules."""
    for name in ("reports/report.py", "reports/deepdive.py", "reports/datapack.py", "present/display.py", "present/charts.py"):
        text = (project_root / "perfkit" / name).read_text()
        assert not re.search(r"""f["'][^"'\n]*<(p|div|li|ul|h\d|table|td|th|tr|span|strong|figure|details|data)\b""",
                             text), name
        assert "escape(" not in text.replace("escape = html.escape", ""), name


def test_a_missing_narrative_shows_a_neutral_line_and_an_example_is_labelled(tmp_path, monkeypatch):
    import shutil

    from perfkit import config
    from perfkit.reports.report import EXAMPLE_LABEL, MISSING_NARRATIVE, narrative_section

    params = tmp_path / "params"
    shutil.copytree(config.params_dir(), params)
    monkeypatch.setenv("PERFKIT_PARAMS", str(params))
    folder = params / "narrative" / "2016-17-Q2"
    folder.mkdir(parents=True, exist_ok=True)
    for f in folder.glob("*.md"):
        f.unlink()
    html = narrative_section("2016-17-Q2", "objective-1").html_for()
    assert MISSING_NARRATIVE in html and "params/" not in html and ".md" not in html
    (folder / "objective-1.md").write_text("<!-- example -->\nBurglary fell.\n\nMore text.\n", encoding="utf-8")
    s = narrative_section("2016-17-Q2", "objective-1")
    assert EXAMPLE_LABEL in s.html_for() and any("Burglary fell." in p.content for p in s.parts)
    assert s.data["narrative"]["headline"].iloc[0] == "Burglary fell."


def test_a_section_shows_each_part_with_its_edition():
    from IPython.core.formatters import DisplayFormatter

    from perfkit.present.display import EDITION_KEY
    from perfkit.present.section import Section

    s = Section("demo")
    s.html("<p>both</p>")
    s.html("<p>board only</p>", edition="board")
    s.markdown("# Title")
    assert s.html_for("public") == "<p>both</p>" and "board only" in s.html_for("board")
    data, meta = s.parts[1]._repr_mimebundle_()
    assert data == {"text/html": "<p>board only</p>"} and meta == {EDITION_KEY: {"edition": "board"}}
    assert s._repr_mimebundle_()[1] == {}  # mixed editions: no one edition for the whole
    board = Section("b", parts=[s.parts[1]])
    assert board._repr_mimebundle_()[1] == {EDITION_KEY: {"edition": "board"}}
    # IPython displays it part by part (its display protocol), so the export sees each edition.
    assert hasattr(s, "_ipython_display_")
    data, _ = DisplayFormatter().format(s.parts[2])
    assert data["text/markdown"] == "# Title"


def test_charts_are_embedded_as_reproducible_svg_with_their_text_kept_as_text(ctx_2015q1):
    import base64

    measure = ctx_2015q1.plan.measure("burglary")
    first, second = measure_block(ctx_2015q1, measure), measure_block(ctx_2015q1, measure)
    images = re.findall(r'src="data:(image/[a-z+]+);base64,([^"]+)"', first)
    assert images and {kind for kind, _ in images} == {"image/svg+xml"}
    assert images == re.findall(r'src="data:(image/[a-z+]+);base64,([^"]+)"', second)  # same bytes each time
    svg = base64.b64decode(images[0][1]).decode("utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg  # no date or version stamp
    assert "<text" in svg and "'DejaVu Sans', 'Verdana', 'Arial', 'Helvetica', sans-serif" in svg


def test_a_laid_out_chart_is_saved_in_one_draw_to_the_area_tight_would_give(monkeypatch):
    """present.display._drawn_box: a chart laid out by tight_layout() (the trend chart, whose source
    line sits below the figure) is measured with the layout's renderer and drawn once when saved,
    to within a point of what savefig(bbox_inches="tight") gives in two draws."""
    import base64
    import io

    from matplotlib.figure import Figure

    from perfkit.present import charts
    from perfkit.present.display import encode_figure

    months = pd.period_range("2014-01", "2018-09", freq="M")
    values = pd.Series(np.linspace(900, 1300, len(months)), index=months)

    def chart():
        return charts.trend_chart(values, title="Burglary in the area, monthly", subtitle="Recorded",
                                  source="data.police.uk street-level crime", unit="offences")

    def size(svg: str) -> tuple:
        return tuple(float(v) for v in re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups())

    reference = io.BytesIO()
    chart().savefig(reference, format="svg", bbox_inches="tight")
    draws = []
    original = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: (draws.append(1), original(self, renderer))[1])
    _, data = encode_figure(chart())
    assert len(draws) == 1  # bbox_inches="tight" draws twice
    ours, theirs = size(base64.b64decode(data).decode("utf-8")), size(reference.getvalue().decode("utf-8"))
    assert all(abs(a - b) <= 1.0 for a, b in zip(ours, theirs)), (ours, theirs)


def test_a_figure_of_many_shapes_can_stay_png():
    import base64

    import matplotlib.pyplot as plt

    from perfkit.present.display import figure_html

    fig, ax = plt.subplots()
    ax.hexbin([0, 1, 2, 3], [3, 2, 1, 0], gridsize=5)
    html = str(figure_html(fig, "Density of four points", vector=False))
    data = re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1)
    assert base64.b64decode(data).startswith(b"\x89PNG")
    assert 'alt="Density of four points"' in html


def test_the_monthly_table_has_the_same_columns_whether_or_not_the_series_is_adjusted():
    """Issue 22 item 9: code written for one quarter runs on the next. A series too short to adjust
    (2016-17 Q2) has the seasonally_adjusted column, empty; a month left out has no adjusted value."""
    from types import SimpleNamespace

    from perfkit.reports.report import monthly_frame

    months = pd.period_range("2016-01", "2016-09", freq="M")
    window = pd.Series([100.0, 90, 95, 97, np.nan, 99, 101, 104, 98], index=months)
    series = SimpleNamespace(published=pd.Series(dtype=float))
    short = SimpleNamespace(window=window, adjustment=None, series=series, left_out={months[4]: "D1"})
    adjusted = SimpleNamespace(window=window, series=series, left_out={months[4]: "D1"},
                               adjustment=SimpleNamespace(method="x13", seasadj=window.fillna(96.0) + 1))
    a, b = monthly_frame(short), monthly_frame(adjusted, months[-6:])
    assert list(a.columns) == list(b.columns) == ["recorded", "seasonally_adjusted", "published", "left_out"]
    assert a["seasonally_adjusted"].isna().all() and a.loc[months[4], "left_out"] == "D1"
    assert len(b) == 6 and np.isnan(b.loc[months[4], "seasonally_adjusted"]) and b.loc[months[5], "seasonally_adjusted"] == 100
