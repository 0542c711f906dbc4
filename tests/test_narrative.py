"""Tests of perfkit.present.narrative: exact sentences for fixed inputs and GOV.UK number formatting."""

from __future__ import annotations

from types import SimpleNamespace as NS

import numpy as np
import pandas as pd
import pytest

from perfkit.stats.compare import compare_periods, quarter_vs_last_year
from perfkit.present.narrative import (HEADLINE_WORDS, caveat_reference, evidence_sentences, evidence_statement, format_change,
                               format_count, format_percent, headline_sentences)
from perfkit.stats.spc import xmr


def flat_spc():
    return xmr(pd.Series([10.0, 11.0] * 9, index=pd.period_range("2014-01", periods=18, freq="M")))


# --- the sentences of issue 5, short since issue 12 -----------------------------------------------------

def test_issue_5_sentence_exactly():
    # the score test for 612 against 673: ratio 0.909, 95% interval 0.815 to 1.015, p = 0.089
    c = compare_periods(612, 3, 673, 3, label="2015/16 Q1")
    assert evidence_statement("Burglary", c, spc=flat_spc()) == (
        "Burglary: 612 offences in 2015/16 Q1, 9% fewer than the 673 a year earlier (95% interval: 18% fewer "
        "to 1% more); not statistically significant. Burglary in June 2015: within the usual range (common-cause "
        "variation), as every month of the last 12 is. The limits are trial limits, based on only 18 months."
    )


def test_significant_fall_and_rise():
    c = compare_periods(612, 3, 712, 3, label="2015/16 Q1")
    assert evidence_statement("Dwelling burglary", c) == (
        "Dwelling burglary: 612 offences in 2015/16 Q1, 14% fewer than the 712 a year earlier (95% "
        "interval: 23% fewer to 4% fewer); statistically significant."
    )
    c = compare_periods(2013, 3, 1537, 3, label="2015/16 Q1")
    # the full headline would run to 27 words: the figure a year earlier moves to a sentence of its own
    assert evidence_statement("Violence and sexual offences", c) == (
        "Violence and sexual offences: 2,013 offences in 2015/16 Q1, 31% more than a year earlier (95% "
        "interval: 23% more to 40% more); statistically significant. A year earlier there were 1,537."
    )


def test_headline_keeps_to_25_words_and_names_the_verdict():
    c = compare_periods(413, 12, 370, 12, label="the 12 months to October 2017")
    long_title = "Road collisions in which someone was killed or seriously injured"
    first, *rest = headline_sentences(long_title, c, unit="collisions")
    # The shortest form with this long title is 27 words: it keeps the measure's name over the limit
    # (it once dropped the title, and the Board read a figure without its measure).
    assert first.startswith(f"{long_title}: 413 collisions in the 12 months to October 2017, 12% more than a year earlier")
    assert "not statistically significant" in first
    assert len(first.split()) - len(long_title.split()) <= HEADLINE_WORDS
    assert rest == ["The 95% interval runs from 3% fewer to 28% more.", "A year earlier there were 370."]
    # With the measure's short title (params/plan.yaml: short_title) the headline keeps to the limit.
    named = headline_sentences(long_title, c, unit="collisions", short_title="Road collisions (killed or seriously injured)")
    assert named[0].startswith("Road collisions (killed or seriously injured): 413 collisions in the 12 months")
    assert len(named[0].split()) <= HEADLINE_WORDS and "not statistically significant" in named[0]
    # A title that fits is used whole, whatever the short title.
    assert headline_sentences("Burglary", c, short_title="B")[0].startswith("Burglary: 413 offences")
    short = headline_sentences("Burglary", compare_periods(612, 3, 673, 3, label="2015/16 Q1"))
    assert len(short) == 1 and len(short[0].split()) <= HEADLINE_WORDS


def test_caveat_is_referenced_in_a_short_sentence_of_its_own():
    hmic = NS(id="hmic-2014", title="Crime recording tightened after the HMIC inspection of November 2014", number=3)
    c = compare_periods(2013, 3, 1537, 3, label="2015/16 Q1", spans_caveats=[hmic])
    sentences = evidence_sentences("Violence and sexual offences", c)
    assert sentences[-1] == ("A recording change may account for some of the change: crime recording tightened "
                             "after the HMIC inspection of November 2014 (see caveat 3).")
    assert evidence_statement("Violence and sexual offences", c) == " ".join(sentences)
    assert all(".;" not in s and len(s.split()) <= 25 for s in sentences)
    # a caveat passed directly and also spanned is named once; a ref label is used as given
    other = {"title": "New crime system", "ref": "caveat 5"}
    text = evidence_statement("Violence", c, caveats=[hmic, other])
    assert text.endswith("(see caveat 3) and new crime system (see caveat 5).")
    assert text.count("HMIC") == 1


