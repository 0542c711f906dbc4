"""One voice (issue 21): every published page of both editions says each figure the same way, says
each sentence once, words a change the way its sign points, and holds only the Board's words.

The rendered default quarter is read as a reader would (the text of ``<main>``); the generated
headlines of 2016-17 Q2 are read from its evidence model.
"""

from __future__ import annotations

import collections
import json
import re
import zipfile

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from perfkit.present import words

from conftest import DEFAULT_QUARTER

#: The Board paper's targets (issue 21, point 3).
PAPER_WORDS, PAPER_CHARTS = 8000, 20
#: A sentence of this many words or more is said at most twice in the paper and once on any other page.
LONG_SENTENCE = 8

#: Strings the issue quotes from published files, none of which may appear again.
FORBIDDEN = [
    "no registered data fault explains it",
    "check the months of this period",
    "is left out because its",
    "statsmodels",
    "test_poisson_2indep",
    "confint_poisson_2indep",
    "is_force",
    "Row-level records are not in the data store",
    "beyond month length beyond month length",
    "Police and Crime Plan 2013-16 (refreshed)",
    "The chart shows",  # "... earlier signals as well": control-chart words say what matters now
    "earlier signals as well",
]


def _pages(folder):
    return sorted(folder.glob("*.html")) + sorted((folder / "board").glob("*.html"))


def _main(path):
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    main = soup.find("main")
    assert main is not None, path
    return main


def _prose(main) -> list[str]:
    """The sentences a reader reads: paragraphs, list items, definitions and captions outside tables
    and collapsed details (table cells repeat category words by design)."""
    main = BeautifulSoup(str(main), "html.parser")
    for tag in main.find_all(["details", "script", "style"]):
        tag.decompose()
    texts = [el.get_text(" ", strip=True) for el in main.find_all(["p", "li", "dd", "figcaption"])
             if not el.find(["p", "li"]) and not el.find_parent("table")]
    return [s for t in texts for s in words.sentences(t)]


def _repeated(sentences, more_than: int) -> dict:
    counts = collections.Counter(s for s in sentences if words.word_count(s) >= LONG_SENTENCE)
    return {s: n for s, n in counts.items() if n > more_than}


_NUMBER = re.compile(r"(less than )?(\d[\d,]*(?:\.\d+)?)")


def _reading(text: str):
    """What a reader takes from a figure's text: its number (as written, without separators) and the
    way it points (+1, -1 or 0): "22% fewer" and "-22%" both read (22, -1)."""
    t = text.strip().lower()
    m = _NUMBER.search(t)
    number = (("<" if m.group(1) else "") + m.group(2).replace(",", "")) if m else t
    sign = 0
    if t.startswith("-") or re.search(r"\b(fewer|lower|fall|down)\b", t):
        sign = -1
    elif t.startswith("+") or re.search(r"\b(more|higher|rise|up)\b", t):
        sign = 1
    return number, sign


@pytest.mark.slow
def test_the_board_paper_is_short_and_led_by_what_needs_attention(rendered_default):
    paper = rendered_default / DEFAULT_QUARTER / "board" / "board-pack.html"
    main = _main(paper)
    visible = BeautifulSoup(str(main), "html.parser")
    for tag in visible.find_all(["details", "script", "style"]):
        tag.decompose()
    assert words.word_count(visible.get_text(" ", strip=True)) <= PAPER_WORDS
    assert len(visible.find_all("img")) <= PAPER_CHARTS
    # the first screen: headlines and the Board's attention list come before the summary table
    headings = [h.get("id") for h in main.find_all("h2")]
    assert headings.index("headlines") < headings.index("attention") < headings.index("every-measure")
    attention = main.find(id="attention").find_next("ul")
    assert "Robbery" in attention.get_text() and "D1" in attention.get_text()
    # what moved first, then the data's faults, and last the figures old or not supplied, each said once
    kinds = [li["class"][0].removeprefix("attention-") for li in attention.find_all("li")]
    order = ["change", "signal", "fault", "request", "stale", "missing"]
    assert kinds == sorted(kinds, key=order.index) and kinds[0] == "change" and kinds[-1] == "missing"
    missing = attention.find("li", class_="attention-missing")
    assert kinds.count("missing") == 1 and len(missing.find_all("a")) == 5, missing.get_text()
    assert missing.get_text(" ", strip=True).endswith("from the force's own systems.")
    for li in attention.find_all("li"):  # every measure named links to its line in the paper
        assert all(a["href"].startswith("#") and main.find(id=a["href"][1:]) is not None for a in li.find_all("a"))
    assert _repeated(_prose(main), 2) == {}


