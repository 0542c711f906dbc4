"""The statistics: each module takes monthly series (checked with :func:`perfkit.periods.check_monthly`)
and returns result objects; none reads the store or writes a page.

- ``spc``: statistical process control (XmR) charts as NHS "Making Data Count" defines them
- ``compare``: period comparisons with intervals; comparator forces
- ``seasonal``: seasonality tests and seasonal adjustment (X-13ARIMA-SEATS, STL fallback)
- ``caveats``: the recording-change register and the size of recording effects
- ``calibration``: placebo calibration of the recording-shift estimates
- ``disclosure``: small-number suppression (``[c]``)
"""
