"""estimate_shift on real data: honest at placebo dates, and finds known recording changes.

The known changes here (April 2015 harassment offences, April 2018 conduct crimes) were not used
to build or tune the model: the calibration rule was chosen on placebo dates only. The full
tables are printed by ``bench/shift_calibration.py`` and quoted in docs/methods-seasonal.md.
"""

from __future__ import annotations

import pandas as pd
import pytest

from perfkit import calibration, caveats, seasonal, sources

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


def test_monthly_placebo_dates_rarely_show_a_step(counts):
    table = pd.concat(
        calibration.estimates(calibration.counts_by_force(counts, t), PLACEBO_MONTHS, exclude=EXCLUDE)
        for t in PLACEBO_TYPES
    )
    done = table[table["skipped"] == ""]
    assert len(done) >= 250 and (done["n_placebo"] >= caveats.PLACEBO_MIN).all()
    # the model alone calls a step at a third or more of dates with no change; calibrated, near 5%
    assert calibration.false_positive_rate(table, "model") > 0.25
    assert calibration.false_positive_rate(table) <= 0.10


def test_rolling_totals_placebo_dates_rarely_show_a_step(prc):
    table = pd.concat(
        calibration.estimates(calibration.rolling_by_force(prc, o), PLACEBO_QUARTER_STARTS, kind="rolling-year")
        for o in PLACEBO_OFFENCES
    )
    done = table[table["skipped"] == ""]
    assert len(done) >= 250
    assert calibration.false_positive_rate(table, "model") > 0.25
    assert calibration.false_positive_rate(table) <= 0.10


def test_april_2015_harassment_offences_found_in_ons_stalking_and_harassment(prc):
    harassment = calibration.rolling_by_force(prc, "Stalking and harassment")
    nat = calibration.estimates({"England and Wales": calibration.national(harassment)}, ["2015-04"],
                                kind="rolling-year", other_shifts=["2018-04"]).iloc[0]
    assert nat["skipped"] == "" and nat["ci_low"] > 1.0 and nat["n_placebo"] >= caveats.PLACEBO_MIN
    forces = calibration.found(
        calibration.estimates(harassment, ["2015-04"], kind="rolling-year", other_shifts=["2018-04"]), "up")
    assert forces["n"] == 43 and forces["right"] >= 12 and forces["wrong"] == 0
    assert forces["median_ratio"] > 1.3


def test_april_2018_conduct_crimes_never_found_the_wrong_way(prc, counts):
    harassment = calibration.rolling_by_force(prc, "Stalking and harassment")
    ons = calibration.estimates(harassment, ["2018-04"], kind="rolling-year", other_shifts=["2015-04"])
    violence = calibration.counts_by_force(counts, "Violence and sexual offences")
    police_uk = calibration.estimates(violence, ["2018-04"], exclude=EXCLUDE)
    for table in (ons, police_uk):
        result = calibration.found(table, "up")
        assert result["n"] >= 42 and result["wrong"] == 0 and result["median_ratio"] > 1.0
    nat = calibration.estimates({"England and Wales": calibration.national(violence)}, ["2018-04"]).iloc[0]
    assert nat["ratio"] > 1.0


def test_adjust_reports_the_known_change_as_a_calibrated_shift(counts):
    violence = calibration.national(calibration.counts_by_force(counts, "Violence and sexual offences"))
    res = seasonal.adjust(violence, shifts=["2015-04", "2018-04"], cache=False)
    assert res.method == "x13", res.reason
    assert [s.date for s in res.shifts] == [pd.Period("2015-04", "M"), pd.Period("2018-04", "M")]
    shift = res.shifts[1]
    est = caveats.estimate_shift(violence, "2018-04", other_shifts=["2015-04"])
    assert "calibrated" in shift.model
    assert (shift.estimate, shift.ci_low, shift.ci_high) == (est.ratio, est.ci_low, est.ci_high)
    assert [s.date for s in res.diagnostics["x13_level_shifts"]] == [s.date for s in res.shifts]
    assert "April 2018" in res.describe()