@pytest.mark.slow
def test_no_sentence_is_said_twice_on_any_other_page(rendered_default):
    pages = [p for p in _pages(rendered_default / DEFAULT_QUARTER) if p.name != "board-pack.html"]
    assert len(pages) >= 20
    found = {p.relative_to(rendered_default).as_posix(): _repeated(_prose(_main(p)), 1) for p in pages}
    assert {k: v for k, v in found.items() if v} == {}


@pytest.mark.slow
def test_no_heading_is_said_twice_under_the_same_heading(rendered_default):
    """A section's heading once: the in-depth report said "The evidence" and "The national picture"
    twice each (the notebook's heading, then the section's own)."""
    found = {}
    for page in _pages(rendered_default / DEFAULT_QUARTER):
        seen = collections.Counter()
        parent = ""
        for h in _main(page).find_all(["h2", "h3", "h4"]):
            text = " ".join(h.get_text(" ").split())
            parent = text if h.name == "h2" else parent
            seen[(h.name, text if h.name == "h2" else f"{parent} / {text}")] += 1
        twice = [k for k, n in seen.items() if n > 1]
        if twice:
            found[page.relative_to(rendered_default).as_posix()] = twice
    assert found == {}


@pytest.mark.slow
def test_a_marked_figure_reads_the_same_on_every_page_and_points_its_sign(rendered_default):
    for folder in (rendered_default / DEFAULT_QUARTER, rendered_default / DEFAULT_QUARTER / "board"):
        readings = collections.defaultdict(set)
        for page in sorted(folder.glob("*.html")):
            for tag in _main(page).find_all("data"):
                field, text = tag["data-field"], tag.get_text(" ", strip=True)
                number, sign = _reading(text)
                readings[(tag["data-measure"], field)].add((number, sign))
                if field.endswith("_pct") and sign:
                    value = float(tag["value"])
                    assert (value > 0) == (sign > 0), (page.name, tag["data-measure"], field, text, value)
        assert readings
        differ = {k: v for k, v in readings.items() if len(v) > 1}
        assert differ == {}, folder
        # interval ends are marked, and read the same as the data pack's
        assert ("violence_sexual", "change_low_pct") in readings and ("violence_sexual", "change_high_pct") in readings


