"""The board-ready HTML export (perfkit.present.export): self-contained, accessible, byte-deterministic.

No browser needed; tests/test_accessibility.py runs axe-core over the same pages in Chromium.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat
import pytest

from perfkit.present import a11y, export
from perfkit.errors import PerfkitError

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "export"
NAV = [("Quarter index", "index.html"), ("Accessibility statement", "accessibility.html")]
TITLE = "Objective 1: keeping people safe, 2015/16 Quarter 1"


@pytest.fixture(scope="module")
def nb() -> nbformat.NotebookNode:
    return nbformat.read(FIXTURES / "report.ipynb", as_version=4)


@pytest.fixture(scope="module")
def html(nb) -> str:
    return export.notebook_to_html(nb, title=TITLE, site_nav=NAV, description="How the force did on objective 1.")


def _headings(page: str) -> list[int]:
    return [int(level) for level in re.findall(r"<h([1-6])\b", page)]


def test_no_script_and_no_external_resources(html):
    assert "<script" not in html.lower()
    assert "require.js" not in html and "mathjax" not in html.lower()
    # resource-loading attributes point nowhere outside the page (links to other sites are fine)
    for attr in re.findall(r"""\b(?:src|srcset|poster)\s*=\s*["']([^"']*)""", html, flags=re.I):
        assert attr.startswith("data:"), attr
    for link in re.findall(r"<link\b[^>]*>", html, flags=re.I):
        raise AssertionError(f"page links a resource: {link}")
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", html)
    assert "@import" not in html
    assert a11y.static_issues(html) == []


def test_title_lang_viewport_landmarks_skip_link(html):
    assert html.startswith("<!DOCTYPE html>\n<html lang=\"en-GB\">")
    assert f"<title>{TITLE}</title>" in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<meta name="description" content="How the force did on objective 1.">' in html
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert html.count(landmark) == 1, landmark
    assert '<a class="skip-link" href="#main">' in html and '<main id="main"' in html
    assert '<a href="accessibility.html">Accessibility statement</a>' in html


def test_one_h1_and_ordered_outline(html):
    levels = _headings(html)
    assert levels.count(1) == 1 and levels[0] == 1
    for before, after in zip(levels, levels[1:]):
        assert after <= before + 1, levels
    # the notebook's first h1 is the page's h1; the second h1 and the skipped h4 are fixed
    assert '<h1 id="objective-1-keeping-people-safe">Objective 1: keeping people safe</h1>' in html
    assert '<h2 id="data-pack">Data pack</h2>' in html
    assert '<h3 id="outcome-1-1-fewer-burglaries">' in html


def test_heading_ids_unique():
    body = "<h2>Burglary</h2><h2>Burglary</h2><p id='burglary-2'>x</p><h3 id='x'>Y</h3><h3 id='x'>Z</h3>"
    page = export.page("Repeated headings", body)
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), ids


def test_title_becomes_h1_when_notebook_has_none():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("### Only a deep heading\n\ntext")])
    page = export.notebook_to_html(nb, title="Deep dive: objective 3")
    assert "<h1 id=\"deep-dive-objective-3\">Deep dive: objective 3</h1>" in page
    assert _headings(page) == [1, 2]


def test_code_prompts_parameters_streams_errors_hidden(html, nb):
    assert "NEVER-PUBLISHED" not in html
    for cell in nb.cells:
        if cell.cell_type == "code":
            for line in cell.source.splitlines():
                if len(line.strip()) > 8 and not line.startswith("#"):  # short ones ('df') occur naturally
                    assert line not in html, line
    assert "In [" not in html and "Out[" not in html
    assert "Traceback" not in html and "ZeroDivisionError" not in html
    assert "0x7f" not in html and "&lt;Figure size" not in html


def test_published_outputs_kept(html):
    assert '<figure class="chart">' in html and "<figcaption>" in html
    assert 'alt="Line chart of monthly recorded dwelling burglary' in html
    assert "<summary>Numbers behind the chart</summary>" in html
    assert '<div class="notice notice-missing" role="note">' in html
    assert '<ul class="caveats">' in html
    assert "<h2 id=\"what-the-evidence-says\">What the evidence says</h2>" in html  # text/markdown output
    assert '<a href="https://data.police.uk/">data.police.uk</a>' in html  # links to sources stay


def test_tables_wrapped_focusable_and_labelled(html):
    assert html.count("<table") == 2
    wraps = re.findall(r"<div class=\"table-wrap\"[^>]*>\s*<table", html)
    assert len(wraps) == 2
    assert 'role="region" tabindex="0" aria-label="Table: Recorded dwelling burglary by month"' in html
    # an already-wrapped table is not wrapped twice
    page = export.page("T", '<h1>T</h1><div class="table-wrap"><table><tr><td>1</td></tr></table></div>')
    assert page.count('<div class="table-wrap"') == 1 and page.count("</div>") == page.count("<div")
    assert 'tabindex="0"' in page


