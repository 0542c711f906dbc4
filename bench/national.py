"""Benchmark a national run: every force's pack for one quarter, four ways, measured in one run.

On one national store (the shipped counts, recorded crime, population and workforce files: every
force's figures) and one parameters folder per force (``perfkit init``, the full example Plan:
seven reports a force), for the first ``--forces`` territorial forces (default all 43):

(a) the naive serial loop: for each force and each of its reports in turn, the ``papermill`` CLI,
    then the ``jupyter nbconvert --to html --no-input`` CLI;
(b) the local executor, force by force: ``perfkit run --params <force>`` (its own pool of
    ``--jobs`` worker processes) for each force in turn;
(c) dask.distributed: ``perfkit run --forces ...`` on a local cluster of 1 worker, then of 2.

Printed: each contender's wall time and the ratios between them; the time per report execution;
the scaling from 1 to 2 workers; the peak memory of each dask worker (its process and the kernels
it starts, sampled every 0.2 s); and the projected wall time on 8 and 32 workers, from the measured
per-task times of the 2-worker run (see ``project``).

Goals (issue 14): all forces, dask on 2 local workers at least 1.7x faster than on 1 and at least
3x faster than (a); peak memory under 1.5 GB per worker.

Each contender starts with an empty evidence and seasonal cache of its own (``PERFKIT_CACHE``), so
none reuses another's work; the store is built before timing and shared.

Results (2 cores, 2026-12-03, 2018-19-Q2)::

    All 43 territorial forces (301 report executions), charts as SVG (commit e958188):
    (a) naive 2373.5 s (55 s a force)   (b) perfkit run per force 668.4 s
    (c) dask 1 worker 743.3 s (peak 0.90 GB), 2 workers 458.5 s (peak 1.27 GB a worker)
    per report execution 2.47 s on 1 worker, 1.52 s of wall time on 2; overhead beyond each
    report's own time 0.68 s on 1 worker, 1.07 worker-seconds on 2
    scaling 1.62x (goal 1.7x: missed)   2 workers vs naive 5.18x (goal 3x: met)   vs (b) 1.46x
    projected: 115 s on 8 workers, 29 s on 32

    The files' times showed why: the 43 forces' evidence took 141 s on 2 workers against 123 s on 1,
    since the evidence cache held one lock per quarter and the workers took turns. With one lock per
    model (commit e83808c), --skip-naive --skip-local, all 43 forces:
    (c) dask 1 worker 672.4 s (peak 0.89 GB), 2 workers 342.0 s (peak 0.81 GB a worker)
    per report execution 2.23 s on 1 worker, 1.14 s of wall time on 2; overhead beyond each
    report's own time 0.64 s on 1 worker, 0.65 worker-seconds on 2
    scaling 1.97x (goal 1.7x: met)   peak 0.89 GB (goal 1.5 GB: met)
    projected: 85 s on 8 workers, 21 s on 32
    The naive loop was not run again (40 minutes; the lock it never contends on is the only
    change): against the first run's 2373.5 s, 2 workers are 6.9x faster; within the first run, 5.18x.

Earlier, on samples: 3 forces before the reused kernels and the shared task, naive 147.3 s, dask 2
workers 53.0 s, scaling 1.66x; 4 forces after them, naive 302.2 s, dask 2 workers 66.0 s, scaling
1.62x, then 1.78x with dask priorities (every force's evidence first, then the reports round by
round, longest first). Machines differ from day to day (the
naive loop took 49-75 s a force), so compare ratios within a run, not across runs.

Usage::

    python bench/national.py                 # 43 forces: about 75 minutes on 2 cores
    python bench/national.py --forces 4      # a sample; the ratios hold per force, the totals do not
    python bench/national.py --forces 4 --skip-naive
    python bench/national.py --skip-naive --skip-local   # the dask contenders alone
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
WORK = ROOT / "bench" / "work" / "national"
QUARTER = "2018-19-Q2"


def setup(n: int) -> tuple[Path, Path, list[str]]:
    from perfkit import config
    from perfkit.config.forces import all_slugs
    from perfkit.data.ingest import ingest_many
    from perfkit.data.scaffold import init_force

    forces = all_slugs(territorial_only=True)[:n]
    WORK.mkdir(parents=True, exist_ok=True)
    store, params = WORK / "store", WORK / "params"
    if not (store / "CURRENT").exists():
        shipped = config.shipped_dir()
        ingest_many([("counts", [shipped / "counts-2015-2018.csv.gz"]), ("prc", [shipped / "recorded-crime-pfa.csv.gz"]),
                     ("population", [shipped / "population-pfa.csv"]),
                     ("workforce", [shipped / "workforce-officer-fte.csv"])], store, progress=False)
    for force in forces:
        if not (params / force / "plan.yaml").exists():
            init_force(force, params / force, store)
    return store, params, forces


def _env(cache: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERFKIT_")}
    env.update(PERFKIT_CACHE=str(cache), **extra)
    return env


class Memory:
    """Peak resident memory of each worker process tree of a run (the worker and its kernels)."""

    def __init__(self, pid: int):
        import psutil

        self.root, self.peaks, self._stop = psutil.Process(pid), {}, threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                for child in self.root.children():
                    if "spawn_main" not in " ".join(child.cmdline()) and "multiprocessing" not in " ".join(child.cmdline()):
                        continue
                    rss = child.memory_info().rss
                    for grandchild in child.children(recursive=True):
                        try:
                            rss += grandchild.memory_info().rss
                        except psutil.Error:
                            pass
                    self.peaks[child.pid] = max(self.peaks.get(child.pid, 0), rss)
            except psutil.Error:
                pass
            time.sleep(0.2)

    def stop(self) -> list[float]:
        self._stop.set()
        self.thread.join()
        return sorted((v / 2**30 for v in self.peaks.values()), reverse=True)


def timed(cmd, env, memory: bool = False):
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    sampler = Memory(proc.pid) if memory else None
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    peaks = sampler.stop() if sampler else []
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd[:4]))} failed ({proc.returncode}):\n{err[-3000:]}")
    return seconds, peaks, out


def naive(store: Path, params: Path, forces: list[str]) -> float:
    """(a): papermill CLI then nbconvert CLI, report by report, force by force."""
    from perfkit.config.plan import load_plan
    from perfkit.config.quarter import load_quarter
    from perfkit.periods import parse_quarter
    from perfkit.run import plan_jobs

    out = WORK / "naive"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    notebooks = {}
    for name in ("objective", "deep_dive", "data_pack"):
        notebooks[f"{name}.py"] = out / f"{name}.ipynb"
        subprocess.run([str(BIN / "jupytext"), "--to", "ipynb", "-o", str(notebooks[f"{name}.py"]),
                        str(ROOT / "notebooks" / f"{name}.py")], check=True, capture_output=True)
    q = parse_quarter(QUARTER)
    started = time.perf_counter()
    for force in forces:
        os.environ["PERFKIT_PARAMS"] = str(params / force)
        jobs = plan_jobs(q, load_plan(params / force / "plan.yaml"), load_quarter(q), store=str(store),
                         downloads_dir=str(out / force), params=str(params / force))
        env = _env(WORK / "cache-naive", PERFKIT_PARAMS=str(params / force), PERFKIT_STORE=str(store))
        for job in jobs:
            executed = out / f"{force}-{job.name}.ipynb"
            args = [a for k, v in job.parameters.items() for a in ("-p", k, str(v))]
            subprocess.run([str(BIN / "papermill"), str(notebooks[job.notebook]), str(executed), *args,
                            "--cwd", str(ROOT), "--no-progress-bar"], env=env, check=True, capture_output=True)
            subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
                           env=env, check=True, capture_output=True)
        print(f"    naive: {force} done, {time.perf_counter() - started:.0f} s so far", flush=True)
    os.environ.pop("PERFKIT_PARAMS", None)
    return time.perf_counter() - started


def local(store: Path, params: Path, forces: list[str], jobs: int) -> float:
    """(b): the one-force run (its own process pool), force by force."""
    out = WORK / "local"
    shutil.rmtree(out, ignore_errors=True)
    total = 0.0
    for force in forces:
        seconds, _, _ = timed([str(BIN / "perfkit"), "run", "--quarter", QUARTER, "--params", str(params / force),
                               "--store", str(store), "--outputs", str(out / force), "--jobs", str(jobs), "--quiet"],
                              _env(WORK / "cache-local"))
        total += seconds
    return total


def dask_run(store: Path, params: Path, forces: list[str], workers: int) -> tuple[float, list[float], Path]:
    """(c): perfkit run --forces on a local dask cluster of ``workers``."""
    out = WORK / f"dask-{workers}"
    shutil.rmtree(out, ignore_errors=True)
    seconds, peaks, _ = timed([str(BIN / "perfkit"), "run", "--forces", ",".join(forces), "--quarter", QUARTER,
                               "--params", str(params), "--store", str(store), "--outputs", str(out),
                               "--jobs", str(workers), "--quiet"], _env(WORK / f"cache-dask-{workers}"), memory=True)
    return seconds, peaks, out


def report_seconds(out: Path, forces: list[str]) -> list[float]:
    """Each report's execution time in a run's output (each force's ``manifest.json``)."""
    times = []
    for force in forces:
        manifest = json.loads((out / force / QUARTER / "manifest.json").read_text(encoding="utf-8"))
        times.extend(manifest["timings_seconds"].values())
    return times


def overhead(out: Path, forces: list[str], wall: float, workers: int) -> float:
    """Worker-seconds a report execution cost beyond its own execution time (the kernel reset,
    passing the notebook back, export, each force's evidence and publishing, the cluster's start),
    from a dask run's wall time and its manifests: (wall x workers - the reports' times) / reports."""
    times = report_seconds(out, forces)
    return (wall * workers - sum(times)) / len(times)


def project(out: Path, forces: list[str], wall_2: float, workers: int) -> float:
    """Projected wall time on ``workers`` from the 2-worker run's per-report times (each force's
    ``manifest.json``): the reports' total time spread evenly over the workers, plus the part of the
    2-worker run that was not report execution (start-up, evidence, publishing: taken as fixed
    per force and shared out the same way), but never less than the longest single report."""
    times = report_seconds(out, forces)
    busy = sum(times)
    other = max(0.0, wall_2 * 2 - busy)  # worker-seconds not spent executing reports at 2 workers
    return max(max(times), (busy + other) / workers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--forces", type=int, default=43, help="the first N territorial forces (default 43)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes of (b) (default 2)")
    parser.add_argument("--skip-naive", action="store_true", help="leave out (a), the slowest")
    parser.add_argument("--skip-local", action="store_true", help="leave out (b)")
    args = parser.parse_args()
    store, params, forces = setup(args.forces)
    for folder in WORK.glob("cache-*"):
        shutil.rmtree(folder, ignore_errors=True)
    executions = 7 * len(forces)
    print(f"{len(forces)} force(s), {executions} report executions, quarter {QUARTER}, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
    results: dict = {"forces": len(forces), "quarter": QUARTER}
    record = WORK / "results.json"

    def keep(key, value):  # written as each contender finishes, so a stopped run keeps what it measured
        results[key] = value
        record.write_text(json.dumps(results, indent=1), encoding="utf-8")

    # The dask runs first and the naive loop last: the longest contender is the one a stopped run loses.
    seconds, peaks_1, out_1 = dask_run(store, params, forces, 1)
    keep("c1", seconds)
    keep("peaks_1", peaks_1)
    print(f"(c) dask, 1 worker                           {results['c1']:8.1f} s   peak memory {peaks_1[0]:.2f} GB",
          flush=True)
    seconds, peaks_2, out_2 = dask_run(store, params, forces, 2)
    keep("c2", seconds)
    keep("peaks_2", peaks_2)
    print(f"(c) dask, 2 workers                          {results['c2']:8.1f} s   peak memory per worker "
          + ", ".join(f"{p:.2f}" for p in peaks_2) + " GB", flush=True)
    if not args.skip_local:
        keep("b", local(store, params, forces, args.jobs))
        print(f"(b) perfkit run per force (--jobs {args.jobs})         {results['b']:8.1f} s", flush=True)
    if not args.skip_naive:
        keep("a", naive(store, params, forces))
        print(f"(a) naive papermill + nbconvert CLIs, serial  {results['a']:8.1f} s", flush=True)
    print(f"per report execution: {results['c1'] / executions:.2f} s on 1 worker, "
          f"{results['c2'] / executions:.2f} s of wall time on 2")
    print(f"overhead per report execution beyond its own time: {overhead(out_1, forces, results['c1'], 1):.2f} s on 1 "
          f"worker, {overhead(out_2, forces, results['c2'], 2):.2f} worker-seconds on 2 (see overhead())")
    print(f"scaling 1 -> 2 workers: {results['c1'] / results['c2']:.2f}x (goal at least 1.7x)")
    if "a" in results:
        print(f"dask on 2 workers against the naive loop: {results['a'] / results['c2']:.2f}x faster (goal at least 3x)")
    if "b" in results:
        print(f"dask on 2 workers against (b): {results['b'] / results['c2']:.2f}x faster")
    print(f"peak memory: {max(peaks_1 + peaks_2):.2f} GB in one worker (goal under 1.5 GB)")
    for n in (8, 32):
        print(f"projected on {n} workers: {project(out_2, forces, results['c2'], n):.0f} s "
              "(per-report times of the 2-worker run spread evenly; see project())")
    load = os.getloadavg()[0]
    print(f"load after: {load:.1f}")


if __name__ == "__main__":
    main()
