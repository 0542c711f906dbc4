"""perfkit.data.sources: readers for the non-street sources, checked on the real files and on every error."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from perfkit.data import sources
from perfkit.errors import DataError

TODAY = pd.Period("2026-11", freq="M")


def _write(tmp_path, text, name="f.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def _error(func, path, **kwargs) -> str:
    before = path.read_bytes() if path.is_file() else None
    with pytest.raises(DataError) as err:
        func(path, **kwargs)
    if before is not None:
        assert path.read_bytes() == before, "a reader must never modify its input"
    return str(err.value)


# --- counts ---------------------------------------------------------------------------------
COUNTS = "month,force,crime_type,count\n"


def test_counts_tidy_gz_and_names(tmp_path):
    text = COUNTS + "2015-02,Cambridgeshire Constabulary,Burglary,410\n2015-01,cambridgeshire,Drugs,12\n"
    path = tmp_path / "c.csv.gz"
    path.write_bytes(gzip.compress(text.encode()))
    frame = sources.read_counts(path)
    assert list(frame.columns) == ["month", "force", "crime_type", "count"]
    assert str(frame["month"].dtype) == "period[M]" and str(frame["count"].dtype) == "int64"
    assert frame["month"].astype(str).tolist() == ["2015-01", "2015-02"]
    assert frame["force"].tolist() == ["cambridgeshire", "cambridgeshire"]


def test_counts_study_file(shared_data):
    frame = sources.read_counts(shared_data / "police-uk-force-month-2015-2018.csv")
    assert frame["force"].nunique() == 45
    assert "All" not in set(frame["crime_type"])
    cambs = frame[frame["force"] == "cambridgeshire"].groupby(frame["month"].astype(str))["count"].sum()
    assert cambs["2015-01"] == 5001
    assert cambs["2017-07"] == 8053
    assert cambs["2018-09"] == 6663
    assert cambs["2018-05"] == 3063          # the partial feed is kept as published
    assert "2018-09" not in set(frame.loc[frame["force"] == "metropolitan", "month"].astype(str))


@pytest.mark.parametrize(
    "body, message",
    [
        ("month,force,count\n2015-01,kent,3\n",
         "line 1 (header): missing column(s) crime_type; found columns month, force, count; expected month,force,crime_type,count"),
        (COUNTS + "2015-13,kent,Drugs,3\n", "line 2, column 'month': found '2015-13'; expected a month written YYYY-MM, e.g. 2015-01"),
        (COUNTS + "Jan 2015,kent,Drugs,3\n", "line 2, column 'month': found 'Jan 2015'; expected a month written YYYY-MM"),
        (COUNTS + "2015-01,kent,Drugs,3\n2027-01,kent,Drugs,3\n",
         "line 3, column 'month': found '2027-01'; expected a month no later than 2026-11 (this month); it is in the future"),
        (COUNTS + "2015-01,kent,Drugs,-3\n", "line 2, column 'count': found '-3'; expected a number of zero or more (a count of rows)"),
        (COUNTS + "2015-01,kent,Drugs,three\n", "line 2, column 'count': found 'three'; expected a number (a count of rows)"),
        (COUNTS + "2015-01,kent,Drugs,2.5\n", "line 2, column 'count': found '2.5'; expected a whole number (a count of rows)"),
        (COUNTS + "2015-01,kent,Drugs,3\n2015-02,kent,Drugs,3\n2015-01,Kent Police,Drugs,4\n",
         "lines 2 and 4 both give month 2015-01, force kent, crime type Drugs; expected one row per month and force and crime_type"),
        (COUNTS + "2015-01,Kentish,Drugs,3\n", "line 2, column 'force': unknown police force 'Kentish'; did you mean 'kent' (Kent Police)?"),
        (COUNTS + "2015-01,kent,Burglery,3\n", "line 2, column 'crime_type': found 'Burglery'; expected a data.police.uk crime type"),
        (COUNTS + "2015-01,kent,Drugs,3,9\n", "line 2: found 5 fields; expected 4 (as in the header)"),
        ("", "the file is empty; expected a header line and data rows"),
        (COUNTS, "has a header but no data rows; expected at least one row"),
        ("month,county,crime_type,num_crimes\n2015-01,kent,Drugs,3\n2015-01,kent,All,4\n",
         "line 3, column 'count': found All = 4 for kent 2015-01; expected the sum of that month's crime types, 3"),
        (COUNTS + "2015-01,Action Fraud,Drugs,3\n",
         "line 2, column 'force': 'Action Fraud' is a national fraud-reporting body, not a police force"),
    ],
)
def test_counts_errors(tmp_path, body, message):
    path = _write(tmp_path, body)
    text = _error(sources.read_counts, path, today=TODAY)
    assert text.startswith(f"{path}: ")
    assert message in text


def test_counts_legacy_encoding_and_missing_file(tmp_path):
    path = _write(tmp_path, (COUNTS + "2015-01,kent,Drugs,3\n2015-01,kent,Caf\xe9,1\n").encode("cp1252"))
    assert _error(sources.read_counts, path) == (
        f"{path}: line 3, column 17: found byte 0xe9, which is not UTF-8 (a legacy encoding such as "
        "Windows-1252?); expected UTF-8 text: re-save the file as UTF-8")
    missing = tmp_path / "nope.csv"
    assert _error(sources.read_counts, missing) == f"{missing}: file not found"
    assert _error(sources.read_counts, tmp_path) == f"{tmp_path}: is a folder; expected a file"
    bad_gz = _write(tmp_path, b"not gzip", "x.csv.gz")
    assert "not a readable gzip file" in _error(sources.read_counts, bad_gz)


# --- recorded crime -------------------------------------------------------------------------
PRC = "12 months ending,PFA,Region,Offence,Rolling year total number of offences\n"


def test_prc_real_file_reference_values(shared_data):
    frame = sources.read_prc(shared_data / "ons-rec-crime-pfa.csv")
    assert len(frame) == 46469
    cambs = frame[(frame["force"] == "cambridgeshire") & (frame["offence"] != "Fraud offences")]
    by_end = cambs.groupby("period_end")["count"].sum()
    expected = {"2013-03-31": 45592, "2014-03-31": 43970, "2015-03-31": 46321, "2016-03-31": 48647, "2017-03-31": 57899}
    assert {k: int(by_end[pd.Timestamp(k)]) for k in expected} == expected
    assert (frame["count"] < 0).sum() == 25
    # '30-12-2017' (fraud-body rows) is read as the quarter's end; no day-30 December remains.
    assert not ((frame["period_end"].dt.month == 12) & (frame["period_end"].dt.day == 30)).any()
    fraud = frame[frame["force"].isin(["action-fraud", "cifas", "uk-finance"])]
    assert len(fraud) == 93 and set(fraud["offence"]) == {"Fraud offences"}
    assert pd.Timestamp("2017-12-31") in set(fraud["period_end"])


def test_prc_both_date_styles(tmp_path):
    path = _write(tmp_path, PRC + "31/03/2003,Cambridgeshire,East,Robbery,5\n31-03-2004,Cambridgeshire,East,Robbery,-1\n")
    frame = sources.read_prc(path)
    assert frame["period_end"].tolist() == [pd.Timestamp("2003-03-31"), pd.Timestamp("2004-03-31")]
    assert frame["count"].tolist() == [5, -1]


@pytest.mark.parametrize(
    "body, message",
    [
        (PRC + "31/13/2003,Kent,SE,Robbery,5\n",
         "line 2, column 'period_end': found '31/13/2003'; expected a date written DD/MM/YYYY, DD-MM-YYYY, YYYY-MM-DD or YYYYMMDD"),
        (PRC + "31/03/2003,Kent,SE,Robbery,lots\n", "line 2, column 'count': found 'lots'; expected a number (offences in 12 months)"),
        (PRC + "31/03/2003,Kent,SE,Robbery,5\n31-03-2003,Kent,SE,Robbery,6\n",
         "lines 2 and 3 both give 12 months ending 2003-03-31, force kent, offence Robbery"),
        ("12 months ending,PFA,Offence\n31/03/2003,Kent,Robbery\n", "line 1 (header): missing column(s) Rolling year total number of offences"),
        (PRC + "31/03/2003,Kentt,SE,Robbery,5\n", "line 2, column 'force': unknown police force 'Kentt'"),
    ],
)
def test_prc_errors(tmp_path, body, message):
    path = _write(tmp_path, body)
    assert message in _error(sources.read_prc, path)


# --- population -----------------------------------------------------------------------------
def test_population_wide_real_and_long(shared_data, tmp_path):
    frame = sources.read_population(shared_data / "ons-population-pfa.csv")
    assert frame["force"].nunique() == 39
    cambs = frame[frame["force"] == "cambridgeshire"].set_index("year")["population"]
    assert cambs[2014] == 825679 and cambs[2015] == 835181
    long = sources.read_population(_write(tmp_path, "year,force,population\n2015,Cambridgeshire,835181\n"))
    assert long.to_dict("records") == [{"year": 2015, "force": "cambridgeshire", "population": 835181}]


@pytest.mark.parametrize(
    "body, message",
    [
        (",year,Cambridgeshire,Narnia\n0,2015,1,2\n", "line 1 (header), column 'Narnia': unknown police force 'Narnia'"),
        ("year,force,population\n15,kent,3\n", "line 2, column 'year': found '15'; expected a calendar year such as 2015"),
        ("year,force,population\n2015,kent,-3\n", "line 2, column 'population': found '-3'; expected a number of zero or more (residents)"),
        ("force,population\nkent,3\n", "line 1 (header): missing column(s) year"),
        ("year,force,population\n2015,kent,3\n2015,Kent,4\n", "lines 2 and 3 both give year 2015, force kent"),
    ],
)
def test_population_errors(tmp_path, body, message):
    assert message in _error(sources.read_population, _write(tmp_path, body))


# --- collisions -----------------------------------------------------------------------------
def test_collisions_real_file(shared_data):
    frame = sources.read_collisions(shared_data / "cambs-road-collisions.csv", force="cambridgeshire")
    assert len(frame) == 12108
    assert list(frame.columns) == ["date", "month", "force", "severity"]
    assert set(frame["force"]) == {"cambridgeshire"}
    assert frame["date"].min() == pd.Timestamp("2012-01-01") and frame["date"].max() == pd.Timestamp("2017-10-31")
    ksi = frame[frame["severity"].isin(["Fatal", "Serious"])].groupby(frame["date"].dt.year).size()
    assert all(300 <= ksi[y] <= 400 for y in range(2012, 2017))


def test_collisions_minimal(tmp_path):
    frame = sources.read_collisions(_write(tmp_path, "date,severity,force\n2016-01-06,serious,Norfolk\n20160107,Fatal,norfolk\n"))
    assert frame["severity"].tolist() == ["Serious", "Fatal"]
    assert frame["force"].tolist() == ["norfolk", "norfolk"]
    assert frame["month"].astype(str).tolist() == ["2016-01", "2016-01"]


@pytest.mark.parametrize(
    "body, message",
    [
        ("date,severity\n2016-01-06,Minor\n", "line 2, column 'severity': found 'Minor'; expected one of Fatal, Serious, Slight"),
        ("date,severity\n06.01.2016,Slight\n", "line 2, column 'date': found '06.01.2016'; expected a date written"),
        ("date,severity\n2030-01-06,Slight\n", "line 2, column 'date': found '2030-01-06'; expected a date no later than 2026-11"),
        ("when,severity\n2016-01-06,Slight\n", "line 1 (header): missing column(s) date"),
    ],
)
def test_collisions_errors(tmp_path, body, message):
    assert message in _error(sources.read_collisions, _write(tmp_path, body), today=TODAY)


# --- workforce ------------------------------------------------------------------------------
def _fte(frame, force, day):
    row = frame[(frame["force"] == force) & (frame["date"] == pd.Timestamp(day))]
    return float(row["officer_fte"].iloc[0])


def test_workforce_workbooks(shared_data):
    folder = shared_data / "home-office-workforce/source_data/police-population"
    sep15 = sources.read_workforce(folder / "police-workforce-tabs-30sep15.ods")
    assert sep15["force"].nunique() == 44          # 43 forces and BTP; regions and totals skipped
    assert _fte(sep15, "cambridgeshire", "2014-09-30") == 1354.36
    assert _fte(sep15, "cambridgeshire", "2015-03-31") == 1361.95
    assert _fte(sep15, "cambridgeshire", "2015-09-30") == 1358.16
    assert _fte(sep15, "west-midlands", "2015-09-30") == 7043.25   # the force, not the region (11669.12)
    assert _fte(sep15, "derbyshire", "2015-09-30") == 1821.18      # footnote digit after the name
    sep16 = sources.read_workforce(folder / "police-workforce-tables-sep16.ods")
    assert _fte(sep16, "cambridgeshire", "2016-09-30") == 1339.1
    derived = sources.read_workforce(shared_data / "home-office-workforce/cleaned_data/police-population/officer-fte/2015.csv")
    assert _fte(derived, "cambridgeshire", "2015-03-31") == 1361.95


def test_workforce_minimal_csv_and_errors(tmp_path):
    frame = sources.read_workforce(_write(tmp_path, "date,force,officer_fte\n2015-09-30,Cambridgeshire,1358.16\n"))
    assert frame.to_dict("records") == [{"date": pd.Timestamp("2015-09-30"), "force": "cambridgeshire", "officer_fte": 1358.16}]
    bad = _write(tmp_path, "date,force,officer_fte\n2015-09-30,Cambridgeshire,many\n", "b.csv")
    assert "line 2, column 'officer_fte': found 'many'; expected a number (full-time equivalent officers)" in _error(sources.read_workforce, bad)
    junk = _write(tmp_path, b"PK\x03\x04junk", "w.ods")
    assert _error(sources.read_workforce, junk).startswith(f"{junk}: not a readable ods workbook")


def test_workforce_workbook_without_officer_table(tmp_path):
    path = tmp_path / "other.xlsx"
    pd.DataFrame({"a": [1]}).to_excel(path, index=False)
    assert _error(sources.read_workforce, path) == (
        f"{path}: found no sheet titled 'Police officers by police force area ...'; "
        "expected a Home Office police workforce workbook")


# --- local measures -------------------------------------------------------------------------
MEASURES = "measure,force,month,value,numerator,denominator,note\n"


def test_measures_template(project_root):
    frame = sources.read_measures(project_root / "data/templates/local-measures.csv")
    assert len(frame) == 3 and frame["note"].str.contains("EXAMPLE").all()
    assert set(frame["measure"]) <= {"calls_999_answered", "calls_101_answered", "victim_satisfaction"}


@pytest.mark.parametrize(
    "body, message",
    [
        (MEASURES + "calls_999,cambridgeshire,2015-04,91,,,\n",
         "line 2, column 'measure': found 'calls_999'; expected the id of a Plan measure with source: local (budget_variance, calls_101_answered"),
        (MEASURES + "burglary,cambridgeshire,2015-04,91,,,\n", "line 2, column 'measure': found 'burglary'"),
        (MEASURES + "calls_999_answered,cambridgeshire,2015-04,91%,,,\n", "line 2, column 'value': found '91%'; expected a number"),
        (MEASURES + "calls_999_answered,cambridgeshire,2015-04,191,,,\n", "line 2, column 'value': found '191'; expected a percentage between 0 and 100"),
        (MEASURES + "calls_999_answered,cambridgeshire,2015-04,91,5,0,\n", "line 2, column 'denominator': found '0'; expected a positive number"),
        (MEASURES + "calls_999_answered,cambridgeshire,2015-04,91,,,\ncalls_999_answered,Cambridgeshire,2015-04,92,,,\n",
         "lines 2 and 3 both give measure calls_999_answered, force cambridgeshire, month 2015-04"),
        (MEASURES + "calls_999_answered,cambridgeshire,2027-04,91,,,\n", "line 2, column 'month': found '2027-04'; expected a month no later than 2026-11"),
        ("measure,month,value\ncalls_999_answered,2015-04,91\n", "line 1 (header): missing column(s) force"),
    ],
)
def test_measures_errors(tmp_path, body, message):
    assert message in _error(sources.read_measures, _write(tmp_path, body), today=TODAY)


def test_measures_optional_columns(tmp_path):
    frame = sources.read_measures(_write(tmp_path, "measure,force,month,value\nbudget_variance,cambridgeshire,2015-06,-1.5\n"))
    row = frame.iloc[0]
    assert row["value"] == -1.5 and pd.isna(row["numerator"]) and row["note"] == ""
