"""Reporting periods: UK financial-year quarters and the windows reports compare.

Police forces and Police and Crime Commissioners report by financial year, April to March.
"2015/16 Q1" is April-June 2015, Q3 is October-December 2015 and Q4 is January-March 2016.
The canonical, filename-safe id of a quarter is ``2015-16-Q1``.

Months are :class:`pandas.Period` objects with monthly frequency, so that month arithmetic is
exact and a month is never confused with a date inside it.

Examples
--------
>>> q = parse_quarter("2015/16 Q3")
>>> q.id, q.label
('2015-16-Q3', '2015/16 Q3')
>>> [str(m) for m in q.months]
['2015-10', '2015-11', '2015-12']
>>> q.same_quarter_last_year().id
'2014-15-Q3'
>>> str(q.rolling_12_months().start), str(q.rolling_12_months().end)
('2015-01', '2015-12')
>>> str(q.year_to_date().start), str(q.year_to_date().end)
('2015-04', '2015-12')
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from perfkit.errors import ConfigError

__all__ = [
    "Quarter",
    "Window",
    "parse_quarter",
    "parse_month",
    "check_monthly",
    "month_range",
    "latest_complete_quarter",
    "quarters_between",
    "deep_dive_objective",
    "ACCEPTED_FORMS",
]

ACCEPTED_FORMS = "'2015-16-Q1' (canonical), '2015-16 Q1' or '2015/16 Q1'"

_MONTH_NAMES = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]

# Accepts "2015-16-Q1", "2015-16 Q1", "2015/16 Q1", "2015/16 q1" (any case, any one separator
# between year and quarter); the two-digit second year must follow the first.
_QUARTER_RE = re.compile(r"^\s*(\d{4})\s*[-/]\s*(\d{2})\s*(?:-|\s+)\s*Q([1-4])\s*$", re.IGNORECASE)
_MONTH_RE = re.compile(r"^\s*(\d{4})-(\d{2})\s*$")


def parse_month(value, where: str = "month", *, what: "str | None" = None, error: type = ConfigError) -> pd.Period:
    """The month ``value`` names, as a monthly :class:`pandas.Period`: the one month parser of perfkit.

    Accepts ``YYYY-MM`` text (surrounding spaces ignored), a :class:`pandas.Period` of any
    frequency (its month), or a date or timestamp (the month it falls in). Anything else, such as
    ``"May"`` (which pandas would read as a year), ``"2015-13"`` or ``"2015-04-01"``, is refused.

    ``where`` names the value in the error (a file and key, or an argument); ``what`` is its older
    name. ``error`` is the exception class raised (a :class:`~perfkit.errors.ConfigError` unless
    the caller has its own).

    Raises
    ------
    ConfigError
        (or ``error``) ``"<where>: found '<value>'; expected a month written YYYY-MM ..."``.

    Examples
    --------
    >>> parse_month("2014-01")
    Period('2014-01', 'M')
    >>> parse_month(pd.Timestamp("2015-04-30"))
    Period('2015-04', 'M')
    """
    where = what or where
    if isinstance(value, pd.Period):
        return value.asfreq("M")
    if isinstance(value, (pd.Timestamp, _dt.date, np.datetime64)) and not pd.isna(value):
        return pd.Timestamp(value).to_period("M")
    match = _MONTH_RE.match(value) if isinstance(value, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise error(f"{where}: found {value!r}; expected a month written YYYY-MM (e.g. 2015-04) or a pandas Period")
    return pd.Period(f"{match.group(1)}-{match.group(2)}", freq="M")


def check_monthly(series, where: str = "series", *, error: type = ConfigError, fill: bool = True,
                  numeric: bool = True) -> pd.Series:
    """A series checked as monthly, the one check of perfkit: one value per month, in order.

    The index must be a monthly :class:`pandas.PeriodIndex`, a :class:`pandas.DatetimeIndex`
    (each date becomes its month) or months written ``YYYY-MM`` (read by :func:`parse_month`).
    A month given twice is an error naming the months. Values become floats (``numeric``; an
    error if some are not numbers, ``None``/NaN stay missing). The result is sorted by month and,
    with ``fill``, complete from its first to its last month, a month absent becoming NaN. The
    name of the series and of its index are kept.

    Raises
    ------
    ConfigError
        (or ``error``) naming ``where``, what was found and what was expected.

    Examples
    --------
    >>> s = pd.Series([3, 1], index=pd.PeriodIndex(["2015-03", "2015-01"], freq="M"))
    >>> check_monthly(s).to_dict()
    {Period('2015-01', 'M'): 1.0, Period('2015-02', 'M'): nan, Period('2015-03', 'M'): 3.0}
    """
    if not isinstance(series, pd.Series):
        raise error(f"{where}: found {type(series).__name__}; expected a pandas Series indexed by month "
                    "(a monthly PeriodIndex, e.g. pd.period_range('2015-04', periods=36, freq='M'))")
    index = series.index
    if isinstance(index, pd.DatetimeIndex):
        index = index.to_period("M")
    elif not isinstance(index, pd.PeriodIndex) and all(isinstance(v, str) for v in index):  # also: no months
        index = pd.PeriodIndex([parse_month(v, f"{where} index", error=error) for v in index], freq="M")
    if not isinstance(index, pd.PeriodIndex) or (len(index) and index.freqstr not in ("M", "ME")):
        found = f"PeriodIndex of frequency {index.freqstr}" if isinstance(index, pd.PeriodIndex) else type(index).__name__
        raise error(f"{where}: found an index of type {found}; expected a monthly PeriodIndex "
                    "(e.g. pd.period_range('2015-04', periods=36, freq='M'))")
    index = pd.PeriodIndex(index, freq="M", name=series.index.name)
    if index.has_duplicates:
        twice = sorted({str(p) for p in index[index.duplicated()]})
        raise error(f"{where}: month(s) {', '.join(twice)} appear more than once; expected one value per month")
    values = series.to_numpy()
    if numeric:
        try:
            values = pd.to_numeric(pd.Series(values), errors="raise").to_numpy(dtype=float)
        except (TypeError, ValueError):
            raise error(f"{where}: found values that are not numbers; expected numbers (NaN for a missing month)") from None
    out = pd.Series(values, index=index, name=series.name).sort_index()
    if fill and len(out):
        out = out.reindex(pd.period_range(out.index[0], out.index[-1], freq="M", name=series.index.name))
    return out


def month_range(start: pd.Period, end: pd.Period) -> list[pd.Period]:
    """Every month from ``start`` to ``end`` inclusive (empty if ``end`` is before ``start``)."""
    if end < start:
        return []
    return list(pd.period_range(start, end, freq="M"))


@dataclass(frozen=True)
class Window:
    """A run of whole months, ``start`` to ``end`` inclusive, with a label for reports.

    Examples
    --------
    >>> w = Window(pd.Period("2015-04", "M"), pd.Period("2015-06", "M"), "2015/16 Q1")
    >>> len(w), w.describe()
    (3, 'April to June 2015')
    """

    start: pd.Period
    end: pd.Period
    label: str = ""

    @property
    def months(self) -> list[pd.Period]:
        """The months of the window, in order."""
        return month_range(self.start, self.end)

    def __len__(self) -> int:
        return len(self.months)

    def __contains__(self, month: object) -> bool:
        return isinstance(month, pd.Period) and self.start <= month.asfreq("M") <= self.end

    def describe(self) -> str:
        """The window in words: ``'April to June 2015'``, ``'January 2015 to December 2015'``."""
        s, e = self.start, self.end
        if s == e:
            return f"{_MONTH_NAMES[s.month - 1]} {s.year}"
        if s.year == e.year and len(self) <= 12 and not (s.month == 1 and e.month == 12):
            return f"{_MONTH_NAMES[s.month - 1]} to {_MONTH_NAMES[e.month - 1]} {e.year}"
        return f"{_MONTH_NAMES[s.month - 1]} {s.year} to {_MONTH_NAMES[e.month - 1]} {e.year}"

    def shifted(self, months: int) -> "Window":
        """The same window moved by a whole number of months (negative: earlier)."""
        return Window(self.start + months, self.end + months, self.label)


@dataclass(frozen=True, order=True)
class Quarter:
    """A financial-year quarter.

    Parameters
    ----------
    fy_start : int
        Calendar year in which the financial year starts (2015 for 2015/16).
    number : int
        Quarter of the financial year, 1 (April-June) to 4 (January-March).
    """

    fy_start: int
    number: int

    def __post_init__(self) -> None:
        if self.number not in (1, 2, 3, 4):
            raise ConfigError(f"quarter number: found {self.number!r}; expected 1, 2, 3 or 4")

    # --- names -------------------------------------------------------------------------------
    @property
    def fy_label(self) -> str:
        """The financial year, ``'2015/16'``."""
        return f"{self.fy_start}/{(self.fy_start + 1) % 100:02d}"

    @property
    def id(self) -> str:
        """Canonical, filename-safe id, ``'2015-16-Q1'``."""
        return f"{self.fy_start}-{(self.fy_start + 1) % 100:02d}-Q{self.number}"

    @property
    def label(self) -> str:
        """Short label, ``'2015/16 Q1'``."""
        return f"{self.fy_label} Q{self.number}"

    @property
    def long_label(self) -> str:
        """Label for headings, ``'2015/16 Quarter 1 (April to June 2015)'``."""
        return f"{self.fy_label} Quarter {self.number} ({self.window().describe()})"

    def __str__(self) -> str:
        return self.id

    # --- months ------------------------------------------------------------------------------
    @property
    def start(self) -> pd.Period:
        """First month of the quarter."""
        return pd.Period(f"{self.fy_start}-04", freq="M") + 3 * (self.number - 1)

    @property
    def end(self) -> pd.Period:
        """Last month of the quarter."""
        return self.start + 2

    @property
    def months(self) -> list[pd.Period]:
        """The quarter's three months."""
        return month_range(self.start, self.end)

    def window(self) -> Window:
        """The quarter as a :class:`Window`."""
        return Window(self.start, self.end, self.label)

    # --- neighbours and comparison windows ---------------------------------------------------
    def shift(self, quarters: int) -> "Quarter":
        """The quarter ``quarters`` later (negative: earlier)."""
        index = self.fy_start * 4 + (self.number - 1) + quarters
        return Quarter(index // 4, index % 4 + 1)

    def previous(self) -> "Quarter":
        """The quarter before."""
        return self.shift(-1)

    def next(self) -> "Quarter":
        """The quarter after."""
        return self.shift(1)

    def same_quarter_last_year(self) -> "Quarter":
        """The same quarter of the previous financial year."""
        return self.shift(-4)

    def rolling_12_months(self) -> Window:
        """The 12 months to the end of the quarter."""
        return Window(self.end - 11, self.end, f"12 months to {self.window().describe().split(' to ')[-1]}")

    def rolling_12_months_before(self) -> Window:
        """The 12 months before :meth:`rolling_12_months` (the usual comparison)."""
        return self.rolling_12_months().shifted(-12)

    def year_to_date(self) -> Window:
        """The financial year to date: April to the end of the quarter."""
        return Window(pd.Period(f"{self.fy_start}-04", freq="M"), self.end, f"{self.fy_label} to date")

    def year_to_date_last_year(self) -> Window:
        """The same months of the previous financial year."""
        return self.year_to_date().shifted(-12)

    @classmethod
    def containing(cls, month: pd.Period) -> "Quarter":
        """The quarter a month falls in."""
        month = month.asfreq("M")
        fy_start = month.year if month.month >= 4 else month.year - 1
        return cls(fy_start, (month.month - 4) % 12 // 3 + 1)


def parse_quarter(text: "str | Quarter") -> Quarter:
    """Parse a quarter written as ``2015-16-Q1``, ``2015-16 Q1`` or ``2015/16 Q1``.

    Raises
    ------
    ConfigError
        With a one-line message naming the accepted forms.

    Examples
    --------
    >>> parse_quarter("2016/17 q2")
    Quarter(fy_start=2016, number=2)
    """
    if isinstance(text, Quarter):
        return text
    match = _QUARTER_RE.match(str(text))
    if not match:
        raise ConfigError(f"unknown quarter {str(text)!r}: expected {ACCEPTED_FORMS}")
    first, second, number = int(match.group(1)), int(match.group(2)), int(match.group(3))
    if (first + 1) % 100 != second:
        raise ConfigError(
            f"unknown quarter {str(text)!r}: the financial year {first}/{second:02d} does not exist "
            f"(the second year must follow the first, e.g. {first}/{(first + 1) % 100:02d}); "
            f"expected {ACCEPTED_FORMS}"
        )
    return Quarter(first, number)


def latest_complete_quarter(last_month: "pd.Period | str") -> Quarter:
    """The latest quarter whose three months are all on or before ``last_month``.

    Examples
    --------
    >>> latest_complete_quarter("2018-09").id
    '2018-19-Q2'
    >>> latest_complete_quarter("2018-08").id
    '2018-19-Q1'
    """
    month = parse_month(last_month, what="last month with data")
    q = Quarter.containing(month)
    return q if q.end == month else q.previous()


def quarters_between(first: Quarter, last: Quarter) -> list[Quarter]:
    """Every quarter from ``first`` to ``last`` inclusive."""
    out: list[Quarter] = []
    q = first
    while q <= last:
        out.append(q)
        q = q.next()
    return out


def deep_dive_objective(
    quarter: Quarter,
    objectives: Iterable[int] = (1, 2, 3, 4, 5),
    anchor: Quarter = Quarter(2015, 1),
    overrides: Mapping[str, int] | None = None,
) -> int:
    """The objective whose deep dive falls in ``quarter`` on the rolling schedule.

    The objectives take a quarter each in turn, starting with the first at ``anchor`` and
    wrapping round (1, 2, 3, 4, 5, 1, ...), backwards as well as forwards. ``overrides`` maps a
    quarter id to an objective for a quarter the Board moved; it does not shift the rotation.

    Examples
    --------
    >>> deep_dive_objective(Quarter(2015, 1))
    1
    >>> deep_dive_objective(Quarter(2016, 2))
    1
    >>> deep_dive_objective(Quarter(2014, 4))
    5
    """
    order = list(objectives)
    if not order:
        raise ConfigError("deep-dive rotation: found no objectives; expected at least one")
    if overrides and quarter.id in overrides:
        return int(overrides[quarter.id])
    steps = (quarter.fy_start * 4 + quarter.number) - (anchor.fy_start * 4 + anchor.number)
    return order[steps % len(order)]
