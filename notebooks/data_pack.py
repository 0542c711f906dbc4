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
store: str = ""  # data store folder; empty for $PERFKIT_STORE or the project's store (built from data/shipped)
params: str = ""  # parameters folder (plan, register, quarters, narrative); empty for $PERFKIT_PARAMS or params/
chart_months: int = 60  # months each chart shows, to the quarter's end (at least 12)
seasonal_method: str = "auto"  # seasonal adjustment: "auto" (X-13, else STL), "x13", "stl" or "none"
comparator_group: str = ""  # comparator group in params/comparators.yaml; empty for the force's default
downloads_dir: str = ""  # folder for the CSV and Excel downloads; empty for outputs/lab/<quarter>/ (the run sets it)
requests: str = ""  # ids of the requests reported on with the pack, comma-separated (the run sets it)

# %%
from perfkit.reports.datapack import DataPack

pack = DataPack(quarter=quarter, store=store, params=params, downloads_dir=downloads_dir, requests=requests,
                chart_months=chart_months, seasonal_method=seasonal_method, comparator_group=comparator_group)
pack.header()

# %% [markdown]
# Every measure of the whole Plan, objective by objective: the quarter against the same quarter a
# year earlier with its 95% interval, the rolling 12 months, the financial year to date, the rate per
# 1,000 residents (per million for a rare offence), the statistical process control verdict and the
# caveats that apply.

# %%
pack.downloads()

# %% [markdown]
# ## Measures by objective

# %%
pack.objective_tables()

# %% [markdown]
# ## Assumptions and caveats log
#
# The recording-change register: each change in how crime is recorded, the measures it affects, the
# expected direction, its source, and ratings of the evidence's quality and the change's impact.

# %%
pack.caveats_log()

# %% [markdown]
# ## About these figures

# %%
pack.about()
