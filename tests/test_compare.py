"""Tests of perfkit.stats.compare: agreement with statsmodels, over-dispersion, edge cases, the window
helpers on real data, and comparator groups."""

from __future__ import annotations

import math
from types import SimpleNamespace as NS

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats import rates as sm_rates

from perfkit.present import stat_charts

from perfkit.stats.compare import (
    ComparatorGroup,
    Dispersion,
    caveats_spanned,
    comparator_position,
    compare_periods,
    dispersion,
    estimate_overdispersion,
    load_comparators,
    quarter_vs_last_year,
    rate_per,
    rolling_12_months,
    year_to_date,
)
from perfkit.errors import ConfigError, PerfkitError
from perfkit.periods import parse_quarter
from perfkit.present.statements import comparator_rate, comparator_sentences, comparison_notes, dispersion_sentence
from perfkit.stats.compare import Gap

M = lambda text: pd.Period(text, "M")  # noqa: E731


def test_burglary_612_against_673():
    c = compare_periods(612, 3, 673, 3)
    res = sm_rates.test_poisson_2indep(612, 3, 673, 3, method="score", compare="ratio")
    lo, hi = sm_rates.confint_poisson_2indep(612, 3, 673, 3, method="score", compare="ratio")
    assert c.ratio == pytest.approx(612 / 673)
    assert c.p_value == pytest.approx(res.pvalue, rel=1e-12) and c.p_value == pytest.approx(0.0888, abs=1e-4)
    assert (c.ci_low, c.ci_high) == pytest.approx((lo, hi), rel=1e-12)
    assert c.change == pytest.approx(-9.06, abs=0.01)
    assert c.change_low == pytest.approx(-18.49, abs=0.01) and c.change_high == pytest.approx(1.45, abs=0.01)
    assert c.significant is False and c.tested
    assert c.case == "score" and not c.few_cases and c.gaps == ()
    assert comparison_notes(c) == []


def test_agrees_with_statsmodels_on_a_grid():
    rng = np.random.default_rng(5)
    for _ in range(60):
        c1, c0 = (int(x) for x in rng.integers(1, 3000, 2))
        e1, e0 = float(rng.choice([3, 12, 91, 365])), float(rng.choice([3, 12, 90, 366]))
        c = compare_periods(c1, e1, c0, e0)
        res = sm_rates.test_poisson_2indep(c1, e1, c0, e0, method="score", compare="ratio")
        lo, hi = sm_rates.confint_poisson_2indep(c1, e1, c0, e0, method="score", compare="ratio", alpha=0.05)
        assert c.p_value == pytest.approx(res.pvalue, rel=1e-10, abs=1e-300)
        assert c.ci_low == pytest.approx(lo, rel=1e-10) and c.ci_high == pytest.approx(hi, rel=1e-10)
        assert c.ratio == pytest.approx((c1 / e1) / (c0 / e0))
        # the score interval inverts the score test: significant exactly when 1 is outside it
        if abs(c.p_value - 0.05) > 1e-6:
            assert c.significant == (not (c.ci_low <= 1 <= c.ci_high))


def test_overdispersion_is_the_quasi_poisson_score_test():
    phi = 2.5
    plain = compare_periods(612, 3, 673, 3)
    wide = compare_periods(612, 3, 673, 3, overdispersion=phi)
    z = sm_rates.test_poisson_2indep(612, 3, 673, 3, method="score", compare="ratio").statistic
    assert wide.p_value == pytest.approx(2 * stats.norm.sf(abs(z) / math.sqrt(phi)), rel=1e-9)
    assert wide.ratio == plain.ratio
    assert wide.ci_low < plain.ci_low and wide.ci_high > plain.ci_high
    # at each end of the interval the scaled score statistic is the 97.5% normal quantile
    for bound in (wide.ci_low, wide.ci_high):
        stat = sm_rates.test_poisson_2indep(612, 3, 673, 3, value=bound, method="score", compare="ratio").statistic
        assert abs(stat) / math.sqrt(phi) == pytest.approx(stats.norm.ppf(0.975), rel=1e-4)
    assert wide.overdispersion == phi and wide.dispersion is None  # a scale given as a number
    assert compare_periods(612, 3, 673, 3, overdispersion=1).p_value == plain.p_value


