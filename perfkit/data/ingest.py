"""``perfkit ingest``: add downloaded data files to the store, validated, incrementally, atomically.

Kinds
-----
``police-uk``
    data.police.uk street and outcomes CSVs, as files, folders or the zip archives as downloaded
    (``YYYY-MM/YYYY-MM-<force>-street.csv`` inside). Every row is kept (a row is an incident:
    identical anti-social behaviour rows are *not* duplicates), one Parquet file per force-month.
``counts``
    Monthly counts in the tidy CSV ``month,force,crime_type,count`` (optionally ``.csv.gz``).
``prc``, ``population``, ``collisions``, ``workforce``, ``measures``
    Official tables and local measures, read by ``perfkit.data.sources.read_<kind>``.

Guarantees
----------
- Raw files are only read, never modified.
- Ingesting a file already in the store (same SHA-256) changes nothing.
- A newer release of a force-month replaces the older one; the count differences by crime type
  are recorded in the revisions table (:func:`perfkit.data.revisions`).
- The mid-2013 data.police.uk category change is harmonised without hiding: ``Violent crime`` is
  mapped to ``Violence and sexual offences`` (original kept in ``crime_type_original``), and what
  cannot be mapped (``Public disorder and weapons``, the old wider ``Other theft``) is kept as
  published and listed in the recording-changes table (:func:`perfkit.data.recording_changes`).
- Any error (a bad file anywhere in the batch) aborts the whole ingest and leaves the store exactly
  as it was; so does a crash or kill (see :mod:`perfkit.data.store`).

Examples
--------
From the command line::

    perfkit ingest police-uk ~/Downloads/2024-09.zip
    perfkit ingest counts data/shipped/counts-2015-2018.csv.gz --store /tmp/store

From Python:

>>> result = ingest("police-uk", ["../shared/data/police-uk-street-2014/2014-01"])  # doctest: +SKIP
>>> result.rows_added  # doctest: +SKIP
35845
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import gzip
import hashlib
import io
import os
import re
import signal
import sys
import threading
import time
import zipfile
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from perfkit import config
from perfkit.errors import DataError, PerfkitError
from perfkit.periods import parse_month
from perfkit.data.store import Store, Transaction, months_to_period, write_partition_file

__all__ = [
    "KINDS",
    "STREET_COLUMNS",
    "OUTCOMES_COLUMNS",
    "COUNTS_COLUMNS",
    "CRIME_TYPES",
    "OLD_CRIME_TYPES",
    "ANTI_SOCIAL_BEHAVIOUR",
    "IngestResult",
    "ingest",
    "ingest_many",
    "main",
]

KINDS = ("police-uk", "counts", "prc", "population", "collisions", "workforce", "measures")

STREET_COLUMNS = (
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
)
OUTCOMES_COLUMNS = (
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Outcome type",
)
COUNTS_COLUMNS = ("month", "force", "crime_type", "count")

ANTI_SOCIAL_BEHAVIOUR = "Anti-social behaviour"

#: The data.police.uk categories in force since the May 2013 data.
CRIME_TYPES = (
    "Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson", "Drugs",
    "Other crime", "Other theft", "Possession of weapons", "Public order", "Robbery", "Shoplifting",
    "Theft from the person", "Vehicle crime", "Violence and sexual offences",
)

#: Categories used before May 2013 -> the current category they map to (None: cannot be mapped).
#: "Violent crime" became "Violence and sexual offences" (sexual offences moved in from "Other
#: crime", a small step the recording-changes table notes); "Public disorder and weapons" was split
#: into "Public order" and "Possession of weapons", which a row does not say, so it stays as is.
OLD_CRIME_TYPES: dict[str, "str | None"] = {
    "Violent crime": "Violence and sexual offences",
    "Public disorder and weapons": None,
}

# Rows of a counts file that are totals, not a crime type: checked against the sum, not stored.
_TOTAL_TYPES = {"all", "all crime", "all_crime", "total"}

_NOTES = {
    "Violent crime": (
        "mapped to 'Violence and sexual offences' (renamed in May 2013; sexual offences were "
        "previously in 'Other crime', so the series steps slightly)"
    ),
    "Public disorder and weapons": (
        "not mapped: split in May 2013 into 'Public order' and 'Possession of weapons', which a "
        "row does not distinguish; kept as published"
    ),
    "Other theft": (
        "kept, but not comparable: before May 2013 'Other theft' also held 'Bicycle theft' and "
        "'Theft from the person'"
    ),
}

_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
_NUMBER_PATTERN = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"
_POLICE_NAME_RE = re.compile(r"^(\d{4}-\d{2})-(.+)-(street|outcomes|stop-and-search)\.csv$")
# LSOA names are "<district> <3 digits><letter>", e.g. "South Cambridgeshire 012C".
_LSOA_SUFFIX = r"\s+[0-9]{3}[A-Z]+$"

# What a newer file of the tables read by perfkit.data.sources replaces: older rows with the same values
# of these columns (for collisions, one row per collision, every row of the force-months it covers).
_SOURCE_KEYS = {
    "prc": ["period_end", "force", "offence"],
    "population": ["year", "force"],
    "collisions": ["force", "month"],
    "workforce": ["date", "force"],
    "measures": ["measure", "force", "month"],
}


# ------------------------------------------------------------------------------------------------
# Results and progress
# ------------------------------------------------------------------------------------------------
@dataclass
class IngestResult:
    """What an ingest did.

    Attributes
    ----------
    kind : str
        The kind ingested.
    store : Path
        The store folder.
    files_added, files_skipped : list of str
        Files stored, and files already in the store (same SHA-256) that were left alone.
    rows_added : int
        Rows stored from the added files.
    partitions_replaced : list of (force, month)
        Force-months whose earlier release was revised (some or all of its rows replaced).
    revisions : int
        Rows added to the revisions table.
    warnings : list of str
        Problems that did not stop the ingest (the data were still sound).
    seconds : float
        Wall-clock time.
    """

    kind: str
    store: Path
    files_added: list[str] = field(default_factory=list)
    files_skipped: list[str] = field(default_factory=list)
    rows_added: int = 0
    partitions_replaced: list[tuple[str, str]] = field(default_factory=list)
    revisions: int = 0
    types_removed: int = 0
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for people."""
        parts = [f"{len(self.files_added):,} file(s) added ({self.rows_added:,} rows)"]
        if self.files_skipped:
            parts.append(f"{len(self.files_skipped):,} already in the store, skipped")
        if self.partitions_replaced:
            parts.append(
                f"{len(self.partitions_replaced):,} force-month(s) revised by a newer release, "
                f"{self.revisions:,} revision(s) recorded"
            )
        if self.types_removed:
            parts.append(f"{self.types_removed:,} crime type count(s) removed (--replace)")
        if self.warnings:
            parts.append(f"{len(self.warnings)} warning(s)")
        return f"{'; '.join(parts)} in {self.seconds:.1f} s -> {self.store}"


class _Progress:
    """A tqdm bar on a terminal (files done, rows, rows a second); a plain line per file otherwise
    (logs, CI), so a scheduled ingest's log reads file by file."""

    def __init__(self, total: int, stream=None, enabled: bool = True):
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and total > 0
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.done = 0
        self.rows = 0
        self.start = time.perf_counter()
        self.bar = None
        if self.enabled and self.tty:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="file", desc="perfkit ingest", file=self.stream, dynamic_ncols=True,
                            mininterval=0.1)

    def step(self, name: str, rows: int, note: str = "") -> None:
        self.done += 1
        self.rows += rows
        if not self.enabled:
            return
        if self.bar is not None:
            elapsed = time.perf_counter() - self.start
            rate = self.rows / elapsed if elapsed > 0 else 0
            self.bar.set_postfix_str(f"{self.rows:,} rows, {rate:,.0f} rows/s", refresh=False)
            self.bar.update(1)
        else:
            extra = f" ({note})" if note else ""
            print(f"perfkit ingest: [{self.done}/{self.total}] {name}: {rows:,} rows{extra}", file=self.stream)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# ------------------------------------------------------------------------------------------------
