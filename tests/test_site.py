"""The pages around the reports (perfkit.reports.site): the summary-first quarter index, the glossary and
its links, the analysts' checks page and the board pack that stands alone.

The unit tests run in seconds; the tests marked slow read the default quarter rendered once per
session (``rendered_default`` in tests/conftest.py).
"""

from __future__ import annotations

import re

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup

from perfkit.present import export, words
from perfkit.reports import site
from perfkit.errors import ConfigError
from perfkit.config.plan import load_plan
from perfkit.config.quarter import HEADLINE_WORDS

QUARTER = "2018-19-Q2"  # DEFAULT_QUARTER of tests/conftest.py

#: The terms issue 12 asks the glossary for, by id in glossary.yaml.
TERMS = {
    "common-cause-variation": "Common-cause variation", "special-cause-variation": "Special-cause variation",
    "process-limits": "Process limits", "trial-limits": "Trial limits", "rebased-limits": "Rebased limits",
    "interval-95": "95% interval", "statistically-significant": "Statistically significant",
    "over-dispersion": "Over-dispersion", "seasonally-adjusted": "Seasonally adjusted",
    "rate-per-1000": "Rate per 1,000", "recording-change": "Recording change", "data-fault": "Data fault",
    "rolling-12-months": "Rolling 12 months", "year-to-date": "Year to date", "suppressed": "[c]",
}


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


# --- unit tests --------------------------------------------------------------------------------


def test_glossary_has_every_listed_term_with_a_definition():
    terms = {t.id: t for t in export.glossary()}
    for ident, name in TERMS.items():
        assert ident in terms, f"glossary.yaml has no term {ident}"
        assert terms[ident].term == name
        assert len(terms[ident].definition.split()) >= 10, f"{ident}: the definition is too short to explain"


def test_first_use_is_linked_once_and_never_inside_headings_links_or_figures():
    soup = export.parse(
        "<h2>Common-cause variation</h2>"
        '<p><a href="x.html">common-cause variation</a> and <data value="1">a 95% interval</data>.</p>'
        "<p>The series shows common-cause variation; later common-cause variation again, "
        "with a 95% interval and [c] in a table.</p>")
    export.link_terms(soup, "glossary.html")
    links = soup.find_all("a", class_="term")
    assert [a["href"] for a in links] == ["glossary.html#common-cause-variation", "glossary.html#interval-95",
                                          "glossary.html#suppressed"]
    assert soup.h2.find("a") is None and soup.data.find("a") is None
    assert str(soup).count("common-cause variation") == 3  # no text lost


def test_terms_already_linked_in_page_are_not_linked_again():
    soup = export.parse('<p><a href="#trial-limits">trial limits</a></p><p>trial limits again</p>')
    export.link_terms(soup, "")
    assert len(soup.find_all("a")) == 1


def test_generated_headline_is_short_and_names_the_significant_changes():
    rows = [{"measure": f"Measure number {i} with a long descriptive title", "change_pct": 20.0 + i,
             "significant": "yes", "unit": "offences"} for i in range(8)]
    text = words.objective_headline(rows)
    assert len(text.split()) <= HEADLINE_WORDS
    assert text.startswith("8 of 8 compared measures") and "measure number 0 with a long descriptive title (20% more)" in text
    assert text.endswith("more.") and re.search(r"and \d+ more", text)  # the others counted, never dropped
    assert "No measure" in words.objective_headline([{"measure": "X", "change_pct": float("nan"), "unit": "x"}])


def _params_copy(tmp_path: Path, publishing: str) -> Path:
    dest = tmp_path / "params"
    shutil.copytree(Path(__file__).resolve().parents[1] / "params", dest)
    (dest / "publishing.yaml").write_text(publishing, encoding="utf-8")
    return dest


