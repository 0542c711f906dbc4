"""The caveat register: ``params/caveats.yaml`` read, validated and queried.

The register lists every known change in recording practice (with its date, the measures and
data.police.uk crime types it affects, the expected direction, the source and the caveat wording a
report prints), every status caveat and every data fault (a force-month whose figures are not
usable); analysts add local entries to the same file. It is configuration, read by ``data`` (which
months are faults), ``stats`` (the changes to model) and ``evidence`` alike, so it lives here;
:mod:`perfkit.stats.caveats` sizes a recording effect and re-exports these names.

- :func:`load_register` reads and validates the register (:func:`current_register`: the one in use).
- :func:`applicable` gives the caveats that qualify a comparison window for a measure.
- :func:`shift_dates` gives the changes to model as level shifts (seasonal adjustment, SPC
  rebasing); :func:`faulty_months` the months a data fault removes.
- :func:`labels` gives the pack-wide labels (``C1``, ``D1``); :func:`register_table` is the register
  as an assumptions-and-caveats log for the data pack.

Examples
--------
>>> reg = load_register()
>>> [c.id for c in applicable(reg, "violence_sexual", "2015-01", "2015-06", after_months=0)]
['hmic-crime-recording-2014-11', 'harassment-offences-2015-04']
>>> [str(p) for p in shift_dates(reg, "violence_sexual")]
['2015-04', '2018-04']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator

import pandas as pd

from perfkit import config
from perfkit.errors import ConfigError
from perfkit.config.params import Node, content_key, load_yaml
from perfkit.config.plan import ALL_OFFENCES, OFFENCE_GROUPS
from perfkit.periods import parse_month

__all__ = [
    "Caveat",
    "Register",
    "load_register",
    "current_register",
    "applicable",
    "shift_dates",
    "register_table",
    "faulty_months",
    "labels",
    "POLICE_UK_CRIME_TYPES",
    "OFFENCE_GROUPS",
    "GenuineMonth",
    "TOTALS",
    "KINDS",
    "LABEL_PREFIX",
]

#: data.police.uk crime types (current scheme, the pre-2013 names, and ``all_crime``).
POLICE_UK_CRIME_TYPES = (
    "all_crime",
    "Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson", "Drugs",
    "Other crime", "Other theft", "Possession of weapons", "Public order", "Robbery",
    "Shoplifting", "Theft from the person", "Vehicle crime", "Violence and sexual offences",
    "Violent crime", "Public disorder and weapons",
)

#: The totals a change can move (``totals:``): data.police.uk's all crime (every type but
#: anti-social behaviour) and police recorded crime excluding fraud (the official statistics' force
#: total). A measure counting one of them (``crime_types: [all_crime]``, ``offences:
#: [all_excluding_fraud]``) carries the change only when the entry names that total.
TOTALS = ("all_crime", "all_excluding_fraud")

_DIRECTIONS = ("up", "down", "break", "none", "unknown")
_RATINGS = ("high", "medium", "low")
_SCOPES = ("national", "local")
#: The kinds of register entry: a change in recording practice, a change in the statistics'
#: status (it qualifies figures but cannot move them), and a data fault (months whose published
#: figures are wrong or incomplete: left out of every statistic).
KINDS = ("recording-change", "status", "data-fault")
#: Label prefix of each kind in a pack: recording changes and status caveats C1, C2, ...; data
#: faults D1, D2, ...
LABEL_PREFIX = {"recording-change": "C", "status": "C", "data-fault": "D"}
_KEYS = (
    "id", "kind", "date", "end", "title", "change", "measures", "crime_types", "offences", "totals", "within",
    "all_recorded_crime", "direction", "source", "caveat", "quality", "impact", "model_shift", "scope", "force", "persists",
    "applies_for_months", "note",
)
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_MONTH_NAMES = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]


# ================================================================================================
# The register
# ================================================================================================
@dataclass(frozen=True)
class Caveat:
    """One entry of the register (``params/caveats.yaml``): a recording change, a status change or a
    data fault.

    Attributes
    ----------
    id : str
        Short slug, e.g. ``"harassment-offences-2015-04"``.
    kind : str
        ``recording-change``, ``status`` (the statistics' designation; qualifies figures, cannot
        move them) or ``data-fault`` (the months ``date`` to ``end`` of ``force`` are wrong or
        incomplete in the source: every statistic leaves them out).
    date : pandas.Period
        First month under the new practice.
    end : pandas.Period or None
        Last month of a change phased in over a period (None for a change at one date).
    title, change : str
        Short title; what changed.
    measures : tuple of str
        Plan measure ids affected (``params/plan.yaml``).
    crime_types : tuple of str
        data.police.uk crime types whose counts the change moves (a data fault: the crime types whose
        months are incomplete; ``all_crime`` for every type but anti-social behaviour).
    offences : tuple of str
        Offence groups of the official statistics (:data:`OFFENCE_GROUPS`) whose counts it moves.
    totals : tuple of str
        The totals it moves (:data:`TOTALS`): empty when it only moves offences between crime types or
        between the parts of one (a re-classification), which leaves every total as it was.
    within : tuple of str
        Crime types or offence groups whose split into parts it changes while their own total stays
        the same (burglary's domestic/non-domestic split): a measure of such a total is not affected.
    all_recorded_crime : bool
        Applies to every measure of police recorded crime.
    direction : str
        Expected effect on the recorded figures: ``up``, ``down``, ``break`` (series not
        comparable), ``none`` or ``unknown``.
    source, caveat : str
        Where the change is documented; the wording a report prints under a chart.
    quality, impact : str
        ``high``/``medium``/``low``: how well the change and its date are known; how much it can
        move the Plan's measures (the assumptions-and-caveats log).
    model_shift : bool
        Model as a level shift at ``date`` (seasonal adjustment, SPC rebasing).
    scope : str
        ``national`` or ``local`` (an analyst's entry about one force).
    force : str
        data.police.uk slug of the force a local entry or data fault belongs to (``""`` for a
        national entry); it applies to that force only.
    persists : bool
        Applies to every later window (a status change such as a lost designation).
    applies_for_months : int or None
        Overrides :func:`applicable`'s ``after_months`` for this entry.
    note : str
        Anything else (e.g. a date still to be confirmed).
    """

    id: str
    date: pd.Period
    title: str
    change: str
    measures: tuple
    crime_types: tuple
    direction: str
    source: str
    caveat: str
    quality: str
    impact: str
    model_shift: bool
    end: "pd.Period | None" = None
    offences: tuple = ()
    totals: tuple = ()
    within: tuple = ()
    all_recorded_crime: bool = False
    scope: str = "national"
    kind: str = "recording-change"
    force: str = ""
    persists: bool = False
    applies_for_months: "int | None" = None
    note: str = ""
    offences: tuple = ()

    @property
    def last_month(self) -> pd.Period:
        """Last month of the change (``end``, or ``date`` for a change at one date)."""
        return self.end if self.end is not None else self.date

    def when(self) -> str:
        """The date in words: ``'April 2015'`` or ``'April 2011 to March 2013'``."""
        first = f"{_MONTH_NAMES[self.date.month - 1]} {self.date.year}"
        if self.end is None or self.end == self.date:
            return first
        return f"{first} to {_MONTH_NAMES[self.end.month - 1]} {self.end.year}"

    @property
    def is_fault(self) -> bool:
        """Whether the entry is a data fault (its months are left out, not qualified)."""
        return self.kind == "data-fault"

    @property
    def months(self) -> pd.PeriodIndex:
        """Every month from ``date`` to ``end`` (one month for a change at one date)."""
        return pd.period_range(self.date, self.last_month, freq="M")

    def concerns(self, force: "str | None") -> bool:
        """Whether the entry applies to ``force``: national entries to every force, an entry
        with a ``force`` to that force only (``force=None`` means any force)."""
        return not self.force or force is None or self.force == force

    def affects(self, measure: Any) -> bool:
        """Whether the change affects ``measure`` (an id, or an object with ``.id``): see :meth:`reach`."""
        return bool(self.reach(measure))

    def reach(self, measure: Any) -> str:
        """How the change reaches ``measure``: ``"direct"`` when it moves the measure's own offences
        (the measure is named in ``measures``, or counts a crime type of ``crime_types`` or an offence
        group of ``offences``), ``"total"`` when only through a total the measure counts (``totals``,
        ``all_recorded_crime``, or a derived measure's numerator or denominator), ``""`` when not at all.

        A recording change's size is estimated only on a measure it reaches directly: a step in a
        total mixes the change with every other offence the total counts.

        Examples
        --------
        >>> reg = load_register()
        >>> reg["harassment-offences-2015-04"].reach("violence_sexual"), reg["harassment-offences-2015-04"].reach("all_crime")
        ('direct', 'total')
        >>> reg["burglary-reclassification-2017-04"].reach("burglary")
        ''
        """
        return _reach(self, measure, set())


def _reach(c: "Caveat", measure: Any, seen: set) -> str:
    mid, crime_types, offences, recorded, parts = _measure_facts(measure)
    if mid in c.measures:
        return "direct"
    totals = set(c.totals) | ({"all_crime"} & set(c.crime_types))  # all_crime among crime types: a total
    moved = set(c.crime_types) - {"all_crime"}
    if set(crime_types) & moved or set(offences) & set(c.offences):
        return "direct"
    if ALL_OFFENCES in c.offences and offences:  # every offence group (a change to the statistics' status)
        return "direct"
    if (set(crime_types) | set(offences)) & totals:
        return "total"
    if c.is_fault and "all_crime" in crime_types and moved - {"Anti-social behaviour"}:
        return "total"  # an incomplete month of any crime type is an incomplete month of all crime
    for part in parts:  # a derived measure: through what it is computed from
        if part and part not in seen and part != mid:
            if _reach(c, part, seen | {mid}):
                return "total"
    if c.all_recorded_crime and recorded:
        return "total"
    return ""


class Register:
    """The caveat register: an ordered, iterable collection of :class:`Caveat` (by date).

    Examples
    --------
    >>> reg = load_register()
    >>> reg["harassment-offences-2015-04"].direction
    'up'
    """

    def __init__(self, caveats: Iterable[Caveat], path: "Path | None" = None, genuine: Iterable["GenuineMonth"] = ()):
        self._caveats = tuple(sorted(caveats, key=lambda c: (c.date, c.id)))
        self._path = path
        self.genuine: tuple = tuple(sorted(genuine, key=lambda g: (g.force, g.month)))

    def genuine_month(self, force: str, month: Any) -> "GenuineMonth | None":
        """The register's entry keeping ``force``'s ``month`` as data although the checks suspected
        it (``genuine_months:``), or None."""
        month = pd.Period(month, freq="M")
        return next((g for g in self.genuine if g.force == force and g.month == month), None)

    @property
    def path(self) -> "Path | None":
        """The file the register was read from."""
        return self._path

    def __iter__(self) -> Iterator[Caveat]:
        return iter(self._caveats)

    def __len__(self) -> int:
        return len(self._caveats)

    def __getitem__(self, key: str) -> Caveat:
        for c in self._caveats:
            if c.id == key:
                return c
        raise KeyError(f"{key!r}: no such caveat; expected one of {', '.join(c.id for c in self._caveats)}")

    def __repr__(self) -> str:
        return f"<Register {len(self)} caveats from {self._path}>"


@dataclass(frozen=True)
class GenuineMonth:
    """A month the run's checks suspected of being incomplete (far below its neighbours) that the
    analysts have confirmed is genuine (``genuine_months:`` in ``params/caveats.yaml``): it is used as
    data, and the checks page says why.

    Attributes
    ----------
    force : str
        The force's data.police.uk slug.
    month : pandas.Period
        The month.
    reason : str
        Why it is genuine, as the analysts checked it (for the checks page).
    """

    force: str
    month: pd.Period
    reason: str


def _genuine_months(root: Node) -> list:
    from perfkit.config.forces import FORCE_LIST

    slugs = {f.slug for f in FORCE_LIST}
    out, seen = [], set()
    for node in root.children("genuine_months") if root.get("genuine_months", None) is not None else ():
        node.only(("force", "month", "reason"))
        force = node.str("force")
        if force not in slugs:
            node.fail(f"found {force!r}; expected a force's data.police.uk slug (e.g. cambridgeshire)",
                      "force")
        month = _month(node, "month")
        if (force, month) in seen:
            node.fail(f"found {force} {month} a second time; expected each month once", "month")
        seen.add((force, month))
        reason = node.str("reason").strip()
        if not reason:
            node.fail("found no reason; expected why the month is genuine (what the analysts checked)", "reason")
        out.append(GenuineMonth(force, month, reason))
    return out


def _month(node: Node, key: str, required: bool = True) -> "pd.Period | None":
    value = node.get(key) if required else node.get(key, None)
    if value is None:
        return None
    try:
        return parse_month(str(value), key)  # str: a YAML date (2015-04-01) is not a month
    except ConfigError:
        node.fail(f"found {value!r}; expected a month written YYYY-MM, e.g. 2015-04", key)


@lru_cache(maxsize=8)
def _plan_measures(path: str, digest: str) -> dict[str, dict]:
    try:
        data = load_yaml(Path(path))
    except ConfigError:
        return {}
    measures = data.get("measures", []) if isinstance(data, dict) else []
    return {m["id"]: m for m in measures if isinstance(m, dict) and "id" in m}


def _plan_lookup() -> dict[str, dict]:
    path = config.params_dir() / "plan.yaml"
    if not path.is_file():
        return {}
    return _plan_measures(str(path), content_key(path))


def _measure_facts(measure: Any) -> "tuple[str, tuple, tuple, bool | None, tuple]":
    """(id, crime types, offences, recorded_crime, parts) of a measure id or measure object; ``parts``
    are a derived measure's numerator and denominator (ids)."""
    if isinstance(measure, str):
        facts = _plan_lookup().get(measure, {})
        parts = tuple(facts.get(k) or "" for k in ("numerator", "denominator"))
        return (measure, tuple(facts.get("crime_types") or ()), tuple(facts.get("offences") or ()),
                facts.get("recorded_crime"), parts)
    mid = getattr(measure, "id", None)
    if not isinstance(mid, str):
        raise ValueError(
            f"measure: found {type(measure).__name__}; expected a measure id (text) or an object with .id"
        )
    parts = tuple(getattr(measure, k, "") or "" for k in ("numerator", "denominator"))
    return (mid, tuple(getattr(measure, "crime_types", None) or ()), tuple(getattr(measure, "offences", None) or ()),
            getattr(measure, "recorded_crime", None), tuple(p for p in parts if isinstance(p, str)))


def load_register(path: "Path | str | None" = None) -> Register:
    """Read and validate the caveat register.

    Parameters
    ----------
    path : path-like, optional
        Default ``<params>/caveats.yaml`` (:func:`perfkit.config.params_dir`).

    Returns
    -------
    Register

    Raises
    ------
    ConfigError
        Naming the file and the key, what was found and what was expected, e.g.
        ``params/caveats.yaml: caveats[3].direction: found 'rise'; expected one of 'up', ...``.
        Measure ids are checked against ``plan.yaml`` in the same folder when it exists.

    Examples
    --------
    >>> len(load_register()) >= 9
    True
    """
    path = Path(path) if path is not None else config.params_dir() / "caveats.yaml"
    data = load_yaml(path)
    root = Node(data if data is not None else {}, path)
    root.only(("caveats", "genuine_months"))
    plan_path = path.parent / "plan.yaml"
    known_measures = _plan_measures(str(plan_path), content_key(plan_path)) if plan_path.is_file() else {}
    known = set(known_measures)
    caveats: list[Caveat] = []
    seen: dict[str, str] = {}
    for node in root.children("caveats"):
        node.only(_KEYS)
        cid = node.str("id")
        if not _ID_RE.match(cid):
            node.fail(f"found {cid!r}; expected lower-case letters, digits and hyphens, e.g. harassment-offences-2015-04", "id")
        if cid in seen:
            node.fail(f"found {cid!r} again (first at {seen[cid]}); expected each id once", "id")
        seen[cid] = node.key
        date = _month(node, "date")
        end = _month(node, "end", required=False)
        if end is not None and end < date:
            node.fail(f"found {end} before date {date}; expected an end on or after the date", "end")
        measures = node.str_list("measures", [])
        for i, m in enumerate(measures):
            if known and m not in known:
                node.fail(
                    f"found {m!r}; expected a measure id of {plan_path.name} ({', '.join(sorted(known))})",
                    f"measures[{i}]",
                )
        crime_types = node.str_list("crime_types", [])
        for i, t in enumerate(crime_types):
            if t not in POLICE_UK_CRIME_TYPES:
                node.fail(
                    f"found {t!r}; expected a data.police.uk crime type ({', '.join(POLICE_UK_CRIME_TYPES)})",
                    f"crime_types[{i}]",
                )
        offences = node.str_list("offences", [])
        for i, o in enumerate(offences):
            if o not in OFFENCE_GROUPS + (ALL_OFFENCES,):
                node.fail(f"found {o!r}; expected an offence group of the official statistics "
                          f"({', '.join(OFFENCE_GROUPS)}) or {ALL_OFFENCES} (every group)", f"offences[{i}]")
        totals = node.str_list("totals", []) if node.get("totals", None) is not None else None
        for i, t in enumerate(totals or ()):
            if t not in TOTALS:
                node.fail(f"found {t!r}; expected one of {', '.join(repr(x) for x in TOTALS)} (all crime on "
                          "data.police.uk; police recorded crime excluding fraud)", f"totals[{i}]")
        within = node.str_list("within", [])
        for i, w in enumerate(within):
            if w not in POLICE_UK_CRIME_TYPES + OFFENCE_GROUPS or w == "all_crime":
                node.fail(f"found {w!r}; expected a data.police.uk crime type or an offence group of the official "
                          "statistics whose parts the change re-classifies", f"within[{i}]")
            if w in crime_types or w in offences:
                key = "crime_types" if w in crime_types else "offences"
                node.fail(f"found {w!r} under both {key} and within; expected one: {key} when the change moves its "
                          "count, within when it only moves offences between its parts (its total unchanged)",
                          f"within[{i}]")
        all_recorded = node.bool("all_recorded_crime", False)
        if not (measures or crime_types or offences or totals or within or all_recorded):
            node.fail("no measures, crime_types, offences, totals, within or all_recorded_crime; expected at least "
                      "one to say what is affected")
        applies = node.get("applies_for_months", None)
        if applies is not None:
            applies = node.int("applies_for_months", minimum=0)
        kind = node.choice("kind", KINDS, "recording-change")
        if totals is None and kind == "recording-change" and (crime_types or offences):
            node.fail("no totals; expected the totals the change moves, e.g. totals: [all_crime, "
                      "all_excluding_fraud] when it adds offences, or totals: [] when it only moves offences "
                      "between crime types or between the parts of one", "totals")
        if known_measures:
            for i, m in enumerate(measures):
                facts = known_measures[m]
                counted = set(facts.get("crime_types") or ()) | set(facts.get("offences") or ())
                if counted and counted <= set(within):
                    node.fail(f"found {m!r}, which counts {', '.join(sorted(counted))}, named under within (the "
                              "change moves offences between its parts, not its total); expected only measures "
                              "whose figures the change moves", f"measures[{i}]")
        scope = node.choice("scope", _SCOPES, "national")
        force = node.str("force", "")
        if (kind == "data-fault" or scope == "local") and not force:
            node.fail(f"no force; expected the data.police.uk slug of the force a {kind if kind == 'data-fault' else 'local entry'} "
                      "belongs to, e.g. force: cambridgeshire", "force")
        if force and not _ID_RE.match(force):
            node.fail(f"found {force!r}; expected a data.police.uk force slug such as cambridgeshire", "force")
        model_shift = node.bool("model_shift", False)
        if kind == "data-fault" and model_shift:
            node.fail("found true for a data fault; expected false (a faulty month is left out, not modelled)", "model_shift")
        caveats.append(
            Caveat(
                id=cid,
                date=date,
                end=end,
                title=node.str("title"),
                change=node.str("change"),
                measures=tuple(measures),
                crime_types=tuple(crime_types),
                offences=tuple(offences),
                totals=tuple(totals or ()),
                within=tuple(within),
                all_recorded_crime=all_recorded,
                direction=node.choice("direction", _DIRECTIONS),
                source=node.str("source"),
                caveat=node.str("caveat"),
                quality=node.choice("quality", _RATINGS),
                impact=node.choice("impact", _RATINGS),
                model_shift=model_shift,
                scope=scope,
                kind=kind,
                force=force,
                persists=node.bool("persists", False),
                applies_for_months=applies,
                note=node.str("note", ""),
            )
        )
    return Register(caveats, path, _genuine_months(root))


@lru_cache(maxsize=8)
def _register_for(path: str, digest: str) -> Register:
    return load_register(path)


def current_register() -> Register:
    """The register of the current params folder (:func:`perfkit.config.params_dir`), read once per
    content: an edited file is read again on the next call, an unchanged one is not."""
    path = config.params_dir() / "caveats.yaml"
    digest = content_key(path)
    if not digest:
        raise ConfigError(f"{path}: the caveat register is missing; expected a caveats.yaml in the params folder") from None
    return _register_for(str(path), digest)


def _as_month(value: Any, what: str) -> pd.Period:
    return parse_month(value, what, error=ValueError)


def applicable(
    register: Iterable[Caveat],
    measure: Any,
    start: Any,
    end: Any,
    after_months: int = 0,
    force: "str | None" = None,
) -> list[Caveat]:
    """The caveats that qualify ``measure`` over the window ``start`` to ``end``.

    Parameters
    ----------
    register : Register or iterable of Caveat
    measure : str or object
        A measure id of ``params/plan.yaml`` (its crime types and whether it is recorded crime are
        read from the plan), or an object with ``.id`` and optionally ``.crime_types`` and
        ``.recorded_crime``.
    start, end : pandas.Period or "YYYY-MM"
        First and last month of the comparison: for "this quarter against the same quarter last
        year", the first month of last year's quarter and the last month of this one.
    after_months : int, default 0
        A change also applies when the window starts within this many months after it. By default
        a change applies only when its date falls inside the window: two periods both after a
        change are like for like. An entry's ``applies_for_months`` (a gradual change whose effect
        reaches on) overrides it. Not used for data faults.
    force : str, optional
        The force the figures are for: entries belonging to another force (a ``force`` key) are
        left out. ``None`` keeps every entry.

    Returns
    -------
    list of Caveat
        In date order. A caveat applies when it affects the measure (:meth:`Caveat.affects`: the
        change moves the measure's offences or a total it counts; a re-classification ``within`` a
        total does not) and the window spans the change (starts before it and ends at or after it),
        overlaps a change phased in over a period, starts within ``after_months`` (or the entry's
        ``applies_for_months``) after it, or the entry ``persists``. A data fault applies only when
        the window holds one of its months.

    Examples
    --------
    >>> reg = load_register()
    >>> [c.id for c in applicable(reg, "violence_sexual", "2017-04", "2018-06", force="cambridgeshire")]
    ['hmic-crime-recording-2014-11', 'conduct-crimes-2018-04', 'cambridgeshire-partial-feed-2018-05']
    >>> [c.id for c in applicable(reg, "violence_sexual", "2017-04", "2018-06", force="norfolk")][-1]
    'conduct-crimes-2018-04'
    """
    first, last = _as_month(start, "start"), _as_month(end, "end")
    if last < first:
        raise ValueError(f"end: found {last}, before start {first}; expected end on or after start")
    if isinstance(after_months, bool) or not isinstance(after_months, int) or after_months < 0:
        raise ValueError(f"after_months: found {after_months!r}; expected a whole number of 0 or more")
    out = []
    for c in register:
        if not c.affects(measure) or not c.concerns(force):
            continue
        if c.is_fault:
            if first <= c.last_month and last >= c.date:
                out.append(c)
            continue
        months = c.applies_for_months if c.applies_for_months is not None else after_months
        spans = first < c.date <= last if c.end is None else (first <= c.end and last >= c.date)
        soon_after = c.last_month <= first < c.last_month + max(months, 0) and months > 0
        persists = c.persists and last >= c.date
        if spans or soon_after or persists:
            out.append(c)
    return sorted(out, key=lambda c: (c.date, c.id))


def faulty_months(register: Iterable[Caveat], force: str, crime_types: "Iterable[str] | None" = None,
                  measure: Any = None) -> dict:
    """The months of ``force`` that registered data faults make unusable, with the fault.

    Parameters
    ----------
    register : Register or iterable of Caveat
    force : str
        data.police.uk slug.
    crime_types : iterable of str, optional
        data.police.uk crime types: a month is faulty when a fault names any of them (``all_crime``
        is faulty when a fault names any type but anti-social behaviour).
    measure : str or object, optional
        A measure (id or object): faults naming it count too.

    Returns
    -------
    dict
        ``{pandas.Period: Caveat}``, in month order.

    Examples
    --------
    >>> reg = load_register()
    >>> {str(m): c.id for m, c in faulty_months(reg, "cambridgeshire", ["Burglary"]).items()}
    {'2018-05': 'cambridgeshire-partial-feed-2018-05'}
    >>> faulty_months(reg, "norfolk", ["Burglary"])
    {}
    """
    types = set(crime_types or ())
    out: dict = {}
    for c in register:
        if not c.is_fault or c.force != force:
            continue
        named = set(c.crime_types)
        hit = bool(types & named) or ("all_crime" in types and bool(named - {"Anti-social behaviour"})) \
            or ("all_crime" in named and bool(types - {"Anti-social behaviour"}))
        if measure is not None and c.affects(measure):
            hit = True
        if hit:
            for m in c.months:
                out.setdefault(m, c)
    return dict(sorted(out.items()))


def labels(register: Iterable[Caveat]) -> dict:
    """Each entry's label in a pack: ``C1``, ``C2``, ... for recording changes and status caveats
    in register order, ``D1``, ``D2``, ... for data faults.

    Examples
    --------
    >>> refs = labels(load_register())
    >>> refs["harassment-offences-2015-04"], refs["cambridgeshire-partial-feed-2018-05"]
    ('C6', 'D1')
    """
    counters: dict = {}
    out = {}
    for c in register:
        prefix = LABEL_PREFIX[c.kind]
        counters[prefix] = counters.get(prefix, 0) + 1
        out[c.id] = f"{prefix}{counters[prefix]}"
    return out


def shift_dates(register: Iterable[Caveat], measure: Any) -> list[pd.Period]:
    """Months of the changes to model as level shifts for ``measure`` (``model_shift: true``).

    For :func:`perfkit.stats.seasonal.adjust` (``shifts=``) and SPC rebasing.

    Examples
    --------
    >>> [str(p) for p in shift_dates(load_register(), "burglary")]
    []
    """
    return sorted({c.date for c in register if c.model_shift and c.affects(measure)})


def register_table(register: Iterable[Caveat]) -> pd.DataFrame:
    """The register as an assumptions-and-caveats log (one row per change) for the data pack.

    Examples
    --------
    >>> register_table(load_register()).columns[:4].tolist()
    ['id', 'date', 'title', 'what_changed']
    """
    rows = []
    for c in register:
        rows.append(
            {
                "id": c.id,
                "date": c.when(),
                "title": c.title,
                "what_changed": c.change,
                "measures_affected": ", ".join(c.measures) + (" (all recorded crime)" if c.all_recorded_crime else ""),
                "crime_types_affected": ", ".join(c.crime_types),
                "offences_affected": ", ".join(c.offences),
                "totals_affected": ", ".join(c.totals),
                "reclassified_within": ", ".join(c.within),
                "expected_direction": c.direction,
                "caveat": c.caveat,
                "source": c.source,
                "quality": c.quality,
                "impact": c.impact,
                "modelled_as_level_shift": "yes" if c.model_shift else "no",
                "scope": c.scope,
                "kind": c.kind,
                "force": c.force,
                "note": c.note,
            }
        )
    columns = [
        "id", "date", "title", "what_changed", "measures_affected", "crime_types_affected",
        "offences_affected", "totals_affected", "reclassified_within", "expected_direction", "caveat", "source", "quality", "impact", "modelled_as_level_shift",
        "scope", "kind", "force", "note",
    ]
    return pd.DataFrame(rows, columns=columns)
