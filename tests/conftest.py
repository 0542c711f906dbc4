"""Shared test fixtures.

``shared_data`` is the folder of real public data: ``$PERFKIT_TEST_DATA``, by default
``../shared/data`` beside the checkout; CI has it. Tests that need it skip with a message naming
the variable and the folder looked for when it is absent, except in CI (``CI=true``), where its
absence is a failure.

``require_browser`` stops the browser checks (accessibility, layout) when Chromium or axe-core is
missing: a failure naming ``bash .ci/install-browser``, or a skip with ``PERFKIT_SKIP_BROWSER=1``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: The environment variable naming the folder of real public data, and its default.
TEST_DATA_VARIABLE = "PERFKIT_TEST_DATA"
DEFAULT_SHARED_DATA = ROOT.parent / "shared" / "data"


def shared_data_dir() -> Path:
    """The folder of real public data: ``$PERFKIT_TEST_DATA`` when set, else ``../shared/data``."""
    env = os.environ.get(TEST_DATA_VARIABLE)
    return Path(env).expanduser().resolve() if env else DEFAULT_SHARED_DATA


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of the real public data for tests (``$PERFKIT_TEST_DATA``, default ``../shared/data``)."""
    folder = shared_data_dir()
    if not folder.is_dir():
        source = f"from {TEST_DATA_VARIABLE}" if os.environ.get(TEST_DATA_VARIABLE) else "the default"
        if os.environ.get("CI") == "true":
            pytest.fail(f"no real public data folder at {folder} ({source}); CI must have it: set "
                        f"{TEST_DATA_VARIABLE} to the folder holding it (default: {DEFAULT_SHARED_DATA})", pytrace=False)
        pytest.skip(f"no real public data folder at {folder} ({source}); set {TEST_DATA_VARIABLE} to the "
                    f"folder holding it (default: {DEFAULT_SHARED_DATA}) to run this test")
    return folder


#: Set to 1 to skip the browser checks on a machine that cannot have Chromium or axe-core.
SKIP_BROWSER_VARIABLE = "PERFKIT_SKIP_BROWSER"


def require_browser(check: str = "accessibility check") -> None:
    """Stop a test that needs Chromium and axe-core (perfkit.present.a11y) when either is missing.

    The test fails, naming what is missing and the command that installs it (``bash
    .ci/install-browser``; ``make test`` runs it when they are missing). With ``PERFKIT_SKIP_BROWSER=1``
    it skips instead, saying the check was not run; in CI (``CI=true``) it always fails.
    """
    from perfkit.present import a11y

    ok, reason = a11y.browser_available()
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the {check}, but {reason}", pytrace=False)
    if os.environ.get(SKIP_BROWSER_VARIABLE) == "1":
        pytest.skip(f"the {check} was not run ({SKIP_BROWSER_VARIABLE}=1): {reason}")
    pytest.fail(f"the {check} cannot run: {reason}; or set {SKIP_BROWSER_VARIABLE}=1 to skip it "
                f"(the pages are then not checked)", pytrace=False)


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The checkout's root folder."""
    return ROOT


# --- the order the workers take the test files in (``make test``) ------------------------------------

#: The files that take longest, longest first (measured with ``pytest --durations=0``), and the
#: first of them renders the shared quarter. ``make test`` gives each pytest-xdist worker a whole file
#: at a time in this order (``--dist loadfile --no-loadscope-reorder``): the long files start at
#: once, one worker rendering the quarter while the others run files that do not need it, and the
#: many short files fill in at the end, so no worker waits long for the others at the end. A file
#: not listed keeps its place after these.
LONGEST_FIRST = (
    "test_evidence.py",          # renders the shared quarter (tests/conftest.py:render_once)
    "test_any_force.py",         # the guide's Norfolk pack: ingest, init and a full Plan's run
    "test_national.py",          # national runs on a local and a real dask cluster
    "test_layout.py",            # one browser pass over every page of the shared quarter
    "test_reproducible.py",      # a small run verified twice
    "test_run_failsafe.py",
    "test_shift_calibration.py",  # placebo dates of every force
    "test_notebooks.py",
)


