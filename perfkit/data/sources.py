"""Readers for the data sources other than data.police.uk street files.

Each reader takes a path, checks the file and returns a tidy :class:`pandas.DataFrame` with the
force given by its data.police.uk slug (see :mod:`perfkit.config.forces`). A file that cannot be trusted
raises :class:`perfkit.errors.DataError` whose message names the file, the line (or sheet and row),
the column, what was found and what was expected. Files are only ever read, never modified.

==================  ====================================================  ===========================================
reader              accepts                                               returns
==================  ====================================================  ===========================================
read_counts         ``month,force,crime_type,count`` (``.csv``/``.gz``);   month (period[M]), force, crime_type, count
                    the 2015-2018 study file (``month,county,...``)
read_prc            ONS/Home Office recorded crime by PFA (both date      period_end, force, offence, count
                    styles); or ``period_end,force,offence,count``
read_population     ONS population by PFA, wide or ``year,force,          year, force, population
                    population``
read_collisions     STATS19 collision file (Cambridgeshire open data), or  date, month, force, severity
                    ``date,severity[,force]``
read_workforce      Home Office police workforce workbook (ODS/Excel), or  date, force, officer_fte
                    ``date,force,officer_fte`` (or the wide derived CSV)
read_measures       the local measures template (``data/templates/``)       measure, force, month, value, numerator,
                                                                          denominator, note
==================  ====================================================  ===========================================

Decisions worth knowing
-----------------------
* Study file ``All`` rows are checked against the sum of the crime types of the same force and
  month (an error names the line when they differ) and then dropped: ``All`` is derivable, and
  keeping it would double count.
* Recorded-crime period ends are set to the last day of their month: ``30-12-2017`` (a typo in the
  published table, on fraud-body rows only) becomes 2017-12-31 like every other row of that quarter.
* The three fraud-reporting bodies in the recorded-crime table (Action Fraud, CIFAS, UK Finance)
  are not forces. Their rows are kept with ``force`` set to their own slug (``action-fraud``,
  ``cifas``, ``uk-finance``; :func:`perfkit.config.forces.is_force` is False for them) and ``offence`` set
  to ``Fraud offences``, so national totals can include them and force-level queries never do.
* Negative recorded-crime counts (25 small adjustments in the ONS table) are kept as published.

Examples
--------
>>> import io, tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "counts.csv"
>>> _ = p.write_text("month,force,crime_type,count\\n2015-01,Cambridgeshire Constabulary,Burglary,410\\n")
>>> read_counts(p).to_dict("records")
[{'month': Period('2015-01', 'M'), 'force': 'cambridgeshire', 'crime_type': 'Burglary', 'count': 410}]
"""

from __future__ import annotations

import csv
import gzip
import io
import warnings
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from perfkit.config import forces
from perfkit.errors import DataError
from perfkit.periods import parse_month

__all__ = [
    "CRIME_TYPES",
    "LEGACY_CRIME_TYPES",
    "SEVERITIES",
    "read_counts",
    "read_prc",
    "read_population",
    "read_collisions",
    "read_workforce",
    "read_measures",
]

#: data.police.uk crime types of the scheme in force since mid-2013.
CRIME_TYPES: tuple[str, ...] = (
    "Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson", "Drugs",
    "Other crime", "Other theft", "Possession of weapons", "Public order", "Robbery", "Shoplifting",
    "Theft from the person", "Vehicle crime", "Violence and sexual offences",
)
#: Crime types used by data.police.uk files before about May 2013.
LEGACY_CRIME_TYPES: tuple[str, ...] = ("Violent crime", "Public disorder and weapons")
#: STATS19 collision severities.
SEVERITIES: tuple[str, ...] = ("Fatal", "Serious", "Slight")

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------
def _today() -> pd.Period:
    return parse_month(date.today())


def _check_file(path) -> Path:
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found")
    if not path.is_file():
        raise DataError(f"{path}: is a folder; expected a file")
    return path