# Finding the files
# ------------------------------------------------------------------------------------------------
@dataclass
class _Source:
    """One CSV to read: a file on disk or a member of a zip archive."""

    label: str  # for the inputs table: "path" or "archive.zip!member" (relative to the project)
    name: str  # the file's own name, e.g. "2014-01-cambridgeshire-street.csv"
    path: Path
    member: "str | None" = None

    @property
    def display(self) -> str:
        """The file as people typed it, for messages."""
        shown = _display(self.path)
        return f"{shown}!{self.member}" if self.member else shown

    def read(self) -> bytes:
        if self.member is None:
            return self.path.read_bytes()
        with zipfile.ZipFile(self.path) as archive:
            return archive.read(self.member)


def _today() -> pd.Period:
    """The current month (tests replace this to fix the date)."""
    return parse_month(_dt.date.today())


def _display(path: Path) -> str:
    """A path as people typed it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _record_path(path: Path) -> str:
    """The path recorded in the store: relative to the project root when inside it."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(config.project_root()))
    except ValueError:
        return str(resolved)


def _require_exists(path: Path) -> None:
    if not path.exists():
        raise DataError(f"{path}: no such file or folder; expected an existing file, folder or zip archive")


def _zip_members(path: Path) -> list[str]:
    try:
        with zipfile.ZipFile(path) as archive:
            return [i.filename for i in archive.infolist() if not i.is_dir()]
    except zipfile.BadZipFile:
        raise DataError(
            f"{path}: not a readable zip archive (damaged or incomplete download?); "
            "expected a data.police.uk archive as downloaded"
        ) from None


def _police_sources(paths: Sequence[Path]) -> list[_Source]:
    """Every data.police.uk CSV named by ``paths`` (files, folders, zip archives), in order."""
    sources: list[_Source] = []
    for path in paths:
        _require_exists(path)
        found: list[_Source] = []
        if path.is_dir():
            for item in sorted(path.rglob("*")):
                if item.is_file() and item.suffix.lower() == ".csv":
                    found.append(_Source(_record_path(item), item.name, item))
                elif item.is_file() and item.suffix.lower() == ".zip":
                    found.extend(_police_sources([item]))
            what = "folder"
        elif path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
            for member in sorted(_zip_members(path)):
                name = member.rsplit("/", 1)[-1]
                if name.lower().endswith(".csv"):
                    found.append(_Source(f"{_record_path(path)}!{member}", name, path, member))
            what = "archive"
        else:
            found.append(_Source(_record_path(path), path.name, path))
            what = "file"
        if not found:
            raise DataError(
                f"{path}: empty {what}: found no CSV files; expected data.police.uk files named "
                "YYYY-MM-<force>-street.csv (or -outcomes.csv)"
            )
        sources.extend(found)
    return sources


# ------------------------------------------------------------------------------------------------
# Reading CSV bytes with messages that name the line and the column
# ------------------------------------------------------------------------------------------------
def _decode_header(data: bytes, label: str) -> tuple[list[str], str]:
    """The header's column names and the encoding to read the file with ('utf8' or 'cp1252')."""
    # The header ends at the first line break of any style (CRLF, LF, or old Mac CR).
    ends = [i for i in (data.find(b"\n"), data.find(b"\r")) if i >= 0]
    line = data[: min(ends) if ends else len(data)]
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        text = line.decode("cp1252", errors="replace")
    names = next(csv.reader([text]), [])
    return [n.strip() for n in names], "utf8"


