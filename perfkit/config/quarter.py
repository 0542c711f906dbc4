"""A quarter's own parameters and the analysts' narrative.

Each quarter may have ``params/quarters/<id>.yaml`` (optional: a quarter without one runs on
defaults) and one markdown file per report under ``params/narrative/<id>/``:
``objective-1.md`` ... ``objective-5.md`` and ``deep-dive.md``. The narrative is shown at the top
of its report; where it is missing, or still only the scaffold's guidance, the report shows a
clearly marked "narrative not yet written" box instead.

A passage that must appear in the Board edition only is wrapped in a fenced block::

    ::: restricted
    Text for the Board only.
    :::

Beside the narrative, ``params/narrative/<id>/qualitative.yaml`` lists the quarter's qualitative
evidence (inspection findings, victims' feedback, partners' information; see
:mod:`perfkit.config.qualitative`).

``perfkit new-quarter <id>`` writes these files for a quarter from templates, never overwriting.

Examples
--------
>>> settings = load_quarter("2015-16-Q1")
>>> settings.quarter.id
'2015-16-Q1'
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, field
from pathlib import Path

from perfkit import config
from perfkit.errors import ConfigError
from perfkit.config.params import Node, load_yaml
from perfkit.config.qualitative import TEMPLATE as QUALITATIVE_TEMPLATE, qualitative_path
from perfkit.periods import Quarter, parse_quarter

__all__ = [
    "QuarterSettings",
    "Narrative",
    "load_quarter",
    "load_narrative",
    "new_quarter",
    "new_quarter_main",
    "NARRATIVE_REPORTS",
    "HEADLINE_WORDS",
    "headline_problem",
]

#: The reports that carry a narrative file, by file stem.
NARRATIVE_REPORTS = tuple(f"objective-{n}" for n in range(1, 6)) + ("deep-dive",)

_QUARTER_KEYS = {"quarter", "deep_dive", "deep_dive_reason", "publication_date", "notes"}
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_EXAMPLE = re.compile(r"<!--\s*example\s*-->", re.IGNORECASE)

#: The most words an objective's headline may have.
HEADLINE_WORDS = 30


def headline_problem(text: str) -> str:
    """Why a headline breaks the house rule (over :data:`HEADLINE_WORDS` words), or ``""``.

    >>> headline_problem("Crime rose 2%, in line with the country."), headline_problem("word " * 31)[:24]
    ('', 'the headline has 31 word')
    """
    n = len(text.split())
    return f"the headline has {n} words; at most {HEADLINE_WORDS} read at a glance" if n > HEADLINE_WORDS else ""
_RESTRICTED = re.compile(r"^:::\s*restricted\s*\n(.*?)^:::\s*$\n?", re.DOTALL | re.MULTILINE)


@dataclass(frozen=True)
class QuarterSettings:
    """Parameters for one quarter's run.

    Attributes
    ----------
    quarter : Quarter
    deep_dive : int or None
        Objective number overriding the rotation (a Commissioner's request), or ``None``.
    deep_dive_reason : str
        Why the rotation was overridden, shown in the deep dive.
    publication_date : str
        Date printed on the pack (``YYYY-MM-DD``); empty until set, so a rerun gives the same bytes.
    notes : str
        Free text for the index page (e.g. "Data for December 2014 are missing nationally").
    source : str
        The file read, or ``""`` when the quarter runs on defaults.
    """

    quarter: Quarter
    deep_dive: "int | None" = None
    deep_dive_reason: str = ""
    publication_date: str = ""
    notes: str = ""
    source: str = ""


@dataclass(frozen=True)
class Narrative:
    """The analysts' narrative for one report of one quarter."""

    report: str
    text: str = ""
    path: str = ""
    restricted_passages: tuple[str, ...] = field(default=())
    #: True when the file is marked ``<!-- example -->``: text written to show the shipped data, which
    #: every page showing it labels "example text written for the shipped data".
    example: bool = False

    @property
    def headline(self) -> str:
        """The analysts' headline: the first line of the narrative (markdown heading or emphasis
        marks removed), or ``""`` when none is written. At most :data:`HEADLINE_WORDS` words is the
        house rule; :func:`perfkit.config.quarter.headline_problem` says when it is broken."""
        for line in self.text.splitlines():
            line = line.strip()
            if line and not line.startswith(":::"):
                return re.sub(r"^#+\s*|^\*\*|\*\*$", "", line).strip()
        return ""

    @property
    def body(self) -> str:
        """The narrative after its headline line."""
        lines = self.text.splitlines()
        for i, line in enumerate(lines):
            if line.strip() and not line.strip().startswith(":::"):
                return "\n".join(lines[i + 1:]).strip()
        return ""

    @property
    def written(self) -> bool:
        """Whether any narrative has been written (guidance comments alone do not count)."""
        return bool(self.text.strip())

    def for_edition(self, edition: str) -> str:
        """The markdown for ``'board'`` (everything) or ``'public'`` (restricted passages removed)."""
        if edition == "board":
            return _RESTRICTED.sub(lambda m: m.group(1).rstrip("\n") + "\n\n", self.text).strip()
        return _RESTRICTED.sub("", self.text).strip()


def _quarter_file(quarter: Quarter) -> Path:
    return config.params_dir() / "quarters" / f"{quarter.id}.yaml"


def _narrative_dir(quarter: Quarter) -> Path:
    return config.params_dir() / "narrative" / quarter.id


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(config.project_root()))
    except ValueError:
        return str(path)


