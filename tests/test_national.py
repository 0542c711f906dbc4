"""Every force at once (issue 14): ``perfkit run --forces`` on dask.distributed.

Two forces' packs (a small Plan each, so the run is quick) from one national store built from
the shipped data: on a local cluster; a rerun that skips the unchanged forces; a force that fails
named and not published while the others are. Then publishing whole (issue 23): a publish task
killed after its switch and run again, from staged reports one of which was lost; and on a real
cluster of ``dask scheduler`` and two ``dask worker`` machines started here, one machine killed
mid-run and worker processes ended inside a report and inside a publish (``PERFKIT_FAULT``),
giving packs byte-identical to the local run's; a force whose publish cannot complete, named,
with exit code 1 and its previous pack untouched.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow

FORCES = ("norfolk", "essex")
QUARTER = "2018-19-Q2"
BIN = Path(sys.executable).parent


def _small(folder: Path) -> None:
    """Keep objective 1 with all recorded crime only (three reports: objective 1, deep dive, data pack)."""
    plan = yaml.safe_load((folder / "plan.yaml").read_text(encoding="utf-8"))
    plan["objectives"] = [dict(o, outcomes=[{"title": o["outcomes"][0]["title"], "measures": ["all_crime"]}])
                          for o in plan["objectives"] if o["number"] == 1]
    plan["measures"] = [m for m in plan["measures"] if m["id"] == "all_crime"]
    plan["plan"]["deep_dive"]["rotation"] = [1]
    (folder / "plan.yaml").write_text(yaml.safe_dump(plan, sort_keys=False), encoding="utf-8")
    register = yaml.safe_load((folder / "caveats.yaml").read_text(encoding="utf-8"))
    for caveat in register["caveats"]:
        caveat["measures"] = [m for m in caveat.get("measures", []) if m == "all_crime"]
    register["caveats"] = [c for c in register["caveats"]
                           if c["measures"] or c.get("crime_types") or c.get("offences") or c.get("totals")
                           or c.get("within") or c.get("all_recorded_crime")]
    (folder / "caveats.yaml").write_text(yaml.safe_dump(register, sort_keys=False), encoding="utf-8")
    publishing = folder / "publishing.yaml"  # no Board paper PDF: the slowest step of a small run
    settings = (yaml.safe_load(publishing.read_text(encoding="utf-8")) or {}) if publishing.exists() else {}
    publishing.write_text(yaml.safe_dump(dict(settings, board_pdf=False), sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    from perfkit import config
    from perfkit.data.ingest import ingest_many
    from perfkit.data.scaffold import init_force

    root = tmp_path_factory.mktemp("national")
    shipped = config.shipped_dir()
    store = root / "store"
    ingest_many([("counts", [shipped / "counts-2015-2018.csv.gz"]), ("prc", [shipped / "recorded-crime-pfa.csv.gz"]),
                 ("population", [shipped / "population-pfa.csv"]),
                 ("workforce", [shipped / "workforce-officer-fte.csv"])], store, progress=False)
    for force in (*FORCES, "kent"):
        _small(init_force(force, root / "params" / force, store))
    return root


def _env(root: Path, fault: str = "") -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERFKIT_")}
    env["PERFKIT_CACHE"] = str(root / "cache")  # the same cache for both runs: the packs must not depend on it
    if fault:
        env["PERFKIT_FAULT"] = fault  # perfkit.run.fault: the process running these points ends there
    return env


def _run(root: Path, outputs: str, *extra, forces=",".join(FORCES), fault: str = "", **kwargs) -> subprocess.Popen:
    return subprocess.Popen([str(BIN / "perfkit"), "run", "--forces", forces, "--quarter", QUARTER,
                             "--params", str(root / "params"), "--store", str(root / "store"),
                             "--outputs", str(root / outputs), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(root, fault), **kwargs)


def _files(folder: Path) -> dict:
    import hashlib

    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "manifest.json"}


@pytest.fixture(scope="module")
def local(national):
    proc = _run(national, "local", "--jobs", "2")
    out, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err[-3000:]
    return national / "local", out


def test_a_local_cluster_publishes_every_force_and_a_national_index(local):
    outputs, out = local
    assert f"rendering 6 report(s) of 2 force(s) for {QUARTER} on a local cluster (2 worker(s))" in out
    # every force's counts computed once for both forces (one measure: one shared frame)
    assert "shared: every force's counts for 1 measure(s) in " in out
    assert len(list((outputs.parent / "cache" / "shared").glob("counts-*.pkl"))) == 1
    for force in FORCES:
        assert f"{force}: published" in out
        assert (outputs / force / QUARTER / "index.html").is_file()
        assert (outputs / force / QUARTER / "data-pack.csv").is_file()
    index = (outputs / "index.html").read_text(encoding="utf-8")
    for name in ("Norfolk Constabulary", "Essex Police"):
        assert name in index
    assert f'href="norfolk/{QUARTER}/index.html"' in index and "95% interval" in index
    from perfkit.present import a11y

    from conftest import require_browser

    require_browser("accessibility check of the national index")
    results = a11y.check_pages([outputs / "index.html"])
    assert all(not issues for issues in results.values()), a11y.format_issues(results)


def test_a_rerun_skips_the_forces_whose_inputs_and_packs_are_unchanged(local, national):
    outputs, _ = local
    before = {f: (outputs / f / QUARTER / "index.html").stat().st_mtime_ns for f in FORCES}
    proc = _run(national, "local")
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-3000:]
    for force in FORCES:
        assert f"{force}: unchanged since its last run; skipped" in out
    assert "0 force(s) published, 2 unchanged, 0 failed" in out
    assert before == {f: (outputs / f / QUARTER / "index.html").stat().st_mtime_ns for f in FORCES}


def test_a_failing_force_is_named_and_not_published_while_the_others_publish(local, national):
    kent = national / "params" / "kent" / "caveats.yaml"
    kent.write_text(kent.read_text(encoding="utf-8") + "\nnot a key: [\n", encoding="utf-8")
    proc = _run(national, "local", forces="norfolk,kent")
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 1, out + err
    assert "norfolk: unchanged" in out and "1 failed" in out
    assert "perfkit run: kent: " in err and "caveats.yaml" in err
    assert "not published (their previous packs are unchanged): kent" in err
    assert not (national / "local" / "kent" / QUARTER).exists()
    assert "Traceback" not in err


# --- a publish retried after its worker died -------------------------------------------------------

#: One attempt of norfolk's publish task, in a process of its own (as on a worker), from the staged
#: reports in <outputs>/norfolk/.staging-<quarter>-national/; prints the task's result.
PUBLISH_ATTEMPT = """
import json, os, sys, time
from perfkit.config.plan import load_plan
from perfkit.config.quarter import load_quarter
from perfkit.periods import parse_quarter
from perfkit.reports import site
from perfkit.run import national, plan_jobs

