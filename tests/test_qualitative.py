"""The quarter's qualitative evidence (issue 25 item 4): params/narrative/<id>/qualitative.yaml read and
checked at load (perfkit.config.qualitative), carried in the evidence model, cleaned like the narrative and
shown as a short table in its objective (perfkit.present.qualitative, blocks/qualitative.html.j2); an empty
or missing file shows nothing. Fast: no quarter is rendered (the published pages are checked in
tests/test_site.py, on the session's rendered quarter)."""

from __future__ import annotations

import datetime
import shutil

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from perfkit.config.plan import load_plan
from perfkit.config.qualitative import QualitativeItem, load_qualitative, parse_qualitative, qualitative_path
from perfkit.config.quarter import new_quarter
from perfkit.errors import ConfigError
from perfkit.evidence import QuarterEvidence
from perfkit.present.qualitative import qualitative_line, qualitative_table, removed
from perfkit.reports.report import qualitative_section

QUARTER = "2018-19-Q2"
FILE = "params/narrative/2018-19-Q2/qualitative.yaml"


def _item(**change) -> dict:
    item = {"objective": 4, "kind": "inspection", "source": "HMICFRS", "title": "PEEL 2017",
            "date": "2018-03-22", "link": "https://www.example.org/peel", "summary": "Service is inconsistent."}
    item.update(change)
    return item


@pytest.fixture
def params(tmp_path, monkeypatch, project_root):
    """A private copy of params/ (the shipped qualitative file included)."""
    target = tmp_path / "params"
    shutil.copytree(project_root / "params", target)
    monkeypatch.setenv("PERFKIT_PARAMS", str(target))
    return target


# --- reading and checking the file ------------------------------------------------------------------

@pytest.mark.parametrize("change, message", [
    ({"kind": "inspecton"}, "items[0].kind: found 'inspecton'; expected one of 'inspection', 'victims', 'partners'"),
    ({"date": "22/03/2018"}, "items[0].date: found '22/03/2018'; expected a date written YYYY-MM-DD (e.g. 2018-03-22)"),
    ({"date": "2018-02-30"}, "items[0].date: found '2018-02-30'; expected a date written YYYY-MM-DD"),
    ({"link": "javascript:alert(1)"},
     "items[0].link: found 'javascript:alert(1)'; expected a web address starting http:// or https://"),
    ({"link": "ftp://example.org/x"}, "items[0].link: found 'ftp://example.org/x'; expected a web address starting"),
    ({"link": "https:///no-host"}, "items[0].link: found 'https:///no-host'; expected a web address starting"),
    ({"link": "www.example.org/peel"}, "items[0].link: found 'www.example.org/peel'; expected a web address"),
    ({"objective": 7}, "items[0].objective: found 7; expected one of the Plan's objectives (1, 2, 3, 4, 5)"),
    ({"objective": "four"}, "items[0].objective: found 'four'; expected a whole number"),
    ({"source": ""}, "items[0].source: found ''; expected non-empty text"),
    ({"summary": None}, "items[0].summary: missing; this key is required"),
    ({"titel": "x"}, "items[0].titel: unknown key; expected one of date, kind, link, objective, restricted, source"),
    ({"restricted": "yes"}, "items[0].restricted: found 'yes'; expected true or false"),
])
def test_a_mistake_names_the_file_the_item_the_key_what_was_found_and_expected(change, message):
    with pytest.raises(ConfigError) as err:
        parse_qualitative({"items": [_item(**change)]}, FILE, objectives=(1, 2, 3, 4, 5))
    assert str(err.value).startswith(f"{FILE}: {message}")


def test_the_second_item_is_named_by_its_place():
    with pytest.raises(ConfigError, match=r"qualitative.yaml: items\[1\].kind: found 'survey'"):
        parse_qualitative({"items": [_item(), _item(kind="survey")]}, FILE)


