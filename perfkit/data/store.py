"""The Parquet data store: layout, reading, and atomic, incremental writing.

The store is a folder of Parquet files rebuilt from raw downloads by ``perfkit ingest``; nothing in
it is edited by hand and the raw files are never modified. It is *versioned by generation* so that a
crash or a kill part-way through an ingest leaves it exactly as it was::

    <store>/
        CURRENT                         one line: the name of the live generation folder
        gen-<timestamp>-<id>/           the live generation (the only one, between ingests)
            meta.json                   format version, when written, shipped-data fingerprint
            inputs.parquet              every file ingested: path, sha256, kind, rows, when
            partitions.parquet          which street file supplied each force-month (police-uk)
            incidents/<force>/<YYYY-MM>.parquet   data.police.uk street rows, one file a force-month
            outcomes/<force>/<YYYY-MM>.parquet    data.police.uk outcomes rows, one file a force-month
            counts.parquet              monthly counts from tidy counts files
            revisions.parquet           count differences when a newer release replaced an older
            recording_changes.parquet   the mid-2013 category change: what was mapped, what was not
            prc.parquet, population.parquet, collisions.parquet, workforce.parquet, measures.parquet

An ingest (a :class:`Transaction`) builds the next generation in a staging folder *beside* the store,
hard-linking every unchanged file from the live generation (so adding a month costs one month's
work, not a rewrite) and writing new files under new names (a hard-linked file is never written in
place). Commit renames the staging folder into the store and then replaces ``CURRENT`` atomically
(``os.replace``); the old generation is deleted by the next ingest. Until that one rename, readers and the
folder's contents see the old generation; after it, the new one. A killed ingest leaves only a
staging folder beside the store, removed by the next ingest.

Examples
--------
>>> import tempfile, pyarrow as pa
>>> root = Path(tempfile.mkdtemp()) / "store"
>>> with Transaction(root) as tx:
...     _ = tx.write_table("counts", pa.table({"n": [1, 2]}))
>>> Store(root).table("counts").num_rows
2
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import json
import os
import re
import shutil
import sys
import uuid
from pathlib import Path
from typing import Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from perfkit import config
from perfkit.errors import DataError
from perfkit.periods import parse_month

__all__ = ["FORMAT_VERSION", "Store", "Transaction", "period_columns_to_text", "text_columns_to_period", "months_to_period", "write_partition_file"]

#: Bumped when the layout changes incompatibly; a store of another version must be rebuilt.
FORMAT_VERSION = 1

_CURRENT = "CURRENT"
_UNIQUE_COLUMNS = {"crime_id", "longitude", "latitude"}
# Only folders named exactly as this module names them are ever deleted.
_GENERATION_RE = re.compile(r"^gen-\d{8}T\d{6}-[0-9a-f]{8}$")
_STAGING_RE = re.compile(r"^\.staging-[0-9a-f]{12}$")
_PERIODS_KEY = b"perfkit.period_columns"


def _resolve(store: "Path | str | None") -> Path:
    return Path(store).resolve() if store is not None else config.store_dir()


def period_columns_to_text(frame: pd.DataFrame) -> pa.Table:
    """A pandas frame as an Arrow table, ``period[M]`` columns written ``YYYY-MM`` (noted in metadata).

    Parquet has no month type, and text months stay readable by DuckDB and other tools.
    """
    frame = frame.copy()
    periods = [c for c in frame.columns if isinstance(frame[c].dtype, pd.PeriodDtype)]
    for column in periods:
        frame[column] = frame[column].astype(str).where(frame[column].notna(), None)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[_PERIODS_KEY] = json.dumps(periods).encode()
    return table.replace_schema_metadata(meta)


def text_columns_to_period(table: pa.Table) -> pd.DataFrame:
    """Inverse of :func:`period_columns_to_text`: an Arrow table as pandas with its months restored."""
    meta = table.schema.metadata or {}
    periods = json.loads(meta.get(_PERIODS_KEY, b"[]"))
    frame = table.to_pandas()
    for column in periods:
        if column in frame.columns:
            # Parse each distinct month once: tables hold few distinct months in many rows, and
            # parsing every string is what made reading slow.
            codes = pd.Categorical(frame[column])
            months = pd.PeriodIndex([parse_month(c, f"stored column {column}", error=DataError)
                                     for c in codes.categories], dtype="period[M]")
            taken = months.take(codes.codes, allow_fill=True, fill_value=pd.NaT) if len(months) else \
                pd.PeriodIndex([pd.NaT] * len(frame), dtype="period[M]")
            frame[column] = pd.array(taken, dtype="period[M]")
    return frame


def months_to_period(values) -> pd.PeriodIndex:
    """``YYYY-MM`` texts as a monthly PeriodIndex, fast (pandas parses Periods one by one).

    >>> list(months_to_period(["2014-01", "2015-12"]).astype(str))
    ['2014-01', '2015-12']
    """
    text = pd.Series(values, dtype="str")
    if text.isna().any() or not text.str.fullmatch(r"\d{4}-\d{2}").all():
        return pd.PeriodIndex(values, freq="M")
    ordinals = (text.str.slice(0, 4).astype("int64") - 1970) * 12 + text.str.slice(5, 7).astype("int64") - 1
    return pd.PeriodIndex.from_ordinals(ordinals.to_numpy(), freq="M")


class Store:
    """A read-only view of a store folder (its live generation).

    Parameters
    ----------
    root : path, optional
        The store folder; default :func:`perfkit.config.store_dir`.
    generation : path, optional
        Pin the view to this generation folder (queries then never mix two generations, even if
        an ingest commits meanwhile). Default: whichever is live at each access.
    """

    def __init__(self, root: "Path | str | None" = None, generation: "Path | None" = None):
        self.root = _resolve(root)
        self._pinned = Path(generation) if generation is not None else None

    # --- where things are ---------------------------------------------------------------------
    @property
    def generation(self) -> "Path | None":
        """Folder of the live generation, or None when the store has never been written."""
        if self._pinned is not None:
            return self._pinned
        pointer = self.root / _CURRENT
        try:
            name = pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        gen = self.root / name
        if not name or not gen.is_dir():
            raise DataError(
                f"{pointer}: names generation {name!r}, which is missing; the store is damaged. "
                "Delete the store folder and run `perfkit ingest` again (it is rebuilt from the raw files)"
            )
        return gen

    def exists(self) -> bool:
        """True when the store has a live generation."""
        return self.generation is not None

    def require(self) -> Path:
        """The live generation folder; a :class:`DataError` saying how to build it when there is none."""
        gen = self.generation
        if gen is None:
            raise DataError(
                f"{self.root}: no data store here; expected one built by `perfkit ingest <kind> PATH "
                f"--store {self.root}` (or use the default store, built from data/shipped)"
            )
        return gen

    def meta(self) -> dict:
        """The generation's ``meta.json`` ({} when the store is empty)."""
        gen = self.generation
        if gen is None or not (gen / "meta.json").exists():
            return {}
        return json.loads((gen / "meta.json").read_text(encoding="utf-8"))

    # --- reading ------------------------------------------------------------------------------
    def table(self, name: str) -> "pa.Table | None":
        """The small table ``<name>.parquet`` as Arrow, or None when absent."""
        gen = self.generation
        if gen is None:
            return None
        path = gen / f"{name}.parquet"
        return pq.read_table(path) if path.exists() else None

    def frame(self, name: str) -> "pd.DataFrame | None":
        """The small table ``<name>.parquet`` as pandas (months restored), or None when absent."""
        table = self.table(name)
        return None if table is None else text_columns_to_period(table)

    def partition_files(self, family: str, force: "str | None" = None) -> Iterator[tuple[str, str, Path]]:
        """``(force, 'YYYY-MM', path)`` of every force-month file of ``family`` (incidents, outcomes)."""
        gen = self.generation
        if gen is None:
            return
        base = gen / family
        if not base.is_dir():
            return
        forces = [base / force] if force else sorted(p for p in base.iterdir() if p.is_dir())
        for folder in forces:
            if not folder.is_dir():
                continue
            for path in sorted(folder.glob("*.parquet")):
                yield folder.name, path.stem, path