def _line_col_of_offset(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1


def _records(data: bytes, encoding: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of every non-blank record, header included (Python's csv, exact)."""
    text = data.decode("utf-8" if encoding == "utf8" else encoding, errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _CsvProblem(reader.line_num + 1, str(exc)) from None
        if record:
            yield reader.line_num, record


class _CsvProblem(Exception):
    def __init__(self, line: int, problem: str):
        super().__init__(problem)
        self.line = line
        self.problem = problem


def _line_of_row(data: bytes, encoding: str, row: int) -> int:
    """Line number of data row ``row`` (0-based, header excluded)."""
    for i, (line, _fields) in enumerate(_records(data, encoding)):
        if i == row + 1:
            return line
    return -1


def _diagnose(data: bytes, label: str, names: Sequence[str], encoding: str, arrow_message: str) -> DataError:
    """Find the first malformed record with Python's csv (slow, exact) and describe it."""
    expected = len(names)
    ends_cleanly = data.endswith((b"\n", b"\r"))
    try:
        records = list(_records(data, encoding))
    except _CsvProblem as problem:
        hint = "" if ends_cleanly else " The file ends part-way through a record: it looks truncated (download it again)."
        return DataError(
            f"{label}: line {problem.line}: malformed CSV ({problem.problem}); expected {expected} "
            f"comma-separated fields a line, text in double quotes.{hint}"
        )
    for index, (line, fields) in enumerate(records):
        if len(fields) != expected:
            last = index == len(records) - 1
            hint = ""
            if last and not ends_cleanly:
                hint = " This is the last line and it has no line ending: the file looks truncated (download it again)."
            elif last:
                hint = " This is the last line: the file may be truncated."
            return DataError(
                f"{label}: line {line}: found {len(fields)} field(s); expected {expected} "
                f"({', '.join(names)}).{hint}"
            )
    return DataError(f"{label}: could not be read as CSV ({arrow_message}); expected {expected} columns ({', '.join(names)})")


def _read_csv(data: bytes, label: str, names: list[str], warnings: list[str],
              keep: "Sequence[str] | None" = None) -> tuple[pa.Table, str]:
    """Parse CSV bytes (header already checked) into an all-text Arrow table; returns (table, encoding).

    A file that is not valid UTF-8 is read as Windows-1252 (the legacy encoding such files are
    almost always in) with a warning naming the first offending byte: the data are still sound.
    ``keep`` limits the columns converted (the others are still parsed, so a short line is caught).
    """
    encoding = "utf8"
    # Quoted line breaks are rare in these files and parsing is faster without allowing them, so
    # try without first and allow them only when the fast parse fails.
    newlines = False
    for _attempt in range(3):
        try:
            table = pacsv.read_csv(
                pa.py_buffer(data),
                read_options=pacsv.ReadOptions(
                    column_names=names, skip_rows=1, encoding=encoding, block_size=4 << 20,
                    use_threads=False,  # files are read in parallel instead
                ),
                parse_options=pacsv.ParseOptions(newlines_in_values=newlines),
                convert_options=pacsv.ConvertOptions(
                    column_types={n: pa.string() for n in names},
                    include_columns=list(keep) if keep is not None else None,
                    null_values=[""],
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                ),
            )
            return table, encoding
        except pa.ArrowInvalid as exc:
            message = str(exc)
            if encoding == "utf8" and "UTF8" in message.upper():
                try:
                    data.decode("utf-8")
                    offset = None
                except UnicodeDecodeError as bad:
                    offset = bad.start
                if offset is not None:
                    line, column = _line_col_of_offset(data, offset)
                    warnings.append(
                        f"{label}: line {line}, character {column}: found byte 0x{data[offset]:02X}, "
                        "which is not UTF-8; expected UTF-8 text. Read the file as Windows-1252 "
                        "(cp1252) instead; check names with accents look right"
                    )
                    encoding = "cp1252"
                    continue
            if not newlines and b'"' in data:
                newlines = True
                continue
            raise _diagnose(data, label, names, encoding, message) from None
    raise AssertionError("unreachable")


def _first(mask: "pa.ChunkedArray | pa.Array") -> "int | None":
    """Index of the first True in a boolean array (nulls count as False), or None."""
    mask = pc.fill_null(mask, False)
    index = pc.index(mask, True).as_py()
    return None if index is None or index < 0 else index


def _fail_at(data, encoding, label, row, column, found, expected, extra="") -> DataError:
    line = _line_of_row(data, encoding, row)
    return DataError(f"{label}: line {line}, column '{column}': found {found!r}; expected {expected}{extra}")


def _check_header(label: str, names: list[str], expected: Sequence[str], what: str, warnings: list[str]) -> None:
    if not names or names == [""]:
        raise DataError(f"{label}: line 1: found no header; expected the columns {', '.join(expected)}")
    missing = [c for c in expected if c not in names]
    if missing:
        # Give the column position too: people look for it in a spreadsheet.
        found = ", ".join(repr(n) for n in names)
        found = found if len(found) <= 300 else found[:297] + "..."
        raise DataError(
            f"{label}: line 1: missing column(s) {', '.join(repr(c) for c in missing)}; found "
            f"{found}; expected the {what} columns {', '.join(expected)}"
        )
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise DataError(f"{label}: line 1: column(s) {', '.join(map(repr, duplicated))} appear twice; expected each once")
    extra = [n for n in names if n not in expected]
    if extra:
        warnings.append(f"{label}: line 1: extra column(s) {', '.join(map(repr, extra))} ignored; expected only {', '.join(expected)}")


def _strip_bom(data: bytes) -> bytes:
    return data[3:] if data.startswith(b"\xef\xbb\xbf") else data


def _check_not_empty(data: bytes, label: str, expected: Sequence[str]) -> None:
    """Refuse empty files and files that are not text at all, before trying to parse them."""
    if not data or data.isspace():
        raise DataError(f"{label}: empty file (0 bytes of data); expected a header line ({', '.join(expected)}) and rows")
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError(f"{label}: line 1: found UTF-16 text; expected a CSV file in UTF-8 (in Excel: Save As 'CSV UTF-8')")
    if head.startswith(b"PK\x03\x04"):
        raise DataError(f"{label}: found a zip archive or Excel workbook; expected a CSV text file")
    if b"\x00" in head:
        line, column = _line_col_of_offset(data, head.index(b"\x00"))
        raise DataError(f"{label}: line {line}, character {column}: found a NUL byte (a binary file, not text); expected a CSV text file")


# ------------------------------------------------------------------------------------------------
# data.police.uk files
# ------------------------------------------------------------------------------------------------
@dataclass
class _Parsed:
    """A validated data.police.uk file ready to store."""

    source: _Source
    family: str  # "incidents" or "outcomes"
    force: str
    month: str
    sha256: str
    pending: "Path | None" = None  # the Parquet file written by the worker, to adopt
    rows: int = 0
    type_counts: "dict[str, int]" = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    skipped: bool = False
    ignored: str = ""


def _slug_of_falls_within(name: str) -> str:
    from perfkit.config.forces import slug_for

    return slug_for(name, source="police_uk")


def _check_force_slug(slug: str, label: str) -> None:
    from perfkit.config.forces import is_force, slug_for

    if not is_force(slug):
        try:
            hint = f"; did you mean {slug_for(slug, source='police_uk')!r}?"
        except DataError as exc:
            hint = f" ({exc})"
        raise DataError(
            f"{label}: file name names force {slug!r}, which is not a data.police.uk force slug{hint} "
            "Expected YYYY-MM-<force>-street.csv with a slug such as 'cambridgeshire'"
        )


def _parse_police(source: _Source, known: "set[str]", today: pd.Period, pending: "Callable[[], Path]") -> _Parsed:
    """Read and validate one data.police.uk CSV and write it to a pending file (in worker threads).

    Nothing visible changes here: the main thread decides, in file order, whether to adopt it.
    """
    label = source.display
    match = _POLICE_NAME_RE.match(source.name)
    if not match:
        raise DataError(
            f"{label}: file name {source.name!r} is not a data.police.uk name; expected "
            "YYYY-MM-<force>-street.csv or YYYY-MM-<force>-outcomes.csv"
        )
    month, force, family = match.groups()
    if family == "stop-and-search":
        return _Parsed(source, family, force, month, "", skipped=True, ignored="stop-and-search files are not used")
    if not _MONTH_RE.match(month):
        raise DataError(f"{label}: file name month {month!r} is not a month; expected YYYY-MM")
    if parse_month(month, f"{label}: file name month", error=DataError) > today:
        raise DataError(
            f"{label}: file name month {month} is in the future; expected a month up to {today} "
            "(data.police.uk publishes about two months in arrears)"
        )
    _check_force_slug(force, label)
    data = source.read()
    digest = hashlib.sha256(data).hexdigest()
    family = "incidents" if family == "street" else "outcomes"
    parsed = _Parsed(source, family, force, month, digest)
    if digest in known:
        parsed.skipped = True
        return parsed
    expected = STREET_COLUMNS if family == "incidents" else OUTCOMES_COLUMNS
    data = _strip_bom(data)
    _check_not_empty(data, label, expected)
    names, _ = _decode_header(data, label)
    _check_header(label, names, expected, "data.police.uk " + ("street" if family == "incidents" else "outcomes"), parsed.warnings)
    # "Reported by" and "Context" are not stored ("Reported by" repeats "Falls within" in these
    # files; "Context" is empty in them and not used by any report), so they are not converted.
    keep = [c for c in expected if c not in ("Reported by", "Context")]
    table, encoding = _read_csv(data, label, names, parsed.warnings, keep)
    if table.num_rows == 0:
        raise DataError(f"{label}: has a header but no rows; expected at least one row for {force} {month}")
    if not data.endswith((b"\n", b"\r")):
        parsed.warnings.append(
            f"{label}: line {_line_of_row(data, encoding, table.num_rows - 1)}: the last line has no "
            "line ending; it was read in full, but check the file was downloaded completely"
        )
    fail = lambda row, column, found, expected_, extra="": _fail_at(data, encoding, label, row, column, found, expected_, extra)  # noqa: E731

    # Month: present, a month, and the file name's month. The fast check (all equal) runs first;
    # the slower pattern match only to describe the first offending row.
    col = table["Month"]
    bad = _first(pc.invert(pc.fill_null(pc.equal(col, month), False)))
    if bad is not None:
        value = col[bad].as_py()
        if value is None or not _MONTH_RE.match(value):
            raise fail(bad, "Month", value or "", "a month written YYYY-MM (unparseable date)")
        raise fail(bad, "Month", value, f"{month}, the month in the file name (the file and its rows disagree)")

    # Falls within: the force in the file name, on every row.
    col = table["Falls within"]
    bad = _first(pc.is_null(col))
    if bad is not None:
        raise fail(bad, "Falls within", "", f"the force's name ({force})")
    for value in pc.unique(col).to_pylist():
        try:
            slug = _slug_of_falls_within(value)
        except DataError as exc:
            row = _first(pc.equal(col, value))
            raise fail(row, "Falls within", value, f"a police force's name ({exc})") from None
        if slug != force:
            row = _first(pc.equal(col, value))
            raise fail(
                row, "Falls within", value,
                f"rows of {force} only, as the file name says; this row belongs to {slug} (another force's rows in this file)",
            )

    # Coordinates: numbers or blank. Cast first (fast); look for the culprit only if that fails.
    coords = {}
    for column in ("Longitude", "Latitude"):
        col = table[column]
        try:
            coords[column] = pc.cast(col, pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            ok = pc.or_kleene(pc.is_null(col), pc.match_substring_regex(col, _NUMBER_PATTERN))
            bad = _first(pc.invert(ok))
            if bad is None:  # numbers with spaces around them: sound, just padded
                coords[column] = pc.cast(pc.utf8_trim_whitespace(col), pa.float64())
                continue
            raise fail(bad, column, col[bad].as_py(), "a number in decimal degrees, or blank") from None
    limits = {"Longitude": 180.0, "Latitude": 90.0}
    for column, limit in limits.items():
        bad = _first(pc.greater(pc.abs(coords[column]), limit))
        if bad is not None:
            raise fail(bad, column, table[column][bad].as_py(), f"decimal degrees between -{limit:g} and {limit:g}")

    lsoa_name = table["LSOA name"]
    district = _districts(lsoa_name)
    n = table.num_rows
    common = {
        "month": pa.array([month] * n, pa.string()) if n else pa.array([], pa.string()),
        "force": pa.array([force] * n, pa.string()),
        "crime_id": table["Crime ID"],
    }
    if family == "incidents":
        col = table["Crime type"]
        bad = _first(pc.is_null(col))
        if bad is not None:
            raise fail(bad, "Crime type", "", "a data.police.uk crime type")
        allowed = set(CRIME_TYPES) | set(OLD_CRIME_TYPES)
        for value in pc.unique(col).to_pylist():
            if value not in allowed:
                row = _first(pc.equal(col, value))
                raise fail(row, "Crime type", value, "one of the data.police.uk crime types: " + ", ".join(CRIME_TYPES))
        harmonised, parsed.changes = _harmonise(col, force, month)
        out = pa.table({
            **common,
            "crime_type": harmonised,
            "crime_type_original": col,
            "lsoa_code": table["LSOA code"],
            "lsoa_name": lsoa_name,
            "district": district,
            "longitude": coords["Longitude"],
            "latitude": coords["Latitude"],
            "location": table["Location"],
            "outcome": table["Last outcome category"],
        })
    else:
        out = pa.table({
            **common,
            "outcome_type": table["Outcome type"],
            "lsoa_code": table["LSOA code"],
            "lsoa_name": lsoa_name,
            "district": district,
            "longitude": coords["Longitude"],
            "latitude": coords["Latitude"],
            "location": table["Location"],
        })
    parsed.rows = out.num_rows
    if family == "incidents":
        parsed.type_counts = _counts_by_type(out)
    parsed.pending = pending()
    write_partition_file(out, parsed.pending)
    return parsed


def _districts(lsoa_name: "pa.ChunkedArray") -> "pa.ChunkedArray":
    """District (Community Safety Partnership) from each LSOA name, "Cambridge 007A" -> "Cambridge".

    A file has a few thousand distinct LSOA names, so the pattern runs on those, not on every row.
    """
    encoded = pc.dictionary_encode(lsoa_name).combine_chunks()
    names = pc.replace_substring_regex(encoded.dictionary, _LSOA_SUFFIX, "")
    return pa.chunked_array([pc.take(names, encoded.indices)])


def _harmonise(col: "pa.ChunkedArray", force: str, month: str) -> tuple[pa.ChunkedArray, list[dict]]:
    """Map pre-May-2013 categories where sound; list every old-scheme category met (nothing hidden)."""
    counts = {d["values"]: d["counts"] for d in pc.value_counts(col).to_pylist()}
    old = [t for t in OLD_CRIME_TYPES if t in counts]
    if not old:
        return col, []
    harmonised = col
    changes = []
    for original in old:
        target = OLD_CRIME_TYPES[original]
        if target is not None:
            harmonised = pc.if_else(pc.equal(harmonised, original), target, harmonised)
        changes.append(_change(force, month, original, target or original, counts[original], target is not None))
    if "Other theft" in counts:
        # An old-scheme file: its Other theft is the wider, pre-split category.
        changes.append(_change(force, month, "Other theft", "Other theft", counts["Other theft"], False))
    return harmonised, changes


def _change(force: str, month: str, original: str, harmonised: str, rows: int, mapped: bool) -> dict:
    return {
        "force": force, "month": month, "crime_type_original": original, "crime_type": harmonised,
        "rows": int(rows), "mapped": mapped, "note": _NOTES[original],
    }


def _bounded_map(func: Callable, items: Sequence, workers: int) -> Iterator:
    """``map`` over a thread pool, in order, with at most ``2 * workers`` results in memory."""
    if workers <= 1:
        yield from map(func, items)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque = deque()
        iterator = iter(items)
        for item in iterator:
            pending.append(pool.submit(func, item))
            if len(pending) >= 2 * workers:
                break
        try:
            while pending:
                result = pending.popleft().result()
                for item in iterator:
                    pending.append(pool.submit(func, item))
                    break
                yield result
        finally:
            for future in pending:
                future.cancel()


def _counts_by_type(table: pa.Table) -> dict[str, int]:
    grouped = table.group_by("crime_type").aggregate([("crime_type", "count")])
    return dict(zip(grouped["crime_type"].to_pylist(), grouped["crime_type_count"].to_pylist()))


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


_INPUT_SCHEMA = pa.schema([
    ("path", pa.string()), ("sha256", pa.string()), ("kind", pa.string()),
    ("rows", pa.int64()), ("ingested_at", pa.string()),
])
_PARTITION_SCHEMA = pa.schema([
    ("family", pa.string()), ("force", pa.string()), ("month", pa.string()), ("path", pa.string()),
    ("sha256", pa.string()), ("rows", pa.int64()), ("ingested_at", pa.string()),
])
_REVISION_COLUMNS = ["month", "force", "crime_type", "old_count", "new_count", "ingested_at_source", "ingested_at", "source", "old_source"]
_CHANGE_COLUMNS = ["force", "month", "crime_type_original", "crime_type", "rows", "mapped", "note"]


def _load(tx: Transaction, name: str, columns: list[str]) -> pd.DataFrame:
    table = tx.table(name)
    if table is None:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    return table.to_pandas()


def _ingest_police(tx: Transaction, paths: Sequence[Path], result: IngestResult, progress: bool, workers: int) -> None:
    sources = _police_sources(paths)
    inputs = _load(tx, "inputs", _INPUT_SCHEMA.names)
    partitions = _load(tx, "partitions", _PARTITION_SCHEMA.names)
    known = set(inputs.loc[inputs["kind"] == "police-uk", "sha256"]) if len(inputs) else set()
    where = {(r["family"], r["force"], r["month"]): r for r in partitions.to_dict("records")}
    today = _today()
    bar = _Progress(len(sources), enabled=progress)
    new_inputs: list[dict] = []
    revisions: list[dict] = []
    batch_changes: dict[tuple[str, str], list[dict]] = {}
    now = _now()
    seen_in_batch: dict[str, str] = {}
    ignored: list[str] = []
    parsed_files = _bounded_map(lambda s: _parse_police(s, known, today, tx.pending_path), sources, workers)
    try:
        for parsed in parsed_files:
            _stop_if_asked()
            label = parsed.source.label
            result.warnings.extend(parsed.warnings)
            if parsed.skipped:
                if parsed.ignored:
                    ignored.append(label)
                else:
                    result.files_skipped.append(label)
                bar.step(parsed.source.name, 0, parsed.ignored or "already in the store")
                continue
            if parsed.sha256 in seen_in_batch:
                result.files_skipped.append(label)
                bar.step(parsed.source.name, 0, f"same content as {seen_in_batch[parsed.sha256]}")
                continue
            seen_in_batch[parsed.sha256] = label
            key = (parsed.family, parsed.force, parsed.month)
            if key in where and parsed.family == "incidents":
                revisions.extend(_police_revisions(tx, parsed, where[key]["path"], now))
                result.partitions_replaced.append((parsed.force, parsed.month))
            tx.adopt(parsed.pending, f"{parsed.family}/{parsed.force}/{parsed.month}.parquet")
            rows = parsed.rows
            where[key] = {
                "family": parsed.family, "force": parsed.force, "month": parsed.month, "path": label,
                "sha256": parsed.sha256, "rows": rows, "ingested_at": now,
            }
            if parsed.family == "incidents":
                # This force-month's recording-change entries are replaced along with its rows.
                batch_changes[(parsed.force, parsed.month)] = parsed.changes
            _record_added(new_inputs, result, bar, parsed.source.name, label, parsed.sha256, "police-uk", rows, now)
    finally:
        # Stop the workers before the transaction cleans up after an error (they write into it).
        parsed_files.close()
        bar.close()
    if ignored:
        result.warnings.append(
            f"skipped {len(ignored)} stop-and-search file(s) (not used by perfkit), e.g. {ignored[0]}"
        )
    if not result.files_added:
        return
    frame = pd.DataFrame(sorted(where.values(), key=lambda r: (r["family"], r["force"], r["month"])), columns=_PARTITION_SCHEMA.names)
    tx.write_table("partitions", pa.Table.from_pandas(frame.astype({"rows": "int64"}), schema=_PARTITION_SCHEMA, preserve_index=False))
    _append_inputs(tx, inputs, new_inputs)
    _append_revisions(tx, revisions)
    result.revisions += len(revisions)
    _replace_changes(tx, batch_changes)


def _police_revisions(tx: Transaction, parsed: _Parsed, old_source: str, now: str) -> list[dict]:
    """Count differences by crime type between the stored release of a force-month and a newer one."""
    relative = f"{parsed.family}/{parsed.force}/{parsed.month}.parquet"
    old = _counts_by_type(pq.read_table(tx.staging / relative, columns=["crime_type"]))
    new = parsed.type_counts
    out = []
    for crime_type in sorted(set(old) | set(new)):
        before, after = old.get(crime_type, 0), new.get(crime_type, 0)
        if before != after:
            out.append({
                "month": parsed.month, "force": parsed.force, "crime_type": crime_type,
                "old_count": before, "new_count": after,
                "ingested_at_source": f"{now} from {parsed.source.label}",
                "ingested_at": now, "source": parsed.source.label, "old_source": old_source,
            })
    return out


def _replace_changes(tx: Transaction, batch: dict[tuple[str, str], list[dict]]) -> None:
    """Swap in the recording-change entries of the force-months just stored."""
    if not batch:
        return
    old = _load(tx, "recording_changes", _CHANGE_COLUMNS)
    entries = [e for items in batch.values() for e in items]
    if not len(old) and not entries:
        return
    if len(old):
        old = old[[(f, m) not in batch for f, m in zip(old["force"], old["month"])]]
    frame = pd.DataFrame(entries, columns=_CHANGE_COLUMNS)
    if len(old):
        frame = pd.concat([old, frame], ignore_index=True)
    tx.write_table("recording_changes", pa.Table.from_pandas(frame.astype({"rows": "int64", "mapped": "bool"}), preserve_index=False))


def _append_inputs(tx: Transaction, inputs: pd.DataFrame, new_inputs: list[dict]) -> None:
    frame = pd.DataFrame(new_inputs, columns=_INPUT_SCHEMA.names)
    if len(inputs):
        frame = pd.concat([inputs, frame], ignore_index=True)
    tx.write_table("inputs", pa.Table.from_pandas(frame.astype({"rows": "int64"}), schema=_INPUT_SCHEMA, preserve_index=False))


def _append_revisions(tx: Transaction, revisions: list[dict]) -> None:
    if not revisions:
        return
    old = _load(tx, "revisions", _REVISION_COLUMNS)
    frame = pd.DataFrame(revisions, columns=_REVISION_COLUMNS)
    if len(old):
        frame = pd.concat([old, frame], ignore_index=True)
    frame = frame.astype({"old_count": "Int64", "new_count": "Int64"})
    tx.write_table("revisions", pa.Table.from_pandas(frame, preserve_index=False))


# ------------------------------------------------------------------------------------------------
# Tidy counts files
# ------------------------------------------------------------------------------------------------
def _read_file_bytes(path: Path) -> tuple[bytes, str]:
    """(decompressed bytes, sha256 of the file as stored)."""
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, gzip.BadGzipFile) as exc:
            raise DataError(f"{path}: damaged gzip file ({exc}); expected a complete .csv.gz (download or copy it again)") from None
    return raw, digest


def parse_columns(text: "str | None") -> dict[str, str]:
    """``--columns county=force,num_crimes=count`` as ``{"county": "force", "num_crimes": "count"}``.

    Each pair names a column of the file and the counts column it holds (one of
    :data:`COUNTS_COLUMNS`).

    >>> parse_columns("county=force, num_crimes=count")
    {'county': 'force', 'num_crimes': 'count'}
    """
    if not text:
        return {}
    mapping: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        source, sep, target = (x.strip() for x in part.partition("="))
        if not sep or not source or not target:
            raise DataError(f"--columns: found {part.strip()!r}; expected FILE_COLUMN=COLUMN pairs separated by "
                            f"commas, e.g. --columns county=force,num_crimes=count")
        if target not in COUNTS_COLUMNS:
            raise DataError(f"--columns {source}={target}: found {target!r} as the column to map to; expected one of "
                            f"{', '.join(COUNTS_COLUMNS)}")
        if target in mapping.values():
            raise DataError(f"--columns: two file columns are mapped to {target!r}; expected each of "
                            f"{', '.join(COUNTS_COLUMNS)} at most once")
        mapping[source] = target
    return mapping


def _map_columns(label: str, names: list[str], columns: dict[str, str], warnings: list[str]) -> list[str]:
    """The file's header with ``columns`` applied; a mapping naming a column the file lacks is a warning."""
    for source, target in columns.items():
        if source not in names:
            shown = ", ".join(repr(n) for n in names)
            warnings.append(f"{label}: --columns {source}={target}: the file has no column {source!r} (found "
                            f"{shown[:300]}); the mapping was not used")
    return [columns.get(n, n) for n in names]


def _parse_counts(path: Path, today: pd.Period, warnings: list[str],
                  columns: "dict[str, str] | None" = None) -> tuple[pd.DataFrame, str]:
    """Validate a tidy counts CSV; returns (frame month/force/crime_type/crime_type_original/count, sha256).

    ``columns`` maps the file's own column names to the counts columns (``--columns``)."""
    from perfkit.config.forces import slug_for

    label = _display(path)
    data, digest = _read_file_bytes(path)
    data = _strip_bom(data)
    _check_not_empty(data, label, COUNTS_COLUMNS)
    names, _ = _decode_header(data, label)
    if columns:
        names = _map_columns(label, names, columns, warnings)
    _check_header(label, names, COUNTS_COLUMNS, "counts", warnings)
    table, encoding = _read_csv(data, label, names, warnings)
    if table.num_rows == 0:
        raise DataError(f"{label}: has a header but no rows; expected monthly counts, one row per month, force and crime type")
    fail = lambda row, column, found, expected, extra="": _fail_at(data, encoding, label, row, column, found, expected, extra)  # noqa: E731

    for column in COUNTS_COLUMNS:
        bad = _first(pc.is_null(table[column]))
        if bad is not None:
            raise fail(bad, column, "", "a value (this column cannot be blank)")
    col = pc.utf8_trim_whitespace(table["month"])
    bad = _first(pc.invert(pc.match_substring_regex(col, _MONTH_PATTERN)))
    if bad is not None:
        raise fail(bad, "month", table["month"][bad].as_py(), "a month written YYYY-MM (unparseable date)")
    latest = pc.max(col).as_py()
    if parse_month(latest, "month", error=DataError) > today:
        bad = _first(pc.equal(col, latest))
        raise fail(bad, "month", latest, f"a month up to {today} (this month is in the future)")
    months = col

    col = pc.utf8_trim_whitespace(table["count"])
    bad = _first(pc.invert(pc.match_substring_regex(col, r"^[-+]?\d+$")))
    if bad is not None:
        value = table["count"][bad].as_py()
        raise fail(bad, "count", value, "a whole number of crimes (0 or more)")
    too_big = _first(pc.greater(pc.utf8_length(pc.utf8_ltrim(col, characters="+-0")), 15))
    if too_big is not None:
        raise fail(too_big, "count", table["count"][too_big].as_py(), "a count of crimes in a month (at most 15 digits)")
    counts = pc.cast(col, pa.int64())
    bad = _first(pc.less(counts, 0))
    if bad is not None:
        raise fail(bad, "count", table["count"][bad].as_py(), "a count of 0 or more (a count cannot be negative)")

    force_col = pc.utf8_trim_whitespace(table["force"])
    slugs = {}
    for value in pc.unique(force_col).to_pylist():
        try:
            slugs[value] = slug_for(value)
        except DataError as exc:
            bad = _first(pc.equal(force_col, value))
            raise fail(bad, "force", value, f"a police force ({exc})") from None
    type_col = pc.utf8_trim_whitespace(table["crime_type"])
    allowed = set(CRIME_TYPES) | set(OLD_CRIME_TYPES)
    for value in pc.unique(type_col).to_pylist():
        if value not in allowed and value.lower() not in _TOTAL_TYPES:
            bad = _first(pc.equal(type_col, value))
            raise fail(bad, "crime_type", value, "a data.police.uk crime type (" + ", ".join(CRIME_TYPES) + ") or 'All'")

    frame = pd.DataFrame({
        "month": months.to_pandas(), "force": force_col.to_pandas().map(slugs),
        "crime_type_original": type_col.to_pandas(), "count": counts.to_pandas(),
    })
    frame["row"] = range(len(frame))
    dup = frame.duplicated(["month", "force", "crime_type_original"], keep=False)
    if dup.any():
        rows = frame.loc[dup]
        first = rows.iloc[0]
        same = rows[(rows["month"] == first["month"]) & (rows["force"] == first["force"]) & (rows["crime_type_original"] == first["crime_type_original"])]
        lines = [_line_of_row(data, encoding, int(r)) for r in same["row"][:2]]
        raise DataError(
            f"{label}: lines {lines[0]} and {lines[1]}, columns 'month', 'force', 'crime_type': found "
            f"{first['month']}, {first['force']}, {first['crime_type_original']!r} twice; expected each "
            f"month, force and crime type once (duplicate key)"
        )
    is_total = frame["crime_type_original"].str.lower().isin(_TOTAL_TYPES)
    totals = frame[is_total]
    frame = frame[~is_total].copy()
    if frame.empty:
        raise DataError(
            f"{label}: found only totals ('All' rows); expected counts by crime type "
            f"({', '.join(CRIME_TYPES[:3])}, ...), from which totals are computed"
        )
    frame["crime_type"] = frame["crime_type_original"].map(lambda t: OLD_CRIME_TYPES.get(t) or t)
    if len(totals):
        sums = frame.groupby(["month", "force"])["count"].sum()
        check = totals.set_index(["month", "force"])["count"]
        joined = pd.concat([check.rename("total"), sums.rename("sum")], axis=1).dropna()
        off = joined[joined["total"] != joined["sum"]]
        if len(off):
            (m, f), r = next(iter(off.iterrows()))
            warnings.append(
                f"{label}: the 'All' row differs from the sum of the crime types in {len(off)} force-month(s), "
                f"e.g. {f} {m}: found All = {int(r['total']):,}; expected {int(r['sum']):,} (the sum). "
                "The 'All' rows are not stored; totals are computed from the crime types"
            )
    return frame[["month", "force", "crime_type", "crime_type_original", "count"]].reset_index(drop=True), digest


def _ingest_counts(tx: Transaction, paths: Sequence[Path], result: IngestResult, progress: bool,
                   replace: bool = False, columns: "dict[str, str] | None" = None) -> None:
    """Store counts files. Each file revises exactly the (force, month, crime type) keys it holds;
    with ``replace`` it takes its force-months whole (crime types it lacks are removed)."""
    inputs = _load(tx, "inputs", _INPUT_SCHEMA.names)
    known = set(inputs.loc[inputs["kind"] == "counts", "sha256"]) if len(inputs) else set()
    for path in paths:
        _require_exists(path)
        if path.is_dir():
            raise DataError(f"{path}: is a folder; expected a counts CSV file (month,force,crime_type,count)")
    today = _today()
    bar = _Progress(len(paths), enabled=progress)
    stored = tx.frame("counts")
    new_inputs, revisions = [], []
    now = _now()
    changes: list[dict] = []
    try:
        for path in paths:
            label = _record_path(path)
            frame, digest = _parse_counts(path, today, result.warnings, columns)
            if _already_stored(digest, known, result, bar, path.name, label):
                continue
            frame["source"] = label
            if stored is not None and len(stored):
                stored_month = stored["month"].astype(str)
                months = set(zip(frame["month"], frame["force"]))
                in_month = pd.Series([k in months for k in zip(stored_month, stored["force"])], index=stored.index)
                if replace:
                    replaced = in_month
                else:
                    keys = set(zip(frame["month"], frame["force"], frame["crime_type"]))
                    replaced = pd.Series([k in keys for k in zip(stored_month, stored["force"], stored["crime_type"])],
                                         index=stored.index)
                    kept = stored[in_month & ~replaced]
                    if len(kept):
                        result.warnings.append(_partial_warning(label, frame, kept.assign(month=stored_month[kept.index]),
                                                                stored[in_month].assign(month=stored_month[in_month])))
                if replaced.any():
                    old = stored[replaced].assign(month=stored_month[replaced])
                    merged = old.groupby(["month", "force", "crime_type"])["count"].sum().rename("old_count").to_frame().join(
                        frame.groupby(["month", "force", "crime_type"])["count"].sum().rename("new_count"), how="outer"
                    )
                    merged = merged[merged["old_count"].fillna(-1) != merged["new_count"].fillna(-1)]
                    for (m, f, t), r in merged.iterrows():
                        if pd.isna(r["new_count"]):
                            result.types_removed += 1
                        revisions.append({
                            "month": m, "force": f, "crime_type": t,
                            "old_count": None if pd.isna(r["old_count"]) else int(r["old_count"]),
                            "new_count": None if pd.isna(r["new_count"]) else int(r["new_count"]),
                            "ingested_at_source": f"{now} from {label}", "ingested_at": now,
                            "source": label, "old_source": "; ".join(sorted(set(old["source"]))),
                        })
                    result.partitions_replaced.extend(sorted({(f, m) for f, m in zip(old["force"], old["month"])}))
                stored = stored[~replaced]
            frame["month"] = months_to_period(frame["month"])
            stored = frame if stored is None or not len(stored) else pd.concat([stored, frame], ignore_index=True)
            changes.extend(_count_changes(frame))
            _record_added(new_inputs, result, bar, path.name, label, digest, "counts", len(frame), now)
    finally:
        bar.close()
    if not result.files_added:
        return
    # A force-month may now hold rows from two files: one row per crime type, the newest file's.
    stored = stored.sort_values(["force", "month", "crime_type"]).reset_index(drop=True)
    tx.write_table("counts", stored.astype({"count": "int64"}))
    _append_inputs(tx, inputs, new_inputs)
    _append_revisions(tx, revisions)
    result.revisions += len(revisions)
    if changes:
        old = _load(tx, "recording_changes", _CHANGE_COLUMNS)
        frame = pd.DataFrame(changes, columns=_CHANGE_COLUMNS)
        if len(old):
            keys = set(zip(frame["force"], frame["month"], frame["crime_type_original"]))
            old = old[[k not in keys for k in zip(old["force"], old["month"], old["crime_type_original"])]]
            frame = pd.concat([old, frame], ignore_index=True)
        tx.write_table("recording_changes", pa.Table.from_pandas(frame.astype({"rows": "int64", "mapped": "bool"}), preserve_index=False))


def _partial_warning(label: str, frame: pd.DataFrame, kept: pd.DataFrame, before: pd.DataFrame) -> str:
    """The warning for a counts file that covers part of force-months already in the store."""
    months = kept.groupby(["force", "month"])["crime_type"].nunique()
    had = before.groupby(["force", "month"])["crime_type"].nunique()
    (force, month), n_kept = next(iter(months.items()))
    given = int(had[(force, month)] - n_kept)
    return (f"{label}: covers part of {len(months):,} force-month(s) already in the store, e.g. {force} {month}: "
            f"{given} of its {int(had[(force, month)])} crime types; the counts of the other crime types were kept "
            f"(if the file is a complete release in which they had no crimes, ingest it again with --replace)")


def _count_changes(frame: pd.DataFrame) -> list[dict]:
    """Recording-change entries for old-scheme categories in a counts file."""
    out = []
    old_rows = frame[frame["crime_type_original"].isin(list(OLD_CRIME_TYPES))]
    if old_rows.empty:
        return out
    old_months = set(zip(old_rows["force"], old_rows["month"].astype(str)))
    for r in frame[frame["crime_type_original"].isin([*OLD_CRIME_TYPES, "Other theft"])].itertuples():
        month = str(r.month)
        if r.crime_type_original in OLD_CRIME_TYPES:
            out.append(_change(r.force, month, r.crime_type_original, r.crime_type, r.count, OLD_CRIME_TYPES[r.crime_type_original] is not None))
        elif r.crime_type_original == "Other theft" and (r.force, month) in old_months:
            out.append(_change(r.force, month, "Other theft", "Other theft", r.count, False))
    return out


# ------------------------------------------------------------------------------------------------
# Official tables (perfkit.data.sources readers)
# ------------------------------------------------------------------------------------------------
def _ingest_table(tx: Transaction, kind: str, paths: Sequence[Path], result: IngestResult, progress: bool,
                  force: "str | None" = None) -> None:
    from perfkit.data import sources

    reader = getattr(sources, f"read_{kind}", None)
    if reader is None:
        raise PerfkitError(f"perfkit.data.sources has no read_{kind}; this kind cannot be ingested yet", exit_code=1)
    inputs = _load(tx, "inputs", _INPUT_SCHEMA.names)
    known = set(inputs.loc[inputs["kind"] == kind, "sha256"]) if len(inputs) else set()
    stored = tx.frame(kind)
    keys = _SOURCE_KEYS[kind]
    bar = _Progress(len(paths), enabled=progress)
    new_inputs = []
    now = _now()
    try:
        for path in paths:
            _require_exists(path)
            label = _record_path(path)
            digest = _sha256_file(path)
            if _already_stored(digest, known, result, bar, path.name, label):
                continue
            frame = reader(path, force=force) if kind == "collisions" else reader(path)
            if kind == "measures":
                _warn_example_rows(label, frame, result.warnings)
            if kind in _COVERAGE_WARNED and "force" in frame.columns:
                _warn_forces_lacking(label, kind, frame, result.warnings)
            missing = [k for k in keys if k not in frame.columns]
            if missing:
                raise DataError(f"{label}: read as {kind} but the rows lack {', '.join(missing)}; expected columns {', '.join(keys)} and a value")
            if stored is not None and len(stored):
                new_keys = set(map(tuple, frame[keys].astype(str).itertuples(index=False, name=None)))
                old_keys = list(map(tuple, stored[keys].astype(str).itertuples(index=False, name=None)))
                stored = stored[[k not in new_keys for k in old_keys]]
                stored = pd.concat([stored, frame], ignore_index=True)
            else:
                stored = frame.reset_index(drop=True)
            _record_added(new_inputs, result, bar, path.name, label, digest, kind, len(frame), now)
    finally:
        bar.close()
    if not result.files_added:
        return
    tx.write_table(kind, stored.sort_values(keys).reset_index(drop=True))
    _append_inputs(tx, inputs, new_inputs)


#: Files that give every force's figures: a territorial force they lack has no rate per 1,000 residents
#: (population) or no officer numbers and crimes per officer (workforce), which its pages then say.
_COVERAGE_WARNED = {"population": "rates per 1,000 residents", "workforce": "officer numbers and crimes per officer"}


def _warn_forces_lacking(label: str, kind: str, frame: pd.DataFrame, warnings: list[str]) -> None:
    """One warning naming the territorial forces of England and Wales a population or workforce file
    has no figures for (not an error: the file is sound, and those forces' pages give the reason)."""
    from perfkit.config.forces import all_slugs, short_name_for

    present = set(frame["force"].astype(str))
    lacking = [short_name_for(f) for f in all_slugs(territorial_only=True) if f not in present]
    if lacking:
        warnings.append(f"{label}: no figures for {len(lacking)} of the 43 territorial forces ({', '.join(lacking)}); "
                        f"their {_COVERAGE_WARNED[kind]} will say the {kind} file has none")


def _warn_example_rows(label: str, frame: pd.DataFrame, warnings: list[str]) -> None:
    """A warning for rows left from the template (``data/templates/local-measures.csv``), whose note
    says EXAMPLE: they are stored as figures like any other, so the analyst must know."""
    example = frame[frame["note"].str.contains("EXAMPLE", case=True, regex=False)]
    if len(example):
        first = example.iloc[0]
        warnings.append(f"{label}: {len(example)} row(s) are the template's EXAMPLE rows (e.g. {first['measure']} "
                        f"{first['force']} {first['month']}: {first['note']!r}); they were stored as figures: replace "
                        "them with the force's own figures or delete them, then ingest the file again")


def _already_stored(digest: str, known: set, result: IngestResult, bar: "_Progress", name: str, label: str) -> bool:
    """True (and the file recorded as skipped) when a file with this content is in the store already."""
    if digest in known:
        result.files_skipped.append(label)
        bar.step(name, 0, "already in the store")
        return True
    known.add(digest)
    return False


def _record_added(new_inputs: list, result: IngestResult, bar: "_Progress", name: str, label: str, digest: str,
                  kind: str, rows: int, now: str) -> None:
    """Record a newly ingested file: its input row, the result's counts, and a progress step."""
    new_inputs.append({"path": label, "sha256": digest, "kind": kind, "rows": rows, "ingested_at": now})
    result.files_added.append(label)
    result.rows_added += rows
    bar.step(name, rows)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ------------------------------------------------------------------------------------------------
# Public entry points
# ------------------------------------------------------------------------------------------------
def ingest(
    kind: str,
    paths: Iterable["Path | str"],
    store: "Path | str | None" = None,
    *,
    progress: bool = True,
    workers: "int | None" = None,
    force: "str | None" = None,
    replace: bool = False,
    columns: "dict[str, str] | str | None" = None,
) -> IngestResult:
    """Add files of one kind to the store, atomically.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    paths : iterable of path
        Files, folders or zip archives (``police-uk``), or files (other kinds), in release order:
        when two files hold the same force-month, the later one is taken as the newer release.
    store : path, optional
        The store folder; default :func:`perfkit.config.store_dir`.
    progress : bool, default True
        Report progress on standard error (a bar on a terminal, lines otherwise).
    workers : int, optional
        Threads reading files (default: the number of CPUs, at most 8).
    force : str, optional
        ``collisions`` only: the force a file without a force column covers (else it is refused).
    replace : bool, default False
        ``counts`` only: each file's force-months replace the stored ones whole, so crime types the
        file lacks are removed (recorded as revisions). Without it a file revises exactly the
        (force, month, crime type) keys it holds and the other crime types keep their counts.
    columns : dict or str, optional
        ``counts`` only: the file's column names for the counts columns, e.g.
        ``"county=force,num_crimes=count"`` (see :func:`parse_columns`).

    Returns
    -------
    IngestResult

    Raises
    ------
    DataError
        For any bad input; the store is then exactly as it was.

    Examples
    --------
    >>> ingest("counts", ["data/shipped/counts-2015-2018.csv.gz"], "/tmp/store")  # doctest: +SKIP
    """
    options = {"force": force, "replace": replace, "columns": columns}
    return ingest_many([(kind, paths, options)], store, progress=progress, workers=workers)[0]


def ingest_many(
    plan: Sequence[tuple[str, Iterable["Path | str"]]],
    store: "Path | str | None" = None,
    *,
    progress: bool = True,
    workers: "int | None" = None,
    fresh: bool = False,
    meta: "dict | None" = None,
    unless: "dict | None" = None,
) -> list[IngestResult]:
    """Ingest several kinds in one transaction: all of them are stored, or none.

    Parameters
    ----------
    plan : sequence of (kind, paths) or (kind, paths, options)
        What to ingest, in order; ``options`` holds :func:`ingest`'s ``force``, ``replace`` and
        ``columns``.
    store, progress, workers
        As for :func:`ingest`.
    fresh : bool, default False
        Build the store afresh instead of adding to the live generation (a rebuild).
    meta : dict, optional
        Keys to record in the store's ``meta.json`` (e.g. the shipped-data fingerprint).
    unless : dict, optional
        Do nothing if the live store's ``meta.json`` already has these values once the writers'
        lock is held (another process built the same store while this one waited).

    Examples
    --------
    >>> ingest_many([("counts", ["c.csv"]), ("police-uk", ["2014-01.zip"])], "/tmp/store")  # doctest: +SKIP
    """
    checked = []
    for item in plan:
        kind, paths = item[0], item[1]
        options = _check_options(kind, dict(item[2]) if len(item) > 2 and item[2] else {})
        if kind not in KINDS:
            raise DataError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
        paths = [Path(p) for p in paths]
        if not paths:
            raise DataError(f"no files given; expected one or more paths to ingest as {kind}")
        for path in paths:
            _require_exists(path)
        checked.append((kind, paths, options))
    root = Path(store).resolve() if store is not None else config.store_dir()
    workers = workers or min(8, os.cpu_count() or 1)
    results = []
    started = time.perf_counter()
    with Transaction(root, fresh=fresh) as tx:
        if unless:
            live = Store(root).meta()
            if all(live.get(k) == v for k, v in unless.items()):
                tx.discard()
                return []
        for kind, paths, options in checked:
            result = IngestResult(kind, root)
            began = time.perf_counter()
            if kind == "police-uk":
                _ingest_police(tx, paths, result, progress, workers)
            elif kind == "counts":
                _ingest_counts(tx, paths, result, progress, replace=options.get("replace", False),
                               columns=options.get("columns"))
            else:
                _ingest_table(tx, kind, paths, result, progress, force=options.get("force"))
            result.seconds = time.perf_counter() - began
            results.append(result)
        _record_warnings(tx, results)
        if meta:
            tx.set_meta(**meta)
        elif not fresh and not any(r.files_added for r in results):
            tx.discard()  # nothing new: leave the store byte for byte as it was
        _stop_if_asked()  # a stop asked for at any point before the switch leaves the store as it was
    if results:
        results[-1].seconds += (time.perf_counter() - started) - sum(r.seconds for r in results)
    return results


def _check_options(kind: str, options: dict) -> dict:
    """Options that apply to ``kind`` only; an option given for another kind is a mistake, said so."""
    if options.get("force") and kind != "collisions":
        raise DataError(f"--collisions-force {options['force']}: applies to collisions files only; expected no "
                        f"--collisions-force for {kind} (those files name the force on each row)")
    if options.get("replace") and kind != "counts":
        raise DataError(f"--replace: applies to counts files only; expected no --replace for {kind} (a newer {kind} "
                        "file already replaces the rows it holds)")
    if options.get("columns") and kind != "counts":
        raise DataError(f"--columns: applies to counts files only; expected no --columns for {kind}")
    if isinstance(options.get("columns"), str):
        options["columns"] = parse_columns(options["columns"])
    if options.get("force"):
        from perfkit.config.forces import slug_for

        options["force"] = slug_for(options["force"])
    return options


_WARNING_COLUMNS = ["kind", "warning", "ingested_at"]


def _record_warnings(tx: Transaction, results: Sequence[IngestResult]) -> None:
    """Keep the ingest's warnings in the store, so a run's pre-publication checks repeat them."""
    rows = [{"kind": r.kind, "warning": w, "ingested_at": _now()} for r in results if r.files_added for w in r.warnings]
    if not rows:
        return
    old = _load(tx, "warnings", _WARNING_COLUMNS)
    frame = pd.concat([old, pd.DataFrame(rows, columns=_WARNING_COLUMNS)], ignore_index=True)
    tx.write_table("warnings", pa.Table.from_pandas(frame.astype(str), preserve_index=False))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="perfkit ingest",
        description="Add downloaded data files to the store (validated; all or nothing).",
        epilog="Files already in the store are skipped; a newer release of a force-month replaces the older "
        "and the count differences are recorded (see perfkit.data.revisions). A counts file revises only the "
        "(force, month, crime type) rows it holds unless --replace is given. Warnings are kept in the store "
        "and repeated in a run's pre-publication checks.",
    )
    parser.add_argument("kind", choices=KINDS, help="what the files are")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files, folders or zip archives")
    parser.add_argument("--store", metavar="DIR", help="store folder (default: data/store, or $PERFKIT_STORE)")
    parser.add_argument("--params", metavar="DIR", help="parameters folder whose Plan lists the local measures a "
                        "measures file may hold (default params/, or $PERFKIT_PARAMS)")
    parser.add_argument("--quiet", action="store_true", help="no progress, only warnings and errors")
    parser.add_argument("--workers", type=int, default=None, help="threads reading files (default: CPUs, at most 8)")
    parser.add_argument("--collisions-force", dest="force", metavar="SLUG",
                        help="collisions: the force a file without a force column covers (e.g. norfolk)")
    parser.add_argument("--replace", action="store_true",
                        help="counts: take each file's force-months whole (crime types it lacks are removed); "
                        "without it a file revises only the (force, month, crime type) rows it holds")
    parser.add_argument("--columns", metavar="MAP",
                        help="counts: the file's own column names, e.g. county=force,num_crimes=count")
    return parser


def main(argv: "list[str] | None" = None) -> int:
    """``perfkit ingest <kind> PATH... [--store DIR]``; returns the exit code.

    Warnings (data still sound) are printed and the ingest goes ahead (exit 0); errors raise
    :class:`DataError`, which the command line prints without a traceback (exit 2).
    """
    args = _parser().parse_args(argv)
    config.use_locations(params=args.params)
    _STOP.clear()
    # A polite kill (SIGTERM) aborts like Ctrl-C: the staging copy is removed, the store is as it was.
    previous = signal.signal(signal.SIGTERM, _interrupt) if threading.current_thread() is threading.main_thread() else None
    try:
        result = ingest(args.kind, args.paths, args.store, progress=not args.quiet, workers=args.workers,
                        force=args.force, replace=args.replace, columns=args.columns)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    for warning in result.warnings:
        print(f"perfkit ingest: warning: {warning}", file=sys.stderr)
    print(f"perfkit ingest: {result.summary()}", file=sys.stderr)
    return 0


_STOP = threading.Event()


def _interrupt(signum, frame):
    """SIGTERM handler: unwind as for Ctrl-C so the transaction removes its staging copy.

    The request is also remembered, because Python runs a signal handler wherever the main thread
    happens to be, and an exception raised inside an object's clean-up (``__del__``) is printed and
    dropped: :func:`_stop_if_asked` raises it again at the next file and before the commit.
    """
    _STOP.set()
    raise KeyboardInterrupt


def _stop_if_asked() -> None:
    """Raise KeyboardInterrupt if a stop was asked for (SIGTERM) and has not yet unwound the ingest."""
    if _STOP.is_set():
        raise KeyboardInterrupt

