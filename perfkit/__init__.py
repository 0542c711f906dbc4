"""perfkit: the logic behind the quarterly Police and Crime Plan performance reports.

Modules, one concern each:

- ``periods``: financial-year quarters, comparison windows, the deep-dive rotation
- ``plan``: the Police and Crime Plan (objectives, outcomes, measures) from ``params/plan.yaml``
- ``quarter``: per-quarter parameters and the analysts' narrative files
- ``data`` / ``ingest`` / ``store``: the Parquet store and the queries the reports run
- ``seasonal``: seasonality tests and seasonal adjustment (X-13ARIMA-SEATS, STL fallback)
- ``caveats``: the recording-change register and the size of recording effects
- ``spc``: statistical process control (XmR) charts as NHS "Making Data Count" defines them
- ``compare``: period comparisons with intervals; comparator forces
- ``narrative``: plain-English evidence statements
- ``charts``: the charts, in the Analysis Function palette, with alt text
- ``report``: one call per report section, used by the notebooks
- ``run``: executes and publishes a quarter
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
