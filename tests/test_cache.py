"""The one cache rule (perfkit.config.cache; issue 23, item 5): keyed by the inputs and the code that
computes them, one lock per entry, kept beside the store it describes, cleared by ``perfkit cache clear``."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from perfkit import cli, config
from perfkit.config import cache

ROOT = Path(__file__).resolve().parents[1]

#: Adjusts one series (STL, so no X-13 run) and prints how many adjustments were computed, not read.
_ADJUST = """
import numpy as np, pandas as pd
from perfkit.stats import seasonal
computed = []
real = seasonal._adjust
seasonal._adjust = lambda *a: computed.append(1) or real(*a)
idx = pd.period_range("2012-01", periods=60, freq="M")
y = pd.Series(100 + 10 * np.cos(np.arange(60) * np.pi / 6), index=idx, name="series")
seasonal.adjust(y, method="stl")
print(len(computed), len(list(seasonal.cache_dir().glob("*.pkl"))))
"""


def _adjust_with(code: Path, cache_folder: Path) -> tuple[int, int]:
    env = dict(os.environ, PYTHONPATH=str(code), PERFKIT_CACHE=str(cache_folder), PERFKIT_ROOT=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", _ADJUST], env=env, capture_output=True, text=True, timeout=300,
                          cwd=code)
    assert proc.returncode == 0, proc.stderr[-3000:]
    computed, files = proc.stdout.split()
    return int(computed), int(files)


@pytest.mark.slow
def test_changing_the_seasonal_code_invalidates_its_results(tmp_path):
    """A copy of the package: the same code reads its earlier result; a change to seasonal.py, or to a
    module it imports (periods), computes afresh; a change to a module it does not use keeps the result."""
    code = tmp_path / "code"
    shutil.copytree(ROOT / "perfkit", code / "perfkit", ignore=shutil.ignore_patterns("__pycache__"))
    folder = tmp_path / "cache"
    assert _adjust_with(code, folder) == (1, 1)  # computed and kept
    assert _adjust_with(code, folder) == (0, 1)  # another process, the same code: read

    def edit(module: str) -> None:
        path = code / "perfkit" / module
        path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")

    edit("stats/seasonal.py")
    assert _adjust_with(code, folder) == (1, 2)  # the seasonal code changed: computed again
    edit("periods.py")
    assert "perfkit.periods" in cache.modules_of("perfkit.stats.seasonal")
    assert _adjust_with(code, folder) == (1, 3)  # a module it imports changed
    edit("reports/site.py")
    assert "perfkit.reports.site" not in cache.modules_of("perfkit.stats.seasonal")
    assert _adjust_with(code, folder) == (0, 3)  # unrelated code: the result stands


def test_the_code_in_a_key_is_the_module_and_everything_it_imports():
    modules = cache.modules_of("perfkit.stats.seasonal")
    # caveats is imported inside a function of seasonal; params through caveats; cache by seasonal
    assert {"perfkit.stats.seasonal", "perfkit.stats.caveats", "perfkit.config.params", "perfkit.config.cache",
            "perfkit.periods", "perfkit.errors"} <= set(modules)
    assert not any(m.startswith(("perfkit.evidence", "perfkit.reports", "perfkit.run")) for m in modules)
    assert cache.code_digest("perfkit.stats.seasonal") != cache.code_digest()
    assert cache.CACHES["seasonal"].key("a") != cache.CACHES["evidence"].key("a")


def test_a_named_stores_cache_is_beside_it_never_in_the_clone(tmp_path, monkeypatch):
    monkeypatch.delenv("PERFKIT_CACHE", raising=False)
    monkeypatch.delenv("PERFKIT_STORE", raising=False)
    assert cache.root() == config.project_root() / "data" / "cache"  # the project's own store
    named = tmp_path / "national-store"
    assert cache.root(named) == tmp_path / "national-store.cache"
    monkeypatch.setenv("PERFKIT_STORE", str(named))
    assert cache.root() == tmp_path / "national-store.cache"
    from perfkit.evidence import cache_dir, shared
    from perfkit.stats import seasonal

    assert cache_dir(named) == tmp_path / "national-store.cache" / "evidence"
    assert shared.shared_dir(named) == tmp_path / "national-store.cache" / "shared"
    assert seasonal.cache_dir() == tmp_path / "national-store.cache" / "seasonal"
    monkeypatch.setenv("PERFKIT_CACHE", str(tmp_path / "elsewhere"))
    assert cache.root(named) == tmp_path / "elsewhere"


@dataclasses.dataclass(frozen=True)
class StandInModel:
    """What :func:`perfkit.evidence.load` needs of a model (the quarter's qualitative evidence is put
    beside it), picklable for the cache."""

    of: str
    qualitative: tuple = ()


def test_a_named_stores_evidence_and_counts_are_written_beside_it(tmp_path, monkeypatch):
    from perfkit import data, evidence
    from perfkit.config.plan import load_plan
    from perfkit.evidence import shared

    monkeypatch.delenv("PERFKIT_CACHE", raising=False)
    named = tmp_path / "store"
    shutil.copytree(data.ensure_store(), named)
    # Every file the cache writes during the test, seen where it is written: other test workers
    # write into the clone's data/cache at the same time, so a listing of that folder proves nothing.
    written, write = [], cache._write
    monkeypatch.setattr(cache, "_write", lambda path, value: (written.append(Path(path)), write(path, value)))
    monkeypatch.setattr(evidence._CACHE, "_values", {})
    monkeypatch.setattr(shared._CACHE, "_values", {})
    monkeypatch.setattr(evidence, "build", lambda *args, **kwargs: StandInModel(str(args[2])))
    model = evidence.load(load_plan(), "2016-17-Q2", store=named)
    assert model.of == str(named)
    measure = load_plan().measure("burglary")
    shared.force_counts(measure.crime_types, "2016-01", "2016-06", store=named)
    beside = tmp_path / "store.cache"
    assert len(list((beside / "evidence").glob("2016-17-Q2-*.pkl"))) == 1
    assert len(list((beside / "shared").glob("counts-*.pkl"))) == 1
    assert written and all(path.is_relative_to(beside) for path in written), written
    clone = config.project_root() / "data" / "cache"
    assert not any(path.is_relative_to(clone) for path in written)  # nothing into the clone for another store


def test_one_lock_per_entry_computes_a_value_once_for_callers_at_the_same_time(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFKIT_CACHE", str(tmp_path))
    store = cache.Cache("test")
    calls, results = [], []

    def slow():
        calls.append(1)
        time.sleep(0.3)
        return {"value": len(calls)}

    def ask(cache_of_its_own):
        results.append(cache_of_its_own.get("k", slow))

    # Two callers with memories of their own (as two processes): the second waits and reads the file.
    threads = [threading.Thread(target=ask, args=(cache.Cache("test"),)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [1] and results == [{"value": 1}, {"value": 1}]
    assert store.get("k", slow) == {"value": 1} and calls == [1]
    # A corrupt entry is computed again, never fatal.
    (tmp_path / "test" / "k.pkl").write_bytes(b"not a pickle")
    assert cache.Cache("test").get("k", slow) == {"value": 2}


def test_perfkit_cache_show_and_clear(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("PERFKIT_CACHE", raising=False)
    named = tmp_path / "store"
    monkeypatch.setenv("PERFKIT_STORE", str(named))  # --store sets it for the process: undone after the test
    for name in ("evidence", "shared", "seasonal"):
        (tmp_path / "store.cache" / name).mkdir(parents=True)
        (tmp_path / "store.cache" / name / "entry.pkl").write_bytes(b"x" * 10)
    assert cli.main(["cache", "show", "--store", str(named)]) == 0
    out = capsys.readouterr().out
    assert f"{tmp_path}/store.cache/evidence: 1 entry" in out and "store.cache/seasonal: 1 entry" in out
    assert cli.main(["cache", "clear", "seasonal", "--store", str(named)]) == 0
    assert "store.cache/seasonal: 1 entry removed" in capsys.readouterr().out
    assert not (tmp_path / "store.cache" / "seasonal").exists() and (tmp_path / "store.cache" / "evidence").exists()
    assert cli.main(["cache", "clear", "--store", str(named)]) == 0
    assert not list((tmp_path / "store.cache").rglob("*.pkl"))
    assert cli.main(["cache", "clear", "bogus", "--store", str(named)]) == 2
    assert "found 'bogus'; expected a cache among evidence, shared, seasonal" in capsys.readouterr().err


def test_a_stores_suspected_months_are_kept_by_the_one_cache_rule(tmp_path, monkeypatch):
    """The months that look like incomplete feeds go through perfkit.config.cache like every kept
    result (no pickle of its own beside the store): counted once, then read by the next process."""
    from perfkit import data

    monkeypatch.setenv("PERFKIT_CACHE", str(tmp_path))
    cache.CACHES["suspected"].forget()
    beside = set(data.ensure_store().glob(".suspected-*"))  # where it once kept a pickle of its own
    first = data.suspected_months()
    kept = list((tmp_path / "suspected").glob("*.pkl"))
    assert len(kept) == 1 and ("cambridgeshire", "2018-05") in {(f, str(m)) for f, m in zip(first["force"], first["month"])}
    assert set(data.ensure_store().glob(".suspected-*")) == beside
    cache.CACHES["suspected"].forget()
    assert data.suspected_months().equals(first) and list((tmp_path / "suspected").glob("*.pkl")) == kept
