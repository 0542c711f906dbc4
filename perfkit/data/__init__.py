"""Queries on the data store for notebooks and reports: tidy frames, and ``perfkit counts``.

Every function takes ``store=None``, meaning the default store (:func:`perfkit.config.store_dir`),
which is built from ``data/shipped/`` on first use and rebuilt when the shipped files change
(:func:`ensure_store`). Months are ``period[M]`` columns. A month with no data is missing (NaN),
never zero: zero means the data were published and held no such crime.

Examples
--------
>>> from perfkit import data
>>> frame = data.monthly_counts("cambridgeshire", "all_crime", "2014-01", "2014-03", by=("month",))  # doctest: +SKIP
>>> frame  # doctest: +SKIP
     month   count
0  2014-01  3594.0
...
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from functools import lru_cache
from pathlib import Path
from typing import Sequence


import numpy as np
import pandas as pd

from perfkit import config
from perfkit.errors import ConfigError, DataError, MissingDataError, PerfkitError
from perfkit.data.store import FORMAT_VERSION, Store, months_to_period
from perfkit.periods import Quarter, latest_complete_quarter, parse_quarter

__all__ = [
    "ensure_store",
    "last_month",
    "resolve_quarter",
    "monthly_counts",
    "registered_faults",
    "fault_keys",
    "suspected_months",
    "SUSPECT_RATIO",
    "recorded_crime",
    "population",
    "collisions_monthly",
    "workforce",
    "local_measures",
    "incidents",
    "outcomes",
    "revisions",
    "recording_changes",
    "store_inputs",
    "store_key",
    "ingest_warnings",
    "counts_main",
    "BY_COLUMNS",
]

#: Columns :func:`monthly_counts` can break counts down by.
BY_COLUMNS = ("month", "force", "crime_type", "district", "outcome")

_ASB = "Anti-social behaviour"
_INCIDENT_COLUMNS = [
    "month", "force", "crime_id", "crime_type", "lsoa_code", "lsoa_name", "district",
    "longitude", "latitude", "outcome", "crime_type_original", "location",
]
_REVISION_COLUMNS = ["month", "force", "crime_type", "old_count", "new_count", "ingested_at_source"]

# Known shipped file names -> kind, used when data/shipped/MANIFEST.yaml is absent.
_SHIPPED_GUESSES = (
    ("counts", ("*counts*.csv", "*counts*.csv.gz")),
    ("police-uk", ("*-street.csv", "*-outcomes.csv", "police-uk*/", "*.zip")),
    ("prc", ("*prc*.csv", "*rec-crime*.csv", "*recorded*.csv")),
    ("population", ("*population*.csv",)),
    ("collisions", ("*collision*.csv",)),
    ("workforce", ("*workforce*.csv", "*workforce*.ods", "*workforce*.xlsx")),
    ("measures", ("*measures*.csv",)),
)


# ------------------------------------------------------------------------------------------------
# The store
# ------------------------------------------------------------------------------------------------
_hash_cache: dict[tuple[str, int, int], str] = {}


def _file_sha(path: Path) -> str:
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _hash_cache:
        _hash_cache[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _hash_cache[key]


def _shipped_fingerprint(shipped: Path) -> str:
    """SHA-256 over every shipped file's relative path and content (not times: a fresh clone
    has new modification times but the same data)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in shipped.rglob("*") if p.is_file() and not p.name.startswith(".")):
        digest.update(str(path.relative_to(shipped)).encode())
        digest.update(_file_sha(path).encode())
    return digest.hexdigest()


def _shipped_plan(shipped: Path) -> list[tuple[str, list[Path], dict]]:
    """What to ingest from ``data/shipped``: MANIFEST.yaml when present, else known file names."""
    manifest = shipped / "MANIFEST.yaml"
    plan: dict[str, list[Path]] = {}
    if manifest.exists():
        from perfkit.config.params import load_yaml

        content = load_yaml(manifest)
        items = content.get("files", content.get("inputs")) if isinstance(content, dict) else content
        if not isinstance(items, list):
            raise DataError(f"{manifest}: found {type(content).__name__}; expected a list of {{kind: ..., path: ...}}")
        from perfkit.data.ingest import KINDS

        for i, item in enumerate(items):
            if isinstance(item, dict) and "path" not in item and "file" in item:
                item = {**item, "path": item["file"]}
            if not isinstance(item, dict) or "kind" not in item or "path" not in item:
                raise DataError(f"{manifest}: files[{i}]: found {item!r}; expected {{kind: <kind>, file: <name>}}")
            if item["kind"] not in KINDS:
                raise DataError(f"{manifest}: files[{i}].kind: found {item['kind']!r}; expected one of {', '.join(KINDS)}")
            path = shipped / str(item["path"])
            if not path.exists():
                raise DataError(f"{manifest}: files[{i}]: found {str(item['path'])!r}, which does not exist; expected a file in {shipped}")
            plan.setdefault((item["kind"], item.get("force")), []).append(path)
    else:
        taken: set[Path] = set()
        for kind, patterns in _SHIPPED_GUESSES:
            for pattern in patterns:
                for path in sorted(shipped.glob(pattern.rstrip("/"))):
                    if path in taken or (pattern.endswith("/") != path.is_dir()):
                        continue
                    taken.add(path)
                    plan.setdefault((kind, _force_in_name(path) if kind == "collisions" else None), []).append(path)
    # Counts first, then row-level data: the order does not change the result, but it reads well.
    order = ["counts", "police-uk", "prc", "population", "collisions", "workforce", "measures"]
    return [(kind, paths, {"force": force} if force else {})
            for kind in order for (k, force), paths in plan.items() if k == kind]


