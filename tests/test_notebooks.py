"""The notebooks as an analyst meets them: jupytext percent files with a typed, commented
parameters cell, which run top to bottom with their defaults (as in JupyterLab)."""

from __future__ import annotations

import ast

import jupytext
import nbformat
import pytest

NOTEBOOKS = ("objective.py", "deep_dive.py", "data_pack.py")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_has_one_typed_commented_parameters_cell_and_one_call_per_section(project_root, name):
    nb = jupytext.read(project_root / "notebooks" / name)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for stmt in ast.parse(tagged[0].source).body:
        assert isinstance(stmt, ast.AnnAssign), f"{name}: parameters must be typed (name: type = value)"
    for line in tagged[0].source.splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            assert "  # " in line and line.count("=") == 1, f"{name}: {line!r} needs a comment (and one '=' for Papermill)"
    # The library holds the logic: each code cell after the parameters is an import or short calls.
    for cell in nb.cells:
        if cell.cell_type == "code" and cell is not tagged[0]:
            assert len([l for l in cell.source.splitlines() if l.strip()]) <= 4, cell.source


@pytest.mark.slow
def test_objective_notebook_runs_top_to_bottom_with_its_defaults(project_root, tmp_path):
    """As in JupyterLab: no parameters given, the latest complete quarter in the shipped data."""
    import papermill

    nb = jupytext.read(project_root / "notebooks" / "objective.py")
    source = tmp_path / "objective.ipynb"
    nbformat.write(nb, source)
    papermill.execute_notebook(str(source), str(tmp_path / "out.ipynb"), kernel_name="python3",
                               progress_bar=False, cwd=str(project_root / "notebooks"))
    executed = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    html = "".join(o.get("data", {}).get("text/html", "") for c in executed.cells for o in c.get("outputs", []))
    assert "Objective 1: Maintain local police performance" in "".join(
        o.get("data", {}).get("text/markdown", "") for c in executed.cells for o in c.get("outputs", []))
    assert "2018/19 Quarter 2" in html  # the latest complete quarter of the shipped data
    assert not any(o.get("output_type") == "error" for c in executed.cells for o in c.get("outputs", []))
