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
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "project_root",
    "params_dir",
    "shipped_dir",
    "store_dir",
    "outputs_dir",
    "notebooks_dir",
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
    return Path(env).resolve() if env else project_root() / "data" / "store"


def outputs_dir() -> Path:
    """Folder the run publishes rendered quarters into."""
    env = os.environ.get("PERFKIT_OUTPUTS")
    return Path(env).resolve() if env else project_root() / "outputs"


def notebooks_dir() -> Path:
    """Folder of the jupytext percent-format notebooks."""
    return project_root() / "notebooks"