def _force_in_name(path: Path) -> "str | None":
    """The force a file named ``collisions-<force>.csv[.gz]`` covers (a shipped file without a manifest)."""
    from perfkit.config.forces import all_slugs

    stem = path.name.split(".")[0]
    slug = stem.removeprefix("collisions-")
    return slug if slug != stem and slug in all_slugs() else None


def _is_default(root: Path) -> bool:
    return root == config.default_store_dir()


def ensure_store(store: "Path | str | None" = None) -> Path:
    """The store's path; the default store is built from ``data/shipped/`` when missing or stale.

    The default store records a fingerprint of the shipped files (their names and SHA-256). When
    the store is missing, or the fingerprint differs (the shipped data were updated), the store is
    rebuilt from the shipped files in one transaction. A store that also holds files an analyst
    ingested is not rebuilt but brought up to date (the shipped files are ingested into it). A store
    other than the default is returned as it is.

    Examples
    --------
    >>> ensure_store()  # doctest: +SKIP
    PosixPath('/work/main/data/store')
    """
    root = Path(store).resolve() if store is not None else config.store_dir()
    if not _is_default(root):
        return root
    shipped = config.shipped_dir()
    current = Store(root)
    if not shipped.is_dir():
        if current.exists():
            return root
        raise DataError(
            f"{shipped}: the shipped data folder is missing, so the default store cannot be built; "
            "expected it in the checkout (rebuild it with `python data/build_shipped.py`), or ingest "
            "your own files with `perfkit ingest`"
        )
    fingerprint = _shipped_fingerprint(shipped)
    meta = current.meta() if current.exists() else {}
    if meta.get("shipped_fingerprint") == fingerprint and meta.get("format") == FORMAT_VERSION:
        return root
    plan = _shipped_plan(shipped)
    if not plan:
        raise DataError(f"{shipped}: found no data files to build the default store from; expected MANIFEST.yaml or the shipped files")
    from perfkit.data.ingest import ingest_many

    fresh = True
    if current.exists() and meta.get("format") == FORMAT_VERSION:
        inputs = current.frame("inputs")
        shipped_prefix = str(shipped.relative_to(config.project_root())) if shipped.is_relative_to(config.project_root()) else str(shipped)
        own = [] if inputs is None else [p for p in inputs["path"] if not str(p).startswith(shipped_prefix)]
        fresh = not own
    print(f"perfkit: {'building' if fresh else 'updating'} the default data store {root} from {shipped} ...", file=sys.stderr)
    stamp = {"shipped_fingerprint": fingerprint, "format": FORMAT_VERSION}
    ingest_many(plan, root, progress=False, fresh=fresh, meta=stamp, unless=stamp)
    return root


def _gen(store: "Path | str | None") -> Path:
    """The live generation folder of ``store`` (building the default store when needed)."""
    root = ensure_store(store) if store is None or _is_default(Path(store).resolve()) else Path(store).resolve()
    return Store(root).require()


@lru_cache(maxsize=16)
def _store_digest(generation: str) -> str:
    """SHA-256 over the hashes of every file a store generation was built from. A generation folder
    is never changed once live (an ingest writes a new one), so its path keys its content."""
    import hashlib

    frame = Store(Path(generation).parent, generation=Path(generation)).frame("inputs")
    h = hashlib.sha256()
    if frame is not None:
        for path, sha in sorted(zip(frame["path"].astype(str), frame["sha256"].astype(str))):
            h.update(path.encode())
            h.update(sha.encode())
    return h.hexdigest()


def store_key(store: "Path | str | None" = None) -> str:
    """The content key of ``store`` (a hash of its live generation's input files' hashes): what the
    caches key a store's data by."""
    return _store_digest(str(_gen(store)))


