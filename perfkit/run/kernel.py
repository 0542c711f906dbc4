"""One kernel per worker process, started ahead and reused from one report to the next.

A fresh kernel for every report costs about 2 s of CPU each time: starting the kernel, then
importing pandas, matplotlib, statsmodels and perfkit in it. A worker of ``perfkit run`` (or of a
national run) instead starts one kernel when it starts, imports what the reports need in it while
the parent is still preparing, and runs each of its reports in that kernel.

Before each report the kernel is reset to what a report can tell from a new kernel
(:func:`reset_in_kernel`): a new IPython session (user namespace emptied, execution count 1), the
worker's ``PERFKIT_*`` locations (a report's ``params`` argument sets them in its kernel), no open
figures, matplotlib's settings as after the imports, warnings shown again. Imported modules stay:
that is the saving. perfkit's own memoised results are keyed by the content of their inputs
(:mod:`perfkit.evidence`), so a report reads the same figures in a reused kernel as in a new one;
the published packs are byte-identical either way (tests/test_reproducible.py, test_national.py).

A kernel is discarded after any failure of its report (an error in a cell, a timeout, a kernel
that died) and a new one started for the next report. ``PERFKIT_FRESH_KERNELS=1`` starts a new
kernel for every report instead (the previous behaviour, to rule the reuse out when debugging).

What the kernel writes to its standard error goes to a file of its own; after each report the
part written during the report is appended to that report's ``stderr.txt`` in the work folder.
"""

from __future__ import annotations

import atexit
import os
import signal
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path

__all__ = ["Kernel", "current", "discard", "kill_now", "reused", "reset_in_kernel", "warm_in_kernel"]

#: Imported in a kernel when it starts (what every report needs).
WARM = "import perfkit.run.kernel as _perfkit_kernel; _perfkit_kernel.warm_in_kernel(); del _perfkit_kernel"


def _locations() -> dict:
    return {k: v for k, v in os.environ.items() if k.startswith("PERFKIT_")}


# --- in the kernel ----------------------------------------------------------------------------------

_RC: dict = {}


def warm_in_kernel() -> None:
    """Run in a new kernel: import what the reports need and note matplotlib's settings after."""
    import matplotlib
    import matplotlib.pyplot  # noqa: F401  the charts' (imported when a chart is drawn, not with perfkit)

    import perfkit.reports.datapack  # noqa: F401
    import perfkit.reports.deepdive  # noqa: F401
    import perfkit.reports.report  # noqa: F401

    _RC.clear()
    _RC.update(matplotlib.rcParams.copy())


def reset_in_kernel(locations: dict) -> None:
    """Run in a reused kernel before a report: the state a new kernel would give the report."""
    import sys

    import matplotlib
    import matplotlib.pyplot as plt
    from IPython import get_ipython

    plt.close("all")
    if _RC:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            matplotlib.rcParams.update(_RC)
    for key in [k for k in os.environ if k.startswith("PERFKIT_")]:
        if key not in locations:
            del os.environ[key]
    os.environ.update(locations)
    for module in list(sys.modules.values()):
        registry = getattr(module, "__warningregistry__", None)
        if isinstance(registry, dict):
            registry.clear()
    get_ipython().reset(new_session=True)


# --- in the worker ----------------------------------------------------------------------------------