def test_edge_cases_give_a_result_not_an_exception():
    both = compare_periods(0, 3, 0, 3)
    assert math.isnan(both.ratio) and math.isnan(both.p_value) and not both.significant and not both.tested
    assert both.case == "both zero"
    assert comparison_notes(both) == ["No cases in either period: there is no rate ratio to test."]

    up = compare_periods(5, 3, 0, 3)
    assert up.ratio == math.inf and up.ci_high == math.inf
    assert up.p_value == pytest.approx(0.0625)  # exact conditional: 2 x 0.5^5
    assert up.ci_low == pytest.approx(stats.beta.ppf(0.025, 5, 1) / (1 - stats.beta.ppf(0.025, 5, 1)))
    assert not up.significant and up.case == "exact" and up.few_cases
    assert comparison_notes(up) == [
        "The reference period has no cases, so the change cannot be expressed reliably as a percentage; an exact "
        "test is used.", "Only 5 cases in the two periods together: the interval is very wide."]
    widened = compare_periods(0, 3, 40, 3, overdispersion=2.0)
    assert widened.case == "exact" and not widened.few_cases
    assert comparison_notes(widened)[1:] == ["The over-dispersion widening is not applied when a count is zero."]
    assert compare_periods(8, 3, 9, 3).few_cases and not compare_periods(10, 3, 10, 3).few_cases
    assert comparison_notes(compare_periods(8, 3, 9, 3)) == [
        "Only 17 cases in the two periods together: the interval is wide."]

    down = compare_periods(0, 3, 9, 3)
    assert down.ratio == 0 and down.ci_low == 0 and down.significant
    assert down.p_value == pytest.approx(2 * 0.5 ** 9)

    missing = compare_periods(float("nan"), 3, 10, 3)
    assert math.isnan(missing.ratio) and not missing.significant
    assert missing.case == "no count"
    assert comparison_notes(missing) == ["No count for this period: there is no comparison."]
    assert comparison_notes(compare_periods(None, 3, None, 3)) == ["No count for either period: there is no comparison."]


def test_bad_arguments_say_what_was_expected():
    with pytest.raises(ValueError, match="exposure: found 0; expected a positive exposure"):
        compare_periods(1, 0, 1, 3)
    with pytest.raises(PerfkitError, match="count: found -1; expected a count of zero or more"):
        compare_periods(-1, 3, 1, 3)
    with pytest.raises(ValueError, match="overdispersion: found 0.5; expected a quasi-Poisson scale of at least 1"):
        compare_periods(1, 3, 1, 3, overdispersion=0.5)
    with pytest.raises(ValueError, match="count: found 'many'; expected a number"):
        compare_periods("many", 3, 1, 3)


def test_result_is_read_only_and_has_a_table_and_chart():
    c = compare_periods(612, 3, 673, 3, label="2015/16 Q1", label_ref="2014/15 Q1")
    with pytest.raises(AttributeError):
        c.ratio = 2
    row = c.table.iloc[0]
    assert row["period"] == "2015/16 Q1" and row["count_ref"] == 673 and not row["significant"]
    assert row["months_left_out"] == "" and "notes" not in c.table.columns
    fig = stat_charts.comparison_chart(c, "Burglary")
    assert fig.axes[0].get_title(loc="left") == "Burglary"
    plt.close(fig)


def test_notes_for_missing_months_and_recording_changes():
    hmic = NS(title="Crime recording tightened after the HMIC inspection", number=3)
    c = compare_periods(400, 2, 673, 3, missing_months=[pd.Period("2015-05", "M")], spans_caveats=[hmic])
    assert c.gaps == (Gap(M("2015-05"), None, "no data"),)
    assert comparison_notes(c) == [
        "May 2015 has no data and is left out; rates use the months with data.",
        "The comparison spans a recording change: Crime recording tightened after the HMIC inspection (caveat 3).",
    ]
    assert c.caveats == (hmic,) and c.missing_months == (pd.Period("2015-05", "M"),)


# --- helpers on a monthly series ------------------------------------------------------------------

@pytest.fixture(scope="module")
def burglary(shared_data):
    frame = pd.read_csv(shared_data / "police-uk-force-month-2015-2018.csv")
    part = frame[(frame["county"] == "cambridgeshire") & (frame["crime_type"] == "Burglary")]
    s = part.set_index("month")["num_crimes"].astype(float)
    s.index = pd.PeriodIndex(s.index, freq="M")
    return s.sort_index()


def test_quarter_vs_last_year_on_real_data(burglary):
    q = parse_quarter("2016/17 Q1")
    c = quarter_vs_last_year(burglary, q)
    now = burglary[[pd.Period(m, "M") for m in ("2016-04", "2016-05", "2016-06")]].sum()
    before = burglary[[pd.Period(m, "M") for m in ("2015-04", "2015-05", "2015-06")]].sum()
    direct = compare_periods(now, 3, before, 3)
    assert (c.count, c.count_ref) == (now, before)
    assert c.p_value == direct.p_value and c.ci_low == direct.ci_low
    assert (c.label, c.label_ref) == ("2016/17 Q1", "2015/16 Q1") and c.missing_months == ()


