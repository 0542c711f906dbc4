"""Benchmark ``perfkit ingest police-uk`` on a synthetic national data.police.uk archive.

Prints rows per second, peak memory, the ratio of ingest time to a plain DuckDB ``read_csv``
scan of the same files measured in the same run, and what adding one month to a many-month
store costs against the months already there. Goals (issue 3): ingest at most 1.5x the scan;
peak memory under 1.5 GB for 12 national months; adding a month costs about one month's work.

Usage::

    python bench/ingest.py                 # about 3-5 minutes on 2 cores: 3 national months,
                                           # increment on a 24-month store at 1/10 national scale
    python bench/ingest.py --months 12     # the memory goal's 12 national months
    python bench/ingest.py --full          # 12 national months, and a 24-month national store + 1

Each measurement runs in a fresh subprocess so that peak memory (VmHWM) belongs to that step alone; times are measured inside the subprocess (no interpreter start-up).
The DuckDB scan materialises every column (``CREATE TABLE AS SELECT * FROM read_csv(...)``), the
fair counterpart of an ingest that reads every column; a ``count(*)`` scan, which DuckDB can do
without converting most fields, is shown too. The machine may be shared: the scan is run before
and after the ingest and the faster is used, so the ratio is not flattered by a slow scan; CPU
seconds (user + system, all threads) are shown too, as they depend less on other load.
Generated files are cached under ``bench/work/`` (ignored by git) and reused by later runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


# ------------------------------------------------------------------------------------------------
# Subprocess workers: each prints one JSON line with its own timing and peak memory.
# ------------------------------------------------------------------------------------------------
def _peak_mb() -> float:
    """This process's peak resident memory.

    VmHWM from /proc is used because ``ru_maxrss`` survives ``execve``: a worker started by a
    parent that had grown large (generating the archive) would report the parent's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    """CPU seconds (user + system, all threads) used by this process so far."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _worker(mode: str, args: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    if mode == "ingest":
        from perfkit.data.ingest import ingest

        store, *paths = args
        started, cpu = time.perf_counter(), _cpu()
        result = ingest("police-uk", paths, store, progress=False)
        seconds, cpu = time.perf_counter() - started, _cpu() - cpu
        print(json.dumps({"seconds": seconds, "cpu": cpu, "rows": result.rows_added, "files": len(result.files_added), "peak_mb": _peak_mb()}))
        return 0
    if mode in ("scan", "count"):
        import duckdb

        files = [str(p) for folder in args for p in sorted(Path(folder).rglob("*.csv"))]
        con = duckdb.connect()
        started, cpu = time.perf_counter(), _cpu()
        if mode == "scan":
            con.execute("CREATE TEMP TABLE t AS SELECT * FROM read_csv(?, header = true)", [files])
            rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
        else:
            rows = con.execute("SELECT count(*) FROM read_csv(?, header = true)", [files]).fetchone()[0]
        seconds, cpu = time.perf_counter() - started, _cpu() - cpu
        peak = _peak_mb()
        con.close()
        print(json.dumps({"seconds": seconds, "cpu": cpu, "rows": rows, "peak_mb": peak}))
        return 0
    raise SystemExit(f"unknown worker mode {mode!r}")


