"""Errors meant for people.

A :class:`PerfkitError` is raised for anything a user can fix: a bad input file, an unknown
quarter, an invalid parameter file. Its message names the file, the row or key, what was found
and what was expected. The command line prints the message alone (no traceback) and exits
non-zero; notebooks show it as an ordinary exception.
"""

from __future__ import annotations

__all__ = ["PerfkitError", "ConfigError", "DataError", "MissingDataError", "naming"]


class PerfkitError(Exception):
    """A problem the user can fix; the message says what and where.

    Parameters
    ----------
    message : str
        Plain-English description: the file (and line, column or key), what was found,
        what was expected.
    exit_code : int, default 2
        The exit status the command line uses for this error.
    """

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


class ConfigError(PerfkitError):
    """A YAML file under ``params/`` (or a parameter) is missing, malformed or invalid."""


class DataError(PerfkitError):
    """An input data file is malformed, inconsistent or missing."""


class MissingDataError(DataError):
    """The store holds none of a kind of data (no file of that kind has been ingested).

    A measure whose source is missing shows "no figures" with this reason instead of failing the run.

    Parameters
    ----------
    message : str
        As for :class:`PerfkitError`.
    kind : str
        The ``perfkit ingest`` kind that would supply it (``collisions``, ``prc``...).
    """

    def __init__(self, message: str, kind: str = ""):
        super().__init__(message)
        self.kind = kind


def naming(where: str, exc: PerfkitError) -> PerfkitError:
    """The same error, its message prefixed with where it arose (a report, a measure).

    >>> str(naming("measure burglary", DataError("store: no rows")))
    'measure burglary: store: no rows'
    """
    named = PerfkitError.__new__(type(exc))
    PerfkitError.__init__(named, f"{where}: {exc}", exc.exit_code)
    named.__dict__.update({k: v for k, v in exc.__dict__.items() if k != "exit_code"})
    return named
