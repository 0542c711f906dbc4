"""Every force at once: ``perfkit run --forces all|slug,slug --quarter Q`` on dask.distributed.

A national user (a regional or national policing body, or a Commissioner comparing forces) renders
every named force's pack for a quarter from one national store. Each force has its own parameters
folder, written by ``perfkit init <force>`` (``perfkit init all`` writes every territorial force's),
kept as ``<params>/<force>/``; each force's pack is published into ``<outputs>/<force>/<quarter>/``,
all or nothing per force, exactly as ``perfkit run --params <params>/<force>`` would publish it.

The work is a dask graph:

- ``shared`` (once for all forces, first): every territorial force's monthly counts of each
  measure, which the national picture and the comparator rates of every force read
  (:mod:`perfkit.evidence.shared`);
- per force, ``evidence``: the force's quarter evidence model, built once and cached on disk
  (:func:`perfkit.evidence.load`), which the force's report kernels then read;
- one task per report (objective reports, deep dive, data pack), each a Papermill execution and its
  export (:func:`perfkit.run._execute`), after the evidence, its files moved into the force's
  staging folder when all are written, then its result beside them (run again after its worker
  died, it takes the staged report instead of rendering it again);
- ``publish``: only when every report of the force rendered, a copy of the staged reports (a
  report whose staged files are missing rendered again) with the quarter index, board pack and
  manifest, checked against the files the run planned (:func:`perfkit.run.incomplete`) and
  switched into place in one rename, with the checks page (:func:`perfkit.run.finish`). It never
  consumes the staged reports, so when its worker dies dask runs it again elsewhere from the same
  reports, to the same bytes.

By default the graph runs on a :class:`distributed.LocalCluster` sized to the machine (one worker
process per core, one thread each); ``--scheduler ADDRESS`` sends it to a running cluster whose
workers (``dask worker ADDRESS --nthreads 1``) see the project, the store, the parameters and the
outputs at the same paths (a shared file system). Tasks are retried on another worker when theirs
dies (dask's own retries); a force whose reports fail, or whose publish cannot complete (a planned
file missing, or its workers killed more often than dask allows), is not published and is named at
the end, the others publish; the run's exit code is then 1. A force whose inputs (store files, parameters, notebooks) and published files are
unchanged since its last run is skipped. The national index ``<outputs>/index.html`` lists every
force's pack with a summary table across forces, read from each force's published data pack.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from perfkit import config
from perfkit.errors import ConfigError, PerfkitError

log = logging.getLogger("perfkit.run.national")

__all__ = ["ForceRun", "NationalResult", "force_runs", "run_national", "write_national_index"]

#: The measure whose figures the national index compares across forces.
SUMMARY_MEASURE = "all_crime"

_LOCATION_KEYS = ("PERFKIT_PARAMS", "PERFKIT_STORE", "PERFKIT_OUTPUTS", "PERFKIT_FAULT")
_ENV_LOCK = threading.Lock()


@dataclass(frozen=True)
class ForceRun:
    """One force's part of a national run: where its parameters, store and outputs are (absolute
    paths, the same on every worker) and the run's settings."""

    force: str
    params: str
    store: str
    outputs: str
    quarter: str
    start_timeout: int = 120
    cell_timeout: int = 900
    fault: str = ""  # PERFKIT_FAULT of the run's client (for tests only: perfkit.run.fault)

    @property
    def target(self) -> Path:
        return Path(self.outputs) / self.quarter

    @property
    def staging(self) -> Path:
        """The staged reports: each report task moves its finished files here; the publish task
        copies them, never moves them, so a retried publish finds them all again."""
        return Path(self.outputs) / f".staging-{self.quarter}-national"

    @property
    def work(self) -> Path:
        """The run's own work folder (executed notebooks; made ``_work/<quarter>/`` at the end)."""
        return Path(self.outputs) / "_work" / f".{self.quarter}-national"

    @property
    def kept_work(self) -> Path:
        """``_work/<quarter>/``: the published quarter's checks page, or a failed run's notebooks."""
        return Path(self.outputs) / "_work" / self.quarter


