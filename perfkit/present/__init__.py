"""Presentation: wording, markup, charts and the HTML export, with the Jinja2 templates in
``perfkit/present/templates/``. Nothing here computes a figure; it shows the evidence model's.

- ``words``: all wording and the one number style
- ``narrative``: plain-English evidence statements
- ``markup``: the analysts' markdown rendered and cleaned (nh3) to what a page may publish
- ``display``: page fragments from ``templates/blocks`` (autoescape on)
- ``charts``: the charts, in the Analysis Function palette, with alt text
- ``section``: the Section a notebook cell returns (frames, figures, HTML)
- ``export``: executed notebook -> self-contained HTML page (``templates/perfkit``)
- ``a11y``: axe-core and layout checks in headless Chromium
"""
