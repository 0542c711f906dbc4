"""The package layout drawn in docs/architecture.md holds in the code: every import between
perfkit's packages points down the layers, and no module is left loose at the top level."""

from __future__ import annotations

import ast
from pathlib import Path

import perfkit

PACKAGE = Path(perfkit.__file__).resolve().parent

#: The layers, lowest first: a package may import only packages on a lower layer.
LAYERS = ["errors", "periods", "config", "stats", "data", "present", "evidence", "reports", "run"]

#: The only modules at the top level (the rest live in the packages of LAYERS).
TOP_LEVEL = {"__init__.py", "__main__.py", "cli.py", "errors.py", "periods.py"}


def _part(path: Path) -> str:
    """The layer a file of the package belongs to (``perfkit/stats/spc.py`` -> ``stats``)."""
    rel = path.relative_to(PACKAGE).parts
    return rel[0].removesuffix(".py")


def _imported_parts(path: Path) -> set[str]:
    """The perfkit layers ``path`` imports, at the top of the file or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "perfkit":
            names = [f"perfkit.{a.name}" for a in node.names] if node.module == "perfkit" else [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.split(".")[0] == "perfkit"]
        found |= {name.split(".")[1] for name in names if name.count(".") >= 1}
    return found


def test_every_import_between_packages_points_down_the_layers():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        part = _part(path)
        if part not in LAYERS:
            continue
        for used in _imported_parts(path) - {part}:
            if used in LAYERS and LAYERS.index(used) > LAYERS.index(part):
                wrong.append(f"{path.relative_to(PACKAGE.parent)} imports perfkit.{used} (a higher layer than {part})")
    assert not wrong, "\n".join(wrong)


def test_the_statistics_never_import_the_wording():
    """Statistics return numbers, flags and values; sentences are made in perfkit.present only
    (issue 21): no module under perfkit/stats imports perfkit.present, not even inside a function."""
    stats = sorted((PACKAGE / "stats").rglob("*.py"))
    assert len(stats) >= 5
    wording = [str(p.relative_to(PACKAGE.parent)) for p in stats if "present" in _imported_parts(p)]
    assert not wording, f"perfkit/stats modules importing perfkit.present: {wording}"


def test_no_module_is_left_loose_at_the_top_level():
    loose = {p.name for p in PACKAGE.glob("*.py")} - TOP_LEVEL
    assert not loose, f"modules at perfkit/ top level that belong in a package: {sorted(loose)}"
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders == {"config", "data", "stats", "evidence", "present", "reports", "run"}


def test_the_check_sees_an_upward_import(tmp_path):
    """The check reads imports made inside functions too (a lazy import is still an arrow)."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from perfkit.reports.site import x\n    from perfkit import data, config\n")
    assert _imported_parts(sample) == {"reports", "data", "config"}


def test_the_cli_table_names_modules_that_exist():
    import importlib

    from perfkit.cli import COMMANDS

    for name, (target, _help) in COMMANDS.items():
        module, func = target.split(":")
        assert callable(getattr(importlib.import_module(module), func)), name