def test_rolling_and_year_to_date_windows(burglary):
    r = rolling_12_months(burglary, "2016/17 Q4")
    assert r.count == burglary["2016-04":"2017-03"].sum() and r.count_ref == burglary["2015-04":"2016-03"].sum()
    assert (r.label, r.label_ref) == ("the 12 months to March 2017", "the 12 months to March 2016")
    y = year_to_date(burglary, "2016/17 Q3")
    assert y.count == burglary["2016-04":"2016-12"].sum() and y.count_ref == burglary["2015-04":"2015-12"].sum()
    assert y.exposure == 9 and y.label == "2016/17 to date (April to December 2016)"


def test_missing_months_absent_or_nan_are_left_out_with_their_partner(burglary):
    s = burglary.copy()
    s[pd.Period("2015-05", "M")] = np.nan
    s = s.drop(pd.Period("2016-06", "M"))
    c = quarter_vs_last_year(s, "2016/17 Q1")
    # like with like: May 2015 is missing so May 2016 goes too; June 2016 is missing so June 2015 goes
    assert c.missing_months == tuple(pd.Period(m, "M") for m in ("2015-05", "2015-06", "2016-05", "2016-06"))
    assert c.exposure == 1 and c.exposure_ref == 1
    assert c.count == burglary[pd.Period("2016-04", "M")] and c.count_ref == burglary[pd.Period("2015-04", "M")]
    # each month left out with its reason: the one without data, and its partner left out to pair with it
    assert c.gaps == (Gap(M("2015-05"), M("2016-05"), "no data"), Gap(M("2016-05"), M("2015-05"), "paired"),
                      Gap(M("2016-06"), M("2015-06"), "no data"), Gap(M("2015-06"), M("2016-06"), "paired"))
    assert comparison_notes(c)[:2] == [
        "May 2015 has no data and is left out. May 2016 is left out with it, so both periods hold the same months.",
        "June 2016 has no data and is left out. June 2015 is left out with it, so both periods hold the same months.",
    ]
    # a window with no data at all gives a clear result
    empty = quarter_vs_last_year(burglary, "2013/14 Q1")
    assert math.isnan(empty.ratio) and not empty.significant and empty.case == "no overlap"
    assert comparison_notes(empty)[-1] == "No month has data in both periods, so there is no comparison."
    assert len(empty.missing_months) == 6


def test_like_windows_with_a_reason_and_an_empty_window():
    idx = pd.period_range("2016-01", "2018-06", freq="M")
    s = pd.Series(np.arange(len(idx), dtype=float) + 300, index=idx)
    s[pd.Period("2018-05", "M")] = np.nan
    fault = NS(title="Incomplete data.police.uk feed for May 2018", ref="D1")
    c = quarter_vs_last_year(s, "2018/19 Q1", faults={pd.Period("2018-05", "M"): fault})
    assert c.missing_months == (pd.Period("2017-05", "M"), pd.Period("2018-05", "M"))
    assert c.count == s["2018-04"] + s["2018-06"] and c.count_ref == s["2017-04"] + s["2017-06"]
    assert c.exposure == c.exposure_ref == 2
    # the fault is a value (its label and title), and May 2017, which has data, is left out to pair with it
    assert c.gaps == (Gap(M("2018-05"), M("2017-05"), "fault", fault), Gap(M("2017-05"), M("2018-05"), "paired"))
    assert c.gaps[0].fault is fault
    assert comparison_notes(c)[0] == (
        "May 2018 is left out: incomplete data.police.uk feed for May 2018 (data fault D1). May 2017 is left out "
        "with it, so both periods hold the same months.")
    # the rolling year loses the same month a year earlier; 'YYYY-MM' keys and a bare label work too
    r = rolling_12_months(s, "2018/19 Q1", faults={"2018-05": "D1"})
    assert r.exposure == r.exposure_ref == 11 and r.gaps[0].fault == "D1"
    assert comparison_notes(r)[0] == ("May 2018 is left out: data fault D1. May 2017 is left out with it, so both "
                                      "periods hold the same months.")
    # both partners missing: one note, both months listed, each with its own reason
    s2 = s.copy()
    s2[pd.Period("2017-05", "M")] = np.nan
    c2 = quarter_vs_last_year(s2, "2018/19 Q1", faults={"2018-05": fault})
    assert [g.reason for g in c2.gaps] == ["fault", "no data"]
    assert comparison_notes(c2)[0] == (
        "May 2018 and May 2017 are both left out: May 2018 is a data fault (D1: incomplete data.police.uk feed for "
        "May 2018) and May 2017 has no data.")
    assert comparison_notes(quarter_vs_last_year(s2, "2018/19 Q1"))[0] == (
        "May 2018 and May 2017 both have no data and are left out.")
    assert c2.missing_months == (pd.Period("2017-05", "M"), pd.Period("2018-05", "M"))
    # every month of the reference quarter missing: no comparison, said so
    s3 = s.drop(pd.period_range("2017-04", "2017-06", freq="M"))
    c3 = quarter_vs_last_year(s3, "2018/19 Q1")
    assert math.isnan(c3.ratio) and math.isnan(c3.p_value) and not c3.tested and c3.case == "no overlap"
    assert comparison_notes(c3)[-1] == "No month has data in both periods, so there is no comparison."
    with pytest.raises(ValueError, match="faults: found 'May'; expected a month written YYYY-MM"):
        quarter_vs_last_year(s, "2018/19 Q1", faults={"May": "x"})
    with pytest.raises(ValueError, match=r"faults\[2018-05\]: found None; expected the data fault"):
        quarter_vs_last_year(s, "2018/19 Q1", faults={"2018-05": None})