def test_missing_months_are_stated():
    s = pd.Series(200.0, index=pd.period_range("2014-04", "2015-06", freq="M"))
    s[pd.Period("2015-05", "M")] = np.nan
    c = quarter_vs_last_year(s, "2015/16 Q1")
    # like months: May 2015 has no data, so May 2014 (which has data) is left out with it and 400 are
    # compared with 400; each month is given its own reason
    assert evidence_statement("Robbery", c) == (
        "Robbery: 400 offences in 2015/16 Q1, no change from the 400 a year earlier (95% interval: 13% fewer "
        "to 15% more); not statistically significant. May 2015 is left out (no data), and May 2014 with it, "
        "so both periods cover the same months."
    )
    # a data fault's label is cited, given to the statement or carried by the comparison
    text = evidence_statement("Robbery", c, faults={pd.Period("2015-05", "M"): "D1"})
    assert text.endswith(" May 2015 is left out (data fault D1), and May 2014 with it, so both periods cover the "
                         "same months.")
    fault = {"title": "Incomplete feed", "ref": "D1"}
    carried = quarter_vs_last_year(s, "2015/16 Q1", faults={"2015-05": fault})
    assert evidence_statement("Robbery", carried) == text
    # both months of a pair missing: neither is said to be left out "with" the other
    s[pd.Period("2014-05", "M")] = np.nan
    both = evidence_sentences("Robbery", quarter_vs_last_year(s, "2015/16 Q1"))
    assert both[-1] == "May 2014 and May 2015 are left out (no data), so both periods cover the same months."


def test_missing_month_with_a_change_compares_rates():
    s = pd.Series(200.0, index=pd.period_range("2014-04", "2015-06", freq="M"))
    s[pd.Period("2014-05", "M")] = np.nan
    s[pd.Period("2015-04", "M")] = 150.0
    c = quarter_vs_last_year(s, "2015/16 Q1")
    # like months: May 2014 has no data, so May 2015 is left out too
    assert evidence_statement("Robbery", c).startswith(
        "Robbery: 350 offences in 2015/16 Q1, 13% fewer than the 400 a year earlier (95% interval: 24% fewer to 1% "
        "more); not statistically significant."
    )


def test_special_causes_follow_in_plain_sentences_without_rule_names():
    values = [10, 11] * 6 + [30]
    spc = xmr(pd.Series(values, index=pd.period_range("2014-06", periods=13, freq="M"), dtype=float), baseline=12)
    c = compare_periods(612, 3, 673, 3, label="2015/16 Q1")
    assert evidence_statement("Burglary", c, spc=spc).endswith(
        "; not statistically significant. Burglary in June 2015: special-cause variation, where neither direction "
        "is better. Burglary: the latest month (June 2015) is above the upper process limit. The limits are trial limits, "
        "based on only 13 months."
    )


def test_zero_and_missing_counts_never_claim_significance_without_a_test():
    both = compare_periods(0, 3, 0, 3, label="2015/16 Q1")
    assert evidence_statement("Homicide", both, unit="homicides") == (
        "Homicide: no homicides in 2015/16 Q1 and none a year earlier, so there is no change to test."
    )
    up = compare_periods(5, 3, 0, 3, label="2015/16 Q1")
    assert evidence_statement("Firearms offences", up) == (
        "Firearms offences: 5 offences in 2015/16 Q1, up from none a year earlier; the change is not "
        "statistically significant."
    )
    down = compare_periods(0, 3, 9, 3, label="2015/16 Q1")
    assert evidence_statement("Firearms offences", down) == (
        "Firearms offences: no offences in 2015/16 Q1, down from 9 a year earlier; the change is "
        "statistically significant."
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
    assert text.startswith("Crimes per 1,000 residents: 75 crimes in 2015/16 Q1, 25% lower than a year earlier "
                           "(95% interval: 44% lower to 1% higher)")


# --- number style --------------------------------------------------------------------------------

@pytest.mark.parametrize("n, text", [(0, "0"), (612, "612"), (2013, "2,013"), (1234567.0, "1,234,567"),
                                     (2.5, "3"), (-1500, "-1,500"), (float("nan"), "not available")])
def test_format_count(n, text):
    assert format_count(n) == text


@pytest.mark.parametrize("x, text", [(31.4, "31%"), (10, "10%"), (9.96, "10%"), (9.06, "9%"), (1.05, "1%"),
                                     (1, "1%"), (0.4, "0.4%"), (0, "0%"), (-12.5, "-13%"),
                                     (-4.5, "-5%"), (-0.2, "-0.2%"), (0.04, "less than 0.1%"), (150.5, "151%")])
def test_format_percent(x, text):
    assert format_percent(x) == text


@pytest.mark.parametrize("ratio, text", [(0.9094, "9% fewer"), (1.31, "31% more"), (1.0, "no change"),
                                         (0.815, "19% fewer"), (0.8151, "18% fewer"), (1.0145, "1% more"),
                                         (1.004, "0.4% more"), (0.995, "0.5% fewer"),
                                         (1.005, "0.5% more"), (1.012, "1% more"), (2.5, "150% more"), (float("nan"), "change not available")])
def test_format_change(ratio, text):
    assert format_change(ratio) == text


def test_caveat_reference():
    assert caveat_reference(NS(title="t", ref="see note A")) == "see note A"
    assert caveat_reference({"title": "t", "number": 4}) == "caveat 4"
    assert caveat_reference(NS(title="t", id="hmic-2014")) == "caveat hmic-2014"
    assert caveat_reference(NS(title="t")) == ""
