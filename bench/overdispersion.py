"""Benchmark: false positives of period comparisons and of the seasonality decision, by simulation.

Part 1 (``perfkit.stats.compare``). Negative binomial monthly series with variance 1, 2, 4, 8 and 12
times the mean and NO real change (mean about 450 a month, a mild +/-10% seasonal pattern,
counts per day so month length is real): the dispersion is estimated from the series up to the
quarter's end as the analysis would (``dispersion(series.loc[:quarter_end])``), and the last
quarter is compared with the same quarter a year earlier. The table gives the share called
"statistically significant" with its 95% (Clopper-Pearson) interval, for

- ``library (Dispersion)``: the estimated scale passed as a :class:`perfkit.stats.compare.Dispersion`;
  ``quarter_vs_last_year`` refits it without the six months compared and refers the scaled score
  statistic to Student's t on the refit's degrees of freedom;
- ``t, all months``: the same without the refit (the scale includes the compared months);
- ``normal (float)``: the full-series estimate passed as a number (taken as known);
- ``Poisson``: no allowance for over-dispersion.

A correct test is significant about 5% of the time. The vectorised code is checked against the
public API (``quarter_vs_last_year``) on the first replications of every setting.

Part 2 (``perfkit.stats.seasonal``). Flat series (Poisson and negative binomial, variance up to 6 times
the mean, 72 months, mean 600 a month; constant per month, or per day so that a month's count
follows its length) through the seasonality decision of
``adjust(method="auto")`` (``test_seasonality``), on the Python path and on X-13's table D8.A,
and seasonal series (+/-5%, +/-10%) to show the rule still finds real seasonality.

    .venv/bin/python bench/overdispersion.py [--reps 10000] [--months 60] [--flat 1000] [--x13 200]

Nothing is asserted (tests/test_overdispersion.py and tests/test_seasonal.py assert smaller runs).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from perfkit.stats import compare, seasonal  # noqa: E402
from perfkit.periods import parse_quarter  # noqa: E402

RATIOS = (1, 2, 4, 8, 12)
AVERAGE_MONTH_DAYS = 365.25 / 12


def negative_binomial(rng: np.random.Generator, mu: np.ndarray, ratio: float, reps: int) -> np.ndarray:
    """Counts with mean ``mu`` (per month) and variance ``ratio x mu``; Poisson when ratio is 1."""
    mu = np.broadcast_to(mu, (reps, len(mu)))
    if ratio == 1:
        return rng.poisson(mu).astype(float)
    size = mu / (ratio - 1)
    return rng.negative_binomial(size, size / (size + mu)).astype(float)


def monthly_means(idx: pd.PeriodIndex, level: float, amplitude: float) -> np.ndarray:
    per_day = level / AVERAGE_MONTH_DAYS * (1 + amplitude * np.cos(2 * np.pi * (idx.month.to_numpy() - 7) / 12))
    return per_day * idx.days_in_month.to_numpy()


def clopper_pearson(k: int, n: int) -> tuple[float, float]:
    lo = stats.beta.ppf(0.025, k, n - k + 1) if k > 0 else 0.0
    hi = stats.beta.ppf(0.975, k + 1, n - k) if k < n else 1.0
    return float(lo), float(hi)


def comparison_rates(ratio: float, reps: int, months: int, seed: int, check: int = 20) -> dict:
    """Share of quarter-on-last-year comparisons called significant when nothing changed."""
    quarter = parse_quarter("2017/18 Q4")  # January to March 2018
    idx = pd.period_range(end=quarter.end, periods=months, freq="M")
    rng = np.random.default_rng(seed)
    y = negative_binomial(rng, monthly_means(idx, 450.0, 0.10), ratio, reps)
    # the same fits as compare.dispersion(series.loc[:quarter_end]) and its refit without the six
    # months compared (what quarter_vs_last_year does), for every replication at once
    compared = (idx.get_indexer(quarter.window().months),
                idx.get_indexer(quarter.same_quarter_last_year().window().months))
    offset = np.log(idx.days_in_month.to_numpy().astype(float))
    keep = ~np.isin(np.arange(months), np.r_[compared])
    x_all = compare._dispersion_design(idx, (), True)
    df_all = float(months - x_all.shape[1])
    phi_all = np.maximum(1.0, compare._poisson_pearson(y, x_all, offset) / df_all)
    x = compare._dispersion_design(idx[keep], (), True)
    df = float(keep.sum() - x.shape[1])
    phi = np.maximum(1.0, compare._poisson_pearson(y[:, keep], x, offset[keep]) / df)
    now, before = y[:, compared[0]].sum(axis=1), y[:, compared[1]].sum(axis=1)
    z = (now - before) / np.sqrt(now + before)  # the score statistic for equal exposures
    p_t = np.where(phi > 1, 2 * stats.t.sf(np.abs(z) / np.sqrt(phi), df), 2 * stats.norm.sf(np.abs(z)))
    p_all = np.where(phi_all > 1, 2 * stats.t.sf(np.abs(z) / np.sqrt(phi_all), df_all), 2 * stats.norm.sf(np.abs(z)))
    p_normal = 2 * stats.norm.sf(np.abs(z) / np.sqrt(phi_all))
    p_poisson = 2 * stats.norm.sf(np.abs(z))
    for i in range(min(check, reps)):  # the vectorised code is the library's
        series = pd.Series(y[i], index=idx)
        d = compare.dispersion(series.loc[:quarter.end])
        c = compare.quarter_vs_last_year(series, quarter, overdispersion=d)
        assert abs(d.phi - phi_all[i]) < 1e-8 * phi_all[i] and d.df == df_all and c.dispersion_df == df
        assert abs(c.p_value - p_t[i]) < 1e-9 and c.significant == (p_t[i] < 0.05)
        assert compare.quarter_vs_last_year(series, quarter).significant == (p_poisson[i] < 0.05)
    return {
        "ratio": ratio,
        "t": int((p_t < 0.05).sum()),
        "all": int((p_all < 0.05).sum()),
        "normal": int((p_normal < 0.05).sum()),
        "poisson": int((p_poisson < 0.05).sum()),
        "reps": reps,
        "df": df,
        "df_all": df_all,
        "mean_phi": float(phi_all.mean()),
    }


def part1(reps: int, months: int, seed: int) -> None:
    print(f"Part 1. Quarter against the same quarter a year earlier, no real change: {reps:,} series of "
          f"{months} months per row; share called significant (95% interval).")
    print(f"{'var/mean':>8}  {'mean phi':>8}  {'library (Dispersion)':>22}  {'t, all months':>22}  "
          f"{'normal (float)':>22}  {'Poisson':>22}")
    start = time.perf_counter()
    for k, ratio in enumerate(RATIOS):
        r = comparison_rates(ratio, reps, months, seed + k)
        cells = []
        for key in ("t", "all", "normal", "poisson"):
            lo, hi = clopper_pearson(r[key], reps)
            cells.append(f"{100 * r[key] / reps:5.1f}% ({100 * lo:4.1f}-{100 * hi:4.1f})")
        print(f"{ratio:>8}  {r['mean_phi']:>8.2f}  " + "  ".join(f"{c:>22}" for c in cells))
    print(f"(library: scale refitted without the 6 compared months, df = {r['df']:g}, Student's t; "
          f"t, all months: the scale from all {months} months, df = {r['df_all']:g}; normal: the same scale as a "
          f"number (taken as known); {time.perf_counter() - start:.1f} s)\n")


def seasonality_rates(n: int, ratio: float, amplitude: float, method: str, seed: int,
                      per: str = "day") -> tuple[int, int, int]:
    """(called seasonal, X-13 failures, series) for 72-month series through test_seasonality.

    ``per="day"``: the mean is constant per day (a month's count follows its length);
    ``per="month"``: constant per month whatever its length.
    """
    idx = pd.period_range("2012-01", periods=72, freq="M")
    rng = np.random.default_rng(seed)
    mu = monthly_means(idx, 600.0, amplitude)
    if per == "month":
        mu = mu / idx.days_in_month.to_numpy() * AVERAGE_MONTH_DAYS
    y = negative_binomial(rng, mu, ratio, n)
    hits = failed = 0
    for row in y:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                hits += bool(seasonal.test_seasonality(pd.Series(row, index=idx), method=method).seasonal)
        except RuntimeError:  # X-13 could not fit this series (adjust would fall back)
            failed += 1
    return hits, failed, n


def part2(flat: int, x13: int, seed: int) -> None:
    print("Part 2. Seasonality decision of adjust(method='auto') on 72-month series (mean 600 a month).")
    print(f"{'series':<34} {'path':<7} {'called seasonal (95% interval)':>32}  {'time':>7}")
    rows = [("flat per month, Poisson", 1, 0.0, "month"), ("flat per month, neg. binomial x6", 6, 0.0, "month"),
            ("flat per day, Poisson", 1, 0.0, "day"), ("flat per day, neg. binomial x2", 2, 0.0, "day"),
            ("flat per day, neg. binomial x4", 4, 0.0, "day"), ("flat per day, neg. binomial x6", 6, 0.0, "day"),
            ("seasonal +/-5%, Poisson", 1, 0.05, "day"), ("seasonal +/-10%, neg. binomial x4", 4, 0.10, "day")]
    for k, (name, ratio, amplitude, per) in enumerate(rows):
        for method, n in (("python", flat), ("x13", x13)):
            if n <= 0:
                continue
            start = time.perf_counter()
            hits, failed, total = seasonality_rates(n, ratio, amplitude, method, seed + 100 + k, per)
            used = total - failed
            lo, hi = clopper_pearson(hits, used)
            extra = f" ({failed} X-13 failures left out)" if failed else ""
            print(f"{name:<34} {method:<7} {100 * hits / used:>8.1f}% ({100 * lo:4.1f}-{100 * hi:4.1f}) of {used:>5}"
                  f"  {time.perf_counter() - start:6.1f}s{extra}")
    print()


def main(argv: "list[str] | None" = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=10_000, help="series per dispersion in part 1")
    parser.add_argument("--months", type=int, default=60, help="months in each series of part 1")
    parser.add_argument("--flat", type=int, default=1000, help="series per row on the Python path in part 2")
    parser.add_argument("--x13", type=int, default=200, help="series per row on the X-13 path in part 2 (0: skip)")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--part", choices=("1", "2", "both"), default="both")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if args.part in ("1", "both"):
        part1(args.reps, args.months, args.seed)
    if args.part in ("2", "both"):
        part2(args.flat, args.x13, args.seed)
    print(f"Total run time {time.perf_counter() - start:.1f} s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