def test_windows_of_different_lengths_keep_their_own_missing_months():
    from perfkit.stats.compare import compare_windows
    from perfkit.periods import Window

    idx = pd.period_range("2016-01", "2017-12", freq="M")
    s = pd.Series(100.0, index=idx)
    s[pd.Period("2017-02", "M")] = np.nan
    w = Window(pd.Period("2017-01", "M"), pd.Period("2017-03", "M"))
    w0 = Window(pd.Period("2016-01", "M"), pd.Period("2016-06", "M"))
    c = compare_windows(s, w, w0)
    assert c.missing_months == (pd.Period("2017-02", "M"),) and c.exposure == 2 and c.exposure_ref == 6
    assert c.ratio == 1 and c.gaps == (Gap(M("2017-02"), None, "no data"),)
    # not paired, so no partner; a fault keeps its reason
    f = compare_windows(s, w, w0, faults={"2017-02": "D2"})
    assert f.gaps == (Gap(M("2017-02"), None, "fault", "D2"),)
    assert comparison_notes(f) == ["February 2017 is left out: data fault D2; rates use the months with data."]


def test_recording_changes_spanned(burglary):
    change = NS(title="New crime recording system", date="2016-05", ref="caveat 7")
    earlier = NS(title="Old change", date="2014-01")
    undated = NS(title="No date")
    c = quarter_vs_last_year(burglary, "2016/17 Q1", caveats=[change, earlier, undated])
    assert c.caveats == (change,)
    assert comparison_notes(c)[-1] == "The comparison spans a recording change: New crime recording system (caveat 7)."
    q = parse_quarter("2016/17 Q1")
    # a change dated the first month of the reference window does not split it
    at_start = NS(title="x", date=pd.Period("2015-04", "M"))
    assert caveats_spanned([at_start], q.window(), q.same_quarter_last_year().window()) == ()
    assert caveats_spanned([{"title": "y", "month": "2016-04"}], q.window(), q.same_quarter_last_year().window())


def test_days_exposure_allows_for_leap_years():
    s = pd.Series(100.0, index=pd.period_range("2015-01", "2016-03", freq="M"))
    by_month = quarter_vs_last_year(s, "2015/16 Q4")
    by_day = quarter_vs_last_year(s, "2015/16 Q4", exposure="days")
    assert by_month.ratio == 1 and by_day.ratio == pytest.approx(90 / 91)


def test_rate_per_residents():
    assert rate_per(4500, 850_000) == pytest.approx(5.294117647)
    assert rate_per(8, 850_000, per=1_000_000) == pytest.approx(9.411764706)  # homicide: per million
    assert math.isnan(rate_per(10, 0))
    out = rate_per(pd.Series({"a": 10.0, "b": 5.0}), pd.Series({"a": 1000.0, "b": 0.0}))
    assert out["a"] == 10 and math.isnan(out["b"])


def test_estimate_overdispersion():
    rng = np.random.default_rng(3)
    idx = pd.period_range("2014-04", periods=48, freq="M")
    poisson = pd.Series(rng.poisson(300, 48).astype(float), index=idx)
    assert 1.0 <= estimate_overdispersion(poisson) < 2.0
    lam = rng.gamma(shape=20, scale=300 / 20, size=48)
    extra = pd.Series(rng.poisson(lam).astype(float), index=idx)
    assert estimate_overdispersion(extra) > 5
    assert estimate_overdispersion(poisson.iloc[:6]) == 1.0
    assert estimate_overdispersion(extra) == dispersion(extra).phi


