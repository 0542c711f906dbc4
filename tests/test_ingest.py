"""``perfkit ingest``: acceptance against real files, zip archives, idempotence, revisions,
harmonisation of the 2013 categories, atomicity (including a killed process) and progress."""

from __future__ import annotations

import csv
import hashlib
import os
import signal
import subprocess
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from perfkit import data
from perfkit.data import ingest as ingest_module
from perfkit.errors import DataError
from perfkit.data.ingest import STREET_COLUMNS, ingest, main
from perfkit.data.store import Store

ROOT = Path(__file__).resolve().parents[1]
STREET = "police-uk-street-2014"


def snapshot(store: Path) -> dict[str, str]:
    return {
        str(p.relative_to(store.parent)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(store.parent.rglob("*")) if p.is_file()
    }


def file_counts(folder: Path) -> Counter:
    """(force, month, crime type) -> number of rows, counted straight from the CSVs."""
    counts: Counter = Counter()
    for path in folder.rglob("*-street.csv"):
        month, force = path.name[:7], path.name[8:-len("-street.csv")]
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                counts[(force, month, row["Crime type"])] += 1
    return counts


@pytest.fixture(scope="module")
def street_store(shared_data, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("street") / "store"
    ingest("police-uk", [shared_data / STREET], root, progress=False)
    return root


def test_acceptance_every_force_month_and_crime_type_matches_the_files(shared_data, street_store):
    expected = file_counts(shared_data / STREET)
    frame = data.monthly_counts(store=street_store, by=("month", "force", "crime_type"))
    got = {(r.force, str(r.month), r.crime_type): r.count for r in frame.itertuples() if r.count > 0}
    assert got == {k: float(v) for k, v in expected.items()}
    assert len({(f, m) for f, m, _ in expected}) == 6 * 11


def test_acceptance_cambridgeshire_january_2014(street_store):
    rows = data.incidents("cambridgeshire", "2014-01", "2014-01", store=street_store)
    assert len(rows) == 5434
    assert (rows["crime_type"] == "Anti-social behaviour").sum() == 1840
    # Identical ASB rows are separate incidents: they are all kept.
    assert rows.duplicated(keep=False).sum() > 400
    assert rows["crime_id"].isna().sum() >= 1840
    assert list(rows.columns[:10]) == [
        "month", "force", "crime_id", "crime_type", "lsoa_code", "lsoa_name", "district",
        "longitude", "latitude", "outcome",
    ]
    assert str(rows["month"].dtype) == "period[M]"
    south = rows[rows["lsoa_name"] == "South Cambridgeshire 012C"]
    assert set(south["district"]) <= {"South Cambridgeshire"}
    assert {"Cambridge", "Peterborough", "Fenland", "Huntingdonshire", "East Cambridgeshire", "South Cambridgeshire"} <= set(rows["district"])


def test_zip_archive_as_downloaded_gives_the_same_rows(shared_data, tmp_path):
    archive = tmp_path / "2014-01.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted((shared_data / STREET / "2014-01").glob("*.csv"))[:2]:
            z.write(path, f"2014-01/{path.name}")
    store = tmp_path / "store"
    result = ingest("police-uk", [archive], store, progress=False)
    assert len(result.files_added) == 2 and "2014-01.zip!2014-01/" in result.files_added[0]
    frame = data.monthly_counts(start="2014-01", end="2014-01", by=("month", "force"), store=store)
    expected = {p.name[8:-11]: len(p.read_bytes().splitlines()) - 1 for p in sorted((shared_data / STREET / "2014-01").glob("*.csv"))[:2]}
    assert dict(zip(frame["force"], frame["count"])) == expected


def test_outcomes_files_are_stored(shared_data, tmp_path):
    path = shared_data / "police-uk-street-outcomes-2013-06" / "2013-06-cambridgeshire-outcomes.csv"
    store = tmp_path / "store"
    ingest("police-uk", [path], store, progress=False)
    rows = data.outcomes("cambridgeshire", store=store)
    assert len(rows) == len(path.read_bytes().splitlines()) - 1
    assert {"crime_id", "outcome_type", "district"} <= set(rows.columns)


def test_ingesting_the_same_files_twice_changes_nothing(shared_data, tmp_path):
    folder = shared_data / STREET / "2014-02"
    store = tmp_path / "s" / "store"
    store.parent.mkdir()
    ingest("police-uk", [folder], store, progress=False)
    before = snapshot(store)
    again = ingest("police-uk", [folder], store, progress=False)
    assert again.files_added == [] and len(again.files_skipped) == 6
    assert snapshot(store) == before


def street_lines(shared_data: Path, name: str) -> list[str]:
    return (shared_data / STREET / name[:7] / name).read_text(encoding="utf-8").splitlines()


def test_a_newer_release_replaces_the_older_and_the_revision_is_recorded(shared_data, tmp_path):
    name = "2014-03-suffolk-street.csv"
    lines = street_lines(shared_data, name)
    old = tmp_path / "release1" / name
    old.parent.mkdir()
    # The first release lacks the last 30 rows (late-recorded crimes arrive in the next release).
    old.write_text("\r\n".join(lines[:-30]) + "\r\n", encoding="utf-8")
    store = tmp_path / "store"
    ingest("police-uk", [old], store, progress=False)
    result = ingest("police-uk", [shared_data / STREET / "2014-03" / name], store, progress=False)
    assert result.partitions_replaced == [("suffolk", "2014-03")]
    missing = Counter(next(csv.reader([line]))[9] for line in lines[-30:])
    revs = data.revisions(store=store)
    assert list(revs.columns[:6]) == ["month", "force", "crime_type", "old_count", "new_count", "ingested_at_source"]
    assert {r.crime_type: r.new_count - r.old_count for r in revs.itertuples()} == dict(missing)
    assert set(revs["force"]) == {"suffolk"} and str(revs["month"].dtype) == "period[M]"
    total = data.monthly_counts("suffolk", by=("month",), store=store)["count"].iloc[0]
    assert total == len(lines) - 1
    assert len(data.incidents("suffolk", store=store)) == len(lines) - 1


def test_old_categories_are_harmonised_without_hiding(tmp_path):
    header = ",".join(STREET_COLUMNS)
    def row(crime):
        return f"id,2013-04,Suffolk Constabulary,Suffolk Constabulary,1.1,52.1,On or near X,E01030000,Ipswich 001A,{crime},Under investigation,"
    rows = [row("Violent crime")] * 3 + [row("Public disorder and weapons")] * 2 + [row("Other theft"), row("Burglary")]
    path = tmp_path / "2013-04-suffolk-street.csv"
    path.write_text("\r\n".join([header, *rows]) + "\r\n", encoding="utf-8")
    store = tmp_path / "store"
    ingest("police-uk", [path], store, progress=False)
    rows_ = data.incidents("suffolk", store=store)
    assert len(rows_) == 7  # nothing dropped
    assert (rows_["crime_type"] == "Violence and sexual offences").sum() == 3
    assert (rows_["crime_type_original"] == "Violent crime").sum() == 3
    assert (rows_["crime_type"] == "Public disorder and weapons").sum() == 2
    changes = data.recording_changes(store=store).set_index("crime_type_original")
    assert changes.loc["Violent crime", "mapped"] and changes.loc["Violent crime", "rows"] == 3
    assert not changes.loc["Public disorder and weapons", "mapped"]
    assert not changes.loc["Other theft", "mapped"] and "not comparable" in changes.loc["Other theft", "note"]


def test_a_failure_midway_leaves_the_store_exactly_as_it_was(shared_data, tmp_path, monkeypatch):
    store = tmp_path / "s" / "store"
    store.parent.mkdir()
    ingest("police-uk", [shared_data / STREET / "2014-01"], store, progress=False)
    before = snapshot(store)
    real = ingest_module._parse_police
    calls = {"n": 0}

    def failing(source, known, today, pending):
        calls["n"] += 1
        if calls["n"] == 5:
            raise DataError("simulated failure after four files were written")
        return real(source, known, today, pending)

    monkeypatch.setattr(ingest_module, "_parse_police", failing)
    with pytest.raises(DataError, match="simulated"):
        ingest("police-uk", [shared_data / STREET / "2014-02"], store, progress=False, workers=1)
    assert snapshot(store) == before


#: ``perfkit ingest`` as the command line runs it, each file's reading slowed by 40 ms: the 60 files
#: took about 1 s, and under a loaded ``make test`` the signal, sent once three files were in, once
#: arrived after the last point where a stop is taken (the ingest finished and exited 0). Now at
#: least 2 s of files remain when the signal is sent.
SLOW_INGEST = """
import sys, time
import perfkit.data.ingest as ingest
from perfkit import cli

parse = ingest._parse_police
ingest._parse_police = lambda *args, **kwargs: (time.sleep(0.04), parse(*args, **kwargs))[1]
sys.exit(cli.main(sys.argv[1:]))
"""


def _interrupt_an_ingest(shared_data, tmp_path, sig: int):
    """Store one month, then ingest the rest in a subprocess and send ``sig`` while it is writing.

    Returns the store, its snapshot before, the finished process, its stderr, and whether the
    signal was sent (once the staging folder held a few new force-months).
    """
    store = tmp_path / "s" / "store"
    store.parent.mkdir()
    ingest("police-uk", [shared_data / STREET / "2014-01"], store, progress=False)
    before = snapshot(store)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_INGEST, "ingest", "police-uk", str(shared_data / STREET), "--store", str(store),
         "--workers", "1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 60
    sent = False
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list(store.parent.glob(".store.staging-*/incidents/*/2014-0[2-9].parquet"))) >= 3:
            proc.send_signal(sig)
            sent = True
            break
        time.sleep(0.005)
    _out, err = proc.communicate()
    return store, before, proc, err, sent


def test_a_killed_ingest_leaves_the_store_exactly_as_it_was(shared_data, tmp_path):
    store, before, proc, _err, sent = _interrupt_an_ingest(shared_data, tmp_path, signal.SIGKILL)
    assert sent, "the ingest finished before it could be killed"
    assert proc.returncode == -signal.SIGKILL
    store_only = {k: v for k, v in snapshot(store).items() if not k.startswith(".store.staging-")}
    assert store_only == before
    # The next ingest clears the leftover staging folder and works.
    ingest("police-uk", [shared_data / STREET / "2014-02"], store, progress=False)
    assert not list(store.parent.glob(".store.staging-*"))
    assert data.last_month(store=store) == pd.Period("2014-02", "M")


def test_adding_a_month_hard_links_the_rest(shared_data, tmp_path):
    store = tmp_path / "store"
    ingest("police-uk", [shared_data / STREET / "2014-01"], store, progress=False)
    first = Store(store).generation / "incidents" / "essex" / "2014-01.parquet"
    inode = first.stat().st_ino
    ingest("police-uk", [shared_data / STREET / "2014-02"], store, progress=False)
    gen = Store(store).generation
    assert (gen / "incidents" / "essex" / "2014-01.parquet").stat().st_ino == inode
    # The live generation, and the previous one kept for readers until the next ingest.
    assert len(list(store.glob("gen-*"))) == 2


def test_counts_files_and_their_revisions(tmp_path):
    first = tmp_path / "counts-v1.csv"
    first.write_text("month,force,crime_type,count\n2015-01,cambridgeshire,Burglary,400\n2015-01,cambridgeshire,Anti-social behaviour,900\n"
                     "2015-02,cambridgeshire,Burglary,380\n2015-01,cambridgeshire,All,1300\n", encoding="utf-8")
    second = tmp_path / "counts-v2.csv"
    second.write_text("month,force,crime_type,count\n2015-02,cambridgeshire,Burglary,391\n2015-02,cambridgeshire,Anti-social behaviour,870\n", encoding="utf-8")
    store = tmp_path / "store"
    ingest("counts", [first], store, progress=False)
    result = ingest("counts", [second], store, progress=False)
    assert result.partitions_replaced == [("cambridgeshire", "2015-02")]
    revs = data.revisions(store=store)
    burglary = revs[revs["crime_type"] == "Burglary"].iloc[0]
    assert (burglary["old_count"], burglary["new_count"]) == (380, 391)
    frame = data.monthly_counts("cambridgeshire", by=("month", "crime_type"), store=store)
    got = {(str(r.month), r.crime_type): r.count for r in frame.itertuples()}
    assert got[("2015-02", "Burglary")] == 391 and got[("2015-01", "Anti-social behaviour")] == 900


def test_progress_is_plain_lines_when_not_a_terminal(shared_data, tmp_path, capsys):
    assert main(["police-uk", str(shared_data / STREET / "2014-01"), "--store", str(tmp_path / "store")]) == 0
    err = capsys.readouterr().err
    assert "perfkit ingest: [1/6]" in err and "perfkit ingest: [6/6]" in err
    assert "\r" not in err
    assert "6 file(s) added" in err


def test_progress_bar_on_a_terminal():
    class Tty:
        def __init__(self):
            self.text = ""
        def isatty(self):
            return True
        def write(self, s):
            self.text += s
        def flush(self):
            pass
    out = Tty()
    bar = ingest_module._Progress(2, stream=out)
    bar.step("a.csv", 10)
    bar.step("b.csv", 20)
    bar.close()
    # tqdm draws the bar in place: files done of the total, rows so far in its postfix.
    assert "\r" in out.text and "2/2" in out.text and "30 rows" in out.text and "perfkit ingest" in out.text


def test_sigterm_aborts_cleanly(shared_data, tmp_path):
    store, before, proc, err, sent = _interrupt_an_ingest(shared_data, tmp_path, signal.SIGTERM)
    assert sent, "the ingest finished before it could be stopped"
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert snapshot(store) == before  # and no staging folder left beside it


def test_a_stop_request_dropped_by_the_interpreter_still_stops_the_ingest(shared_data, tmp_path):
    """SIGTERM's KeyboardInterrupt can be raised inside an object's clean-up and dropped there; the
    remembered request stops the ingest at the next file, and the store is as it was."""
    store = tmp_path / "store"
    ingest("police-uk", [shared_data / STREET / "2014-01"], store, progress=False)
    before = snapshot(store)
    ingest_module._STOP.set()
    try:
        with pytest.raises(KeyboardInterrupt):
            ingest("police-uk", [shared_data / STREET / "2014-02"], store, progress=False)
    finally:
        ingest_module._STOP.clear()
    assert snapshot(store) == before


def test_bench_runs_at_a_tiny_scale(tmp_path):
    """bench/ingest.py end to end on a few thousand rows (the real figures need `python bench/ingest.py`)."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "ingest.py"), "--months", "1", "--rows-per-month", "3000",
         "--skip-increment", "--work", str(tmp_path / "work"), "--json", str(tmp_path / "figures.json")],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    for line in ("rows per second", "peak memory", "ingest / DuckDB scan", "CPU time ratio"):
        assert line in proc.stdout
    import json

    figures = json.loads((tmp_path / "figures.json").read_text())["scan"]
    assert figures["rows"] > 2000 and figures["ingest_peak_mb"] > 0 and figures["ratio"] > 0


def test_a_folder_that_is_not_a_store_is_refused(shared_data, tmp_path):
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "gen-notes").mkdir()
    (folder / "letter.txt").write_text("keep me")
    with pytest.raises(DataError, match="not a perfkit store"):
        ingest("police-uk", [shared_data / STREET / "2014-01" / "2014-01-suffolk-street.csv"], folder, progress=False)
    assert sorted(p.name for p in folder.iterdir()) == ["gen-notes", "letter.txt"]


def test_a_population_or_workforce_file_lacking_territorial_forces_is_named_in_one_warning(tmp_path, capsys,
                                                                                           project_root):
    shipped = project_root / "data" / "shipped"
    store = str(tmp_path / "store")
    assert main(["population", str(shipped / "population-pfa.csv"), "--store", store, "--quiet"]) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if "warning:" in line]
    assert lines == ["perfkit ingest: warning: data/shipped/population-pfa.csv: no figures for 4 of the 43 territorial "
                     "forces (Dyfed-Powys, Gwent, North Wales, South Wales); their rates per 1,000 residents will say "
                     "the population file has none"]
    # a file covering every territorial force: no warning
    from perfkit.config.forces import all_slugs

    whole = tmp_path / "population-all.csv"
    whole.write_text("year,force,population\n" + "".join(f"2017,{f},100000\n" for f in all_slugs(territorial_only=True)),
                     encoding="utf-8")
    assert main(["population", str(whole), "--store", str(tmp_path / "store2"), "--quiet"]) == 0
    assert "warning:" not in capsys.readouterr().err
