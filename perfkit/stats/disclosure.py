"""Disclosure control for published tables below force level.

Small counts for small areas can identify victims. :func:`apply` suppresses counts in a
configured range (default 1-4, from ``params/publishing.yaml``, read by
:mod:`perfkit.config.publishing`) and, where a table's total would
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

import pandas as pd

# The rule is a publishing setting (perfkit.config.publishing), re-exported here.
from perfkit.config.publishing import Rule, load_rule

__all__ = ["Rule", "load_rule", "apply"]


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