@dataclass
class NationalResult:
    """What a national run did, force by force."""

    quarter: str
    published: dict  # force -> published folder
    unchanged: list
    failed: dict  # force -> {report: error}
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


@contextmanager
def _located(run: ForceRun):
    """This process pointed at one force's parameters, store and outputs while a task runs.

    The locations are environment variables (read by :mod:`perfkit.config` and inherited by the
    kernels a task starts), so tasks of different forces in one worker process take turns.
    """
    with _ENV_LOCK:
        saved = {k: os.environ.get(k) for k in _LOCATION_KEYS}
        os.environ.update(PERFKIT_PARAMS=run.params, PERFKIT_STORE=run.store, PERFKIT_OUTPUTS=run.outputs)
        # The workers of a running cluster were started before the run, with their own
        # environment: the run's fault setting (tests only) travels with its tasks.
        if run.fault:
            os.environ["PERFKIT_FAULT"] = run.fault
        else:
            os.environ.pop("PERFKIT_FAULT", None)
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


# --- the tasks (run on the workers) --------------------------------------------------------------

def _shared_task(run: ForceRun, plans: list) -> dict:
    """What every force's evidence shares (:mod:`perfkit.evidence.shared`: every territorial force's
    monthly counts of each measure of ``plans``), computed once before any force's evidence.

    Computed under ``run``'s register (the first force's); forces whose registers list the same
    data faults read it, others compute their own when their evidence needs it. A failure here is
    not a force's failure: each force's evidence then computes what it needs, and names its error."""
    from perfkit.evidence import shared
    from perfkit.periods import parse_quarter

    started = time.perf_counter()
    try:
        with _located(run):
            frames = shared.prepare(plans, parse_quarter(run.quarter), run.store)
    except PerfkitError as exc:
        return {"seconds": time.perf_counter() - started, "frames": 0, "error": str(exc)}
    return {"seconds": time.perf_counter() - started, "frames": frames, "error": ""}


def _evidence_task(run: ForceRun, shared_frames: "dict | None" = None) -> dict:
    """Build (or load) the force's evidence model; its disk cache then serves the report kernels.

    A user's mistake (bad parameters or data, :class:`~perfkit.errors.PerfkitError`) is returned as
    the force's error, not raised: retrying cannot mend it, and its reports are then not run.
    ``shared_frames`` is the shared task's result (passed so the evidence waits for it)."""
    from perfkit import evidence
    from perfkit.config.plan import load_plan

    from perfkit import run as runner

    started = time.perf_counter()
    try:
        with _located(run):
            evidence.load(load_plan(), run.quarter, run.store)
            runner.fault("evidence", run.force, "built", run.work)
    except PerfkitError as exc:
        return {"seconds": time.perf_counter() - started, "error": str(exc)}
    return {"seconds": time.perf_counter() - started, "error": ""}


def _report_task(run: ForceRun, job, nav: tuple, evidence: dict) -> dict:
    """Execute one report of the force and export both editions (never raises: a failure is a status).

    Once its files are in staging, the report's result is written beside them
    (``.staging-.../.reports/<report>.json``): when dask runs the task again because the worker
    holding its result died, the staged report is taken as it is instead of rendered again.
    """
    from perfkit import run as runner

    if evidence["error"]:
        return {"name": job.name, "ok": False, "seconds": 0.0, "error": "not run (the force's evidence failed)",
                "force": run.force}
    done = run.staging / ".reports" / f"{job.name}.json"
    if done.is_file() and all((run.staging / name).is_file() for name in runner.staged_files(job)):
        return json.loads(done.read_text(encoding="utf-8"))
    with _located(run):
        result = runner._execute(job, str(run.work), str(run.staging), run.start_timeout, run.cell_timeout, nav)
        result["force"] = run.force
        if result["ok"]:
            done.parent.mkdir(exist_ok=True)
            partial = done.with_name(f".{done.name}-{os.getpid()}")
            partial.write_text(json.dumps(result), encoding="utf-8")
            os.replace(partial, done)  # written after the report's files are all in staging
            runner.fault("report", run.force, job.name, run.work)
    return result


