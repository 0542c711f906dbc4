"""Tests of perfkit.stats.caveats: the register, which caveats apply, shift sizes against an
independently specified model, like-for-like comparisons worked by hand."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import perfkit.stats.caveats as caveats_mod
from perfkit.present.statements import shift_warnings, caveat_with_source, like_for_like_sentence, shift_estimate_sentence

from perfkit.stats.caveats import (
    Caveat,
    ShiftEstimate,
    applicable,
    estimate_shift,
    like_for_like,
    load_register,
    register_table,
    shift_dates,
)
from perfkit.errors import ConfigError

P = lambda text: pd.Period(text, freq="M")  # noqa: E731


@pytest.fixture(scope="module")
def reg():
    return load_register()


# --- the register --------------------------------------------------------------------------------
def test_register_holds_every_domain_entry(reg):
    # Every national entry of DOMAIN.md section 5; local entries (data quality, force changes) come on top.
    dates = {c.id: str(c.date) for c in reg if c.scope == "national"}
    assert {c.id for c in reg if c.scope == "local"} == {"cambridgeshire-partial-feed-2018-05"}
    assert dates == {
        "action-fraud-2011-04": "2011-04",
        "police-uk-categories-2013-05": "2013-05",
        "uksa-designation-2014-01": "2014-01",
        "stalking-code-2014-04": "2014-04",
        "hmic-crime-recording-2014-11": "2014-11",
        "harassment-offences-2015-04": "2015-04",
        "stalking-harassment-subcategory-2017-04": "2017-04",
        "conduct-crimes-2018-04": "2018-04",
        "burglary-reclassification-2017-04": "2017-04",
        # not in DOMAIN.md: the offence group "death or serious injury caused by illegal driving"
        # gained a new offence in April 2015 (issue 25's official offence groups)
        "serious-injury-careless-driving-2015-04": "2015-04",
    }
    assert reg["action-fraud-2011-04"].end == P("2013-03")
    assert all(isinstance(c, Caveat) and c.caveat and c.source for c in reg)
    assert {c.id for c in reg if c.model_shift} == {"harassment-offences-2015-04", "conduct-crimes-2018-04"}
    fraud = reg["action-fraud-2011-04"]
    assert caveat_with_source(fraud) == f"{fraud.caveat} (Source: {fraud.source}.)"


def test_register_table_is_an_assumptions_and_caveats_log(reg):
    table = register_table(reg)
    assert len(table) == len(reg)
    for column in ("date", "caveat", "source", "quality", "impact", "expected_direction", "modelled_as_level_shift"):
        assert column in table.columns
    assert set(table["quality"]) <= {"high", "medium", "low"}
    assert table.loc[table["id"] == "action-fraud-2011-04", "date"].item() == "April 2011 to March 2013"


def _write(tmp_path, body: str):
    path = tmp_path / "caveats.yaml"
    path.write_text(body, encoding="utf-8")
    (tmp_path / "plan.yaml").write_text("measures:\n  - id: burglary\n  - id: violence_sexual\n", encoding="utf-8")
    return path


_ENTRY = """caveats:
  - id: local-system-2016-06
    date: {date}
    title: New crime recording system
    change: The force moved to a new crime recording system.
    measures: [{measure}]
    direction: {direction}
    source: Force crime registrar
    caveat: The force changed its crime recording system in June 2016.
    quality: medium
    impact: low
    model_shift: true
    scope: local
    force: cambridgeshire
