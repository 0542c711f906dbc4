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
# Parameters: Papermill replaces these for the quarter's run; change them here to work in JupyterLab.
quarter: str = "auto"  # reporting quarter, e.g. "2016-17-Q2", or "auto" for the latest complete quarter in the store
objective: int = 0  # objective to examine; 0 for the one due by rotation (or named in params/quarters/<id>.yaml)
store: str = ""  # data store folder; empty for $PERFKIT_STORE or the project's store (built from data/shipped)
params: str = ""  # parameters folder (plan, register, quarters, narrative); empty for $PERFKIT_PARAMS or params/
chart_months: int = 60  # months each chart shows, to the quarter's end (at least 12)
seasonal_method: str = "auto"  # seasonal adjustment: "auto" (X-13, else STL), "x13", "stl" or "none"
comparator_group: str = ""  # comparator group in params/comparators.yaml; empty for the force's default

# %%
from perfkit.reports.deepdive import DeepDive

dive = DeepDive(quarter=quarter, objective=objective, store=store, params=params,
                chart_months=chart_months, seasonal_method=seasonal_method, comparator_group=comparator_group)
dive.header()

# %% [markdown]
# ## Narrative

# %%
dive.narrative()

# %% [markdown]
# ## Where and what
#
# The objective's crime measures by district (Community Safety Partnership), the mix of crime types,
# and the outcomes of investigations, from the row-level data.police.uk records.

# %%
dive.by_district()

# %%
dive.crime_mix()

# %%
dive.outcomes()

# %% [markdown]
# ## Where incidents concentrate
#
# A density map drawn from the anonymised coordinates of each incident (no map tiles are used).

# %%
dive.density()

# %% [markdown]
# ## Long-run trends
#
# Seasonally adjusted trends over the whole period in the data, with each recording change in the
# window and its estimated size.

# %%
dive.long_run_trends()

# %%
dive.recording_changes()

# %% [markdown]
# ## About these figures

# %%
dive.about()
