"""data/shipped: the default dataset is small, described by its manifest, readable, and rebuildable."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import zipfile

import pandas as pd
import pytest
import yaml

from perfkit.data import sources

READERS = {
    "counts": sources.read_counts,
    "prc": sources.read_prc,
    "population": sources.read_population,
    "collisions": sources.read_collisions,
    "workforce": sources.read_workforce,
}


@pytest.fixture(scope="module")
def manifest(project_root):
    return yaml.safe_load((project_root / "data/shipped/MANIFEST.yaml").read_text())


def test_manifest_lists_every_file_with_hash(project_root, manifest):
    shipped = project_root / "data/shipped"
    listed = {e["file"] for e in manifest["files"]}
    assert listed == {p.name for p in shipped.iterdir()} - {"MANIFEST.yaml"}
    total = 0
    for entry in manifest["files"]:
        data = (shipped / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file"]
        assert entry["kind"] in {"counts", "police-uk", "prc", "population", "collisions", "workforce"}
        assert entry["kind"] != "collisions" or entry.get("force"), "a collisions file names its force"
        assert "Open Government Licence v3.0" in entry["licence"]
        assert len(data) < 3_500_000
        total += len(data)
    assert total < 5_000_000
    assert "Open Government Licence v3.0" in manifest["attribution"]


def test_every_file_reads_with_its_kind(project_root, manifest):
    shipped = project_root / "data/shipped"
    for entry in manifest["files"]:
        if entry["kind"] in READERS:
            extra = {"force": entry["force"]} if "force" in entry else {}
            frame = READERS[entry["kind"]](shipped / entry["file"], **extra)
            assert len(frame) == entry["rows"], entry["file"]


def test_reference_values(project_root):
    shipped = project_root / "data/shipped"
    counts = sources.read_counts(shipped / "counts-2015-2018.csv.gz")
    assert counts["force"].nunique() == 45
    assert counts["month"].min() == pd.Period("2015-01", "M") and counts["month"].max() == pd.Period("2018-09", "M")
    cambs = counts[counts["force"] == "cambridgeshire"].groupby(counts["month"].astype(str))["count"].sum()
    assert (cambs["2015-01"], cambs["2017-07"], cambs["2018-09"]) == (5001, 8053, 6663)
    c2014 = sources.read_counts(shipped / "counts-2014-neighbours.csv.gz")
    assert set(c2014["force"]) == {"bedfordshire", "essex", "hertfordshire", "norfolk", "suffolk"}
    assert c2014["month"].astype(str).nunique() == 11
    prc = sources.read_prc(shipped / "recorded-crime-pfa.csv.gz")
    ex = prc[(prc["force"] == "cambridgeshire") & (prc["offence"] != "Fraud offences")].groupby("period_end")["count"].sum()
    assert (ex[pd.Timestamp("2016-03-31")], ex[pd.Timestamp("2017-03-31")]) == (48647, 57899)
    pop = sources.read_population(shipped / "population-pfa.csv")
    assert int(pop[(pop["force"] == "cambridgeshire") & (pop["year"] == 2015)]["population"].iloc[0]) == 835181
    wf = sources.read_workforce(shipped / "workforce-officer-fte.csv")
    cam = wf[wf["force"] == "cambridgeshire"].set_index("date")["officer_fte"]
    assert cam[pd.Timestamp("2014-09-30")] == 1354.36 and cam[pd.Timestamp("2016-09-30")] == 1339.1


def test_street_zip_is_the_published_files(project_root, shared_data):
    with zipfile.ZipFile(project_root / "data/shipped/police-uk-street-cambridgeshire-2014.zip") as archive:
        names = archive.namelist()
        assert names == [f"2014-{m:02d}/2014-{m:02d}-cambridgeshire-street.csv" for m in range(1, 12)]
        for name in names:
            assert archive.read(name) == (shared_data / "police-uk-street-2014" / name).read_bytes()
        jan = pd.read_csv(io.BytesIO(archive.read(names[0])), dtype=str, keep_default_na=False)
    assert len(jan) == 5434 and (jan["Crime type"] == "Anti-social behaviour").sum() == 1840


def test_rebuild_is_byte_identical(project_root, shared_data, tmp_path):
    result = subprocess.run([sys.executable, str(project_root / "data/build_shipped.py"), "--shared", str(shared_data),
                             "--out", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    for path in (project_root / "data/shipped").iterdir():
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_build_refuses_missing_shared_folder(project_root, tmp_path):
    result = subprocess.run([sys.executable, str(project_root / "data/build_shipped.py"), "--shared", str(tmp_path / "nope"),
                             "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == (f"build_shipped: error: {tmp_path / 'nope'}: folder not found; "
                                     "pass --shared with the path of ../shared/data")
