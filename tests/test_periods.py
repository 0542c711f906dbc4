"""Financial-year quarters and windows, with reference values worked out by hand."""

import datetime

import numpy as np
import pandas as pd
import pytest

from perfkit.errors import ConfigError, DataError
from perfkit.periods import (
    Quarter,
    Window,
    check_monthly,
    deep_dive_objective,
    latest_complete_quarter,
    parse_month,
    parse_quarter,
    quarters_between,
)


@pytest.mark.parametrize("text", ["2015-16-Q1", "2015-16 Q1", "2015/16 Q1", "2015/16 q1", " 2015/16  Q1 "])
def test_accepted_forms_parse_to_the_same_quarter(text):
    assert parse_quarter(text) == Quarter(2015, 1)


@pytest.mark.parametrize("text", ["2015-Q1", "2015/17 Q1", "2015-16-Q5", "Q1 2015", "", "auto", "2015-16-Q0"])
def test_malformed_quarters_name_the_accepted_forms(text):
    with pytest.raises(ConfigError) as err:
        parse_quarter(text)
    assert "expected '2015-16-Q1' (canonical), '2015-16 Q1' or '2015/16 Q1'" in str(err.value)
    assert "\n" not in str(err.value)


def test_century_boundary():
    assert parse_quarter("1999/00 Q4") == Quarter(1999, 4)
    assert Quarter(1999, 4).id == "1999-00-Q4"


@pytest.mark.parametrize("quarter, months", [
    (Quarter(2015, 1), ["2015-04", "2015-05", "2015-06"]),
    (Quarter(2015, 2), ["2015-07", "2015-08", "2015-09"]),
    (Quarter(2015, 3), ["2015-10", "2015-11", "2015-12"]),
    (Quarter(2015, 4), ["2016-01", "2016-02", "2016-03"]),
])
def test_quarter_months(quarter, months):
    assert [str(m) for m in quarter.months] == months


def test_labels():
    q = Quarter(2015, 1)
    assert (q.id, q.label, q.fy_label) == ("2015-16-Q1", "2015/16 Q1", "2015/16")
    assert q.long_label == "2015/16 Quarter 1 (April to June 2015)"
    assert Quarter(2015, 4).long_label == "2015/16 Quarter 4 (January to March 2016)"


def test_neighbours():
    assert Quarter(2015, 1).previous() == Quarter(2014, 4)
    assert Quarter(2015, 4).next() == Quarter(2016, 1)
    assert Quarter(2016, 2).same_quarter_last_year() == Quarter(2015, 2)
    assert Quarter(2015, 1).shift(-5) == Quarter(2014, 4).shift(-4)


def test_rolling_and_year_to_date_windows():
    q = Quarter(2015, 3)  # October-December 2015
    r = q.rolling_12_months()
    assert (str(r.start), str(r.end), len(r)) == ("2015-01", "2015-12", 12)
    before = q.rolling_12_months_before()
    assert (str(before.start), str(before.end)) == ("2014-01", "2014-12")
    ytd = q.year_to_date()
    assert (str(ytd.start), str(ytd.end), len(ytd)) == ("2015-04", "2015-12", 9)
    ly = q.year_to_date_last_year()
    assert (str(ly.start), str(ly.end)) == ("2014-04", "2014-12")
    # Q4 year to date spans the calendar year boundary: twelve months April-March.
    assert len(Quarter(2015, 4).year_to_date()) == 12


def test_window_description():
    assert Window(pd.Period("2015-01", "M"), pd.Period("2015-12", "M")).describe() == "January 2015 to December 2015"
    assert Window(pd.Period("2015-11", "M"), pd.Period("2016-01", "M")).describe() == "November 2015 to January 2016"
    assert pd.Period("2015-05", "M") in Quarter(2015, 1).window()
    assert pd.Period("2015-07", "M") not in Quarter(2015, 1).window()


@pytest.mark.parametrize("last, expected", [
    ("2018-09", "2018-19-Q2"), ("2018-08", "2018-19-Q1"), ("2018-07", "2018-19-Q1"),
    ("2018-06", "2018-19-Q1"), ("2018-03", "2017-18-Q4"), ("2018-01", "2017-18-Q3"),
])
def test_latest_complete_quarter(last, expected):
    assert latest_complete_quarter(last).id == expected


def test_containing():
    assert Quarter.containing(pd.Period("2016-02", "M")) == Quarter(2015, 4)
    assert Quarter.containing(pd.Period("2016-04", "M")) == Quarter(2016, 1)


def test_quarters_between():
    ids = [q.id for q in quarters_between(Quarter(2015, 3), Quarter(2016, 2))]
    assert ids == ["2015-16-Q3", "2015-16-Q4", "2016-17-Q1", "2016-17-Q2"]


def test_parse_month():
    assert parse_month("2014-01") == pd.Period("2014-01", "M")
    with pytest.raises(ConfigError, match="expected a month written YYYY-MM"):
        parse_month("2014-13")


