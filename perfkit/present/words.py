"""All wording and number style in one place: what every page, chart title and data pack uses.

Numbers follow GOV.UK style (round half up, thousands separators) with one decimal rule per kind
of figure:

- counts (offences, incidents, officers): whole numbers, ``12,345``;
- rates (per 1,000 people, crimes per officer): one decimal place, ``63.4``;
- percentages as a level (a proportion of crimes solved): one decimal place, ``26.5%``;
- percentage changes: whole per cent, and one decimal under 1% ("0.4%") so that a small change
  never reads "0%" (:func:`percent`); in words "9% fewer", "31% more", "0.4% more" (:func:`change`);
  in a table with their sign, "+9%", "-12%", "+0.4%" (:func:`signed_percent`). The same figure
  therefore reads the same number in a sentence and in a table.

Dates are written "September 2018" (:func:`month`) or "30 September 2018" for a snapshot taken at
a month's end (:func:`month_end`).

Examples
--------
>>> count(17086), percent(9.06), change(0.9094), signed_percent(-12.4), rate(63.44)
('17,086', '9%', '9% fewer', '-12%', '63.4')
>>> number(1361.95, "officers"), number(26.54, "percent"), number(2.349, "crimes per officer")
('1,362', '26.5%', '2.3')
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable

import pandas as pd

__all__ = [
    "NOT_AVAILABLE",
    "round_half_up",
    "count",
    "number_word",
    "rate_places",
    "resident_rate",
    "per_residents",
    "rate",
    "percent",
    "signed_percent",
    "change",
    "change_pct",
    "interval",
    "between",
    "number",
    "decimals_for",
    "month",
    "month_end",
    "day",
    "months",
    "join",
    "article",
    "sentence_case",
    "lower_first",
    "p_value",
    "sentences",
    "word_count",
]

#: What a missing figure reads as, everywhere.
NOT_AVAILABLE = "not available"


def _missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def round_half_up(x: float, places: int = 0) -> Decimal:
    """``x`` rounded to ``places`` decimals, halves away from zero (GOV.UK and ONS practice;
    Python's ``round`` rounds halves to even).

    >>> str(round_half_up(2.5)), str(round_half_up(0.125, 2)), str(round_half_up(-2.5))
    ('3', '0.13', '-3')
    """
    q = Decimal(1).scaleb(-places)
    return Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP)


def count(n: Any) -> str:
    """A count with thousands separators, rounded to a whole number.

    >>> count(2013), count(612.0), count(1234567), count(float("nan"))
    ('2,013', '612', '1,234,567', 'not available')
    """
    if _missing(n):
        return NOT_AVAILABLE
    x = float(n)
    if math.isinf(x):
        raise ValueError(f"count: found {n!r}; expected a finite count")
    return f"{int(round_half_up(x)):,}"


_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def number_word(n: int) -> str:
    """A whole number as GOV.UK style writes it in a sentence: one to nine in words, 10 and above in
    figures.

    >>> number_word(3), number_word(12)
    ('three', '12')
    """
    n = int(n)
    return _NUMBER_WORDS[n] if 0 <= n < 10 else f"{n:,}"


def rate(x: Any, places: int = 1) -> str:
    """A rate (per 1,000 people, crimes per officer) to one decimal place, with separators.

    >>> rate(63.44), rate(1234.56), rate(0.05)
    ('63.4', '1,234.6', '0.1')
    """
    if _missing(x):
        return NOT_AVAILABLE
    return f"{round_half_up(float(x), places):,.{places}f}"


def rate_places(x: Any) -> int:
    """Decimal places a rate per residents is shown with: one, or for a rate below 0.1 (a rare
    offence given per 1,000 residents) as many as give two significant figures.

    >>> rate_places(2.17), rate_places(0.0098), rate_places(0.032), rate_places(0)
    (1, 4, 3, 1)
    """
    if _missing(x) or float(x) == 0 or abs(float(x)) >= 0.1:
        return 1
    return 1 - math.floor(math.log10(abs(float(x))))


def resident_rate(x: Any) -> str:
    """A rate per residents (:func:`rate` to :func:`rate_places` places).

    >>> resident_rate(2.17), resident_rate(0.009775)
    ('2.2', '0.0098')
    """
    return rate(x, rate_places(x))


def per_residents(per: Any) -> str:
    """The population a rate is given per, in words.

    >>> per_residents(1000), per_residents(100_000), per_residents(1_000_000)
    ('per 1,000 residents', 'per 100,000 residents', 'per million residents')
    """
    per = int(per)
    return "per million residents" if per == 1_000_000 else f"per {per:,} residents"


def percent(x: Any) -> str:
    """A percentage change in size (given in percent, 9.06 for 9.06%): whole per cent, rounded half
    up, and one decimal place when it rounds to under 1% ("0.4%"; "0%" only for exactly zero). A
    negative value keeps its minus sign ("-12%").

    >>> percent(31.4), percent(9.06), percent(9.5), percent(0.4), percent(0.96), percent(0), percent(-12.5)
    ('31%', '9%', '10%', '0.4%', '1%', '0%', '-13%')
    """
    if _missing(x):
        return NOT_AVAILABLE
    v = float(x)
    if v == 0:
        return "0%"
    sign = "-" if v < 0 else ""
    a = abs(v)
    small = round_half_up(a, 1)
    if small == 0:
        return f"{sign}less than 0.1%"
    if small < 1:
        return f"{sign}{small}%"
    return f"{sign}{int(round_half_up(a)):,}%"


def signed_percent(x: Any) -> str:
    """A percentage change with its sign, for tables: ``+9.1%``, ``-12%``, ``0%``; the same
    rounding as :func:`percent` (under 1% in size reads ``+0.4%``/``-0.4%``).

    >>> signed_percent(9.06), signed_percent(-12.4), signed_percent(0.44), signed_percent(0)
    ('+9%', '-12%', '+0.4%', '0%')
    """
    if _missing(x):
        return NOT_AVAILABLE
    v = float(x)
    if math.isinf(v):
        return "up from zero" if v > 0 else NOT_AVAILABLE
    if v == 0:
        return "0%"
    return ("+" if v > 0 else "-") + percent(abs(v))


def change(ratio: Any, more: str = "more", fewer: str = "fewer") -> str:
    """A ratio (now over before) as a change in words: "9% fewer", "31% more", "no change".

    Rounded as :func:`percent` (one decimal under 1%: "0.4% more"); use ``more="higher",
    fewer="lower"`` for rates and levels.

    >>> change(0.9094), change(1.31), change(1.0), change(1.004), change(0.75, "higher", "lower")
    ('9% fewer', '31% more', 'no change', '0.4% more', '25% lower')
    """
    if _missing(ratio):
        return "change not available"
    r = float(ratio)
    if math.isinf(r):
        return f"{more} (up from zero)"
    return change_pct(100 * (r - 1), more, fewer)


def change_pct(pct: Any, more: str = "more", fewer: str = "fewer") -> str:
    """A percentage change (``100 * (ratio - 1)``, as the evidence holds it) in words. The one
    rounding of a change: :func:`change` words a ratio through it, so a statement and a table
    showing the same comparison can never read two ways.

    >>> change_pct(-9.06), change_pct(31.0), change_pct(0), change_pct(0.4, "higher", "lower")
    ('9% fewer', '31% more', 'no change', '0.4% higher')
    """
    if _missing(pct):
        return "change not available"
    v = float(pct)
    if math.isinf(v):
        return f"{more} (up from zero)"
    if v == 0:
        return "no change"
    return f"{percent(abs(v))} {more if v > 0 else fewer}"


def interval(low_ratio: Any, high_ratio: Any, more: str = "more", fewer: str = "fewer") -> str:
    """A 95% interval of a ratio in words: "from 18% fewer to 1% more".

    >>> interval(0.82, 1.01)
    'from 18% fewer to 1% more'
    """
    if _missing(low_ratio) or _missing(high_ratio):
        return NOT_AVAILABLE
    return f"from {change(low_ratio, more, fewer)} to {change(high_ratio, more, fewer)}"


def between(low_ratio: Any, high_ratio: Any, more: str = "more", fewer: str = "fewer") -> str:
    """A 95% interval of a ratio for brackets, without "from": "18% fewer to 1% more" (as in
    "(95% interval: 18% fewer to 1% more)").

    >>> between(0.82, 1.01), between(0.71, 1.13, "higher", "lower")
    ('18% fewer to 1% more', '29% lower to 13% higher')
    """
    if _missing(low_ratio) or _missing(high_ratio):
        return NOT_AVAILABLE
    return f"{change(low_ratio, more, fewer)} to {change(high_ratio, more, fewer)}"


#: Decimal places of a level by unit (anything not listed is a count).
_DECIMALS = {"percent": 1, "crimes per officer": 1, "per 1,000": 1, "rate": 1}


def decimals_for(unit: str) -> int:
    """Decimal places a level in ``unit`` is shown with: 0 for counts, 1 for rates and percentages."""
    u = str(unit or "").lower()
    return next((d for key, d in _DECIMALS.items() if key in u), 0)


def number(value: Any, unit: str) -> str:
    """A level in its unit's style: counts whole, rates and percentages to one decimal.

    >>> number(17086, "offences"), number(63.44, "per 1,000 people"), number(26.54, "percent")
    ('17,086', '63.4', '26.5%')
    """
    if _missing(value):
        return NOT_AVAILABLE
    places = decimals_for(unit)
    if str(unit).lower() == "percent":
        return f"{round_half_up(float(value), 1)}%"
    return rate(value, places) if places else count(value)


def month(p: Any) -> str:
    """A month as "September 2018" (from a ``pd.Period``, a timestamp or ``'2018-09'``).

    >>> month("2018-09"), month(pd.Period("2015-04", "M"))
    ('September 2018', 'April 2015')
    """
    return pd.Period(p, "M").strftime("%B %Y")


def month_end(p: Any) -> str:
    """The last day of a month, for a snapshot: "30 September 2017".

    >>> month_end("2017-09")
    '30 September 2017'
    """
    period = pd.Period(p, "M")
    return f"{period.days_in_month} {period.strftime('%B %Y')}"


def day(d: Any) -> str:
    """A date as GOV.UK writes it, "22 March 2018" (from a ``datetime.date``, a timestamp or
    ``'2018-03-22'``).

    >>> day("2018-03-22"), day(pd.Timestamp("2018-10-01"))
    ('22 March 2018', '1 October 2018')
    """
    stamp = pd.Timestamp(d)
    return f"{stamp.day} {stamp.strftime('%B %Y')}"


def join(items: Iterable[str]) -> str:
    """'a', 'a and b', 'a, b and c'.

    >>> join(["a"]), join(["a", "b"]), join(["a", "b", "c"])
    ('a', 'a and b', 'a, b and c')
    """
    items = [str(i) for i in items]
    if not items:
        return ""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def months(periods: Iterable[Any]) -> str:
    """Months in words, each with its year: "May 2018 and June 2018".

    >>> months(["2018-05", "2018-06"])
    'May 2018 and June 2018'
    """
    return join(month(p) for p in periods)


def article(word_or_number: str) -> str:
    """"a" or "an" before a word or a figure as it is read aloud ("an 11% rise", "an 8% fall").

    >>> article("11%"), article("8.1%"), article("18%"), article("1%"), article("increase"), article("rise")
    ('an', 'an', 'an', 'a', 'an', 'a')
    """
    w = str(word_or_number).strip().lower()
    if not w:
        return "a"
    if w[0].isdigit():
        digits = w.split("%")[0].split(".")[0].replace(",", "")
        # Said aloud: 8, 11, 18, 80-89, 800-899, 8,000... begin with a vowel sound.
        if digits.startswith("8") or digits in {"11", "18"} or (len(digits) in (2, 5) and digits[:2] in {"11", "18"}):
            return "an"
        return "a"
    return "an" if w[0] in "aeiou" else "a"


def sentence_case(text: str) -> str:
    """The first letter upper-cased, the rest left as written.

    >>> sentence_case("burglary rose")
    'Burglary rose'
    """
    return text[:1].upper() + text[1:]


def lower_first(text: str) -> str:
    """The first letter lower-cased unless the first word is an acronym or a name in capitals
    ("HMIC inspection" stays, "Incomplete feed" becomes "incomplete feed").

    >>> lower_first("Incomplete data.police.uk feed for May 2018"), lower_first("HMIC crime-recording inspection")
    ('incomplete data.police.uk feed for May 2018', 'HMIC crime-recording inspection')
    """
    text = str(text).strip()
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first[:2].isupper():
        return text
    return text[:1].lower() + text[1:]


def p_value(p: Any) -> str:
    """A p-value as a technical note writes it: "p = 0.047", "p < 0.001" (never "p = < 0.001").

    >>> p_value(0.0471), p_value(0.00002), p_value(float("nan"))
    ('p = 0.047', 'p < 0.001', 'p not available')
    """
    if _missing(p):
        return "p not available"
    v = float(p)
    return "p < 0.001" if v < 0.001 else f"p = {v:.3f}"


#: Words ending in a full stop that do not end a sentence.
_ABBREVIATIONS = {"e.g.", "i.e.", "etc.", "cf.", "vs.", "no.", "nos.", "mr.", "mrs.", "ms.", "dr.", "st.", "approx."}

# A possible sentence end: ., ! or ? (with closing quotes or brackets) then space, then what can start one.
_END = re.compile(r"""[.!?]["')\]]*\s+(?=["'(\[]?[A-Z0-9£])""")


def sentences(text: str) -> list[str]:
    """Split ``text`` into sentences: at ".", "!" or "?" followed by a space and a capital or a
    figure, and at blank lines; not after "e.g.", "i.e." and other abbreviations, nor after an
    initial ("J. Smith"), and never inside a decimal ("2.5") or a web address ("data.police.uk").

    Used to measure sentence length on statements and whole pages.

    >>> sentences("Burglary: 612 offences, e.g. in June. The rate was 2.5 per 1,000. 2015 was higher.")
    ['Burglary: 612 offences, e.g. in June.', 'The rate was 2.5 per 1,000.', '2015 was higher.']
    >>> sentences("")
    []
    """
    out: list[str] = []
    for block in re.split(r"\n\s*\n", str(text or "")):
        block = " ".join(block.split())
        start = 0
        for match in _END.finditer(block):
            before = block[start:match.start() + 1].split()
            last = before[-1].lower() if before else ""
            if last in _ABBREVIATIONS or re.fullmatch(r"[a-z]\.", last):
                continue
            out.append(block[start:match.end()].strip())
            start = match.end()
        tail = block[start:].strip()
        if tail:
            out.append(tail)
    return [s for s in out if s]


def word_count(text: str) -> int:
    """Words in ``text``, counted as runs separated by spaces ("1,234" and "9%" are one word each).

    >>> word_count("Burglary: 612 offences in 2015/16 Q1.")
    6
    """
    return len(str(text or "").split())


# --- summary and index wording

#: The Making Data Count variation icons: the SPC icon key (``spc_icon`` in the data pack) -> (icon kind, text).
SPC_ICONS = {
    "common_cause": ("common", "Latest month: common-cause variation"),
    "improvement": ("improvement", "Latest month: special-cause variation, improvement"),
    "concern": ("concern", "Latest month: special-cause variation, concern"),
    "neutral": ("neutral", "Latest month: special-cause variation, neither better nor worse"),
}


def spc_icon(key: Any) -> tuple[str, str]:
    """The icon kind and its text equivalent for a row's ``spc_icon`` key.

    >>> spc_icon("improvement"), spc_icon("")
    (('improvement', 'Latest month: special-cause variation, improvement'), ('none', 'No control chart'))
    """
    if _missing(key) or str(key) not in SPC_ICONS:
        return ("none", "No control chart")
    return SPC_ICONS[str(key)]


def spc_variation(key: Any) -> str:
    """The data pack's ``spc_variation`` words for an icon key (the text of :func:`spc_icon`, which
    describes the latest month, as the Making Data Count icon does).

    >>> spc_variation("neutral"), spc_variation("")
    ('latest month: special-cause variation, neither better nor worse', 'no control chart')
    """
    return lower_first(spc_icon(key)[1])


def significance(flag: Any) -> str:
    """A row's ``significant`` field in words: "Yes", "No" or "Not tested".

    >>> significance("yes"), significance("no"), significance(float("nan"))
    ('Yes', 'No', 'Not tested')
    """
    if _missing(flag) or str(flag) not in ("yes", "no"):
        return "Not tested"
    return "Yes" if str(flag) == "yes" else "No"


def _ratio(pct: Any) -> float:
    return float("nan") if _missing(pct) else 1 + float(pct) / 100


def _more_fewer(unit: Any, window: Any = "") -> tuple[str, str]:
    """"more"/"fewer" for counts over a period; "higher"/"lower" for rates, percentages and a
    figure at a date (a snapshot), as the evidence statement words them."""
    return ("higher", "lower") if decimals_for(str(unit)) or window == "snapshot" else ("more", "fewer")


def year_change(row: dict) -> str:
    """The change against a year earlier in words, from a data-pack row: "12% fewer"; the
    ``change_pct`` field (percent); "not available" when there is none.

    >>> year_change({"change_pct": -11.8, "unit": "offences"}), year_change({"change_pct": 2.0, "unit": "percent"})
    ('12% fewer', '2% higher')
    """
    if _missing(row.get("change_pct")):
        return NOT_AVAILABLE
    return change_pct(row["change_pct"], *_more_fewer(row.get("unit"), row.get("primary_window")))


def year_interval(row: dict) -> str:
    """The 95% interval of the change against a year earlier in words, or "" when there is none.

    >>> year_interval({"change_low_pct": -30.1, "change_high_pct": 10.2, "unit": "offences"})
    'from 30% fewer to 10% more'
    """
    low, high = row.get("change_low_pct"), row.get("change_high_pct")
    if _missing(low) or _missing(high):
        return ""
    return "from {} to {}".format(*year_interval_ends(row))


def year_interval_ends(row: dict) -> tuple[str, str]:
    """The two ends of :func:`year_interval` in words, each to be marked on its own.

    >>> year_interval_ends({"change_low_pct": -30.1, "change_high_pct": 10.2, "unit": "offences"})
    ('30% fewer', '10% more')
    """
    more, fewer = _more_fewer(row.get("unit"), row.get("primary_window"))
    return change_pct(row["change_low_pct"], more, fewer), change_pct(row["change_high_pct"], more, fewer)


def _name(row: dict) -> str:
    return lower_first(str(row["measure"]))


def _special(row: dict) -> bool:
    return spc_icon(row.get("spc_icon"))[0] in ("improvement", "concern", "neutral")


def objective_headline(rows: Iterable[dict], limit: int = 30) -> str:
    """A headline generated from an objective's data-pack rows, at most ``limit`` words: every
    statistically significant change and every special-cause signal of the latest month named, or
    counted ("and 2 more") when they do not all fit (the Board's attention list names them all).

    A row compared with a year earlier without a test (a snapshot) counts as compared, so the
    headline never says no measure can be compared when the table compares one.

    >>> objective_headline([{"measure": "Robbery", "change_pct": 61.7, "significant": "yes", "unit": "offences"},
    ...                     {"measure": "Burglary", "change_pct": -11.8, "significant": "no", "unit": "offences"}])
    '1 of 2 compared measures changed by more than chance: robbery (62% more).'
    >>> objective_headline([{"measure": "Officers", "change_pct": -0.5, "unit": "officers", "primary_window": "snapshot"}])
    'Officers: 0.5% lower than a year earlier (a figure at a date, not tested).'
    """
    rows = list(rows)
    compared = [r for r in rows if not _missing(r.get("change_pct"))]
    tested = [r for r in compared if str(r.get("significant")) in ("yes", "no")]
    untested = [r for r in compared if r not in tested]
    signals = [r for r in rows if _special(r)]
    if not compared and not signals:
        return "No measure of this objective can be compared with a year earlier this quarter."
    moved = [r for r in tested if str(r.get("significant")) == "yes"]
    items = [f"{_name(r)} ({year_change(r)})" for r in moved]
    signal_items = [_name(r) for r in signals]

    def compose(named: list, shown_signals: list) -> str:
        parts = []
        n = len(tested)
        if tested:
            if not moved:
                parts.append("The one measure compared with a year earlier did not change by more than chance"
                             if n == 1 else f"None of the {n} measures compared with a year earlier changed by "
                             "more than chance")
            else:
                lead = ("The one compared measure changed by more than chance" if n == 1 else
                        f"{len(moved)} of {n} compared measures changed by more than chance")
                rest = len(moved) - len(named)
                listed = named + ([f"{rest} more"] if rest else [])
                parts.append(f"{lead}: {join(listed)}")
        elif untested:
            parts.append("; ".join(f"{sentence_case(_name(r))}: {year_change(r)} than a year earlier" for r in untested)
                         + (" (a figure at a date, not tested)" if len(untested) == 1 else " (figures at a date, not tested)"))
        if signals:
            rest = len(signals) - len(shown_signals)
            listed = shown_signals + ([f"{rest} more"] if rest else [])
            parts.append(f"Unusual latest month: {join(listed)}")
        return ". ".join(parts) + "."

    named, shown = list(items), list(signal_items)
    text = compose(named, shown)
    while len(text.split()) > limit and (named or shown):
        if len(shown) >= len(named) and shown:
            shown.pop()
        else:
            named.pop()
        text = compose(named, shown)
    return text


# --- reconciliation and tests

def reconciliation_cause(row: dict) -> str:
    """Why a reconciliation share is outside the usual range, in one sentence for the Board (the
    analysts' instructions are on the checks page), from a row of
    :attr:`perfkit.evidence.QuarterEvidence.reconciliation`.

    >>> reconciliation_cause({"fault_refs": "D1", "fault_when": "May 2018", "side": "below"})
    'May 2018 is incomplete in data.police.uk (data fault D1).'
    >>> reconciliation_cause({"fault_refs": "", "fault_when": "", "side": "above"})
    'data.police.uk holds more crimes than the official count for this period; the official figures may have been revised since.'
    """
    if row.get("fault_refs"):
        return f"{row['fault_when']} is incomplete in data.police.uk (data fault {row['fault_refs']})."
    if row.get("side") == "above":
        return ("data.police.uk holds more crimes than the official count for this period; the official figures may "
                "have been revised since.")
    return "data.police.uk holds fewer crimes than usual for this period; no known fault explains it yet."


def reconciliation_check(row: dict) -> str:
    """The reconciliation table's check cell: "within 97% to 101%", or outside it and why.

    >>> reconciliation_check({"flagged": False})
    'within 97% to 101%'
    """
    if not row.get("flagged"):
        return "within 97% to 101%"
    return "outside 97% to 101%: " + reconciliation_cause(row)


#: The tests of change behind a comparison (``test`` in the data pack) in plain words.
TESTS = {
    "score-quasi-poisson": "a test of the change that allows for the series' own variation over time",
    "score": "a test of the change between two counts (no extra month-to-month variation found)",
    "exact": "an exact test of the change, as one of the counts is zero",
    "": "",
}


def method_words(kind) -> str:
    """The ``test`` key of a data-pack row in plain words ("" when untested).

    >>> method_words("exact")
    'an exact test of the change, as one of the counts is zero'
    """
    return TESTS.get("" if _missing(kind) else str(kind), str(kind))