def _raw_bytes(path: Path) -> bytes:
    """The file's bytes, un-gzipped for ``.gz``; a lone CSV inside a ``.zip`` is read too."""
    if path.suffix.lower() == ".gz":
        try:
            return gzip.decompress(path.read_bytes())
        except (OSError, EOFError) as exc:
            raise DataError(f"{path}: not a readable gzip file ({exc}); expected a .csv.gz written by gzip") from None
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if n.lower().endswith(".csv")]
                if len(names) != 1:
                    raise DataError(f"{path}: found {len(names)} CSV files in the zip; expected exactly one")
                return zf.read(names[0])
        except zipfile.BadZipFile:
            raise DataError(f"{path}: not a readable zip archive") from None
    return path.read_bytes()


def _decode(path: Path, data: bytes, *, legacy_ok: bool = False) -> str:
    """Text of a file. UTF-8 (with or without BOM) is required unless ``legacy_ok``, where
    undecodable bytes are read as Windows-1252 (the encoding the STATS19 extract was saved in)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if legacy_ok:
            return data.decode("cp1252", errors="replace")
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DataError(
            f"{path}: line {line}, column {column}: found byte 0x{data[exc.start]:02x}, which is not UTF-8 "
            "(a legacy encoding such as Windows-1252?); expected UTF-8 text: re-save the file as UTF-8"
        ) from None


def _read_csv(path: Path, *, legacy_ok: bool = False, comments: bool = False) -> pd.DataFrame:
    """All cells as text, with a ``_line`` column holding each row's line number in the file.

    Blank lines are kept while numbering (so line numbers stay true) and dropped afterwards. With
    ``comments``, a line after the header whose first character (spaces aside) is ``#`` is read as
    blank: a template's commented rows and notes (``data/templates/local-measures.csv``).
    """
    text = _decode(path, _raw_bytes(path), legacy_ok=legacy_ok)
    if not text.strip():
        raise DataError(f"{path}: the file is empty; expected a header line and data rows")
    if comments:
        lines = text.splitlines(keepends=True)
        if lines[0].lstrip().startswith("#"):
            raise DataError(f"{path}: line 1: found a comment ({lines[0].strip()[:40]!r}); expected the header "
                            "line first (comments starting # may follow it)")
        text = "".join("\n" if line.lstrip().startswith("#") else line for line in lines)
    try:
        with warnings.catch_warnings():
            # index_col=False stops pandas silently using a surplus first column as an index; the
            # warning it gives instead is turned into the same error as any row with extra fields.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False,
                                index_col=False)
    except pd.errors.ParserWarning:
        rows = csv.reader(io.StringIO(text))
        width = len(next(rows))
        for number, row in enumerate(rows, start=2):
            if row and len(row) != width:
                raise DataError(f"{path}: line {number}: found {len(row)} fields; expected {width} (as in the header)") from None
        raise DataError(f"{path}: rows do not match the header's {width} fields") from None
    except pd.errors.ParserError as exc:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if found:
            want, line, saw = found.groups()
            raise DataError(f"{path}: line {line}: found {saw} fields; expected {want} (as in the header)") from None
        raise DataError(f"{path}: not a readable CSV file ({exc})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame["_line"] = np.arange(len(frame)) + 2
    cells = frame.drop(columns="_line")
    blank = (cells == "").all(axis=1) if len(cells.columns) else pd.Series(False, index=frame.index)
    frame = frame[~blank].reset_index(drop=True)
    if frame.empty:
        raise DataError(f"{path}: has a header but no data rows; expected at least one row")
    return frame


def _require(path: Path, frame: pd.DataFrame, columns: Iterable[str], expected: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        found = ", ".join(c for c in frame.columns if c != "_line")
        raise DataError(
            f"{path}: line 1 (header): missing column(s) {', '.join(missing)}; found columns {found}; "
            f"expected {expected}"
        )


def _fail_row(path: Path, frame: pd.DataFrame, mask, column: str, expected: str) -> None:
    """Raise for the first row where ``mask`` is True."""
    mask = np.asarray(mask, dtype=bool)
    if mask.any():
        i = int(np.flatnonzero(mask)[0])
        found = frame[column].iloc[i]
        n = int(mask.sum())
        more = f" ({n - 1} more such row{'s' if n > 2 else ''})" if n > 1 else ""
        raise DataError(
            f"{path}: line {frame['_line'].iloc[i]}, column {column!r}: found {found!r}; expected {expected}{more}"
        )


def _months(path: Path, frame: pd.DataFrame, column: str, *, today: pd.Period | None) -> pd.Series:
    text = frame[column].str.strip()
    parts = text.str.extract(_MONTH_RE)
    month_no = pd.to_numeric(parts[1], errors="coerce")
    bad = parts[0].isna() | ~month_no.between(1, 12)
    _fail_row(path, frame, bad, column, "a month written YYYY-MM, e.g. 2015-01")
    months = pd.PeriodIndex(text, freq="M")
    limit = today if today is not None else _today()
    _fail_row(path, frame, months > limit, column, f"a month no later than {limit} (this month); it is in the future")
    return pd.Series(months, index=frame.index)


def _slugs(path: Path, frame: pd.DataFrame, column: str, *, source: str = "any") -> pd.Series:
    """Map a column of force names to slugs, resolving each distinct name once."""
    mapping = {}
    for name in frame[column].unique():
        try:
            mapping[name] = forces.slug_for(name, source=source)
        except DataError as exc:
            line = frame.loc[frame[column] == name, "_line"].iloc[0]
            raise DataError(f"{path}: line {line}, column {column!r}: {exc}") from None
    return frame[column].map(mapping)


def _numbers(path: Path, frame: pd.DataFrame, column: str, *, integer: bool, negative_ok: bool,
             what: str) -> pd.Series:
    text = frame[column].str.strip().str.replace(",", "", regex=False)
    values = pd.to_numeric(text, errors="coerce")
    _fail_row(path, frame, values.isna(), column, f"a number ({what})")
    if integer:
        _fail_row(path, frame, values != np.round(values), column, f"a whole number ({what})")
    if not negative_ok:
        _fail_row(path, frame, values < 0, column, f"a number of zero or more ({what})")
    return values.astype("int64") if integer else values.astype("float64")


def _no_duplicates(path: Path, frame: pd.DataFrame, keys: list[str], label: dict[str, str] | None = None) -> None:
    dup = frame.duplicated(keys, keep=False)
    if dup.any():
        first = frame[dup].iloc[0]
        same = frame[dup & (frame[keys] == first[keys]).all(axis=1)]
        lines = " and ".join(str(x) for x in same["_line"].iloc[:2])
        def show(value) -> str:
            return value.strftime("%Y-%m-%d") if isinstance(value, pd.Timestamp) else str(value)

        what = ", ".join(f"{(label or {}).get(k, k)} {show(first[k])}" for k in keys)
        raise DataError(f"{path}: lines {lines} both give {what}; expected one row per {' and '.join(keys)}")


# --------------------------------------------------------------------------------------------
# Monthly counts
# --------------------------------------------------------------------------------------------
def read_counts(path, *, today: pd.Period | None = None) -> pd.DataFrame:
    """Monthly counts by force and crime type.

    Parameters
    ----------
    path : path-like
        A CSV (or ``.csv.gz``) with columns ``month,force,crime_type,count``; or the 2015-2018
        study file with ``month,county,crime_type,num_crimes,...`` (extra columns ignored).
    today : pandas.Period, optional
        The current month, for refusing months in the future (default: this month).

    Returns
    -------
    pandas.DataFrame
        ``month`` (period[M]), ``force`` (slug), ``crime_type``, ``count`` (int64), sorted.

    Notes
    -----
    Force names may be any name :func:`perfkit.config.forces.slug_for` knows. ``crime_type`` must be a
    data.police.uk type (:data:`CRIME_TYPES` or :data:`LEGACY_CRIME_TYPES`); an ``All`` row is
    checked against the sum of the other types for its force and month, then dropped.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
    >>> _ = p.write_text("month,force,crime_type,count\\n2015-01,x,Drugs,-1\\n")
    >>> read_counts(p)
    Traceback (most recent call last):
    ...
    perfkit.errors.DataError: ...: line 2, column 'force': unknown police force 'x'
    """
    path = _check_file(path)
    frame = _read_csv(path)
    if "county" in frame.columns and "num_crimes" in frame.columns and "force" not in frame.columns:
        frame = frame.rename(columns={"county": "force", "num_crimes": "count"})
        expected = "month,county,crime_type,num_crimes (the study format)"
    else:
        expected = "month,force,crime_type,count"
    _require(path, frame, ["month", "force", "crime_type", "count"], expected)
    months = _months(path, frame, "month", today=today)
    slugs = _slugs(path, frame, "force")
    ctype = frame["crime_type"].str.strip()
    known = set(CRIME_TYPES) | set(LEGACY_CRIME_TYPES) | {"All"}
    _fail_row(path, frame, ~ctype.isin(known), "crime_type",
              "a data.police.uk crime type (" + ", ".join(CRIME_TYPES) + ")")
    counts = _numbers(path, frame, "count", integer=True, negative_ok=False, what="a count of rows")
    out = pd.DataFrame({"month": months, "force": slugs, "crime_type": ctype, "count": counts,
                        "_line": frame["_line"]})
    _no_duplicates(path, out, ["month", "force", "crime_type"], {"crime_type": "crime type"})

    is_all = out["crime_type"] == "All"
    if is_all.any():
        parts = out[~is_all].groupby(["month", "force"])["count"].sum()
        totals = out[is_all].set_index(["month", "force"])
        summed = parts.reindex(totals.index).fillna(0).astype("int64")
        wrong = totals["count"] != summed
        if wrong.any():
            row = totals[wrong].iloc[0]
            key = totals[wrong].index[0]
            raise DataError(
                f"{path}: line {row['_line']}, column 'count': found All = {row['count']} for {key[1]} {key[0]}; "
                f"expected the sum of that month's crime types, {summed[wrong].iloc[0]}"
            )
        out = out[~is_all]
    out = out.drop(columns="_line").sort_values(["month", "force", "crime_type"], kind="stable")
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Police recorded crime (ONS / Home Office)
# --------------------------------------------------------------------------------------------
_PRC_COLUMNS = {
    "12 months ending": "period_end",
    "PFA": "force",
    "Offence": "offence",
    "Rolling year total number of offences": "count",
}
_DATE_RE = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$|^(\d{4})-(\d{2})-(\d{2})$")


def _dates(path: Path, frame: pd.DataFrame, column: str, *, month_end: bool) -> pd.Series:
    """Dates written DD/MM/YYYY, DD-MM-YYYY, YYYY-MM-DD or YYYYMMDD."""
    text = frame[column].str.strip()
    parts = text.str.extract(_DATE_RE)
    compact = text.str.extract(r"^(\d{4})(\d{2})(\d{2})$")
    year = parts[2].fillna(parts[3]).fillna(compact[0])
    month = parts[1].fillna(parts[4]).fillna(compact[1])
    day = parts[0].fillna(parts[5]).fillna(compact[2])
    stamp = pd.to_datetime(year + "-" + month + "-" + day, format="%Y-%m-%d", errors="coerce")
    _fail_row(path, frame, stamp.isna(), column, "a date written DD/MM/YYYY, DD-MM-YYYY, YYYY-MM-DD or YYYYMMDD")
    if month_end:
        # Rolling 12-month totals end on a month's last day; '30-12-2017' in the ONS table is a typo.
        stamp = stamp + pd.offsets.MonthEnd(0)
    return stamp.astype("datetime64[ns]")


def read_prc(path) -> pd.DataFrame:
    """Police recorded crime by Police Force Area: rolling 12-month totals by offence.

    Parameters
    ----------
    path : path-like
        The ONS table as published (``12 months ending,PFA,Region,Offence,Rolling year total number
        of offences``; dates ``31/03/2003`` or ``31-03-2003``), or ``period_end,force,offence,count``.

    Returns
    -------
    pandas.DataFrame
        ``period_end`` (Timestamp, a month end), ``force`` (slug, or a fraud body's slug),
        ``offence``, ``count`` (int64, may be negative: published adjustments), sorted.

    Notes
    -----
    Fraud bodies' rows (Action Fraud, CIFAS, UK Finance) keep their own slug in ``force`` and get
    ``offence = "Fraud offences"``; see the module notes.
    """
    path = _check_file(path)
    frame = _read_csv(path)
    if "PFA" in frame.columns or "12 months ending" in frame.columns:
        _require(path, frame, list(_PRC_COLUMNS),
                 "the ONS columns 12 months ending,PFA,Region,Offence,Rolling year total number of offences")
        frame = frame.rename(columns=_PRC_COLUMNS)
    else:
        _require(path, frame, ["period_end", "force", "offence", "count"], "period_end,force,offence,count")
    period_end = _dates(path, frame, "period_end", month_end=True)

    names = frame["force"].str.strip()
    fraud = names.map(forces.fraud_body_for)
    slugs = pd.Series(fraud, index=frame.index, dtype=object)
    if fraud.isna().any():
        slugs[fraud.isna()] = _slugs(path, frame[fraud.isna()], "force")
    offence = frame["offence"].str.strip()
    offence = offence.where(fraud.isna(), "Fraud offences")
    _fail_row(path, frame, offence == "", "offence", "an offence group name")
    counts = _numbers(path, frame, "count", integer=True, negative_ok=True, what="offences in 12 months")
    out = pd.DataFrame({"period_end": period_end, "force": slugs.astype(str), "offence": offence,
                        "count": counts, "_line": frame["_line"]})
    _no_duplicates(path, out, ["period_end", "force", "offence"], {"period_end": "12 months ending"})
    out = out.drop(columns="_line").sort_values(["period_end", "force", "offence"], kind="stable")
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Population
# --------------------------------------------------------------------------------------------
def read_population(path) -> pd.DataFrame:
    """ONS mid-year population by Police Force Area.

    Parameters
    ----------
    path : path-like
        Wide (an optional unnamed index column, ``year``, then one column per force, as in the
        shared file) or long (``year,force,population``).

    Returns
    -------
    pandas.DataFrame
        ``year`` (int64), ``force`` (slug), ``population`` (int64), sorted.
    """
    path = _check_file(path)
    frame = _read_csv(path)
    _require(path, frame, ["year"], "year,force,population (long) or year then one column per force (wide)")
    if {"force", "population"} <= set(frame.columns):
        long = frame
    else:
        force_cols = [c for c in frame.columns if c not in ("year", "_line") and c and not c.startswith("Unnamed")]
        if not force_cols:
            raise DataError(f"{path}: line 1 (header): found no force columns; expected year then one column per force")
        mapping = {}
        for col in force_cols:
            try:
                mapping[col] = forces.slug_for(col, source="any")
            except DataError as exc:
                raise DataError(f"{path}: line 1 (header), column {col!r}: {exc}") from None
        long = frame.melt(id_vars=["year", "_line"], value_vars=force_cols, var_name="force", value_name="population")
        long["force"] = long["force"].map(mapping)
        long = long.rename(columns={"force": "_slug"})
        long["force"] = long["_slug"]
    years = _numbers(path, long, "year", integer=True, negative_ok=False, what="a calendar year")
    _fail_row(path, long, ~years.between(1900, 2100), "year", "a calendar year such as 2015")
    slugs = long["force"] if "_slug" in long.columns else _slugs(path, long, "force")
    pop = _numbers(path, long, "population", integer=True, negative_ok=False, what="residents")
    out = pd.DataFrame({"year": years, "force": slugs, "population": pop, "_line": long["_line"]})
    _no_duplicates(path, out, ["year", "force"])
    out = out.drop(columns="_line").sort_values(["year", "force"], kind="stable")
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Road collisions (STATS19)
# --------------------------------------------------------------------------------------------
def read_collisions(path, *, force: str | None = None, today: pd.Period | None = None) -> pd.DataFrame:
    """Road traffic collisions, one row per collision.

    Parameters
    ----------
    path : path-like
        A STATS19 extract as a local authority publishes it (columns ``Date`` as YYYYMMDD and
        ``Severity``; Windows-1252 bytes, a duplicated ``Day`` header and a blank header are
        tolerated), or a minimal CSV ``date,severity[,force]`` (dates YYYY-MM-DD or YYYYMMDD).
    force : str, optional
        The force every row belongs to, for a file without a force column (``perfkit ingest
        collisions FILE --collisions-force SLUG``). Such a file is refused without it: nothing is assumed.
        With a force column, every row must name this force.

    Returns
    -------
    pandas.DataFrame
        ``date`` (Timestamp), ``month`` (period[M]), ``force`` (slug), ``severity``
        (``Fatal``/``Serious``/``Slight``), sorted by date.
    """
    path = _check_file(path)
    # The published extract is not valid UTF-8 (two cp1252 bytes in free-text columns we do not use).
    frame = _read_csv(path, legacy_ok=True)
    lower = {c.lower(): c for c in frame.columns}
    if "date" not in lower or "severity" not in lower:
        _require(path, frame, ["date", "severity"], "date,severity[,force] (or the STATS19 columns Date and Severity)")
    frame = frame.rename(columns={lower["date"]: "date", lower["severity"]: "severity"})
    stamp = _dates(path, frame, "date", month_end=False)
    limit = today if today is not None else _today()
    _fail_row(path, frame, stamp.dt.to_period("M") > limit, "date", f"a date no later than {limit}; it is in the future")
    sev = frame["severity"].str.strip().str.capitalize()
    _fail_row(path, frame, ~sev.isin(SEVERITIES), "severity", "one of Fatal, Serious, Slight")
    if "force" in lower:
        frame = frame.rename(columns={lower["force"]: "force"})
        slugs = _slugs(path, frame, "force")
        if force is not None:
            slug = forces.slug_for(force)
            _fail_row(path, frame, slugs != slug, "force", f"{slug} (the force given with --collisions-force)")
    elif force is None:
        raise DataError(f"{path}: has no force column; expected a column 'force' on each row, or the force the "
                        f"file covers given as `perfkit ingest collisions {path.name} --collisions-force SLUG` "
                        "(e.g. --collisions-force norfolk)")
    else:
        slugs = pd.Series(forces.slug_for(force), index=frame.index)
    out = pd.DataFrame({"date": stamp, "month": stamp.dt.to_period("M"), "force": slugs, "severity": sev})
    return out.sort_values(["date", "force", "severity"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Police workforce (Home Office)
# --------------------------------------------------------------------------------------------
# Rows of the Home Office tables that are groupings, not forces. "West Midlands" is both a region
# and a force: in each table the region comes first, so its first occurrence is skipped.
_WORKFORCE_GROUPS = {
    "north east", "north west", "yorkshire and the humber", "east midlands", "west midlands",
    "eastern", "east of england", "london", "south east", "south west", "wales", "england and wales",
    "england", "total 43 forces", "central service secondments", "total", "national",
}
_OFFICER_TABLE = re.compile(r"police officers.*by police force area", re.IGNORECASE)


def _norm(text) -> str:
    return re.sub(r"\s+", " ", str(text).replace("&", "and")).strip().lower()


def _workforce_sheet(path: Path, sheet: str, grid: pd.DataFrame) -> pd.DataFrame:
    # The header row holding the 'as at' dates: the first row with at least one date cell.
    header = None
    for i in range(min(len(grid), 20)):
        cells = grid.iloc[i, 1:]
        dates = [c for c in cells if isinstance(c, (pd.Timestamp, date)) or hasattr(c, "year")]
        if dates:
            header = i
            break
    if header is None:
        raise DataError(f"{path}: sheet {sheet!r}: found no row of 'as at' dates in the first 20 rows; "
                        "expected the Home Office layout (dates above the force rows)")
    date_cols = [j for j in range(1, grid.shape[1]) if hasattr(grid.iat[header, j], "year")
                 and not isinstance(grid.iat[header, j], (int, float))]
    records, seen_groups = [], set()
    for i in range(header + 1, len(grid)):
        label = grid.iat[i, 0]
        if not isinstance(label, str) or not label.strip():
            continue
        # Footnote markers are appended to names ("Derbyshire1", "Wiltshire2"); notes start with a digit.
        name = re.sub(r"\s*\d+$", "", label.strip())
        key = _norm(name)
        if not name or label.strip()[0].isdigit() or key.startswith("note") or key.startswith("source"):
            continue
        if key == "total":
            break              # the last row of the table; notes follow
        if key in _WORKFORCE_GROUPS and key not in seen_groups:
            seen_groups.add(key)
            continue
        try:
            slug = forces.slug_for(name, source="workforce")
        except DataError as exc:
            if key in _WORKFORCE_GROUPS:
                continue
            raise DataError(f"{path}: sheet {sheet!r}, row {i + 1}, column 1: {exc}") from None
        for j in date_cols:
            value = grid.iat[i, j]
            number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
            if pd.isna(number) or number < 0:
                raise DataError(f"{path}: sheet {sheet!r}, row {i + 1}, column {j + 1}: found {value!r} for {name}; "
                                "expected a full-time equivalent number of officers")
            records.append({"date": pd.Timestamp(grid.iat[header, j]).normalize(), "force": slug,
                            "officer_fte": round(float(number), 6)})
    return pd.DataFrame(records)


def read_workforce(path) -> pd.DataFrame:
    """Police officer full-time equivalents by force at each date.

    Parameters
    ----------
    path : path-like
        A Home Office "Police workforce, England and Wales" workbook (``.ods``, ``.xlsx``,
        ``.xls``) as published: the sheet titled "Police officers by police force area ..." is
        found, its row of 'as at' dates located under the title and note rows, and every force row
        read (regions and totals skipped; footnote digits after names removed). Or a CSV:
        ``date,force,officer_fte``, or the wide ``Force/Region,September 2014,...`` derived form.

    Returns
    -------
    pandas.DataFrame
        ``date`` (Timestamp), ``force`` (slug), ``officer_fte`` (float), sorted.

    Examples
    --------
    Cambridgeshire, in the September 2015 workbook: 1,354.36 (Sep 2014), 1,361.95 (Mar 2015),
    1,358.16 (Sep 2015).
    """
    path = _check_file(path)
    suffix = path.suffix.lower()
    if suffix in (".ods", ".xlsx", ".xls", ".xlsm"):
        engine = "odf" if suffix == ".ods" else None
        try:
            sheets = pd.read_excel(path, sheet_name=None, header=None, engine=engine)
        except Exception as exc:  # odf/openpyxl raise many types for a corrupt workbook
            raise DataError(f"{path}: not a readable {suffix[1:]} workbook ({type(exc).__name__}: {exc})") from None
        frames = []
        for sheet, grid in sheets.items():
            title = " ".join(str(x) for x in grid.iloc[:3, 0].dropna())
            if _OFFICER_TABLE.search(title) and "officers," not in title.lower():
                frames.append(_workforce_sheet(path, sheet, grid))
        if not frames or all(f.empty for f in frames):
            raise DataError(f"{path}: found no sheet titled 'Police officers by police force area ...'; "
                            "expected a Home Office police workforce workbook")
        out = pd.concat(frames, ignore_index=True).drop_duplicates(["date", "force"], keep="first")
    else:
        frame = _read_csv(path)
        if "Force/Region" in frame.columns:
            date_cols = [c for c in frame.columns if c not in ("Force/Region", "_line")]
            stamps = {}
            for c in date_cols:
                stamp = pd.to_datetime(c, format="%B %Y", errors="coerce")
                if pd.isna(stamp):
                    raise DataError(f"{path}: line 1 (header), column {c!r}: expected a month such as 'September 2015'")
                stamps[c] = stamp + pd.offsets.MonthEnd(0)
            frame = frame[~frame["Force/Region"].map(lambda s: _norm(s) in _WORKFORCE_GROUPS)]
            frame = frame.melt(id_vars=["Force/Region", "_line"], value_vars=date_cols, var_name="date", value_name="officer_fte")
            frame["date"] = frame["date"].map(stamps)
            frame = frame.rename(columns={"Force/Region": "force"})
            dates = frame["date"]
        else:
            _require(path, frame, ["date", "force", "officer_fte"], "date,force,officer_fte")
            dates = _dates(path, frame, "date", month_end=False)
        slugs = _slugs(path, frame, "force")
        fte = _numbers(path, frame, "officer_fte", integer=False, negative_ok=False, what="full-time equivalent officers").round(6)
        out = pd.DataFrame({"date": pd.to_datetime(dates), "force": slugs, "officer_fte": fte, "_line": frame["_line"]})
        _no_duplicates(path, out, ["date", "force"])
        out = out.drop(columns="_line")
    out["date"] = out["date"].astype("datetime64[ns]")
    return out.sort_values(["date", "force"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Local measures (the template in data/templates/)
# --------------------------------------------------------------------------------------------
def _local_measures(plan_path: Path | None) -> dict[str, str]:
    """Ids of the Plan's measures with ``source: local`` -> unit (read from the YAML directly)."""
    from perfkit import config
    from perfkit.config.params import Node, load_yaml

    plan_path = Path(plan_path) if plan_path else config.params_dir() / "plan.yaml"
    doc = Node(load_yaml(plan_path), plan_path)
    out = {}
    for m in doc.children("measures"):
        if m.get("source", None) == "local":
            out[m.str("id")] = m.get("unit", "")
    return out


def read_measures(path, *, plan: Path | None = None, today: pd.Period | None = None) -> pd.DataFrame:
    """Local measures from force systems, in the template of ``data/templates/local-measures.csv``.

    Parameters
    ----------
    path : path-like
        CSV with ``measure,force,month,value`` and optionally ``numerator,denominator,note``; a
        line after the header starting with ``#`` is a comment (the template's commented rows).
    plan : path-like, optional
        The Plan YAML whose ``source: local`` measures are accepted (default ``params/plan.yaml``).

    Returns
    -------
    pandas.DataFrame
        ``measure``, ``force`` (slug), ``month`` (period[M]), ``value`` (float), ``numerator`` and
        ``denominator`` (float, NaN when not given), ``note`` (str, "" when not given), sorted.

    Notes
    -----
    One row per measure, force and month. A figure for a longer period (a quarter, a year) is
    written against the period's last month, with the period stated in ``note``. When numerator
    and denominator are both given the denominator must be positive; for ``percent`` measures the
    value must lie between 0 and 100 unless the measure can be negative (budget variance).
    """
    path = _check_file(path)
    frame = _read_csv(path, comments=True)
    _require(path, frame, ["measure", "force", "month", "value"],
             "measure,force,month,value[,numerator,denominator,note] (see data/templates/README.md)")
    allowed = _local_measures(plan)
    measure = frame["measure"].str.strip()
    _fail_row(path, frame, ~measure.isin(allowed), "measure",
              "the id of a Plan measure with source: local (" + ", ".join(sorted(allowed)) + ")")
    slugs = _slugs(path, frame, "force")
    months = _months(path, frame, "month", today=today)
    value = _numbers(path, frame, "value", integer=False, negative_ok=True, what="the measure's value")
    out = pd.DataFrame({"measure": measure, "force": slugs, "month": months, "value": value})
    for col in ("numerator", "denominator"):
        if col in frame.columns:
            given = frame[col].str.strip() != ""
            nums = pd.Series(np.nan, index=frame.index)
            if given.any():
                nums[given] = _numbers(path, frame[given], col, integer=False, negative_ok=False, what=col)
            out[col] = nums
        else:
            out[col] = np.nan
    both = out["numerator"].notna() & out["denominator"].notna()
    _fail_row(path, frame, both & (out["denominator"] <= 0), "denominator", "a positive number")
    units = measure.map(allowed)
    signed = measure.isin(["budget_variance"])
    pct = (units == "percent") & ~signed
    _fail_row(path, frame, pct & ~out["value"].between(0, 100), "value", "a percentage between 0 and 100")
    out["note"] = frame["note"].str.strip() if "note" in frame.columns else ""
    out["_line"] = frame["_line"]
    _no_duplicates(path, out, ["measure", "force", "month"])
    out = out.drop(columns="_line").sort_values(["measure", "force", "month"], kind="stable")
    return out.reset_index(drop=True)