def test_deep_dive_rotation():
    anchor = Quarter(2015, 1)
    # Worked by hand: 2015-16 Q1..Q4 -> 1..4, 2016-17 Q1 -> 5, Q2 -> 1 again.
    expected = [1, 2, 3, 4, 5, 1, 2, 3]
    got = [deep_dive_objective(anchor.shift(i), anchor=anchor) for i in range(8)]
    assert got == expected
    assert deep_dive_objective(Quarter(2014, 4), anchor=anchor) == 5  # before the anchor, backwards
    assert deep_dive_objective(Quarter(2016, 2), anchor=anchor, overrides={"2016-17-Q2": 4}) == 4
    # An override does not shift the rotation for the next quarter.
    assert deep_dive_objective(Quarter(2016, 3), anchor=anchor, overrides={"2016-17-Q2": 4}) == 2
    assert deep_dive_objective(Quarter(2015, 1), objectives=(3, 1), anchor=Quarter(2015, 2)) == 1


@pytest.mark.parametrize("value", ["2015-04", " 2015-04 ", pd.Period("2015-04", "M"), pd.Period("2015-04-17", "D"),
                                   pd.Period("2015Q2", "Q").asfreq("M", "start"), pd.Timestamp("2015-04-30 23:00"),
                                   datetime.date(2015, 4, 1), np.datetime64("2015-04-09")])
def test_parse_month_reads_text_periods_and_dates_as_their_month(value):
    assert parse_month(value) == pd.Period("2015-04", "M")


@pytest.mark.parametrize("value", ["May", "April 2015", "2015-4", "2015-00", "2015-04-01", "201504", 201504, None, ""])
def test_parse_month_names_where_what_was_found_and_what_was_expected(value):
    with pytest.raises(ConfigError) as caught:
        parse_month(value, "params/quarters.yaml: 2015-16-Q1.start")
    message = str(caught.value)
    assert message.startswith(f"params/quarters.yaml: 2015-16-Q1.start: found {value!r};")
    assert "expected a month written YYYY-MM" in message


def test_parse_month_raises_the_callers_error_class():
    with pytest.raises(DataError, match="file name month: found 'May'"):
        parse_month("May", "file name month", error=DataError)
    with pytest.raises(ConfigError, match="^start: found"):  # the older keyword still names it
        parse_month("x", what="start")


def test_check_monthly_sorts_fills_gaps_and_keeps_names():
    s = pd.Series([3, "1", None], index=pd.PeriodIndex(["2015-04", "2015-01", "2015-02"], freq="M", name="month"),
                  name="count")
    out = check_monthly(s)
    assert list(out.index.astype(str)) == ["2015-01", "2015-02", "2015-03", "2015-04"]
    assert out.tolist()[0] == 1.0 and np.isnan(out.tolist()[1]) and np.isnan(out.tolist()[2]) and out.tolist()[3] == 3.0
    assert out.dtype == float and out.name == "count" and out.index.name == "month" and out.index.freqstr == "M"
    assert list(check_monthly(s, fill=False).index.astype(str)) == ["2015-01", "2015-02", "2015-04"]


def test_check_monthly_reads_dates_and_month_text_as_months():
    dates = pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2015-01-31", "2015-03-01"]))
    assert check_monthly(dates).index.equals(pd.period_range("2015-01", "2015-03", freq="M"))
    text = pd.Series([1.0, 2.0], index=["2015-02", "2015-01"])
    assert check_monthly(text).tolist() == [2.0, 1.0]
    assert check_monthly(pd.Series([], dtype=float)).empty


@pytest.mark.parametrize("series, found", [
    ([1, 2], "found list; expected a pandas Series indexed by month"),
    (pd.Series([1.0, 2.0]), "found an index of type RangeIndex; expected a monthly PeriodIndex"),
    (pd.Series([1.0], index=pd.PeriodIndex(["2015Q1"], freq="Q")), "PeriodIndex of frequency Q-DEC"),
    (pd.Series([1.0, 2.0], index=pd.PeriodIndex(["2015-01", "2015-01"], freq="M")), "month(s) 2015-01 appear more than once"),
    (pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2015-01-01", "2015-01-20"])), "month(s) 2015-01 appear more than once"),
    (pd.Series(["a", 2.0], index=pd.period_range("2015-01", periods=2, freq="M")), "found values that are not numbers"),
    (pd.Series([1.0], index=["January"]), "counts.csv index: found 'January'; expected a month written YYYY-MM"),
])
def test_check_monthly_names_where_what_was_found_and_what_was_expected(series, found):
    with pytest.raises(DataError) as caught:
        check_monthly(series, "counts.csv", error=DataError)
    assert str(caught.value).startswith("counts.csv") and found in str(caught.value)


def test_every_module_uses_the_one_month_parser_and_series_check():
    """The modules that read months go through parse_month / check_monthly (no private copies)."""
    import inspect

    from perfkit.stats import compare, seasonal, spc
    from perfkit.data import measures

    bad = pd.Series([1.0, 2.0], index=pd.PeriodIndex(["2015-01", "2015-01"], freq="M"))
    for call in (lambda: spc.xmr(bad), lambda: seasonal.adjust(bad), lambda: compare.dispersion(bad)):
        with pytest.raises(ValueError, match="2015-01 appear more than once"):
            call()
    for module in (compare, measures, seasonal, spc):
        source = inspect.getsource(module)
        assert "has_duplicates" not in source and ".freqstr not in" not in source, module.__name__
