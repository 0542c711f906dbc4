"""The run as an unattended job: a failing report, a killed run, a hung cell and the lock.

Whatever happens, ``outputs/<quarter>/`` and ``outputs/_work/<quarter>/checks.html`` stay those of
the last published run until a run publishes (issue 23).

Each run here renders a small Plan (a copy of ``params/`` keeping objective 1 with one
data.police.uk measure, through ``PERFKIT_PARAMS``): three reports (objective 1, the deep dive and
the data pack), so a run takes seconds rather than minutes. Failures are real: a narrative file
that is not UTF-8 makes the narrative cell of the objective's notebook raise in its kernel.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

QUARTER = "2016-17-Q2"
pytestmark = pytest.mark.slow


def _env(params: Path, **extra) -> dict:
    env = dict(os.environ, PERFKIT_PARAMS=str(params), PYTHONHASHSEED="0")
    env.update(extra)
    return env


def _run(params: Path, outputs: Path, *args, timeout: int = 900) -> subprocess.CompletedProcess:
    # One report at a time (one worker, one kernel): the reports' order does not matter here, and the
    # runs take less of the machine the other tests share (the killed run below renders two at once).
    return subprocess.run(
        [sys.executable, "-m", "perfkit", "run", "--quarter", QUARTER, "--outputs", str(outputs), "--jobs", "1", *args],
        capture_output=True, text=True, timeout=timeout, env=_env(params),
    )


def _tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its sha256."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def published_once(tmp_path_factory):
    """A folder holding ``params`` (the small Plan) and ``outputs`` with QUARTER published once."""
    from conftest import write_small_params

    root = tmp_path_factory.mktemp("published")
    params = write_small_params(root / "params", {1: "all_crime"})
    outputs = root / "outputs"
    log = root / "run.log"
    proc = _run(params, outputs, "--log", str(log))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"{QUARTER}/index.html" in proc.stdout
    # The kernels' noise stays out of the user's terminal; the log has the story and the exit code.
    assert "Kernel is running over TCP" not in proc.stderr
    text = log.read_text(encoding="utf-8")
    assert "objective-1: running" in text and "objective-1: done" in text and text.rstrip().endswith("exit 0")
    return root


@pytest.fixture
def published(published_once, tmp_path):
    """(params, outputs): a copy of the module's published quarter and its parameters, for one test
    to change (one run publishes it for every test of the file)."""
    import shutil

    params, outputs = tmp_path / "params", tmp_path / "outputs"
    shutil.copytree(published_once / "params", params, symlinks=True)
    shutil.copytree(published_once / "outputs", outputs, symlinks=True)
    return params, outputs


def test_a_failing_report_publishes_nothing_and_names_the_report_and_cell(published, tmp_path):
    params, outputs = published
    before = _tree(outputs / QUARTER)
    checks = (outputs / "_work" / QUARTER / "checks.html").read_bytes()
    narrative = params / "narrative" / QUARTER
    narrative.mkdir(parents=True, exist_ok=True)
    (narrative / "objective-1.md").write_bytes(b"The quarter in brief \xff\xfe not UTF-8.\n")
    log = tmp_path / "failed.log"

    proc = _run(params, outputs, "--log", str(log))

    assert proc.returncode == 1, proc.stderr[-3000:]
    message = proc.stderr
    assert "objective-1 failed: cell " in message, message
    assert "report.narrative()" in message and "ConfigError" in message and "not valid UTF-8" in message
    assert f"_work/{QUARTER}/objective-1.ipynb" in message or f"_work{os.sep}{QUARTER}" in message
    assert "nothing published" in message
    # The other reports ran to the end (a failure does not stop them).
    for other in ("deep-dive", "data-pack"):
        assert f"{other}: done" in message, message
    kept = outputs / "_work" / QUARTER / "objective-1.ipynb"
    assert kept.is_file() and "not valid UTF-8" in kept.read_text(encoding="utf-8")
    assert _tree(outputs / QUARTER) == before, "the published quarter changed"
    assert not list(outputs.glob(".staging-*")), "staging was left behind"
    # the checks page beside the kept notebooks still describes the published quarter
    assert (outputs / "_work" / QUARTER / "checks.html").read_bytes() == checks
    assert not list((outputs / "_work").glob(".*")), "the run's own work folder was left behind"
    assert "objective-1 failed: cell" in log.read_text(encoding="utf-8")
    assert log.read_text(encoding="utf-8").rstrip().endswith("exit 1")


def test_a_run_killed_part_way_leaves_the_published_quarter_and_the_next_run_succeeds(published, tmp_path):
    params, outputs = published
    before = _tree(outputs / QUARTER)
    work_before = _tree(outputs / "_work" / QUARTER)
    assert "checks.html" in work_before
    log = tmp_path / "killed.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "perfkit", "run", "--quarter", QUARTER, "--outputs", str(outputs), "--jobs", "2",
         "--log", str(log)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(params), start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and proc.poll() is None:
            if log.exists() and ": done" in log.read_text(encoding="utf-8"):
                break
            time.sleep(0.2)
        assert proc.poll() is None, "the run ended before it could be killed"
        assert list(outputs.glob(f".staging-{QUARTER}-*")), "expected a staging folder while rendering"
        assert list((outputs / "_work").glob(f".{QUARTER}-*/*.input.ipynb")), "expected the run's own work folder"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(30)

    assert _tree(outputs / QUARTER) == before, "a killed run changed the published quarter"
    assert _tree(outputs / "_work" / QUARTER) == work_before, "a killed run changed _work/<quarter>/"
    again = _run(params, outputs)
    assert again.returncode == 0, again.stderr[-3000:]
    assert not list(outputs.glob(".staging-*")), "the stale staging folder was not cleaned"
    assert not list((outputs / "_work").glob(".*")), "the killed run's work folder was not cleaned"
    assert set(_tree(outputs / "_work" / QUARTER)) == {"checks.html"}
    assert set(_tree(outputs / QUARTER)) == set(before)


def test_sigterm_stops_the_run_cleanly(small_params, tmp_path):
    """A scheduler stopping the job (SIGTERM): exit 130, no staging left, nothing published, and
    outputs/_work/<quarter>/ (a previous run's checks page) as it was."""
    params = small_params({1: "all_crime"})
    outputs = tmp_path / "outputs"
    work = outputs / "_work" / QUARTER
    work.mkdir(parents=True)
    (work / "checks.html").write_text("<p>the previous run's checks</p>", encoding="utf-8")
    work_before = _tree(work)
    log = tmp_path / "term.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "perfkit", "run", "--quarter", QUARTER, "--outputs", str(outputs), "--log", str(log)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(params), start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            if log.exists() and ": running" in log.read_text(encoding="utf-8"):
                break
            time.sleep(0.2)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert time.monotonic() - started < 30, "stopping took too long"
    assert "interrupted" in err
    assert not (outputs / QUARTER).exists()
    assert not list(outputs.glob(".staging-*"))
    assert _tree(work) == work_before and not list((outputs / "_work").glob(".*"))
    assert log.read_text(encoding="utf-8").rstrip().endswith("exit 130")


def test_a_second_run_of_the_same_quarter_is_refused_with_exit_3(small_params, tmp_path):
    params = small_params({1: "all_crime"})
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    with open(outputs / f".{QUARTER}.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a run in progress holds it
        proc = _run(params, outputs, timeout=300)
    assert proc.returncode == 3, proc.stderr
    assert f"another run of {QUARTER} is in progress" in proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert not (outputs / QUARTER).exists() and not list(outputs.glob(".staging-*"))


def test_a_hung_cell_is_stopped_by_the_cell_timeout(tmp_path, monkeypatch):
    """A real kernel runs a cell that never ends; --cell-timeout stops it and names the cell."""
    import nbformat

    from perfkit import run

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("import time\ntime.sleep(600)")]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    monkeypatch.setattr(run, "_load_notebook", lambda name: notebook)
    job = run.Job(name="objective-9", notebook="hangs.py", parameters={}, title="Hangs")
    work, staging = tmp_path / "work", tmp_path / "staging"
    work.mkdir()
    staging.mkdir()
    started = time.monotonic()
    result = run._execute(job, str(work), str(staging), 60, 3, ())
    assert time.monotonic() - started < 60
    assert not result["ok"]
    assert "cell 2 (import time)" in result["error"] and "--cell-timeout 3" in result["error"], result["error"]
    assert not list(staging.rglob("*.html"))
    kept = nbformat.read(work / "objective-9.ipynb", as_version=4)  # kept for debugging, as the run says
    assert kept.cells[0].execution_count == 1 and "time.sleep(600)" in kept.cells[1].source


def test_a_quarter_after_the_data_is_refused_in_one_line_and_nothing_is_published(tmp_path):
    """Issue 22: `perfkit run --quarter 2030-31-Q1` ends with one clear line, exit 2, no traceback,
    and no outputs folder."""
    import subprocess
    import sys

    outputs = tmp_path / "outputs"
    proc = subprocess.run([sys.executable, "-m", "perfkit", "run", "--quarter", "2030-31-Q1", "--outputs", str(outputs)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "starts after the data" in proc.stderr
    assert "September 2018" in proc.stderr
    assert not (outputs / "2030-31-Q1").exists()
