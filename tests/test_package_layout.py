"""The package layout drawn in docs/architecture.md holds in the code: every import between
perfkit's packages points down the layers, and no module is left loose at the top level."""

from __future__ import annotations

import ast
import re
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


#: The modules that build the quarter's evidence model: they hold values and codes, never sentences.
EVIDENCE_BUILDERS = ["__init__.py", "analysis.py", "deepdive.py", "requests.py", "shared.py"]


def _prose_literals(source: str) -> list[tuple[int, str]]:
    """String literals (plain or f-strings) of four words or more in ``source``, but docstrings,
    error messages (anything under a ``raise``), type annotations and the values of module
    constants (UPPER_CASE labels, such as a table's group name)."""
    tree = ast.parse(source)
    skip: set[int] = set()

    def skip_all(node):
        skip.update(id(sub) for sub in ast.walk(node))

    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            skip.add(id(body[0].value))
        if isinstance(node, ast.Raise):
            skip_all(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for arg in [*node.args.args, *node.args.kwonlyargs, *node.args.posonlyargs]:
                if arg.annotation is not None:
                    skip_all(arg.annotation)
            if node.returns is not None:
                skip_all(node.returns)
        if isinstance(node, ast.AnnAssign):
            skip_all(node.annotation)
    for node in tree.body:
        if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) and t.id.isupper() for t in node.targets):
            skip_all(node.value)
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.JoinedStr):
            skip_all(node)
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if len([w for w in text.split() if any(c.isalpha() for c in w)]) >= 4:
            found.append((node.lineno, text))
    return found


def test_the_evidence_model_holds_values_not_sentences():
    """Words and rounding happen once, in perfkit.present (issue 21): the modules that build the
    evidence model hold no sentence but their error messages; what a page says about a measure
    (figures ending early, comparator rates on fewer months, a change whose size is not quoted) is
    a value of the model worded by perfkit.present.statements."""
    said = [f"perfkit/evidence/{name}:{line}: {text!r}" for name in EVIDENCE_BUILDERS
            for line, text in _prose_literals((PACKAGE / "evidence" / name).read_text(encoding="utf-8"))]
    assert not said, "sentences built in the evidence model:\n" + "\n".join(said)


def _statistics_prose(source: str) -> list[tuple[int, str]]:
    """:func:`_prose_literals` of a module of perfkit/stats, less what is not a sentence for a
    reader: property docs (``doc=``), reprs, regular expressions and X-13's spec files, and error
    messages ("found ...; expected ...", handed to the module's error helper before it raises, and
    what a series check names in its message)."""
    tree = ast.parse(source)
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "doc":
            skip.update(id(sub) for sub in ast.walk(node.value))
        if isinstance(node, ast.FunctionDef) and node.name == "__repr__":
            skip.update(id(sub) for sub in ast.walk(node))
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"):
            skip.update(id(sub) for arg in node.args for sub in ast.walk(arg))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.startswith("check_"):
            skip.update(id(sub) for arg in node.args for sub in ast.walk(arg))  # what an error would name
    lines = {getattr(n, "lineno", None) for n in ast.walk(tree) if id(n) in skip and isinstance(n, (ast.Constant, ast.JoinedStr))}
    return [(line, text) for line, text in _prose_literals(source)
            if line not in lines and not re.search(r"[:;] expected ", text)
            and not ("{" in text and "\n" in text) and "\\s" not in text]


def test_the_statistics_hold_no_sentences():
    """Sentences are built in one package (issue 21): the statistics return numbers, codes and
    values; a comparison's method, a dispersion's model, a seasonality test's verdict and source, a
    recording change's model, an XmR chart's method and every chart's words are made in
    perfkit.present (statements, control_charts, stat_charts)."""
    said = [f"{p.relative_to(PACKAGE.parent)}:{line}: {text!r}" for p in sorted((PACKAGE / "stats").rglob("*.py"))
            for line, text in _statistics_prose(p.read_text(encoding="utf-8"))]
    assert not said, "sentences built in perfkit/stats:\n" + "\n".join(said)


def test_the_statistics_sentence_check_finds_a_label():
    source = ("import re\n"
              "def f(x):\n"
              "    if x < 0:\n"
              "        _fail(f'x: found {x}; expected a count of zero or more')\n"
              "    re.search('Final automatic model choice', x)\n"
              "    return 'score test and score interval for two rates'\n")
    assert _statistics_prose(source) == [(6, "score test and score interval for two rates")]


