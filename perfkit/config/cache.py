"""The one cache rule: what perfkit computes once and keeps, where, under which key and lock.

Four things are worth keeping between runs: a quarter's evidence model (``evidence``), each
territorial force's monthly counts that every force's evidence shares (``shared``), the seasonal
adjustment of each series (``seasonal``), and the months of a store that look like incomplete
feeds (``suspected``, every force's months counted against their neighbours). Each is a
:class:`Cache`, and every cache follows the same rule:

- **Content-addressed.** An entry's key is a hash of everything its value is computed from: the
  caller's inputs (the store's files, the parameters, the series, the options) and the code that
  computes it (:func:`code_digest`: the source of the computing module and of every perfkit module
  it imports, directly or not, inside functions too). Change an input or the code, and the next
  call computes afresh; nothing is bumped by hand.
- **One lock per entry.** The first caller of a key computes it under an exclusive ``flock`` of
  that key's lock file; callers of the same key (another kernel, another worker) wait and read
  what it wrote; callers of other keys go on side by side. An entry is written to a temporary file
  and renamed, so a reader sees the whole value or none, and an unreadable entry is computed again.
- **Beside the store it describes.** The project's own store (``data/store``) keeps its cache in
  ``data/cache/``; a store named by ``--store`` or ``PERFKIT_STORE`` keeps it beside itself, in
  ``<store>.cache/`` (``/srv/perfkit/national-store.cache/``), never in the clone.
  ``PERFKIT_CACHE`` names another folder for every store (the tests give each run a cold one).

Each cache is a sub-folder of that root: ``evidence/``, ``shared/``, ``seasonal/``, ``suspected/``.
``perfkit cache clear [NAME...] [--store DIR]`` empties them (``perfkit cache show`` says where
they are and what they hold).

Examples
--------
>>> from pathlib import Path
>>> root(Path("/srv/perfkit/national-store"))
PosixPath('/srv/perfkit/national-store.cache')
>>> len(code_digest("perfkit.periods"))
64
"""

from __future__ import annotations

import argparse
import ast
import fcntl
import functools
import hashlib
import os
import pickle
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

from perfkit import config
from perfkit.errors import ConfigError

__all__ = ["Cache", "CACHES", "root", "code_digest", "modules_of", "clear", "main"]

_PACKAGE = Path(__file__).resolve().parents[1]


def root(store: "str | Path | None" = None) -> Path:
    """The cache folder of ``store`` (default: the store in use, :func:`perfkit.config.store_dir`):
    ``$PERFKIT_CACHE`` when set; ``<root>/data/cache`` for the project's own store; else
    ``<store>.cache`` beside the named store."""
    env = os.environ.get("PERFKIT_CACHE")
    if env:
        return Path(env).resolve()
    store = Path(store).resolve() if store else config.store_dir()
    if store == config.default_store_dir():
        return config.project_root() / "data" / "cache"
    return store.parent / f"{store.name}.cache"


def _module_file(name: str) -> "Path | None":
    parts = name.split(".")[1:]
    base = _PACKAGE.joinpath(*parts)
    for path in (base / "__init__.py", base.with_suffix(".py")):
        if path.is_file():
            return path
    return None


