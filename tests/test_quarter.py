"""Per-quarter parameters, narrative files and the new-quarter scaffold."""

import shutil

import pytest

from perfkit.cli import main as cli
from perfkit.errors import ConfigError
from perfkit.config.quarter import load_narrative, load_quarter, new_quarter


@pytest.fixture
def params(tmp_path, monkeypatch, project_root):
    """A private copy of params/ so scaffolding cannot touch the project's files."""
    target = tmp_path / "params"
    shutil.copytree(project_root / "params", target)
    monkeypatch.setenv("PERFKIT_PARAMS", str(target))
    return target


def test_a_quarter_without_a_file_runs_on_defaults(params):
    settings = load_quarter("2019-20-Q1")
    assert settings.deep_dive is None and settings.source == "" and settings.publication_date == ""


def test_missing_narrative_is_reported_not_silent(params):
    narrative = load_narrative("2019-20-Q1", "objective-2")
    assert not narrative.written
    assert narrative.path.endswith("narrative/2019-20-Q1/objective-2.md")


def test_scaffold_writes_files_that_count_as_not_yet_written(params, capsys):
    assert cli(["new-quarter", "2019/20 Q1"]) == 0
    out = capsys.readouterr().out
    assert "2019-20-Q1.yaml" in out and "objective-5.md" in out and "deep-dive.md" in out
    assert load_quarter("2019-20-Q1").quarter.id == "2019-20-Q1"
    # Guidance comments alone are not a narrative.
    assert not load_narrative("2019-20-Q1", "objective-1").written
    # A second run keeps what exists.
    path = params / "narrative" / "2019-20-Q1" / "objective-1.md"
    path.write_text("Burglary fell after Operation X.\n", encoding="utf-8")
    assert new_quarter("2019-20-Q1") == []
    assert load_narrative("2019-20-Q1", "objective-1").text == "Burglary fell after Operation X."


def test_restricted_passages_are_for_the_board_only(params):
    folder = params / "narrative" / "2019-20-Q1"
    folder.mkdir(parents=True)
    (folder / "objective-2.md").write_text(
        "Spending is on budget.\n\n::: restricted\nThe overtime overspend is 4%.\n:::\n\nMore text.\n", encoding="utf-8")
    narrative = load_narrative("2019-20-Q1", "objective-2")
    assert "overtime" not in narrative.for_edition("public")
    assert "More text." in narrative.for_edition("public")
    assert "The overtime overspend is 4%." in narrative.for_edition("board")
    assert ":::" not in narrative.for_edition("board")
    assert narrative.restricted_passages == ("The overtime overspend is 4%.",)


def test_quarter_file_must_name_its_own_quarter(params):
    (params / "quarters").mkdir(exist_ok=True)
    (params / "quarters" / "2019-20-Q1.yaml").write_text("quarter: 2019-20-Q2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"2019-20-Q1.yaml: quarter: found '2019-20-Q2'; expected '2019-20-Q1'"):
        load_quarter("2019-20-Q1")


def test_quarter_file_rejects_unknown_keys_and_bad_dates(params):
    (params / "quarters").mkdir(exist_ok=True)
    path = params / "quarters" / "2019-20-Q1.yaml"
    path.write_text("deepdive: 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="deepdive: unknown key"):
        load_quarter("2019-20-Q1")
    path.write_text("publication_date: 20/08/2019\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="publication_date: found '20/08/2019'; expected a date written YYYY-MM-DD"):
        load_quarter("2019-20-Q1")


def test_cli_reports_a_bad_quarter_in_one_line_without_traceback(params, capsys):
    assert cli(["new-quarter", "2019-Q1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "expected '2015-16-Q1' (canonical), '2015-16 Q1' or '2015/16 Q1'" in err


def test_default_quarter_ships_example_narrative_for_every_report():
    """The shipped default quarter has a narrative for every report, marked as example text, each
    with a headline of at most 30 words (what the quarter's index shows first)."""
    from perfkit.config.quarter import HEADLINE_WORDS, NARRATIVE_REPORTS, headline_problem

    for report in NARRATIVE_REPORTS:
        text = load_narrative("2018-19-Q2", report)
        assert text.written, report
        assert text.example, f"{report}: the shipped narrative must be marked <!-- example -->"
        assert text.headline and not headline_problem(text.headline), (report, text.headline)
        assert len(text.headline.split()) <= HEADLINE_WORDS
        assert text.body, f"{report}: a narrative has more than its headline"


def test_headline_is_the_first_line_and_example_mark_is_read(tmp_path, monkeypatch):
    params = tmp_path / "params"
    (params / "narrative" / "2019-20-Q1").mkdir(parents=True)
    monkeypatch.setenv("PERFKIT_PARAMS", str(params))
    path = params / "narrative" / "2019-20-Q1" / "objective-2.md"
    path.write_text("<!-- guidance -->\n## Staffing held steady.\n\nMore detail.\n", encoding="utf-8")
    text = load_narrative("2019-20-Q1", "objective-2")
    assert (text.headline, text.body, text.example) == ("Staffing held steady.", "More detail.", False)
    path.write_text("<!-- Example -->\nStaffing held steady.\n", encoding="utf-8")
    assert load_narrative("2019-20-Q1", "objective-2").example