def _run(mode: str, *args: str) -> dict:
    """Run a worker in a fresh process; its JSON (seconds, rows, peak_mb)."""
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", mode, *map(str, args)],
        capture_output=True, text=True, cwd=ROOT,
    )
    if proc.returncode != 0:
        raise SystemExit(f"bench worker {mode} failed (exit {proc.returncode}):\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------------------
# Data
# ------------------------------------------------------------------------------------------------
def _months(first: str, n: int) -> list[str]:
    import pandas as pd

    return [str(m) for m in pd.period_range(first, periods=n, freq="M")]


def _archive(work: Path, months: list[str], rows_per_month: int, seed: int) -> Path:
    """A folder of YYYY-MM/YYYY-MM-<force>-street.csv (cached by parameters)."""
    from perfkit.data.synth import write_archive

    folder = work / f"archive-{rows_per_month}-s{seed}"
    marker = folder / ".months"
    done = set(marker.read_text().split()) if marker.exists() else set()
    todo = [m for m in months if m not in done or not (folder / m).is_dir()]
    if todo:
        started = time.perf_counter()
        write_archive(folder, todo, rows_per_month=rows_per_month, seed=seed, zip=False)
        marker.write_text("\n".join(sorted(done | set(todo))) + "\n")
        print(f"  generated {len(todo)} month(s) with perfkit.data.synth in {time.perf_counter() - started:.1f} s -> {folder}")
    return folder


def _fresh(work: Path, name: str) -> Path:
    """A new, empty store path. Old stores are deleted at the end of the run, not just before a
    timing: deleting hundreds of megabytes makes the disk busy for a while (more so with online
    discard), which would slow the measurement that follows."""
    folder = work / "stores" / f"{name}-{os.getpid()}-{time.time_ns()}"
    folder.mkdir(parents=True)
    return folder / "store"


def _size_mb(folders: list[Path]) -> float:
    return sum(p.stat().st_size for f in folders for p in f.rglob("*.csv")) / 1e6


# ------------------------------------------------------------------------------------------------
# The benchmark
# ------------------------------------------------------------------------------------------------
def bench_scan_ratio(work: Path, months: list[str], rows_per_month: int, seed: int) -> dict:
    archive = _archive(work, months, rows_per_month, seed)
    folders = [archive / m for m in months]
    print(f"\n[1] ingest vs DuckDB scan: {len(months)} month(s), {_size_mb(folders):,.0f} MB of CSV")
    store = _fresh(work, "store-scan")
    scan1 = _run("scan", *folders)
    count = _run("count", *folders)
    ingest = _run("ingest", store, *folders)
    scan2 = _run("scan", *folders)
    scan = min(scan1["seconds"], scan2["seconds"])
    scan_cpu = min(scan1["cpu"], scan2["cpu"])
    assert ingest["rows"] == scan1["rows"], f"ingest stored {ingest['rows']:,} rows; the scan read {scan1['rows']:,}"
    return {
        "months": len(months), "rows": ingest["rows"], "ingest_s": ingest["seconds"],
        "rows_per_s": ingest["rows"] / ingest["seconds"], "ingest_peak_mb": ingest["peak_mb"],
        "scan_s": scan, "scan_peak_mb": max(scan1["peak_mb"], scan2["peak_mb"]), "count_scan_s": count["seconds"],
        "ratio": ingest["seconds"] / scan, "ratio_count": ingest["seconds"] / count["seconds"],
        "ingest_cpu_s": ingest["cpu"], "scan_cpu_s": scan_cpu, "ratio_cpu": ingest["cpu"] / scan_cpu,
    }


def bench_increment(work: Path, base_months: int, rows_per_month: int, seed: int) -> dict:
    months = _months("2016-01", base_months + 1)
    archive = _archive(work, months, rows_per_month, seed)
    print(f"\n[2] increment: a {base_months}-month store at {rows_per_month:,} rows a month, then one more month")
    store = _fresh(work, "store-increment")
    first = _run("ingest", store, *[archive / m for m in months[:1]])
    base = _run("ingest", store, *[archive / m for m in months[1:base_months]])
    added = _run("ingest", store, archive / months[-1])
    per_month = (first["seconds"] + base["seconds"]) / base_months
    return {
        "base_months": base_months, "rows_per_month": rows_per_month, "first_month_s": first["seconds"],
        "base_s": first["seconds"] + base["seconds"], "per_month_s": per_month,
        "add_one_s": added["seconds"], "add_ratio": added["seconds"] / per_month,
        "add_vs_first": added["seconds"] / first["seconds"],
    }


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--worker"]:
        return _worker(argv[1], argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--months", type=int, default=3, help="national months for the scan comparison (default 3)")
    parser.add_argument("--rows-per-month", type=int, default=500_000, help="rows a month, all forces (default 500000)")
    parser.add_argument("--base-months", type=int, default=24, help="months in the store before adding one (default 24)")
    parser.add_argument("--increment-rows", type=int, default=50_000, help="rows a month for the increment test (default 50000)")
    parser.add_argument("--full", action="store_true", help="12 national months, and the increment at national scale")
    parser.add_argument("--skip-increment", action="store_true", help="only the scan comparison")
    parser.add_argument("--work", type=Path, default=HERE / "work", help="folder for generated files (default bench/work)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--clean", action="store_true", help="delete the generated files afterwards")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.full:
        args.months, args.increment_rows = max(args.months, 12), args.rows_per_month
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"perfkit ingest benchmark ({os.cpu_count()} CPU(s); synthetic data.police.uk archive, 44 forces)")

    scan = bench_scan_ratio(args.work, _months("2017-01", args.months), args.rows_per_month, args.seed)
    figures = {"scan": scan}
    if not args.skip_increment:
        figures["increment"] = bench_increment(args.work, args.base_months, args.increment_rows, args.seed)

    print("\nresults")
    print(f"  rows ingested        {scan['rows']:,} ({scan['months']} month(s) of about {args.rows_per_month:,} rows)")
    print(f"  rows per second      {scan['rows_per_s']:,.0f}  ({scan['ingest_s']:.1f} s)")
    print(f"  peak memory          {scan['ingest_peak_mb']:,.0f} MB  (goal: under 1,536 MB for 12 national months;"
          f" DuckDB scan {scan['scan_peak_mb']:,.0f} MB)")
    verdict = "met" if scan["ratio"] <= 1.5 else f"missed by {scan['ratio'] / 1.5 - 1:.0%}"
    print(f"  ingest / DuckDB scan {scan['ratio']:.2f}x  (scan {scan['scan_s']:.1f} s, all columns materialised; goal <= 1.5x: {verdict})")
    print(f"  ingest / count(*)    {scan['ratio_count']:.2f}x  (DuckDB count(*) over read_csv {scan['count_scan_s']:.1f} s)")
    print(f"  CPU time ratio       {scan['ratio_cpu']:.2f}x  (ingest {scan['ingest_cpu_s']:.1f} s, scan {scan['scan_cpu_s']:.1f} s of CPU;"
          f" steadier than wall time on a shared machine; load average {os.getloadavg()[0]:.1f})")
    if "increment" in figures:
        inc = figures["increment"]
        print(f"  add 1 month          {inc['add_one_s']:.2f} s to a {inc['base_months']}-month store "
              f"({inc['rows_per_month']:,} rows a month) vs {inc['per_month_s']:.2f} s a month building it "
              f"({inc['add_ratio']:.2f}x; first month alone {inc['first_month_s']:.2f} s)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    shutil.rmtree(args.work / "stores", ignore_errors=True)
    if args.clean:
        shutil.rmtree(args.work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