def load_quarter(quarter: "Quarter | str") -> QuarterSettings:
    """Read ``params/quarters/<id>.yaml`` if it exists; defaults otherwise.

    Raises
    ------
    ConfigError
        If the file exists but is invalid, or names a different quarter.
    """
    quarter = parse_quarter(quarter)
    path = _quarter_file(quarter)
    if not path.exists():
        return QuarterSettings(quarter)
    raw = load_yaml(path) or {}
    node = Node(raw, _rel(path))
    node.only(_QUARTER_KEYS)
    named = node.str("quarter", quarter.id)
    try:
        named_q = parse_quarter(named)
    except ConfigError as exc:
        node.fail(str(exc), "quarter")
    if named_q != quarter:
        node.fail(f"found {named!r}; expected {quarter.id!r} (the file's name)", "quarter")
    deep_dive = node.int("deep_dive", None, minimum=1)
    date = node.str("publication_date", "")
    if date and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(date)):
        node.fail(f"found {date!r}; expected a date written YYYY-MM-DD", "publication_date")
    return QuarterSettings(
        quarter=quarter,
        deep_dive=deep_dive,
        deep_dive_reason=node.str("deep_dive_reason", ""),
        publication_date=str(date),
        notes=node.str("notes", ""),
        source=_rel(path),
    )


def load_narrative(quarter: "Quarter | str", report: str) -> Narrative:
    """The narrative markdown for ``report`` (``objective-3``, ``deep-dive``) in ``quarter``."""
    quarter = parse_quarter(quarter)
    if report not in NARRATIVE_REPORTS:
        raise ConfigError(f"narrative: unknown report {report!r}; expected one of {', '.join(NARRATIVE_REPORTS)}")
    path = _narrative_dir(quarter) / f"{report}.md"
    if not path.exists():
        return Narrative(report, path=_rel(path))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{_rel(path)}: not valid UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
    example = bool(_EXAMPLE.search(text))
    text = _COMMENT.sub("", text).strip()
    passages = tuple(m.group(1).strip() for m in _RESTRICTED.finditer(text))
    return Narrative(report, text, _rel(path), passages, example)


_QUARTER_TEMPLATE = """\
# Parameters for {label} ({months}). All keys are optional.
quarter: {id}

# Deep dive: by rotation this quarter's is objective {rotation}. To answer a Commissioner's
# request instead, give the objective number and the reason (shown in the deep dive).
# deep_dive: 3
# deep_dive_reason: Requested by the Commissioner after the HMIC inspection.

# The date printed on the pack, YYYY-MM-DD (left empty, the pack shows "not yet published").
# publication_date: {suggested_date}

# A note for the quarter's index page.
# notes: ""
"""

_NARRATIVE_TEMPLATE = """\
<!--
Narrative for {report_title}, {label}. Write in plain English for a Board member:
what happened this quarter, why, what the force is doing about it, and qualitative evidence
(inspections, partnership work, victims' feedback; list each with its source, date and link in
qualitative.yaml beside this file, and the page shows them as a short table). Refer to the evidence
statements rather than repeating the numbers. Until text is written outside this comment, the report shows a
"narrative not yet written" box.

A passage for the Board edition only goes between these two lines:
::: restricted
...
:::
-->
"""


def new_quarter(quarter: "Quarter | str", force: bool = False) -> list[Path]:
    """Write the parameter file, the narrative files and the qualitative evidence file (comments
    only) of a quarter from templates.

    Existing files are left alone (unless ``force``); returns the paths written.
    """
    from perfkit.config.plan import load_plan  # local: the plan is only needed to name the rotation

    quarter = parse_quarter(quarter)
    plan = load_plan()
    rotation = plan.deep_dive(quarter).number
    suggested = (quarter.end + 2).to_timestamp().strftime("%Y-%m-%d")
    targets: list[tuple[Path, str]] = [(
        _quarter_file(quarter),
        _QUARTER_TEMPLATE.format(label=quarter.label, months=quarter.window().describe(), id=quarter.id,
                                 rotation=rotation, suggested_date=suggested),
    )]
    for report in NARRATIVE_REPORTS:
        title = "the deep dive" if report == "deep-dive" else f"objective {report.split('-')[1]}"
        targets.append((_narrative_dir(quarter) / f"{report}.md",
                        _NARRATIVE_TEMPLATE.format(report_title=title, label=quarter.label)))
    targets.append((qualitative_path(quarter), QUALITATIVE_TEMPLATE.format(label=quarter.label)))
    written = []
    for path, text in targets:
        if path.exists() and not force:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def new_quarter_main(argv: list[str]) -> int:
    """``perfkit new-quarter <id> [--force]``."""
    parser = argparse.ArgumentParser(prog="perfkit new-quarter", description=(
        "Scaffold params/quarters/<id>.yaml, params/narrative/<id>/*.md and "
        "params/narrative/<id>/qualitative.yaml; existing files are kept."))
    parser.add_argument("quarter", help="the quarter, e.g. 2016-17-Q2 or '2016/17 Q2'")
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    config.add_location_options(parser, store=False)
    args = parser.parse_args(argv)
    config.use_locations(args.params)
    quarter = parse_quarter(args.quarter)
    from perfkit.config.plan import load_plan

    plan = load_plan()  # validated first: files are written only into a sound parameters folder
    print(f"parameters folder {_rel(config.params_dir())} ({plan.title})")
    written = new_quarter(quarter, force=args.force)
    for path in written:
        print(f"wrote {_rel(path)}")
    if not written:
        print(f"{quarter.id}: every file exists already; nothing written (use --force to overwrite)")
    return 0