def _publish_task(run: ForceRun, all_jobs: list, results: list, started: float, evidence: dict, nav: tuple) -> dict:
    """Publish the force's quarter when every report rendered (a failure is returned, not raised).

    Idempotent, wherever and however often it runs: it copies the staged reports into a new
    folder of its own (rendering again any report whose staged files are missing: staging lost
    with a worker's disk), writes the index pages, board pack and manifest there, checks the folder
    holds every file the run planned, and switches it into place in one rename
    (:func:`perfkit.run.finish`). A retry after its worker died starts again from the staged
    reports; the folder a dead attempt left is removed at the end of the run.
    """
    import uuid

    from perfkit import run as runner
    from perfkit.config.plan import load_plan
    from perfkit.config.quarter import load_quarter
    from perfkit.periods import parse_quarter

    if evidence["error"]:
        return {"force": run.force, "ok": False, "errors": {"evidence": evidence["error"]}}
    failed = {r["name"]: r["error"] for r in results if not r["ok"]}
    if failed:
        return {"force": run.force, "ok": False, "errors": failed}
    results = list(results)
    with _located(run):
        runner.fault("publish", run.force, "start", run.work)
        for job in all_jobs:
            if all((run.staging / name).is_file() for name in runner.staged_files(job)):
                continue
            redone = runner._execute(job, str(run.work), str(run.staging), run.start_timeout, run.cell_timeout, nav)
            if not redone["ok"]:
                return {"force": run.force, "ok": False, "errors": {job.name: redone["error"]}}
            results = [redone if r["name"] == job.name else r for r in results]
        build = Path(run.outputs) / f".publish-{run.quarter}-{uuid.uuid4().hex[:12]}"
        try:
            shutil.copytree(run.staging, build, ignore=shutil.ignore_patterns(".*"))  # not the report results
            runner.fault("publish", run.force, "copied", run.work)
            q = parse_quarter(run.quarter)
            target = runner.finish(build, Path(run.outputs), q, load_plan(), load_quarter(q), all_jobs, all_jobs,
                                   results, run.store, started, {"only": None, "deep_dive": None, "jobs": None},
                                   work=run.work)
        except PerfkitError as exc:  # incomplete (or a user's mistake in the index pages): not retried
            return {"force": run.force, "ok": False, "errors": {"publish": str(exc)}}
        finally:
            shutil.rmtree(build, ignore_errors=True)  # after the switch it holds the previous edition
    return {"force": run.force, "ok": True, "published": str(target)}


# --- planning (in the client) ----------------------------------------------------------------------

def force_runs(forces: str, quarter: str, params: "str | Path", store: "str | Path", outputs: "str | Path",
               **settings) -> list[ForceRun]:
    """The forces of ``--forces`` (``all``: every territorial force; or slugs separated by commas),
    each with its parameters folder ``<params>/<force>/``, checked.

    Raises
    ------
    ConfigError
        An unknown or non-territorial force, a missing parameters folder, or a Plan for another force.
    """
    from perfkit.config import forces as force_table
    from perfkit.config.plan import load_plan

    params, outputs = Path(params).expanduser().resolve(), Path(outputs).expanduser().resolve()
    store = Path(store).expanduser().resolve()
    if forces.strip() == "all":
        slugs = force_table.all_slugs(territorial_only=True)
    else:
        slugs = [s.strip() for s in forces.split(",") if s.strip()]
        if not slugs:
            raise ConfigError(f"--forces: found {forces!r}; expected 'all' or force slugs separated by commas")
    runs, missing = [], []
    for slug in dict.fromkeys(slugs):
        try:
            force = force_table._force(slug)
        except PerfkitError as exc:
            raise ConfigError(f"--forces: {exc}") from None
        if not force.territorial:
            raise ConfigError(f"--forces: found {slug!r}, which is not a territorial force of England and Wales")
        folder = params / force.slug
        if not (folder / "plan.yaml").is_file():
            missing.append(force.slug)
            continue
        plan = load_plan(folder / "plan.yaml")
        if plan.force != force.slug:
            raise ConfigError(f"{folder / 'plan.yaml'}: plan.force: found {plan.force!r}; expected {force.slug!r}, "
                              f"the force whose folder it is in")
        runs.append(ForceRun(force.slug, str(folder), str(store), str(outputs / force.slug), quarter, **settings))
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise ConfigError(f"{params}: no parameters folder for {shown}; expected <params>/<force>/plan.yaml for "
                          f"every force of --forces (write them with `perfkit init all --params {params} --store {store}`)")
    return runs