def _imports(path: Path) -> set[str]:
    """The perfkit modules ``path`` imports (at the top or inside a function), with the packages
    a dotted import runs on the way (``perfkit.stats.caveats`` runs ``perfkit/stats/__init__.py``)."""
    found: set[str] = set()
    package = ".".join(("perfkit",) + path.relative_to(_PACKAGE).with_suffix("").parts)
    if path.name == "__init__.py":
        package = package.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative: from the module's package
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{module}" if module else base
            names = [module] + [f"{module}.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] != "perfkit":
                continue
            for n in range(1, len(parts) + 1):
                if _module_file(".".join(parts[:n])):
                    found.add(".".join(parts[:n]))
    return found


@functools.lru_cache(maxsize=None)
def modules_of(*modules: str) -> tuple[str, ...]:
    """``modules`` and every perfkit module they import, directly or not (sorted)."""
    seen: set[str] = set()
    todo = list(modules)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = _module_file(name)
        if path is None:
            raise ValueError(f"code_digest: {name!r} is not a module of perfkit")
        seen.add(name)
        todo.extend(_imports(path) - seen)
    return tuple(sorted(seen))


@functools.lru_cache(maxsize=None)
def code_digest(*modules: str) -> str:
    """A sha256 of the source of ``modules`` and of every perfkit module they import (:func:`modules_of`);
    with no module, of every ``.py`` file of the package. Read once per process: code edited in a
    running kernel is not the code it runs, so the key is the code as imported."""
    if modules:
        paths = [_module_file(name) for name in modules_of(*modules)]
    else:
        paths = sorted(_PACKAGE.rglob("*.py"))
    h = hashlib.sha256()
    for path in paths:
        h.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


class Cache:
    """One kind of kept result: a memory layer over files in ``<root>/<name>/``.

    Parameters
    ----------
    name : str
        The sub-folder (``"evidence"``), also part of every key.
    modules : tuple of str
        The modules that compute its values (their code, and what they import, is in every key);
        empty: the whole package.
    memory : int or None
        How many values are kept in memory (the oldest dropped first); None: all.
    """

    def __init__(self, name: str, modules: tuple = (), memory: "int | None" = None):
        self.name, self.modules, self.memory = name, tuple(modules), memory
        self._values: dict = {}

    def __repr__(self) -> str:
        code = ", ".join(self.modules) or "the whole package"
        return f"Cache({self.name!r}: code of {code}; {len(self._values)} in memory)"

    def folder(self, store: "str | Path | None" = None) -> Path:
        """Where this cache's files are for ``store`` (:func:`root`)."""
        return root(store) / self.name

    def key(self, *parts: "str | bytes") -> str:
        """The key of a value computed from ``parts`` (the content of its inputs) by this cache's code."""
        h = hashlib.sha256(self.name.encode() + b"\0" + code_digest(*self.modules).encode())
        for part in parts:
            h.update(b"\0" + (part if isinstance(part, bytes) else str(part).encode("utf-8")))
        return h.hexdigest()[:40]

    def get(self, key: str, compute: Callable[[], Any], *, store: "str | Path | None" = None,
            prefix: str = "") -> Any:
        """The value of ``key``: from memory, else from its file, else ``compute()`` (written for
        the next caller). Under the key's lock, so a value is computed once however many callers
        want it at the same time. A folder that cannot be written (a read-only checkout) only
        means no file is kept."""
        if key in self._values:
            return self._values[key]
        name = f"{prefix}{key}"
        folder = self.folder(store)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            lock = open(folder / f".{name}.lock", "w")
        except OSError:
            return self._remember(key, compute())
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            value = _read(folder / f"{name}.pkl")
            if value is _MISSING:
                value = compute()
                _write(folder / f"{name}.pkl", value)
        return self._remember(key, value)

    def _remember(self, key: str, value: Any) -> Any:
        while self.memory is not None and len(self._values) >= max(self.memory, 1):
            self._values.pop(next(iter(self._values)))
        self._values[key] = value
        return value

    def forget(self) -> None:
        """Drop the values kept in memory (the files stay)."""
        self._values.clear()

    def clear(self, store: "str | Path | None" = None) -> int:
        """Remove this cache's files for ``store`` and what is in memory; returns the files removed.
        Safe while a run is going: it computes again what it needs."""
        self.forget()
        folder = self.folder(store)
        count = sum(1 for p in folder.glob("*.pkl")) if folder.is_dir() else 0
        shutil.rmtree(folder, ignore_errors=True)
        return count


_MISSING = object()


def _read(path: Path) -> Any:
    if not path.is_file():
        return _MISSING
    try:
        return pickle.loads(path.read_bytes())
    except Exception:  # cut short, or written by other code: computed again  # noqa: BLE001
        return _MISSING


def _write(path: Path, value: Any) -> None:
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)  # readers see the whole value or none
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError:
        pass  # no room or no right to write: the value is still returned


#: The caches, by name. The evidence model and the shared counts read nearly every module, so their
#: keys hold the whole package's code; a seasonal adjustment, only its module's and what it imports.
CACHES: dict[str, Cache] = {
    "evidence": Cache("evidence", memory=4),
    "shared": Cache("shared", memory=64),
    "seasonal": Cache("seasonal", modules=("perfkit.stats.seasonal",)),
    "suspected": Cache("suspected", modules=("perfkit.data",), memory=8),
}


def clear(store: "str | Path | None" = None, names=None) -> dict:
    """Empty the caches ``names`` (default all) of ``store``; returns name -> files removed."""
    return {name: CACHES[name].clear(store) for name in (names or CACHES)}


def main(argv: "list[str] | None" = None) -> int:
    """``perfkit cache show|clear [NAME...] [--store DIR]``."""
    parser = argparse.ArgumentParser(
        prog="perfkit cache", description="Show or empty what perfkit keeps between runs: the evidence models, the "
        "shared counts and the seasonal adjustments of a store (kept beside it; data/cache for the project's own).",
        epilog="Clearing is never needed for correctness (every entry is keyed by its inputs and the code); it frees "
        "space, and is safe while a run is going (the run computes again what it needs).")
    parser.add_argument("action", choices=["show", "clear"], help="show: where the caches are and what they hold; "
                        "clear: remove their files")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"the caches ({', '.join(CACHES)}); default all")
    config.add_location_options(parser, params=False)
    args = parser.parse_args(argv)
    config.use_locations(store=args.store)
    unknown = [n for n in args.names if n not in CACHES]
    if unknown:
        raise ConfigError(f"found {', '.join(map(repr, unknown))}; expected a cache among "
                          f"{', '.join(CACHES)}")
    names = args.names or list(CACHES)
    if args.action == "clear":
        removed = clear(None, names)
        for name in names:
            print(f"{CACHES[name].folder()}: {removed[name]} entr{'y' if removed[name] == 1 else 'ies'} removed")
        return 0
    for name in names:
        folder = CACHES[name].folder()
        files = list(folder.glob("*.pkl")) if folder.is_dir() else []
        size = sum(p.stat().st_size for p in files)
        print(f"{folder}: {len(files)} entr{'y' if len(files) == 1 else 'ies'}, {size / 1e6:.1f} MB")
    return 0
