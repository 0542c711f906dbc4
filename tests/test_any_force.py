"""Another force's office adopting perfkit (issue 13): errors that name where they arose, a
measure without data, ``perfkit init``, and a pack for Norfolk built from the real public data by
following docs/guide.md, "Setting up for your force", as written."""

from __future__ import annotations

import pytest

from perfkit import evidence
from perfkit.config.plan import load_plan
from perfkit.errors import DataError, MissingDataError, naming


def test_naming_keeps_the_class_the_exit_code_and_the_attributes():
    err = naming("measure ksi_collisions", MissingDataError("no collisions data", kind="collisions"))
    assert isinstance(err, MissingDataError) and err.kind == "collisions"
    assert str(err) == "measure ksi_collisions: no collisions data"
    assert err.exit_code == MissingDataError("x").exit_code


def test_an_error_in_one_measure_names_the_measure_and_its_objective(monkeypatch):
    from perfkit.evidence import analysis

    def broken(measure, *args, **kwargs):
        raise DataError("store/counts.parquet: a row has no month")

    monkeypatch.setattr(analysis, "analyse", broken)
    evidence._CACHE.forget()
    plan = load_plan()
    first = plan.objectives[0].measures[0]
    with pytest.raises(DataError) as caught:
        evidence.build(plan, "2016-17-Q2")
    assert str(caught.value) == (f"measure {first.id} ({first.title}, Objective {plan.objectives[0].number}): "
                                 "store/counts.parquet: a row has no month")


# --- perfkit init ---------------------------------------------------------------------------------

def _street_store(shared_data, tmp_path, months=("2014-04",)):
    from perfkit.data.ingest import ingest

    files = [shared_data / "police-uk-street-2014" / m / f"{m}-norfolk-street.csv" for m in months]
    store = tmp_path / "store"
    ingest("police-uk", files, store, progress=False)
    return store


