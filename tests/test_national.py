"""Every force at once (issue 14): ``perfkit run --forces`` on dask.distributed.

Three forces' packs (a small Plan each, so the run is quick) from one national store built from
the shipped data: on a local cluster; on a real cluster of ``dask scheduler`` and two ``dask
worker`` processes started here, one of which is killed mid-run, giving packs byte-identical to
the local run's; a rerun that skips the unchanged forces; a force that fails named and not
published while the others are.
"""

from __future__ import annotations

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

FORCES = ("norfolk", "suffolk", "essex")
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
                           if c["measures"] or c.get("crime_types") or c.get("all_recorded_crime")]
    (folder / "caveats.yaml").write_text(yaml.safe_dump(register, sort_keys=False), encoding="utf-8")


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


def _env(root: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERFKIT_")}
    env["PERFKIT_CACHE"] = str(root / "cache")  # the same cache for both runs: the packs must not depend on it
    return env


def _run(root: Path, outputs: str, *extra, forces=",".join(FORCES), **kwargs) -> subprocess.Popen:
    return subprocess.Popen([str(BIN / "perfkit"), "run", "--forces", forces, "--quarter", QUARTER,
                             "--params", str(root / "params"), "--store", str(root / "store"),
                             "--outputs", str(root / outputs), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(root), **kwargs)


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
    assert f"rendering 9 report(s) of 3 force(s) for {QUARTER} on a local cluster (2 worker(s))" in out
    # every force's counts computed once for the three forces (one measure: one shared frame)
    assert "shared: every force's counts for 1 measure(s) in " in out
    assert len(list((outputs.parent / "cache" / "shared").glob("counts-*.pkl"))) == 1
    for force in FORCES:
        assert f"{force}: published" in out
        assert (outputs / force / QUARTER / "index.html").is_file()
        assert (outputs / force / QUARTER / "data-pack.csv").is_file()
    index = (outputs / "index.html").read_text(encoding="utf-8")
    for name in ("Norfolk Constabulary", "Suffolk Constabulary", "Essex Police"):
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
    assert "0 force(s) published, 3 unchanged, 0 failed" in out
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_real_cluster_survives_a_killed_worker_and_gives_the_local_packs_byte_for_byte(local, national, tmp_path):
    from distributed import Client

    address = f"tcp://127.0.0.1:{_free_port()}"
    logs = tmp_path / "logs"
    logs.mkdir()
    started = []

    def start(*args, name):
        with open(logs / f"{name}.log", "w") as handle:
            started.append(subprocess.Popen([str(BIN / "dask"), *args], stdout=handle, stderr=subprocess.STDOUT,
                                            start_new_session=True, env=_env(national)))
        return started[-1]

    try:
        start("scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1], "--no-dashboard", name="scheduler")
        workers = [start("worker", address, "--nthreads", "1", "--no-dashboard", "--no-nanny", "--name", f"w{i}",
                         name=f"worker-{i}") for i in (1, 2)]
        deadline = time.time() + 60
        while True:
            try:
                with Client(address, timeout="5s") as client:
                    client.wait_for_workers(2, timeout=60)
                break
            except (OSError, TimeoutError):
                assert time.time() < deadline, (logs / "scheduler.log").read_text()
                time.sleep(0.5)
        proc = _run(national, "cluster", "--scheduler", address)
        lines, killed = [], False
        for line in proc.stdout:
            lines.append(line)
            if not killed and " done in " in line:
                os.killpg(workers[0].pid, signal.SIGKILL)  # a machine lost mid-run, its kernel with it
                killed = True
        err = proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
        assert proc.wait(timeout=900) == 0, "".join(lines) + err[-3000:]
        assert killed and workers[0].wait(timeout=10) == -signal.SIGKILL
        out = "".join(lines)
        assert f"on the cluster at {address} (2 worker(s))" in out and "3 force(s) published" in out
    finally:
        for p in started:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=30)
    for force in FORCES:
        ours, theirs = _files(national / "cluster" / force / QUARTER), _files(national / "local" / force / QUARTER)
        assert ours == theirs, sorted(set(ours.items()) ^ set(theirs.items()))[:5]
