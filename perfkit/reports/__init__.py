"""The reports: one call per report section (used by the notebooks) and the pages around them.

- ``report``: objective pages' sections and the shared report context
- ``deepdive``: the deep-dive report's sections
- ``datapack``: the data pack (HTML, CSV, Excel)
- ``site``: the quarter index, summary, glossary, board pack and pre-publication checks
"""
