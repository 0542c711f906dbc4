"""Benchmark: seasonally adjusting every series a quarter's reports use.

Times, for each police_uk measure of ``params/plan.yaml`` (Cambridgeshire, from the shared
monthly counts), X-13ARIMA-SEATS against STL, then the whole set with ``method="auto"`` cold
(empty cache) and again from the in-memory and on-disk caches, and prints ratios against the
cold run measured in the same run. Nothing is asserted: it is a script to run and read.

    .venv/bin/python bench/seasonal.py [--data PATH] [--repeat N]

The cache goes to a temporary folder (``PERFKIT_CACHE``) that is removed afterwards. When the
shared CSV is missing, a synthetic series per measure is used instead and the output says so.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from perfkit.stats import seasonal  # noqa: E402
from perfkit.stats.caveats import load_register, shift_dates  # noqa: E402
from perfkit.config.params import load_yaml  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "police-uk-force-month-2015-2018.csv"


def _series(data: Path) -> tuple[dict[str, pd.Series], str]:
    plan = load_yaml(ROOT / "params" / "plan.yaml")
    measures = [m for m in plan["measures"] if m.get("source") == "police_uk"]
    if data.is_file():
        frame = pd.read_csv(data)
        frame = frame[frame["county"] == plan["plan"]["force"]]
        wide = frame.pivot(index="month", columns="crime_type", values="num_crimes").astype(float)
        wide.index = pd.PeriodIndex(wide.index, freq="M")
        wide["all_crime"] = wide["All"] - wide["Anti-social behaviour"]
        out = {}
        for m in measures:
            cols = [c for c in m["crime_types"] if c in wide.columns]
            if cols:
                out[m["id"]] = wide[cols].sum(axis=1, min_count=len(cols)).rename(m["id"])
        return out, f"{data} ({plan['plan']['force']})"
    idx = pd.period_range("2015-01", "2018-09", freq="M")
    rng = np.random.default_rng(0)
    out = {}
    for i, m in enumerate(measures):
        lam = 300 * (1 + 0.2 * np.cos(2 * np.pi * (idx.month.to_numpy() - 7 - i) / 12))
        out[m["id"]] = pd.Series(rng.poisson(lam).astype(float), index=idx, name=m["id"])
    return out, "synthetic series (shared CSV not found)"


def _time(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: "list[str] | None" = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="monthly counts CSV")
    parser.add_argument("--repeat", type=int, default=1, help="repeats per timing (best is kept)")
    args = parser.parse_args(argv)

    series, source = _series(args.data)
    register = load_register()
    shifts = {mid: shift_dates(register, mid) for mid in series}
    print(f"Series: {len(series)} police_uk measures from {source}")

    with tempfile.TemporaryDirectory(prefix="perfkit-bench-") as tmp:
        os.environ["PERFKIT_CACHE"] = tmp
        first = next(iter(series.values()))
        seasonal.adjust(first, method="stl", cache=False)  # warm-up: imports are not adjustment time
        seasonal.adjust(first, method="x13", cache=False)
        print(f"\n{'measure':22s} {'x13 s':>7s} {'stl s':>7s} {'x13/stl':>8s}  auto method")
        for mid, s in series.items():
            t_x13 = _time(lambda: seasonal.adjust(s, method="x13", shifts=shifts[mid], cache=False), args.repeat)
            t_stl = _time(lambda: seasonal.adjust(s, method="stl", shifts=shifts[mid], cache=False), args.repeat)
            method = seasonal.adjust(s, shifts=shifts[mid], cache=False).method
            print(f"{mid:22s} {t_x13:7.3f} {t_stl:7.3f} {t_x13 / t_stl:8.1f}  {method}")

        def run_all():
            for mid, s in series.items():
                seasonal.adjust(s, shifts=shifts[mid])

        seasonal.clear_cache(disk=True)
        start = time.perf_counter()
        run_all()
        cold = time.perf_counter() - start
        memory = _time(run_all, max(args.repeat, 3))
        seasonal.clear_cache()  # memory only: next run reads the disk cache

        start = time.perf_counter()
        run_all()
        disk = time.perf_counter() - start
        seasonal.clear_cache(disk=True)
    print(f"\nAll {len(series)} series, method='auto' (what a quarter's reports run):")
    print(f"  cold (no cache)      {cold:8.3f} s   ratio 1")
    print(f"  from disk cache      {disk:8.3f} s   ratio {disk / cold:.4f} (cold is {cold / disk:,.0f}x slower)")
    print(f"  from memory cache    {memory:8.5f} s   ratio {memory / cold:.5f} (cold is {cold / memory:,.0f}x slower)")
    print(f"  seven notebooks, one process: {cold + 6 * memory:.3f} s instead of {7 * cold:.3f} s uncached")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
