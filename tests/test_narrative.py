"""Tests of perfkit.narrative: exact sentences for fixed inputs and GOV.UK number formatting."""

from __future__ import annotations

from types import SimpleNamespace as NS

import numpy as np
import pandas as pd
import pytest

from perfkit.compare import compare_periods, quarter_vs_last_year
from perfkit.narrative import caveat_reference, evidence_statement, format_change, format_count, format_percent
from perfkit.spc import xmr


def flat_spc():
    return xmr(pd.Series([10.0, 11.0] * 9, index=pd.period_range("2014-01", periods=18, freq="M")))


# --- the sentence of issue 5 ----------------------------------------------------------------------

def test_issue_5_sentence_exactly():
    # the score test for 612 against 673: ratio 0.909, 95% interval 0.815 to 1.015, p = 0.089
    c = compare_periods(612, 3, 673, 3, label="2015/16 Q1")
    assert evidence_statement("Burglary", c, spc=flat_spc()) == (
        "Burglary: 612 offences in 2015/16 Q1, 9% fewer than the 673 a year earlier; the 95% interval "
        "runs from 18% fewer to 1% more, so the change is not statistically significant; the monthly "
        "series shows only common-cause variation."
    )


def test_significant_fall_and_rise():
    c = compare_periods(612, 3, 712, 3, label="2015/16 Q1")
    assert evidence_statement("Dwelling burglary", c) == (
        "Dwelling burglary: 612 offences in 2015/16 Q1, 14% fewer than the 712 a year earlier; the 95% "
        "interval runs from 23% fewer to 4% fewer, so the change is statistically significant."
    )
    c = compare_periods(2013, 3, 1537, 3, label="2015/16 Q1")
    assert evidence_statement("Violence and sexual offences", c) == (
        "Violence and sexual offences: 2,013 offences in 2015/16 Q1, 31% more than the 1,537 a year "
        "earlier; the 95% interval runs from 23% more to 40% more, so the change is statistically significant."
    )


def test_caveat_is_referenced_in_the_same_sentence():
    hmic = NS(id="hmic-2014", title="Crime recording tightened after the HMIC inspection of November 2014", number=3)
    c = compare_periods(2013, 3, 1537, 3, label="2015/16 Q1", spans_caveats=[hmic])
    text = evidence_statement("Violence and sexual offences", c)
    assert text == (
        "Violence and sexual offences: 2,013 offences in 2015/16 Q1, 31% more than the 1,537 a year "
        "earlier; the 95% interval runs from 23% more to 40% more, so the change is statistically "
        "significant; a recording change may account for some of the change: crime recording tightened "
        "after the HMIC inspection of November 2014 (see caveat 3)."
    )
    assert text.count(".") == 1 + text.count("2,013") * 0  # one sentence
    # a caveat passed directly and also spanned is named once; a ref label is used as given
    other = {"title": "New crime system", "ref": "caveat 5"}
    text = evidence_statement("Violence", c, caveats=[hmic, other])
    assert text.endswith("(see caveat 3) and new crime system (see caveat 5).")


def test_missing_months_are_stated():
    s = pd.Series(200.0, index=pd.period_range("2014-04", "2015-06", freq="M"))
    s[pd.Period("2015-05", "M")] = np.nan
    c = quarter_vs_last_year(s, "2015/16 Q1")
    # like months: May 2015 has no data, so May 2014 is left out too and 400 are compared with 400
    assert evidence_statement("Robbery", c) == (
        "Robbery: 400 offences in 2015/16 Q1, no change from the 400 a year earlier; the 95% interval runs "
        "from 13% fewer to 15% more, so the change is not statistically significant; May 2014 and May 2015 "
        "are left out (no usable data), so both periods are compared on the same months."
    )


def test_missing_month_with_a_change_compares_rates():
    s = pd.Series(200.0, index=pd.period_range("2014-04", "2015-06", freq="M"))
    s[pd.Period("2014-05", "M")] = np.nan
    s[pd.Period("2015-04", "M")] = 150.0
    c = quarter_vs_last_year(s, "2015/16 Q1")
    # like months: May 2014 has no data, so May 2015 is left out too
    assert evidence_statement("Robbery", c).startswith(
        "Robbery: 350 offences in 2015/16 Q1, 13% fewer than the 400 a year earlier; the 95% interval runs from"
    )