def _unchanged(run: ForceRun) -> bool:
    """True when the force's published quarter was made from exactly today's inputs and its files
    are as published (by the manifest's sha256), so rendering it again would change nothing."""
    from perfkit import run as runner

    manifest_path = run.target / "manifest.json"
    if not manifest_path.is_file():
        return False
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except ValueError:
        return False
    with _located(run):
        now = sorted((e["path"], e["sha256"]) for e in runner.input_files(run.store))
    if now != sorted((e["path"], e["sha256"]) for e in manifest.get("inputs", [])):
        return False
    for name, digest in manifest.get("outputs", {}).items():
        path = run.target / name
        if not path.is_file() or runner.sha256_file(path) != digest:
            return False
    return True


def _client(scheduler: "str | None", workers: "int | None"):
    """A dask client: on the cluster at ``scheduler``, or on a local cluster of one single-threaded
    worker process per core (``workers`` to choose)."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise PerfkitError(f"--scheduler {scheduler}: no dask scheduler answered ({type(exc).__name__}: {exc}); "
                               "expected the address a running `dask scheduler` prints, e.g. tcp://10.0.0.5:8786") from None
    cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.CRITICAL)
    return Client(cluster)


# --- the run ---------------------------------------------------------------------------------------

def run_national(forces: str, quarter: str, *, params: "str | Path", store: "str | Path",
                 outputs: "str | Path", scheduler: "str | None" = None, workers: "int | None" = None,
                 retries: int = 2, start_timeout: int = 120, cell_timeout: int = 900,
                 progress=print) -> NationalResult:
    """Render and publish every named force's pack for ``quarter`` (see the module docstring).

    Parameters
    ----------
    forces : str
        ``"all"`` or force slugs separated by commas.
    quarter : str
        A quarter id, or ``"auto"`` (the latest complete quarter in the store).
    params : path
        The folder holding one parameters folder per force (``<params>/<force>/plan.yaml``).
    store, outputs : path
        The national store; the outputs folder (each force's packs in ``<outputs>/<force>/``).
    scheduler : str, optional
        A running dask scheduler's address; default a local cluster.
    workers : int, optional
        Local cluster size (default one worker per core).
    retries : int, default 2
        Times a task is retried after an error in its worker (dask's ``retries``).
    progress : callable
        Called with one line of text per event (a report done, a force published).
    """
    from distributed import as_completed

    from perfkit import data, run as runner
    from perfkit.config.plan import load_plan
    from perfkit.config.quarter import load_quarter

    started = time.perf_counter()
    store = str(Path(store).expanduser().resolve())
    q = data.resolve_quarter(quarter, store)
    runs = force_runs(forces, q.id, params, store, outputs, start_timeout=start_timeout, cell_timeout=cell_timeout,
                      fault=os.environ.get(runner.FAULT_VARIABLE, ""))
    result = NationalResult(q.id, {}, [], {})
    todo = []
    for run in runs:
        if _unchanged(run):
            result.unchanged.append(run.force)
            progress(f"{run.force}: unchanged since its last run; skipped")
        else:
            todo.append(run)
    outputs = Path(outputs).expanduser().resolve()
    with ExitStack() as stack:
        client = stack.enter_context(_client(scheduler, workers)) if todo else None
        planned = []
        for run in todo:
            stack.enter_context(runner.quarter_lock(Path(run.outputs), q.id))
            runner._clean_stale(Path(run.outputs), q.id)  # what a killed run left
            run.staging.mkdir(parents=True)
            run.work.mkdir(parents=True)
            with _located(run):
                plan = load_plan()
                jobs = runner.plan_jobs(q, plan, load_quarter(q), store=store, downloads_dir=str(run.staging),
                                        params=run.params)
            planned.append((run, plan, jobs))
        futures, owner = _submit(client, planned, q, started, retries) if todo else ([], {})
        if todo:
            progress(f"rendering {sum(len(jobs) for _, _, jobs in planned)} report(s) of {len(todo)} force(s) for "
                     f"{q.id} on {'the cluster at ' + scheduler if scheduler else 'a local cluster'} "
                     f"({len(client.scheduler_info().get('workers', {}))} worker(s))")
        # Each future is let go once seen: a result lost with a worker afterwards is then not
        # computed again for nothing (and a report is never rendered again beside its publish).
        pending = as_completed(futures) if futures else ()
        futures.clear()
        done_reports: dict = {}
        for future in pending:
            force, name = owner[future.key]
            _collect(future, force, name, result, done_reports, planned, progress)
            del future
        for run, _, _ in planned:
            shutil.rmtree(run.staging, ignore_errors=True)
            for attempt in Path(run.outputs).glob(f".publish-{q.id}-*"):  # a publish whose worker died
                shutil.rmtree(attempt, ignore_errors=True)
            if run.force in result.failed:
                runner._keep_failed_work(run.work, run.kept_work)
            shutil.rmtree(run.work, ignore_errors=True)
    write_national_index(outputs, q, [r.force for r in runs], result)
    result.seconds = time.perf_counter() - started
    return result


def _submit(client, planned: list, q, started: float, retries: int) -> tuple[list, dict]:
    """Submit the run's tasks; returns the futures the run follows (shared, reports, publishes) and
    each one's (force, name)."""
    from perfkit import run as runner
    from perfkit.reports import site

    futures, owner = [], {}
    todo = [run for run, _, _ in planned]
    # computed once for every force: each territorial force's counts (national totals, comparator rates)
    common = client.submit(_shared_task, todo[0], [plan for _, plan, _ in planned], key=f"shared-{q.id}",
                           retries=retries, priority=2000)
    owner[common.key] = ("", "shared")
    futures.append(common)
    # Dask runs the ready task of highest priority first: every force's evidence, then the
    # forces' reports round by round in each force's longest-first order (the long objective
    # reports of every force before the short ones), publishing as soon as a force is complete,
    # so the run does not end with one worker on a long report while the other has none.
    for run, plan, jobs in planned:
        nav = tuple(site.quarter_nav(jobs))
        evidence = client.submit(_evidence_task, run, common, key=f"evidence-{run.force}-{q.id}", retries=retries,
                                 priority=1000)
        ordered = runner._longest_first(jobs, run.target)
        reports = [client.submit(_report_task, run, job, nav, evidence, key=f"report-{run.force}-{job.name}-{q.id}",
                                 retries=retries, priority=500 - rank)
                   for rank, job in enumerate(ordered)]
        publish = client.submit(_publish_task, run, jobs, reports, started, evidence, nav,
                                key=f"publish-{run.force}-{q.id}", retries=retries, priority=900)
        owner.update({f.key: (run.force, job.name) for f, job in zip(reports, ordered)})
        owner[publish.key] = (run.force, "publish")
        futures.extend([*reports, publish])
    return futures, owner


def _collect(future, force: str, name: str, result: NationalResult, done_reports: dict, planned: list,
             progress) -> None:
    """Take in one finished task: a report's state, a force published (checked against its plan,
    by the manifest's sha256) or failed."""
    from perfkit import run as runner

    if name == "shared":
        try:
            value = future.result()
        except Exception as exc:  # noqa: BLE001  each force's evidence then computes its own
            value = {"frames": 0, "seconds": 0.0, "error": f"{type(exc).__name__}: {exc}"}
        progress(f"shared: every force's counts for {value['frames']} measure(s) in {value['seconds']:.1f}s"
                 if not value["error"] else f"shared: not computed ({value['error']}); each force computes its own")
        return
    try:
        value = future.result()
    except Exception as exc:  # a task that kept failing (its worker killed more often than allowed)
        if name != "publish" or force not in result.failed:
            result.failed.setdefault(force, {})[name] = f"{type(exc).__name__}: {exc}"
            progress(f"{force}: {name} failed: {type(exc).__name__}: {exc}")
        return
    if name != "publish":
        done_reports[force] = done_reports.get(force, 0) + 1
        if value.get("error") == "not run (the force's evidence failed)":
            return
        state = "done" if value["ok"] else "FAILED"
        jobs = next(jobs for run, _, jobs in planned if run.force == force)
        progress(f"{force}: {name} {state} in {value['seconds']:.1f}s ({done_reports[force]}/{len(jobs)})")
        return
    if value["ok"]:
        run, jobs = next((run, jobs) for run, _, jobs in planned if run.force == force)
        with _located(run):  # the force's own parameters say which files it plans (board_pdf)
            problems = runner.incomplete(run.target, jobs, hashes=True)
        if problems:  # cannot happen when every worker runs this code; if it does, say so
            value = {"ok": False, "errors": {"publish": "the published quarter is incomplete: " + "; ".join(problems[:5])}}
    if value["ok"]:
        result.published[force] = Path(value["published"])
        progress(f"{force}: published {value['published']}/index.html")
    else:
        result.failed.setdefault(force, {}).update(value["errors"])
        progress(f"{force}: not published: {', '.join(value['errors'])} failed")


def write_national_index(outputs: Path, quarter, forces: list, result: "NationalResult | None" = None) -> Path:
    """``<outputs>/index.html``: every force's pack for the quarter with the summary table across
    forces, read from each force's published public data pack (the page computes nothing)."""
    import csv

    from perfkit.config.forces import name_for
    from perfkit.present.export import page, render

    from perfkit.present import words

    def number(text):
        return float(text) if text not in (None, "") else float("nan")

    rows, title = [], ""
    for force in forces:
        folder = outputs / force / quarter.id
        pack = folder / "data-pack.csv"
        row = {"name": name_for(force), "href": f"{force}/{quarter.id}/index.html",
               "published": (folder / "index.html").is_file(), "failed": bool(result and force in result.failed),
               "figures": None}
        if pack.is_file() and row["published"]:
            with pack.open(encoding="utf-8", newline="") as handle:
                found = next((r for r in csv.DictReader(handle) if r.get("measure_id") == SUMMARY_MEASURE), None)
            if found is not None:
                title = title or found["measure"]
                ratio = lambda key: 1 + number(found[key]) / 100  # noqa: E731
                row["figures"] = {
                    "period": found["rolling12_label"], "value": words.count(number(found["rolling12_value"])),
                    "change": words.change(ratio("rolling12_change_pct")),
                    "interval": words.interval(ratio("rolling12_change_low_pct"), ratio("rolling12_change_high_pct")),
                    "significant": words.significance(found["rolling12_significant"] or float("nan")),
                    "rate": words.resident_rate(number(found.get("rate"))),
                    "per": words.per_residents(number(found["rate_per"])) if found.get("rate_per") else "",
                }
        rows.append(row)
    body = render("national-index.html.j2", quarter=quarter, rows=rows, measure_title=title or SUMMARY_MEASURE,
                  published=sum(r["published"] for r in rows), failed=[r["name"] for r in rows if r["failed"]])
    path = outputs / "index.html"
    outputs.mkdir(parents=True, exist_ok=True)
    path.write_text(page(f"Police and Crime Plan performance packs: every force | {quarter.label}", body,
                         site_nav=[("All forces", "index.html")]), encoding="utf-8")
    return path