def test_site_url_absent_set_and_invalid(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFKIT_PARAMS", str(_params_copy(tmp_path, "disclosure: {smallest: 1}\n")))
    assert site.site_url() == ""
    (tmp_path / "params" / "publishing.yaml").write_text("site_url: https://example.org/perf\n", encoding="utf-8")
    assert site.site_url() == "https://example.org/perf/"
    (tmp_path / "params" / "publishing.yaml").write_text("site_url: example.org\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"params/publishing.yaml: site_url: found 'example.org'; expected"):
        site.site_url()
    (tmp_path / "params" / "publishing.yaml").write_text("site_ulr: https://example.org/\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="site_ulr"):
        site.site_url()


def test_checks_name_a_missing_narrative(tmp_path, monkeypatch):
    params = _params_copy(tmp_path, "disclosure: {smallest: 1}\n")
    shutil.rmtree(params / "narrative", ignore_errors=True)
    monkeypatch.setenv("PERFKIT_PARAMS", str(params))
    jobs = [SimpleNamespace(name="objective-1"), SimpleNamespace(name="data-pack")]
    from perfkit.periods import parse_quarter

    checks = site._narrative_checks(parse_quarter(QUARTER), jobs)
    assert [(c.kind, c.report) for c in checks] == [("missing narrative", "objective-1")]
    assert "objective-1.md" in checks[0].line()


def test_headline_sources_analysts_example_generated(tmp_path, monkeypatch):
    from perfkit.periods import parse_quarter

    params = _params_copy(tmp_path, "disclosure: {smallest: 1}\n")
    folder = params / "narrative" / QUARTER
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "objective-1.md").write_text("<!-- example -->\n# Crime was level with a year earlier.\n\nMore.\n",
                                           encoding="utf-8")
    (folder / "objective-2.md").write_text("::: restricted\nBoard only line.\n:::\nThe budget held.\n",
                                           encoding="utf-8")
    monkeypatch.setenv("PERFKIT_PARAMS", str(params))
    plan = load_plan()
    rows = {m.id: {"measure": m.title, "unit": m.unit, "measure_id": m.id, "change_pct": 25.0, "significant": "yes"}
            for m in plan.measures.values()}
    model = SimpleNamespace(plan=plan, quarter=parse_quarter(QUARTER), row=rows.__getitem__)
    public = {h.objective: h for h in site.headlines(model, "public")}
    assert (public[1].source, public[1].text) == ("example", "Crime was level with a year earlier.")
    assert public[1].label == "Example text written for the shipped data"
    assert (public[2].source, public[2].text) == ("analysts", "The budget held.")
    assert site.headlines(model, "board")[1].text == "Board only line."
    assert public[3].source == "generated" and public[3].label == "Generated from the figures"
    assert "(25% more)" in public[3].text and len(public[3].text.split()) <= HEADLINE_WORDS


# --- the default quarter, rendered -------------------------------------------------------------


@pytest.fixture(scope="module")
def published(rendered_default) -> Path:
    """The default quarter's published folder."""
    return rendered_default / QUARTER


@pytest.mark.slow
def test_summary_table_names_every_plan_measure(published):
    plan = load_plan()
    for edition, folder in (("board", published / "board"), ("public", published)):
        table = _soup(folder / "index.html").find("table", class_="summary")
        assert table is not None, f"{edition} index has no summary table"
        names = [th.get_text(" ", strip=True) for th in table.find_all("th", scope="row")]
        groups = [th.get_text(" ", strip=True) for th in table.find_all("th", scope="rowgroup")]
        assert len(groups) == len(plan.objectives)
        for m in plan.measures.values():
            if edition == "public" and m.restricted:
                assert m.title not in names
            else:
                assert m.title in names, f"{edition} summary does not name {m.title}"
        for td in table.find_all("td"):
            assert td.get_text(strip=True), "an empty summary cell"
        spc = [s for s in table.find_all("span", class_="spc")]
        assert spc and all(s.get_text(strip=True) for s in spc), "an SPC icon without its text equivalent"


@pytest.mark.slow
def test_one_short_marked_headline_per_objective(published):
    plan = load_plan()
    items = _soup(published / "index.html").find("ul", class_="headlines").find_all("li")
    assert len(items) == len(plan.objectives)
    marks = {"Generated from the figures", "The analysts' headline", "Example text written for the shipped data"}
    for li in items:
        source = li.find("span", class_="headline-source").get_text(strip=True).strip("()")
        assert source in marks
        headline = li.find("span", class_="headline-text").get_text(" ", strip=True)
        assert headline and len(headline.split()) <= HEADLINE_WORDS, headline


@pytest.mark.slow
def test_glossary_page_and_first_use_links(published):
    for folder in (published, published / "board"):
        glossary = _soup(folder / "glossary.html").find(id="glossary")
        assert glossary is not None
        for ident in TERMS:
            assert glossary.find(id=ident) is not None, f"{folder.name}/glossary.html lacks {ident}"
    page = _soup(published / "objective-3.html")
    links = page.find_all("a", class_="term")
    assert links, "objective-3.html links no glossary term"
    targets = [a["href"] for a in links]
    assert len(targets) == len(set(targets)), "a term is linked more than once on a page"
    for a in links:
        assert a["href"].startswith("glossary.html#") and a["href"].split("#")[1] in {t.id for t in export.glossary()}
        assert a.find_parent(["h1", "h2", "h3", "h4", "data"]) is None
    assert _soup(published / "index.html").find(id="how-to-read") is not None


@pytest.mark.slow
def test_checks_page_is_under_work_never_published(rendered_default, published):
    checks = rendered_default / "_work" / QUARTER / "checks.html"
    assert checks.is_file()
    assert not list(published.rglob("checks.html"))
    text = _soup(checks).find("main").get_text(" ", strip=True)
    assert "Pre-publication checks" in text
    assert "narrative" in text and "objective-1" in text  # missing or example narrative, per report
    assert "data fault" in text or "incomplete" in text
    index = (published / "index.html").read_text(encoding="utf-8")
    assert "params/" not in index and "(2013-16 (refreshed))" not in index


@pytest.mark.slow
def test_board_pack_stands_alone(published):
    pack = published / "board" / "board-pack.html"
    html = pack.read_text(encoding="utf-8")
    assert html.count("These are official statistics") == 1
    soup = BeautifulSoup(html, "html.parser")
    ids = {t["id"] for t in soup.find_all(id=True)}
    for tag in soup.find_all(href=True) + soup.find_all(src=True):
        ref = tag.get("href") or tag.get("src")
        if ref.startswith("#"):
            assert ref[1:] in ids, f"board pack: in-page link {ref} has no target"
        else:
            assert ref.startswith(("data:", "https://")), f"board pack links {ref!r}, which does not travel with it"
    downloads = [a for a in soup.find_all("a", href=True) if a.get("download")]
    assert {a["download"].rsplit("-", 1)[-1] for a in downloads} >= {"pack.csv", "pack.xlsx"}
    assert soup.find(id="glossary") is not None and soup.find(id="how-to-read") is not None
    # The qualitative evidence (params/narrative/2018-19-Q2/qualitative.yaml): one line in its objectives'
    # sections of the paper, the table on the objective's page, nothing where there is none.
    lines = {s["id"]: s.find("p", class_="qualitative-line") for s in soup.find_all("section", class_="pack-section")
             if s.get("id", "").startswith("objective-")}
    assert {k for k, v in lines.items() if v is not None} == {"objective-1", "objective-4"}
    assert "HMICFRS, PEEL: police effectiveness 2017" in lines["objective-4"].get_text()
    assert "22 March 2018" in lines["objective-4"].get_text() and not soup.find_all(class_="qualitative-evidence")
    for edition in (published, published / "board"):
        page = _soup(edition / "objective-4.html").find("main")
        table = page.find(class_="qualitative-evidence").find("table")
        assert table.find("th", scope="row").a["href"].startswith("https://hmicfrs.justiceinspectorates.gov.uk/")
        assert "domestic abuse" in table.get_text() and table.find("time")["datetime"] == "2018-03-22"
        assert _soup(edition / "objective-2.html").find(class_="qualitative-evidence") is None


@pytest.mark.slow
def test_board_pack_downloads_at_site_url(published, tmp_path, monkeypatch):
    from perfkit.periods import parse_quarter
    from perfkit.config.quarter import load_quarter
    from perfkit.run import plan_jobs

    monkeypatch.setenv("PERFKIT_PARAMS", str(_params_copy(tmp_path, "site_url: https://example.org/perf/\n")))
    board = tmp_path / "board"
    shutil.copytree(published / "board", board)
    q = parse_quarter(QUARTER)
    plan = load_plan()
    jobs = plan_jobs(q, plan, load_quarter(q), store=None, downloads_dir=str(tmp_path))
    site.write_board_pack(board, q, plan, jobs)
    soup = _soup(board / "board-pack.html")
    hrefs = [a["href"] for a in soup.find_all("a", href=True)]
    assert f"https://example.org/perf/{QUARTER}/data-pack.csv" in hrefs
    assert not any(h.startswith("data:") for h in hrefs)


@pytest.mark.slow
def test_the_public_edition_of_the_paper_holds_the_public_pages_only(published, tmp_path, monkeypatch):
    """``public_board_paper: true``: the paper made from the public pages leaves out the restricted
    measure the Board's paper shows (spending against budget), says which edition it is, and passes
    the accessibility check."""
    from perfkit.config.quarter import load_quarter
    from perfkit.periods import parse_quarter
    from perfkit.run import plan_jobs

    monkeypatch.setenv("PERFKIT_PARAMS", str(_params_copy(tmp_path, "public_board_paper: true\n")))
    public = tmp_path / "public"
    shutil.copytree(published, public, ignore=shutil.ignore_patterns("board"))
    q = parse_quarter(QUARTER)
    plan = load_plan()
    jobs = plan_jobs(q, plan, load_quarter(q), store=None, downloads_dir=str(tmp_path))
    site.write_board_pack(public, q, plan, jobs, edition="public")
    ours = _soup(public / "board-pack.html")
    theirs = _soup(published / "board" / "board-pack.html")
    restricted = [m.title for m in plan.measures.values() if m.restricted]
    assert restricted and all(t in theirs.get_text() and t not in ours.get_text() for t in restricted)
    assert "Public edition." in ours.find("p", class_="lede").get_text() and "Board edition" not in ours.get_text()
    assert ours.find(id="attention") is not None and ours.find(id="glossary") is not None
    hrefs = [a["href"] for a in ours.find_all("a", href=True)]
    assert any(h.startswith("data:text/csv") for h in hrefs)  # the public pack's downloads travel with it
    from conftest import require_browser
    from perfkit.present import a11y

    require_browser("accessibility check of the public edition's paper")
    results = a11y.check_pages([public / "board-pack.html"])
    assert all(not issues for issues in results.values()), a11y.format_issues(results)


# axe-core over the board pack, both indexes, the glossary and the checks page: tests/test_layout.py
# (one browser pass over every page of the rendered quarter).


@pytest.mark.slow
def test_one_report_into_a_quarter_never_published_builds_a_pack_of_what_exists(small_params, tmp_path):
    """`perfkit run --only` into an empty outputs folder: the board pack holds the one report
    rendered (it used to fail looking for the others)."""
    import os
    import subprocess
    import sys

    params = small_params({1: "all_crime", 3: "burglary"})
    env = dict(os.environ, PERFKIT_PARAMS=str(params))
    outputs = tmp_path / "outputs"
    proc = subprocess.run([sys.executable, "-m", "perfkit", "run", "--quarter", "2016-17-Q2", "--outputs", str(outputs),
                           "--only", "objective-3", "--jobs", "1", "--quiet"], capture_output=True, text=True,
                          env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    pack = (outputs / "2016-17-Q2" / "board" / "board-pack.html").read_text(encoding="utf-8")
    assert "Burglary" in pack and not (outputs / "2016-17-Q2" / "board" / "objective-1.html").exists()


def test_every_spc_verdict_of_the_evidence_has_an_icon_and_says_it_is_the_latest_month():
    from perfkit import evidence

    for key in ("common_cause", "improvement", "concern", "neutral"):
        kind, text = words.spc_icon(key)
        assert evidence.words.spc_variation(key) == words.lower_first(text)
        assert kind != "none" and text.startswith("Latest month:"), key


def test_the_paper_takes_no_missing_narrative_notice_from_a_page():
    """A report page without narrative says so (report.MISSING_NARRATIVE); the Board paper takes
    nothing from it (its own short line says it once per objective), and a written narrative whole."""
    from perfkit.present.export import parse
    from perfkit.reports import report, site

    def main(narrative_html):
        page = parse(f'<main><div class="cell-md"><h2 id="narrative">Narrative</h2></div>{narrative_html}'
                     '<div><h2 id="evidence">What the evidence says</h2><p>Figures.</p></div></main>')
        return page.find("main")

    missing = f'<div class="cell-output"><p class="narrative-missing">{report.MISSING_NARRATIVE}</p></div>'
    assert str(site._narrative(main(missing))) == ""
    written = '<div class="cell-output"><p>Burglary fell in Fenland.</p></div>'
    assert "Burglary fell in Fenland." in str(site._narrative(main(written)))