def _pinned(gen: Path) -> Store:
    """A view fixed on one generation, so a query never mixes two (an ingest may commit meanwhile)."""
    return Store(gen.parent, generation=gen)


def _table(store, name: str, kind: "str | None" = None) -> pd.DataFrame:
    root_gen = _gen(store)
    store_obj = _pinned(root_gen)
    frame = store_obj.frame(name)
    if frame is None:
        kind = kind or name
        raise MissingDataError(
            f"{root_gen.parent}: the store holds no {kind} data; expected it after "
            f"`perfkit ingest {kind} FILE --store {root_gen.parent}`", kind=kind)
    return frame


# ------------------------------------------------------------------------------------------------
# Arguments
# ------------------------------------------------------------------------------------------------
def _as_list(value) -> "list | None":
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return list(value)


def _forces(force) -> "list[str] | None":
    names = _as_list(force)
    if names is None:
        return None
    from perfkit.config.forces import slug_for

    return [slug_for(name) for name in names]


def _month(value, what: str) -> "pd.Period | None":
    if value is None:
        return None
    from perfkit.periods import parse_month

    return parse_month(value, what, error=DataError if what == "store month" else ConfigError)


def _filter(frame: pd.DataFrame, column: str, values) -> pd.DataFrame:
    values = _as_list(values)
    return frame if values is None else frame[frame[column].isin(values)]


# ------------------------------------------------------------------------------------------------
# Monthly counts
# ------------------------------------------------------------------------------------------------
def _incident_counts(gen: Path, forces, start, end, detail: list[str]) -> tuple[pd.DataFrame, set]:
    """Row-level counts by force, month, crime type (+ detail) and the force-months present."""
    import duckdb

    store = _pinned(gen)
    files, present = [], set()
    for force in forces if forces is not None else [None]:
        for slug, month, path in store.partition_files("incidents", force):
            if (start is None or month >= str(start)) and (end is None or month <= str(end)):
                files.append(str(path))
                present.add((slug, month))
    columns = ["force", "month", "crime_type", *detail]
    if not files:
        return pd.DataFrame(columns=[*columns, "count"]), present
    select = ", ".join(columns)
    with duckdb.connect() as con:
        frame = con.execute(
            f"SELECT {select}, count(*) AS count FROM read_parquet(?) GROUP BY ALL", [files]
        ).df()
    return frame, present


def _all_forces(gen: Path) -> set[str]:
    store = _pinned(gen)
    forces = {slug for slug, _m, _p in store.partition_files("incidents")}
    path = gen / "counts.parquet"
    if path.exists():
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        forces |= set(pc.unique(pq.read_table(path, columns=["force"])["force"]).to_pylist())
    return forces


