"""The Police and Crime Plan: objectives, outcomes and measures, read from ``params/plan.yaml``.

The Plan is configuration, not code: another force, or the next Plan, is another YAML file.
:func:`load_plan` reads and validates it once; every error names the file and the key.

Examples
--------
>>> plan = load_plan()
>>> [o.number for o in plan.objectives]
[1, 2, 3, 4, 5]
>>> plan.measure("burglary").better
'lower'
>>> plan.objective(3).title
'Continue to tackle crime and disorder'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from perfkit import config
from perfkit.errors import ConfigError
from perfkit.config.params import Node, content_key, load_yaml
from perfkit.periods import Quarter, deep_dive_objective, parse_quarter

__all__ = ["Plan", "Objective", "Outcome", "Measure", "load_plan", "SOURCES", "DIRECTIONS", "OFFENCE_GROUPS",
           "ALL_OFFENCES"]

#: Where a measure's figures come from (see ``docs/guide.md``).
SOURCES = ("police_uk", "prc", "collisions", "workforce", "derived", "local")
#: Which direction of change is an improvement; ``none`` for an indicator with no better direction.
DIRECTIONS = ("higher", "lower", "none")

#: The offence groups of the ONS / Home Office tables of police recorded crime by Police Force Area
#: (the names as published), which a ``prc`` measure's ``offences`` and a register entry's
#: ``offences`` name. ``all_excluding_fraud`` is every group but fraud, summed.
OFFENCE_GROUPS = (
    "Homicide", "Violence with injury", "Violence without injury", "Stalking and harassment",
    "Death or serious injury caused by illegal driving", "Sexual offences", "Robbery",
    "Domestic burglary", "Non-domestic burglary", "Residential burglary", "Non-residential burglary",
    "Vehicle offences", "Theft from the person", "Bicycle theft", "Shoplifting", "All other theft offences",
    "Criminal damage and arson", "Drug offences", "Possession of weapons offences", "Public order offences",
    "Miscellaneous crimes against society", "Fraud offences", "Action Fraud", "CIFAS", "UK Finance",
)
#: A ``prc`` measure's ``offences`` value for the total of every group but fraud.
ALL_OFFENCES = "all_excluding_fraud"

_MEASURE_KEYS = {
    "id", "title", "short_title", "source", "unit", "better", "recorded_crime", "restricted", "description",
    "crime_types", "offences", "severities", "numerator", "denominator", "rate_per",
}

#: The populations a rate may be given per: 1,000 residents (the default), or 100,000 or a million
#: for a rare offence, whose rate per 1,000 would be a string of zeros (homicide: about 0.01).
RATE_BASES = (1000, 100_000, 1_000_000)


@dataclass(frozen=True)
class Measure:
    """One indicator of performance (never a target).

    Attributes
    ----------
    id : str
        Short identifier used in files and parameters (``burglary``).
    title : str
        As shown to the Board.
    short_title : str
        A shorter name for the headline sentence when the title would take it over the word limit
        (``"Road collisions (killed or seriously injured)"``); empty: the title, whatever its length.
    source : str
        One of :data:`SOURCES`.
    unit : str
        What is counted (``offences``, ``incidents``, ``percent``, ``officers``).
    better : str
        ``higher``, ``lower`` or ``none``; drives SPC colouring only, never a target.
    recorded_crime : bool
        Whether recorded-crime caveats (recording changes) apply.
    restricted : bool
        Shown in the Board edition only, never published.
    crime_types, offences, severities : tuple of str
        The filter on the source (data.police.uk crime types, ONS offence groups, collision
        severities).
    numerator, denominator : str
        For ``derived`` measures, the ids of the two measures divided.
    districts : tuple of str
        For ``police_uk`` measures, the districts counted (row-level data); empty: the whole force.
    rate_per : int
        The number of residents the measure's rate is given per (one of :data:`RATE_BASES`; 1,000
        unless the Plan says otherwise).
    """

    id: str
    title: str
    source: str
    unit: str
    better: str
    recorded_crime: bool
    restricted: bool = False
    description: str = ""
    short_title: str = ""
    crime_types: tuple[str, ...] = ()
    offences: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    numerator: str = ""
    denominator: str = ""
    #: Districts of the Plan the figures are limited to (an in-depth report's element, see
    #: :mod:`perfkit.config.requests`); empty for the whole force. Needs row-level data.
    districts: tuple[str, ...] = ()
    rate_per: int = 1000

    @property
    def improvement(self) -> "str | None":
        """The SPC direction of improvement: ``'increase'``, ``'decrease'`` or ``None``."""
        return {"higher": "increase", "lower": "decrease"}.get(self.better)

    @property
    def offence_groups(self) -> tuple[str, ...]:
        """The ONS offence groups a ``prc`` measure counts, when it names groups rather than the
        total (``all_excluding_fraud``); empty otherwise. Such a measure is an offence-group measure:
        it carries harm and vulnerability (issue 25), is compared with every force's same groups,
        and is shown in the harm and vulnerability view."""
        if self.source != "prc" or ALL_OFFENCES in self.offences:
            return ()
        return self.offences

    @property
    def is_count(self) -> bool:
        """Whether the measure is a count of events (so Poisson comparisons apply)."""
        return self.source in ("police_uk", "collisions", "prc") or (
            self.source == "local" and self.unit in ("incidents", "offences", "calls", "crimes")
        )


@dataclass(frozen=True)
class Outcome:
    """An outcome the Plan seeks, evidenced by one or more measures."""

    title: str
    measures: tuple[Measure, ...]


@dataclass(frozen=True)
class Objective:
    """One of the Plan's objectives; every quarter has one report per objective."""

    number: int
    title: str
    summary: str
    outcomes: tuple[Outcome, ...]
    #: Whether the objective's page carries the harm and vulnerability view (``harm_view: true``):
    #: the Plan's offence-group measures of the objective, which moved, which moved with a recording
    #: change, the force's position among its comparators.
    harm_view: bool = False

    @property
    def harm_measures(self) -> tuple[Measure, ...]:
        """The objective's offence-group measures (:attr:`Measure.offence_groups`), in Plan order;
        empty when the objective has no harm view."""
        if not self.harm_view:
            return ()
        return tuple(m for m in self.measures if m.offence_groups)

    @property
    def measures(self) -> tuple[Measure, ...]:
        """Every measure of the objective, in the order the outcomes list them."""
        return tuple(m for o in self.outcomes for m in o.measures)

    @property
    def slug(self) -> str:
        """Filename-safe name, ``objective-3``."""
        return f"objective-{self.number}"


