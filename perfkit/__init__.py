"""perfkit: the logic behind the quarterly Police and Crime Plan performance reports.

Subpackages, by what they are (``docs/architecture.md`` draws them and what depends on what):

- ``config``: paths and settings; ``params`` (YAML loading), ``plan`` (the Police and Crime Plan),
  ``quarter`` (per-quarter parameters and narrative files), ``forces`` (force names and slugs)
- ``data``: the query API (``perfkit.data``) over the Parquet store; ``store``, ``ingest``,
  ``sources``, ``synth``, ``measures``
- ``stats``: ``spc``, ``compare``, ``seasonal``, ``caveats``, ``calibration``, ``disclosure``
- ``evidence``: the quarter's evidence model (``perfkit.evidence``) and ``analysis`` (one measure)
- ``present``: ``words``, ``narrative``, ``display``, ``charts``, ``section``, ``export``, ``a11y``
  and the templates
- ``reports``: ``report``, ``deepdive``, ``datapack``, ``site``

Top level: ``periods`` (quarters, windows, the month parser and monthly-series check every
module uses), ``run`` (executes and publishes a quarter), ``cli`` and ``errors``.
"""

import sys

# jsonschema (which nbformat, and so Papermill and the exporter, import) imports the optional package
# rfc3987_syntax when it is installed (JupyterLab's jupyter-events pulls it in), and that package
# builds an Earley parser of RFC 3987 as it is imported: 4-5 seconds of CPU in every process that
# reads a notebook, three per `perfkit run` and one per kernel-less test. It serves only the "iri"
# and "iri-reference" format checks, which no schema perfkit validates uses; without it jsonschema
# skips those two checks. Marking it absent here (before anything imports jsonschema) keeps
# the processes perfkit starts from paying for it; JupyterLab's own server is not affected.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from perfkit.errors import ConfigError, DataError, PerfkitError  # noqa: E402
from perfkit.periods import Quarter, deep_dive_objective, latest_complete_quarter, parse_quarter  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DataError",
    "PerfkitError",
    "Quarter",
    "deep_dive_objective",
    "latest_complete_quarter",
    "parse_quarter",
    "__version__",
]
