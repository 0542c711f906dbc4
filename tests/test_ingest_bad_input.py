"""Bad input to ``perfkit ingest`` (issue 3, item 6): each case by its message, and an untouched store.

Every file is small and written into ``tmp_path``; nothing here needs ``../shared/data``.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from perfkit import cli, data
from perfkit.data import ingest as ingest_module
from perfkit.errors import DataError
from perfkit.data.ingest import STREET_COLUMNS, ingest

HEADER = ",".join(STREET_COLUMNS)


def street_row(month="2014-01", falls="Cambridgeshire Constabulary", crime="Burglary", crime_id="abc123",
               lon="0.128509", lat="52.230051", lsoa="Cambridge 001A", outcome="Under investigation") -> str:
    return (f"{crime_id},{month},{falls},{falls},{lon},{lat},On or near Nuns Way,E01017975,{lsoa},"
            f"{crime},{outcome},")


def write(path: Path, lines: list[str], *, end: str = "\r\n", encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(end.join(lines).encode(encoding) + end.encode())
    return path


def good_street(folder: Path, month="2014-01", force="cambridgeshire", n=5) -> Path:
    rows = [street_row(month, crime_id=f"id{i}") for i in range(n)]
    rows.append(street_row(month, crime="Anti-social behaviour", crime_id="", outcome=""))
    return write(folder / f"{month}-{force}-street.csv", [HEADER, *rows])


def snapshot(store: Path) -> dict[str, str]:
    """Every file under the store (and anything beside it) with its SHA-256."""
    return {
        str(p.relative_to(store.parent)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(store.parent.rglob("*")) if p.is_file()
    }


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """Pin 'today' so that 'months in the future' does not depend on the clock."""
    monkeypatch.setattr(ingest_module, "_today", lambda: pd.Period("2026-11", freq="M"))


@pytest.fixture
def store(tmp_path) -> Path:
    """A store holding one good force-month, inside its own folder (so snapshots see only it)."""
    root = tmp_path / "s" / "store"
    root.parent.mkdir()
    ingest("police-uk", [good_street(tmp_path / "inputs")], root, progress=False)
    return root


def refused(store: Path, kind: str, paths, *fragments: str) -> str:
    """Ingest must fail with a message holding every fragment, leaving the store byte for byte."""
    before = snapshot(store)
    with pytest.raises(DataError) as caught:
        ingest(kind, [Path(p) for p in paths], store, progress=False)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert snapshot(store) == before
    return message


# --- police-uk -------------------------------------------------------------------------------
def test_missing_column(store, tmp_path):
    header = HEADER.replace(",Crime type", "")
    rows = [street_row().replace(",Burglary", "")]
    path = write(tmp_path / "inputs" / "2014-02-cambridgeshire-street.csv", [header, *rows])
    refused(store, "police-uk", [path], "2014-02-cambridgeshire-street.csv", "line 1", "missing column(s) 'Crime type'", "expected")


def test_wrong_columns(store, tmp_path):
    path = write(tmp_path / "inputs" / "2014-02-cambridgeshire-street.csv", ["month,force,crime_type,count", "2014-02,cambridgeshire,Burglary,3"])
    refused(store, "police-uk", [path], "line 1", "missing column(s) 'Crime ID'", "expected the data.police.uk street columns")


def test_month_disagrees_with_file_name(store, tmp_path):
    rows = [street_row("2014-02"), street_row("2014-02"), street_row("2014-03")]
    path = write(tmp_path / "inputs" / "2014-02-cambridgeshire-street.csv", [HEADER, *rows])
    refused(store, "police-uk", [path], "line 4, column 'Month'", "found '2014-03'", "expected 2014-02", "file name")


def test_another_forces_rows(store, tmp_path):
    rows = [street_row("2014-02"), street_row("2014-02"), street_row("2014-02", falls="Essex Police")]
    path = write(tmp_path / "inputs" / "2014-02-cambridgeshire-street.csv", [HEADER, *rows])
    refused(store, "police-uk", [path], "line 4, column 'Falls within'", "found 'Essex Police'", "belongs to essex", "another force")


def test_unparseable_date(store, tmp_path):
    rows = [street_row("2014-02"), street_row("Feb 2014")]
    path = write(tmp_path / "inputs" / "2014-02-cambridgeshire-street.csv", [HEADER, *rows])
    refused(store, "police-uk", [path], "line 3, column 'Month'", "found 'Feb 2014'", "YYYY-MM", "unparseable date")


def test_truncated_last_line(store, tmp_path):
    path = tmp_path / "inputs" / "2014-02-cambridgeshire-street.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    content = "\r\n".join([HEADER, street_row("2014-02"), street_row("2014-02")]) + "\r\n"
    path.write_text(content + street_row("2014-02")[:60], encoding="utf-8")  # cut mid-line, no line end
    refused(store, "police-uk", [path], "line 4", "expected 12", "truncated")


def test_empty_file(store, tmp_path):
    path = tmp_path / "inputs" / "2014-02-cambridgeshire-street.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    refused(store, "police-uk", [path], "2014-02-cambridgeshire-street.csv", "empty file", "expected a header")


def test_header_only_file(store, tmp_path):
    path = write(tmp_path / "inputs" / "2014-02-cambridgeshire-street.csv", [HEADER])
    refused(store, "police-uk", [path], "header but no rows", "cambridgeshire 2014-02")


def test_empty_archive(store, tmp_path):
    path = tmp_path / "2014-02.zip"
    with zipfile.ZipFile(path, "w"):
        pass
    refused(store, "police-uk", [path], "2014-02.zip", "empty archive", "found no CSV files")


def test_empty_folder(store, tmp_path):
    folder = tmp_path / "download"
    folder.mkdir()
    refused(store, "police-uk", [folder], "empty folder", "found no CSV files")


def test_damaged_archive(store, tmp_path):
    path = tmp_path / "2014-02.zip"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    refused(store, "police-uk", [path], "2014-02.zip", "not a readable zip archive")


def test_month_in_the_future(store, tmp_path):
    path = good_street(tmp_path / "inputs", month="2027-01")
    refused(store, "police-uk", [path], "2027-01", "in the future", "2026-11")


def test_unknown_crime_type(store, tmp_path):
    rows = [street_row("2014-02"), street_row("2014-02", crime="Burglery")]
    path = write(tmp_path / "inputs" / "2014-02-cambridgeshire-street.csv", [HEADER, *rows])
    refused(store, "police-uk", [path], "line 3, column 'Crime type'", "found 'Burglery'", "Burglary")


def test_non_numeric_coordinate(store, tmp_path):
    rows = [street_row("2014-02"), street_row("2014-02", lat="52,23".replace(",", "."), lon="east")]
    path = write(tmp_path / "inputs" / "2014-02-cambridgeshire-street.csv", [HEADER, *rows])
    refused(store, "police-uk", [path], "line 3, column 'Longitude'", "found 'east'", "decimal degrees")


def test_file_name_not_police_uk(store, tmp_path):
    path = write(tmp_path / "inputs" / "crimes.csv", [HEADER, street_row()])
    refused(store, "police-uk", [path], "crimes.csv", "not a data.police.uk name", "YYYY-MM-<force>-street.csv")


def test_unknown_force_in_file_name(store, tmp_path):
    path = good_street(tmp_path / "inputs", force="cambridgeshir")
    refused(store, "police-uk", [path], "'cambridgeshir'", "not a data.police.uk force slug")


def test_path_that_does_not_exist(store, tmp_path):
    refused(store, "police-uk", [tmp_path / "nowhere.zip"], "nowhere.zip", "no such file or folder")
    refused(store, "counts", [tmp_path / "nowhere.csv"], "nowhere.csv", "no such file or folder")


def test_bad_file_in_a_batch_stores_nothing(store, tmp_path):
    good = good_street(tmp_path / "batch", month="2014-02")
    bad = write(tmp_path / "batch" / "2014-03-cambridgeshire-street.csv", [HEADER, street_row("2014-04")])
    refused(store, "police-uk", [good, bad], "2014-03-cambridgeshire-street.csv", "line 2")
    assert data.last_month(store=store) == pd.Period("2014-01", "M")


def test_legacy_encoding_is_a_warning_and_the_data_are_kept(store, tmp_path):
    rows = [street_row("2014-02"), street_row("2014-02").replace("Nuns Way", "Caf\u00e9 Row")]
    path = write(tmp_path / "inputs" / "2014-02-cambridgeshire-street.csv", [HEADER, *rows], encoding="cp1252")
    result = ingest("police-uk", [path], store, progress=False)
    assert result.rows_added == 2
    (warning,) = result.warnings
    assert "2014-02-cambridgeshire-street.csv: line 3" in warning
    assert "0xE9" in warning and "not UTF-8" in warning and "Windows-1252" in warning
    rows = data.incidents("cambridgeshire", "2014-02", "2014-02", store=store)
    assert "On or near Caf\u00e9 Row" in set(rows["location"])


# --- counts ----------------------------------------------------------------------------------
def counts_file(tmp_path: Path, lines: list[str], name="counts.csv") -> Path:
    return write(tmp_path / "inputs" / name, ["month,force,crime_type,count", *lines], end="\n")


def test_counts_negative(store, tmp_path):
    path = counts_file(tmp_path, ["2015-01,cambridgeshire,Burglary,400", "2015-01,cambridgeshire,Robbery,-5"])
    refused(store, "counts", [path], "counts.csv: line 3, column 'count'", "found '-5'", "cannot be negative")


def test_counts_non_numeric(store, tmp_path):
    path = counts_file(tmp_path, ["2015-01,cambridgeshire,Burglary,lots"])
    refused(store, "counts", [path], "line 2, column 'count'", "found 'lots'", "a whole number")


def test_counts_duplicate_keys(store, tmp_path):
    path = counts_file(tmp_path, [
        "2015-01,cambridgeshire,Burglary,400", "2015-01,cambridgeshire,Robbery,40", "2015-01,cambridgeshire,Burglary,401",
    ])
    refused(store, "counts", [path], "lines 2 and 4", "found 2015-01, cambridgeshire, 'Burglary' twice", "duplicate key")


def test_counts_future_month(store, tmp_path):
    path = counts_file(tmp_path, ["2015-01,cambridgeshire,Burglary,400", "2031-01,cambridgeshire,Burglary,1"])
    refused(store, "counts", [path], "line 3, column 'month'", "found '2031-01'", "in the future")


def test_counts_unparseable_month(store, tmp_path):
    path = counts_file(tmp_path, ["01/2015,cambridgeshire,Burglary,400"])
    refused(store, "counts", [path], "line 2, column 'month'", "found '01/2015'", "unparseable date")


def test_counts_missing_column(store, tmp_path):
    path = write(tmp_path / "inputs" / "counts.csv", ["month,force,count", "2015-01,cambridgeshire,4"], end="\n")
    refused(store, "counts", [path], "line 1", "missing column(s) 'crime_type'")


def test_counts_unknown_force(store, tmp_path):
    path = counts_file(tmp_path, ["2015-01,cambridgeshire,Burglary,4", "2015-01,gotham,Burglary,9"])
    refused(store, "counts", [path], "line 3, column 'force'", "found 'gotham'")


def test_counts_truncated(store, tmp_path):
    path = tmp_path / "inputs" / "counts.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("month,force,crime_type,count\n2015-01,cambridgeshire,Burglary,4\n2015-01,cambridgesh", encoding="utf-8")
    refused(store, "counts", [path], "line 3", "expected 4", "truncated")


def test_counts_empty_gzip(store, tmp_path):
    import gzip

    path = tmp_path / "inputs" / "counts.csv.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(b""))
    refused(store, "counts", [path], "counts.csv.gz", "empty file")


def test_counts_given_an_excel_workbook(store, tmp_path):
    path = tmp_path / "inputs" / "counts.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PK\x03\x04" + bytes(200))
    refused(store, "counts", [path], "counts.xlsx", "Excel workbook", "expected a CSV text file")


def test_utf16_file(store, tmp_path):
    path = tmp_path / "inputs" / "2014-02-cambridgeshire-street.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("\r\n".join([HEADER, street_row("2014-02")]).encode("utf-16"))
    refused(store, "police-uk", [path], "line 1", "UTF-16", "expected a CSV file in UTF-8")


def test_stop_and_search_files_are_skipped_with_one_warning(store, tmp_path):
    folder = tmp_path / "download" / "2014-02"
    good_street(folder, month="2014-02")
    for force in ("cambridgeshire", "essex"):
        write(folder / f"2014-02-{force}-stop-and-search.csv", ["Type,Date", "Person search,2014-02-01"])
    result = ingest("police-uk", [folder.parent], store, progress=False)
    assert result.rows_added == 6
    assert result.warnings == [f"skipped 2 stop-and-search file(s) (not used by perfkit), e.g. {result.warnings[0].split('e.g. ')[1]}"]


def test_counts_too_large(store, tmp_path):
    path = counts_file(tmp_path, ["2015-01,cambridgeshire,Burglary,99999999999999999999999"])
    refused(store, "counts", [path], "line 2, column 'count'", "at most 15 digits")


def test_counts_only_totals(store, tmp_path):
    path = counts_file(tmp_path, ["2015-01,cambridgeshire,All,5000"])
    refused(store, "counts", [path], "found only totals", "expected counts by crime type")


def test_unbalanced_quote(store, tmp_path):
    rows = [street_row("2014-02"), '"' + street_row("2014-02"), street_row("2014-02")]
    path = write(tmp_path / "inputs" / "2014-02-cambridgeshire-street.csv", [HEADER, *rows])
    refused(store, "police-uk", [path], "malformed CSV", "expected 12 comma-separated fields")


def test_semicolon_separated(store, tmp_path):
    rows = [street_row("2014-02").replace(",", ";")]
    path = write(tmp_path / "inputs" / "2014-02-cambridgeshire-street.csv", [HEADER.replace(",", ";"), *rows])
    refused(store, "police-uk", [path], "line 1", "missing column(s)", "found 'Crime ID;Month;")


def test_old_mac_line_ends_are_read(store, tmp_path):
    path = write(tmp_path / "inputs" / "2014-02-cambridgeshire-street.csv", [HEADER, street_row("2014-02")], end="\r")
    result = ingest("police-uk", [path], store, progress=False)
    assert result.rows_added == 1 and result.warnings == []


# --- the command line ------------------------------------------------------------------------
def test_cli_prints_the_message_without_traceback_and_exits_2(store, tmp_path, capsys):
    rows = [street_row("2014-02"), street_row("Feb 2014")]
    path = write(tmp_path / "inputs" / "2014-02-cambridgeshire-street.csv", [HEADER, *rows])
    before = snapshot(store)
    code = cli.main(["ingest", "police-uk", str(path), "--store", str(store), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert "perfkit ingest: error:" in err and "line 3, column 'Month'" in err
    assert "Traceback" not in err
    assert snapshot(store) == before


def test_cli_warning_exits_0(store, tmp_path, capsys):
    rows = [street_row("2014-02").replace("Nuns Way", "Caf\u00e9 Row")]
    path = write(tmp_path / "inputs" / "2014-02-cambridgeshire-street.csv", [HEADER, *rows], encoding="cp1252")
    assert cli.main(["ingest", "police-uk", str(path), "--store", str(store)]) == 0
    assert "warning:" in capsys.readouterr().err
