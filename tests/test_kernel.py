"""A worker's kernel is reused from report to report (issue 14: the one-force run at its floor):
each report sees what a new kernel would show it, and a failed report's kernel is replaced."""

from __future__ import annotations

import json

import nbformat
import pytest

from perfkit import run
from perfkit.run import kernel

pytestmark = pytest.mark.slow

PROBE = ("import os, json\n"
         "print(json.dumps({'pid': os.getpid(), 'left_over': 'secret' in dir(), "
         "'params': os.environ.get('PERFKIT_PARAMS', ''), 'cwd': os.getcwd()}))")


def _notebook(*sources):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def _report(tmp_path, monkeypatch, name, *sources):
    monkeypatch.setattr(run, "_load_notebook", lambda _: _notebook(*sources))
    job = run.Job(name=name, notebook="probe.py", parameters={}, title=name)
    work, staging = tmp_path / "work", tmp_path / "staging"
    work.mkdir(exist_ok=True)
    staging.mkdir(exist_ok=True)
    result = run._execute(job, str(work), str(staging), 60, 60, ())
    executed = nbformat.read(work / f"{name}.ipynb", as_version=4)
    return result, executed


def _probe(executed) -> dict:
    return json.loads(executed.cells[-1].outputs[0]["text"])


@pytest.fixture
def fresh(monkeypatch):
    monkeypatch.delenv("PERFKIT_FRESH_KERNELS", raising=False)
    kernel.discard()
    yield
    kernel.discard()


def test_the_next_report_runs_in_the_same_kernel_as_if_it_were_new(tmp_path, monkeypatch, fresh):
    monkeypatch.setenv("PERFKIT_PARAMS", str(tmp_path / "params-a"))
    first, nb1 = _report(tmp_path, monkeypatch, "objective-1",
                         "secret = 42\nimport os\nos.environ['PERFKIT_PARAMS'] = '/elsewhere'", PROBE)
    second, nb2 = _report(tmp_path, monkeypatch, "objective-2", PROBE)
    assert first["ok"] and second["ok"], (first, second)
    one, two = _probe(nb1), _probe(nb2)
    assert one["pid"] == two["pid"]  # reused: no new kernel, no imports paid again
    assert one["left_over"] and not two["left_over"]  # the first report's names are gone
    assert two["params"] == str(tmp_path / "params-a")  # the worker's locations, not the first report's
    assert one["cwd"] == two["cwd"]
    assert [c.execution_count for c in nb2.cells] == [1]  # a new session: counts start at 1 again
    assert [c.execution_count for c in nb1.cells] == [1, 2]


def test_a_failed_report_gets_its_kernel_replaced(tmp_path, monkeypatch, fresh):
    _, before = _report(tmp_path, monkeypatch, "objective-1", PROBE)
    failed, _ = _report(tmp_path, monkeypatch, "objective-2", "raise ValueError('broken on purpose')")
    assert not failed["ok"] and "broken on purpose" in failed["error"]
    _, after = _report(tmp_path, monkeypatch, "objective-3", PROBE)
    assert _probe(before)["pid"] != _probe(after)["pid"]


def test_fresh_kernels_on_request(tmp_path, monkeypatch, fresh):
    monkeypatch.setenv("PERFKIT_FRESH_KERNELS", "1")
    _, one = _report(tmp_path, monkeypatch, "objective-1", PROBE)
    _, two = _report(tmp_path, monkeypatch, "objective-2", PROBE)
    assert _probe(one)["pid"] != _probe(two)["pid"]


def test_a_stopped_worker_kills_its_kernel(tmp_path, monkeypatch, fresh):
    """kernel.kill_now (a worker's SIGTERM handler): the kernel, in a session of its own, is killed
    at once rather than left running after its worker (it held a stopped run's output open)."""
    started = kernel.current(str(tmp_path))
    process = started.km.provisioner.process
    assert process.poll() is None
    kernel.kill_now()
    assert process.wait(timeout=10) == -9
    assert kernel._current is None and not started.stderr.exists()
