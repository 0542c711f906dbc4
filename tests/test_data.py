"""``perfkit.data``: monthly counts (NaN for missing months, never 0), the other queries,
``perfkit counts`` and the default store built from ``data/shipped``."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from perfkit import cli, config, data
from perfkit.errors import ConfigError, DataError
from perfkit.data.ingest import STREET_COLUMNS, ingest

HEADER = ",".join(STREET_COLUMNS)


def street(folder: Path, month: str, force: str, falls: str, crimes: dict[str, int]) -> Path:
    rows = []
    for crime, n in crimes.items():
        asb = crime == "Anti-social behaviour"
        for i in range(n):
            rows.append(
                f"{'' if asb else f'id{i}'},{month},{falls},{falls},0.12,52.2,On or near X,E01017975,"
                f"Cambridge 001A,{crime},{'' if asb else 'Under investigation'},"
            )
    path = folder / f"{month}-{force}-street.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\r\n".join([HEADER, *rows]) + "\r\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """Cambridgeshire row-level 2014-01 and 2014-03 (no 2014-02); Essex from a counts file."""
    tmp = tmp_path_factory.mktemp("data")
    falls = "Cambridgeshire Constabulary"
    files = [
        street(tmp / "in", "2014-01", "cambridgeshire", falls, {"Burglary": 3, "Anti-social behaviour": 2, "Robbery": 1}),
        street(tmp / "in", "2014-03", "cambridgeshire", falls, {"Burglary": 4, "Anti-social behaviour": 1}),
    ]
    root = tmp / "store"
    ingest("police-uk", files, root, progress=False)
    counts = tmp / "in" / "counts.csv"
    counts.write_text(
        "month,force,crime_type,count\n"
        "2014-01,essex,Burglary,10\n2014-01,essex,Anti-social behaviour,20\n"
        "2014-02,essex,Burglary,11\n"  # no ASB row for 2014-02: a gap, not zero
        "2014-03,essex,Burglary,12\n2014-03,essex,Anti-social behaviour,22\n",
        encoding="utf-8",
    )
    ingest("counts", [counts], root, progress=False)
    return root


def as_dict(frame: pd.DataFrame, *keys: str) -> dict:
    return {tuple(str(v) for v in row[:-1]): row[-1] for row in frame[[*keys, "count"]].itertuples(index=False)}


def test_missing_month_is_nan_and_absent_type_in_a_published_month_is_zero(store):
    frame = data.monthly_counts("cambridgeshire", store=store)
    assert list(frame.columns) == ["month", "force", "crime_type", "count"]
    assert str(frame["month"].dtype) == "period[M]"
    got = as_dict(frame, "month", "crime_type")
    assert got[("2014-01", "Burglary")] == 3
    assert math.isnan(got[("2014-02", "Burglary")])  # no data that month
    assert got[("2014-03", "Robbery")] == 0  # published, and no robbery
    assert math.isnan(got[("2014-02", "Robbery")])


def test_all_crime_excludes_anti_social_behaviour(store):
    frame = data.monthly_counts("cambridgeshire", "all_crime", by=("month",), store=store)
    assert list(frame.columns) == ["month", "count"]
    assert frame["count"].iloc[0] == 4 and math.isnan(frame["count"].iloc[1]) and frame["count"].iloc[2] == 4


def test_counts_file_gap_is_nan_and_totals_over_forces_are_not_partial(store):
    essex = as_dict(data.monthly_counts("essex", store=store), "month", "crime_type")
    assert essex[("2014-02", "Burglary")] == 11
    assert math.isnan(essex[("2014-02", "Anti-social behaviour")])
    both = as_dict(data.monthly_counts(crime_type="all_crime", by=("month",), store=store), "month")
    assert both[("2014-01",)] == 14 and math.isnan(both[("2014-02",)]) and both[("2014-03",)] == 16


def test_span_beyond_the_data_is_nan(store):
    frame = data.monthly_counts("essex", "Burglary", "2013-12", "2014-04", by=("month", "force"), store=store)
    assert len(frame) == 5
    assert frame["count"].isna().tolist() == [True, False, False, False, True]


def test_by_district_and_outcome(store):
    frame = data.monthly_counts("cambridgeshire", start="2014-01", end="2014-01", by=("month", "district", "outcome"), store=store)
    got = as_dict(frame, "district", "outcome")
    assert got[("Cambridge", "Under investigation")] == 4
    assert got[("Cambridge", "nan")] == 2  # ASB has no outcome


def test_bad_arguments(store):
    with pytest.raises(ConfigError, match="expected 'month'"):
        data.monthly_counts(by=("force",), store=store)
    with pytest.raises(ConfigError, match="Burglery"):
        data.monthly_counts(crime_type="Burglery", store=store)
    with pytest.raises(DataError, match="unknown police force"):
        data.monthly_counts("gotham", store=store)
    with pytest.raises(DataError, match="no data store here"):
        data.monthly_counts(store=store.parent / "nowhere")


def test_incidents_last_month_inputs(store):
    rows = data.incidents("cambridgeshire", store=store)
    assert len(rows) == 11 and set(rows["district"]) == {"Cambridge"}
    assert data.last_month(store=store) == pd.Period("2014-03", "M")
    assert data.last_month("cambridgeshire", store=store) == pd.Period("2014-03", "M")
    inputs = data.store_inputs(store=store)
    assert {i["kind"] for i in inputs} == {"police-uk", "counts"} and all(len(i["sha256"]) == 64 for i in inputs)
    assert data.revisions(store=store).empty


def test_counts_command(store, capsys):
    assert cli.main(["counts", "--forces", "cambridgeshire", "--from", "2014-01", "--to", "2014-03", "--by", "month", "--store", str(store)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["month,force,count", "2014-01,cambridgeshire,6", "2014-02,cambridgeshire,", "2014-03,cambridgeshire,5"]
    assert cli.main(["counts", "--forces", "essex", "--by", "month,crime_type", "--store", str(store)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "month,force,crime_type,count"
    assert "2014-02,essex,Anti-social behaviour," in out


def test_counts_command_on_the_real_2014_files(shared_data, tmp_path, capsys):
    store = tmp_path / "store"
    ingest("police-uk", [shared_data / "police-uk-street-2014" / "2014-01"], store, progress=False)
    assert cli.main(["counts", "--forces", "cambridgeshire", "--from", "2014-01", "--to", "2014-01", "--by", "month,crime_type", "--store", str(store)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "month,force,crime_type,count"
    assert "2014-01,cambridgeshire,Anti-social behaviour,1840" in out
    assert sum(int(line.rsplit(",", 1)[1]) for line in out[1:]) == 5434


def test_default_store_is_built_from_shipped_data(tmp_path, monkeypatch):
    if not (config.shipped_dir() / "MANIFEST.yaml").exists():
        pytest.skip("data/shipped is not built yet")
    # A checkout of its own (PERFKIT_ROOT) whose data/shipped is the project's.
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "shipped").symlink_to(config.shipped_dir())
    monkeypatch.setenv("PERFKIT_ROOT", str(tmp_path))
    monkeypatch.delenv("PERFKIT_STORE", raising=False)
    root = data.ensure_store()
    assert root == tmp_path / "data" / "store"
    generation = (root / "CURRENT").read_text()
    assert data.ensure_store() == root and (root / "CURRENT").read_text() == generation  # up to date: untouched
    cambs = data.monthly_counts("cambridgeshire", "Anti-social behaviour", "2014-01", "2014-01", by=("month",))
    assert cambs["count"].tolist() == [1840]
    kinds = {i["kind"] for i in data.store_inputs()}
    assert {"counts", "police-uk"} <= kinds
    # 2014 comes from Cambridgeshire's rows plus five neighbours' counts; the rest of the country is NaN.
    national = data.monthly_counts(crime_type="all_crime", start="2014-12", end="2015-01", by=("month",))
    assert math.isnan(national["count"].iloc[0]) and national["count"].iloc[1] > 200_000
    # The reconciliation in DOMAIN.md: data.police.uk crimes excluding ASB against recorded crime
    # excluding fraud, Cambridgeshire, financial years 2015/16 to 2017/18.
    for start, end, police_uk, recorded in [("2015-04", "2016-03", 48_261, 48_647),
                                            ("2016-04", "2017-03", 57_383, 57_899),
                                            ("2017-04", "2018-03", 65_488, 66_194)]:
        months = data.monthly_counts("cambridgeshire", "all_crime", start, end, by=("month",))
        assert months["count"].sum() == police_uk and months["count"].notna().all()
        prc = data.recorded_crime("cambridgeshire", "all_excluding_fraud")
        assert prc.loc[prc["period_end"] == pd.Timestamp(end) + pd.offsets.MonthEnd(0), "count"].item() == recorded


def _fake_root(root: Path, counts: str, manifest: bool = True) -> Path:
    shipped = root / "data" / "shipped"
    shipped.mkdir(parents=True, exist_ok=True)
    (shipped / "counts-test.csv").write_text("month,force,crime_type,count\n" + counts, encoding="utf-8")
    if manifest:
        (shipped / "MANIFEST.yaml").write_text("files:\n- file: counts-test.csv\n  kind: counts\n", encoding="utf-8")
    return shipped


def test_a_named_store_is_never_merged_with_the_shipped_data(tmp_path, monkeypatch):
    """--store and PERFKIT_STORE name a store that holds only what was ingested into it."""
    monkeypatch.setenv("PERFKIT_ROOT", str(tmp_path))
    _fake_root(tmp_path, "2015-01,suffolk,Burglary,10\n")
    own = tmp_path / "mine.csv"
    own.write_text("month,force,crime_type,count\n2015-01,essex,Robbery,7\n", encoding="utf-8")
    named = tmp_path / "named"
    ingest("counts", [own], named, progress=False)
    monkeypatch.setenv("PERFKIT_STORE", str(named))
    assert data.ensure_store() == named
    frame = data.monthly_counts(by=("month", "force", "crime_type"))
    assert set(frame["force"]) == {"essex"}  # no shipped Suffolk rows merged in
    assert not (tmp_path / "data" / "store").exists()


def test_default_store_is_rebuilt_when_shipped_files_change(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFKIT_ROOT", str(tmp_path))
    monkeypatch.delenv("PERFKIT_STORE", raising=False)
    shipped = _fake_root(tmp_path, "2015-01,suffolk,Burglary,10\n")
    root = data.ensure_store()
    assert root == tmp_path / "data" / "store"
    assert data.monthly_counts("suffolk", "Burglary", by=("month",))["count"].tolist() == [10]
    (shipped / "counts-test.csv").write_text("month,force,crime_type,count\n2015-01,suffolk,Burglary,12\n", encoding="utf-8")
    assert data.monthly_counts("suffolk", "Burglary", by=("month",))["count"].tolist() == [12]
    assert data.revisions().empty  # a rebuild, not a revision: the store holds only shipped data


def test_default_store_with_own_files_is_updated_not_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFKIT_ROOT", str(tmp_path))
    monkeypatch.delenv("PERFKIT_STORE", raising=False)
    shipped = _fake_root(tmp_path, "2015-01,suffolk,Burglary,10\n")
    data.ensure_store()
    own = tmp_path / "mine.csv"
    own.write_text("month,force,crime_type,count\n2015-01,essex,Robbery,7\n", encoding="utf-8")
    ingest("counts", [own], progress=False)
    (shipped / "counts-test.csv").write_text("month,force,crime_type,count\n2015-01,suffolk,Burglary,11\n", encoding="utf-8")
    frame = data.monthly_counts(by=("month", "force", "crime_type"))
    got = as_dict(frame.dropna(), "force", "crime_type")
    assert got[("essex", "Robbery")] == 7 and got[("suffolk", "Burglary")] == 11


def test_shipped_files_found_by_name_without_a_manifest(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFKIT_ROOT", str(tmp_path))
    monkeypatch.delenv("PERFKIT_STORE", raising=False)
    _fake_root(tmp_path, "2015-01,suffolk,Burglary,10\n", manifest=False)
    assert data.monthly_counts("suffolk", "Burglary", by=("month",))["count"].tolist() == [10]
