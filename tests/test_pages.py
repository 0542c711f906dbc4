"""What a Board member reads, over every published page of both editions of the default quarter:
short sentences, no text glitches, nothing meant for the analysts (issue 12).

Sentences are counted with :func:`perfkit.present.words.sentences` over the prose of each page's ``<main>``
(paragraphs, list items and definitions; tables, headings and chart images are not prose).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from bs4 import BeautifulSoup

from perfkit.present import words

from conftest import DEFAULT_QUARTER

pytestmark = pytest.mark.slow

#: Mean and 95th percentile of words per sentence over the objective and deep-dive pages.
MEAN_WORDS, P95_WORDS = 20, 35


def _pages(outputs):
    folder = outputs / DEFAULT_QUARTER
    return sorted(folder.glob("*.html")) + sorted((folder / "board").glob("*.html"))


def _prose(path) -> list[str]:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    main = soup.find("main")
    assert main is not None, path
    for tag in main.find_all(["table", "h1", "h2", "h3", "h4", "h5", "nav", "figure", "summary", "script", "style"]):
        tag.decompose()
    return [el.get_text(" ", strip=True) for el in main.find_all(["p", "li", "dd"]) if not el.find(["p", "li"])]


def test_sentences_are_short_on_every_objective_and_deep_dive_page(rendered_default):
    lengths = []
    for path in _pages(rendered_default):
        if not (path.name.startswith("objective-") or path.name == "deep-dive.html"):
            continue
        counts = [words.word_count(s) for text in _prose(path) for s in words.sentences(text)]
        assert counts, path
        lengths += counts
    lengths = np.array(lengths)
    assert len(lengths) > 300  # every objective page and the deep dive of both editions were read
    assert lengths.mean() <= MEAN_WORDS, lengths.mean()
    assert np.percentile(lengths, 95) <= P95_WORDS, np.percentile(lengths, 95)


#: Text glitches and analysts' matter that no published page may hold.
FORBIDDEN = {
    "sentence ending then a semicolon": r"\.;",
    "'= <' for a p-value": r"= <",
    "doubled opening bracket": r"\(\s*\(",
    "bracket inside brackets closing together": r"\([^()]*\([^()]*\)\s*\)",
    "'a' before a number read with a vowel": r"\ba (8|11|18)\b",
    "'+-'": r"\+-",
    "a project path": r"\b(params|data/templates|notebooks|outputs/_work)/",
    "a file name of the project": r"\b[\w-]+\.(md|py|yaml|ipynb)\b",
    "a machine path": r"(/tmp/|/work/|/home/|/root/)",
    "the missing-narrative box": r"(?i)narrative not yet written",
    "the analysts' word for where the figures are kept": r"(?i)\bdata store\b",
}


def test_no_glitches_paths_or_production_notes_on_any_published_page(rendered_default):
    pages = _pages(rendered_default)
    assert len(pages) >= 20
    for path in pages:
        text = re.sub(r"\s+", " ", BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").get_text(" "))
        for what, pattern in FORBIDDEN.items():
            hit = re.search(pattern, text)
            assert hit is None, f"{path.relative_to(rendered_default)}: {what}: ...{text[max(0, hit.start() - 80):hit.end() + 40]}..."


def test_the_glitch_patterns_catch_what_they_describe():
    samples = {"sentence ending then a semicolon": "It fell.; then", "'= <' for a p-value": "p = < 0.001",
               "doubled opening bracket": "((a) b)", "bracket inside brackets closing together": "Plan (2013-16 (refreshed))",
               "'a' before a number read with a vowel": "a 11% fall", "'+-'": "+-3%",
               "a project path": "see params/narrative", "a file name of the project": "objective-1.md",
               "a machine path": "/tmp/x", "the missing-narrative box": "Narrative not yet written",
               "the analysts' word for where the figures are kept": "the month in the data store"}
    for what, pattern in FORBIDDEN.items():
        assert re.search(pattern, samples[what]), what
    assert not any(re.search(p, "Burglary: 1,406 offences, 12% fewer (95% interval: 30% fewer to 11% more).")
                   for p in FORBIDDEN.values())


def test_a_data_pack_cell_without_a_figure_says_whether_none_exists_or_it_is_missing(rendered_default):
    """GSS shorthand, explained above the tables: [z] where no figure can exist (a quarter of the
    official 12-month totals, a small count's percentage change), [x] where one is not available;
    never "no data" beside a figure that is there in another column."""
    page = rendered_default / DEFAULT_QUARTER / "data-pack.html"
    main = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find("main")
    assert "no data" not in main.get_text(" ")
    key = main.get_text(" ", strip=True)
    assert "[x] not available" in key and "[z] not applicable" in key
    rows = {}
    for table in main.find_all("table"):
        heads = [th.get_text(" ", strip=True) for th in table.find("thead").find_all("th")]
        for tr in table.find("tbody").find_all("tr"):
            cells = [c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]
            rows[cells[0]] = dict(zip(heads, cells))
    homicide, sexual = rows["Homicide (official statistics)"], rows["Sexual offences (official statistics)"]
    assert homicide["Period"] == homicide["Year to date"] == "[z]" and homicide["Rolling 12 months"] == "8"
    assert homicide["Rolling 12 months change"] == "[z]" and sexual["Rolling 12 months change"] == "+4%"
    assert sexual["Figure"] == "[z]" and homicide["Rate"] == "9.8 per million residents"
    abuse = rows["Domestic abuse incidents and crimes"]  # the force's own systems supplied nothing
    assert abuse["Figure"] == abuse["Rolling 12 months"] == abuse["Rate"] == "[x]"
    officers = rows["Police officers (full-time equivalent)"]  # a count at a date
    assert officers["Figure"] == "1,332" and officers["Rolling 12 months"] == officers["95% interval from"] == "[z]"


def test_the_data_pack_csv_writes_whole_numbers_as_whole_numbers(rendered_default):
    import csv

    with (rendered_default / DEFAULT_QUARTER / "data-pack.csv").open(encoding="utf-8", newline="") as handle:
        rows = {r["measure_id"]: r for r in csv.DictReader(handle)}
    crime, homicide = rows["all_crime"], rows["homicide"]
    assert (crime["quarter_value"], crime["population_year"], crime["rate_per"]) == ("17086", "2018", "1000")
    assert (homicide["long_window_value"], homicide["rate_per"], homicide["rate_months"]) == ("25", "1000000", "36")
    assert float(rows["crimes_per_officer"]["quarter_value"]) == pytest.approx(47.8649, abs=1e-4)  # precision kept
    assert not any(re.fullmatch(r"-?\d+\.0", v) for r in rows.values() for v in r.values()), "a whole number as 17086.0"