def monthly_counts(
    force: "str | Sequence[str] | None" = None,
    crime_type: "str | Sequence[str] | None" = None,
    start: "str | pd.Period | None" = None,
    end: "str | pd.Period | None" = None,
    by: Sequence[str] = ("month", "force", "crime_type"),
    store: "Path | str | None" = None,
    faults: bool = True,
) -> pd.DataFrame:
    """Monthly counts of data.police.uk crimes and anti-social behaviour, as a tidy frame.

    Counts come from row-level street files (counted) and from tidy counts files; where both
    cover a force-month, the row-level data are used. Every month from ``start`` to ``end`` is
    present for every group; a month without data is NaN. A crime type absent from a force-month
    that was published is 0. A group summed over several forces or crime types is NaN when any
    part is missing, so a partial total is never shown as a whole.

    Parameters
    ----------
    force : str or list of str, optional
        Force slug(s) or any name :func:`perfkit.config.forces.slug_for` knows; default every force.
    crime_type : str or list of str, optional
        Crime type(s) as data.police.uk writes them; ``"all_crime"`` means every type except
        anti-social behaviour. Default every type.
    start, end : ``YYYY-MM`` or Period, optional
        The span (inclusive); default the first and last month with data.
    by : sequence of str, default ("month", "force", "crime_type")
        Columns to break counts down by; must include ``"month"``; any of :data:`BY_COLUMNS`.
        ``district`` (read from the LSOA name) and ``outcome`` need row-level data.
    store : path, optional
        The store; default the default store (built from data/shipped when needed).
    faults : bool, default True
        Leave out the force-months of :func:`fault_keys`: those the register (``<params>/caveats.yaml``)
        lists as data faults, and those found far below the months around them (:func:`suspected_months`).
        Otherwise: the force-months that the register lists as data
        faults: their counts are NaN, as a month with no data, so no statistic uses them.
        ``False`` gives the counts as published (to check or register a fault).

    Returns
    -------
    pandas.DataFrame
        Columns ``by + ["count"]``; ``month`` is ``period[M]``, ``count`` float (NaN = no data,
        or a registered data fault).

    Examples
    --------
    >>> monthly_counts("cambridgeshire", "Anti-social behaviour", "2014-01", "2014-01")  # doctest: +SKIP
         month           force             crime_type   count
    0  2014-01  cambridgeshire  Anti-social behaviour  1840.0
    """
    by = list(dict.fromkeys(by))
    unknown = [b for b in by if b not in BY_COLUMNS]
    if unknown or "month" not in by:
        raise ConfigError(
            f"by: found {tuple(by)!r}; expected 'month' and any of {', '.join(BY_COLUMNS[1:])} (monthly counts)"
        )
    forces = _forces(force)
    types = _as_list(crime_type)
    all_crime = types is not None and "all_crime" in types
    if all_crime and len(types) > 1:
        raise ConfigError(f"crime_type: found {types!r}; 'all_crime' is a total and cannot be combined with other types")
    if types is not None and not all_crime:
        from perfkit.data.ingest import CRIME_TYPES, OLD_CRIME_TYPES

        for t in types:
            if t not in CRIME_TYPES and t not in OLD_CRIME_TYPES:
                raise ConfigError(f"crime_type: found {t!r}; expected 'all_crime' or one of {', '.join(CRIME_TYPES)}")
    start, end = _month(start, "start"), _month(end, "end")
    if start is not None and end is not None and end < start:
        raise ConfigError(f"end: found {end}, before start {start}; expected a span of at least one month")
    detail = [c for c in ("district", "outcome") if c in by]

    gen = _gen(store)
    universe = sorted(forces) if forces is not None else sorted(_all_forces(gen))
    rows, present = _incident_counts(gen, universe, start, end, detail)
    rows["month"] = rows["month"].astype(str)
    presence = [pd.DataFrame([(f, m, a) for f, m in present for a in (False, True)], columns=["force", "month", "asb"])]
    parts = [rows]
    table = _pinned(gen).table("counts")
    if table is not None and table.num_rows:
        counts = table.select(["month", "force", "crime_type", "count"]).to_pandas()
        counts = counts[counts["force"].isin(universe)]
        if start is not None:
            counts = counts[counts["month"] >= str(start)]
        if end is not None:
            counts = counts[counts["month"] <= str(end)]
        # Row-level data win where both cover a force-month.
        if present:
            keys = counts["force"] + "|" + counts["month"]
            counts = counts[~keys.isin([f"{f}|{m}" for f, m in present])]
        if not detail and len(counts):
            grouped = counts.groupby(["force", "month", "crime_type"], as_index=False)["count"].sum()
            parts.append(grouped)
            # A counts file vouches for a force-month's crimes if it lists any crime type, and for
            # its ASB only if it lists ASB (ASB rows are missing for some force-months in real files).
            marks = counts.assign(asb=counts["crime_type"] == _ASB)[["force", "month", "asb"]].drop_duplicates()
            presence.append(marks)
    data = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else rows
    if types is not None and not all_crime:
        data = data[data["crime_type"].isin(types)]
    if all_crime:
        data = data[data["crime_type"] != _ASB]
    if not len(data) and types is None:
        who = ", ".join(universe) if universe else "any force"
        raise DataError(f"{gen.parent}: the store has no monthly counts for {who}; expected them after `perfkit ingest`")

    first = start or (_month(data["month"].min(), "store month") if len(data) else None)
    last = end or (_month(data["month"].max(), "store month") if len(data) else None)
    if first is None or last is None:
        return pd.DataFrame({**{c: [] for c in by}, "count": pd.Series([], dtype="float64")})
    months = pd.DataFrame({"month": [str(m) for m in pd.period_range(first, last, freq="M")]})

    # The grid: every force x month x crime type (x detail) that should have a value.
    if detail:
        combos = data[["force", "crime_type", *detail]].drop_duplicates()
        missing = [f for f in universe if f not in set(combos["force"])]
        if missing:
            filler = sorted(set(data["crime_type"])) or (types or ["all_crime"])
            combos = pd.concat([combos, pd.DataFrame([(f, t) for f in missing for t in filler], columns=["force", "crime_type"])], ignore_index=True)
    else:
        kinds = sorted(set(data["crime_type"]) | (set(types) if types is not None and not all_crime else set()))
        if not kinds and all_crime:
            kinds = ["all_crime"]
        combos = pd.DataFrame([(f, t) for f in universe for t in kinds], columns=["force", "crime_type"])
    keys = ["force", "month", "crime_type", *detail]
    grid = combos.merge(months, how="cross").merge(data, on=keys, how="left")
    pres = pd.concat(presence, ignore_index=True).drop_duplicates().assign(present=True)
    grid["asb"] = grid["crime_type"] == _ASB
    grid = grid.merge(pres, on=["force", "month", "asb"], how="left")
    grid["present"] = grid["present"].fillna(False).astype(bool)
    grid["count"] = np.where(grid["count"].notna(), grid["count"], np.where(grid["present"], 0.0, np.nan)).astype("float64")
    if faults:
        bad = fault_keys(store)
        if bad:
            keys_now = list(zip(grid["force"], grid["month"], grid["crime_type"]))
            grid.loc[[k in bad for k in keys_now], "count"] = np.nan
    if all_crime:
        grid["crime_type"] = "all_crime"

    groups = grid.groupby(by, dropna=False, sort=True)["count"]
    out = groups.sum(min_count=1).to_frame()
    out.loc[grid["count"].isna().groupby([grid[b] for b in by], dropna=False, sort=True).any().to_numpy(), "count"] = np.nan
    out = out.reset_index()
    out["month"] = months_to_period(out["month"])
    return out[[*by, "count"]].sort_values(by, kind="stable").reset_index(drop=True)


