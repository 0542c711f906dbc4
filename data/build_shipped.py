"""Rebuild ``data/shipped/``, the small real dataset the project ships, from ``../shared/data``.

Usage::

    python data/build_shipped.py [--shared ../shared/data] [--out data/shipped]

The output is deterministic: rerunning on the same inputs gives byte-identical files (rows are
sorted, CSVs use ``\\n`` line ends except the data.police.uk files, which keep their own CRLF
bytes, gzip headers carry no time or name, zip entries carry a fixed date). ``MANIFEST.yaml``
lists every file with its ingest kind, sha256, rows, source and licence.

What is shipped and why
-----------------------
* ``counts-2015-2018.csv.gz`` (kind ``counts``): monthly counts by force and crime type for all 45
  forces, 2015-01..2018-09, from the study file (``All`` rows checked then dropped; study slugs
  mapped to data.police.uk slugs). The national picture and comparator groups need every force.
* ``counts-2014-neighbours.csv.gz`` (kind ``counts``): 2014-01..2014-11 counts for Bedfordshire,
  Essex, Hertfordshire, Norfolk and Suffolk, counted from their street files (one row = one
  incident, duplicates included).
* ``police-uk-street-cambridgeshire-2014.zip`` (kind ``police-uk``): Cambridgeshire's 2014 street
  files, byte for byte, as ``YYYY-MM/YYYY-MM-cambridgeshire-street.csv`` (for the deep dive). No
  Cambridgeshire 2014 counts are shipped, so nothing is counted twice.
* ``recorded-crime-pfa.csv.gz`` (kind ``prc``): the ONS/Home Office table, tidy, all period ends.
* ``population-pfa.csv`` (kind ``population``): ONS mid-year estimates, long form.
* ``collisions-cambridgeshire.csv.gz`` (kind ``collisions``): date and severity of every collision.
* ``workforce-officer-fte.csv`` (kind ``workforce``): officer FTE by force and date from the three
  Home Office workbooks (where two workbooks give the same date, the later publication wins).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # runnable as `python data/build_shipped.py` without installing
    sys.path.insert(0, str(ROOT))

from perfkit.data import sources  # noqa: E402
from perfkit.errors import PerfkitError  # noqa: E402

OGL = "Open Government Licence v3.0"
ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0"
NEIGHBOURS = ("bedfordshire", "essex", "hertfordshire", "norfolk", "suffolk")
WORKBOOKS = (  # oldest publication first, so later ones overwrite revised figures
    "police-workforce-tabs-30sep15.ods",
    "police-workforce-tables-sep16.ods",
    "police-workforce-tables-jan17.ods",
)
STREET_COLUMNS = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
                  "LSOA name,Crime type,Last outcome category,Context")


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _gzip(data: bytes) -> bytes:
    buffer = io.BytesIO()
    # mtime=0 and an empty name keep the gzip header identical between runs.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as handle:
        handle.write(data)
    return buffer.getvalue()


def _counts_2015_2018(shared: Path) -> pd.DataFrame:
    frame = sources.read_counts(shared / "police-uk-force-month-2015-2018.csv")
    frame["month"] = frame["month"].astype(str)
    return frame


def _street_files(shared: Path, force: str) -> list[Path]:
    files = sorted((shared / "police-uk-street-2014").glob(f"*/*-{force}-street.csv"))
    if not files:
        raise PerfkitError(f"{shared / 'police-uk-street-2014'}: no street files for {force}")
    return files


def _counts_2014(shared: Path) -> pd.DataFrame:
    parts = []
    for force in NEIGHBOURS:
        for path in _street_files(shared, force):
            rows = pd.read_csv(path, usecols=["Month", "Crime type"], dtype=str, keep_default_na=False)
            month = path.parent.name
            if set(rows["Month"]) != {month}:
                raise PerfkitError(f"{path}: months {sorted(set(rows['Month']))} disagree with the folder {month}")
            counted = rows.groupby("Crime type").size().rename("count").reset_index()
            counted.insert(0, "force", force)
            counted.insert(0, "month", month)
            parts.append(counted.rename(columns={"Crime type": "crime_type"}))
    frame = pd.concat(parts, ignore_index=True)
    return frame.sort_values(["month", "force", "crime_type"]).reset_index(drop=True)


def _street_zip(shared: Path) -> tuple[bytes, int]:
    buffer = io.BytesIO()
    rows = 0
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in _street_files(shared, "cambridgeshire"):
            data = path.read_bytes()
            if not data.startswith(STREET_COLUMNS.encode()):
                raise PerfkitError(f"{path}: unexpected header; expected {STREET_COLUMNS}")
            rows += data.count(b"\n") - 1
            info = zipfile.ZipInfo(f"{path.parent.name}/{path.name}", date_time=(2014, 12, 31, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=9)
    return buffer.getvalue(), rows


def _prc(shared: Path) -> pd.DataFrame:
    frame = sources.read_prc(shared / "ons-rec-crime-pfa.csv")
    frame["period_end"] = frame["period_end"].dt.strftime("%Y-%m-%d")
    return frame


def _population(shared: Path) -> pd.DataFrame:
    return sources.read_population(shared / "ons-population-pfa.csv")


def _collisions(shared: Path) -> pd.DataFrame:
    frame = sources.read_collisions(shared / "cambs-road-collisions.csv", force="cambridgeshire")
    out = pd.DataFrame({"date": frame["date"].dt.strftime("%Y-%m-%d"), "severity": frame["severity"]})
    return out.sort_values(["date", "severity"]).reset_index(drop=True)


def _workforce(shared: Path) -> pd.DataFrame:
    folder = shared / "home-office-workforce" / "source_data" / "police-population"
    frames = []
    for order, name in enumerate(WORKBOOKS):
        frame = sources.read_workforce(folder / name)
        frame["_order"] = order
        frames.append(frame)
    frame = pd.concat(frames).sort_values(["date", "force", "_order"])
    frame = frame.drop_duplicates(["date", "force"], keep="last").drop(columns="_order")
    frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
    return frame.reset_index(drop=True)


def build(shared: Path, out: Path) -> list[dict]:
    """Write every shipped file and MANIFEST.yaml into ``out``; return the manifest entries."""
    shared, out = Path(shared), Path(out)
    if not shared.is_dir():
        raise PerfkitError(f"{shared}: folder not found; pass --shared with the path of ../shared/data")
    out.mkdir(parents=True, exist_ok=True)
    police = "data.police.uk (Home Office), " + OGL
    entries = []

    def emit(name: str, kind: str, data: bytes, rows: int, source: str, licence: str, note: str,
             force: "str | None" = None) -> None:
        (out / name).write_bytes(data)
        entry = {"file": name, "kind": kind}
        if force:  # a file without a force column says which force it covers (perfkit ingest --force)
            entry["force"] = force
        entries.append({**entry, "sha256": hashlib.sha256(data).hexdigest(),
                        "bytes": len(data), "rows": rows, "source": source, "licence": licence, "note": note})

    counts = _counts_2015_2018(shared)
    emit("counts-2015-2018.csv.gz", "counts", _gzip(_csv_bytes(counts)), len(counts),
         "police-uk-force-month-2015-2018.csv (row counts of data.police.uk street files, wpmarble/salah "
         "1e6b7b9e)", police,
         "All 45 forces, 2015-01..2018-09, 14 crime types; study slugs mapped to data.police.uk slugs; "
         "'All' rows checked against the sum of types, then dropped. Known gaps kept as gaps (btp 2016-02/03, "
         "metropolitan 2018-09, some ASB force-months). Cambridgeshire 2018-05 is a partial data feed.")
    c2014 = _counts_2014(shared)
    emit("counts-2014-neighbours.csv.gz", "counts", _gzip(_csv_bytes(c2014)), len(c2014),
         "police-uk-street-2014 street files (MatthewDooler/gpscrime b87fd3f2)", police,
         "2014-01..2014-11 for " + ", ".join(NEIGHBOURS) + ", counted from street-file rows (every row "
         "is an incident). Cambridgeshire 2014 is shipped as street rows instead, never as counts, so the "
         "store does not count it twice.")
    street, rows = _street_zip(shared)
    emit("police-uk-street-cambridgeshire-2014.zip", "police-uk", street, rows,
         "police-uk-street-2014 street files (MatthewDooler/gpscrime b87fd3f2)", police,
         "Cambridgeshire 2014-01..2014-11 street files byte for byte (12 original columns, CRLF), "
         "as YYYY-MM/YYYY-MM-cambridgeshire-street.csv; no 2014-12 was published in the source.")
    prc = _prc(shared)
    emit("recorded-crime-pfa.csv.gz", "prc", _gzip(_csv_bytes(prc)), len(prc),
         "ONS/Home Office police recorded crime by PFA (12345678910aditi/Crime_Project d11098b5)",
         "ONS / Home Office, " + OGL,
         "Tidy period_end,force,offence,count; period ends set to the month end (30-12-2017 -> 2017-12-31); "
         "Action Fraud, CIFAS and UK Finance kept under slugs action-fraud, cifas, uk-finance with offence "
         "'Fraud offences'; negative adjustments kept.")
    pop = _population(shared)
    emit("population-pfa.csv", "population", _csv_bytes(pop), len(pop),
         "ONS mid-year population estimates by PFA (LeonardoCastro/BritishDrugDynamics cb7ccf54)",
         "ONS, " + OGL, "39 English PFAs, 2009-2019 (no Welsh forces in the source), long form.")
    col = _collisions(shared)
    emit("collisions-cambridgeshire.csv.gz", "collisions", _gzip(_csv_bytes(col)), len(col),
         "Cambridgeshire road traffic collisions, STATS19 (jschnab/cambridge-collisions 91f09fdc)",
         "Cambridgeshire County Council (Cambridgeshire Insight open data), " + OGL,
         "One row per collision, date and severity only, 2012-01-01..2017-10-31 (2017 partial); "
         "KSI = Fatal + Serious.", force="cambridgeshire")
    wf = _workforce(shared)
    emit("workforce-officer-fte.csv", "workforce", _csv_bytes(wf), len(wf),
         "Home Office Police workforce, England and Wales, Table 1 of the Sep 2015, Sep 2016 and Jan 2017 "
         "workbooks (Resistance-Lab/resistancelab_data 625e7201)", "Home Office, " + OGL,
         "Officer FTE by force (43 forces and BTP) at 30 Sep 2014 .. 30 Sep 2017; a later publication's "
         "figure replaces an earlier one for the same date.")

    manifest = {
        "description": "Derived, read-only default dataset for perfkit; rebuild with `python data/build_shipped.py`.",
        "attribution": ATTRIBUTION,
        "double_counting": "Cambridgeshire 2014 is shipped only as street rows (police-uk); the 2014 counts "
                           "file holds the five neighbouring forces only.",
        "files": entries,
    }
    text = yaml.safe_dump(manifest, sort_keys=False, width=100, allow_unicode=False)
    (out / "MANIFEST.yaml").write_text("# Generated by data/build_shipped.py; do not edit.\n" + text,
                                       encoding="utf-8", newline="\n")
    return entries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rebuild data/shipped/ from ../shared/data.")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data",
                        help="folder of the shared real data (default: ../shared/data beside the checkout)")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "shipped",
                        help="output folder (default: data/shipped)")
    args = parser.parse_args(argv)
    try:
        entries = build(args.shared, args.out)
    except PerfkitError as exc:
        print(f"build_shipped: error: {exc}", file=sys.stderr)
        return 2
    total = sum(e["bytes"] for e in entries)
    for e in entries:
        print(f"{e['file']:<45} {e['kind']:<11} {e['rows']:>7} rows {e['bytes'] / 1e6:6.2f} MB")
    print(f"{'total':<45} {'':<11} {'':>12} {total / 1e6:6.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
