"""Synthetic data.police.uk street archives, for benchmarks and tests at national scale.

The files are in the exact data.police.uk street format: the 12 columns ``Crime ID,Month,Reported
by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome
category,Context``, CRLF line ends, no BOM, one file per force and month named
``YYYY-MM/YYYY-MM-<force>-street.csv``; anti-social behaviour rows have a blank Crime ID and
outcome; rows are sorted by LSOA then crime type, as published. The figures are invented but
plausible: each force's share of the national total, the crime-type mix and each type's monthly
seasonality are taken from 2016-2017 data.police.uk counts; locations are snapped to a fixed set
of points per LSOA (as data.police.uk anonymises them), about 0.5% of rows have no location, and
identical ASB rows occur, as in real files.

Generation is vectorised (numpy) and deterministic: the same ``seed`` gives byte-identical files,
and each force-month has its own random stream, so a month's files do not depend on which other
months are generated.

Examples
--------
>>> import tempfile
>>> paths = write_archive(tempfile.mkdtemp(), ["2017-01"], forces=["cambridgeshire"], rows_per_month=1000, zip=False)
>>> paths[0].name
'2017-01-cambridgeshire-street.csv'
>>> paths[0].read_bytes().split(b"\\r\\n")[0].decode()[:26]
'Crime ID,Month,Reported by'
"""

from __future__ import annotations

import argparse
import hashlib
import zipfile
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from perfkit.config import forces as _forces
from perfkit.errors import PerfkitError
from perfkit.periods import parse_month

__all__ = ["HEADER", "DEFAULT_FORCES", "write_archive", "generate_month", "main"]

HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
          "Crime type,Last outcome category,Context")

# National crime-type mix (per mille of rows, data.police.uk 2016-2017, all forces).
_MIX = {
    "Anti-social behaviour": 281.5, "Bicycle theft": 15.3, "Burglary": 67.6,
    "Criminal damage and arson": 93.5, "Drugs": 21.8, "Other crime": 13.2, "Other theft": 82.7,
    "Possession of weapons": 5.7, "Public order": 49.6, "Robbery": 10.3, "Shoplifting": 59.5,
    "Theft from the person": 14.8, "Vehicle crime": 67.4, "Violence and sexual offences": 217.2,
}
_TYPES = tuple(_MIX)
_ASB = _TYPES.index("Anti-social behaviour")

# Monthly factors (Jan..Dec, mean 1) measured from the same counts; types not listed use "other".
_SEASON = {
    "Anti-social behaviour": [0.85, 0.84, 0.98, 1.02, 1.10, 1.09, 1.19, 1.16, 1.02, 1.08, 0.85, 0.80],
    "Burglary": [1.04, 0.96, 1.01, 0.95, 0.96, 0.94, 0.97, 1.00, 0.99, 1.05, 1.10, 1.05],
    "Violence and sexual offences": [0.88, 0.85, 0.97, 0.93, 1.04, 1.04, 1.09, 1.02, 1.02, 1.08, 1.03, 1.05],
    "Shoplifting": [0.92, 0.97, 1.04, 1.01, 1.03, 0.99, 1.00, 1.03, 1.00, 1.03, 1.05, 0.93],
    "other": [0.92, 0.89, 0.99, 0.96, 1.03, 1.01, 1.04, 1.03, 1.01, 1.06, 1.05, 1.00],
}