#: A force-month whose crimes (all but anti-social behaviour) fall below this share of the median of
#: the six months around it is a suspected fault: an incomplete feed, not a change in crime.
SUSPECT_RATIO = 0.6


def suspected_months(store: "Path | str | None" = None) -> pd.DataFrame:
    """Force-months of the store whose published crimes (all but anti-social behaviour) are far
    below the months around them: below :data:`SUSPECT_RATIO` times the median of the three months
    either side (at least three of them with data), which also catches a month whose crime rows are
    missing (its crimes count 0 while anti-social behaviour was published). Every force, so a
    comparator's or the national total's broken month is found as the force's own is.

    Returns columns ``force, month, count, neighbours_median, ratio``. Computed once per store
    generation (a generation never changes once live).
    """
    return _suspected(str(_gen(store))).copy()


def _suspected(generation: str) -> pd.DataFrame:
    # The one cache rule (perfkit.config.cache, its memory layer too): keyed by what the generation
    # was built from and the code of perfkit.data, kept beside the store, so the report kernels of a
    # run read it instead of each recounting every force.
    from perfkit.config.cache import CACHES

    suspected = CACHES["suspected"]
    return suspected.get(suspected.key(_store_digest(generation)), lambda: _find_suspected(generation),
                         store=Path(generation).parent)


def _find_suspected(generation: str) -> pd.DataFrame:
    store = Path(generation).parent
    columns = ["force", "month", "count", "neighbours_median", "ratio"]
    try:
        frame = monthly_counts(crime_type="all_crime", by=("force", "month"), store=store, faults=False)
    except (DataError, MissingDataError):
        return pd.DataFrame(columns=columns)
    rows = []
    for force, part in frame.groupby("force", sort=True):
        counts = part.set_index("month")["count"].sort_index()
        values = counts.to_numpy(dtype=float)
        for i, (month, value) in enumerate(counts.items()):
            around = np.concatenate([values[max(0, i - 3): i], values[i + 1: i + 4]])
            around = around[~np.isnan(around)]
            if np.isnan(value) or len(around) < 3:
                continue
            median = float(np.median(around))
            if median > 0 and value < SUSPECT_RATIO * median:
                rows.append({"force": force, "month": month, "count": float(value), "neighbours_median": median,
                             "ratio": float(value) / median})
    return pd.DataFrame(rows, columns=columns)


def fault_keys(store: "Path | str | None" = None) -> frozenset:
    """``{(force, 'YYYY-MM', crime type)}`` left out of every statistic: the register's data faults
    (:func:`registered_faults`) and the suspected months of every force (:func:`suspected_months`),
    whether or not a register names them (a force set up by ``perfkit init``, a comparator, the
    national totals). The checks page lists each suspected month for the analysts to confirm in
    the register, which can also overrule one (:func:`genuine_months`)."""
    from perfkit.data.ingest import CRIME_TYPES

    keys = set(registered_faults())
    crimes = [t for t in CRIME_TYPES if t != _ASB]
    kept = genuine_months()
    for row in suspected_months(store).itertuples():
        if (row.force, str(row.month)) not in kept:  # the register overrules the check: used as data
            keys |= {(row.force, str(row.month), t) for t in crimes}
    return frozenset(keys)


def genuine_months() -> frozenset:
    """``{(force, 'YYYY-MM')}`` of suspected months the register confirms are genuine
    (``genuine_months:`` in ``params/caveats.yaml``): used as data (empty without a register)."""
    from perfkit.config.register import current_register

    if not (config.params_dir() / "caveats.yaml").is_file():
        return frozenset()
    return frozenset((g.force, str(g.month)) for g in current_register().genuine)