def test_byte_identical_and_independent_of_papermill_metadata(nb, html):
    again = export.notebook_to_html(copy.deepcopy(nb), title=TITLE, site_nav=NAV, description="How the force did on objective 1.")
    assert again.encode("utf-8") == html.encode("utf-8")
    other = copy.deepcopy(nb)
    other.metadata["papermill"]["start_time"] = "2030-01-01T00:00:00"
    other.metadata["papermill"]["output_path"] = "/home/someone/elsewhere.ipynb"
    for i, cell in enumerate(other.cells):
        cell["id"] = f"random-{i * 7919:x}"
        cell.metadata["execution"] = {"iopub.execute_input": "2030-01-01T00:00:01"}
        if cell.cell_type == "code":
            cell.execution_count = 100 + i
    assert export.notebook_to_html(other, title=TITLE, site_nav=NAV, description="How the force did on objective 1.") == html


def test_no_local_paths_or_timestamps(html):
    for needle in ("/work/", "/tmp/", "/home/", "file://", "2026-11-26", "papermill"):
        assert needle not in html, needle


def test_print_and_small_screen_rules(html):
    assert "@media print" in html and "@media (max-width" in html
    assert "max-width: 100%" in html
    assert "#12436D" in html


def test_input_notebook_not_modified(nb):
    before = nbformat.writes(nb)
    export.notebook_to_html(nb, title=TITLE)
    assert nbformat.writes(nb) == before


def test_image_without_alt_is_refused():
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    cell = nbformat.v4.new_code_cell(
        "plt.plot(x)",
        outputs=[nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})],
    )
    nb = nbformat.v4.new_notebook(cells=[cell])
    with pytest.raises(PerfkitError, match="no alt text"):
        export.notebook_to_html(nb, title="Chart")
    cell.outputs[0].metadata = {"image/png": {"alt": "Bar chart of burglary by district, June 2015"}}
    page = export.notebook_to_html(nb, title="Chart")
    assert 'alt="Bar chart of burglary by district, June 2015"' in page
    assert a11y.static_issues(page) == []


@pytest.mark.parametrize(
    "kwargs, match",
    [({"edition": "secret"}, "edition"), ({"lang": "english please"}, "language"), ({"title": " "}, "title")],
)
def test_bad_arguments_explained(kwargs, match):
    args = {"title": "T", **kwargs}
    with pytest.raises(PerfkitError, match=match):
        export.page(args.pop("title"), "<p>x</p>", **args)


def test_board_edition_marked():
    page = export.page("Board pack", "<h1>Board pack</h1>", edition="board")
    assert "Board edition" in page and "restricted material" in page
    assert "restricted material" not in page[page.index("<main"):]  # in the header, not repeated in combined packs
    assert "Board edition" not in export.page("Public", "<h1>Public</h1>")


def test_page_strips_scripts_and_styles_from_bodies():
    page = export.page("P", '<h1>P</h1><script src="https://cdn.example/x.js"></script><style>p{}</style><link rel="stylesheet" href="//x/y.css"><p>kept</p>')
    assert "<script" not in page and "cdn.example" not in page and "//x/y.css" not in page
    assert page.count("<style>") == 1 and "<p>kept</p>" in page


def test_accessibility_statement():
    body = export.accessibility_statement(
        "the Office of the Police and Crime Commissioner", "info@example.gov.uk", prepared="26 November 2026"
    )
    for needle in (
        "<h1>Accessibility statement</h1>",
        "Web Content Accessibility Guidelines version 2.1",
        "axe-core",
        "Chromium",
        "Equality and Human Rights Commission",
        "Equality Advisory and Support Service",
        "info@example.gov.uk",
        "alt",
        "26 November 2026",
        "partially compliant",
    ):
        assert needle in body, needle
    page = export.page("Accessibility statement", body)
    levels = _headings(page)
    assert levels.count(1) == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:]))
    assert a11y.static_issues(page) == []


def test_static_check_catches_bad_pages():
    bad = (
        '<html><head><script src="https://cdn.example/require.js"></script></head><body>'
        '<img src="data:image/png;base64,AAAA" alt="png"><img src="chart.png">'
        "<p>/work/main/notebooks/x.py</p><pre>Traceback (most recent call last):</pre></body></html>"
    )
    ids = {issue["id"] for issue in a11y.static_issues(bad)}
    assert {"external-resource", "not-self-contained", "script", "generic-alt", "local-path", "code-shown"} <= ids


def test_same_bytes_in_a_fresh_process(html):
    """Nothing depends on the process: hash seed, import order, threads."""
    import hashlib
    import os
    import subprocess
    import sys

    code = (
        "import hashlib, nbformat, sys\n"
        "from perfkit.present.export import notebook_to_html\n"
        f"nb = nbformat.read({str(FIXTURES / 'report.ipynb')!r}, as_version=4)\n"
        f"page = notebook_to_html(nb, title={TITLE!r}, site_nav={NAV!r}, description='How the force did on objective 1.')\n"
        "sys.stdout.write(hashlib.sha256(page.encode('utf-8')).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == hashlib.sha256(html.encode("utf-8")).hexdigest()