def test_the_sentence_check_finds_a_sentence_but_not_an_error_message():
    source = ("LABEL = 'Outside the force districts here'\n"
              "def f(x: 'tuple[int, int | None]'):\n"
              "    '''A docstring of many words.'''\n"
              "    if x:\n"
              "        raise ValueError(f'x: found {x}; expected nothing at all')\n"
              "    return f'The figures end in {x}, before the quarter.'\n")
    assert _prose_literals(source) == [(6, "The figures end in {}, before the quarter.")]


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


# --- no import cycle between perfkit's modules (issue 23, item 7) ----------------------------------

def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict:
    """Every module of the package: dotted name -> file."""
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imported_modules(name: str, path: Path, modules: dict) -> set:
    """The perfkit modules ``path`` imports, at the top of the file or inside a function:
    ``from perfkit.a import b`` is module ``perfkit.a.b`` when there is one, else ``perfkit.a``.
    The package ``__init__`` a dotted import runs on the way is not counted: a package importing
    its own modules is not a cycle with them."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "perfkit":
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in modules else node.module)
    return found - {name}


def _cycles(graph: dict) -> list:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


#: Cycles known and not yet taken apart, with why: none. (perfkit.run <-> perfkit.run.national was
#: taken apart by perfkit.run.command, the command line that uses both; issue 23.)
KNOWN_CYCLES: set = set()


def test_no_import_cycle_between_perfkits_modules():
    modules = _modules()
    graph = {name: _imported_modules(name, path, modules) for name, path in modules.items()}
    assert graph["perfkit.evidence.analysis"] >= {"perfkit.evidence.shared"}  # the parse sees lazy imports
    assert "perfkit.evidence.analysis" not in graph["perfkit.evidence.shared"]  # the cycle of issue 23, undone
    cycles = {tuple(c) for c in _cycles(graph)}
    new = cycles - KNOWN_CYCLES
    assert not new, "import cycles (imports inside functions count): " + "; ".join(" <-> ".join(c) for c in sorted(new))
    assert cycles == KNOWN_CYCLES, f"no longer a cycle, take it out of KNOWN_CYCLES: {sorted(KNOWN_CYCLES - cycles)}"


def test_the_cycle_check_finds_a_cycle_made_of_lazy_imports(tmp_path):
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("def f():\n    from perfkit.evidence import shared\n")
    b.write_text("def g():\n    from perfkit.evidence.analysis import store_key\n")
    modules = {"perfkit.evidence.analysis": a, "perfkit.evidence.shared": b}
    graph = {name: _imported_modules(name, path, modules) for name, path in modules.items()}
    assert _cycles(graph) == [["perfkit.evidence.analysis", "perfkit.evidence.shared"]]


def test_the_register_comparator_and_publishing_loaders_are_configuration():
    from perfkit.config import comparators, publishing, register
    from perfkit.stats import caveats, compare, disclosure

    assert register.load_register.__module__ == "perfkit.config.register" and caveats.load_register is register.load_register
    assert compare.load_comparators is comparators.load_comparators and disclosure.load_rule is publishing.load_rule
    modules = _modules()
    for name, path in modules.items():
        if name.startswith(("perfkit.data", "perfkit.config")):
            stats = {m for m in _imported_modules(name, path, modules) if m.startswith("perfkit.stats")}
            assert not stats, f"{name} imports {sorted(stats)}: data and config read the register from perfkit.config"


def test_a_run_and_a_kernel_import_no_scipy_and_the_parent_no_pyplot():
    """What a run's process and a report kernel import before any statistic is computed: no
    scipy.stats (imported where a test is computed; a kernel reading the cached evidence never needs
    it), and the run's parent no pyplot (the charts import it when they draw)."""
    import subprocess
    import sys

    probe = ("import sys, importlib\n"
             "for name in sys.argv[1:]: importlib.import_module(name)\n"
             "print(sorted(m for m in ('scipy.stats', 'statsmodels', 'matplotlib.pyplot') if m in sys.modules))")
    parent = subprocess.run([sys.executable, "-c", probe, "perfkit.run", "perfkit.reports.site", "perfkit.reports.request",
                             "perfkit.evidence"], capture_output=True, text=True, timeout=120)
    assert parent.returncode == 0 and parent.stdout.strip() == "[]", parent.stdout + parent.stderr
    kernel = subprocess.run([sys.executable, "-c", probe, "perfkit.reports.report", "perfkit.reports.datapack",
                             "perfkit.reports.deepdive"], capture_output=True, text=True, timeout=120)
    assert kernel.returncode == 0 and kernel.stdout.strip() == "[]", kernel.stdout + kernel.stderr