"""


def test_local_entry_loads(tmp_path):
    reg = load_register(_write(tmp_path, _ENTRY.format(date="2016-06", measure="burglary", direction="up")))
    (c,) = list(reg)
    assert c.scope == "local" and c.date == P("2016-06") and shift_dates(reg, "burglary") == [P("2016-06")]


@pytest.mark.parametrize(
    "date, measure, direction, message",
    [
        ("2016-06", "burglary", "rise", "caveats.yaml: caveats[0].direction: found 'rise'; expected one of 'up', "),
        ("2016-06", "burglry", "up", "caveats.yaml: caveats[0].measures[0]: found 'burglry'; expected a measure id of plan.yaml"),
        ("June 2016", "burglary", "up", "caveats.yaml: caveats[0].date: found 'June 2016'; expected a month written YYYY-MM"),
    ],
)
def test_bad_entries_name_file_and_key(tmp_path, date, measure, direction, message):
    with pytest.raises(ConfigError) as info:
        load_register(_write(tmp_path, _ENTRY.format(date=date, measure=measure, direction=direction)))
    assert message in str(info.value)


def test_duplicate_ids_and_unknown_keys_are_refused(tmp_path):
    entry = _ENTRY.format(date="2016-06", measure="burglary", direction="up")
    twice = entry + entry.split("caveats:\n", 1)[1]
    with pytest.raises(ConfigError, match=r"caveats\[1\]\.id: found 'local-system-2016-06' again"):
        load_register(_write(tmp_path, twice))
    with pytest.raises(ConfigError, match=r"caveats\[0\]\.titel: unknown key"):
        load_register(_write(tmp_path, entry.replace("    title:", "    titel:")))


# --- applicable and shift dates ------------------------------------------------------------------
def test_applicable_spans_starts_soon_after_and_persists(reg):
    ids = lambda cs: [c.id for c in cs]  # noqa: E731
    # same quarter a year earlier against this quarter: spans April 2015
    spans = ids(applicable(reg, "violence_sexual", "2014-07", "2015-09", after_months=0))
    assert "harassment-offences-2015-04" in spans and "uksa-designation-2014-01" not in spans
    # the lost designation qualifies the official statistics only, in every later window
    assert "uksa-designation-2014-01" in ids(applicable(reg, "official_recorded_crime", "2017-07", "2018-09"))
    # by default a change applies only when its date falls inside the window: both periods after it
    # are like for like; after_months (or an entry's applies_for_months) lets its effect reach on
    assert "harassment-offences-2015-04" not in ids(applicable(reg, "violence_sexual", "2016-01", "2016-03"))
    assert "harassment-offences-2015-04" in ids(applicable(reg, "violence_sexual", "2016-01", "2016-03", after_months=12))
    assert "harassment-offences-2015-04" not in ids(applicable(reg, "violence_sexual", "2016-04", "2016-06", after_months=12))
    assert "harassment-offences-2015-04" in ids(applicable(reg, "violence_sexual", "2016-04", "2016-06", after_months=13))
    # the HMIC compliance change is gradual: its effect reaches 36 months on (applies_for_months)
    assert "hmic-crime-recording-2014-11" in ids(applicable(reg, "violence_sexual", "2017-07", "2017-09"))
    assert "hmic-crime-recording-2014-11" not in ids(applicable(reg, "violence_sexual", "2017-11", "2018-01"))
    # April 2014's change is not attached to a 2016-17 year on year comparison (October 2014 on)
    assert "stalking-code-2014-04" not in ids(applicable(reg, "violence_sexual", "2014-10", "2016-09"))
    # burglary is not violence
    assert "harassment-offences-2015-04" not in ids(applicable(reg, "burglary", "2014-07", "2015-09"))
    with pytest.raises(ValueError, match="expected end on or after start"):
        applicable(reg, "burglary", "2016-01", "2015-01")


def test_the_register_says_which_crime_types_and_totals_each_change_moves(reg):
    ids = lambda cs: [c.id for c in cs]  # noqa: E731
    burglary, subcategory = reg["burglary-reclassification-2017-04"], reg["stalking-harassment-subcategory-2017-04"]
    # re-classifications inside a total: the parts move, the totals do not
    assert burglary.within == ("Burglary",) and burglary.totals == () and "Residential burglary" in burglary.offences
    assert subcategory.within == ("Violence and sexual offences",) and subcategory.totals == ()
    for measure in ("burglary", "all_crime", "official_recorded_crime"):
        assert not burglary.affects(measure)
    for measure in ("violence_sexual", "all_crime", "official_recorded_crime", "crimes_per_officer"):
        assert not subcategory.affects(measure)
    # a measure of a part (dwelling burglary in the official statistics) is affected
    dwelling = SimpleNamespace(id="dwelling_burglary", crime_types=(), offences=("Residential burglary",),
                               recorded_crime=True)
    assert burglary.reach(dwelling) == "direct"
    # a change that adds offences to violence moves violence directly and the totals through them
    harassment = reg["harassment-offences-2015-04"]
    assert harassment.totals == ("all_crime", "all_excluding_fraud")
    assert [harassment.reach(m) for m in ("violence_sexual", "all_crime", "official_recorded_crime",
                                          "crimes_per_officer", "burglary")] == ["direct", "total", "total", "total", ""]
    # fraud: only series that include fraud; the official total the Plan uses excludes it
    fraud = reg["action-fraud-2011-04"]
    assert not fraud.affects("official_recorded_crime") and fraud.offences == ("Fraud offences",)
    assert fraud.affects(SimpleNamespace(id="fraud", offences=("Fraud offences",), recorded_crime=True))
    assert "action-fraud-2011-04" not in ids(applicable(reg, "official_recorded_crime", "2012-01", "2018-09"))
    # burglary across April 2017: no recording change, whatever the window
    assert ids(applicable(reg, "burglary", "2016-07", "2017-09")) == []


@pytest.mark.parametrize("extra, message", [
    ("    crime_types: [Burglary]\n",
     "caveats.yaml: caveats[0].totals: no totals; expected the totals the change moves, e.g. totals: [all_crime, "),
    ("    crime_types: [Burglary]\n    totals: [everything]\n",
     "caveats.yaml: caveats[0].totals[0]: found 'everything'; expected one of 'all_crime', 'all_excluding_fraud'"),
    ("    offences: [Burglary offences]\n    totals: []\n",
     "caveats.yaml: caveats[0].offences[0]: found 'Burglary offences'; expected an offence group of the official"),
    ("    within: [Burglary]\n    crime_types: [Burglary]\n    totals: []\n",
     "caveats.yaml: caveats[0].within[0]: found 'Burglary' under both crime_types and within; expected one"),
    ("    within: [Burglry]\n",
     "caveats.yaml: caveats[0].within[0]: found 'Burglry'; expected a data.police.uk crime type or an offence group"),
])
def test_new_register_keys_are_validated_at_load(tmp_path, extra, message):
    entry = _ENTRY.format(date="2016-06", measure="violence_sexual", direction="up").replace(
        "    direction:", extra + "    direction:")
    with pytest.raises(ConfigError) as info:
        load_register(_write(tmp_path, entry))
    assert message in str(info.value)


def test_a_measure_named_beside_a_reclassification_within_its_total_is_refused(tmp_path):
    path = _write(tmp_path, _ENTRY.format(date="2017-04", measure="burglary", direction="none").replace(
        "    direction:", "    within: [Burglary]\n    direction:"))
    (tmp_path / "plan.yaml").write_text("measures:\n  - id: burglary\n    crime_types: [Burglary]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_register(path)
    assert ("caveats.yaml: caveats[0].measures[0]: found 'burglary', which counts Burglary, named under within"
            in str(info.value))


def test_applicable_accepts_measure_objects(reg):
    measure = SimpleNamespace(id="my_violence", crime_types=["Violence and sexual offences"], recorded_crime=True)
    found = [c.id for c in applicable(reg, measure, "2018-01", "2018-06")]
    assert "conduct-crimes-2018-04" in found
    other = SimpleNamespace(id="calls", crime_types=None, recorded_crime=False)
    assert applicable(reg, other, "2014-01", "2018-06") == []


def test_shift_dates(reg):
    assert shift_dates(reg, "violence_sexual") == [P("2015-04"), P("2018-04")]
    assert shift_dates(reg, "all_crime") == [P("2015-04"), P("2018-04")]
    assert shift_dates(reg, "burglary") == []


# --- estimate_shift ---------------------------------------------------------------------------------
def _counts(step=1.2, months=72, dispersion_shape=None, seed=0):
    idx = pd.period_range("2012-01", periods=months, freq="M")
    mu = 25.0 * idx.days_in_month.to_numpy() * (1 + 0.2 * np.cos(2 * np.pi * (idx.month.to_numpy() - 7) / 12))
    mu = mu * np.exp(0.02 * np.arange(months) / 12) * np.where(idx >= P("2015-04"), step, 1.0)
    rng = np.random.default_rng(seed)
    if dispersion_shape:
        mu = mu * rng.gamma(dispersion_shape, 1 / dispersion_shape, months)
    return pd.Series(rng.poisson(mu).astype(float), index=idx)


def test_estimate_shift_matches_an_independently_specified_glm():
    import statsmodels.formula.api as smf
    import statsmodels.api as sm

    y = _counts(seed=1)
    est = estimate_shift(y, "2015-04", calibrate=False)
    assert est.model == "Poisson" and est.ci_low < 1.2 < est.ci_high and est.p_value < 0.001
    assert not est.calibrated and "model alone" in shift_estimate_sentence(est)
    frame = pd.DataFrame({
        "y": y.to_numpy(),
        "month": y.index.month,
        "t": np.arange(len(y)),
        "after": (y.index >= P("2015-04")).astype(int),
        "days": y.index.days_in_month,
    })
    ref = smf.glm("y ~ C(month) + t + after", frame, family=sm.families.Poisson(),
                  offset=np.log(frame["days"])).fit()
    assert est.coefficient == pytest.approx(ref.params["after"], rel=1e-6)
    assert est.se == pytest.approx(ref.bse["after"], rel=1e-5)
    lo, hi = np.exp(ref.conf_int().loc["after"])
    assert (est.ci_low, est.ci_high) == (pytest.approx(lo, rel=1e-5), pytest.approx(hi, rel=1e-5))
    assert "rise" in shift_estimate_sentence(est) and "statistically significant" in shift_estimate_sentence(est)


def test_calibration_adds_the_spread_of_placebo_estimates_worked_independently():
    import statsmodels.formula.api as smf
    import statsmodels.api as sm

    y = _counts(seed=1)
    est = estimate_shift(y, "2015-04")
    base = estimate_shift(y, "2015-04", calibrate=False)
    frame = pd.DataFrame({"y": y.to_numpy(), "month": y.index.month, "t": np.arange(len(y)),
                          "after": (y.index >= P("2015-04")).astype(int), "days": y.index.days_in_month})
    # placebo dates: on each side of 2015-04, fitted on that side's months only (a placebo window
    # never contains the change being sized), with 12 months of that side before and 6 from them
    # on, and 6 or more months from 2015-04
    coefs, dates = [], []
    for side in (frame[frame["after"] == 0], frame[frame["after"] == 1]):
        side = side.copy()
        months = y.index[side.index]
        for k, d in enumerate(months):
            if k < 12 or len(months) - k < 6 or abs((d - P("2015-04")).n) < 6:
                continue
            dates.append(d)
            side["placebo"] = (months >= d).astype(int)
            fit = smf.glm("y ~ C(month) + t + placebo", side, family=sm.families.Poisson(),
                          offset=np.log(side["days"])).fit()
            coefs.append(fit.params["placebo"])
    assert len(dates) == est.n_placebo == 38 and est.calibrated
    rms = math.sqrt(np.mean(np.square(coefs)))
    assert est.placebo_sd == pytest.approx(rms, rel=1e-6)
    assert est.coefficient == pytest.approx(base.coefficient) and est.model_se == pytest.approx(base.se)
    assert est.se == pytest.approx(caveats_mod.CALIBRATION_FACTOR * math.hypot(base.se, rms), rel=1e-9)
    assert est.ci_low < 1.2 < est.ci_high and est.ci_low > 1.0
    assert "dates with no known change" in shift_estimate_sentence(est)


def test_estimate_shift_switches_to_negative_binomial_when_overdispersed():
    y = _counts(dispersion_shape=30, seed=2)
    est = estimate_shift(y, "2015-04")
    assert est.model == "negative binomial" and est.dispersion > 1.5 and est.alpha > 0
    assert est.ci_low < 1.2 < est.ci_high
    poisson = estimate_shift(_counts(seed=2), "2015-04")
    assert est.model_se > poisson.model_se


def test_estimate_shift_finds_no_step_where_there_is_none_and_checks_input():
    est = estimate_shift(_counts(step=1.0, seed=3), "2015-04")
    assert est.ci_low < 1.0 < est.ci_high and not est.significant
    with pytest.raises(ValueError, match="expected a month after the first"):
        estimate_shift(_counts(), "2030-01")
    with pytest.raises(ValueError, match="9 month.s. of data before it and 11 from it on; at least 12 each side"):
        estimate_shift(_counts(months=20), "2012-10")


def test_estimate_shift_on_a_real_series_with_a_partial_feed(shared_data):
    frame = pd.read_csv(shared_data / "police-uk-force-month-2015-2018.csv")
    rows = frame[(frame["county"] == "cambridgeshire") & (frame["crime_type"] == "All")]
    y = pd.Series(rows["num_crimes"].to_numpy(float), index=pd.PeriodIndex(rows["month"], freq="M"))
    # the partial feed of 2018-05 (a third of the usual count) is left out of the fit
    kept = estimate_shift(y, "2016-04")
    est = estimate_shift(y, "2016-04", exclude=["2018-05"])
    assert est.model == "negative binomial" and est.warnings[-1] == "months-excluded"
    assert est.excluded == (P("2018-05"),) and shift_warnings(est)[-1] == "Months left out of the fit: May 2018."
    assert est.n_months == kept.n_months - 1 and est.dispersion < kept.dispersion


# --- rolling 12-month totals -----------------------------------------------------------------------
def _rolling(step=1.3, at="2015Q2", quarters=48, seed=0, noise=0.01):
    """Rolling 12-month totals of quarterly counts with a trend, a season and a step."""
    q = pd.period_range("2007Q1", periods=quarters + 3, freq="Q")
    rng = np.random.default_rng(seed)
    season = np.array([1.1, 0.95, 1.0, 0.95])[q.quarter.to_numpy() - 1]
    level = 20000 * np.exp(0.01 * np.arange(len(q))) * season * np.where(q >= pd.Period(at, "Q"), step, 1.0)
    level = level * np.exp(rng.normal(0, noise, len(q)))
    totals = pd.Series(level, index=q).rolling(4).sum().dropna()
    return totals


def test_rolling_totals_step_recovered_and_calibrated():
    totals = _rolling()
    est = estimate_shift(totals, "2015-04", kind="rolling-year")
    assert est.data == "rolling 12-month totals" and est.calibrated
    assert est.ci_low < 1.3 < est.ci_high and est.ci_low > 1.0
    assert est.ratio == pytest.approx(1.3, abs=0.03)
    assert est.n_months == 24 and est.n_before == 12  # 12 quarters each side; the ramp starts at 2015Q2
    assert "rolling 12-month totals" in shift_estimate_sentence(est)
    # the same totals at quarter-end months of a monthly index give the same answer
    monthly = totals.copy()
    monthly.index = totals.index.asfreq("M", how="end")
    again = estimate_shift(monthly, "2015-04", kind="rolling-year")
    assert again.coefficient == pytest.approx(est.coefficient) and again.se == pytest.approx(est.se)
    # no step: the interval covers 1
    flat = estimate_shift(_rolling(step=1.0, seed=4), "2015-04", kind="rolling-year")
    assert flat.ci_low < 1.0 < flat.ci_high


def test_rolling_totals_step_in_the_middle_of_a_quarter_counts_by_share():
    # a step in May: two of the quarter's three months are at the new level
    q = pd.period_range("2009Q1", periods=40, freq="Q")
    months = pd.period_range(q[0].asfreq("M", how="start"), q[-1].asfreq("M", how="end"), freq="M")
    monthly_counts = pd.Series(1000.0 * np.where(months >= pd.Period("2014-05", "M"), 1.25, 1.0), index=months)
    totals = monthly_counts.rolling(12).sum()
    totals = totals[totals.index.month % 3 == 0].dropna()
    est = estimate_shift(totals, "2014-05", kind="rolling-year", calibrate=False)
    assert est.ratio == pytest.approx(1.25, rel=1e-4)


def test_rolling_totals_bad_input_is_named():
    totals = _rolling()
    with pytest.raises(ValueError, match="values only at quarter ends"):
        estimate_shift(totals.set_axis(totals.index.asfreq("M", how="start")), "2015-04", kind="rolling-year")
    with pytest.raises(ValueError, match="positive rolling 12-month totals"):
        estimate_shift(totals.where(totals.index != totals.index[5], 0.0), "2015-04", kind="rolling-year")
    with pytest.raises(ValueError, match="cannot be left out"):
        estimate_shift(totals, "2015-04", kind="rolling-year", exclude=["2015-06"])
    with pytest.raises(ValueError, match="kind: found 'yearly'"):
        estimate_shift(totals, "2015-04", kind="yearly")
    with pytest.raises(ValueError, match="pass kind='rolling-year'"):
        estimate_shift(totals, "2015-04")
    with pytest.raises(ValueError, match="at least 8 totals"):
        estimate_shift(totals.iloc[:10], "2008-04", kind="rolling-year")  # two totals before it


# --- like_for_like ----------------------------------------------------------------------------------
def test_like_for_like_worked_by_hand():
    from statsmodels.stats.rates import confint_poisson_2indep

    shift = ShiftEstimate(P("2015-04"), 1.2, 1.1, 1.31, 1e-4, math.log(1.2), 0.045,
                          "Poisson", 1.0, float("nan"), 60, 27, 33)
    res = like_for_like(1320, 1000, shift)
    assert res.recorded_ratio == pytest.approx(1.32)
    ci = confint_poisson_2indep(1320, 1, 1000, 1, method="score", compare="ratio")
    assert res.recorded_ci == (pytest.approx(ci[0]), pytest.approx(ci[1]))
    # by hand: 1.32 / 1.2 = 1.1; se = sqrt(0.00075758 + 0.001 + 0.002025) = sqrt(0.00378258) = 0.061503
    se = math.sqrt(1 / 1320 + 1 / 1000 + 0.045 ** 2)
    assert se == pytest.approx(0.061503, abs=1e-6)
    assert res.adjusted_ratio == pytest.approx(1.1)
    assert res.adjusted_ci[0] == pytest.approx(1.1 * math.exp(-1.959964 * se), rel=1e-6)
    assert res.adjusted_ci[1] == pytest.approx(1.1 * math.exp(1.959964 * se), rel=1e-6)
    assert res.adjusted_p == pytest.approx(2 * (1 - 0.5 * (1 + math.erf(math.log(1.1) / se / math.sqrt(2)))), rel=1e-6)
    text = like_for_like_sentence(res)
    assert "32% higher" in text and "10% higher" in text and "April 2015" in text
    assert list(res.as_table()["comparison"]) == ["as recorded", "recording effect removed"]
    with pytest.raises(ValueError, match="expected a positive count"):
        like_for_like(0, 1000, shift)


def test_a_step_to_zero_says_the_series_stopped_with_an_exact_bound():
    from scipy import stats

    idx = pd.period_range("2013-01", periods=48, freq="M")
    y = pd.Series(np.random.default_rng(1).poisson(200, 48).astype(float), index=idx)
    at = pd.Period("2016-01", "M")
    y[idx >= at] = 0  # the crime type stops being recorded
    est = estimate_shift(y, at)
    assert est.change == "stopped" and est.ratio == 0 and est.ci_low == 0
    n = y.sum()
    e0 = idx[idx < at].days_in_month.to_numpy().sum()
    e1 = idx[idx >= at].days_in_month.to_numpy().sum()
    pi_hi = stats.beta.ppf(0.975, 1, n)  # Clopper-Pearson: no case of n falls after the change
    assert est.ci_high == pytest.approx(pi_hi / (1 - pi_hi) * e0 / e1, rel=1e-9)
    assert 0 < est.ci_high < 0.01 and est.significant and est.p_value < 1e-100
    assert (est.count_before, est.count_after, est.n_before, est.n_after) == (n, 0, 36, 12)
    text = shift_estimate_sentence(est)
    assert text.startswith("From January 2016 no cases are recorded at all (0 in the 12 months from then on")
    assert "the series stops at the change" in text and "exact 95% upper bound" in text
    assert "e+" not in text and "1e10" not in text
    # and the mirror image: a series that starts at the change
    z = pd.Series(0.0, index=idx)
    z[idx >= pd.Period("2015-01", "M")] = 5.0
    start = estimate_shift(z, "2015-01")
    assert start.change == "started" and start.ratio == math.inf and start.ci_high == math.inf
    assert 1 < start.ci_low < math.inf and "starts at the change" in shift_estimate_sentence(start)
    with pytest.raises(ValueError, match="every month used is 0"):
        estimate_shift(pd.Series(0.0, index=idx), "2015-01")
    # an ordinary step carries its counts too
    ordinary = estimate_shift(pd.Series(np.random.default_rng(2).poisson(200, 48).astype(float), index=idx), "2015-01")
    assert ordinary.change == "step" and ordinary.count_before > 0 and ordinary.count_after > 0


def test_a_fall_of_99_percent_over_a_transition_month_is_significant_with_an_upper_bound_below_1():
    """Issue 22 item 7: a crime type moved to another recorder (about 2,700 a month, one transition
    month of a few hundred, then a case every few months). The placebo spread is measured only on
    the side of the change that holds each placebo date, and a side with a month of the year that
    has no case gives none: the steps beside a change to near zero are not placebo evidence. Before,
    the placebo spread came from fits across the change and the interval ran from 100% lower to
    over a million times higher."""
    for seed in range(4):
        rng = np.random.default_rng(seed)
        idx = pd.period_range("2013-01", periods=72, freq="M")
        at = idx[48]
        season = 1 + 0.08 * np.sin(2 * np.pi * idx.month.to_numpy() / 12)
        lam = np.where(idx < at, 2700 * season, 0.1)
        lam = np.where(idx == at, 300, lam)  # the transition month
        y = pd.Series(rng.negative_binomial(50, 50 / (50 + lam)).astype(float), index=idx)
        assert 0 < y[idx > at].sum() < 20  # near zero, not zero: the exact case does not apply
        est = estimate_shift(y, at)
        assert est.change == "step" and est.calibrated and est.ratio < 0.01
        assert est.significant and est.ci_high < 0.01, (seed, est.ci_low, est.ci_high)
        # the placebo spread is the pre-change side's (its 12 months before, 6 after, 6 from the change)
        assert est.n_placebo == 48 - 12 - 6 + 1 and est.placebo_sd < 0.2


def test_the_placebo_fits_never_span_the_change_being_sized():
    """A placebo date is fitted on its own side of the change: a large real step moves no placebo
    estimate (the same placebo spread with the step at 0.5 or at 0.001 of the earlier level)."""
    from perfkit.stats.caveats import _placebo_counts

    idx = pd.period_range("2013-01", periods=60, freq="M")
    at = idx[30]
    base = np.random.default_rng(5).poisson(400, 60).astype(float)
    spreads = []
    for ratio in (0.5, 0.001):
        y = pd.Series(np.where(idx < at, base, np.maximum(np.round(base * ratio * 1000) / 1000, 0)), index=idx)
        spreads.append(_placebo_counts(y, at, [], float("nan"))[:7])  # the dates before the change
    assert len(spreads[0]) == 7 and np.allclose(spreads[0], spreads[1])


def test_the_register_can_overrule_a_suspected_month_as_genuine(tmp_path, monkeypatch):
    """Issue 22 item 3: a month the checks suspect (British Transport Police, September 2016: 21% of
    its neighbours) is left out of every statistic until the register confirms it as a data fault or
    overrules it under genuine_months, which keeps it as data and gives the checks page the reason."""
    import shutil

    from perfkit import data
    from perfkit.config import register as reg
    from perfkit.evidence import suspected_faults

    params = tmp_path / "params"
    from perfkit import config

    shutil.copytree(config.params_dir(), params)
    monkeypatch.setenv("PERFKIT_PARAMS", str(params))
    key = ("btp", "2016-09", "Burglary")
    assert key in data.fault_keys()
    with open(params / "caveats.yaml", "a", encoding="utf-8") as f:
        f.write("\ngenuine_months:\n  - force: btp\n    month: 2016-09\n"
                "    reason: the force's own system shows the same fall (checked with its analysts)\n")
    assert key not in data.fault_keys() and ("btp", "2016-09") in data.genuine_months()
    row = suspected_faults("btp", start="2016-09", end="2016-09").iloc[0]
    assert row["genuine"].startswith("the force's own system") and row["registered"] == ""
    (params / "caveats.yaml").write_text((params / "caveats.yaml").read_text(encoding="utf-8")
                                         .replace("force: btp", "force: bpt"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"genuine_months\[0\]\.force: found 'bpt'; expected a force's"):
        reg.load_register(params / "caveats.yaml")
