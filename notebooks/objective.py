# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
# Parameters: Papermill replaces these for each report of a quarter's run; change them here to work in JupyterLab.
quarter: str = "auto"  # reporting quarter, e.g. "2016-17-Q2", or "auto" for the latest complete quarter in the store
objective: int = 1  # Plan objective number (1-5), see params/plan.yaml
store: str = ""  # data store folder; empty for $PERFKIT_STORE or the project's store (built from data/shipped)
params: str = ""  # parameters folder (plan, register, quarters, narrative); empty for $PERFKIT_PARAMS or params/
chart_months: int = 60  # months each chart shows, to the quarter's end (at least 12)
seasonal_method: str = "auto"  # seasonal adjustment: "auto" (X-13, else STL), "x13", "stl" or "none"
comparator_group: str = ""  # comparator group in params/comparators.yaml; empty for the force's default

# %%
from perfkit.reports.report import ObjectiveReport

report = ObjectiveReport(quarter=quarter, objective=objective, store=store, params=params,
                         chart_months=chart_months, seasonal_method=seasonal_method, comparator_group=comparator_group)
report.header()

# %% [markdown]
# ## Narrative
#
# The analysts' account of the quarter for this objective: what happened, why, what the force is
# doing about it, and what inspections, partners and victims have said.

# %%
report.narrative()

# %% [markdown]
# ## What the evidence says
#
# One line for each measure: its latest figure against the same period a year earlier, and whether
# the change is more than chance would give. Its interval, its caveats and its charts follow in its
# block under "Outcome by outcome". The measures are indicators of one element of performance, not
# targets.

# %%
report.evidence()

# %%
# The harm and vulnerability view, on the objective the Plan names for it (harm_view: true); nothing
# on the others. It carries its own heading.
report.harm()

# %% [markdown]
# ## Outcome by outcome
#
# For each measure: the monthly recorded series with the seasonally adjusted line and recording
# changes marked, a statistical process control chart, comparisons with 95% intervals, the position
# among comparator forces, and the numbers behind every chart.

# %%
report.outcomes()

# %% [markdown]
# ## Published by others
#
# The official police recorded crime statistics for the force and its comparator forces, and how
# the data.police.uk figures used above reconcile with them.

# %%
report.published_by_others()

# %% [markdown]
# ## Wider environment
#
# The same measures across all police forces in England and Wales.

# %%
report.wider_environment()

# %% [markdown]
# ## About these figures

# %%
report.about()