@dataclass(frozen=True)
class Plan:
    """The whole Plan: its force, objectives, measures and deep-dive rotation."""

    title: str
    period: str
    force: str
    force_name: str
    area_name: str
    commissioner: str
    objectives: tuple[Objective, ...]
    measures: dict[str, Measure] = field(repr=False, hash=False, compare=False)
    districts: tuple[str, ...] = ()
    deep_dive_anchor: Quarter = Quarter(2015, 1)
    deep_dive_rotation: tuple[int, ...] = (1, 2, 3, 4, 5)
    source: str = ""
    #: The body the quarterly reports go to (``board:``), e.g. "Business Coordination Board".
    board: str = "Board"
    #: Who publishes the pages (``publisher:``); default the office of the Commissioner.
    publisher: str = ""
    #: Source descriptions of this force's own data (``source_notes:`` in the Plan: source -> text),
    #: shown instead of the generic ones of :data:`perfkit.data.measures.SOURCE_NOTES`.
    source_notes: dict = field(default_factory=dict, repr=False, hash=False, compare=False)
    #: Which Plan was in force from which quarter (``periods:``): ``((Quarter, period), ...)`` in
    #: date order; a report is labelled with the Plan in force in its quarter (:meth:`name_for`).
    periods: tuple = ()

    def period_for(self, quarter: Quarter) -> str:
        """The Plan period in force in ``quarter`` ("2017-20"): the latest ``periods`` entry starting
        at or before it, else ``period``."""
        chosen = self.period
        for start, period in self.periods:
            if start <= quarter:
                chosen = period
        return chosen

    def name_for(self, quarter: Quarter) -> str:
        """The Plan's name as a report for ``quarter`` gives it: "<title> <period>", the period being the one in force that quarter."""
        period = self.period_for(quarter)
        return f"{self.title} {period}".strip()

    def objective(self, number: int) -> Objective:
        """The objective with this number."""
        for objective in self.objectives:
            if objective.number == int(number):
                return objective
        numbers = ", ".join(str(o.number) for o in self.objectives)
        raise ConfigError(f"{self.source}: no objective {number!r}; the Plan has objectives {numbers}")

    def measure(self, measure_id: str) -> Measure:
        """The measure with this id."""
        try:
            return self.measures[measure_id]
        except KeyError:
            raise ConfigError(
                f"{self.source}: no measure {measure_id!r}; expected one of {', '.join(self.measures)}"
            ) from None

    def objective_of(self, measure_id: str) -> Objective:
        """The (first) objective whose outcomes list this measure."""
        for objective in self.objectives:
            if any(m.id == measure_id for m in objective.measures):
                return objective
        raise ConfigError(f"{self.source}: measure {measure_id!r} is not under any objective")

    def deep_dive(self, quarter: Quarter, override: "int | None" = None) -> Objective:
        """The objective whose deep dive falls in ``quarter`` (``override`` wins)."""
        if override is not None:
            return self.objective(override)
        number = deep_dive_objective(quarter, self.deep_dive_rotation, self.deep_dive_anchor)
        return self.objective(number)


