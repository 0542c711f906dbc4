"""Where things are: the one place the project's paths are set.

Every path can be overridden by an environment variable so that tests, the scheduled run and an
analyst's own checkout can point at different folders without editing code.

========================  ==========================  ===================================
path                      default                     override
========================  ==========================  ===================================
project root              the checkout                ``PERFKIT_ROOT``
parameters (YAML)         ``<root>/params``           ``PERFKIT_PARAMS``
shipped default data      ``<root>/data/shipped``     (none: it is part of the release)
data store (Parquet)      ``<root>/data/store``       ``PERFKIT_STORE``
rendered outputs          ``<root>/outputs``          ``PERFKIT_OUTPUTS``
notebooks                 ``<root>/notebooks``        (none)
========================  ==========================  ===================================

Every command takes ``--params DIR`` and ``--store DIR``, which mean exactly the same as the
environment variables (:func:`add_location_options`, :func:`use_locations`). Only the project's own
``data/store`` is built from the shipped data; a store named by ``--store`` or ``PERFKIT_STORE``
holds what was ingested into it and nothing else.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from perfkit.errors import ConfigError

__all__ = [
    "project_root",
    "params_dir",
    "shipped_dir",
    "store_dir",
    "outputs_dir",
    "notebooks_dir",
    "default_store_dir",
    "add_location_options",
    "use_locations",
]


def project_root() -> Path:
    """The checkout's root folder (the one holding ``pyproject.toml``)."""
    env = os.environ.get("PERFKIT_ROOT")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[2]


def params_dir() -> Path:
    """Folder of the YAML configuration (plan, caveats, comparators, quarters, narrative)."""
    env = os.environ.get("PERFKIT_PARAMS")
    return Path(env).resolve() if env else project_root() / "params"


def shipped_dir() -> Path:
    """Folder of the small real dataset shipped with the project (built by ``data/build_shipped.py``)."""
    return project_root() / "data" / "shipped"


def store_dir() -> Path:
    """Folder of the Parquet data store the reports query."""
    env = os.environ.get("PERFKIT_STORE")
    return Path(env).resolve() if env else default_store_dir()


def default_store_dir() -> Path:
    """The project's own store, ``<root>/data/store``: the only one built from ``data/shipped``."""
    return project_root() / "data" / "store"


def outputs_dir() -> Path:
    """Folder the run publishes rendered quarters into."""
    env = os.environ.get("PERFKIT_OUTPUTS")
    return Path(env).resolve() if env else project_root() / "outputs"


def notebooks_dir() -> Path:
    """Folder of the jupytext percent-format notebooks."""
    return project_root() / "notebooks"


def add_location_options(parser: argparse.ArgumentParser, *, params: bool = True, store: bool = True) -> None:
    """Add ``--params DIR`` and ``--store DIR`` to a command's parser (read by :func:`use_locations`)."""
    if params:
        parser.add_argument("--params", metavar="DIR",
                            help="parameters folder (plan, register, quarters, narrative); default params/, or $PERFKIT_PARAMS")
    if store:
        parser.add_argument("--store", metavar="DIR", help="data store folder; default data/store, or $PERFKIT_STORE")


def use_locations(params: "str | Path | None" = None, store: "str | Path | None" = None) -> None:
    """Point this process, and the kernels it starts, at a parameters folder and a store.

    The same as setting ``PERFKIT_PARAMS`` and ``PERFKIT_STORE``; empty values leave them as they
    are. A parameters folder must exist and hold ``plan.yaml``.

    Raises
    ------
    ConfigError
        When ``params`` is not a parameters folder.
    """
    if params:
        folder = Path(params).expanduser().resolve()
        if not (folder / "plan.yaml").is_file():
            found = "no such folder" if not folder.is_dir() else "a folder without plan.yaml"
            raise ConfigError(f"{params}: found {found}; expected a parameters folder holding plan.yaml "
                              "(make one with `perfkit init <force>`)")
        os.environ["PERFKIT_PARAMS"] = str(folder)
    if store:
        os.environ["PERFKIT_STORE"] = str(Path(store).expanduser().resolve())
