"""perfkit.data.synth: synthetic archives in the exact data.police.uk street format."""

from __future__ import annotations

import io
import time
import zipfile

import pandas as pd
import pytest

from perfkit.data import synth
from perfkit.errors import PerfkitError
from perfkit.data.sources import CRIME_TYPES

HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
          "Crime type,Last outcome category,Context")


def test_format_matches_data_police_uk(tmp_path, shared_data):
    real = (shared_data / "police-uk-street-2014/2014-01/2014-01-cambridgeshire-street.csv").read_bytes()
    data = synth.generate_month("cambridgeshire", "2017-03", 4000, seed=1)
    assert data.split(b"\r\n", 1)[0] == real.split(b"\r\n", 1)[0] == HEADER.encode()
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    assert len(frame) == 4000 and list(frame.columns) == HEADER.split(",")
    assert set(frame["Month"]) == {"2017-03"}
    assert set(frame["Falls within"]) == set(frame["Reported by"]) == {"Cambridgeshire Constabulary"}
    asb = frame["Crime type"] == "Anti-social behaviour"
    assert 0.2 < asb.mean() < 0.4
    assert (frame.loc[asb, "Crime ID"] == "").all() and (frame.loc[asb, "Last outcome category"] == "").all()
    assert frame.loc[~asb, "Crime ID"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert (frame.loc[~asb, "Last outcome category"] != "").all()
    assert set(frame["Crime type"]) <= set(CRIME_TYPES) and frame["Crime type"].nunique() == 14
    located = frame["LSOA code"] != ""
    assert frame.loc[located, "LSOA code"].str.fullmatch(r"E01\d{6}").all()
    assert frame.loc[located, "LSOA name"].str.fullmatch(r".+ \d{3}[A-D]").all()
    assert frame.loc[located, "Longitude"].str.fullmatch(r"-?\d+\.\d{6}").all()
    assert (frame["Context"] == "").all()
    assert frame.duplicated().sum() > 0          # identical ASB rows, as in real files
    # Sorted by LSOA then crime type, as published.
    lsoa = frame.loc[located, "LSOA code"].tolist()
    assert lsoa == sorted(lsoa)


def test_archive_deterministic_national_and_fast(tmp_path):
    start = time.perf_counter()
    first = synth.write_archive(tmp_path / "a", ["2017-07"], rows_per_month=200_000, seed=3)
    elapsed = time.perf_counter() - start
    second = synth.write_archive(tmp_path / "b", ["2017-07"], rows_per_month=200_000, seed=3)
    assert [p.name for p in first] == ["2017-07.zip"]
    assert first[0].read_bytes() == second[0].read_bytes()
    with zipfile.ZipFile(first[0]) as archive:
        names = archive.namelist()
        assert len(names) == 44
        assert "2017-07/2017-07-cambridgeshire-street.csv" in names
        assert not any("northern-ireland" in n for n in names)
        total = sum(archive.read(n).count(b"\r\n") - 1 for n in names)
        met = archive.read("2017-07/2017-07-metropolitan-street.csv").count(b"\r\n") - 1
    assert 180_000 < total < 250_000                 # July is a high month
    assert 0.12 < met / total < 0.2                  # the Met is about 16% of England and Wales
    assert elapsed < 20


def test_seasonality_and_seed(tmp_path):
    def asb_rows(month, seed=0):
        data = synth.generate_month("kent", month, 20_000, seed=seed)
        return data.count(b",Anti-social behaviour,")
    assert asb_rows("2017-07") > asb_rows("2017-12") * 1.25
    assert synth.generate_month("kent", "2017-07", 500, seed=0) != synth.generate_month("kent", "2017-07", 500, seed=1)


def test_folders_and_cli(tmp_path, capsys):
    assert synth.main([str(tmp_path), "--months", "2017-01..2017-02", "--rows-per-month", "3000",
                       "--forces", "cambridgeshire,norfolk", "--no-zip"]) == 0
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.csv"))
    assert files == ["2017-01/2017-01-cambridgeshire-street.csv", "2017-01/2017-01-norfolk-street.csv",
                     "2017-02/2017-02-cambridgeshire-street.csv", "2017-02/2017-02-norfolk-street.csv"]
    assert "wrote 4 file(s)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--months", "2017-13"], "month '2017-13': expected YYYY-MM, e.g. 2017-01"),
        (["--months", "2017-05..2017-01"], "--months '2017-05..2017-01': 2017-01 is before 2017-05; expected START..END"),
        (["--months", "2017-01", "--forces", "cambs"], "unknown force slug(s) cambs; expected data.police.uk slugs"),
        (["--months", "2017-01", "--rows-per-month", "-5"], "rows per month: found -5; expected zero or more"),
    ],
)
def test_cli_errors(tmp_path, argv, message):
    with pytest.raises(PerfkitError) as err:
        synth.main([str(tmp_path)] + argv)
    assert str(err.value).startswith(message)
