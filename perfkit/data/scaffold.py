"""``perfkit init``: a parameters folder for any territorial force of England and Wales.

Another Commissioner's office starts from here::

    perfkit init norfolk --params params-norfolk --store data/store-norfolk

writes ``params-norfolk/`` with

- ``plan.yaml``: the force's slug, name and area, its districts as data.police.uk names them (read
  from the LSOA names of the force's street-level rows in the store; empty, and marked to fill in,
  when the store has none), and the objectives and measures of the project's own Plan as a
  starting point, to be replaced by the force's own Plan;
- ``caveats.yaml``: the national entries of the project's recording-change register, no local
  ones (a local entry belongs to the force it names);
- ``comparators.yaml``: the force's region as a comparator group, and a most-similar group marked
  TO FILL IN (the published HMICFRS / Home Office group is not in the data);
- ``publishing.yaml``: the project's publishing rules.

Nothing is overwritten: an existing folder with a ``plan.yaml`` is refused. The files are written
into a temporary folder beside the target and moved into place together, so a failure leaves
nothing half-written.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from perfkit import config
from perfkit.config import forces
from perfkit.errors import ConfigError, DataError

__all__ = ["init_force", "store_districts", "main", "DISTRICT_SHARE"]

#: A district is listed when at least this share of the force's street-level rows fall in it;
#: the rest are incidents just over the border (data.police.uk snaps locations to nearby points).
DISTRICT_SHARE = 0.01

_TO_FILL = "TO FILL IN"


def store_districts(force: str, store: "str | Path | None" = None) -> list[str]:
    """The districts holding at least :data:`DISTRICT_SHARE` of the force's street-level rows.

    Read from the district part of each row's LSOA name ("Norwich 012B" is in Norwich), which is
    how the deep dive places incidents. Empty when the store holds no street-level rows for the force.
    """
    from perfkit import data

    try:
        frame = data.monthly_counts(force, by=("month", "district"), store=store)
    except DataError:
        return []
    if frame.empty or "district" not in frame:
        return []
    totals = frame.dropna(subset=["district"]).groupby("district")["count"].sum()
    totals = totals[totals.index.astype(str).str.len() > 0]
    if totals.sum() <= 0:
        return []
    kept = totals[totals / totals.sum() >= DISTRICT_SHARE]
    return sorted(str(d) for d in kept.index)


def _q(text: str) -> str:
    """``text`` as a double-quoted YAML scalar (safe for names with &, : or ')."""
    return json.dumps(text, ensure_ascii=False)


def _template_params() -> Path:
    """The project's own parameters folder, whose objectives, measures and register are the start."""
    return config.project_root() / "params"


def _plan_text(force: forces.Force, districts: list[str], source: Path) -> str:
    text = (source / "plan.yaml").read_text(encoding="utf-8")
    start = text.find("\nobjectives:")
    if start < 0:
        raise ConfigError(f"{source / 'plan.yaml'}: found no 'objectives:' key; expected the Plan to copy objectives and measures from")
    body = text[start + 1:]
    if districts:
        district_lines = (
            "  # Districts of the force area as data.police.uk LSOA names give them (read from the store's\n"
            "  # street-level rows). The deep dive places each incident by its LSOA name; incidents in other\n"
            "  # districts are grouped apart. Check the list against the force area.\n"
            f"  districts: [{', '.join(_q(d) for d in districts)}]\n"
        )
    else:
        district_lines = (
            f"  # {_TO_FILL}: the districts of the force area as data.police.uk LSOA names give them (the\n"
            "  # local authority names, e.g. Norwich for \"Norwich 012B\"). The store held no street-level\n"
            "  # rows for this force to read them from; `perfkit init` lists them once street files are ingested.\n"
            "  districts: []\n"
        )
    head = (
        "# The Police and Crime Plan as configuration, written by `perfkit init`. Read and validated by\n"
        "# perfkit.config.plan.load_plan; docs/guide.md (\"Setting up for your force\") explains every key.\n"
        "#\n"
        f"# {_TO_FILL}: the objectives, outcomes and measures below are a starting point copied from the\n"
        "# project's example Plan; replace them with your own Plan's. Measures are indicators, never targets.\n"
        "\n"
        "plan:\n"
        f"  title: {_q(force.short_name + ' Police and Crime Plan')}   # {_TO_FILL}: your Plan's title\n"
        "  period: ''                       # e.g. 2021-24\n"
        f"  force: {force.slug}            # data.police.uk slug of the force the Plan covers\n"
        f"  force_name: {_q(force.name)}\n"
        f"  area_name: {_q(force.short_name)}   # the Police Force Area as readers know it\n"
        f"  commissioner: {_q('Police and Crime Commissioner for ' + force.short_name)}\n"
        f"  publisher: {_q('Office of the Police and Crime Commissioner for ' + force.short_name)}   # the pages' publisher\n"
        "  board: Board                     # the body the quarterly reports go to, e.g. Accountability Board\n"
        f"{district_lines}"
        "  deep_dive:\n"
        "    anchor: 2015-16-Q1             # the quarter whose deep dive is the first objective in `rotation`\n"
        "    rotation: [1, 2, 3, 4, 5]\n"
        "\n"
    )
    return head + body


def _register_text(source: Path) -> str:
    """The project's register without its local entries (each belongs to the force it names)."""
    text = (source / "caveats.yaml").read_text(encoding="utf-8")
    start = text.find("\ncaveats:\n")
    if start < 0:
        raise ConfigError(f"{source / 'caveats.yaml'}: found no 'caveats:' key; expected the register to copy")
    header, body = text[: start + len("\ncaveats:\n")], text[start + len("\ncaveats:\n"):]
    entries = re.split(r"(?m)^(?=  - id: )", body)
    kept = [e for e in entries if e.strip() and not re.search(r"(?m)^    scope: local\s*$", e)
            and not re.search(r"(?m)^    force: ", e)]
    return header + "".join(kept).rstrip() + "\n"


def _comparators_text(force: forces.Force) -> str:
    region = [f.slug for f in forces.FORCE_LIST if f.territorial and f.region == force.region]
    if force.slug not in region:
        region.append(force.slug)
    members = "\n".join(f"      - {slug}" for slug in region)
    return (
        "# Comparator groups of forces, written by `perfkit init`. Read and validated by\n"
        "# perfkit.config.comparators.load_comparators; forces are data.police.uk slugs.\n"
        "#\n"
        f"# {_TO_FILL}: `most_similar` holds the region's forces as a placeholder. Set it from the current\n"
        "# HMICFRS / Home Office Most Similar Group for the force (up to 7 forces plus the force itself)\n"
        "# and name the edition in `source` (shown once on each page); until then it says it is a placeholder.\n"
        "\n"
        "groups:\n"
        "  most_similar:\n"
        "    title: Most similar group of forces\n"
        f"    force: {force.slug}\n"
        "    members:\n"
        f"{members}\n"
        f"    # {_TO_FILL}: replace the members and this source with the published group and its edition.\n"
        f"    source: >-\n      A placeholder membership (the {force.region} forces), not the published Most\n"
        "      Similar Group.\n"
        "\n"
        "  region:\n"
        f"    title: {force.region} forces\n"
        f"    force: {force.slug}\n"
        "    members:\n"
        f"{members}\n"
        f"    source: The territorial police forces of the {force.region} (Home Office grouping).\n"
    )


def init_force(slug: str, params: "str | Path | None" = None, store: "str | Path | None" = None) -> Path:
    """Write a parameters folder for ``slug`` and return its path.

    Parameters
    ----------
    slug : str
        A territorial force's data.police.uk slug (``perfkit.config.forces.all_slugs(territorial_only=True)``).
    params : path, optional
        The folder to create (default ``params-<slug>`` in the project).
    store : path, optional
        Store to read the force's districts from (default ``PERFKIT_STORE`` or the project's store).

    Raises
    ------
    ConfigError
        For an unknown or non-territorial slug, or a folder that already holds a Plan.
    """
    try:
        force = forces._force(slug)
    except DataError as exc:
        said = str(exc) if str(exc).endswith("?") else f"{exc}."
        raise ConfigError(f"{said} Expected a territorial force's data.police.uk slug, such as "
                          f"{', '.join(forces.all_slugs(territorial_only=True)[:3])}") from None
    if not force.territorial:
        raise ConfigError(f"found {slug!r}, which is not a territorial force of England and Wales; "
                          "expected one of the 43 (see `perfkit.config.forces.all_slugs(territorial_only=True)`)")
    if params:
        target = Path(params)
    elif os.environ.get("PERFKIT_PARAMS"):
        target = Path(os.environ["PERFKIT_PARAMS"])
    else:
        target = config.project_root() / f"params-{slug}"
    target = target.expanduser().resolve()
    if (target / "plan.yaml").exists():
        raise ConfigError(f"{target}: found a plan.yaml already; expected a new or empty folder "
                          "(perfkit init never overwrites a Plan)")
    source = _template_params()
    districts = store_districts(slug, store)
    files = {
        "plan.yaml": _plan_text(force, districts, source),
        "caveats.yaml": _register_text(source),
        "comparators.yaml": _comparators_text(force),
        "publishing.yaml": (source / "publishing.yaml").read_text(encoding="utf-8"),
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.init-", dir=target.parent))
    try:
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8")
        (staging / "narrative").mkdir()
        _validate(staging)
        if target.exists():
            for item in staging.iterdir():
                os.replace(item, target / item.name)
            staging.rmdir()
        else:
            os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def init_all(params: "str | Path", store: "str | Path | None" = None) -> "tuple[list[Path], list[Path]]":
    """A parameters folder for every territorial force, ``<params>/<force>/`` (for a national run);
    a force whose folder already holds a ``plan.yaml`` is kept as it is. Returns (written, kept)."""
    root = Path(params).expanduser().resolve()
    written, kept = [], []
    for slug in forces.all_slugs(territorial_only=True):
        if (root / slug / "plan.yaml").exists():
            kept.append(root / slug)
        else:
            written.append(init_force(slug, root / slug, store))
    return written, kept


def _validate(folder: Path) -> None:
    """Load what was written the way a run does, so a broken template never lands."""
    from perfkit.config.plan import load_plan
    from perfkit.config.comparators import load_comparators
    from perfkit.config.register import load_register

    load_plan(folder / "plan.yaml")
    load_register(folder / "caveats.yaml")
    load_comparators(folder / "comparators.yaml")


def main(argv: "list[str] | None" = None) -> int:
    """``perfkit init <force-slug> [--params DIR] [--store DIR]``."""
    parser = argparse.ArgumentParser(
        prog="perfkit init",
        description="Write a parameters folder (Plan, register, comparators, publishing rules) for a territorial force.",
        epilog="Then: `perfkit new-quarter <quarter> --params DIR` and `perfkit run --params DIR --store STORE`. "
               "docs/guide.md, 'Setting up for your force', walks it end to end.",
    )
    parser.add_argument("force", help="the force's data.police.uk slug, e.g. norfolk; or 'all': one folder per "
                                      "territorial force, <params>/<force>/, for a national run (perfkit run --forces)")
    config.add_location_options(parser)
    args = parser.parse_args(argv)
    config.use_locations(store=args.store)
    if args.force == "all":
        if not args.params:
            raise ConfigError("perfkit init all: expected --params DIR, the folder to hold one parameters folder per force")
        written, kept = init_all(args.params, args.store)
        print(f"wrote {len(written)} parameters folder(s) in {Path(args.params).resolve()}"
              + (f"; kept {len(kept)} that already held a plan.yaml" if kept else ""))
        print(f"  each has lines marked {_TO_FILL} to fill in (its Plan and most-similar group)")
        return 0
    target = init_force(args.force, args.params, args.store)
    plan = (target / "plan.yaml").read_text(encoding="utf-8")
    print(f"wrote {target} (plan.yaml, caveats.yaml, comparators.yaml, publishing.yaml)")
    print(f"  fill in the lines marked {_TO_FILL}: {plan.count(_TO_FILL)} in plan.yaml, "
          f"{(target / 'comparators.yaml').read_text(encoding='utf-8').count(_TO_FILL)} in comparators.yaml")
    return 0
