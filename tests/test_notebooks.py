"""The notebooks as an analyst meets them: jupytext percent files with a typed, commented
parameters cell, which run top to bottom with their defaults (as in JupyterLab), return sections
whose data an analyst can take, follow the parameters cell, and pick up an edited register on the
next run of a cell. And ``papermill`` runs them as its users expect (docs/notebooks.md)."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys

import jupytext
import nbformat
import pytest
import yaml

NOTEBOOKS = ("objective.py", "deep_dive.py", "data_pack.py", "request.py")
CHOICES = ("chart_months", "seasonal_method", "comparator_group")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_has_one_typed_commented_parameters_cell_and_one_call_per_section(project_root, name):
    nb = jupytext.read(project_root / "notebooks" / name)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    names = []
    for stmt in ast.parse(tagged[0].source).body:
        assert isinstance(stmt, ast.AnnAssign), f"{name}: parameters must be typed (name: type = value)"
        names.append(stmt.target.id)
    assert set(CHOICES) <= set(names), f"{name}: the analyst's choices belong in the parameters cell"
    for line in tagged[0].source.splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            assert "  # " in line and line.count("=") == 1, f"{name}: {line!r} needs a comment (and one '=' for Papermill)"
    code = [c for c in nb.cells if c.cell_type == "code" and c is not tagged[0]]
    # The library holds the logic: each code cell after the parameters is an import or short calls,
    # and it ends with the call, so the section it returns is displayed.
    for cell in code:
        lines = [l for l in cell.source.splitlines() if l.strip()]
        assert len(lines) <= 4, cell.source
        last = ast.parse(cell.source).body[-1]
        assert isinstance(last, ast.Expr) and isinstance(last.value, ast.Call), cell.source
    # The choices are passed to the report object, not hard-coded.
    construct = code[0].source
    for choice in CHOICES:
        assert f"{choice}={choice}" in construct, f"{name}: {choice} is not passed to the report"


def _html(outputs) -> str:
    return "".join(o.get("data", {}).get("text/html", "") for o in outputs)


def _stdout(outputs) -> str:
    return "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")


def _errors(cells) -> list:
    return [o for c in cells for o in c.get("outputs", []) if o.get("output_type") == "error"]


@pytest.fixture()
def temp_params(project_root, tmp_path, monkeypatch):
    """A copy of params/ the test may edit, used by the kernel through PERFKIT_PARAMS: a small Plan
    (objective 1 with all recorded crime, objective 3 with burglary; tests/conftest.py), so the
    evidence model a kernel builds, and builds again after a change to the register, is quick."""
    from conftest import write_small_params

    params = write_small_params(tmp_path / "params", {1: "all_crime", 3: "burglary"})
    monkeypatch.setenv("PERFKIT_PARAMS", str(params))
    monkeypatch.setenv("PERFKIT_OUTPUTS", str(tmp_path / "outputs"))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(project_root), os.environ.get("PYTHONPATH", "")) if p))
    return params


@pytest.mark.slow
def test_an_analyst_works_in_the_objective_notebook(project_root, temp_params):
    """Through nbclient, in one kernel: run top to bottom with the defaults; take the monthly series
    and SPC table behind a chart in three lines; change chart_months in the parameters cell; edit a
    caveat in the register and re-run the evidence cell."""
    from nbclient import NotebookClient

    nb = jupytext.read(project_root / "notebooks" / "objective.py")
    client = NotebookClient(nb, kernel_name="python3", timeout=900,
                            resources={"metadata": {"path": str(project_root / "notebooks")}})
    cells = nb.cells
    params_at = next(i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", []))
    construct_at = params_at + 1
    evidence_at = next(i for i, c in enumerate(cells) if c.source.strip() == "report.evidence()")
    outcomes_at = next(i for i, c in enumerate(cells) if c.source.strip() == "report.outcomes()")

    def run(i):
        client.execute_cell(cells[i], i)
        return cells[i]

    def run_code(source: str) -> str:
        cell = nbformat.v4.new_code_cell(source)
        cells.append(cell)
        client.execute_cell(cell, len(cells) - 1)
        assert not _errors([cell]), cell.outputs
        return _stdout(cell.outputs)

    with client.setup_kernel():
        # 1. Top to bottom with its defaults, as in JupyterLab.
        for i in range(len(cells)):
            run(i)
        assert not _errors(cells), _errors(cells)
        markdown = "".join(o.get("data", {}).get("text/markdown", "") for c in cells for o in c.get("outputs", []))
        assert "Objective 1: Maintain local police performance" in markdown
        assert "2018/19 Quarter 2" in _html(cells[construct_at].outputs)  # the latest complete quarter shipped
        page = _html([o for c in cells for o in c.get("outputs", [])])
        assert "<data value=" in page and "Traceback" not in page

        # 2. The data behind a chart, in three lines.
        out = run_code('s = report.evidence()\n'
                       'monthly = s.data["all_crime/monthly"]\n'
                       'spc = s.data["all_crime/spc"]\n'
                       'import json; print(json.dumps({"months": len(monthly), "last": str(monthly.index.max()), '
                       '"value": float(monthly["recorded"].iloc[-1]), "spc": list(spc.columns), '
                       '"spc_last": str(spc.index.max())}))')
        got = json.loads(out)
        assert got["last"] == "2018-09" and got["spc_last"] == "2018-09" and got["months"] > 24
        assert got["value"] == 5422.0  # September 2018 in the shipped data
        assert {"value", "mean", "upper", "lower"} <= set(got["spc"])

        # 3. Change the chart window in the parameters cell; the chart and its numbers follow.
        default_html = _html(cells[outcomes_at].outputs)
        assert "monthly recorded offences, October 2013 to September 2018" in default_html or \
            "January 2014 to September 2018" in default_html
        cells[params_at].source = cells[params_at].source.replace("chart_months: int = 60", "chart_months: int = 24")
        assert "chart_months: int = 24" in cells[params_at].source
        run(params_at)
        run(construct_at)
        narrowed = _html(run(outcomes_at).outputs)
        assert "monthly recorded offences, October 2016 to September 2018" in narrowed
        out = run_code('print(len(report.outcomes().data["all_crime/monthly"]))')
        assert out.strip() == "24"

        # 4. Edit a caveat's wording in the register; the next run of the evidence cell shows it.
        register = temp_params / "caveats.yaml"
        doc = yaml.safe_load(register.read_text(encoding="utf-8"))
        (caveat,) = [c for c in doc["caveats"]
                     if c["title"] == "Stalking, harassment and coercive control recorded in addition to the main offence"]
        caveat["title"] = "Conduct crimes counted alongside the main offence"
        register.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        statements = _html(run(outcomes_at).outputs)  # the measure's block: its statement and caveats
        assert "conduct crimes counted alongside the main offence" in statements.lower()
        assert "stalking, harassment and coercive control recorded in addition" not in statements.lower()
        assert not _errors(cells)


def _make_notebooks(project_root, tmp_path):
    """Run ``make notebooks`` in a copy of what it reads (the Makefile, notebooks/, the pins), with
    this interpreter's environment as BIN; returns the copy's notebooks folder."""
    copy = tmp_path / "checkout"
    copy.mkdir()
    for name in ("Makefile", "requirements.lock", "pyproject.toml"):
        shutil.copy2(project_root / name, copy / name)
    shutil.copytree(project_root / "notebooks", copy / "notebooks", ignore=shutil.ignore_patterns("*.ipynb", ".*"))
    proc = subprocess.run(["make", "-C", str(copy), "notebooks", f"BIN={os.path.dirname(sys.executable)}"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return copy / "notebooks"


@pytest.fixture(scope="module")
def made_notebooks(project_root, tmp_path_factory):
    """The notebooks folder of a copy of the checkout after ``make notebooks`` (run once for the
    tests below; each works on a copy of its own)."""
    return _make_notebooks(project_root, tmp_path_factory.mktemp("made"))


def _own_copy(made, tmp_path):
    """A copy of the checkout holding ``made`` (the notebooks folder), for one test to change."""
    copy = tmp_path / "checkout"
    shutil.copytree(made.parent, copy, symlinks=True)
    return copy / "notebooks"


def test_make_notebooks_writes_an_ipynb_per_py_and_keeps_the_py_the_source(project_root, made_notebooks, tmp_path):
    """``make notebooks``: one .ipynb per .py with the .py's cells; run again, nothing changes; an
    .ipynb edited by hand takes its inputs from the .py again; the .py files are never touched."""
    folder = _own_copy(made_notebooks, tmp_path)
    for name in NOTEBOOKS:
        py, ipynb = folder / name, folder / name.replace(".py", ".ipynb")
        assert py.read_bytes() == (project_root / "notebooks" / name).read_bytes()
        nb = nbformat.read(ipynb, as_version=4)
        assert [c.source for c in nb.cells] == [c.source for c in jupytext.read(py).cells]
        assert nb.metadata.kernelspec.name == "python3"
    objective = folder / "objective.ipynb"
    before = objective.read_bytes()
    nb = nbformat.read(objective, as_version=4)
    nb.cells[1].source = "print('edited in the .ipynb')"
    nbformat.write(nb, objective)
    again = subprocess.run(["make", "-C", str(folder.parent), "notebooks", f"BIN={os.path.dirname(sys.executable)}"],
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert objective.read_bytes() == before
    assert "Unchanged notebooks/deep_dive.ipynb" in again.stdout + again.stderr
    # The generated notebooks are never committed.
    check = subprocess.run(["git", "check-ignore", "-q", "notebooks/objective.ipynb"], cwd=project_root)
    assert check.returncode in (0, 128), "notebooks/objective.ipynb is not ignored by git"


@pytest.mark.slow
def test_papermill_runs_a_notebook_with_parameters_as_the_guide_says(project_root, made_notebooks, temp_params, tmp_path):
    """docs/notebooks.md: ``make notebooks`` writes the .ipynb papermill reads; then papermill runs
    one with ``-p objective 3``, from the checkout's folder."""
    guide = (project_root / "docs" / "notebooks.md").read_text(encoding="utf-8")
    command = ".venv/bin/papermill notebooks/objective.ipynb out.ipynb -p objective 3"
    assert "make notebooks\n" + command in guide
    assert ".venv/bin/jupyter nbconvert --to html --execute --no-input notebooks/objective.ipynb" in guide
    folder = _own_copy(made_notebooks, tmp_path)
    out = tmp_path / "out.ipynb"
    papermill = os.path.join(os.path.dirname(sys.executable), "papermill")
    proc = subprocess.run([papermill, "notebooks/objective.ipynb", str(out), "-p", "objective", "3"],
                          cwd=folder.parent, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    executed = nbformat.read(out, as_version=4)
    assert not _errors(executed.cells), _errors(executed.cells)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "objective = 3" in injected[0].source
    markdown = "".join(o.get("data", {}).get("text/markdown", "") for c in executed.cells for o in c.get("outputs", []))
    from perfkit.config.plan import load_plan

    assert f"# Objective 3: {load_plan().objective(3).title}" in markdown
    json.dumps(executed)  # a plain notebook, as papermill writes it