def registered_faults() -> frozenset:
    """``{(force, 'YYYY-MM', crime type)}`` that the register lists as data faults (empty when
    the params folder has no register). Follows the register's content, so an edited register
    counts from the next query."""
    from perfkit.config.register import current_register

    if not (config.params_dir() / "caveats.yaml").is_file():
        return frozenset()
    return _fault_keys(current_register())


@lru_cache(maxsize=8)
def _fault_keys(register) -> frozenset:
    from perfkit.data.ingest import CRIME_TYPES

    out = set()
    for c in register:
        if c.is_fault:
            types = set(c.crime_types)
            if "all_crime" in types:
                types = (types - {"all_crime"}) | {t for t in CRIME_TYPES if t != _ASB}
            out |= {(c.force, str(m), t) for m in c.months for t in types}
    return frozenset(out)


def last_month(force: "str | None" = None, store: "Path | str | None" = None) -> "pd.Period | None":
    """The latest month with data.police.uk data (row-level or counts) for ``force`` or any force.

    Examples
    --------
    >>> last_month("cambridgeshire")  # doctest: +SKIP
    Period('2018-09', 'M')
    """
    gen = _gen(store)
    forces = _forces(force)
    store_obj = _pinned(gen)
    months = [m for f in (forces or [None]) for _s, m, _p in store_obj.partition_files("incidents", f)]
    counts = store_obj.frame("counts")
    if counts is not None and len(counts):
        counts = counts if forces is None else counts[counts["force"].isin(forces)]
        months += [str(m) for m in counts["month"].unique()]
    if not months:
        return None
    return _month(max(months), "store month")


def resolve_quarter(quarter: "str | Quarter", store=None) -> Quarter:
    """``'auto'`` means the latest complete quarter in the store; otherwise parse the id."""
    if isinstance(quarter, Quarter):
        return quarter
    if str(quarter).strip().lower() == "auto":
        return latest_complete_quarter(last_month(store=store))
    q = parse_quarter(quarter)
    try:
        last = last_month(store=store)
    except PerfkitError:  # a store without data.police.uk months: nothing to hold the quarter against
        last = None
    if last is not None and not pd.isna(last) and q.start > pd.Period(last, freq="M"):
        raise DataError(f"quarter {q.id}: {q.long_label} starts after the data: the latest month in the data store "
                        f"is {pd.Period(last, freq='M').strftime('%B %Y')}; expected a quarter that has begun by then "
                        "(or 'auto' for the latest complete quarter)")
    return q


# ------------------------------------------------------------------------------------------------
# Row-level data
# ------------------------------------------------------------------------------------------------
def _partitions(family: str, force, start, end, store) -> list[Path]:
    if force is None:
        raise ConfigError(f"force: found None; expected a force (row-level {family} are read one force at a time, or a list)")
    gen = _gen(store)
    start, end = _month(start, "start"), _month(end, "end")
    return [
        p for slug in _forces(force) for _f, m, p in _pinned(gen).partition_files(family, slug)
        if (start is None or m >= str(start)) and (end is None or m <= str(end))
    ]


def _read_partitions(paths: list[Path], columns: list[str]) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not paths:
        frame = pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    else:
        frame = pa.concat_tables([pq.read_table(p) for p in paths], promote_options="default").to_pandas()
        frame = frame[[c for c in columns if c in frame.columns]]
    frame["month"] = months_to_period(frame["month"]) if len(frame) else pd.Series(dtype="period[M]")
    return frame.reset_index(drop=True)


def incidents(
    force: "str | Sequence[str]",
    start: "str | pd.Period | None" = None,
    end: "str | pd.Period | None" = None,
    store: "Path | str | None" = None,
) -> pd.DataFrame:
    """Row-level data.police.uk street rows of a force (or a list of forces), one row per incident.

    No row is removed: identical anti-social behaviour rows are separate incidents.

    Returns
    -------
    pandas.DataFrame
        ``month, force, crime_id, crime_type, lsoa_code, lsoa_name, district, longitude,
        latitude, outcome`` then ``crime_type_original`` (as published, before harmonising the
        mid-2013 categories) and ``location`` ("On or near ...").

    Examples
    --------
    >>> len(incidents("cambridgeshire", "2014-01", "2014-01"))  # doctest: +SKIP
    5434
    """
    return _read_partitions(_partitions("incidents", force, start, end, store), _INCIDENT_COLUMNS)


