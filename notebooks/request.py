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
quarter: str = "auto"  # reporting quarter, e.g. "2018-19-Q2", or "auto" for the latest complete quarter in the store
request: str = "R2018-01"  # the request's id in params/requests.yaml
store: str = ""  # data store folder; empty for $PERFKIT_STORE or the project's store (built from data/shipped)
params: str = ""  # parameters folder (plan, register, quarters, narrative); empty for $PERFKIT_PARAMS or params/
chart_months: int = 60  # months each chart shows, to the quarter's end (at least 12); the request's period wins
seasonal_method: str = "auto"  # seasonal adjustment: "auto" (X-13, else STL), "x13", "stl" or "none"
comparator_group: str = ""  # comparator group in params/comparators.yaml; empty for the force's default

# %%
from perfkit.reports.request import RequestReport

report = RequestReport(quarter=quarter, request=request, store=store, params=params,
                       chart_months=chart_months, seasonal_method=seasonal_method, comparator_group=comparator_group)
report.header()

# %% [markdown]
# ## The answers
#
# Each question the Board asked, with the analysts' answer.

# %%
report.answers()

# %% [markdown]
# ## The evidence
#
# The element asked about, measured by the same engine as every page: the long-run series with its
# seasonally adjusted line and the recording changes that affect it, the control chart, and the
# comparisons with their 95% intervals, the rate per 1,000 residents and the comparator forces.

# %%
report.evidence()

# %%
report.recording_changes()

# %% [markdown]
# ## Where and what
#
# The element by district and by crime type, and the outcomes of investigations, from the
# row-level data.police.uk records.

# %%
report.where_and_what()

# %% [markdown]
# ## The national picture

# %%
report.national_picture()

# %% [markdown]
# ## About these figures

# %%
report.about()
