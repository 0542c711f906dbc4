"""Disclosure control for published tables below force level.

Small counts for small areas can identify victims. :func:`apply` suppresses counts in a
configured range (default 1-4, from ``params/publishing.yaml``) and, where a table's total would
let a reader work a single suppressed count out by subtraction, the next smallest count too
(secondary suppression). Zero is not suppressed: it discloses nothing about a person.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"District": ["A", "B", "C"], "Incidents": [120, 3, 40]})
>>> apply(t, ["Incidents"], rule=Rule(1, 4, "[c]", True))["Incidents"].tolist()
[120, '[c]', '[c]']
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from perfkit import config
from perfkit.config.params import Node, content_key, load_yaml

__all__ = ["Rule", "load_rule", "apply"]


@dataclass(frozen=True)
class Rule:
    """Suppress counts from ``smallest`` to ``largest``; show ``symbol`` instead."""

    smallest: int = 1
    largest: int = 4
    symbol: str = "[c]"
    secondary: bool = True


def load_rule() -> Rule:
    """The rule in ``params/publishing.yaml`` (defaults when the file is absent), read again
    whenever the file's content changes."""
    path = config.params_dir() / "publishing.yaml"
    return _rule_for(str(path), content_key(path))


@lru_cache(maxsize=4)
def _rule_for(path: str, digest: str) -> Rule:
    if not digest:
        return Rule()
    node = Node(load_yaml(Path(path)), "params/publishing.yaml").child("disclosure")
    node.only({"smallest", "largest", "symbol", "secondary"})
    smallest = node.int("smallest", 1, minimum=1)
    largest = node.int("largest", 4, minimum=smallest)
    return Rule(smallest, largest, node.str("symbol", "[c]"), node.bool("secondary", True))


def apply(table: pd.DataFrame, columns, rule: "Rule | None" = None, also=()) -> pd.DataFrame:
    """A copy of ``table`` with small counts in ``columns`` replaced by the rule's symbol.

    Secondary suppression: when a column has exactly one suppressed cell, the next smallest
    unsuppressed non-zero cell of that column is suppressed too, since the column's total is
    published (or can be added up).
    """
    rule = rule or load_rule()
    out = table.copy()
    hidden_rows = pd.Series(False, index=table.index)
    for column in columns:
        values = pd.to_numeric(table[column], errors="coerce")
        primary = values.between(rule.smallest, rule.largest)
        hide = primary.copy()
        if rule.secondary and int(primary.sum()) == 1:
            candidates = values[~primary & (values > 0)]
            if len(candidates):
                hide.loc[candidates.idxmin()] = True
        out[column] = out[column].astype(object)
        out.loc[hide, column] = rule.symbol
        hidden_rows |= hide
    for column in also:
        out[column] = out[column].astype(object)
        out.loc[hidden_rows, column] = rule.symbol
    return out