def test_dispersion_matches_a_statsmodels_glm_and_models_steps():
    import statsmodels.api as sm

    rng = np.random.default_rng(8)
    idx = pd.period_range("2014-04", periods=60, freq="M")
    mu = 400 * np.where(idx >= pd.Period("2016-04", "M"), 1.5, 1.0) * (1 + 0.1 * np.cos(2 * np.pi * idx.month.to_numpy() / 12))
    y = pd.Series(rng.poisson(mu).astype(float), index=idx)
    y[pd.Period("2015-02", "M")] = np.nan  # a missing month is dropped
    d = dispersion(y, steps=[pd.Period("2016-04", "M")])
    kept = y.dropna()
    t = np.array([(p - kept.index[0]).n for p in kept.index], dtype=float)
    x = np.column_stack([np.ones(len(kept)), t / t.max()]
                        + [(kept.index.month == m).astype(float) for m in range(2, 13)]
                        + [(kept.index >= pd.Period("2016-04", "M")).astype(float)])
    fit = sm.GLM(kept.to_numpy(), x, family=sm.families.Poisson(),
                 offset=np.log(kept.index.days_in_month.to_numpy().astype(float))).fit()
    assert d.pearson == pytest.approx(fit.pearson_chi2 / fit.df_resid, rel=1e-8)
    assert d.df == fit.df_resid == 59 - 14 and d.n_months == 59 and d.seasonal
    assert d.steps == (pd.Period("2016-04", "M"),) and d.reason == "" and d.estimated
    # without the step the 50% jump looks like over-dispersion
    assert dispersion(y).phi > 5 * d.phi
    assert float(d) == d.phi and d.phi >= 1 and "residual degrees of freedom" in dispersion_sentence(d)
    # steps outside the data are ignored; too short a series is not estimated
    assert dispersion(y, steps=["2010-01", "2030-01"]).steps == ()
    short = dispersion(y.iloc[:8])
    assert short.phi == 1 and short.df == math.inf and not short.estimated and "too few" in dispersion_sentence(short)
    with pytest.raises(ValueError, match="steps: found 'April'; expected a month"):
        dispersion(y, steps=["April"])


def test_an_estimated_scale_uses_student_t_and_its_interval_matches():
    d = Dispersion(phi=2.5, df=20.0, n_months=33, pearson=2.5)
    c = compare_periods(612, 3, 700, 3, overdispersion=d)
    z = sm_rates.test_poisson_2indep(612, 3, 700, 3, method="score", compare="ratio").statistic
    assert c.p_value == pytest.approx(2 * stats.t.sf(abs(z) / math.sqrt(2.5), 20), rel=1e-9)
    known = compare_periods(612, 3, 700, 3, overdispersion=2.5)
    assert c.p_value > known.p_value and c.ci_low < known.ci_low and c.ci_high > known.ci_high
    assert c.dispersion_df == 20 and known.dispersion_df == math.inf and c.overdispersion == 2.5
    assert c.dispersion is d
    # at each end of the interval the scaled statistic is the t quantile: the interval inverts the test
    for bound in (c.ci_low, c.ci_high):
        stat = sm_rates.test_poisson_2indep(612, 3, 700, 3, value=bound, method="score", compare="ratio").statistic
        assert abs(stat) / math.sqrt(2.5) == pytest.approx(stats.t.ppf(0.975, 20), rel=1e-4)
    rng = np.random.default_rng(2)
    for _ in range(60):
        c1, c0 = (int(v) for v in rng.integers(50, 2000, 2))
        r = compare_periods(c1, 3, c0, 3, overdispersion=Dispersion(float(rng.uniform(1.01, 12)),
                                                                    float(rng.integers(5, 60)), 60))
        if abs(r.p_value - 0.05) > 1e-6:
            assert r.significant == (not (r.ci_low <= 1 <= r.ci_high))
    # an estimate at the floor: the counts are treated as Poisson (normal reference)
    floor = compare_periods(612, 3, 700, 3, overdispersion=Dispersion(1.0, 47.0, 60, "", 0.8))
    assert floor.p_value == compare_periods(612, 3, 700, 3).p_value and floor.overdispersion == 1.0
    with pytest.raises(ValueError, match="expected positive residual degrees of freedom"):
        compare_periods(612, 3, 700, 3, overdispersion=Dispersion(2.0, 0.0, 60))