# Share of national rows (per mille, 2016-2017) and an approximate centre (longitude, latitude).
_FORCE_INFO = {
    "avon-and-somerset": (28.0, -2.70, 51.35), "bedfordshire": (10.3, -0.45, 52.05),
    "btp": (6.8, -1.50, 52.50), "cambridgeshire": (13.1, 0.05, 52.35), "cheshire": (15.4, -2.55, 53.18),
    "city-of-london": (1.1, -0.09, 51.515), "cleveland": (15.2, -1.20, 54.57), "cumbria": (6.1, -2.90, 54.55),
    "derbyshire": (15.1, -1.55, 53.05), "devon-and-cornwall": (21.5, -4.20, 50.55), "dorset": (11.4, -2.25, 50.75),
    "durham": (11.4, -1.75, 54.70), "dyfed-powys": (6.3, -3.90, 52.20), "essex": (27.8, 0.55, 51.80),
    "gloucestershire": (8.9, -2.20, 51.85), "greater-manchester": (61.1, -2.25, 53.48), "gwent": (10.2, -3.05, 51.70),
    "hampshire": (30.8, -1.25, 51.05), "hertfordshire": (17.5, -0.25, 51.80), "humberside": (15.2, -0.45, 53.70),
    "kent": (30.0, 0.75, 51.20), "lancashire": (29.4, -2.60, 53.80), "leicestershire": (14.3, -1.10, 52.65),
    "lincolnshire": (9.1, -0.30, 53.10), "merseyside": (26.1, -2.95, 53.42), "metropolitan": (160.8, -0.12, 51.50),
    "norfolk": (11.5, 1.00, 52.65), "north-wales": (9.7, -3.70, 53.10), "north-yorkshire": (10.7, -1.40, 54.10),
    "northamptonshire": (13.0, -0.90, 52.30), "northern-ireland": (24.9, -6.60, 54.60), "northumbria": (30.8, -1.65, 55.05),
    "nottinghamshire": (19.0, -1.10, 53.05), "south-wales": (21.9, -3.40, 51.55), "south-yorkshire": (31.8, -1.35, 53.45),
    "staffordshire": (18.4, -2.05, 52.85), "suffolk": (9.6, 1.05, 52.20), "surrey": (14.4, -0.40, 51.25),
    "sussex": (23.0, -0.30, 50.92), "thames-valley": (28.3, -1.05, 51.65), "warwickshire": (8.7, -1.55, 52.30),
    "west-mercia": (19.7, -2.60, 52.30), "west-midlands": (43.0, -1.90, 52.48), "west-yorkshire": (49.2, -1.65, 53.75),
    "wiltshire": (9.3, -1.90, 51.35),
}

#: The 43 territorial forces and British Transport Police (44); Northern Ireland on request.
DEFAULT_FORCES: tuple[str, ...] = tuple(s for s in sorted(_FORCE_INFO) if s != "northern-ireland")

# Outcomes of non-ASB crimes with rough frequencies from 2014 files.
_OUTCOMES = (
    ("Investigation complete; no suspect identified", 415), ("Unable to prosecute suspect", 179),
    ("Under investigation", 120), ("Awaiting court outcome", 68), ("Offender given a caution", 34),
    ("Local resolution", 32), ("Offender given community sentence", 23), ("Offender sent to prison", 11),
    ("Status update unavailable", 10), ("Offender given a drugs possession warning", 10),
    ("Offender given conditional discharge", 8), ("Offender given suspended prison sentence", 7),
    ("Offender fined", 7), ("Offender given penalty notice", 6), ("Defendant found not guilty", 6),
    ("Court case unable to proceed", 4), ("Formal action is not in the public interest", 3),
    ("Suspect charged as part of another case", 2), ("Offender ordered to pay compensation", 2),
)
_STREETS = (
    "High Street", "Station Road", "Church Lane", "Mill Road", "London Road", "Victoria Road", "Green Lane",
    "Park Road", "Manor Road", "Church Street", "Queens Road", "New Road", "Grange Road", "Kings Road",
    "Alexandra Road", "North Street", "The Green", "School Lane", "Springfield Road", "Chapel Street",
    "Windsor Road", "York Road", "Broadway", "Albert Road", "West Street", "Market Place", "Main Road",
    "Richmond Road", "Highfield Road", "Stanley Road", "Nightclub", "Supermarket", "Parking Area",
    "Petrol Station", "Shopping Area", "Sports/Recreation Area", "Further/Higher Educational Building",
    "Hospital", "Police Station", "Conference/Exhibition Centre", "Theatre/Concert Hall", "Bus/Coach Station",
)
_DISTRICT_SUFFIXES = ("", " North", " South", " East", " West", " Central", " Vale", " Rural")
_LSOAS_PER_MILLE = 60          # LSOAs a force has per mille of national rows (Cambridgeshire ~ 790)
_POINTS_PER_LSOA = 12          # anonymised map points per LSOA
_NO_LOCATION = 0.005           # share of rows with no LSOA or coordinates