def outcomes(
    force: str,
    start: "str | pd.Period | None" = None,
    end: "str | pd.Period | None" = None,
    store: "Path | str | None" = None,
) -> pd.DataFrame:
    """Rows of data.police.uk outcomes files of one force (a crime can have several outcomes).

    ``month`` is the month the outcome was published in, not the month of the crime.
    """
    columns = ["month", "force", "crime_id", "outcome_type", "lsoa_code", "lsoa_name", "district", "longitude", "latitude", "location"]
    return _read_partitions(_partitions("outcomes", force, start, end, store), columns)


# ------------------------------------------------------------------------------------------------
# Bookkeeping
# ------------------------------------------------------------------------------------------------
def revisions(force: "str | None" = None, store: "Path | str | None" = None) -> pd.DataFrame:
    """Count changes recorded when a newer release of a force-month replaced an older one.

    Returns
    -------
    pandas.DataFrame
        ``month, force, crime_type, old_count, new_count, ingested_at_source`` (when and from
        which file, e.g. ``"2026-11-26T10:15:00+00:00 from 2014-01.zip!..."``), then
        ``ingested_at``, ``source`` and ``old_source`` separately. Empty when nothing was revised.
    """
    gen = _gen(store)
    frame = _pinned(gen).frame("revisions")
    if frame is None:
        return pd.DataFrame({
            "month": pd.Series(dtype="period[M]"), "force": pd.Series(dtype="str"), "crime_type": pd.Series(dtype="str"),
            "old_count": pd.Series(dtype="Int64"), "new_count": pd.Series(dtype="Int64"), "ingested_at_source": pd.Series(dtype="str"),
        })
    frame["month"] = months_to_period(frame["month"].astype(str))
    frame = _filter(frame, "force", _forces(force))
    return frame.reset_index(drop=True)


def recording_changes(force: "str | None" = None, store: "Path | str | None" = None) -> pd.DataFrame:
    """Old-scheme (pre-May 2013) data.police.uk categories met while ingesting, and what was done.

    Returns
    -------
    pandas.DataFrame
        ``force, month, crime_type_original, crime_type, rows, mapped, note``: ``mapped`` is True
        where rows were moved to the current category, False where they were kept as published
        because no sound mapping exists.
    """
    gen = _gen(store)
    frame = _pinned(gen).frame("recording_changes")
    if frame is None:
        return pd.DataFrame(columns=["force", "month", "crime_type_original", "crime_type", "rows", "mapped", "note"])
    frame["month"] = months_to_period(frame["month"].astype(str))
    return _filter(frame, "force", _forces(force)).reset_index(drop=True)


def store_inputs(store: "Path | str | None" = None) -> list[dict]:
    """Every file in the store: ``[{"path", "sha256", "kind"}, ...]`` (for a run's manifest).

    Zip members are written ``archive.zip!member``. Paths inside the project are relative to it.
    """
    gen = _gen(store)
    frame = _pinned(gen).frame("inputs")
    if frame is None:
        return []
    return [{"path": r.path, "sha256": r.sha256, "kind": r.kind} for r in frame.itertuples()]


def ingest_warnings(store: "Path | str | None" = None) -> list[dict]:
    """The warnings ``perfkit ingest`` gave for the files in the store (data still sound, but an
    analyst should look): ``[{"kind", "warning", "ingested_at"}, ...]``, oldest first. A run's
    pre-publication checks repeat them."""
    gen = _gen(store)
    frame = _pinned(gen).frame("warnings")
    if frame is None:
        return []
    return frame.to_dict("records")


# ------------------------------------------------------------------------------------------------
# Official tables
# ------------------------------------------------------------------------------------------------
def recorded_crime(force=None, offence=None, store: "Path | str | None" = None) -> pd.DataFrame:
    """Police recorded crime (ONS/Home Office), rolling 12-month totals by force and offence.

    ``offence="all_excluding_fraud"`` sums every offence except fraud for each period and force.

    Returns
    -------
    pandas.DataFrame
        ``period_end`` (Timestamp), ``force``, ``offence``, ``count``.
    """
    frame = _filter(_table(store, "prc"), "force", _forces(force))
    offences = _as_list(offence)
    if offences == ["all_excluding_fraud"]:
        kept = frame[~frame["offence"].astype(str).str.contains("fraud", case=False)]
        frame = kept.groupby(["period_end", "force"], as_index=False)["count"].sum()
        frame.insert(2, "offence", "all_excluding_fraud")
    else:
        frame = _filter(frame, "offence", offences)
    return frame[["period_end", "force", "offence", "count"]].sort_values(["force", "period_end", "offence"]).reset_index(drop=True)


def population(force=None, store: "Path | str | None" = None) -> pd.DataFrame:
    """ONS mid-year population by force area: ``year``, ``force``, ``population``."""
    frame = _filter(_table(store, "population"), "force", _forces(force))
    return frame[["year", "force", "population"]].sort_values(["force", "year"]).reset_index(drop=True)