def _rolling(counts, start="2006-01"):
    """Rolling 12-month totals at quarter ends (monthly index) from quarterly counts."""
    q = pd.period_range(start, periods=len(counts), freq="Q")
    totals = pd.Series(np.asarray(counts, dtype=float), index=q).rolling(4).sum().dropna()
    totals.index = totals.index.asfreq("M", how="end")
    return totals


def test_rolling_dispersion_recovers_the_quarterly_scale_and_leaves_the_compared_totals_out():
    from perfkit.stats.compare import rolling_dispersion

    rng = np.random.default_rng(7)
    phi, mean = 10.0, 4000.0  # negative binomial quarterly counts, variance 10 x mean
    size = mean / (phi - 1)
    estimates = [rolling_dispersion(_rolling(rng.negative_binomial(size, size / (size + mean), 52))).phi
                 for _ in range(80)]
    assert 0.8 * phi < float(np.mean(estimates)) < 1.2 * phi
    totals = _rolling(rng.negative_binomial(size, size / (size + mean), 52))
    end = totals.index[-1]
    whole, left = rolling_dispersion(totals), rolling_dispersion(totals, leave_out=[end, end - 12])
    # the differences sharing a quarter with the two compared totals (eight quarters) are left out
    assert whole.n_months == len(totals) - 1 and left.n_months == whole.n_months - 8
    assert left.data == "quarterly counts" and left.df < left.n_months  # successive differences: fewer df
    assert rolling_dispersion(totals.iloc[:6]).df == math.inf  # too short: not estimated
    with pytest.raises(ValueError, match="totals: found a total ending in 2010-02; expected rolling 12-month"):
        rolling_dispersion(pd.Series([1.0, 2.0], index=pd.PeriodIndex(["2010-02", "2010-03"], freq="M")))


def test_a_comparison_of_rolling_totals_scaled_by_their_own_dispersion_holds_its_size():
    from perfkit.stats.compare import rolling_dispersion

    rng = np.random.default_rng(11)
    phi, mean = 30.0, 15000.0
    size = mean / (phi - 1)
    totals = _rolling(rng.negative_binomial(size, size / (size + mean), 48))
    end = totals.index[-1]
    d = rolling_dispersion(totals, leave_out=[end, end - 12])
    c = compare_periods(totals[end], 12, totals[end - 12], 12, overdispersion=d)
    assert c.dispersion is d and c.overdispersion == d.phi and c.dispersion_df == d.df
    plain = compare_periods(totals[end], 12, totals[end - 12], 12)
    assert c.ci_low < plain.ci_low and c.ci_high > plain.ci_high
    # No change, 150 series: the scaled test (in its large-count form, which compare_periods' score
    # test matches at these counts) calls about 5% significant; the plain Poisson test most of them.
    hits = naive = 0
    reps = 150
    for _ in range(reps):
        totals = _rolling(rng.negative_binomial(size, size / (size + mean), 48))
        end = totals.index[-1]
        d = rolling_dispersion(totals, leave_out=[end, end - 12])
        a, b = totals[end], totals[end - 12]
        z = abs(math.log(a / b)) / math.sqrt(1 / a + 1 / b)
        hits += z / math.sqrt(d.phi) > stats.t.ppf(0.975, d.df)
        naive += z > 1.96
    assert 0.01 <= hits / reps <= 0.11
    assert naive / reps > 0.5


def test_helpers_take_a_dispersion(burglary):
    q = parse_quarter("2016/17 Q1")
    d = dispersion(burglary.loc[:q.end])
    c = quarter_vs_last_year(burglary, q, overdispersion=d)
    # the scale is refitted without the six months compared, so it is independent of the comparison
    refit = d.leaving_out(q.window().months + q.same_quarter_last_year().window().months)
    assert refit.n_months == d.n_months - 6 and refit.df == d.df - 6 and refit.steps == d.steps
    direct = compare_periods(c.count, 3, c.count_ref, 3, overdispersion=refit)
    assert c.p_value == direct.p_value and c.dispersion_df == refit.df
    assert c.scale_refit and c.dispersion.n_months == refit.n_months
    assert d.leaving_out([pd.Period("2030-01", "M")]) is d
    assert year_to_date(burglary, q, overdispersion=d).dispersion_df == refit.df
    # the rolling year compares 24 of the 18 months the scale rests on: it is kept as it is
    # (conservative) rather than dropped (which would assume Poisson variation)
    rolling = rolling_12_months(burglary, q, overdispersion=d)
    assert rolling.dispersion_df == d.df and rolling.overdispersion == d.phi


# --- comparator forces ----------------------------------------------------------------------------

