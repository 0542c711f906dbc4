"""What every force's evidence shares, computed once: each territorial force's monthly counts.

A force's evidence compares it with every other force twice: the national picture (each
data.police.uk measure's total over the forces with complete figures, :func:`perfkit.evidence._national`)
and its position among its comparator forces (:func:`perfkit.evidence.analysis.comparator_rates`).
Both read one frame per measure, :func:`force_counts`: month by force, the 24 months to a
quarter's end, every territorial force. Computed once and kept on disk by the one cache rule
(:mod:`perfkit.config.cache`, folder ``shared/`` of the store's cache, beside the evidence models),
so the 43 forces of a national run (:mod:`perfkit.run.national`, whose first task is :func:`prepare`)
and the seven kernels of a one-force run read it instead of each querying every force again.

The key is the content of every input: the store's files (their hashes), the crime types, the
months, the code, and the data faults of the register in use (a force-month listed as a fault is NaN here
exactly as in the force's own figures). Forces whose registers list the same faults (every
``perfkit init`` folder holds the national register) share one frame; a force with local faults
of its own gets its own frame, so no force's figures depend on another force's register.

The frames are read-only: callers select from them and never change them.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from perfkit import data
from perfkit.config.cache import CACHES
from perfkit.config.forces import all_slugs

__all__ = ["force_counts", "quarter_counts", "populations", "prepare", "shared_dir"]

_CACHE = CACHES["shared"]


def shared_dir(store=None):
    """The folder of the shared frames: ``shared/`` in the store's cache, beside the evidence models."""
    return _CACHE.folder(store)


def _key(crime_types: tuple, start: pd.Period, end: pd.Period, store) -> str:
    return _CACHE.key(repr((tuple(crime_types), str(start), str(end))), data.store_key(store),
                      repr(sorted(data.registered_faults())))


def force_counts(crime_types, start, end, store=None) -> pd.DataFrame:
    """Every territorial force's monthly count of ``crime_types`` from ``start`` to ``end``.

    Returns
    -------
    pandas.DataFrame
        Index ``month`` (``period[M]``, every month of the span), one column per territorial force
        (slugs, sorted); NaN where a force has no figure for the month or the register lists it as
        a data fault (as :func:`perfkit.data.monthly_counts`, which it is computed with).
    """
    crime_types = tuple(crime_types)
    start, end = pd.Period(start, freq="M"), pd.Period(end, freq="M")

    def compute() -> pd.DataFrame:
        forces = all_slugs(territorial_only=True)
        frame = data.monthly_counts(force=forces, crime_type=list(crime_types), by=("month", "force"),
                                    start=start, end=end, store=store)
        wide = frame.pivot(index="month", columns="force", values="count").reindex(
            index=pd.period_range(start, end, freq="M"), columns=sorted(forces))
        wide.index.name, wide.columns.name = "month", "force"
        return wide

    return _CACHE.get(_key(crime_types, start, end, store), compute, store=store, prefix="counts-")


def quarter_counts(crime_types, quarter, store=None) -> pd.DataFrame:
    """:func:`force_counts` over the 24 months a quarter's evidence compares (the rolling 12 months
    and the 12 before), the one span the national picture and the comparator rates both read."""
    return force_counts(crime_types, quarter.rolling_12_months_before().start, quarter.rolling_12_months().end, store)


def populations(store=None) -> pd.DataFrame:
    """The store's population table (force, year, population), read once per store content."""
    return _populations(data.store_key(store), None if store is None else str(store))


@lru_cache(maxsize=8)
def _populations(key: str, store: "str | None") -> pd.DataFrame:
    return data.population(store=store)


def prepare(plans, quarter, store=None) -> int:
    """Compute the shared frames a quarter's evidence reads for every data.police.uk measure of
    ``plans`` (the national picture's and the comparator rates' 24 months). Returns how many
    frames were computed or found."""
    wanted = {tuple(m.crime_types) for plan in plans for m in plan.measures.values() if m.source == "police_uk"}
    for crime_types in sorted(wanted):
        quarter_counts(crime_types, quarter, store)
    populations(store)
    return len(wanted)
