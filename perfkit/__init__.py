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

from perfkit.errors import ConfigError, DataError, PerfkitError
from perfkit.periods import Quarter, deep_dive_objective, latest_complete_quarter, parse_quarter

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