def test_default_comparators_file_loads():
    groups = load_comparators()
    msg = groups["most_similar"]
    assert isinstance(msg, ComparatorGroup) and msg.force == "cambridgeshire"
    assert "cambridgeshire" in msg.members and len(msg.members) <= 8
    assert set(groups["eastern_region"].members) == {"bedfordshire", "cambridgeshire", "essex",
                                                     "hertfordshire", "norfolk", "suffolk"}


@pytest.mark.parametrize("text, message", [
    ("groups:\n  g:\n    title: G\n    force: cambridgeshire\n    members: [cambridgeshire, esex]\n",
     "groups.g.members[1]: found 'esex'; expected a data.police.uk force slug"),
    ("groups:\n  g:\n    title: G\n    force: cambridgeshire\n    members: [essex, norfolk]\n",
     "groups.g.members: found a group without its own force 'cambridgeshire'"),
    ("groups:\n  g:\n    title: G\n    force: cambridgeshire\n    members: [cambridgeshire, essex, essex]\n",
     "groups.g.members: found essex more than once"),
    ("groups:\n  g:\n    titel: G\n    force: cambridgeshire\n    members: [cambridgeshire, essex]\n",
     "groups.g.titel: unknown key"),
])
def test_comparators_validation_messages(tmp_path, text, message):
    path = tmp_path / "comparators.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_comparators(path)
    assert message in str(err.value) and str(path) in str(err.value)


def test_comparator_position_values_and_sentence():
    rates = pd.Series({"cambridgeshire": 62.0, "bedfordshire": 58.0, "essex": 55.0, "hertfordshire": 50.0,
                       "norfolk": 45.0, "suffolk": 48.0, "thames-valley": 60.0, "kent": np.nan,
                       "metropolitan": 100.0})
    p = comparator_position(rates, "cambridgeshire", "most_similar")
    members = [62.0, 58.0, 55.0, 50.0, 45.0, 48.0, 60.0]
    assert p.group_mean == pytest.approx(np.mean(members))
    assert p.sd == pytest.approx(np.std(members, ddof=1))
    assert p.rank == 1 and p.n == 7 and p.missing == ("kent",)
    assert p.position == "above the band"
    assert p.table["force"].tolist()[:2] == ["cambridgeshire", "thames-valley"]
    assert p.name == "Cambridgeshire" and p.missing_names == ("Kent",) and p.decimals == 1
    assert " ".join(comparator_sentences(p)) == (
        "Cambridgeshire: 62.0 crimes per 1,000 residents, the highest of 7 forces in the most similar "
        "group of forces. The group mean is 54.0; Cambridgeshire is more "
        "than one standard deviation above it (band 47.5 to 60.5). Kent has no rate and is left out."
    )
    fig = stat_charts.comparator_chart(p, value_label=lambda x: comparator_rate(p, x))
    assert " 62.0" in [t.get_text() for t in fig.axes[0].texts]
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "Cambridgeshire (this force)" in labels
    bold = [t.get_fontweight() for t in fig.axes[0].get_yticklabels() if t.get_text().endswith("(this force)")]
    assert bold == ["bold"]
    plt.close(fig)


def test_comparator_position_with_a_list_adds_the_force():
    rates = pd.Series({"cambridgeshire": 40.0, "essex": 50.0, "norfolk": 60.0, "suffolk": 70.0})
    p = comparator_position(rates, "cambridgeshire", ["essex", "norfolk", "suffolk"])
    assert p.n == 4 and p.group_mean == 55.0 and p.rank == 4 and p.position == "below the band"
    assert "the lowest of 4 forces" in comparator_sentences(p)[0]
    with pytest.raises(ValueError, match="group: found 'nope'; expected one of 'most_similar', 'eastern_region'"):
        comparator_position(rates, "cambridgeshire", "nope")


def test_clopper_pearson_from_binomtest_agrees_with_the_beta_quantiles():
    """The zero-count interval now comes from scipy.stats.binomtest(...).proportion_ci("exact");
    it must agree with the Clopper-Pearson bounds written from beta quantiles, turned into a ratio."""
    for c1, e1, c0, e0 in [(7, 3, 0, 3), (0, 12, 40, 12), (1, 2.5, 0, 4.0), (0, 90.0, 3, 91.0)]:
        n = c1 + c0
        pi_lo = 0.0 if c1 == 0 else stats.beta.ppf(0.025, c1, c0 + 1)
        pi_hi = 1.0 if c0 == 0 else stats.beta.ppf(0.975, c1 + 1, c0)
        ratio = lambda q: q / (1 - q) * (e0 / e1) if q < 1 else math.inf  # noqa: E731
        result = compare_periods(c1, e1, c0, e0)
        assert n > 0 and result.case == "exact"
        assert result.ci_low == pytest.approx(ratio(pi_lo), rel=1e-9, abs=1e-12)
        if math.isinf(ratio(pi_hi)):
            assert math.isinf(result.ci_high)
        else:
            assert result.ci_high == pytest.approx(ratio(pi_hi), rel=1e-9)


