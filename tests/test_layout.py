"""Fits the screen: the layout Chromium computes for every published page, at 500 and 1280 px.

Needs Debian's Chromium at /usr/bin/chromium and axe-core in node_modules/ (``bash
.ci/install-browser``; ``make test`` runs it when either is missing). Without them these tests fail
with that command, or skip, saying the check was not run, with ``PERFKIT_SKIP_BROWSER=1``
(tests/conftest.py ``require_browser``); in CI (``CI=true``) a missing browser is always a failure.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from perfkit.present import a11y

from conftest import DEFAULT_QUARTER, require_browser

pytestmark = pytest.mark.slow

LAYOUT_IDS = {"table-too-wide", "page-too-wide"}


@pytest.fixture(scope="module")
def default_pages(rendered_default) -> list[Path]:
    """Every published page of both editions of the default quarter, the outputs folder's index of
    quarters and the analysts' checks page: the one browser pass over the rendered quarter
    (axe-core, reflow, print and layout)."""
    require_browser("layout check")
    folder = rendered_default / DEFAULT_QUARTER
    pages = [*sorted(folder.glob("*.html")), *sorted((folder / "board").glob("*.html")),
             rendered_default / "index.html", rendered_default / "_work" / DEFAULT_QUARTER / "checks.html"]
    assert any(p.name == "data-pack.html" for p in pages) and any(p.parent.name == "board" for p in pages)
    assert all(p.is_file() for p in pages)
    return pages


@pytest.fixture(scope="module")
def default_results(default_pages) -> dict[Path, list[dict]]:
    """One browser session: axe-core, the self-containment, reflow and print checks and the layout check."""
    return a11y.check_pages(default_pages)


def test_layout_check_runs_at_a_phone_and_a_desktop_width():
    assert a11y.LAYOUT_WIDTHS == (500, 1280)


def test_no_table_or_page_wider_than_the_screen_at_500_and_1280(default_results, default_pages):
    assert set(default_results) == set(default_pages)
    problems = {
        path: [issue for issue in issues if issue["id"] in LAYOUT_IDS] for path, issues in default_results.items()
    }
    problems = {path: issues for path, issues in problems.items() if issues}
    assert not problems, "too wide:\n" + a11y.format_issues(problems)


def test_axe_core_and_the_other_checks_find_nothing(default_results):
    problems = {
        path: [issue for issue in issues if issue["id"] not in LAYOUT_IDS] for path, issues in default_results.items()
    }
    problems = {path: issues for path, issues in problems.items() if issues}
    assert not problems, "accessibility problems:\n" + a11y.format_issues(problems)


SYNTHETIC = """<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Layout test</title>
<style>body {{ margin: 0; }} main {{ max-width: 600px; padding: 0 10px; }}
.wrap {{ overflow-x: auto; }} td {{ white-space: nowrap; }}</style></head>
<body><main><h1>Layout test</h1>
<table><caption>Fits</caption><thead><tr><th>Measure</th><th>Figure</th></tr></thead>
<tbody><tr><td>Burglary</td><td>1,234</td></tr></tbody></table>
<div class="wrap"><table><caption>Scrolls in its wrapper</caption><thead><tr><th>Measure</th></tr></thead>
<tbody><tr><td>{long}</td></tr></tbody></table></div>
<details><summary>Numbers behind</summary><table><thead><tr><th>Hidden until opened</th></tr></thead>
<tbody><tr><td style="display:block;width:700px">wide cell</td></tr></tbody></table></details>
{extra}
</main></body></html>"""


def test_the_check_catches_a_too_wide_table_and_page(tmp_path):
    """The check can fail: a table scrolling in its wrapper, one in a closed <details>, and a page
    wider than a phone are all reported, naming the page, the width and the table."""
    require_browser("layout check")
    page = tmp_path / "wide.html"
    page.write_text(
        SYNTHETIC.format(long="x" * 150, extra='<div style="width:800px">A block wider than a phone.</div>'),
        encoding="utf-8",
    )
    issues = a11y.check_layout([page])[page]
    by = {(issue["id"], issue["width"]): issue for issue in issues}
    assert set(by) == {("table-too-wide", 500), ("table-too-wide", 1280), ("page-too-wide", 500)}, by
    for width in (500, 1280):
        issue = by[("table-too-wide", width)]
        assert issue["page"] == "wide.html"
        targets = [node["target"][0] for node in issue["nodes"]]
        assert 'table "Scrolls in its wrapper"' in targets
        assert 'table headed "Hidden until opened"' in targets
        assert not any("Fits" in t for t in targets)
        wide = next(n for n in issue["nodes"] if n["target"][0] == 'table "Scrolls in its wrapper"')
        room = 480 if width == 500 else 600  # main's content box: 500 less 2 x 10 px padding, or its max-width
        assert re.search(rf"is \d+ px wide in a {room} px box \(div\.wrap\)", wide["failureSummary"]), wide
    assert "wide.html is " in by[("page-too-wide", 500)]["nodes"][0]["failureSummary"]
    assert "on a 500 px wide screen" in by[("page-too-wide", 500)]["nodes"][0]["failureSummary"]


def test_a_page_that_fits_is_clean(tmp_path):
    require_browser("layout check")
    page = tmp_path / "fits.html"
    page.write_text(
        SYNTHETIC.replace("white-space: nowrap", "overflow-wrap: anywhere")
        .replace("display:block;width:700px", "display:table-cell")
        .format(long="x" * 150, extra=""),
        encoding="utf-8",
    )
    assert a11y.check_layout([page]) == {page: []}


def test_check_layout_names_a_missing_page(tmp_path):
    with pytest.raises(a11y.PerfkitError, match="no such page"):
        a11y.check_layout([tmp_path / "absent.html"])


def _stylesheet() -> str:
    """The project stylesheet, wherever the package keeps it."""
    import perfkit

    found = sorted(Path(perfkit.__file__).parent.rglob("perfkit.css"))
    assert found, "perfkit.css not found in the perfkit package"
    return found[0].read_text(encoding="utf-8")


def _wide_table(labels: bool) -> str:
    heads = ["Measure"] + [f"Figure {i}" for i in range(1, 12)]
    head = "".join(f'<th scope="col">{h}</th>' for h in heads)
    rows = []
    for r in range(3):
        cells = "".join(
            f'<td class="num"{f" data-label={heads[i]!r}" if labels else ""}>{1_234_567 + r * 11 + i:,}</td>'
            for i in range(1, 12)
        )
        rows.append(f'<tr><th scope="row">Measure number {r}</th>{cells}</tr>')
    return (f'<div class="table-wrap"><table><caption>Twelve columns</caption><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


@pytest.mark.parametrize("labels", [True, False], ids=["data-label", "no-label"])
def test_the_stylesheet_fits_a_twelve_column_table_on_a_phone(tmp_path, labels):
    """Twelve columns of seven-digit figures cannot sit side by side in 468 px: the stylesheet
    stacks the rows (with or without data-label) on a small screen and fits them at 1280 px; the
    same table under a stylesheet without those rules is reported, so the check is not vacuous."""
    require_browser("layout check")
    body = f'<main class="wrap"><h1>Layout</h1>{_wide_table(labels)}</main>'
    styled = tmp_path / "styled.html"
    styled.write_text(
        f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Layout</title>'
        f"<style>{_stylesheet()}</style></head><body>{body}</body></html>",
        encoding="utf-8",
    )
    bare = tmp_path / "bare.html"
    bare.write_text(
        f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Layout</title>'
        f"<style>.wrap {{ max-width: 60rem; padding: 0 1rem; }} .table-wrap {{ overflow-x: auto; }}</style>"
        f"</head><body>{body}</body></html>",
        encoding="utf-8",
    )
    results = a11y.check_layout([styled, bare])
    assert results[styled] == [], a11y.format_issues({styled: results[styled]})
    assert ("table-too-wide", 500) in {(i["id"], i["width"]) for i in results[bare]}