class Kernel:
    """A started kernel that reports run in one after another (see the module docstring).

    An asynchronous kernel manager, as nbclient's own: its clients wait without blocking the event
    loop, so a cell's timeout (``--cell-timeout``) still fires while the kernel is busy. Its
    coroutines run through ``jupyter_core.utils.run_sync``, as nbclient runs them."""

    def __init__(self, cwd: str, start_timeout: int = 120):
        from jupyter_client import AsyncKernelManager
        from jupyter_core.utils import run_sync

        fd, name = tempfile.mkstemp(prefix="perfkit-kernel-", suffix=".stderr.txt")
        os.close(fd)
        self.stderr = Path(name)
        self.clients: list = []
        self._sync = run_sync
        kernel = self

        class _Manager(AsyncKernelManager):
            def client(self, **kwargs):  # every client made (nbclient makes one per report) is closed after it
                made = super().client(**kwargs)
                kernel.clients.append(made)
                return made

        self.km = _Manager(kernel_name="python3")
        with open(self.stderr, "ab", buffering=0) as handle:
            run_sync(self.km.start_kernel)(cwd=cwd, stderr=handle)
        try:
            self._run(WARM, start_timeout)
        except BaseException:
            self.shutdown()
            raise

    async def _run_async(self, code: str, timeout: float) -> dict:
        client = self.km.client()
        client.start_channels()
        await client.wait_for_ready(timeout=timeout)
        return await client.execute_interactive(code, store_history=False, timeout=timeout,
                                                output_hook=lambda msg: None)

    def _run(self, code: str, timeout: float) -> None:
        try:
            reply = self._sync(self._run_async)(code, timeout)
        finally:
            self.close_clients()
        content = reply["content"]
        if content.get("status") != "ok":
            raise RuntimeError(f"the kernel could not prepare: {content.get('ename')}: {content.get('evalue')}")

    def close_clients(self) -> None:
        for client in self.clients:
            try:
                client.stop_channels()
            except Exception:  # noqa: BLE001  a client of a dead kernel
                pass
        self.clients.clear()

    def reset(self, timeout: float = 60) -> None:
        """Ready the kernel for the next report (:func:`reset_in_kernel` with this worker's locations)."""
        self._run(f"import perfkit.run.kernel as _k; _k.reset_in_kernel({_locations()!r})", timeout)

    def alive(self) -> bool:
        try:
            return bool(self._sync(self.km.is_alive)())
        except Exception:  # noqa: BLE001
            return False

    def stderr_size(self) -> int:
        try:
            return self.stderr.stat().st_size
        except OSError:
            return 0

    def copy_stderr(self, since: int, path: Path) -> None:
        """Append what the kernel wrote to stderr after byte ``since`` to ``path``."""
        try:
            with open(self.stderr, "rb") as source:
                source.seek(since)
                text = source.read()
        except OSError:
            return
        if text:
            with open(path, "ab") as target:
                target.write(text)

    def shutdown(self) -> None:
        self.close_clients()
        try:
            self._sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001  already gone
            pass
        self.stderr.unlink(missing_ok=True)


@contextmanager
def reused(cwd: str, start_timeout: int, stderr_log: Path):
    """The kernel manager a report runs on (for Papermill's ``km``): this worker's kernel, reset;
    None when reuse is off or no kernel could be readied (Papermill then starts its own). After the
    report, what the kernel wrote to stderr meanwhile is appended to ``stderr_log``; a report that
    raised has its kernel discarded."""
    try:
        kernel = current(cwd, start_timeout)
        since = kernel.stderr_size() if kernel is not None else 0
        if kernel is not None:
            kernel.reset()
    except Exception:  # noqa: BLE001  no kernel to reuse
        discard()
        kernel = None
    if kernel is None:
        yield None
        return
    ok = False
    try:
        yield kernel.km
        ok = True
    finally:
        kernel.close_clients()
        kernel.copy_stderr(since, stderr_log)
        if not ok:
            discard()


_current: "Kernel | None" = None


def current(cwd: str, start_timeout: int = 120) -> "Kernel | None":
    """This worker's kernel, started if there is none (None when reuse is off)."""
    global _current
    if os.environ.get("PERFKIT_FRESH_KERNELS") == "1":
        return None
    if _current is not None and not _current.alive():
        discard()
    if _current is None:
        _current = Kernel(cwd, start_timeout)
    return _current


def kill_now() -> None:
    """Kill this worker's kernel at once, without waiting for it (the worker is being stopped).

    A kernel runs in a session of its own (jupyter_client starts it so), so stopping the run's
    processes does not reach it, and it would outlive its worker, holding the run's terminal open."""
    global _current
    kernel, _current = _current, None
    if kernel is None:
        return
    pid = getattr(getattr(kernel.km, "provisioner", None), "pid", None)
    if pid:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass  # already gone
    if getattr(kernel.km, "_created_context", False):  # its sockets, as shutdown_kernel would close them
        try:
            kernel.km.context.destroy(linger=0)
        except Exception:  # noqa: BLE001  the worker is ending either way
            pass
    kernel.stderr.unlink(missing_ok=True)


def discard() -> None:
    """Shut this worker's kernel down (after a failed report, and when the worker exits)."""
    global _current
    if _current is not None:
        kernel, _current = _current, None
        kernel.shutdown()


atexit.register(discard)
