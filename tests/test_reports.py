"""Report sections computed in-process (no kernel): caveats under charts, alt text, statements,
disclosure control. Runs on the shipped data (the default store is built on first use)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from perfkit import analysis, disclosure
from perfkit.report import ReportContext, measure_block


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
    assert "December 2014" not in trend or "no data" in trend
    assert "1 month in the period has no data" in trend  # December 2014 is missing in the shipped data
    for alt in alts:
        assert alt.strip().lower() not in {"", "png", "image", "chart", "output", "figure"}


def test_statement_reports_the_test_verdict_in_words(ctx_2015q1):
    ev = ctx_2015q1.evidence(ctx_2015q1.plan.measure("burglary"))
    cmp = ev.quarter_comparison
    assert ev.statement.startswith("Burglary: ")
    verdict = "so the change is statistically significant" if cmp.significant else "not statistically significant"
    assert verdict in ev.statement
    assert f"{int(cmp.count):,}" in ev.statement and f"{int(cmp.count_ref):,}" in ev.statement


def test_a_measure_without_figures_says_so():
    ctx = ReportContext.create("2016-17-Q2")
    html = measure_block(ctx, ctx.plan.measure("calls_999_answered"))
    assert "No figures have been supplied" in html and "<img" not in html


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


def test_a_revised_figure_from_last_quarter_is_flagged(tmp_path, monkeypatch):
    """Last quarter's published Board data pack says 1,000 burglaries; the data now say otherwise."""
    from perfkit.report import revision_note

    monkeypatch.setenv("PERFKIT_OUTPUTS", str(tmp_path))
    ctx = ReportContext.create("2016-17-Q2")
    measure = ctx.plan.measure("burglary")
    now = ctx.evidence(measure).series.window_values(ctx.quarter.previous().months).sum()
    folder = tmp_path / "2016-17-Q1" / "board"
    folder.mkdir(parents=True)
    pd.DataFrame({"measure_id": ["burglary"], "quarter_value": [1000.0]}).to_csv(folder / "data-pack.csv", index=False)
    note = revision_note(ctx, measure)
    assert f"2016/17 Q1 was published last quarter as 1,000 offences; the data now give {now:,.0f}" in note
    # Within 1%: nothing to say.
    pd.DataFrame({"measure_id": ["burglary"], "quarter_value": [now * 1.005]}).to_csv(folder / "data-pack.csv", index=False)
    assert revision_note(ctx, measure) == ""


def test_a_recording_change_has_one_size_on_the_page():
    """The evidence statement and the seasonal-adjustment sentence quote the same calibrated step."""
    from perfkit import periods, words
    from perfkit.plan import load_plan

    plan = load_plan()
    ev = analysis.analyse(plan.measure("violence_sexual"), periods.parse_quarter("2016-17-Q4"), plan)
    estimate = ev.shift_estimates["harassment-offences-2015-04"]
    (shift,) = [s for s in ev.adjustment.shifts if str(s.date) == "2015-04"]
    assert estimate.calibrated and shift.calibrated
    assert (shift.estimate, shift.ci_low, shift.ci_high) == (estimate.ratio, estimate.ci_low, estimate.ci_high)
    statement = analysis.measure_statement(ev)
    size = words.percent(abs(estimate.ratio - 1) * 100)  # one rounding rule for the statement and the adjustment
    assert f"estimated to account for {size} {'more' if estimate.ratio > 1 else 'fewer'}" in statement
    assert "(two harassment offences" in statement
    assert f"{size} {'rise' if estimate.ratio > 1 else 'fall'}" in ev.adjustment.describe()
