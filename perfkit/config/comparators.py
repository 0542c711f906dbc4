"""The comparator groups: ``params/comparators.yaml`` read and validated.

A group names the forces a force is compared with (the most-similar group, its region), by
data.police.uk slug. Configuration, so it lives here; :mod:`perfkit.stats.compare` ranks a force
within a group and re-exports these names.

Examples
--------
>>> groups = load_comparators()
>>> "cambridgeshire" in groups[next(iter(groups))].members
True
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from perfkit.config import params_dir
from perfkit.config.params import Node, load_yaml

__all__ = ["ComparatorGroup", "load_comparators"]


@dataclass(frozen=True)
class ComparatorGroup:
    """A named group of forces (data.police.uk slugs) from ``params/comparators.yaml``."""

    name: str
    title: str
    force: str
    members: tuple[str, ...]
    source: str = ""


def load_comparators(path: "Path | str | None" = None) -> dict[str, ComparatorGroup]:
    """Read and validate the comparator groups (default ``params/comparators.yaml``).

    Raises
    ------
    perfkit.errors.ConfigError
        Naming the file and key, e.g. ``params/comparators.yaml: groups.most_similar.members[2]:
        found 'esex'; expected a data.police.uk force slug``.
    """
    path = Path(path) if path is not None else params_dir() / "comparators.yaml"
    root = Node(load_yaml(path), path)
    root.only(["groups"])
    groups = root.child("groups")
    try:
        from perfkit.config.forces import is_force
    except Exception:  # pragma: no cover - forces table missing: accept any slug-shaped text
        is_force = None
    out: dict[str, ComparatorGroup] = {}
    for name in groups.value:
        node = groups.child(str(name))
        node.only(["title", "force", "members", "source"])
        force = node.str("force")
        members = node.str_list("members")
        for i, slug in enumerate([force] + members):
            key = "force" if i == 0 else f"members[{i - 1}]"
            ok = is_force(slug) if is_force else (slug == slug.lower() and " " not in slug)
            if not ok:
                node.fail(f"found {slug!r}; expected a data.police.uk force slug such as 'cambridgeshire'", key)
        if len(set(members)) != len(members):
            dup = sorted({m for m in members if members.count(m) > 1})
            node.fail(f"found {', '.join(dup)} more than once; expected each force once", "members")
        if force not in members:
            node.fail(f"found a group without its own force {force!r}; expected the force among the "
                      "members (the group mean includes the force itself)", "members")
        if len(members) < 2:
            node.fail(f"found {len(members)} force(s); expected at least 2", "members")
        out[str(name)] = ComparatorGroup(str(name), node.str("title"), force, tuple(members),
                                         node.str("source", ""))
    return out