def collisions_monthly(severity=None, store: "Path | str | None" = None) -> pd.DataFrame:
    """Road traffic collisions a month by severity: ``month``, ``force``, ``severity``, ``count``.

    Every month from a force's first to its last month with collision records is present, with 0
    where no collision of that severity was recorded; months outside that span are absent.
    Killed or seriously injured (KSI) is ``Fatal`` + ``Serious``.

    Examples
    --------
    >>> collisions_monthly(["Fatal", "Serious"]).groupby("month")["count"].sum()  # doctest: +SKIP
    """
    rows = _table(store, "collisions")
    severities = _as_list(severity) or ["Fatal", "Serious", "Slight"]
    parts = []
    for force, group in rows.groupby("force"):
        months = pd.period_range(group["month"].min(), group["month"].max(), freq="M")
        grid = pd.MultiIndex.from_product([months, [force], severities], names=["month", "force", "severity"])
        counted = group[group["severity"].isin(severities)].groupby(["month", "force", "severity"]).size()
        parts.append(counted.reindex(grid, fill_value=0).rename("count").reset_index())
    if not parts:
        return pd.DataFrame({"month": pd.Series(dtype="period[M]"), "force": [], "severity": [], "count": []})
    out = pd.concat(parts, ignore_index=True)
    out["count"] = out["count"].astype("int64")
    return out.sort_values(["force", "month", "severity"]).reset_index(drop=True)


def workforce(force=None, store: "Path | str | None" = None) -> pd.DataFrame:
    """Police officer full-time equivalents by force at each date: ``date``, ``force``, ``officer_fte``."""
    frame = _filter(_table(store, "workforce"), "force", _forces(force))
    return frame[["date", "force", "officer_fte"]].sort_values(["force", "date"]).reset_index(drop=True)


def local_measures(measure=None, force=None, store: "Path | str | None" = None) -> pd.DataFrame:
    """Local measures from force systems: ``measure``, ``force``, ``month``, ``value`` (+ ``note``)."""
    frame = _filter(_table(store, "measures"), "measure", _as_list(measure))
    frame = _filter(frame, "force", _forces(force))
    columns = ["measure", "force", "month", "value"] + (["note"] if "note" in frame.columns else [])
    return frame[columns].sort_values(["measure", "force", "month"]).reset_index(drop=True)


# ------------------------------------------------------------------------------------------------
# perfkit counts
# ------------------------------------------------------------------------------------------------
def _counts_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="perfkit counts",
        description="Print monthly counts from the store as CSV (a month without data prints an empty count).",
        allow_abbrev=False,  # --force is not short for --forces
    )
    parser.add_argument("--forces", action="append", metavar="SLUG,SLUG", help="force slugs, comma-separated (or the option repeated); default all")
    parser.add_argument("--crime-type", action="append", metavar="TYPE", help="crime type, or all_crime (every type but ASB); default every type")
    parser.add_argument("--from", dest="start", metavar="YYYY-MM", help="first month (default: the first with data)")
    parser.add_argument("--to", dest="end", metavar="YYYY-MM", help="last month (default: the last with data)")
    parser.add_argument("--by", default="month,crime_type", help="comma-separated: month plus any of crime_type, district, outcome (force is always shown); default month,crime_type")
    parser.add_argument("--store", metavar="DIR", help="store folder (default: data/store, or $PERFKIT_STORE)")
    return parser


def counts_main(argv: "list[str] | None" = None) -> int:
    """``perfkit counts``: monthly counts as CSV on standard output; returns the exit code.

    Examples
    --------
    ``perfkit counts --forces cambridgeshire --from 2014-01 --to 2014-11 --by month`` prints::

        month,force,count
        2014-01,cambridgeshire,5434
        ...
    """
    args = _counts_parser().parse_args(argv)
    forces = [f.strip() for item in (args.forces or []) for f in item.split(",") if f.strip()] or None
    types = [t.strip() for item in (args.crime_type or []) for t in item.split(",") if t.strip()] or None
    by = [b.strip() for b in args.by.split(",") if b.strip()]
    if "month" not in by:
        raise ConfigError(f"--by: found {args.by!r}; expected 'month' first, e.g. --by month,crime_type")
    columns = ["month", "force", *[b for b in by if b not in ("month", "force")]]
    frame = monthly_counts(forces, types, args.start, args.end, by=columns, store=args.store)
    out = frame.copy()
    out["month"] = out["month"].astype(str)
    out["count"] = out["count"].map(lambda v: "" if pd.isna(v) else str(int(v)))
    out.to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0
