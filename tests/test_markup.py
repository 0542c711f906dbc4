"""Narrative made safe to publish (perfkit.present.markup; issue 23, item 2): markup pasted into a
narrative file never runs on a page, and the analysts' checks page names the file and what went.

The fast tests take a narrative file through the same calls a run makes (the report's narrative
section, the HTML export, the quarter's headlines, the checks); the slow one renders a report with
``perfkit run`` and reads every page it published.
"""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import nbformat
import pytest

from perfkit.present import export
from perfkit.present.markup import ATTRIBUTES, TAGS, URL_SCHEMES, Removal, narrative_html, plain_text

QUARTER = "2018-19-Q2"

#: The markup of issue 23 ("Markup that runs code").
HOSTILE = ('Partners said <img src=x onerror="alert(1)"> and <a href="https://example.org/" onclick="steal()">this</a>; '
           "[click](javascript:alert(2)).")
#: What must never reach a published page.
FORBIDDEN = ("onerror", "onclick", "onload", "javascript:")


def _clean_of_code(text: str) -> bool:
    low = text.lower()
    return not any(word in low for word in FORBIDDEN)


def test_the_issues_markup_is_removed_and_listed():
    safe = narrative_html(HOSTILE + '\n\n<body onload="go()"><p>Kept.</p></body>\n\n<script>alert(3)</script>')
    assert _clean_of_code(safe.html) and "<script" not in safe.html and "<img" not in safe.html
    assert "Partners said" in safe.html and '<a href="https://example.org/">this</a>' in safe.html
    assert "<p>Kept.</p>" in safe.html and "alert(3)" not in safe.html
    assert Removal("img", "", '<img src="x" onerror="alert(1)">') in safe.removed
    assert Removal("a", "onclick", "steal()") in safe.removed
    assert Removal("a", "href", "javascript:alert(2)") in safe.removed
    assert Removal("body", "", '<body onload="go()">') in safe.removed
    assert Removal("script", "", "<script>", with_content=True) in safe.removed
    assert [r.describe() for r in safe.removed][:3] == [
        'the element <img src="x" onerror="alert(1)">', 'the attribute onclick="steal()" of <a>',
        "the link address javascript:alert(2) of <a>"]


@pytest.mark.parametrize("markup", [
    '<a href="JaVaScRiPt:alert(1)">x</a>', '<a href=" java\tscript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', '<svg onload="alert(1)"><p>x</p>',
    '<p onmouseover="alert(1)" style="background:url(javascript:alert(1))">x</p>',
    '<iframe src="javascript:alert(1)"></iframe>', '<form action="javascript:alert(1)"><button>x</button></form>',
    '<math><a xlink:href="javascript:alert(1)">x</a></math>', "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
])
def test_other_ways_in_are_closed_and_each_is_listed(markup):
    safe = narrative_html(markup)
    assert _clean_of_code(safe.html) and "data:" not in safe.html, safe.html
    assert safe.removed, f"nothing listed as removed from {markup!r}"


def test_what_the_allow_list_keeps_is_kept_as_rendered_before():
    text = ("# Heading\n\nA *stressed* and **strong** word, [a page](https://www.gov.uk/), "
            "[the deep dive](deep-dive.html#burglary), [email](mailto:pcc@example.org).\n\n"
            "- one\n- two\n\n1. first\n\n> A victim said so.\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n")
    safe = narrative_html(text)
    assert safe.removed == ()
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    # Byte for byte what the export's markdown renderer gave before the cleaning was added.
    before = MarkdownWithMath(renderer=IPythonRenderer(escape=False, exclude_anchor_links=True)).render(text)
    assert safe.html == before
    assert {"a", "p", "em", "strong", "ul", "ol", "li", "blockquote", "table", "th", "td", "h1"} <= TAGS
    assert ATTRIBUTES["a"] == {"href", "title"} and URL_SCHEMES == {"http", "https", "mailto"}


def test_a_headline_is_plain_text():
    assert plain_text("**Crime fell** by 5% & <b onclick='x()'>more</b>") == "Crime fell by 5% & more"
    assert _clean_of_code(plain_text(HOSTILE))
    assert plain_text("[click](javascript:alert(2)) here") == "click here"


@pytest.fixture
def hostile_params(tmp_path, monkeypatch):
    """A copy of params/ whose objective-1 narrative holds the issue's markup, in the public text
    and in a passage for the Board only."""
    from perfkit import config

    params = tmp_path / "params"
    shutil.copytree(config.params_dir(), params)
    folder = params / "narrative" / QUARTER
    (folder / "objective-1.md").write_text(
        f"Crime was level {HOSTILE}\n\n{HOSTILE}\n\n::: restricted\nFor the Board <b onload=\"x()\">only</b>.\n:::\n",
        encoding="utf-8")
    monkeypatch.setenv("PERFKIT_PARAMS", str(params))
    return params