def pytest_collection_modifyitems(config, items):
    """Order the collected tests by :data:`LONGEST_FIRST`, keeping the order within each file."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(Path(str(item.fspath)).name, len(rank)))


# --- rendering a quarter (tests/test_run.py, tests/test_reproducible.py) ---------------------------

#: The latest complete quarter of the shipped data (what `make report` renders), with the
#: incomplete May 2018 feed in its rolling 12 months: the quarter the end-to-end tests render.
DEFAULT_QUARTER = "2018-19-Q2"
RENDERED_QUARTER = DEFAULT_QUARTER  # one full render per test run (each takes about 45 s of both cores)


def render_once(tmp_path_factory, name: str, quarter: str) -> Path:
    """Render ``quarter`` with the shipped Plan into an outputs folder shared by the whole test run.

    Under pytest-xdist (``make test`` runs three workers) every worker asks for the same folder: the
    first to take the lock renders, the others wait and reuse it, so a quarter is rendered once per
    run however many workers need it. A failed render is retried by the next worker that asks.
    """
    import fcntl
    import subprocess
    import sys

    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    outputs = root / f"shared-{name}"
    done = root / f"shared-{name}.done"
    with open(root / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            if outputs.exists():
                import shutil

                shutil.rmtree(outputs)
            outputs.mkdir()
            proc = subprocess.run(
                [sys.executable, "-m", "perfkit", "run", "--quarter", quarter, "--outputs", str(outputs), "--jobs", "2"],
                capture_output=True, text=True, timeout=1800,
            )
            assert proc.returncode == 0, proc.stderr[-3000:]
            assert f"{quarter}/index.html" in proc.stdout
            done.write_text(proc.stdout, encoding="utf-8")
    return outputs


@pytest.fixture(scope="session")
def rendered_quarter(tmp_path_factory) -> Path:
    """An outputs folder holding RENDERED_QUARTER published by ``perfkit run`` (the full Plan).

    Rendered once per test run (about 45 seconds on two cores) and shared by every test that reads
    a published quarter; tests must not modify it. The same folder as :func:`rendered_default`.
    """
    return render_once(tmp_path_factory, "outputs-default", DEFAULT_QUARTER)


def write_small_params(dest: Path, objectives=None) -> Path:
    """Write into ``dest`` a copy of ``params/`` whose Plan keeps a few objectives with one
    data.police.uk measure each (a run then renders few, fast reports); returns ``dest``.

    ``objectives={1: "all_crime"}`` (the default) keeps objective 1 with the measure ``all_crime`` only.
    """
    import shutil

    import yaml

    objectives = objectives or {1: "all_crime"}
    shutil.copytree(ROOT / "params", dest)
    plan = yaml.safe_load((dest / "plan.yaml").read_text(encoding="utf-8"))
    kept = []
    for objective in plan["objectives"]:
        if objective["number"] in objectives:
            measure = objectives[objective["number"]]
            objective["outcomes"] = [{"title": objective["outcomes"][0]["title"], "measures": [measure]}]
            kept.append(objective)
    plan["objectives"] = kept
    plan["measures"] = [m for m in plan["measures"] if m["id"] in set(objectives.values())]
    plan["plan"]["deep_dive"]["rotation"] = sorted(objectives)
    (dest / "plan.yaml").write_text(yaml.safe_dump(plan, sort_keys=False), encoding="utf-8")
    # The caveat register may only name measures of the Plan: keep the kept ones (every caveat
    # still applies through its crime types).
    register = yaml.safe_load((dest / "caveats.yaml").read_text(encoding="utf-8"))
    for caveat in register["caveats"]:
        caveat["measures"] = [m for m in caveat.get("measures", []) if m in set(objectives.values())]
    register["caveats"] = [c for c in register["caveats"]
                           if c["measures"] or c.get("crime_types") or c.get("offences") or c.get("totals")
                           or c.get("within") or c.get("all_recorded_crime")]
    (dest / "caveats.yaml").write_text(yaml.safe_dump(register, sort_keys=False), encoding="utf-8")
    # The requests register may only name measures of the Plan: a small Plan has no requests.
    (dest / "requests.yaml").unlink(missing_ok=True)
    # The Board paper's PDF is the slowest step of a small run and these runs test other things
    # (the full quarter rendered once per session has it; tests/test_requests.py reads it).
    publishing = yaml.safe_load((dest / "publishing.yaml").read_text(encoding="utf-8")) or {}
    publishing["board_pdf"] = False
    (dest / "publishing.yaml").write_text(yaml.safe_dump(publishing, sort_keys=False), encoding="utf-8")
    # The qualitative evidence may only name objectives of the Plan: keep the kept ones' items.
    for path in (dest / "narrative").glob("*/qualitative.yaml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        doc["items"] = [i for i in doc.get("items") or [] if i.get("objective") in objectives]
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return dest


@pytest.fixture
def small_params(tmp_path):
    """A function writing a small copy of ``params/`` (:func:`write_small_params`) into the test's
    folder; returns the folder. ``small_params({1: "all_crime"})`` keeps objective 1 with
    ``all_crime`` only."""

    def make(objectives=None, name: str = "params") -> Path:
        return write_small_params(tmp_path / name, objectives)

    return make


@pytest.fixture(scope="session")
def rendered_default(tmp_path_factory) -> Path:
    """An outputs folder holding DEFAULT_QUARTER published by ``perfkit run`` (rendered once per run)."""
    return render_once(tmp_path_factory, "outputs-default", DEFAULT_QUARTER)
