"""Reading the YAML files under ``params/`` with errors that name the file and the key.

Every configuration file (the Plan, the caveat register, the comparator forces, a quarter's
parameters) is read through :func:`load_yaml` and checked with a :class:`Node`, which carries
the file and the key path so that a message reads, for example::

    params/plan.yaml: objectives[2].measures[0].better: found 'up'; expected one of 'higher', 'lower', 'none'

Examples
--------
>>> node = Node({"title": "Burglary", "better": "lower"}, "plan.yaml", "measures[0]")
>>> node.str("title")
'Burglary'
>>> node.choice("better", ("higher", "lower", "none"))
'lower'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

from perfkit.errors import ConfigError

__all__ = ["load_yaml", "Node", "content_key"]

_MISSING = object()


def content_key(path: "Path | str") -> str:
    """The sha256 of a file's bytes ("" when it does not exist): the one key every cache of a
    configuration file uses, so an edited file is read again on the next call and an unchanged one
    is not (whatever its modification time says)."""
    import hashlib

    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except FileNotFoundError:
        return ""


def load_yaml(path: Path) -> Any:
    """Read a YAML file; a missing file or a syntax error becomes a :class:`ConfigError`."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: file not found")
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not valid UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}:{where}: not valid YAML ({problem})") from None


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Node:
    """A mapping read from YAML, with its file and key path for error messages."""

    def __init__(self, value: Any, file: "Path | str", key: str = ""):
        self.file = str(file)
        self.key = key
        if not isinstance(value, dict):
            self.fail(f"found {_describe(value)}; expected a mapping of keys to values")
        self.value: dict = value

    # --- error reporting --------------------------------------------------------------------
    def where(self, key: "str | None" = None) -> str:
        """``file: path.to.key`` for messages."""
        path = ".".join(p for p in (self.key, key) if p)
        return f"{self.file}: {path}" if path else self.file

    def fail(self, message: str, key: "str | None" = None) -> None:
        """Raise a :class:`ConfigError` located at ``key``."""
        raise ConfigError(f"{self.where(key)}: {message}")

    # --- typed access -----------------------------------------------------------------------
    def get(self, key: str, default: Any = _MISSING) -> Any:
        """The raw value; a missing required key is an error."""
        if key in self.value and self.value[key] is not None:
            return self.value[key]
        if default is _MISSING:
            self.fail("missing; this key is required", key)
        return default

    def str(self, key: str, default: Any = _MISSING) -> Any:
        """A non-empty string."""
        value = self.get(key, default)
        if value is default and default is not _MISSING:
            return value
        if not isinstance(value, str) or not value.strip():
            self.fail(f"found {_describe(value)}; expected non-empty text", key)
        return value.strip()

    def int(self, key: str, default: Any = _MISSING, minimum: "int | None" = None) -> Any:
        """An integer (booleans are refused), optionally at least ``minimum``."""
        value = self.get(key, default)
        if value is default and default is not _MISSING:
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"found {_describe(value)}; expected a whole number", key)
        if minimum is not None and value < minimum:
            self.fail(f"found {value}; expected a whole number of at least {minimum}", key)
        return value

    def bool(self, key: str, default: Any = _MISSING) -> Any:
        """``true`` or ``false``."""
        value = self.get(key, default)
        if not isinstance(value, bool):
            self.fail(f"found {_describe(value)}; expected true or false", key)
        return value

    def choice(self, key: str, options: Iterable[str], default: Any = _MISSING) -> Any:
        """One of a fixed set of strings."""
        options = tuple(options)
        value = self.get(key, default)
        if value not in options:
            listed = ", ".join(repr(o) for o in options)
            self.fail(f"found {_describe(value)}; expected one of {listed}", key)
        return value

    def list(self, key: str, default: Any = _MISSING) -> list:
        """A list (YAML sequence)."""
        value = self.get(key, default)
        if not isinstance(value, list):
            self.fail(f"found {_describe(value)}; expected a list", key)
        return value

    def str_list(self, key: str, default: Any = _MISSING) -> list[str]:
        """A list of non-empty strings."""
        items = self.list(key, default)
        for i, item in enumerate(items):
            if not isinstance(item, str) or not item.strip():
                self.fail(f"found {_describe(item)}; expected non-empty text", f"{key}[{i}]")
        return [item.strip() for item in items]

    def child(self, key: str, default: Any = _MISSING) -> "Node":
        """A nested mapping as a :class:`Node`."""
        value = self.get(key, default)
        return Node(value, self.file, ".".join(p for p in (self.key, key) if p))

    def children(self, key: str, default: Any = _MISSING) -> Iterator["Node"]:
        """Each mapping of a list of mappings, as a :class:`Node`."""
        prefix = ".".join(p for p in (self.key, key) if p)
        for i, item in enumerate(self.list(key, default)):
            yield Node(item, self.file, f"{prefix}[{i}]")

    def only(self, allowed: Iterable[str]) -> None:
        """Refuse keys outside ``allowed`` (catches typos such as ``titel``)."""
        allowed = set(allowed)
        for key in self.value:
            if key not in allowed:
                listed = ", ".join(sorted(allowed))
                self.fail(f"unknown key; expected one of {listed}", str(key))
