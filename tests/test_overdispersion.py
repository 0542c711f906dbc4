"""Simulation check of perfkit.stats.compare's over-dispersion allowance: with no real change, a
quarter compared with the same quarter a year earlier is "statistically significant" about 5% of
the time whatever the over-dispersion, when the scale is estimated from the series up to the
quarter's end (``compare.dispersion``) and passed as a Dispersion; the plain Poisson test is
not. Larger runs, with intervals and timings: ``bench/overdispersion.py``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from perfkit.stats import compare
from perfkit.periods import parse_quarter

QUARTER = parse_quarter("2017/18 Q4")  # January to March 2018, against January to March 2017
MONTHS = 60
REPS = 8000  # per dispersion: a 95% binomial interval of about +/-0.5 points around 5%
CHECKED = 15  # replications per dispersion also run through the public API


def _series(rng: np.random.Generator, ratio: float, reps: int) -> tuple[pd.PeriodIndex, np.ndarray]:
    """Negative binomial months with variance ``ratio`` x mean, mean 450, +/-10% season, no change."""
    idx = pd.period_range(end=QUARTER.end, periods=MONTHS, freq="M")
    per_day = 450 / (365.25 / 12) * (1 + 0.10 * np.cos(2 * np.pi * (idx.month.to_numpy() - 7) / 12))
    mu = np.broadcast_to(per_day * idx.days_in_month.to_numpy(), (reps, MONTHS))
    if ratio == 1:
        return idx, rng.poisson(mu).astype(float)
    size = mu / (ratio - 1)
    return idx, rng.negative_binomial(size, size / (size + mu)).astype(float)


def _rates(ratio: float, seed: int) -> tuple[float, float]:
    idx, y = _series(np.random.default_rng(seed), ratio, REPS)
    # compare.dispersion(series.loc[:QUARTER.end]) for every replication at once (same code path),
    # refitted, as quarter_vs_last_year does, without the six months compared
    compared = idx.get_indexer(QUARTER.window().months), idx.get_indexer(QUARTER.same_quarter_last_year().window().months)
    keep = ~np.isin(np.arange(MONTHS), np.r_[compared])
    offset = np.log(idx.days_in_month.to_numpy().astype(float))
    x = compare._dispersion_design(idx, (), True)
    full = np.maximum(1.0, compare._poisson_pearson(y[:CHECKED], x, offset) / (MONTHS - x.shape[1]))
    x = compare._dispersion_design(idx[keep], (), True)
    df = float(keep.sum() - x.shape[1])
    phi = np.maximum(1.0, compare._poisson_pearson(y[:, keep], x, offset[keep]) / df)
    now, before = y[:, compared[0]].sum(axis=1), y[:, compared[1]].sum(axis=1)
    z = (now - before) / np.sqrt(now + before)  # the score statistic, equal exposures
    p_quasi = np.where(phi > 1, 2 * stats.t.sf(np.abs(z) / np.sqrt(phi), df), 2 * stats.norm.sf(np.abs(z)))
    p_poisson = 2 * stats.norm.sf(np.abs(z))
    for i in range(CHECKED):  # the vectorised decision is the library's own
        series = pd.Series(y[i], index=idx)
        d = compare.dispersion(series.loc[:QUARTER.end])
        assert d.df == MONTHS - 13 and d.phi == pytest.approx(full[i], rel=1e-8)
        c = compare.quarter_vs_last_year(series, QUARTER, overdispersion=d)
        assert c.dispersion_df == df == 41 and c.overdispersion == pytest.approx(phi[i], rel=1e-8)
        assert c.p_value == pytest.approx(p_quasi[i], rel=1e-8, abs=1e-12)
        assert c.significant == (p_quasi[i] < 0.05)
        assert compare.quarter_vs_last_year(series, QUARTER).significant == (p_poisson[i] < 0.05)
    return float((p_quasi < 0.05).mean()), float((p_poisson < 0.05).mean())


@pytest.mark.parametrize("ratio, poisson_at_least", [(1, 0.03), (2, 0.13), (4, 0.28), (8, 0.43), (12, 0.52)])
def test_false_positive_rate_is_about_5_percent_at_every_dispersion(ratio, poisson_at_least):
    quasi, poisson = _rates(ratio, seed=1000 + ratio)
    assert 0.035 <= quasi <= 0.065, f"variance {ratio}x the mean: {quasi:.1%} significant with no change"
    # the plain Poisson test calls far too many changes significant once counts are over-dispersed
    assert poisson >= poisson_at_least
    if ratio >= 2:
        assert poisson > 2.5 * quasi


def test_a_known_level_shift_does_not_inflate_the_scale():
    idx, y = _series(np.random.default_rng(7), 2, 1)
    y = y[0] * np.where(idx >= pd.Period("2015-04", "M"), 1.3, 1.0)
    series = pd.Series(np.round(y), index=idx)
    with_step = compare.dispersion(series, steps=[pd.Period("2015-04", "M")])
    without = compare.dispersion(series)
    assert with_step.phi < 4 < without.phi and with_step.df == without.df - 1
