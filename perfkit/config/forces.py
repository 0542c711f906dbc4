"""One identity for every police force: the data.police.uk slug.

Each source names forces its own way: data.police.uk uses file slugs (``avon-and-somerset``) and
"Falls within" names ("Avon and Somerset Constabulary"); ONS recorded-crime and population tables
use short names ("Avon and Somerset", "Metropolitan Police", "London, City of"); Home Office
workforce tables write "Avon & Somerset"; ONS codes Police Force Areas (``E23000036``); the study
that published the 2015-2018 monthly counts used its own slugs (``avon_somerset``, ``london``,
``west_marcia``). :data:`FORCES` is the single table of those names, and :func:`slug_for` turns any
of them into the slug used everywhere in perfkit.

The three national fraud-reporting bodies in the recorded-crime table (Action Fraud, CIFAS, UK
Finance) are not forces: :func:`slug_for` refuses them with a message saying so, and
:func:`fraud_body_for` gives their own slugs (``action-fraud``, ``cifas``, ``uk-finance``) for
readers that keep their rows apart from the forces' (see :func:`perfkit.data.sources.read_prc`).

Examples
--------
>>> slug_for("Cambridgeshire Constabulary")
'cambridgeshire'
>>> slug_for("west_marcia", source="study")
'west-mercia'
>>> slug_for("London, City of")
'city-of-london'
>>> slug_for("E23000023", source="pfa_code")
'cambridgeshire'
>>> name_for("metropolitan")
'Metropolitan Police Service'
>>> is_territorial("btp")
False
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import pandas as pd

from perfkit.errors import DataError

__all__ = [
    "Force",
    "FORCES",
    "FORCE_LIST",
    "SOURCES",
    "FRAUD_BODIES",
    "slug_for",
    "name_for",
    "short_name_for",
    "is_territorial",
    "is_force",
    "fraud_body_for",
    "all_slugs",
]


@dataclass(frozen=True)
class Force:
    """One force and the names each source gives it.

    Attributes
    ----------
    slug : str
        data.police.uk slug, the id used everywhere (``"cambridgeshire"``).
    name : str
        Display name, as data.police.uk's "Falls within" column writes it.
    short_name : str
        ONS recorded-crime / population short name (``"Cambridgeshire"``).
    pfa_code : str or None
        ONS Police Force Area code (``"E23000023"``); None for forces that are not a PFA.
    region : str
        English region or nation (Home Office grouping).
    territorial : bool
        True for the 43 territorial forces of England and Wales.
    workforce_name : str
        Name in Home Office police workforce tables.
    study_slug : str or None
        Slug in ``police-uk-force-month-2015-2018.csv``.
    aliases : tuple of str
        Further names seen in the wild (abbreviations, older titles).
    """

    slug: str
    name: str
    short_name: str
    pfa_code: str | None
    region: str
    territorial: bool
    workforce_name: str
    study_slug: str | None
    aliases: tuple[str, ...] = field(default=())


def _f(slug, name, short, code, region, workforce=None, study=None, aliases=(), territorial=True):
    return Force(slug, name, short, code, region, territorial, workforce or short,
                 study if study is not None else slug, tuple(aliases))


# The table. Sources: data.police.uk force list (slug, "Falls within"); ONS PFA lookup, December
# 2016 (codes and short names); Home Office police workforce tables (workforce names); the
# 2015-2018 monthly-count study file (study slugs, misspellings included on purpose).
FORCE_LIST: tuple[Force, ...] = (
    _f("avon-and-somerset", "Avon and Somerset Constabulary", "Avon and Somerset", "E23000036", "South West",
       workforce="Avon & Somerset", study="avon_somerset"),
    _f("bedfordshire", "Bedfordshire Police", "Bedfordshire", "E23000026", "East of England"),
    _f("cambridgeshire", "Cambridgeshire Constabulary", "Cambridgeshire", "E23000023", "East of England"),
    _f("cheshire", "Cheshire Constabulary", "Cheshire", "E23000006", "North West"),
    _f("city-of-london", "City of London Police", "City of London", "E23000034", "London",
       workforce="London, City of", aliases=("London, City of",)),
    _f("cleveland", "Cleveland Police", "Cleveland", "E23000013", "North East"),
    _f("cumbria", "Cumbria Constabulary", "Cumbria", "E23000002", "North West"),
    _f("derbyshire", "Derbyshire Constabulary", "Derbyshire", "E23000018", "East Midlands"),
    _f("devon-and-cornwall", "Devon & Cornwall Police", "Devon and Cornwall", "E23000035", "South West",
       workforce="Devon & Cornwall"),
    _f("dorset", "Dorset Police", "Dorset", "E23000039", "South West"),
    _f("durham", "Durham Constabulary", "Durham", "E23000008", "North East", aliases=("County Durham",)),
    _f("dyfed-powys", "Dyfed-Powys Police", "Dyfed-Powys", "W15000004", "Wales"),
    _f("essex", "Essex Police", "Essex", "E23000028", "East of England"),
    _f("gloucestershire", "Gloucestershire Constabulary", "Gloucestershire", "E23000037", "South West"),
    _f("greater-manchester", "Greater Manchester Police", "Greater Manchester", "E23000005", "North West",
       study="manchester", aliases=("GMP",)),
    _f("gwent", "Gwent Police", "Gwent", "W15000002", "Wales"),
    _f("hampshire", "Hampshire Constabulary", "Hampshire", "E23000030", "South East"),
    _f("hertfordshire", "Hertfordshire Constabulary", "Hertfordshire", "E23000027", "East of England"),
    _f("humberside", "Humberside Police", "Humberside", "E23000012", "Yorkshire and the Humber"),
    _f("kent", "Kent Police", "Kent", "E23000032", "South East"),
    _f("lancashire", "Lancashire Constabulary", "Lancashire", "E23000003", "North West"),
    _f("leicestershire", "Leicestershire Police", "Leicestershire", "E23000021", "East Midlands"),
    _f("lincolnshire", "Lincolnshire Police", "Lincolnshire", "E23000020", "East Midlands"),
    _f("merseyside", "Merseyside Police", "Merseyside", "E23000004", "North West"),
    _f("metropolitan", "Metropolitan Police Service", "Metropolitan Police", "E23000001", "London",
       study="london", aliases=("Met", "MPS", "Metropolitan")),
    _f("norfolk", "Norfolk Constabulary", "Norfolk", "E23000024", "East of England"),
    _f("north-wales", "North Wales Police", "North Wales", "W15000001", "Wales"),
    _f("north-yorkshire", "North Yorkshire Police", "North Yorkshire", "E23000009", "Yorkshire and the Humber"),
    _f("northamptonshire", "Northamptonshire Police", "Northamptonshire", "E23000022", "East Midlands"),
    _f("northumbria", "Northumbria Police", "Northumbria", "E23000007", "North East"),
    _f("nottinghamshire", "Nottinghamshire Police", "Nottinghamshire", "E23000019", "East Midlands"),
    _f("south-wales", "South Wales Police", "South Wales", "W15000003", "Wales"),
    _f("south-yorkshire", "South Yorkshire Police", "South Yorkshire", "E23000011", "Yorkshire and the Humber"),
    _f("staffordshire", "Staffordshire Police", "Staffordshire", "E23000015", "West Midlands"),
    _f("suffolk", "Suffolk Constabulary", "Suffolk", "E23000025", "East of England"),
    _f("surrey", "Surrey Police", "Surrey", "E23000031", "South East"),
    _f("sussex", "Sussex Police", "Sussex", "E23000033", "South East"),
    _f("thames-valley", "Thames Valley Police", "Thames Valley", "E23000029", "South East"),
    _f("warwickshire", "Warwickshire Police", "Warwickshire", "E23000017", "West Midlands"),
    _f("west-mercia", "West Mercia Police", "West Mercia", "E23000016", "West Midlands", study="west_marcia"),
    _f("west-midlands", "West Midlands Police", "West Midlands", "E23000014", "West Midlands"),
    _f("west-yorkshire", "West Yorkshire Police", "West Yorkshire", "E23000010", "Yorkshire and the Humber",
       study="west_yorkshire"),
    _f("wiltshire", "Wiltshire Police", "Wiltshire", "E23000038", "South West"),
    # Not territorial: national (BTP) or outside England and Wales (PSNI); no ONS PFA code.
    _f("btp", "British Transport Police", "British Transport Police", None, "National",
       aliases=("BTP", "British Transport"), territorial=False),
    _f("northern-ireland", "Police Service of Northern Ireland", "Northern Ireland", None, "Northern Ireland",
       aliases=("PSNI",), territorial=False),
)

#: Where a name comes from; ``slug_for(name, source=...)`` matches only that source's names.
SOURCES = ("any", "police_uk", "study", "prc", "population", "workforce", "pfa_code")

#: Fraud-reporting bodies in the recorded-crime table: their names (normalised) -> own slug.
FRAUD_BODIES: dict[str, str] = {"action fraud": "action-fraud", "cifas": "cifas", "uk finance": "uk-finance"}


def _key(name: str) -> str:
    """Normalise a name for matching: case, '&', punctuation, '_'/'-' and spacing do not matter."""
    text = str(name).strip().lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _build_index() -> dict[str, dict[str, str]]:
    index: dict[str, dict[str, str]] = {s: {} for s in SOURCES}

    def add(source: str, name: str | None, slug: str) -> None:
        if not name:
            return
        key = _key(name)
        for target in (source, "any"):
            previous = index[target].setdefault(key, slug)
            # Two forces sharing a name would make the table ambiguous: a programming error here.
            if previous != slug:
                raise AssertionError(f"force name {name!r} maps to both {previous!r} and {slug!r}")

    for f in FORCE_LIST:
        add("police_uk", f.slug, f.slug)
        add("police_uk", f.name, f.slug)
        add("study", f.study_slug, f.slug)
        add("prc", f.short_name, f.slug)
        add("population", f.short_name, f.slug)
        add("workforce", f.workforce_name, f.slug)
        add("pfa_code", f.pfa_code, f.slug)
        for alias in f.aliases:
            for source in ("prc", "population", "workforce"):
                add(source, alias, f.slug)
    # Common loose forms ("Cambridgeshire Police") resolve too, but only when asking any source.
    for f in FORCE_LIST:
        for suffix in (" police", " constabulary", " police service"):
            key = _key(f.short_name + suffix)
            index["any"].setdefault(key, f.slug)
    return index


_INDEX = _build_index()
_BY_SLUG = {f.slug: f for f in FORCE_LIST}

#: The table as a DataFrame: one row per force, columns as :class:`Force` (aliases joined by '; ').
FORCES: pd.DataFrame = pd.DataFrame(
    [{**f.__dict__, "aliases": "; ".join(f.aliases)} for f in FORCE_LIST]
).set_index("slug", drop=False)


def _suggest(key: str, source: str) -> str:
    """'; did you mean ...?' naming up to three distinct forces whose names are close to ``key``."""
    close = difflib.get_close_matches(key, list(_INDEX[source]), n=10, cutoff=0.6)
    slugs: list[str] = []
    for k in close:
        slug = _INDEX[source][k]
        if slug not in slugs:
            slugs.append(slug)
    if not slugs:
        return ""
    listed = ", ".join(f"{s!r} ({_BY_SLUG[s].name})" for s in slugs[:3])
    return f"; did you mean {listed}?"


def slug_for(name: str, *, source: str = "any") -> str:
    """The data.police.uk slug of a force, from any name a source gives it.

    Parameters
    ----------
    name : str
        A slug, display name, short name, workforce-table name, study slug or PFA code.
        Case, spacing, punctuation and ``&``/``and`` do not matter.
    source : str, default "any"
        Restrict matching to one source's names: one of :data:`SOURCES`.

    Returns
    -------
    str
        The slug, e.g. ``"cambridgeshire"``.

    Raises
    ------
    DataError
        For an unknown name (the message suggests close matches) and for the fraud-reporting
        bodies, which are not forces.

    Examples
    --------
    >>> slug_for("  avon & somerset ")
    'avon-and-somerset'
    >>> slug_for("london", source="study")
    'metropolitan'
    """
    if source not in _INDEX:
        raise DataError(f"unknown force-name source {source!r}; expected one of {', '.join(SOURCES)}")
    key = _key(name)
    if key in _INDEX[source]:
        return _INDEX[source][key]
    if key in FRAUD_BODIES:
        raise DataError(
            f"{name!r} is a national fraud-reporting body, not a police force; "
            "readers keep its rows apart (see perfkit.config.forces.fraud_body_for)"
        )
    where = "" if source == "any" else f" among {source} names"
    raise DataError(f"unknown police force {name!r}{where}{_suggest(key, source)}")


def fraud_body_for(name: str) -> str | None:
    """The slug of a fraud-reporting body (``"action-fraud"``, ``"cifas"``, ``"uk-finance"``), else None.

    >>> fraud_body_for("Action Fraud"), fraud_body_for("Cambridgeshire")
    ('action-fraud', None)
    """
    return FRAUD_BODIES.get(_key(name))


def _force(slug: str) -> Force:
    try:
        return _BY_SLUG[slug]
    except KeyError:
        raise DataError(f"unknown force slug {slug!r}{_suggest(_key(slug), 'police_uk')}") from None


def name_for(slug: str) -> str:
    """Display name of a force (data.police.uk "Falls within").

    >>> name_for("cambridgeshire")
    'Cambridgeshire Constabulary'
    """
    return _force(slug).name


def short_name_for(slug: str) -> str:
    """Short name (ONS tables), handy for chart labels.

    >>> short_name_for("metropolitan")
    'Metropolitan Police'
    """
    return _force(slug).short_name


def is_territorial(slug: str) -> bool:
    """True for the 43 territorial forces of England and Wales (not BTP, not PSNI).

    >>> is_territorial("cambridgeshire"), is_territorial("northern-ireland")
    (True, False)
    """
    return _force(slug).territorial


def is_force(slug: str) -> bool:
    """True when ``slug`` is a force slug in the table (fraud bodies and typos are not).

    >>> is_force("action-fraud")
    False
    """
    return slug in _BY_SLUG


def all_slugs(*, territorial_only: bool = False) -> list[str]:
    """Every force slug, sorted; only the 43 territorial forces when ``territorial_only``."""
    return sorted(f.slug for f in FORCE_LIST if f.territorial or not territorial_only)
