"""The analysts' data checks in words: one line per finding of :func:`perfkit.evidence.data_findings`.

The evidence layer finds suspected incomplete months, reconciliation shares outside the usual range,
incidents outside the Plan's districts and the warnings of past ingests, as values
(:class:`Finding`); this module words them once, for the run's log and the checks page
(``outputs/_work/<quarter>/checks.html``, never published). A :class:`DataCheck` is the log line
(``"check: reconciliation ..."``) that also carries its ``kind`` and ``text``, so the checks page
never reads them back out of the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from perfkit.present import words

__all__ = ["Finding", "DataCheck", "check_line", "check_lines", "district_words"]


@dataclass(frozen=True)
class Finding:
    """One data check as values: ``kind`` (``"suspected incomplete month"``, ``"reconciliation"``,
    ``"districts"``, ``"ingest warning"``) and what its wording needs (``values``)."""

    kind: str
    values: dict = field(default_factory=dict)


class DataCheck(str):
    """One data check for the analysts: a log line (``"check: reconciliation ..."``, what ``str`` gives)
    that carries its ``kind`` and ``text`` as values."""

    def __new__(cls, kind: str, text: str, prefix: str = ""):
        line = super().__new__(cls, f"check: {prefix}{text}")
        line.kind, line.text, line.prefix = kind, text, prefix
        return line

    def __reduce__(self):
        return (DataCheck, (self.kind, self.text, self.prefix))


def district_words(v: dict) -> str:
    """The districts finding in words.

    >>> district_words({"quarter": "2014/15 Q1", "outside": 1200, "total": 9000, "share": 0.133,
    ...                 "top": [("Norwich", 1100), ("(no LSOA)", 100)], "limit": 0.02})[:86]
    "2014/15 Q1: 1,200 of 9,000 incidents (13%) carry a district not listed in plan.yaml's "
    """
    named = "; ".join(f"{name} {count:,}" for name, count in v["top"])
    return (f"{v['quarter']}: {v['outside']:,} of {v['total']:,} incidents ({words.percent(100 * v['share'])}) carry a "
            f"district not listed in plan.yaml's districts (most: {named}); expected at most "
            f"{v['limit']:.0%}. Check the names against the LSOA names (a misspelt district moves its "
            f"incidents to 'Outside the force's districts')")


def check_line(finding: Finding) -> DataCheck:
    """One finding as its log line."""
    v = finding.values
    if finding.kind == "suspected incomplete month":
        status = (f"registered as data fault {v['registered']}" if v["registered"] else
                  f"kept as data: the register's genuine_months says {v['genuine']}" if v["genuine"] else
                  "left out of every figure as a suspected fault; NOT registered: confirm it in params/caveats.yaml "
                  "as kind: data-fault, or overrule it under genuine_months")
        return DataCheck(finding.kind, f"{v['force']} {v['month']}: {v['count']:,.0f} crimes, {v['ratio']:.0%} of the "
                                       f"neighbouring months' median ({v['median']:,.0f}); {status}")
    if finding.kind == "reconciliation":
        cause = (f"{v['fault_when']} is incomplete in data.police.uk (data fault {v['fault_refs']})" if v["fault_refs"] else
                 "no registered data fault explains it: check the months of this period for an incomplete feed, "
                 "and register it in params/caveats.yaml" if v["side"] == "below" else
                 "more than the official count: check for a revision of the official figures or duplicated rows")
        return DataCheck(finding.kind, f"{v['period']}: data.police.uk holds {v['share_pct']:.1f}% of the official "
                                       f"count; {cause}", "reconciliation ")
    if finding.kind == "districts":
        return DataCheck(finding.kind, district_words(v), "districts ")
    if finding.kind == "ingest warning":
        return DataCheck(finding.kind, f"({v['file_kind']}, {v['date']}) {v['warning']}", "ingest ")
    raise ValueError(f"finding.kind: found {finding.kind!r}; expected one of suspected incomplete month, "
                     "reconciliation, districts, ingest warning")


def check_lines(findings) -> "list[DataCheck]":
    """Each finding as its log line, in order."""
    return [check_line(f) for f in findings]