def _measure(node: Node) -> Measure:
    node.only(_MEASURE_KEYS)
    source = node.choice("source", SOURCES)
    measure = Measure(
        id=node.str("id"),
        title=node.str("title"),
        source=source,
        unit=node.str("unit"),
        better=node.choice("better", DIRECTIONS),
        recorded_crime=node.bool("recorded_crime"),
        restricted=node.bool("restricted", False),
        description=node.str("description", ""),
        short_title=node.str("short_title", ""),
        crime_types=tuple(node.str_list("crime_types", [])),
        offences=tuple(node.str_list("offences", [])),
        severities=tuple(node.str_list("severities", [])),
        numerator=node.str("numerator", ""),
        denominator=node.str("denominator", ""),
        rate_per=node.int("rate_per", 1000),
    )
    if measure.rate_per not in RATE_BASES:
        node.fail(f"found {measure.rate_per}; expected the number of residents a rate is given per, one of "
                  f"{', '.join(f'{b:,}' for b in RATE_BASES)}", "rate_per")
    required = {"police_uk": "crime_types", "prc": "offences", "collisions": "severities"}
    if source in required and not getattr(measure, required[source]):
        node.fail(f"a measure from source {source!r} needs a non-empty list", required[source])
    for i, offence in enumerate(measure.offences):
        if offence not in OFFENCE_GROUPS + (ALL_OFFENCES,):
            node.fail(f"found {offence!r}; expected an ONS offence group as published ({', '.join(OFFENCE_GROUPS)}) "
                      f"or {ALL_OFFENCES}", f"offences[{i}]")
    if ALL_OFFENCES in measure.offences and len(measure.offences) > 1:
        node.fail(f"found {ALL_OFFENCES} with other groups; expected it alone (it already sums every group but fraud)",
                  "offences")
    if source == "derived" and not (measure.numerator and measure.denominator):
        node.fail("a derived measure needs both 'numerator' and 'denominator' (measure ids)", "numerator")
    return measure


