"""Tests of perfkit.stats.spc: hand-worked values for each rule, and agreement with an independent,
loop-based implementation of the NHSRplotthedots rules on random, real, rebased and tied series."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from perfkit.present import words

from perfkit.errors import PerfkitError
from perfkit.stats.spc import SPC_COLOURS, LimitWarning, SPCInputError, XmR, xmr
from perfkit.present.statements import spc_warnings


def monthly(values, start="2015-04"):
    return pd.Series(np.asarray(values, dtype=float), index=pd.period_range(start, periods=len(values), freq="M"))


# --- hand-worked values ---------------------------------------------------------------------------

def test_limits_hand_worked_without_screening():
    # values 10, 12, 11, 15, 12: mean 12; MRs 2, 1, 4, 3 -> mean 2.5; limits 12 +/- 6.65
    chart = xmr(monthly([10, 12, 11, 15, 12]), screen_outliers=False)
    t = chart.table
    assert t["mean"].tolist() == [12.0] * 5
    assert t["upper"].iloc[0] == pytest.approx(12 + 2.66 * 2.5)
    assert t["lower"].iloc[0] == pytest.approx(12 - 2.66 * 2.5)
    assert math.isnan(t["moving_range"].iloc[0]) and t["moving_range"].iloc[1:].tolist() == [2, 1, 4, 3]


def test_nhsrplotthedots_deviations_vignette_example():
    # The package's own example (vignettes/deviations.Rmd): UPL 4.6, mean 1.94, LPL -0.72 with
    # screening; UPL 6.95, LPL -3.06 without. Hand check: MRs are fifteen 1s, 8 and 9 -> mean 32/17;
    # 8 and 9 >= 3.267 x 32/17 = 6.15 are screened, leaving mean MR 1.
    data = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    screened = xmr(monthly(data), improvement="increase").table
    assert screened["mean"].iloc[0] == pytest.approx(35 / 18)
    assert screened["upper"].iloc[0] == pytest.approx(35 / 18 + 2.66)
    assert round(screened["upper"].iloc[0], 2) == 4.6 and round(screened["lower"].iloc[0], 2) == -0.72
    raw = xmr(monthly(data), screen_outliers=False).table
    assert raw["upper"].iloc[0] == pytest.approx(35 / 18 + 2.66 * 32 / 17)
    assert round(raw["upper"].iloc[0], 2) == 6.95 and round(raw["lower"].iloc[0], 2) == -3.06
    # one blue special-cause improvement point (the 10), the rest common cause
    assert screened["point_type"].tolist() == ["common_cause"] * 4 + ["improvement"] + ["common_cause"] * 13


def test_screening_keeps_ranges_strictly_below_the_cut():
    # MRs 0,0,0,4 -> mean 1; 3.267 x 1 = 3.267 so 4 is dropped; the rest are zero -> mean MR 0
    chart = xmr(monthly([5, 5, 5, 5, 9]), screen_outliers=True)
    assert chart.table["upper"].iloc[0] == pytest.approx(chart.table["mean"].iloc[0])


def test_constant_series_has_zero_width_limits_and_no_signal():
    chart = xmr(monthly([7] * 15))
    t = chart.table
    assert (t["upper"] == 7).all() and (t["lower"] == 7).all()
    assert not t["special"].any() and chart.icon == "common_cause"


def test_outside_limits_rule():
    values = [10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 30]
    chart = xmr(monthly(values), improvement="decrease", baseline=12)
    t = chart.table
    assert t["outside_limits"].tolist() == [False] * 12 + [True]
    assert t["point_type"].iloc[-1] == "concern" and chart.icon == "concern"
    assert chart.icon_direction == "high" and chart.icon_colour == "#e46c0a"
    assert t["special_cause_type"].iloc[-1] == "above_upper"


def test_run_of_seven_flags_every_point_of_the_run():
    # ten points alternating 5, 1 then seven 4s: mean 58/17 = 3.41, so the 4s are a run of 7
    values = [5, 1] * 5 + [4] * 7
    t = xmr(monthly(values)).table
    assert t["mean"].iloc[0] == pytest.approx(58 / 17)
    assert t["run"].tolist() == [False] * 10 + [True] * 7
    assert t["special_cause_type"].iloc[-1] == "run_above"


def test_run_of_six_is_not_a_run_unless_run_length_is_six():
    values = [5, 1] * 5 + [4] * 6 + [1]  # mean 55/17 = 3.24
    assert not xmr(monthly(values)).table["run"].any()
    t = xmr(monthly(values), run_length=6).table
    assert t["run"].tolist() == [False] * 10 + [True] * 6 + [False]


def test_a_point_on_the_mean_breaks_a_run():
    # mean is exactly 5 (75 over 15 points); the 5 in the middle of the high block is on the mean
    values = [2, 3, 2, 3, 2, 3, 2] + [8, 7, 8, 5, 7, 8, 7, 8]
    assert sum(values) / len(values) == 5
    t = xmr(monthly(values), screen_outliers=False).table
    assert t["mean"].iloc[0] == 5
    assert not t.iloc[7:]["run"].any()  # 3 above, on the mean, 4 above: no run of 7
    assert t.iloc[:7]["run"].all()  # seven points below the mean are a run


def test_trend_of_seven_strict_rises_and_a_tie_breaks_it():
    rising = [1, 2, 3, 4, 5, 6, 7]
    t = xmr(monthly([4, 4, 4] + rising + [4, 4])).table
    assert t["trend"].tolist() == [False] * 3 + [True] * 7 + [False] * 2
    tied = [1, 2, 3, 3, 5, 6, 7]
    assert not xmr(monthly([4, 4, 4] + tied + [4, 4])).table["trend"].any()
    six = [1, 2, 3, 4, 5, 6]
    assert not xmr(monthly([4, 4, 4] + six + [4, 4])).table["trend"].any()
    assert xmr(monthly([4, 4, 4] + six + [4, 4]), run_length=6).table["trend"].sum() == 6


def test_falling_trend_direction_and_improvement():
    values = [9, 8, 7, 6, 5, 4, 3, 6, 5, 6, 5, 6, 5]
    chart = xmr(monthly(values), improvement="decrease")
    t = chart.table
    assert t["trend"].tolist() == [True] * 7 + [False] * 6
    # the first point is also above the upper limit: that rule comes first, and with it the
    # direction (a high point is a concern when lower is better)
    assert t["outside_limits"].iloc[0] and t["point_type"].iloc[0] == "concern"
    assert (t["point_type"].iloc[1:7] == "improvement").all()
    assert (t["special_cause_type"].iloc[1:7] == "trend_falling").all()


def test_two_of_three_close_to_the_limit_same_side():
    # limits fixed on 12 points alternating 9/11: mean 10, mean MR 2, upper limit 15.32,
    # "close" above 10 + (2/3) x 2.66 x 2 = 13.55
    base = [9, 11] * 6
    values = base + [10.5, 14, 10.5, 14, 10.5]
    t = xmr(monthly(values), baseline=12).table
    assert t["upper"].iloc[0] == pytest.approx(15.32) and t["near_upper"].iloc[0] == pytest.approx(10 + 2 / 3 * 5.32)
    assert t["two_of_three"].tolist() == [False] * 13 + [True, False, True, False]
    assert t["special_cause_type"].iloc[13] == "two_of_three_above"


def test_two_of_three_needs_all_three_points_on_the_same_side():
    base = [9, 11] * 6
    values = base + [10.5, 14, 9.5, 14, 10.5]  # 9.5 is below the mean of 10
    t = xmr(monthly(values), baseline=12).table
    assert t["close_to_limits"].sum() == 2
    assert not t["two_of_three"].any()


def test_two_of_three_does_not_count_a_point_outside_the_limits():
    # as NHSRplotthedots: "close" excludes points beyond the limits, so outside + close is
    # flagged only by the outside rule
    base = [9, 11] * 6
    values = base + [10.5, 16, 10.5, 14, 10.5]
    t = xmr(monthly(values), baseline=12).table
    assert t["outside_limits"].iloc[13] and t["close_to_limits"].iloc[15]
    assert not t["two_of_three"].any()


def test_rebase_recomputes_limits_and_rules_stay_within_a_segment():
    rng = np.random.default_rng(1)
    values = np.concatenate([rng.normal(100, 5, 18), rng.normal(150, 5, 18)])
    s = monthly(values, start="2014-04")
    whole = xmr(s)
    rebased = xmr(s, rebase=["2015-10"])
    seg = rebased.segments
    assert seg["start"].tolist() == [pd.Period("2014-04", "M"), pd.Period("2015-10", "M")]
    t = rebased.table
    assert t["mean"].iloc[0] == pytest.approx(values[:18].mean())
    assert t["mean"].iloc[-1] == pytest.approx(values[18:].mean())
    assert whole.table["run"].any()  # the shift shows as runs without rebasing
    assert rebased.rebase == (pd.Period("2015-10", "M"),)
    # pd.Period and a rebase month outside the series are accepted; the latter is ignored
    assert xmr(s, rebase=[pd.Period("2015-10", "M"), "2010-01"]).rebase == rebased.rebase


def test_a_rebase_waits_for_twelve_months_and_limits_are_trial_until_twenty():
    """Making Data Count: limits are recalculated at a change only once 12 points follow it (until
    then the earlier limits carry on across it), and are trial limits until 20 points."""
    s = monthly(range(40), start="2014-04")  # April 2014 to July 2017
    firm = xmr(s, rebase=["2015-12"])  # 20 points either side
    assert firm.rebase == (pd.Period("2015-12", "M"),) and firm.pending_rebase == ()
    assert firm.segments["trial"].tolist() == [False, False] and firm.warnings == ()
    trial = xmr(s, rebase=["2016-08"])  # 12 points from August 2016
    assert trial.rebase == (pd.Period("2016-08", "M"),) and trial.segments["trial"].tolist() == [False, True]
    assert trial.warnings == (LimitWarning("trial", pd.Period("2016-08", "M"), 12),)
    assert spc_warnings(trial) == ["Trial limits for the segment from August 2016: based on 12 points (fewer than 20); "
                                   "they will change as months are added."]
    pending = xmr(s, rebase=["2017-01"])  # 7 points from January 2017: the earlier limits carry on
    assert pending.rebase == () and pending.pending_rebase == (pd.Period("2017-01", "M"),)
    assert len(pending.segments) == 1
    pd.testing.assert_frame_equal(pending.table, xmr(s).table)
    assert spc_warnings(xmr(monthly(range(8)))) == [
        "Trial limits for the series: based on 8 points (fewer than 20); they will change as months are added.",
    ]


def test_baseline_fixes_limits_on_the_first_points():
    values = list(range(12)) + [100] * 6
    t = xmr(monthly(values), baseline=12, screen_outliers=False).table
    assert t["mean"].iloc[-1] == pytest.approx(5.5)
    assert t["upper"].iloc[0] == pytest.approx(5.5 + 2.66 * 1)
    assert t["outside_limits"].iloc[12:].all()


def test_missing_months_break_runs_and_trends_and_are_reported():
    values = [1, 2, 3, np.nan, 4, 5, 6, 7, 5, 5, 5, 5, 5, 5]
    chart = xmr(monthly(values))
    t = chart.table
    assert not t["trend"].iloc[:4].any()  # 1,2,3 | 4,5,6,7 would be a trend of 7 without the gap
    assert pd.isna(t["point_type"].iloc[3]) and not t["special"].iloc[3]
    assert [w.months for w in chart.warnings if w.code == "missing"] == [(pd.Period("2015-07", "M"),)]
    assert spc_warnings(chart)[-1] == "1 missing month (July 2015): shown as gaps; runs and trends do not cross them."
    # an absent month is the same as NaN
    s = monthly(values).drop(pd.Period("2015-07", "M"))
    pd.testing.assert_frame_equal(xmr(s).table, t)


def test_neutral_direction_and_icon_colours():
    values = [10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 2]
    chart = xmr(monthly(values), baseline=12)
    assert chart.table["point_type"].iloc[-1] == "neutral"
    assert chart.icon == "neutral" and chart.icon_direction == "low" and chart.icon_colour == "#490092"
    assert xmr(monthly(values), improvement="lower", baseline=12).icon == "improvement"
    assert xmr(monthly(values), improvement="increase", baseline=12).icon == "concern"
    assert SPC_COLOURS == {"common_cause": "#a6a6a6", "improvement": "#00b0f0",
                           "concern": "#e46c0a", "neutral": "#490092"}


def test_bad_input_messages():
    with pytest.raises(SPCInputError, match="expected a monthly PeriodIndex"):
        xmr(pd.Series([1.0, 2.0]))
    with pytest.raises(ValueError, match="improvement: found 'up-ish'; expected 'increase', 'decrease' or None"):
        xmr(monthly([1, 2, 3]), improvement="up-ish")
    with pytest.raises(PerfkitError, match="run_length: found 3"):
        xmr(monthly([1, 2, 3]), run_length=3)
    with pytest.raises(SPCInputError, match="rebase: found 'not-a-month'"):
        xmr(monthly([1, 2, 3]), rebase=["not-a-month"])
    with pytest.raises(SPCInputError, match="baseline: found 5"):
        xmr(monthly([1, 2, 3]), baseline=5)


# --- sentences ----------------------------------------------------------------------------------

def test_findings_say_the_latest_month_and_the_signals_of_the_last_12_months():
    from perfkit.present.statements import spc_findings

    assert spc_findings(xmr(monthly([10, 11] * 8)), "Burglary") == [
        "Burglary in July 2016: within the usual range (common-cause variation), as every month of the last 12 is.",
        "The limits are trial limits, based on only 16 months."]
    values = [10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 30]
    assert spc_findings(xmr(monthly(values), baseline=12), "Robbery")[:2] == [
        "Robbery in April 2016: special-cause variation, where neither direction is better.",
        "Robbery: the latest month (April 2016) is above the upper process limit.",
    ]
    # a signal older than 12 months stays on the chart and out of the words
    old = [9, 8, 7, 6, 5, 4, 3] + [5, 6] * 12
    chart = xmr(monthly(old))
    assert any(sig.end < chart.latest - 11 for sig in chart.signals())
    findings = spc_findings(chart, "Drug offences")
    assert findings[0].startswith("Drug offences in ") and not any("2015" in f for f in findings[1:])
    # a recording change with too few months after it: the words say it lies in the window
    s = monthly(range(40), start="2014-04")
    said = " ".join(spc_findings(xmr(s, rebase=["2017-01"]), "Violence"))
    assert "A recording change from January 2017 lies in the window" in said


def test_rule_names_go_to_the_method_notes():
    from perfkit.present.statements import spc_describe, spc_rule_notes

    values = [5, 1] * 5 + [4] * 7
    chart = xmr(monthly(values))
    notes = spc_rule_notes(chart)
    assert notes[0] == ("SPC rule that fired: the run rule (7 or more points in a row on one side of the mean), "
                        "February 2016 to August 2016.")
    assert any(n.startswith("SPC method: an XmR chart") for n in notes)
    assert "rule" not in spc_describe(chart, "Burglary")
    plain = spc_rule_notes(xmr(monthly([10, 11] * 8), baseline=12))
    assert plain[-2].startswith("SPC method: an XmR chart")
    assert all(words.word_count(s) <= 25 for n in notes + plain for s in words.sentences(n))


# --- the chart ------------------------------------------------------------------------------------

def test_plot_uses_shapes_and_colours_and_labels_the_icon():
    values = [10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 30]
    from perfkit.present.stat_charts import control_chart

    fig = control_chart(xmr(monthly(values), improvement="decrease", baseline=12), title="Burglary")
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Common cause" in legend and "Special cause: concern" in legend
    markers = {h.get_marker() for h in ax.get_legend().legend_handles if h.get_marker() not in (None, "None")}
    assert len(markers) >= 2  # shape, not colour alone
    texts = [t.get_text() for t in ax.texts]
    assert "H" in texts and any(t.startswith("Variation: special cause, concern") for t in texts)
    assert ax.get_title(loc="left") == "Burglary"
    import matplotlib.pyplot as plt

    plt.close(fig)


# --- an independent implementation of the NHSRplotthedots rules ------------------------------------
# Written as loops over windows, the way the R code reads (ptd_spc_standard.R and
# ptd_calculate_point_type.R), not as the block-based code in perfkit.stats.spc. Missing values (which
# the R package does not allow) are treated as perfkit documents: no flags, they end runs, trends
# and two-of-three windows, and moving ranges are not taken across them.

def reference_xmr(values, rebase_idx=(), baseline=None, run_length=7, screen=True, improvement=0):
    y = list(values)
    n = len(y)
    group = [0] * n
    for i in range(n):
        group[i] = sum(1 for r in rebase_idx if r <= i)
    out = {k: [None] * n for k in ("mean", "lower", "upper")}
    for k in ("outside", "run", "trend", "two", "special"):
        out[k] = [False] * n
    out["type"] = [None] * n
    for g in sorted(set(group)):
        rows = [i for i in range(n) if group[i] == g]
        ys = [y[i] for i in rows]
        fix = [v if (baseline is None or j < baseline) else math.nan for j, v in enumerate(ys)]
        known = [v for v in fix if not math.isnan(v)]
        mean = sum(known) / len(known) if known else math.nan
        mrs = [math.nan] + [abs(fix[j] - fix[j - 1]) for j in range(1, len(fix))]
        good = [m for m in mrs if not math.isnan(m)]
        amr = sum(good) / len(good) if good else math.nan
        if screen and amr > 0:
            kept = [m for m in good if m < 3.267 * amr]
            amr = sum(kept) / len(kept) if kept else math.nan
        upl, lpl = mean + 2.66 * amr, mean - 2.66 * amr
        nupl, nlpl = mean + 2 * (2.66 / 3) * amr, mean - 2 * (2.66 / 3) * amr
        m = len(ys)
        outside = [(not math.isnan(v)) and (v > upl or v < lpl) for v in ys]
        rtm = [0 if math.isnan(v) else (1 if v > mean else -1 if v < mean else 0) for v in ys]
        close = [(not math.isnan(v)) and (not outside[j]) and (v < nlpl or v > nupl) for j, v in enumerate(ys)]
        # run: point i ends a run if it and the previous run_length-1 points share a non-zero side
        ends = [False] * m
        for i in range(run_length - 1, m):
            window = rtm[i - run_length + 1: i + 1]
            ends[i] = rtm[i] != 0 and all(w == rtm[i] for w in window)
        run = [any(ends[k] for k in range(i, min(m, i + run_length))) for i in range(m)]
        # trend: point i ends a trend if the run_length-1 differences before it all rise / all fall
        tend = [0] * m
        for i in range(run_length - 1, m):
            w = ys[i - run_length + 1: i + 1]
            if any(math.isnan(v) for v in w):
                continue
            d = [w[k + 1] - w[k] for k in range(len(w) - 1)]
            if all(x > 0 for x in d):
                tend[i] = 1
            elif all(x < 0 for x in d):
                tend[i] = -1
        trend = [any(tend[k] != 0 for k in range(i, min(m, i + run_length))) for i in range(m)]
        # direction of a trend point: the latest trend window containing it
        tdir = [0] * m
        for i in range(m):
            for k in range(i, min(m, i + run_length)):
                if tend[k] != 0:
                    tdir[i] = tend[k]
        # two in three, as ptd_two_in_three with zero padding
        vp = [0, 0] + [int(c) for c in close] + [0, 0]
        rp = [0, 0] + rtm + [0, 0]
        two = []
        for i in range(m):
            hit = False
            for off in (0, 1, 2):
                if sum(vp[i + off: i + off + 3]) >= 2 and abs(sum(rp[i + off: i + off + 3])) == 3:
                    hit = True
            two.append(hit and close[i])
        for j, i in enumerate(rows):
            out["mean"][i], out["lower"][i], out["upper"][i] = mean, lpl, upl
            out["outside"][i], out["run"][i], out["trend"][i], out["two"][i] = outside[j], run[j], trend[j], two[j]
            special = outside[j] or run[j] or trend[j] or two[j]
            out["special"][i] = special
            if math.isnan(ys[j]):
                continue
            if not special:
                out["type"][i] = "common_cause"
                continue
            if outside[j]:
                v = rtm[j]
            elif trend[j]:
                v = tdir[j]
            elif two[j]:
                v = 1 if rtm[j] > 0 else -1
            else:
                v = 1 if rtm[j] > 0 else -1
            if improvement == 0:
                out["type"][i] = "neutral"
            else:
                out["type"][i] = "improvement" if v * improvement > 0 else "concern"
    return out


def assert_agrees(series, rebase=(), baseline=None, run_length=7, screen=True, improvement=None):
    chart = xmr(series, improvement=improvement, rebase=rebase, baseline=baseline,
                run_length=run_length, screen_outliers=screen)
    t = chart.table
    # a rebase month with fewer than 12 months after it is pending (the reference rebases only at the others)
    idx = [series.index.get_loc(p) for p in chart.rebase]
    for r in rebase:
        p = pd.Period(r, "M")
        if p in chart.pending_rebase:
            assert int((series.dropna().index >= p).sum()) < 12
    ref = reference_xmr(series.to_numpy(dtype=float), idx, baseline, run_length, screen,
                        {"increase": 1, "decrease": -1, None: 0}[improvement])
    np.testing.assert_allclose(t["mean"], np.array(ref["mean"], dtype=float), rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(t["upper"], np.array(ref["upper"], dtype=float), rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(t["lower"], np.array(ref["lower"], dtype=float), rtol=1e-12, equal_nan=True)
    assert t["outside_limits"].tolist() == ref["outside"]
    assert t["run"].tolist() == ref["run"]
    assert t["trend"].tolist() == ref["trend"]
    assert t["two_of_three"].tolist() == ref["two"]
    assert t["special"].tolist() == ref["special"]
    assert [None if pd.isna(v) else v for v in t["point_type"]] == ref["type"]
    return chart


@pytest.mark.parametrize("seed", range(40))
def test_agrees_with_reference_on_random_series(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 60))
    kind = seed % 4
    if kind == 0:
        values = rng.normal(100, 10, n)
    elif kind == 1:
        values = rng.integers(0, 4, n).astype(float)  # many ties and points on the mean
    elif kind == 2:
        values = np.cumsum(rng.normal(0, 1, n)) + 50  # drifting: trends and runs
    else:
        values = rng.poisson(30, n).astype(float)
        values[rng.integers(0, n)] *= 3  # an outlier to screen
    s = monthly(values, start="2013-01")
    rebase = []
    if n > 15 and seed % 3 == 0:
        rebase = [str(s.index[int(rng.integers(2, n - 2))])]
    baseline = 12 if seed % 5 == 0 and n > 20 else None
    assert_agrees(s, rebase=rebase, baseline=baseline, run_length=6 if seed % 2 else 7,
                  screen=bool(seed % 7), improvement=[None, "increase", "decrease"][seed % 3])


@pytest.mark.parametrize("seed", range(12))
def test_agrees_with_reference_with_points_exactly_on_the_mean(seed):
    rng = np.random.default_rng(100 + seed)
    n = 24
    values = rng.integers(3, 8, n).astype(float)
    values[-1] += (5 * n - values.sum())  # make the mean exactly 5
    assert values.mean() == 5
    s = monthly(values)
    chart = assert_agrees(s, improvement="increase")
    assert (chart.table["value"] == chart.table["mean"]).any()


@pytest.mark.parametrize("seed", range(6))
def test_agrees_with_reference_with_missing_months(seed):
    rng = np.random.default_rng(200 + seed)
    values = np.cumsum(rng.normal(0, 1, 40)) + 20
    values[rng.choice(40, 3, replace=False)] = np.nan
    assert_agrees(monthly(values), rebase=["2016-10"], improvement="decrease")


@pytest.fixture(scope="module")
def cambs(shared_data):
    frame = pd.read_csv(shared_data / "police-uk-force-month-2015-2018.csv")
    frame = frame[frame["county"] == "cambridgeshire"]
    out = {}
    for crime_type, part in frame.groupby("crime_type"):
        s = part.set_index("month")["num_crimes"].astype(float)
        s.index = pd.PeriodIndex(s.index, freq="M")
        out[crime_type] = s.sort_index()
    return out


def test_agrees_with_reference_on_real_cambridgeshire_series(cambs):
    assert len(cambs) >= 10
    for crime_type, s in cambs.items():
        assert len(s) >= 36
        assert_agrees(s, improvement="decrease")
        assert_agrees(s, rebase=["2016-04"], improvement="increase", run_length=6)
        assert_agrees(s, rebase=["2016-04", "2017-04"], screen=False)


def test_real_burglary_chart(cambs):
    chart = xmr(cambs["Burglary"], improvement="decrease")
    assert isinstance(chart, XmR)
    t = chart.table
    assert t["mean"].iloc[0] == pytest.approx(cambs["Burglary"].mean())
    from perfkit.present.statements import spc_findings

    assert spc_findings(chart, "Burglary")[0].startswith("Burglary in ")
    assert chart.icon in SPC_COLOURS
