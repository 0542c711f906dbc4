"""Nothing lost, nothing silent (issue 13): a counts file revises exactly the (force, month, crime
type) keys it holds; ``--replace`` takes force-months whole; ``--columns`` maps a foreign file's
columns; a collisions file without a force needs ``--collisions-force``; the template's EXAMPLE rows, a partial
force-month and an unused mapping are warned about, on the terminal and in the run's checks."""

from __future__ import annotations

import pytest

from perfkit import data
from perfkit.data.ingest import ingest, main
from perfkit.errors import DataError

HEADER = "month,force,crime_type,count\n"
TYPES = {"Burglary": 400, "Robbery": 30, "Shoplifting": 350, "Anti-social behaviour": 900}


def _counts(tmp_path, name, rows, header=HEADER):
    path = tmp_path / name
    path.write_text(header + "".join(f"{m},{f},{t},{c}\n" for m, f, t, c in rows), encoding="utf-8")
    return path


def _types(store, month="2016-03"):
    frame = data.monthly_counts("norfolk", start=month, end=month, by=("month", "crime_type"), store=store)
    return {r.crime_type: r.count for r in frame.itertuples() if r.count > 0}  # absent in a published month: 0


@pytest.fixture
def store(tmp_path):
    root = tmp_path / "store"
    ingest("counts", [_counts(tmp_path, "full.csv", [("2016-03", "norfolk", t, c) for t, c in TYPES.items()])],
           root, progress=False)
    return root


def test_a_one_row_file_revises_that_row_and_keeps_the_other_crime_types(tmp_path, store, capsys):
    one = _counts(tmp_path, "one.csv", [("2016-03", "norfolk", "Burglary", 412)])
    assert main(["counts", str(one), "--store", str(store), "--quiet"]) == 0
    assert _types(store) == {**TYPES, "Burglary": 412}
    err = capsys.readouterr().err
    assert "warning:" in err and "covers part of 1 force-month(s) already in the store" in err
    assert "norfolk 2016-03: 1 of its 4 crime types" in err and "--replace" in err
    revs = data.revisions(store=store)
    assert revs[["crime_type", "old_count", "new_count"]].values.tolist() == [["Burglary", 400, 412]]


def test_replace_takes_the_force_month_whole_and_says_what_it_removed(tmp_path, store, capsys):
    one = _counts(tmp_path, "one.csv", [("2016-03", "norfolk", "Burglary", 412)])
    assert main(["counts", str(one), "--store", str(store), "--replace", "--quiet"]) == 0
    assert _types(store) == {"Burglary": 412}
    err = capsys.readouterr().err
    assert "3 crime type count(s) removed (--replace)" in err and "covers part" not in err
    removed = data.revisions(store=store).set_index("crime_type")
    assert removed["new_count"].isna().sum() == 3 and removed.loc["Robbery", "old_count"] == 30


def test_other_force_months_are_untouched(tmp_path, store):
    ingest("counts", [_counts(tmp_path, "april.csv", [("2016-04", "norfolk", "Burglary", 380)])], store, progress=False)
    assert _types(store) == TYPES and _types(store, "2016-04") == {"Burglary": 380}


def test_columns_map_a_foreign_file(tmp_path):
    path = _counts(tmp_path, "foreign.csv", [("2016-03", "Norfolk", "Burglary", 7)],
                   header="month,county,crime_type,num_crimes\n")
    store = tmp_path / "store"
    result = ingest("counts", [path], store, progress=False, columns="county=force,num_crimes=count")
    assert result.warnings == [] and _types(store) == {"Burglary": 7}


@pytest.mark.parametrize("columns, message", [
    ("county", "--columns: found 'county'; expected FILE_COLUMN=COLUMN pairs"),
    ("county=area", "--columns county=area: found 'area' as the column to map to; expected one of month, force, crime_type, count"),
    ("county=force,area=force", "two file columns are mapped to 'force'"),
])
def test_a_bad_mapping_is_refused_before_anything_is_read(tmp_path, columns, message, capsys):
    path = _counts(tmp_path, "foreign.csv", [("2016-03", "Norfolk", "Burglary", 7)], header="month,county,crime_type,num_crimes\n")
    from perfkit import cli

    assert cli.main(["ingest", "counts", str(path), "--store", str(tmp_path / "store"), "--columns", columns]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "store").exists()


def test_a_mapping_naming_a_column_the_file_lacks_is_a_warning(tmp_path):
    path = _counts(tmp_path, "c.csv", [("2016-03", "norfolk", "Burglary", 7)])
    result = ingest("counts", [path], tmp_path / "store", progress=False, columns="county=force")
    assert len(result.warnings) == 1
    assert "--columns county=force: the file has no column 'county'" in result.warnings[0]
    assert "the mapping was not used" in result.warnings[0]


def test_a_collisions_file_without_a_force_needs_force(tmp_path, capsys):
    path = tmp_path / "collisions.csv"
    path.write_text("date,severity\n2016-01-06,Serious\n2016-02-01,Slight\n", encoding="utf-8")
    store = tmp_path / "store"
    from perfkit import cli

    assert cli.main(["ingest", "collisions", str(path), "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert "has no force column" in err and "--collisions-force SLUG" in err and not store.exists()
    assert cli.main(["ingest", "collisions", str(path), "--store", str(store), "--collisions-force", "Norfolk", "--quiet"]) == 0
    monthly = data.collisions_monthly(store=store)
    assert set(monthly["force"]) == {"norfolk"} and monthly["count"].sum() == 2


def test_force_with_a_force_column_must_agree(tmp_path):
    path = tmp_path / "collisions.csv"
    path.write_text("date,severity,force\n2016-01-06,Serious,Suffolk\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"line 2, column 'force': found 'Suffolk'; expected norfolk"):
        ingest("collisions", [path], tmp_path / "store", progress=False, force="norfolk")


@pytest.mark.parametrize("kind, option, message", [
    ("counts", {"force": "norfolk"}, "--collisions-force norfolk: applies to collisions files only"),
    ("prc", {"replace": True}, "--replace: applies to counts files only"),
    ("population", {"columns": "a=force"}, "--columns: applies to counts files only"),
])
def test_options_for_another_kind_are_refused(tmp_path, kind, option, message):
    path = _counts(tmp_path, "c.csv", [("2016-03", "norfolk", "Burglary", 7)])
    with pytest.raises(DataError, match=message.replace("(", r"\(")):
        ingest(kind, [path], tmp_path / "store", progress=False, **option)


def test_the_templates_example_rows_are_warned_about(project_root, tmp_path):
    result = ingest("measures", [project_root / "data" / "templates" / "local-measures.csv"], tmp_path / "store",
                    progress=False)
    assert len(result.warnings) == 1
    warning = result.warnings[0]
    assert "are the template's EXAMPLE rows" in warning and "3 row(s)" in warning and "calls_101_answered cambridgeshire 2015-04" in warning


def test_warnings_are_kept_for_the_runs_checks(tmp_path, store):
    ingest("counts", [_counts(tmp_path, "one.csv", [("2016-03", "norfolk", "Burglary", 412)])], store, progress=False)
    kept = data.ingest_warnings(store=store)
    assert len(kept) == 1 and kept[0]["kind"] == "counts" and "covers part of 1 force-month" in kept[0]["warning"]