def _page(section, edition: str) -> str:
    """``section`` exported as the run exports a report: each part an output, the other edition's dropped."""
    from IPython.core.formatters import DisplayFormatter

    formatter = DisplayFormatter()
    outputs = []
    for part in section.parts:
        if part.edition in (None, edition):
            data, meta = formatter.format(part)
            outputs.append(nbformat.v4.new_output("display_data", data=data, metadata=meta))
    cell = nbformat.v4.new_code_cell("report.narrative()")
    cell.outputs = outputs
    return export.notebook_to_html(nbformat.v4.new_notebook(cells=[cell]), title="Objective 1", edition=edition)


def test_a_narrative_file_publishes_no_code_and_the_checks_name_it(hostile_params):
    from perfkit.periods import parse_quarter
    from perfkit.reports import site
    from perfkit.reports.report import narrative_section

    section = narrative_section(QUARTER, "objective-1")
    for edition in ("public", "board"):
        page = _page(section, edition)
        assert _clean_of_code(page), edition
        assert "Crime was level" in page and '<a href="https://example.org/">this</a>' in page
    assert "only" in _page(section, "board") and "For the Board" not in _page(section, "public")

    checks = site._narrative_checks(parse_quarter(QUARTER), [SimpleNamespace(name="objective-1")])
    removed = [c for c in checks if c.kind == "markup removed"]
    assert len(removed) == 1 and removed[0].report == "objective-1"
    check = removed[0]
    assert check.file.endswith(f"narrative/{QUARTER}/objective-1.md") and check.file in check.line()
    assert {(r.element, r.attribute) for r in check.removed} == {("img", ""), ("a", "onclick"), ("a", "href"),
                                                                 ("b", "onload")}
    assert 'onerror="alert(1)"' in check.line() and "javascript:alert(2)" in check.line()


def test_the_quarters_headline_shows_no_markup(hostile_params):
    from perfkit.config.plan import load_plan
    from perfkit.periods import parse_quarter
    from perfkit.reports import site

    plan = load_plan()
    rows = {m.id: {"measure": m.title, "unit": m.unit, "measure_id": m.id} for m in plan.measures.values()}
    model = SimpleNamespace(plan=plan, quarter=parse_quarter(QUARTER), row=rows.__getitem__)
    first = site.headlines(model, "public")[0]
    assert first.source == "analysts" and first.text.startswith("Crime was level Partners said and this")
    assert _clean_of_code(first.text)


@pytest.mark.slow
def test_a_run_publishes_no_code_from_a_narrative_and_its_checks_page_names_the_file(small_params, tmp_path):
    """`perfkit run` of one report with the issue's markup in its narrative: no published file holds
    an event handler or a javascript: link; the checks page under _work/ names the file and the markup."""
    import os
    import subprocess
    import sys

    params = small_params({1: "all_crime"})
    folder = params / "narrative" / "2016-17-Q2"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "objective-1.md").write_text(f"Crime was level.\n\n{HOSTILE}\n", encoding="utf-8")
    outputs = tmp_path / "outputs"
    proc = subprocess.run([sys.executable, "-m", "perfkit", "run", "--quarter", "2016-17-Q2", "--outputs", str(outputs),
                           "--only", "objective-1", "--jobs", "1", "--quiet"], capture_output=True, text=True,
                          env=dict(os.environ, PERFKIT_PARAMS=str(params)), timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    published = outputs / "2016-17-Q2"
    pages = [p for p in published.rglob("*") if p.suffix in {".html", ".csv", ".json"}]
    assert published / "objective-1.html" in pages and published / "board" / "board-pack.html" in pages
    assert "Partners said" in (published / "objective-1.html").read_text(encoding="utf-8")
    for page in pages:
        assert _clean_of_code(page.read_text(encoding="utf-8")), page
    checks = (outputs / "_work" / "2016-17-Q2" / "checks.html").read_text(encoding="utf-8")
    assert "Markup removed (1)" in checks and "narrative/2016-17-Q2/objective-1.md" in checks
    assert 'removed the element &lt;img src="x" onerror="alert(1)"&gt;; the attribute onclick="steal()" of &lt;a&gt;' in checks
    assert "the link address javascript:alert(2) of &lt;a&gt;" in checks