def test_the_file_must_be_a_mapping_of_items():
    with pytest.raises(ConfigError, match=r"qualitative.yaml: found \[.*; expected a mapping of keys to values"):
        parse_qualitative([_item()], FILE)
    with pytest.raises(ConfigError, match=r"qualitative.yaml: items: found 'none'; expected a list"):
        parse_qualitative({"items": "none"}, FILE)
    with pytest.raises(ConfigError, match=r"qualitative.yaml: evidence: unknown key; expected one of items"):
        parse_qualitative({"evidence": [_item()]}, FILE)


def test_a_date_yaml_reads_as_a_date_is_accepted():
    items = parse_qualitative({"items": [_item(date=datetime.date(2018, 9, 30))]}, FILE)
    assert items[0].date == datetime.date(2018, 9, 30) and items[0].restricted is False


def test_the_shipped_quarter_has_public_inspection_findings_with_their_source(params):
    items = load_qualitative(QUARTER, load_plan())
    assert [(i.objective, i.kind, i.source, i.date.isoformat()) for i in items] == [
        (4, "inspection", "HMICFRS", "2018-03-22"), (1, "inspection", "HMICFRS", "2018-03-22")]
    assert all(i.link.startswith("https://hmicfrs.justiceinspectorates.gov.uk/peel-assessments/peel-2017/cambridgeshire/")
               for i in items)
    assert "domestic abuse" in items[0].summary


def test_a_missing_an_empty_and_a_commented_file_mean_no_evidence(params):
    assert load_qualitative("2019-20-Q1") == ()  # no file
    path = qualitative_path("2019-20-Q1")
    path.parent.mkdir(parents=True)
    path.write_text("", encoding="utf-8")
    assert load_qualitative("2019-20-Q1") == ()
    path.write_text("items: []\n", encoding="utf-8")
    assert load_qualitative("2019-20-Q1") == ()
    path.unlink()
    assert new_quarter("2019-20-Q1") and path.is_file()  # the scaffold: comments only
    assert "items:" in path.read_text(encoding="utf-8") and load_qualitative("2019-20-Q1", load_plan()) == ()