def test_the_score_interval_holds_the_estimate_where_statsmodels_collapses():
    """Norfolk's 12 months to September 2018 (58,190 against 54,049 crimes, quasi-Poisson scale 4.24
    on 7 degrees of freedom): statsmodels' score interval at that level collapsed to (1.108, 1.108),
    outside the estimate 1.077; the interval is the inverse of the same score test."""
    from statsmodels.stats.rates import test_poisson_2indep

    from perfkit.stats.compare import Dispersion, _score_level, compare_periods, score_interval

    c = compare_periods(58190, 12, 54049, 12, Dispersion(4.24, 7, 21))
    assert c.ci_low < c.ratio < c.ci_high
    level = _score_level(7)
    for end in (c.ci_low, c.ci_high):
        p = test_poisson_2indep(58190 / 4.24, 12, 54049 / 4.24, 12, value=end, method="score", compare="ratio").pvalue
        assert p == pytest.approx(level, rel=1e-6)
    plain = compare_periods(612, 3, 673, 3)  # where statsmodels' own answer stands, it is the answer
    assert score_interval(612, 3, 673, 3, 0.05) == pytest.approx((plain.ci_low, plain.ci_high))


def test_the_score_interval_on_one_degree_of_freedom_is_finite_and_holds_the_estimate():
    """Cheshire's rolling 12 months in a national run: a scale estimated on one residual degree of
    freedom turns Student's t into a normal-theory level of about 5e-37, where 1 - level/2 rounds
    to 1 (the critical value came out infinite and the root search failed, stopping the force's pack)."""
    from scipy import stats

    from perfkit.stats.compare import Dispersion, _score_level, compare_periods, score_interval

    level = _score_level(1)
    assert level < 1e-30 and 1 - level / 2 == 1.0
    lo, hi = score_interval(28551.1, 12, 32109.9, 12, level)
    estimate = 28551.1 / 32109.9
    assert 0 < lo < estimate < hi < 2
    c = compare_periods(28551.1 * 30, 12, 32109.9 * 30, 12, Dispersion(30.0, 1, 3))
    assert math.isfinite(c.ci_low) and math.isfinite(c.ci_high) and c.ci_low < c.ratio < c.ci_high
    # each end is where the score statistic reaches t_1's critical value (12.7)
    assert stats.t.ppf(0.975, 1) == pytest.approx(stats.norm.isf(level / 2), rel=1e-6)


def test_a_quarter_whose_year_before_has_no_data_keeps_its_own_figure():
    """Issue 22 (thin history): nine months of a new force's figures. The quarter's own months all
    exist, the same quarter a year earlier has none: no comparison, but the quarter's count stands,
    and each missing month is left out for its own reason (no data), none "to pair"."""
    from perfkit.periods import parse_quarter
    from perfkit.present.narrative import headline_sentences
    from perfkit.stats.compare import quarter_vs_last_year, rolling_12_months

    s = pd.Series([3048.0, 2981, 3643, 3657, 3712, 3587, 4003, 3822, 3781],
                  index=pd.period_range("2014-01", "2014-09", freq="M"))
    q = parse_quarter("2014/15 Q2")
    c = quarter_vs_last_year(s, q)
    assert c.count == 11606 and math.isnan(c.count_ref) and not c.tested and c.case == "no overlap"
    assert {(str(g.month), g.reason) for g in c.gaps} == {("2013-07", "no data"), ("2013-08", "no data"),
                                                           ("2013-09", "no data")}
    assert headline_sentences("All crime", c) == [
        "All crime: 11,606 offences in 2014/15 Q2; no figure is available for a year earlier, so no comparison "
        "can be made."]
    from perfkit.present.narrative import evidence_sentences

    caveat = {"title": "stalking recorded under its own code", "ref": "C4"}
    assert evidence_sentences("All crime", c, caveats=[caveat]) == headline_sentences("All crime", c)  # no change to qualify
    r = rolling_12_months(s, q)  # nine of the 12 months: no 12-month figure, and none of them "paired"
    assert math.isnan(r.count) and all(g.reason == "no data" for g in r.gaps) and len(r.gaps) == 15
