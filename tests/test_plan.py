"""The Plan as configuration: the shipped params/plan.yaml and the validation messages."""

import textwrap

import pytest

from perfkit.errors import ConfigError
from perfkit.periods import Quarter
from perfkit.config.plan import load_plan


def test_shipped_plan_has_five_objectives_with_their_published_words():
    plan = load_plan()
    assert [o.number for o in plan.objectives] == [1, 2, 3, 4, 5]
    assert plan.objective(1).title == "Maintain local police performance"
    assert plan.objective(2).title == "Deliver policing within the available budget"
    assert plan.objective(3).title == "Continue to tackle crime and disorder"
    assert plan.objective(5).title == "Maintaining the resilience of protective services"
    assert plan.force == "cambridgeshire"


def test_every_objective_has_measures_and_every_measure_is_under_an_objective():
    plan = load_plan()
    listed = {m.id for o in plan.objectives for m in o.measures}
    assert listed == set(plan.measures)
    assert plan.objective_of("burglary").number == 3
    assert plan.measure("asb").improvement == "decrease"
    assert plan.measure("drugs").improvement is None


def test_deep_dive_follows_the_configured_anchor():
    plan = load_plan()
    assert plan.deep_dive(Quarter(2015, 1)).number == 1
    assert plan.deep_dive(Quarter(2015, 3)).number == 3
    assert plan.deep_dive(Quarter(2015, 3), override=5).number == 5


def _write(tmp_path, text):
    path = tmp_path / "plan.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


GOOD = """
plan:
  title: Test Plan
  force: cambridgeshire
  force_name: Cambridgeshire Constabulary
objectives:
  - number: 1
    title: Keep people safe
    outcomes:
      - title: Less burglary
        measures: [burglary]
measures:
  - id: burglary
    title: Burglary
    source: police_uk
    crime_types: [Burglary]
    unit: offences
    better: lower
    recorded_crime: true
"""


def test_a_minimal_plan_loads(tmp_path):
    plan = load_plan(_write(tmp_path, GOOD))
    assert plan.objective(1).measures[0].crime_types == ("Burglary",)


@pytest.mark.parametrize("change, message", [
    (("better: lower", "better: up"),
     "measures[0].better: found 'up'; expected one of 'higher', 'lower', 'none'"),
    (("measures: [burglary]", "measures: [burglery]"),
     "objectives[0].outcomes[0].measures[0]: unknown measure 'burglery'; expected one of burglary"),
    (("    crime_types: [Burglary]\n", ""),
     "measures[0].crime_types: a measure from source 'police_uk' needs a non-empty list"),
    (("  - number: 1", "  - number: one"),
     "objectives[0].number: found 'one'; expected a whole number"),
    (("    unit: offences", "    unit: offences\n    titel: x"),
     "measures[0].titel: unknown key; expected one of"),
    (("recorded_crime: true", "recorded_crime: yes please"),
     "measures[0].recorded_crime: found 'yes please'; expected true or false"),
    (("  force: cambridgeshire\n", ""), "plan.force: missing; this key is required"),
])
def test_invalid_plans_name_the_file_and_key(tmp_path, change, message):
    path = _write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError) as err:
        load_plan(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = _write(tmp_path, "plan:\n  title: [unclosed\n")
    with pytest.raises(ConfigError, match=r"line \d+, column \d+: not valid YAML"):
        load_plan(path)


def test_missing_plan_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_plan(tmp_path / "nope.yaml")


def test_a_force_s_identity_is_configuration(tmp_path, project_root):
    """What names one force in the pages comes from the Plan: the publisher of its own data
    (``source_notes``) and the office publishing the pages (``commissioner``)."""
    import yaml

    from perfkit.data.measures import SOURCE_NOTES, source_note
    from perfkit.reports.site import organisation

    shipped = load_plan()
    assert "Cambridgeshire County Council" in source_note("collisions", shipped)
    assert "Cambridgeshire" not in SOURCE_NOTES["collisions"]  # the library's own text names no area
    assert organisation(shipped) == "Office of the Police and Crime Commissioner for Cambridgeshire"

    raw = yaml.safe_load((project_root / "params" / "plan.yaml").read_text(encoding="utf-8"))
    assert shipped.board == "Business Coordination Board"
    raw["plan"].update(commissioner="Police and Crime Commissioner for Kent", source_notes={"collisions": "Kent open data."})
    del raw["plan"]["publisher"], raw["plan"]["board"]  # the defaults follow the commissioner
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    other = load_plan(path)
    assert source_note("collisions", other) == "Kent open data." and source_note("prc", other) == SOURCE_NOTES["prc"]
    assert organisation(other) == "Office of the Police and Crime Commissioner for Kent" and other.board == "Board"
    raw["plan"]["source_notes"] = {"stats19": "x"}
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"source_notes: found source 'stats19'; expected one of police_uk"):
        load_plan(path)
