"""Smoke test: render one quarter end to end (Papermill + nbconvert) and check every page.

The quarter is rendered once per test session (about two minutes on two cores) into a temporary
outputs folder from the shipped data; the tests below read what it published.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from perfkit.config.plan import load_plan
from perfkit.run import REPORTS

QUARTER = "2018-19-Q2"  # the quarter tests/conftest.py renders (RENDERED_QUARTER)
pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def rendered(rendered_quarter) -> Path:
    """The outputs folder QUARTER was published into (rendered once per session, tests/conftest.py)."""
    return rendered_quarter


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.titles, self.h1 = [], [], 0
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "title":
            self._in_title = True
        if tag == "h1":
            self.h1 += 1

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.titles.append(data)


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_index_links_the_seven_reports_and_every_link_resolves(rendered):
    folder = rendered / QUARTER
    index = _parse(folder / "index.html")
    for report in REPORTS:
        assert f"{report}.html" in index.links, f"index.html does not link {report}.html"
    for page in sorted(folder.rglob("*.html")):
        for href in _parse(page).links:
            target = href.split("#")[0]
            if not target or target.startswith(("mailto:", "#")):
                continue
            if target.startswith("https://"):  # a link to another site (licence, EHRC) fetches nothing
                continue
            if page.name == "board-pack.html" and target.startswith("data:"):  # its downloads travel with it
                continue
            assert not re.match(r"^[a-z]+:", target), f"{page.name} has an unexpected link: {href}"
            assert (page.parent / target).exists(), f"{page.relative_to(rendered)} links to missing {href}"


def test_every_page_shows_no_code_and_has_one_h1_and_a_real_title(rendered):
    folder = rendered / QUARTER
    pages = sorted(folder.rglob("*.html"))
    assert len(pages) >= 2 * (len(REPORTS) + 2)  # both editions: reports, index, accessibility
    for page in pages:
        html = page.read_text(encoding="utf-8")
        parsed = _parse(page)
        assert parsed.h1 == 1, f"{page.name}: {parsed.h1} h1 elements"
        assert parsed.titles and parsed.titles[0].strip() and ".ipynb" not in parsed.titles[0]
        for marker in ("from perfkit", "ObjectiveReport(", "jp-InputArea", "input_prompt", "In&nbsp;[", "Traceback"):
            assert marker not in html, f"{page.name} shows code or an error ({marker!r})"
        assert "/work/" not in html and "/tmp/" not in html, f"{page.name} shows a local path"


def test_each_objective_report_carries_its_objective_and_quarter(rendered):
    plan = load_plan()
    for objective in plan.objectives:
        html = (rendered / QUARTER / f"objective-{objective.number}.html").read_text(encoding="utf-8")
        assert f"Objective {objective.number}: {objective.title}" in html
        assert "2018/19 Quarter 2 (July to September 2018)" in html
        # Narrative first: the narrative (or its missing box) comes before the evidence and the charts.
        assert html.index("Narrative") < html.index("What the evidence says") < html.index("<img")


def test_every_public_measure_has_a_chart_comparison_or_a_stated_gap(rendered):
    plan = load_plan()
    for objective in plan.objectives:
        html = (rendered / QUARTER / f"objective-{objective.number}.html").read_text(encoding="utf-8")
        for measure in objective.measures:
            if measure.restricted:
                assert measure.title not in html
                continue
            assert f'id="measure-{measure.id}"' in html, f"{measure.id} has no section in objective {objective.number}"


def test_restricted_measures_appear_in_the_board_edition_only(rendered):
    plan = load_plan()
    restricted = [m for m in plan.measures.values() if m.restricted]
    assert restricted, "the shipped Plan should exercise a restricted measure"
    public_text = "".join(p.read_text(encoding="utf-8") for p in (rendered / QUARTER).glob("*.html"))
    public_text += (rendered / QUARTER / "data-pack.csv").read_text(encoding="utf-8")
    board_text = (rendered / QUARTER / "board" / "board-pack.html").read_text(encoding="utf-8")
    for measure in restricted:
        assert measure.title not in public_text
        assert measure.title in board_text
    assert measure.id in (rendered / QUARTER / "board" / "data-pack.csv").read_text(encoding="utf-8")


def test_downloads_and_manifest(rendered):
    import openpyxl

    folder = rendered / QUARTER
    book = openpyxl.load_workbook(folder / "board" / "data-pack.xlsx")
    assert book.sheetnames == ["Objective 1", "Objective 2", "Objective 3", "Objective 4", "Objective 5", "Requests",
                               "Caveats", "Notes"]
    in_book = {row[0] for name in book.sheetnames[:5] for row in book[name].iter_rows(min_row=2, values_only=True)}
    assert in_book == set(load_plan().measures), "the Board workbook must hold every measure of the Plan"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["quarter"] == QUARTER
    assert set(manifest["parameters"]) == set(REPORTS) | {"request-R2018-01"}  # the request due in the quarter
    assert any(e["path"].endswith("plan.yaml") and len(e["sha256"]) == 64 for e in manifest["inputs"])
    assert any(e.get("kind") == "counts" for e in manifest["inputs"])
    assert manifest["packages"]["papermill"] and manifest["git_commit"]
    assert set(manifest["outputs"]) >= {"index.html", "data-pack.csv", "board/board-pack.html", "board/board-pack.pdf"}


def test_site_index_lists_the_quarter(rendered):
    assert f'href="{QUARTER}/index.html"' in (rendered / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("bad", ["2016-Q2", "2016/18 Q2", "next"])
def test_unknown_quarter_gets_a_one_line_error(bad, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "perfkit", "run", "--quarter", bad, "--outputs", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "'2015-16-Q1' (canonical), '2015-16 Q1' or '2015/16 Q1'" in proc.stderr
    assert not any(tmp_path.iterdir()) or not (tmp_path / bad).exists()


# axe-core (WCAG 2.1 A/AA), reflow, print and no network request over every published page of both
# editions and the index of quarters: tests/test_layout.py, one browser pass of the rendered quarter.