class Transaction:
    """Build the store's next generation and switch to it atomically; a context manager.

    On entering, the store is locked against other writers (other processes wait) and a staging
    copy of the live generation is made of hard links. Write with :meth:`write_table` /
    :meth:`path_for`, delete with :meth:`remove`. Leaving the block without an exception commits;
    an exception (including Ctrl-C) removes the staging folder and leaves the store untouched.
    Calling :meth:`discard` inside the block makes leaving it a no-op (nothing changed).

    Parameters
    ----------
    root : path, optional
        The store folder (created at commit if missing); default :func:`perfkit.config.store_dir`.
    fresh : bool, default False
        Start from an empty generation instead of the live one (a rebuild).
    """

    def __init__(self, root: "Path | str | None" = None, *, fresh: bool = False):
        self.root = _resolve(root)
        self.fresh = fresh
        self.staging: "Path | None" = None
        self._lock_fd: "int | None" = None
        self._discarded = False
        self._written: list[Path] = []

    # --- lifecycle ----------------------------------------------------------------------------
    def __enter__(self) -> "Transaction":
        parent = self.root.parent
        if not parent.is_dir():
            raise DataError(f"{self.root}: cannot create the store here; the folder {parent} does not exist")
        if self.root.is_dir() and not (self.root / _CURRENT).exists() and any(self.root.iterdir()):
            raise DataError(
                f"{self.root}: this folder holds other files and is not a perfkit store (it has no "
                f"{_CURRENT} file); expected an empty or new folder, or an existing store, for --store"
            )
        self._lock()
        try:
            self._clean_stale()
            self.staging = self._staging_parent() / f".{self.root.name}.staging-{uuid.uuid4().hex[:12]}"
            self.staging.mkdir()
            live = None if self.fresh else Store(self.root).generation
            if live is not None:
                self._link_tree(live, self.staging)
        except BaseException:
            self._abort()
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None or self._discarded:
            self._abort()
            return False
        try:
            self._commit()
        except BaseException:
            self._abort()
            raise
        return False

    def discard(self) -> None:
        """Leave the store as it is when the block ends (nothing worth committing)."""
        self._discarded = True

    # --- writing ------------------------------------------------------------------------------
    def path_for(self, relative: str) -> Path:
        """A path in the staging generation to write a *new* file to (parents created).

        Any file already there (a hard link into the live generation) is unlinked first, so the
        live generation is never written through.
        """
        assert self.staging is not None, "use Transaction as a context manager"
        path = self.staging / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            path.unlink()
        self._written.append(path)
        return path

    def write_table(self, name: str, table: "pa.Table | pd.DataFrame") -> Path:
        """Write (replace) the small table ``<name>.parquet``."""
        if isinstance(table, pd.DataFrame):
            table = period_columns_to_text(table)
        path = self.path_for(f"{name}.parquet")
        pq.write_table(table, path, compression="zstd")
        return path

    def write_partition(self, family: str, force: str, month: str, table: pa.Table) -> Path:
        """Write (replace) one force-month file ``<family>/<force>/<month>.parquet``."""
        path = self.path_for(f"{family}/{force}/{month}.parquet")
        write_partition_file(table, path)
        return path

    def pending_path(self) -> Path:
        """A fresh path in the staging area for a file written by a worker thread.

        Workers write force-month files in parallel; :meth:`adopt` then moves each into place in
        order, which keeps the decisions (replace, revise) in one thread.
        """
        assert self.staging is not None
        folder = self.staging / ".pending"
        folder.mkdir(exist_ok=True)
        return folder / f"{uuid.uuid4().hex}.parquet"

    def adopt(self, pending: Path, relative: str) -> Path:
        """Move a file from :meth:`pending_path` to ``relative`` (replacing any link there)."""
        assert self.staging is not None
        target = self.staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        # os.replace swaps the directory entry only: a hard-linked file it replaces keeps its
        # content for the live generation.
        os.replace(pending, target)
        self._written.append(target)
        return target

    def table(self, name: str) -> "pa.Table | None":
        """The staging copy of ``<name>.parquet`` (what this transaction will commit), or None."""
        assert self.staging is not None
        path = self.staging / f"{name}.parquet"
        return pq.read_table(path) if path.exists() else None

    def frame(self, name: str) -> "pd.DataFrame | None":
        """:meth:`table` as pandas with months restored."""
        table = self.table(name)
        return None if table is None else text_columns_to_period(table)

    def remove(self, relative: str) -> None:
        """Delete a file from the staging generation (the live one keeps its own link)."""
        assert self.staging is not None
        path = self.staging / relative
        if path.exists():
            path.unlink()

    def meta(self) -> dict:
        """The staging ``meta.json`` (copied from the live generation), {} when new."""
        assert self.staging is not None
        path = self.staging / "meta.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def set_meta(self, **values) -> None:
        """Update keys of the generation's ``meta.json`` (written at commit)."""
        meta = self.meta()
        meta.update(values)
        path = self.path_for("meta.json")
        path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    # --- internals ----------------------------------------------------------------------------
    def _staging_parent(self) -> Path:
        # Beside the store, so that a killed ingest leaves the store folder itself untouched; but
        # inside it when the store is a mount point (a rename cannot cross file systems).
        parent = self.root.parent
        if self.root.is_dir() and os.stat(self.root).st_dev != os.stat(parent).st_dev:
            return self.root
        return parent

    def _lock(self) -> None:
        # flock on the parent folder: no lock file is left behind, and the lock dies with the
        # process, so a killed ingest never blocks the next one.
        fd = os.open(self.root.parent, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"perfkit: waiting for another process writing to {self.root} ...", file=sys.stderr)
            fcntl.flock(fd, fcntl.LOCK_EX)
        self._lock_fd = fd

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def _clean_stale(self) -> None:
        # We hold the writers' lock, so any staging folder for this store is from a killed ingest,
        # and any generation other than the live one from a kill between the two commit renames.
        for parent in {self.root.parent, self.root}:
            if parent.is_dir():
                for stale in parent.glob(f".{self.root.name}.staging-*"):
                    if _STAGING_RE.match(stale.name[len(self.root.name) + 1:]):
                        shutil.rmtree(stale, ignore_errors=True)
        live = Store(self.root).generation if self.root.is_dir() else None
        if self.root.is_dir():
            for gen in self.root.glob("gen-*"):
                if gen != live and _GENERATION_RE.match(gen.name):
                    shutil.rmtree(gen, ignore_errors=True)

    @staticmethod
    def _link_tree(source: Path, target: Path) -> None:
        for folder, _dirs, files in os.walk(source):
            rel = Path(folder).relative_to(source)
            (target / rel).mkdir(parents=True, exist_ok=True)
            for name in files:
                src, dst = Path(folder) / name, target / rel / name
                try:
                    os.link(src, dst)
                except OSError:
                    # File systems without hard links: a copy is slower but just as safe.
                    shutil.copy2(src, dst)

    def _commit(self) -> None:
        assert self.staging is not None
        if not (self.staging / "meta.json").exists() or self.meta().get("format") != FORMAT_VERSION:
            self.set_meta(format=FORMAT_VERSION)
        self.set_meta(written_at=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
        pending = self.staging / ".pending"
        if pending.is_dir():
            shutil.rmtree(pending)
        self._fsync_written()
        self.root.mkdir(exist_ok=True)
        stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
        name = f"gen-{stamp}-{uuid.uuid4().hex[:8]}"
        old = Store(self.root).generation
        pointer_tmp = self.staging / ".CURRENT.tmp"
        pointer_tmp.write_text(name + "\n", encoding="utf-8")
        _fsync_file(pointer_tmp)
        os.rename(self.staging, self.root / name)
        self.staging = None
        # The one atomic step: before it the old generation is live, after it the new one.
        os.replace(self.root / name / ".CURRENT.tmp", self.root / _CURRENT)
        _fsync_dir(self.root)
        # The previous generation is kept until the next ingest (which removes it while holding
        # the lock), so a reader in another process that resolved it a moment ago can finish.
        for gen in self.root.glob("gen-*"):
            if gen.name != name and gen != old and _GENERATION_RE.match(gen.name):
                shutil.rmtree(gen, ignore_errors=True)
        self._unlock()

    def _abort(self) -> None:
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None
        self._unlock()

    def _fsync_written(self) -> None:
        # Hard-linked files are already durable; only files this transaction wrote, and the
        # folders holding them, need syncing before the switch. Syncing once at the end, many
        # at a time, lets the file system commit them together: syncing each file as it was
        # written halved the ingest's speed on a busy disk.
        from concurrent.futures import ThreadPoolExecutor

        files = [p for p in self._written if p.exists()]
        folders = sorted({p.parent for p in files})
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(_fsync_file, files))
            list(pool.map(_fsync_dir, folders))


def write_partition_file(table: pa.Table, path: Path, *, sync: bool = False) -> None:
    """Write one force-month Parquet file (zstd), optionally syncing it to disk."""
    # Dictionary-encode only repetitive text: ids and coordinates are nearly unique, and encoding
    # them costs time for no space.
    repetitive = [n for n in table.column_names if n not in _UNIQUE_COLUMNS]
    pq.write_table(table, path, compression="zstd", use_dictionary=repetitive, row_group_size=1 << 20)
    if sync:
        _fsync_file(path)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
