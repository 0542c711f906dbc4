"""estimate_shift on real data: honest at placebo dates, and finds known recording changes.

The known changes here (April 2015 harassment offences, April 2018 conduct crimes) were not used
to build or tune the model: the calibration rule was chosen on placebo dates only. The full
tables are printed by ``bench/shift_calibration.py`` and quoted in docs/methods-seasonal.md.
"""

from __future__ import annotations

import pandas as pd
import pytest

from perfkit.stats import calibration, caveats, seasonal
from perfkit.data import sources

#: crime types and offences that no register entry touches at the placebo dates
PLACEBO_TYPES = ["Burglary", "Criminal damage and arson", "Drugs"]
PLACEBO_MONTHS = ["2016-04", "2016-10"]
PLACEBO_OFFENCES = ["Bicycle theft", "Criminal damage and arson", "Robbery"]
PLACEBO_QUARTER_STARTS = ["2011-04", "2012-04"]
EXCLUDE = {"cambridgeshire": ["2018-05"]}  # the partial feed in params/caveats.yaml


@pytest.fixture(scope="module")
def counts(shared_data):
    return sources.read_counts(shared_data / "police-uk-force-month-2015-2018.csv")


@pytest.fixture(scope="module")
def prc(shared_data):
    return sources.read_prc(shared_data / "ons-rec-crime-pfa.csv")


@pytest.mark.slow
def test_monthly_placebo_dates_rarely_show_a_step(counts):
    table = pd.concat(
        calibration.estimates(calibration.counts_by_force(counts, t), PLACEBO_MONTHS, exclude=EXCLUDE)
        for t in PLACEBO_TYPES
    )
    done = table[table["skipped"] == ""]
    assert len(done) >= 250 and (done["n_placebo"] >= caveats.PLACEBO_MIN).all()
    # the model alone calls a step at 40% or more of dates with no change; calibrated, about 5%
    assert calibration.false_positive_rate(table, "model") > 0.25
    assert calibration.false_positive_rate(table) <= 0.07  # measured 1.9% (monthly), 3.5% (rolling)


@pytest.mark.slow
def test_rolling_totals_placebo_dates_rarely_show_a_step(prc):
    table = pd.concat(
        calibration.estimates(calibration.rolling_by_force(prc, o), PLACEBO_QUARTER_STARTS, kind="rolling-year")
        for o in PLACEBO_OFFENCES
    )
    done = table[table["skipped"] == ""]
    assert len(done) >= 250
    assert calibration.false_positive_rate(table, "model") > 0.25
    assert calibration.false_positive_rate(table) <= 0.07  # measured 1.9% (monthly), 3.5% (rolling)


def test_april_2015_harassment_offences_found_in_ons_stalking_and_harassment(prc):
    harassment = calibration.rolling_by_force(prc, "Stalking and harassment")
    nat = calibration.estimates({"England and Wales": calibration.national(harassment)}, ["2015-04"],
                                kind="rolling-year", other_shifts=["2018-04"]).iloc[0]
    assert nat["skipped"] == "" and nat["ci_low"] > 1.0 and nat["n_placebo"] >= caveats.PLACEBO_MIN
    forces = calibration.found(
        calibration.estimates(harassment, ["2015-04"], kind="rolling-year", other_shifts=["2018-04"]), "up")
    assert forces["n"] == 43 and forces["right"] >= 10 and forces["wrong"] == 0  # measured 12-16
    assert forces["median_ratio"] > 1.3


@pytest.fixture(scope="module")
def eastern_violence(shared_data, counts):
    """Violence and sexual offences for the six eastern forces, 2014-01 to 2018-09 (2014-12 missing)."""
    early = calibration.street_counts(shared_data / "police-uk-street-2014", "Violence and sexual offences")
    later = calibration.counts_by_force(counts, "Violence and sexual offences")
    wide = pd.concat([early, pd.DataFrame({f: later[f] for f in early.columns})])
    wide = wide.reindex(pd.period_range("2014-01", "2018-09", freq="M")).astype(float)
    assert wide.shape == (57, 6) and wide.loc[pd.Period("2014-12", "M")].isna().all()
    return wide


def test_april_2015_in_monthly_violence_never_found_the_wrong_way(eastern_violence):
    parts = {f: eastern_violence[f] for f in eastern_violence.columns}
    table = calibration.estimates(parts, ["2015-04"], other_shifts=["2018-04"], exclude=EXCLUDE)
    result = calibration.found(table, "up")
    assert result["n"] == 6 and result["wrong"] == 0 and result["median_ratio"] > 1.0
    total = calibration.estimates({"six forces": eastern_violence.sum(axis=1, min_count=6)}, ["2015-04"],
                                  other_shifts=["2018-04"], exclude={"six forces": ["2018-05"]}).iloc[0]
    assert total["skipped"] == "" and total["ratio"] > 1.0 and total["n_placebo"] >= caveats.PLACEBO_MIN


def test_april_2018_is_too_recent_in_the_data_to_size(prc, counts):
    harassment = calibration.national(calibration.rolling_by_force(prc, "Stalking and harassment"))
    with pytest.raises(ValueError, match="4 from it on"):  # totals to December 2018: three from it on
        caveats.estimate_shift(harassment, "2018-04", kind="rolling-year")
    violence = calibration.national(calibration.counts_by_force(counts, "Violence and sexual offences"))
    with pytest.raises(ValueError, match="5 from it on; at least 12 each side"):  # London has no 2018-09
        caveats.estimate_shift(violence, "2018-04")


def test_adjust_reports_the_known_change_as_a_calibrated_shift(eastern_violence):
    total = eastern_violence.sum(axis=1, min_count=6)
    res = seasonal.adjust(total, shifts=["2015-04", "2018-04"], cache=False)
    assert res.method in ("x13", "none"), res.reason_code
    (shift,) = res.shifts  # April 2018 has six months after it: too few to size, and a note says so
    est = caveats.estimate_shift(total, "2015-04", other_shifts=["2018-04"])
    assert shift.date == pd.Period("2015-04", "M") and shift.calibrated
    assert (shift.estimate, shift.ci_low, shift.ci_high) == (est.ratio, est.ci_low, est.ci_high)
    assert [w.value[0] for w in res.warnings if w.code == "shift-unsized"] == [pd.Period("2018-04", "M")]
    from perfkit.present.statements import adjustment_warnings

    assert any("April 2018 could not be sized" in w for w in adjustment_warnings(res))
    if res.method == "x13":
        assert [str(s.date) for s in res.diagnostics["x13_level_shifts"]] == ["2015-04", "2018-04"]
    from perfkit.present.statements import adjustment_describe

    assert "April 2015" in adjustment_describe(res)