params, store, outputs, quarter = sys.argv[1:]
run = national.ForceRun("norfolk", params, store, outputs, quarter, fault=os.environ.get("PERFKIT_FAULT", ""))
with national._located(run):
    q = parse_quarter(quarter)
    jobs = plan_jobs(q, load_plan(), load_quarter(q), store=store, downloads_dir=str(run.staging), params=params)
results = [{"name": job.name, "ok": True, "seconds": 1.0} for job in jobs]
print(json.dumps(national._publish_task(run, jobs, results, time.perf_counter(), {"error": ""},
                                        tuple(site.quarter_nav(jobs)))))
"""


def test_a_publish_retried_after_its_worker_died_starts_again_from_the_staged_reports(local, national, tmp_path):
    """Norfolk's publish task, its deep dive's staged files lost (staging on a dead worker's own
    disk), renders the deep dive again and is killed once its pack is switched into place; run again
    (as dask does on another worker), it publishes the local run's pack, byte for byte."""
    from perfkit.config.plan import load_plan
    from perfkit.config.quarter import load_quarter
    from perfkit.periods import parse_quarter
    from perfkit.run import FAULT_EXIT, national as nat, plan_jobs, staged_files

    outputs = tmp_path / "norfolk"
    run = nat.ForceRun("norfolk", str(national / "params" / "norfolk"), str(national / "store"), str(outputs), QUARTER)
    with nat._located(run):
        q = parse_quarter(QUARTER)
        jobs = plan_jobs(q, load_plan(), load_quarter(q), store=run.store, downloads_dir=str(run.staging))
    staged = [name for job in jobs for name in staged_files(job)]
    # the reports as the report tasks staged them (the local run's published pages), but the deep dive
    for name in staged:
        if not name.removeprefix("board/").startswith("deep-dive"):
            (run.staging / name).parent.mkdir(parents=True, exist_ok=True)
            (run.staging / name).write_bytes((local[0] / "norfolk" / QUARTER / name).read_bytes())
    run.work.mkdir(parents=True)

    def attempt(fault=""):
        proc = subprocess.run([sys.executable, "-c", PUBLISH_ATTEMPT, run.params, run.store, str(outputs), QUARTER],
                              capture_output=True, text=True, env=_env(national, fault), timeout=600)
        return proc.returncode, proc.stdout, proc.stderr

    code, _, err = attempt("publish:norfolk:swapped")
    assert code == FAULT_EXIT, err[-3000:]
    assert all((run.staging / name).is_file() for name in staged), "the staged reports were used up"
    code, out, err = attempt()
    assert code == 0 and json.loads(out.strip().splitlines()[-1])["ok"], err[-3000:]
    ours, theirs = _files(run.target), _files(local[0] / "norfolk" / QUARTER)
    assert ours == theirs, sorted(set(ours.items()) ^ set(theirs.items()))[:5]
    assert (run.kept_work / "checks.html").is_file() and not run.work.exists()
    assert not list(outputs.glob(f".publish-{QUARTER}-*"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A real dask cluster started here: a ``dask scheduler`` and two ``dask worker`` machines, each
    a nanny with one single-threaded worker process. A worker process that dies (as
    :func:`perfkit.run.fault` makes one) is restarted by its nanny; a machine killed whole is not."""

    def __init__(self, root: Path, logs: Path):
        self.root, self.logs, self.started = root, logs, []
        self.address = f"tcp://127.0.0.1:{_free_port()}"

    def _start(self, *args, name: str, **env) -> subprocess.Popen:
        with open(self.logs / f"{name}.log", "w") as handle:
            self.started.append(subprocess.Popen([str(BIN / "dask"), *args], stdout=handle, stderr=subprocess.STDOUT,
                                                 start_new_session=True, env=dict(_env(self.root), **env)))
        return self.started[-1]

    def start(self) -> None:
        # Several workers die in one run here; dask gives up on a task (KilledWorker) once workers
        # died under it more than allowed-failures times (default 3), which would make a force
        # fail by chance of where its tasks waited. The tests that want that set it themselves.
        self._start("scheduler", "--host", "127.0.0.1", "--port", self.address.rsplit(":", 1)[1], "--no-dashboard",
                    name="scheduler", DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="10")
        self.machines = [self._start("worker", self.address, "--nthreads", "1", "--no-dashboard", "--name", f"w{i}",
                                     name=f"worker-{i}") for i in (1, 2)]
        self.wait_for(2)

    def wait_for(self, workers: int) -> None:
        from distributed import Client

        deadline = time.time() + 60
        while True:
            try:
                with Client(self.address, timeout="5s") as client:
                    client.wait_for_workers(workers, timeout=60)
                return
            except (OSError, TimeoutError):
                assert time.time() < deadline, (self.logs / "scheduler.log").read_text()
                time.sleep(0.5)

    def allowed_failures(self, count: int) -> None:
        from distributed import Client

        with Client(self.address, timeout="10s") as client:
            client.run_on_scheduler(lambda dask_scheduler: setattr(dask_scheduler, "allowed_failures", count))

    def removed(self) -> int:
        """Worker processes the scheduler has seen die so far."""
        return (self.logs / "scheduler.log").read_text(encoding="utf-8").count("Remove worker addr")

    def stop(self) -> None:
        for p in self.started:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=30)


@pytest.fixture(scope="module")
def cluster(national, tmp_path_factory):
    running = Cluster(national, tmp_path_factory.mktemp("cluster-logs"))
    try:
        running.start()
        yield running
    finally:
        running.stop()


def _outcome(proc: subprocess.Popen, kill=None) -> tuple[int, str, str]:
    """Wait for a national run; ``kill(line)`` is called with each line it prints."""
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if kill is not None:
            kill(line)
    err = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    return proc.wait(timeout=900), "".join(lines), err


def _each_force_whole_or_named(national: Path, outputs: str, code: int, out: str, err: str) -> set:
    """Every force either published, complete and byte-identical to the local run, or not published
    and named, with a non-zero exit; returns the forces published."""
    published = set()
    for force in FORCES:
        if f"{force}: published" in out:
            ours, theirs = _files(national / outputs / force / QUARTER), _files(national / "local" / force / QUARTER)
            assert ours == theirs, (force, sorted(set(ours.items()) ^ set(theirs.items()))[:5])
            published.add(force)
        else:
            assert code == 1 and "not published (their previous packs are unchanged): " in err, out + err
            assert force in err.rsplit("unchanged): ", 1)[1]
        leftovers = [p.name for p in (national / outputs / force).iterdir() if p.name.startswith(".")
                     and not p.name.endswith(".lock")]
        assert not leftovers and not list((national / outputs / force / "_work").glob(".*")), leftovers
    return published


def test_a_real_cluster_survives_workers_killed_at_several_points_and_gives_the_local_packs(local, national, cluster):
    """A machine lost mid-run (its worker and kernel killed), and worker processes ended inside
    essex's data pack (staged, not yet returned), essex's publish (the staged reports copied) and
    norfolk's publish (switched into place, not yet returned): each task runs again elsewhere, and
    every pack is complete and the local run's, byte for byte (the run of issue 23 said "3 force(s)
    published" with norfolk's incomplete)."""
    faults = "report:essex:data-pack,publish:essex:copied,publish:norfolk:swapped"
    proc = _run(national, "cluster", "--scheduler", cluster.address, fault=faults)
    killed = []

    def kill(line):
        if not killed and " done in " in line:
            os.killpg(cluster.machines[0].pid, signal.SIGKILL)  # a machine lost mid-run, its kernel with it
            killed.append(line)

    code, out, err = _outcome(proc, kill)
    assert code == 0, out + err[-3000:]
    assert killed and cluster.machines[0].wait(timeout=10) == -signal.SIGKILL
    assert f"on the cluster at {cluster.address} (2 worker(s))" in out
    assert "2 force(s) published, 0 unchanged, 0 failed" in out
    assert _each_force_whole_or_named(national, "cluster", code, out, err) == set(FORCES)
    assert cluster.removed() >= 4, "a fault did not fire"  # the machine, and one worker process per fault
    for force in FORCES:
        assert (national / "cluster" / force / "_work" / QUARTER / "checks.html").is_file()


def test_a_force_whose_publish_cannot_complete_is_named_and_keeps_its_previous_pack(local, national, cluster):
    """Essex's publish task killed before its switch, on a cluster that then gives the task up
    (KilledWorker): essex is named, the exit code is 1, and its previous pack is untouched."""
    essex = national / "cluster" / "essex" / QUARTER
    glossary = essex / "glossary.html"
    glossary.write_text(glossary.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # so the run renders it again
    before = _files(essex)
    checks = (national / "cluster" / "essex" / "_work" / QUARTER / "checks.html").read_bytes()
    cluster.allowed_failures(0)
    try:
        code, out, err = _outcome(_run(national, "cluster", "--scheduler", cluster.address, forces="essex",
                                       fault="publish:essex:verified"))
    finally:
        cluster.allowed_failures(10)
    assert code == 1, out + err
    assert "0 force(s) published, 0 unchanged, 1 failed" in out
    assert "perfkit run: essex: publish failed: KilledWorker" in err
    assert "not published (their previous packs are unchanged): essex" in err and "Traceback" not in err
    assert _files(essex) == before
    assert (national / "cluster" / "essex" / "_work" / QUARTER / "checks.html").read_bytes() == checks
    assert not [p for p in (national / "cluster" / "essex").iterdir() if p.name.startswith((".staging", ".publish"))]