def test_special_causes_named_with_their_rule():
    values = [10, 11] * 6 + [30]
    spc = xmr(pd.Series(values, index=pd.period_range("2014-06", periods=13, freq="M"), dtype=float), baseline=12)
    c = compare_periods(612, 3, 673, 3, label="2015/16 Q1")
    assert evidence_statement("Burglary", c, spc=spc).endswith(
        "so the change is not statistically significant; the monthly series shows special-cause "
        "variation: the latest point (June 2015) is above the upper process limit."
    )


def test_zero_and_missing_counts_never_claim_significance_without_a_test():
    both = compare_periods(0, 3, 0, 3, label="2015/16 Q1")
    assert evidence_statement("Homicide", both, unit="homicides") == (
        "Homicide: no homicides in 2015/16 Q1 and none a year earlier, so there is no change to test."
    )
    up = compare_periods(5, 3, 0, 3, label="2015/16 Q1")
    assert evidence_statement("Firearms offences", up) == (
        "Firearms offences: 5 offences in 2015/16 Q1, up from none a year earlier; an exact test finds "
        "the change not statistically significant."
    )
    down = compare_periods(0, 3, 9, 3, label="2015/16 Q1")
    assert evidence_statement("Firearms offences", down) == (
        "Firearms offences: no offences in 2015/16 Q1, down from 9 a year earlier; an exact test finds "
        "the change statistically significant."
    )
    gone = compare_periods(1, 3, float("nan"), 3, label="2015/16 Q1")
    text = evidence_statement("Robbery", gone)
    assert text == ("Robbery: 1 offence in 2015/16 Q1; no figure is available for a year earlier, so no "
                    "comparison can be made.")
    assert "significant" not in text


def test_words_are_neutral():
    for count, ref in ((612, 712), (2013, 1537), (612, 673)):
        text = evidence_statement("X", compare_periods(count, 3, ref, 3, label="Q")).lower()
        for word in ("good", "bad", "better", "worse", "improv", "deteriorat", "concern"):
            assert word not in text


def test_rates_use_higher_and_lower():
    c = compare_periods(75, 1, 100, 1, label="2015/16 Q1")
    text = evidence_statement("Crimes per 1,000 residents", c, unit="crimes", more="higher", fewer="lower")
    assert text.startswith("Crimes per 1,000 residents: 75 crimes in 2015/16 Q1, 25% lower than the 100 a year earlier")


# --- number style --------------------------------------------------------------------------------

@pytest.mark.parametrize("n, text", [(0, "0"), (612, "612"), (2013, "2,013"), (1234567.0, "1,234,567"),
                                     (2.5, "3"), (-1500, "-1,500"), (float("nan"), "not available")])
def test_format_count(n, text):
    assert format_count(n) == text


@pytest.mark.parametrize("x, text", [(31.4, "31%"), (10, "10%"), (9.96, "10%"), (9.06, "9%"), (1.05, "1%"),
                                     (1, "1%"), (0.4, "less than 1%"), (0, "0%"), (-12.5, "-13%"),
                                     (-4.5, "-5%"), (-0.2, "between -1% and 0%"), (150.5, "151%")])
def test_format_percent(x, text):
    assert format_percent(x) == text


@pytest.mark.parametrize("ratio, text", [(0.9094, "9% fewer"), (1.31, "31% more"), (1.0, "no change"),
                                         (0.815, "19% fewer"), (0.8151, "18% fewer"), (1.0145, "1% more"),
                                         (1.004, "less than 1% more"), (0.995, "less than 1% fewer"),
                                         (1.005, "less than 1% more"), (1.012, "1% more"), (2.5, "150% more"), (float("nan"), "change not available")])
def test_format_change(ratio, text):
    assert format_change(ratio) == text


def test_caveat_reference():
    assert caveat_reference(NS(title="t", ref="see note A")) == "see note A"
    assert caveat_reference({"title": "t", "number": 4}) == "caveat 4"
    assert caveat_reference(NS(title="t", id="hmic-2014")) == "caveat hmic-2014"
    assert caveat_reference(NS(title="t")) == ""