def test_a_yaml_syntax_error_names_the_file_and_line(params):
    path = qualitative_path(QUARTER)
    path.write_text("items:\n  - objective: 4\n    kind: [inspection\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"qualitative.yaml: line \d+, column \d+: not valid YAML"):
        load_qualitative(QUARTER)


def test_perfkit_run_refuses_a_bad_file_before_rendering_anything_exit_2(params, tmp_path, capsys):
    from perfkit.cli import main

    path = qualitative_path(QUARTER)
    path.write_text(path.read_text(encoding="utf-8").replace("kind: inspection", "kind: inspecton", 1),
                    encoding="utf-8")
    outputs = tmp_path / "outputs"
    assert main(["run", "--quarter", QUARTER, "--outputs", str(outputs), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "qualitative.yaml: items[0].kind: found 'inspecton'; expected one of 'inspection'" in err
    assert "Traceback" not in err and not outputs.exists()


# --- the evidence model and the table ---------------------------------------------------------------

def _items() -> tuple:
    day = datetime.date(2018, 9, 30)
    return (
        QualitativeItem(4, "inspection", "HMICFRS", "PEEL 2017", datetime.date(2018, 3, 22),
                        "https://www.example.org/peel?a=1&b=2", "Service to *domestic abuse* victims is inconsistent."),
        QualitativeItem(4, "victims", "Victim and Witness Hub", "Survey, July to September", day,
                        "https://www.example.org/survey",
                        'Most were satisfied <img src=x onerror="alert(1)"> [more](javascript:alert(2)) '
                        "<script>steal()</script>", restricted=True),
        QualitativeItem(1, "partners", "County council", "Letter", day, "http://www.example.org/letter", "Joint work."),
    )


def _model(items=()) -> QuarterEvidence:
    return QuarterEvidence(quarter=None, plan=None, force="", store=None, measures={}, table=pd.DataFrame(),
                           qualitative=tuple(items))


def test_the_model_gives_each_objective_its_items_and_the_public_edition_no_restricted_one():
    model = _model(_items())
    assert [i.kind for i in model.qualitative_for(4, "board")] == ["inspection", "victims"]
    assert [i.kind for i in model.qualitative_for(4, "public")] == ["inspection"]
    assert [i.kind for i in model.qualitative_for(1)] == ["partners"]
    assert model.qualitative_for(2, "board") == ()


def test_the_table_shows_source_link_kind_date_and_a_cleaned_summary():
    html = str(qualitative_table(_items()[:2], objective=4, anchor="qualitative-evidence-4"))
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("h3", id="qualitative-evidence-4").get_text() == "What inspections and victims said"
    table = soup.find("table")
    assert table.caption.get_text() == "What inspections and victims said about objective 4, with the source and date of each"
    assert [th.get_text() for th in table.thead.find_all("th")] == ["Source", "Kind", "Date", "What it says"]
    rows = table.tbody.find_all("tr")
    assert len(rows) == 2
    head = rows[0].find("th", scope="row")
    assert head.get_text() == "HMICFRS: PEEL 2017" and head.a["href"] == "https://www.example.org/peel?a=1&b=2"
    cells = [td.get_text(" ", strip=True) for td in rows[0].find_all("td")]
    assert cells == ["Inspection finding", "22 March 2018", "Service to domestic abuse victims is inconsistent."]
    assert rows[0].find("time")["datetime"] == "2018-03-22" and rows[0].find("em").get_text() == "domestic abuse"
    assert rows[1].find("td", attrs={"data-label": "Kind"}).get_text() == "Victims' feedback"
    # Cleaned like the narrative: the words stay, nothing that runs does.
    summary = rows[1].find("td", attrs={"data-label": "What it says"})
    assert summary.get_text(" ", strip=True).startswith("Most were satisfied more")
    assert not soup.find_all(["img", "script"]) and "onerror" not in html and "javascript:" not in html
    assert "steal()" not in html
    assert summary.a is not None and not summary.a.has_attr("href")


def test_what_the_cleaning_removed_is_data_for_the_checks_page():
    found = removed(_items())
    assert {n for n, _ in found} == {1}
    assert [r.describe() for _, r in found] == [
        'the element <img src="x" onerror="alert(1)">', "the link address javascript:alert(2) of <a>",
        "the element <script> and its content"]


def test_the_checks_page_names_the_file_the_item_and_what_was_removed(params):
    from perfkit.periods import parse_quarter
    from perfkit.reports import site

    model = QuarterEvidence(quarter=parse_quarter(QUARTER), plan=None, force="", store=None, measures={},
                            table=pd.DataFrame(), qualitative=_items())
    checks = site._qualitative_checks(model)
    assert len(checks) == 1
    check = checks[0]
    assert (check.kind, check.report) == ("markup removed", "objective-4")
    assert "params/narrative/2018-19-Q2/qualitative.yaml: items[1].summary: removed the element <img" in check.text
    assert check.file.endswith("qualitative.yaml") and len(check.removed) == 3
    assert site._qualitative_checks(_model(_items()[:1])) == []


def test_no_items_show_nothing_not_a_placeholder():
    assert str(qualitative_table([], objective=4)) == "" and str(qualitative_line([])) == ""
    section = qualitative_section(_model(_items()), 2)
    assert section.parts == [] and section.data == {}
    assert qualitative_section(_model(), 4).parts == []


def test_each_edition_gets_its_own_table_and_the_public_one_no_restricted_item():
    section = qualitative_section(_model(_items()), 4)
    public, board = section.html_for("public"), section.html_for("board")
    assert "Victim and Witness Hub" in board and "Victim and Witness Hub" not in public
    assert public.count("<table") == 1 and board.count("<table") == 1 and "PEEL 2017" in public
    assert list(section.data["qualitative"]["kind"]) == ["inspection", "victims"]
    # Only a restricted item: the public edition shows nothing at all.
    only = qualitative_section(_model(_items()[1:2]), 4)
    assert only.html_for("public") == "" and "<table" in only.html_for("board")


def test_the_board_papers_line_names_each_source_with_its_link_kind_and_date():
    soup = BeautifulSoup(str(qualitative_line(_items()[:2])), "html.parser")
    p = soup.find("p", class_="qualitative-line")
    assert p.get_text() == ("What inspections and victims said (summarised on the objective's web page): HMICFRS, "
                            "PEEL 2017 (inspection finding, 22 March 2018); Victim and Witness Hub, Survey, July to "
                            "September (victims' feedback, 30 September 2018).")
    assert [a["href"] for a in p.find_all("a")] == ["https://www.example.org/peel?a=1&b=2",
                                                   "https://www.example.org/survey"]


# --- the guide's examples work as written ------------------------------------------------------------

def _guide_yaml(project_root, heading: str) -> str:
    """The first ```yaml block of the guide's section ``heading``."""
    import re

    text = (project_root / "docs" / "guide.md").read_text(encoding="utf-8")
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```yaml\n(.*?)```", section, re.DOTALL).group(1)


def test_the_guides_qualitative_example_is_a_valid_file(project_root):
    import yaml

    raw = yaml.safe_load(_guide_yaml(project_root, "Qualitative evidence: inspections, victims and partners"))
    items = parse_qualitative(raw, "guide", objectives=(1, 2, 3, 4, 5))
    assert [(i.kind, i.restricted) for i in items] == [("inspection", False), ("victims", True)]
    assert "example" in items[1].source.lower() and "example.org" in items[1].link  # a placeholder, said so


def test_the_guides_vulnerability_measures_and_the_templates_commented_rows_are_read(params, project_root, tmp_path):
    import yaml

    from perfkit.data import sources
    from perfkit.errors import DataError

    added = yaml.safe_load(_guide_yaml(project_root, "Vulnerability measures from the force's systems"))
    plan = yaml.safe_load((params / "plan.yaml").read_text(encoding="utf-8"))
    plan["measures"] += added
    four = next(o for o in plan["objectives"] if o["number"] == 4)
    four["outcomes"][0]["measures"] += [m["id"] for m in added]
    (params / "plan.yaml").write_text(yaml.safe_dump(plan, sort_keys=False), encoding="utf-8")
    assert {m.id for m in load_plan().objective(4).measures} >= {"domestic_abuse", "domestic_abuse_repeat_victims",
                                                                "missing_person_reports"}
    template = (project_root / "data" / "templates" / "local-measures.csv").read_text(encoding="utf-8")
    # As shipped, the commented rows are not read (the Plan without the two measures accepts the file).
    assert len(sources.read_measures(project_root / "data" / "templates" / "local-measures.csv")) == 3
    # With the '# ' deleted from the vulnerability rows, as the guide says, the Plan above takes them.
    uncommented = tmp_path / "local.csv"
    uncommented.write_text("\n".join(line[2:] if line.startswith("# ") and "," in line.split(" ", 2)[1] else line
                                     for line in template.splitlines()) + "\n", encoding="utf-8")
    frame = sources.read_measures(uncommented, plan=params / "plan.yaml")
    vulnerable = frame[frame["measure"].isin(["domestic_abuse", "domestic_abuse_repeat_victims",
                                               "missing_person_reports"])]
    assert len(frame) == 6 and len(vulnerable) == 3 and vulnerable["note"].str.startswith("EXAMPLE ROW").all()
    repeat = vulnerable.set_index("measure").loc["domestic_abuse_repeat_victims"]
    assert repeat["value"] == pytest.approx(100 * repeat["numerator"] / repeat["denominator"])
    # A comment is read only after the header line.
    first = tmp_path / "comment-first.csv"
    first.write_text("# my figures\n" + template, encoding="utf-8")
    with pytest.raises(DataError, match=r"comment-first.csv: line 1: found a comment \('# my figures'\); expected "
                                        "the header line first"):
        sources.read_measures(first)