def _parse(raw: object, source: str) -> Plan:
    root = Node(raw, source)
    root.only({"plan", "objectives", "measures"})
    head = root.child("plan")
    head.only({"title", "period", "force", "force_name", "area_name", "commissioner", "districts", "deep_dive",
               "source_notes", "board", "publisher", "periods"})

    measures: dict[str, Measure] = {}
    for node in root.children("measures"):
        measure = _measure(node)
        if measure.id in measures:
            node.fail(f"duplicate measure id {measure.id!r}; every id must be unique", "id")
        measures[measure.id] = measure
    for measure in measures.values():
        for ref in (measure.numerator, measure.denominator):
            if ref and ref not in measures:
                raise ConfigError(f"{source}: measures.{measure.id}: refers to unknown measure {ref!r}")

    objectives: list[Objective] = []
    for onode in root.children("objectives"):
        onode.only({"number", "title", "summary", "outcomes", "harm_view"})
        number = onode.int("number", minimum=1)
        if any(o.number == number for o in objectives):
            onode.fail(f"duplicate objective number {number}", "number")
        outcomes = []
        for cnode in onode.children("outcomes"):
            cnode.only({"title", "measures"})
            ids = cnode.str_list("measures")
            for i, mid in enumerate(ids):
                if mid not in measures:
                    cnode.fail(f"unknown measure {mid!r}; expected one of {', '.join(measures)}", f"measures[{i}]")
            outcomes.append(Outcome(cnode.str("title"), tuple(measures[m] for m in ids)))
        if not outcomes:
            onode.fail("found no outcomes; expected at least one", "outcomes")
        objectives.append(Objective(number, onode.str("title"), onode.str("summary", ""), tuple(outcomes),
                                    onode.bool("harm_view", False)))
    if not objectives:
        root.fail("found no objectives; expected at least one", "objectives")

    dive = head.child("deep_dive", {})
    dive.only({"anchor", "rotation"})
    try:
        anchor = parse_quarter(dive.str("anchor", "2015-16-Q1"))
    except ConfigError as exc:
        dive.fail(str(exc), "anchor")
    rotation = tuple(dive.list("rotation", [o.number for o in objectives]))
    known = {o.number for o in objectives}
    for i, number in enumerate(rotation):
        if number not in known:
            dive.fail(f"found {number!r}; expected an objective number ({', '.join(map(str, sorted(known)))})",
                      f"rotation[{i}]")

    periods = []
    for pnode in head.children("periods", []):
        pnode.only({"from", "period"})
        try:
            start = parse_quarter(pnode.str("from"))
        except ConfigError as exc:
            pnode.fail(str(exc), "from")
        if periods and start <= periods[-1][0]:
            pnode.fail(f"found {start.id}; expected the entries in date order (after {periods[-1][0].id})", "from")
        periods.append((start, pnode.str("period")))

    return Plan(
        periods=tuple(periods),
        title=head.str("title"),
        period=head.str("period", ""),
        force=head.str("force"),
        force_name=head.str("force_name"),
        area_name=head.str("area_name", head.str("force_name")),
        commissioner=head.str("commissioner", "Police and Crime Commissioner"),
        objectives=tuple(objectives),
        measures=measures,
        districts=tuple(head.str_list("districts", [])),
        deep_dive_anchor=anchor,
        deep_dive_rotation=rotation,
        source=source,
        source_notes=_source_notes(head),
        board=head.str("board", "Board"),
        publisher=head.str("publisher", f"Office of the {head.str('commissioner', 'Police and Crime Commissioner')}"),
    )


def _source_notes(head: Node) -> dict:
    notes = head.get("source_notes", {}) or {}
    if not isinstance(notes, dict):
        head.fail(f"found {notes!r}; expected a mapping of source to its description", "source_notes")
    for key, text in notes.items():
        if key not in SOURCES:
            head.fail(f"found source {key!r}; expected one of {', '.join(SOURCES)}", "source_notes")
        if not isinstance(text, str) or not text.strip():
            head.fail(f"found {text!r}; expected the source's description as text", f"source_notes.{key}")
    return {k: " ".join(v.split()) for k, v in notes.items()}


@lru_cache(maxsize=8)
def _load_cached(path: str, digest: str) -> Plan:
    return _parse(load_yaml(Path(path)), _display(Path(path)))


def _display(path: Path) -> str:
    """The path as a user would name it: relative to the project when inside it."""
    try:
        return str(path.resolve().relative_to(config.project_root()))
    except ValueError:
        return str(path)


def load_plan(path: "Path | str | None" = None) -> Plan:
    """Read and validate the Plan (default ``params/plan.yaml``).

    Raises
    ------
    ConfigError
        Naming the file and the key, what was found and what was expected.
    """
    path = Path(path) if path else config.params_dir() / "plan.yaml"
    if not path.exists():
        raise ConfigError(f"{_display(path)}: file not found; the Plan must be described there (see docs/guide.md)")
    return _load_cached(str(path.resolve()), content_key(path))