@pytest.mark.slow
def test_a_rate_reads_the_same_in_its_line_its_comparator_sentence_and_the_data_pack(rendered_default):
    """The page's "Rate:" line and the comparator sentence give the force's rate with the same
    number and the same population base; a rare offence's rate is per million, never 0.0098."""
    folder = rendered_default / DEFAULT_QUARTER
    pack = pd.read_csv(folder / "data-pack.csv").set_index("measure_id")
    seen, compared = {}, set()
    for page in sorted(folder.glob("objective-*.html")):
        for head in _main(page).find_all("h3", id=re.compile("^measure-")):
            mid = head["id"].removeprefix("measure-")
            paragraphs = []  # the measure's paragraphs: up to the next heading
            for sibling in head.find_next_siblings():
                if sibling.name in ("h2", "h3"):
                    break
                if sibling.name == "p":
                    paragraphs.append(sibling)
            line = next((p for p in paragraphs if p.get_text(" ", strip=True).startswith("Rate:")), None)
            if line is None:
                continue
            tag = line.find("data", attrs={"data-field": "rate"})
            shown, text = tag.get_text(strip=True), line.get_text(" ", strip=True)
            per = words.per_residents(pack.loc[mid, "rate_per"])
            assert float(tag["value"]) == pytest.approx(pack.loc[mid, "rate"]) and f"{shown} " in text, (mid, text)
            assert per in text, (mid, text)
            sentence = next((p.get_text(" ", strip=True) for p in paragraphs
                             if re.match(r"^[A-Z][\w &-]+: [\d.,]+ \w+ per ", p.get_text(" ", strip=True))), None)
            if sentence is not None:  # the force's rate among its comparators: the same figure
                assert re.match(rf"^[\w &-]+: {re.escape(shown)} \w+ {per}", sentence), (mid, sentence, shown)
                compared.add(mid)
            seen[mid] = text
    assert {"all_crime", "homicide", "sexual_offences"} <= set(seen) and {"all_crime", "homicide"} <= compared
    assert "Rate: 9.8 offences per million residents a year" in seen["homicide"]
    assert not any(re.search(r"\b0\.0\d", t) for t in seen.values()), seen


@pytest.mark.slow
def test_road_collisions_read_the_same_in_the_summary_and_on_objective_4(rendered_default):
    folder = rendered_default / DEFAULT_QUARTER
    index, page = _main(folder / "index.html"), _main(folder / "objective-4.html")
    row = index.find("a", href="objective-4.html#measure-ksi_collisions").find_parent("tr")
    assert "the 12 months to October 2017" in row.get_text(" ")
    summary_change = row.find("data", attrs={"data-field": "rolling12_change_pct"})
    assert summary_change is not None and _reading(summary_change.get_text())[1] == 1
    assert "12% more" in summary_change.get_text() and "12% more" in page.get_text(" ")


@pytest.mark.slow
def test_only_the_boards_words_on_published_files(rendered_default):
    folder = rendered_default / DEFAULT_QUARTER
    texts = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix in (".html", ".csv", ".json"):
            texts[path] = path.read_text(encoding="utf-8")
        elif path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                texts[path] = " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    assert any(p.suffix == ".xlsx" for p in texts) and any(p.name == "manifest.json" for p in texts)
    for path, text in texts.items():
        if path.suffix == ".html":
            text = re.sub(r"\s+", " ", BeautifulSoup(text, "html.parser").get_text(" "))
        for bad in FORBIDDEN:
            if path.name == "manifest.json" and bad == "statsmodels":
                continue  # the manifest lists the package versions the figures came from
            assert bad not in text, f"{path.relative_to(rendered_default)}: {bad!r}"
        assert "(illustrative membership)" not in text or text.count("illustrative") <= 1, path
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert str(rendered_default) not in json.dumps(manifest) and "/tmp/" not in json.dumps(manifest)


def test_generated_headlines_name_or_count_every_significant_change_and_signal():
    """2016-17 Q2 (no narrative: every headline is generated): each objective's headline names each
    statistically significant measure or counts it ("and 2 more"); none says it cannot compare
    when the summary compares."""
    from perfkit import evidence
    from perfkit.config.plan import load_plan
    from perfkit.reports import site

    model = evidence.load(load_plan(), "2016-17-Q2")
    for h in site.headlines(model, "board"):
        if h.source != "generated":
            continue
        rows = [site._compared(model.row(m.id)) for m in model.plan.objective(h.objective).measures]
        significant = [r for r in rows if r.get("significant") == "yes"]
        named = [r for r in significant if words.lower_first(r["measure"]) in h.text]
        more = re.search(r"(\d+) more", h.text)
        assert len(named) + (int(more.group(1)) if more else 0) >= len(significant), (h.objective, h.text)
        compared = [r for r in rows if not pd.isna(r.get("change_pct"))]
        if compared:
            assert "cannot be compared" not in h.text, (h.objective, h.text)
        assert words.word_count(h.text) <= 30, h.text
