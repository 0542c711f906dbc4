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
    assert started.km.context.closed  # its sockets too (an unclosed context warned at garbage collection)


#: A worker that starts its kernel, prints the kernel's process id, and waits.
WORKER = ("import sys, time\nfrom perfkit.run import kernel\n"
          "k = kernel.current(sys.argv[1])\nprint(k.km.provisioner.pid, flush=True)\ntime.sleep(300)")

#: As a container's init (tini, systemd): a subreaper, which adopts the processes orphaned below it.
#: It starts the worker, kills it with SIGKILL, then waits up to 15 s for the kernel, now its child,
#: to end; prints "ended" or "outlived" (and kills it).
SUPERVISOR = """
import ctypes, os, signal, subprocess, sys, time
assert ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
worker = subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[2]], stdout=subprocess.PIPE, text=True)
pid = int(worker.stdout.readline())
os.kill(pid, 0)
worker.kill()
worker.wait()
deadline = time.time() + 15
while time.time() < deadline:
    if os.waitpid(pid, os.WNOHANG)[0] == pid:
        print("ended")
        sys.exit(0)
    time.sleep(0.2)
os.kill(pid, signal.SIGKILL)
os.waitpid(pid, 0)
print("outlived")
"""


def test_a_kernel_ends_when_its_worker_is_killed_outright(tmp_path):
    """A worker killed with SIGKILL runs no handler, and its kernel, in a session of its own, is
    not killed with it: the kernel ends by itself within seconds, also under a container's
    subreaper (ipykernel watches the parent jupyter_client names in JPY_PARENT_PID, and ends when
    the kernel's parent changes, as it does here to the subreaper, not to process 1)."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", SUPERVISOR, WORKER, str(tmp_path)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "ended", "the kernel outlived its worker killed with SIGKILL by 15 s"