def _month(text) -> pd.Period:
    try:
        return parse_month(str(text), "month", error=PerfkitError)
    except PerfkitError:
        raise PerfkitError(f"month {text!r}: expected YYYY-MM, e.g. 2017-01") from None


def _parse_months(text: str) -> list[pd.Period]:
    """'2017-01..2017-12', '2017-03' or '2017-01,2017-05' -> months."""
    months: list[pd.Period] = []
    for part in text.split(","):
        if ".." in part:
            start, end = (_month(p.strip()) for p in part.split("..", 1))
            if end < start:
                raise PerfkitError(f"--months {text!r}: {end} is before {start}; expected START..END")
            months.extend(pd.period_range(start, end, freq="M"))
        elif part.strip():
            months.append(_month(part.strip()))
    if not months:
        raise PerfkitError(f"--months {text!r}: expected months such as 2017-01..2017-12")
    return months


def _force_index(slug: str) -> int:
    return sorted(_FORCE_INFO).index(slug)


class _Geography:
    """A force's fixed LSOAs and map points, identical for every month and seed."""

    def __init__(self, slug: str):
        share, lon, lat = _FORCE_INFO[slug]
        index = _force_index(slug)
        rng = np.random.default_rng([20140101, index])
        n_lsoa = max(20, int(share * _LSOAS_PER_MILLE))
        welsh = slug in ("dyfed-powys", "gwent", "north-wales", "south-wales")
        prefix = "W01" if welsh else ("95" if slug == "northern-ireland" else "E01")
        short = _forces.short_name_for(slug) if _forces.is_force(slug) else slug
        n_districts = int(np.clip(n_lsoa // 110, 1, len(_DISTRICT_SUFFIXES)))
        district = rng.integers(0, n_districts, n_lsoa)
        district.sort()
        codes, names, seq = [], [], np.zeros(n_districts, dtype=int)
        for i, d in enumerate(district):
            seq[d] += 1
            # LSOA name = district + 3-digit number + letter, as published ("Cambridge 007A").
            codes.append(f"{prefix}{index * 20000 + i + 1:06d}" if prefix != "95" else f"95{index:02d}{i:05d}")
            names.append(f"{short}{_DISTRICT_SUFFIXES[d]} {(seq[d] - 1) // 4 + 1:03d}{'ABCD'[(seq[d] - 1) % 4]}")
        self.codes = np.array(codes, dtype=object)
        self.names = np.array(names, dtype=object)
        # Uneven demand: a few LSOAs (town centres) have many more incidents (log-normal weights).
        weights = rng.lognormal(0.0, 0.9, n_lsoa)
        self.weights = weights / weights.sum()
        spread = 0.08 + 0.25 * np.sqrt(share / 30)
        centre_lon = lon + rng.normal(0, spread, n_lsoa)
        centre_lat = lat + rng.normal(0, spread * 0.6, n_lsoa)
        npts = n_lsoa * _POINTS_PER_LSOA
        plon = np.repeat(centre_lon, _POINTS_PER_LSOA) + rng.normal(0, 0.004, npts)
        plat = np.repeat(centre_lat, _POINTS_PER_LSOA) + rng.normal(0, 0.003, npts)
        self.lon = np.array([f"{x:.6f}" for x in plon], dtype=object)
        self.lat = np.array([f"{x:.6f}" for x in plat], dtype=object)
        street = rng.integers(0, len(_STREETS), npts)
        self.location = np.array([f"On or near {_STREETS[s]}" for s in street], dtype=object)
        # Each force has its own slight variation on the national crime-type mix.
        mix = np.array([_MIX[t] for t in _TYPES])
        self.mix = rng.dirichlet(mix / mix.sum() * 5000)


_GEO_CACHE: dict[str, _Geography] = {}


def _geography(slug: str) -> _Geography:
    if slug not in _GEO_CACHE:
        _GEO_CACHE[slug] = _Geography(slug)
    return _GEO_CACHE[slug]


def _rows_for(forces: Sequence[str], month: pd.Period, rows_per_month: int, rng) -> dict[str, int]:
    shares = np.array([_FORCE_INFO[f][0] for f in forces])
    season = np.mean([_SEASON.get(t, _SEASON["other"])[month.month - 1] for t in ("Anti-social behaviour", "other")])
    expected = rows_per_month * season * shares / shares.sum()
    return {f: int(n) for f, n in zip(forces, rng.poisson(expected))}


def generate_month(force: str, month, n_rows: int, seed: int = 0) -> bytes:
    """One force-month street file, as the bytes data.police.uk would publish.

    Parameters
    ----------
    force : str
        data.police.uk slug.
    month : str or pandas.Period
        ``YYYY-MM``.
    n_rows : int
        Rows to write (before no row is dropped: the file has exactly this many data rows).
    seed : int
        Random seed; with ``force`` and ``month`` it fixes the output.

    Returns
    -------
    bytes
        The CSV file: header plus ``n_rows`` rows, CRLF line ends, trailing CRLF.
    """
    month = _month(month)
    if force not in _FORCE_INFO:
        raise PerfkitError(f"force {force!r}: not a data.police.uk force slug; expected one of {', '.join(sorted(_FORCE_INFO))}")
    geo = _geography(force)
    rng = np.random.default_rng([seed, month.ordinal, _force_index(force)])
    # Crime types: the force's mix reweighted by each type's seasonal factor for this month.
    season = np.array([_SEASON.get(t, _SEASON["other"])[month.month - 1] for t in _TYPES])
    p = geo.mix * season
    ctype = rng.choice(len(_TYPES), size=n_rows, p=p / p.sum())
    lsoa = rng.choice(len(geo.codes), size=n_rows, p=geo.weights)
    point = lsoa * _POINTS_PER_LSOA + rng.integers(0, _POINTS_PER_LSOA, n_rows)
    order = np.lexsort((ctype, lsoa))  # published files are sorted by LSOA, then crime type
    ctype, lsoa, point = ctype[order], lsoa[order], point[order]
    is_asb = ctype == _ASB
    # ASB at the same snapped point is often repeated verbatim: duplicate a few neighbours.
    dup = np.flatnonzero(is_asb[1:] & is_asb[:-1] & (rng.random(n_rows - 1 if n_rows else 0) < 0.08)) + 1
    point[dup] = point[dup - 1]

    types = np.array(_TYPES, dtype=object)[ctype]
    outcome_names = np.array([o for o, _ in _OUTCOMES], dtype=object)
    weights = np.array([w for _, w in _OUTCOMES], dtype=float)
    outcome = outcome_names[rng.choice(len(_OUTCOMES), size=n_rows, p=weights / weights.sum())]
    outcome[is_asb] = ""
    raw = rng.bytes(32 * n_rows).hex()
    crime_id = np.array([raw[i:i + 64] for i in range(0, 64 * n_rows, 64)], dtype=object)
    crime_id[is_asb] = ""
    lon, lat, location = geo.lon[point], geo.lat[point], geo.location[point]
    code, name = geo.codes[lsoa], geo.names[lsoa]
    missing = rng.random(n_rows) < _NO_LOCATION
    for column in (lon, lat, code, name):
        column[missing] = ""
    location[missing] = "No Location"
    falls = _forces.name_for(force) if _forces.is_force(force) else force
    month_text = str(month)
    lines = [HEADER]
    lines.extend(
        f"{cid},{month_text},{falls},{falls},{x},{y},{loc},{c},{n},{t},{o},"
        for cid, x, y, loc, c, n, t, o in zip(crime_id, lon, lat, location, code, name, types, outcome)
    )
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def write_archive(out_dir, months: Iterable, forces: Sequence[str] | None = None,
                  rows_per_month: int = 500_000, seed: int = 0, zip: bool = True) -> list[Path]:
    """Write a synthetic data.police.uk street archive.

    Parameters
    ----------
    out_dir : path-like
        Folder to write into (created if needed).
    months : iterable of str or pandas.Period
        Months to generate (``YYYY-MM``).
    forces : sequence of str, optional
        Force slugs; default :data:`DEFAULT_FORCES` (43 territorial forces and BTP).
    rows_per_month : int, default 500_000
        Expected rows per month across all the forces (split by each force's real share, with
        seasonal and Poisson variation).
    seed : int, default 0
        Random seed: the same seed gives byte-identical files.
    zip : bool, default True
        Write one ``<YYYY-MM>.zip`` per month holding ``YYYY-MM/YYYY-MM-<force>-street.csv`` (as
        downloaded from data.police.uk); otherwise write those folders and files directly.

    Returns
    -------
    list of pathlib.Path
        The zip archives (``zip=True``) or the CSV files written, in month then force order.
    """
    out_dir = Path(out_dir)
    chosen = list(DEFAULT_FORCES if forces is None else forces)
    unknown = [f for f in chosen if f not in _FORCE_INFO]
    if unknown:
        raise PerfkitError(f"unknown force slug(s) {', '.join(unknown)}; expected data.police.uk slugs "
                           f"such as cambridgeshire, metropolitan")
    if rows_per_month < 0:
        raise PerfkitError(f"rows per month: found {rows_per_month}; expected zero or more")
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for month in [_month(m) for m in months]:
        sizes = _rows_for(chosen, month, rows_per_month, np.random.default_rng([seed, month.ordinal]))
        files = [(f"{month}/{month}-{f}-street.csv", generate_month(f, month, sizes[f], seed)) for f in chosen]
        if zip:
            target = out_dir / f"{month}.zip"
            with zipfile.ZipFile(target, "w") as archive:
                for name, data in files:
                    info = zipfile.ZipInfo(name, date_time=(month.year, month.month, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = 0o644 << 16
                    archive.writestr(info, data, compresslevel=1)  # speed over size: benchmarks
            written.append(target)
        else:
            for name, data in files:
                target = out_dir / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    """``perfkit synth OUT --months 2017-01..2017-12 [--rows-per-month N] [--seed S] [--no-zip] [--forces a,b]``."""
    parser = argparse.ArgumentParser(prog="perfkit synth", allow_abbrev=False,  # --force is not --forces
                                     description="Write a synthetic archive in the exact data.police.uk street format.")
    parser.add_argument("out", type=Path, help="output folder")
    parser.add_argument("--months", required=True, help="months, e.g. 2017-01..2017-12 or 2017-01,2017-02")
    parser.add_argument("--rows-per-month", type=int, default=500_000, help="rows per month across all forces (default 500000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--forces", default=None, metavar="SLUG,SLUG", help="comma-separated force slugs (default: 43 territorial forces and BTP)")
    parser.add_argument("--no-zip", action="store_true", help="write YYYY-MM/ folders instead of one zip per month")
    args = parser.parse_args(argv)
    forces = [f.strip() for f in args.forces.split(",") if f.strip()] if args.forces else None
    paths = write_archive(args.out, _parse_months(args.months), forces=forces,
                          rows_per_month=args.rows_per_month, seed=args.seed, zip=not args.no_zip)
    digest = hashlib.sha256()
    for p in paths:
        digest.update(p.read_bytes())
    print(f"wrote {len(paths)} file(s) to {args.out} (sha256 of contents {digest.hexdigest()[:12]})")
    return 0