def test_init_writes_a_plan_for_the_force_with_its_districts_from_the_store(shared_data, tmp_path):
    from perfkit.data.scaffold import init_force

    store = _street_store(shared_data, tmp_path)
    folder = init_force("norfolk", tmp_path / "params", store)
    plan = load_plan(folder / "plan.yaml")
    assert (plan.force, plan.force_name, plan.area_name) == ("norfolk", "Norfolk Constabulary", "Norfolk")
    assert set(plan.districts) == {"Breckland", "Broadland", "Great Yarmouth", "King's Lynn and West Norfolk",
                                   "North Norfolk", "Norwich", "South Norfolk"}
    register = (folder / "caveats.yaml").read_text(encoding="utf-8")
    assert "scope: local" not in register.split("\ncaveats:", 1)[1] and "Cambridgeshire" not in register
    assert "TO FILL IN" in (folder / "comparators.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("slug, message", [
    ("norfok", "unknown force slug 'norfok'; did you mean 'norfolk' (Norfolk Constabulary)? Expected a territorial"),
    ("btp", "found 'btp', which is not a territorial force of England and Wales"),
])
def test_init_refuses_a_force_it_cannot_set_up(tmp_path, capsys, slug, message):
    from perfkit import cli

    assert cli.main(["init", slug, "--params", str(tmp_path / "params")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("perfkit init: error: ") and message in err and "Traceback" not in err
    assert not (tmp_path / "params").exists()


def test_init_never_overwrites_a_plan(tmp_path, capsys):
    from perfkit import cli

    folder = tmp_path / "params"
    folder.mkdir()
    (folder / "plan.yaml").write_text("# mine\n", encoding="utf-8")
    assert cli.main(["init", "norfolk", "--params", str(folder)]) == 2
    assert "found a plan.yaml already" in capsys.readouterr().err
    assert (folder / "plan.yaml").read_text(encoding="utf-8") == "# mine\n"


# --- districts outside the Plan's list --------------------------------------------------------------

def test_a_misspelt_district_is_found_by_the_runs_checks(shared_data, tmp_path):
    import dataclasses

    from perfkit.data.scaffold import init_force
    from perfkit.evidence import district_check

    store = _street_store(shared_data, tmp_path, ("2014-04", "2014-05", "2014-06"))
    plan = load_plan(init_force("norfolk", tmp_path / "params", store) / "plan.yaml")
    assert district_check("2014-15-Q1", plan, store) is None  # the districts init found: ~0% outside
    misspelt = dataclasses.replace(plan, districts=tuple("Norwhich" if d == "Norwich" else d for d in plan.districts))
    finding = district_check("2014-15-Q1", misspelt, store)
    assert finding.kind == "districts" and finding.values["top"][0][0] == "Norwich" and finding.values["limit"] == 0.02
    from perfkit.present.checks import check_line

    line = check_line(finding)
    assert line.text.startswith("2014/15 Q1: ") and "(most: Norwich " in line.text and "expected at most 2%" in line.text
    assert district_check("2018-19-Q2", misspelt, store) is None  # no street rows for that quarter


# --- a pack for Norfolk, by the guide ----------------------------------------------------------------

FORBIDDEN = ("Cambridgeshire", "Peterborough", "Business Coordination Board")


def _guide_block(project_root) -> str:
    text = (project_root / "docs" / "guide.md").read_text(encoding="utf-8")
    section = text.split("## Setting up for your force", 1)[1].split("\n## ", 1)[0]
    return section.split("```sh\n", 1)[1].split("```", 1)[0]


@pytest.fixture(scope="module")
def norfolk_pack(shared_data, project_root, tmp_path_factory):
    """The guide's "Setting up for your force" block run as written, in a folder of the user's own,
    with Norfolk's 2014 street files from the real public data as the downloads."""
    import os
    import shutil
    import subprocess

    work = tmp_path_factory.mktemp("norfolk")
    downloads, own = work / "downloads", work / "pack"
    for month in sorted((shared_data / "police-uk-street-2014").iterdir()):
        for path in month.glob("*-norfolk-street.csv"):
            (downloads / month.name).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, downloads / month.name / path.name)
    own.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERFKIT_")}
    env.update(PERFKIT=str(project_root), DOWNLOADS=str(downloads))
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", _guide_block(project_root)], cwd=own, env=env,
                          capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "published " in proc.stdout
    return own, proc


def _pages(own):
    from bs4 import BeautifulSoup

    for path in sorted((own / "outputs" / "2018-19-Q2").rglob("*.html")):
        yield path, BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.mark.slow
def test_the_guide_builds_a_norfolk_pack_that_names_no_other_force_but_as_a_comparator(norfolk_pack):
    own, _ = norfolk_pack
    pages = list(_pages(own))
    assert len(pages) >= 16  # seven reports, index, glossary, accessibility, in both editions
    for path, soup in pages:
        for word in FORBIDDEN:
            for hit in soup.find_all(string=lambda s: word.lower() in s.lower()):
                row = hit.find_parent("tr")
                table = row.find_parent("table") if row is not None else None
                # Cambridgeshire may appear only as a comparator (a row of a table of forces that has
                # Norfolk in another row) or as a force the national totals leave out, with its months.
                national = hit.startswith("National totals") and "Left out: " in hit
                assert word == "Cambridgeshire" and (national or (table is not None and "Norfolk" in table.get_text())), \
                    f"{path.name}: {word!r} in {hit.parent.name}: {hit.strip()[:120]!r}"
    index = (own / "outputs" / "2018-19-Q2" / "index.html").read_text(encoding="utf-8")
    assert "Norfolk" in index
    statement = (own / "outputs" / "2018-19-Q2" / "accessibility.html").read_text(encoding="utf-8")
    assert "Office of the Police and Crime Commissioner for Norfolk" in statement


@pytest.mark.slow
def test_a_measure_without_a_file_shows_why_and_the_checks_say_what_to_ingest(norfolk_pack):
    own, proc = norfolk_pack
    text = (own / "outputs" / "2018-19-Q2" / "objective-4.html").read_text(encoding="utf-8")
    assert ("Figures for road collisions in which someone was killed or seriously injured are not available for "
            "2018/19 Q2. It comes from the road collision figures, "
            "and the pack holds none for Norfolk Constabulary.") in text
    assert "no collisions file" not in text  # what to supply is for the analysts' checks
    checks = (own / "outputs" / "_work" / "2018-19-Q2" / "checks.html").read_text(encoding="utf-8")
    assert "no road collision figures for Norfolk Constabulary are in the data store: no collisions file has been " \
           "ingested: ingest one with `perfkit ingest collisions FILE`" in checks.replace("&#96;", "`")
    assert proc.stderr.count("ksi_collisions (") == 1  # each check is logged once
    # The data pack's downloads are in the pack (a relative --outputs is the user's folder).
    assert (own / "outputs" / "2018-19-Q2" / "data-pack.csv").is_file()
    assert not any(p.name.startswith(".staging") for p in (own / "outputs").iterdir())
