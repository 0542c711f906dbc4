"""Harm and vulnerability (issue 25): the official offence-group measures, their test allowing for
over-dispersion from the quarterly series, small numbers, the harm view and any force's figures.

Fast: the evidence functions are called directly (the quarter's model is read from the evidence
cache the other tests share); the published pages are checked in test_evidence.py's slow tests.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
from bs4 import BeautifulSoup
import pytest

from perfkit import data, evidence
from perfkit.config.forces import all_slugs
from perfkit.config.plan import load_plan
from perfkit.config.register import labels, load_register
from perfkit.errors import ConfigError
from perfkit.evidence import analysis
from perfkit.periods import parse_quarter
from perfkit.present import statements
from perfkit.stats import compare

from conftest import DEFAULT_QUARTER

Q = parse_quarter(DEFAULT_QUARTER)


@pytest.fixture(scope="module")
def model():
    return evidence.load(load_plan(), DEFAULT_QUARTER)


def _official(force: str, group: str, month: str) -> float:
    """A force's rolling 12-month total of one ONS group, read straight from the store's table."""
    frame = data.recorded_crime(force=force, offence=group)
    at = frame[frame["period_end"].dt.to_period("M") == pd.Period(month, freq="M")]
    return float(at["count"].sum())


# --- the Plan and the register name ONS offence groups ------------------------------------------------

def test_the_default_plan_ships_the_six_harm_groups_in_objective_4():
    plan = load_plan()
    four = plan.objective(4)
    assert four.harm_view and not plan.objective(1).harm_view and plan.objective(1).harm_measures == ()
    groups = {m.id: m.offence_groups for m in four.harm_measures}
    assert groups == {
        "violence_with_injury": ("Violence with injury",), "homicide": ("Homicide",),
        "sexual_offences": ("Sexual offences",), "stalking_harassment": ("Stalking and harassment",),
        "illegal_driving_harm": ("Death or serious injury caused by illegal driving",),
        "weapons_possession_recorded": ("Possession of weapons offences",),
    }
    assert all(plan.measure(mid).source == "prc" for mid in groups)
    assert plan.measure("official_recorded_crime").offence_groups == ()  # the total is not a group measure


def _refused(tmp_path, measure: str) -> str:
    """The message loading a one-measure Plan (the measure as YAML flow mapping) stops with."""
    path = tmp_path / "plan.yaml"
    path.write_text(textwrap.dedent("""
        plan: {title: T, force: norfolk, force_name: Norfolk Constabulary}
        objectives:
          - {number: 1, title: Safe, outcomes: [{title: Less harm, measures: [m]}]}
        measures:
          - %s
    """) % measure, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_plan(path)
    return str(err.value)


def test_an_unknown_offence_group_is_refused_naming_the_file_and_key(tmp_path):
    message = _refused(tmp_path, "{id: m, title: Rape, source: prc, offences: [Sexual offence], unit: offences, "
                                 "better: none, recorded_crime: true}")
    assert "plan.yaml" in message and "measures[0].offences[0]" in message
    assert "found 'Sexual offence'; expected an ONS offence group as published" in message


def test_a_register_entry_touches_the_groups_it_names_whatever_the_measure_is_called():
    from types import SimpleNamespace as NS

    reg = load_register()
    conduct = reg["conduct-crimes-2018-04"]
    mine = NS(id="my_own_id", source="prc", offences=("Stalking and harassment",), crime_types=(), recorded_crime=True)
    other = NS(id="x", source="prc", offences=("Homicide",), crime_types=(), recorded_crime=True)
    assert conduct.affects(mine) and not conduct.affects(other)
    assert reg["uksa-designation-2014-01"].affects(other)  # all_excluding_fraud: every group
    assert not reg["burglary-reclassification-2017-04"].affects(other)


def test_a_misspelt_group_in_the_register_is_refused(tmp_path):
    (tmp_path / "caveats.yaml").write_text(textwrap.dedent("""
        caveats:
          - {id: x-2015-04, date: 2015-04, title: T, change: C, offences: [Stalking], direction: up,
             source: S, caveat: W, quality: high, impact: low, model_shift: false}
    """), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"caveats\[0\]\.offences\[0\]: found 'Stalking'"):
        load_register(tmp_path / "caveats.yaml")


# --- the test of change: over-dispersion from the quarterly series -------------------------------------

def test_the_groups_scale_comes_from_the_latest_five_years_outside_the_two_compared():
    """The evidence model's call: the latest ROLLING_DISPERSION_QUARTERS differences that share no
    quarter with the two totals compared, the same as the whole method run on just those totals."""
    months = pd.PeriodIndex([pd.Period("2008-03", freq="M") + 3 * k for k in range(44)], freq="M")
    rng = np.random.default_rng(7)
    totals = pd.Series(1000 + 10 * np.arange(44) + rng.normal(0, 60, 44), index=months).round()
    end, step = months[-1], pd.Period("2013-04", freq="M")
    got = compare.rolling_dispersion(totals, steps=[step], leave_out=[end, end - 12],
                                     quarters=compare.ROLLING_DISPERSION_QUARTERS)
    whole = compare.rolling_dispersion(totals, steps=[step], leave_out=[end, end - 12])
    assert got.n_months == compare.ROLLING_DISPERSION_QUARTERS == 20 < whole.n_months
    assert got.data == "quarterly counts" and got.estimated
    # the differences kept end at most two years before the latest total; the latest 20 of them
    # need the totals from 84 months before it
    alone = compare.rolling_dispersion(totals.loc[end - 84:], steps=[step], leave_out=[end, end - 12])
    assert (alone.n_months, alone.df, alone.pearson) == (got.n_months, got.df, pytest.approx(got.pearson, rel=1e-12))


def test_too_few_differences_outside_the_two_years_compared_is_poisson():
    months = pd.PeriodIndex([pd.Period("2014-03", freq="M") + 3 * k for k in range(12)], freq="M")
    totals = pd.Series(np.linspace(500, 700, 12), index=months)
    few = compare.rolling_dispersion(totals, leave_out=[months[-1], months[-1] - 12])
    assert not few.estimated and few.phi == 1.0 and few.n_months < 8
    assert few.reason == "few differences"
    assert "quarter-on-year differences" in statements.dispersion_sentence(few)


def test_the_done_when_figures_with_interval_caveats_and_comparator_rank(model):
    expected = {"sexual_offences": (1850, 1776), "stalking_harassment": (2768, 2303),
                "violence_with_injury": (5120, 4867)}
    refs = labels(load_register())
    for mid, (now, before) in expected.items():
        row = model.row(mid)
        assert (row["rolling12_value"], row["rolling12_previous_value"]) == (now, before), mid
        assert row["rolling12_label"] == "the 12 months to September 2018"
        assert row["primary_window"] == "rolling12" and row["small_numbers"] == "no"
        assert row["rolling12_change_low_pct"] < row["rolling12_change_pct"] < row["rolling12_change_high_pct"]
        assert row["rolling12_significant"] in ("yes", "no") and row["test"] == "score-quasi-poisson"
        assert row["caveats"] and 1 <= row["comparator_rank"] <= row["comparator_forces"] == 8, mid
        ev = model.measure(mid)
        assert ev.rolling_comparison.overdispersion == ev.dispersion.phi > 1
        assert ev.dispersion.data == "quarterly counts"
        # the interval allows for the over-dispersion: wider than the plain Poisson one
        plain = compare.compare_periods(now, 12, before, 12)
        assert ev.rolling_comparison.ci_high - ev.rolling_comparison.ci_low > plain.ci_high - plain.ci_low
    # the largest recording effects of the register qualify stalking and harassment
    stalking = model.row("stalking_harassment")["caveats"].split()
    assert refs["conduct-crimes-2018-04"] in stalking and refs["harassment-offences-2015-04"] not in stalking
    chart = {c.id for c in model.measure("stalking_harassment").chart_caveats}  # the long-run series
    assert {"harassment-offences-2015-04", "conduct-crimes-2018-04", "stalking-code-2014-04"} <= chart
    assert "conduct-crimes-2018-04" not in {c.id for c in model.measure("sexual_offences").chart_caveats}
    # the national picture of the same groups, from every territorial force
    national = model.national.set_index("measure_id")
    assert national.loc["sexual_offences", "forces_complete"] == 43
    frame = data.recorded_crime(offence="Sexual offences")
    at = frame[(frame["period_end"].dt.to_period("M") == pd.Period("2018-09", freq="M"))
               & frame["force"].isin(all_slugs(territorial_only=True))]
    assert national.loc["sexual_offences", "national_value"] == float(at["count"].sum())


def test_homicide_is_counts_over_three_years_without_a_change_or_a_test(model):
    row = model.row("homicide")
    assert row["small_numbers"] == "yes" and (row["rolling12_value"], row["rolling12_previous_value"]) == (8, 8)
    for field in ("rolling12_change_pct", "rolling12_change_low_pct", "rolling12_significant", "change_pct"):
        assert pd.isna(row[field]), field
    three = sum(_official("cambridgeshire", "Homicide", m) for m in ("2018-09", "2017-09", "2016-09"))
    before = sum(_official("cambridgeshire", "Homicide", m) for m in ("2015-09", "2014-09", "2013-09"))
    assert (row["long_window_value"], row["long_window_previous_value"]) == (three, before)
    assert row["long_window_label"] == "the three years to September 2018" and row["rate_months"] == 36
    text = model.measure("homicide").statement
    assert "%" not in text and "significant" not in text.replace("test of significance", "")
    assert f"Over the three years to September 2018 there were {three:.0f}" in text
    assert "With fewer than 50 a year, homicide (official statistics) is shown without a percentage change" in text


def test_a_rare_offence_is_given_per_million_residents_and_its_group_alike(model):
    """Homicide's rate per 1,000 would be about 0.01: the Plan gives it per million (ONS practice),
    from the same three-year mean and population, and the comparator group's rates on that base."""
    row, ev = model.row("homicide"), model.measure("homicide")
    assert row["rate_per"] == 1_000_000 and model.row("sexual_offences")["rate_per"] == 1000
    mean = row["long_window_value"] / 3
    population = analysis.population_for("cambridgeshire", Q)
    assert row["rate"] == pytest.approx(1_000_000 * mean / population) and 5 < row["rate"] < 20
    assert ev.comparator.rate == pytest.approx(row["rate"]) and ev.comparator.unit == "offences per million residents a year"
    assert ev.comparator.decimals == 1  # as the page's rate line shows it


def test_the_official_total_has_its_rate_and_rank_the_same_as_published_by_others(model):
    """The total excluding fraud is ranked among the comparator forces from the same national table
    as the offence groups, and its rate is the one the "Published by others" table shows."""
    row = model.row("official_recorded_crime")
    official = model.official.set_index("force")
    assert row["rate"] == pytest.approx(official.loc["cambridgeshire", "rate_per_1000"]) and row["rate_per"] == 1000
    pos = model.measure("official_recorded_crime").comparator
    assert pos is not None and row["comparator_rank"] == pos.rank and row["comparator_forces"] == len(official)
    ranked = pos.table.set_index("force")["rate"]
    assert ranked.to_dict() == pytest.approx(official["rate_per_1000"].to_dict())


def test_a_rate_base_the_plan_does_not_know_is_refused(tmp_path):
    message = _refused(tmp_path, "{id: m, title: Homicide, source: prc, offences: [Homicide], unit: offences, "
                                 "better: none, recorded_crime: true, rate_per: 10000}")
    assert "plan.yaml" in message and "measures[0].rate_per" in message and "found 10000" in message
    assert "1,000, 100,000, 1,000,000" in message


def test_the_small_numbers_rule_is_configuration(tmp_path, monkeypatch):
    import shutil

    from perfkit import config

    params = tmp_path / "params"
    shutil.copytree(config.params_dir(), params)
    text = (params / "publishing.yaml").read_text(encoding="utf-8").replace("  below: 50", "  below: 5")
    (params / "publishing.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("PERFKIT_PARAMS", str(params))
    plan = load_plan(params / "plan.yaml")
    ev = analysis.analyse(plan.measure("homicide"), Q, plan)
    assert ev.long_window is None and ev.rolling_comparison is not None and ev.rolling_comparison.tested
    illegal = analysis.analyse(plan.measure("illegal_driving_harm"), Q, plan)
    assert illegal.long_window is None  # 23 against 30: above 5


def test_the_harm_view_says_what_moved_what_moved_with_a_recording_change_and_the_comparators(model):
    harm = model.harm.set_index("measure_id")
    assert list(harm.index) == [m.id for m in load_plan().objective(4).harm_measures]
    refs = labels(load_register())
    assert harm.loc["stalking_harassment", "recording_refs"] == refs["conduct-crimes-2018-04"]
    assert harm.loc["illegal_driving_harm", "recording_refs"] == refs["serious-injury-careless-driving-2015-04"]
    assert bool(harm.loc["homicide", "small_numbers"]) and pd.isna(harm.loc["homicide", "change_pct"])
    said = " ".join(statements.harm_sentences(model.harm, "Cambridgeshire"))
    moved = [r for r in model.harm.to_dict("records") if r["significant"]]
    if not moved:
        assert "none changed significantly in the 12 months to September 2018" in said
    assert f"stalking and harassment ({refs['conduct-crimes-2018-04']})" in said
    assert "Homicide and death or serious injury caused by illegal driving are too few" in said
    lowest = harm[harm["comparator_rank"] == harm["comparator_forces"]]
    for group in lowest["group"]:
        assert f"the lowest for {group.lower()}" in said or f"and {group.lower()}" in said
    # The view names the force as its comparator sentences do ("Cambridgeshire: 6.0 offences per
    # 1,000 residents, the lowest of 8 forces"), not by the Plan's area ("Cambridgeshire and Peterborough").
    from perfkit.reports.report import harm_view

    view = BeautifulSoup(str(harm_view(model)), "html.parser").get_text(" ")
    named = model.measure("violence_with_injury").comparator.name
    assert f"{named} has " in view and f"{named}'s rate is " in view and model.plan.area_name not in view


def test_a_harm_group_that_moves_with_a_recording_change_is_said_so():
    frame = pd.DataFrame([dict(group="Stalking and harassment", label="the 12 months to June 2019", change_pct=41.0,
                               significant=True, small_numbers=False, long_label="", recording_refs="C10",
                               comparator_rank=None, comparator_forces=None, comparator_position="",
                               comparator_group="")])
    said = statements.harm_sentences(frame, "Dyfed-Powys")
    assert said[0] == "Stalking and harassment (41% more) changed significantly in the 12 months to June 2019 against a year earlier."
    assert said[1].startswith("Moved with a recording change") and said[1].endswith("stalking and harassment (C10).")
    assert statements.harm_sentences(pd.DataFrame(), "X") == []


# --- any force --------------------------------------------------------------------------------------

def test_a_welsh_force_from_init_gets_the_same_measures_with_its_own_figures(tmp_path, monkeypatch):
    from perfkit.data.scaffold import init_force

    folder = init_force("dyfed-powys", tmp_path / "params")
    monkeypatch.setenv("PERFKIT_PARAMS", str(folder))
    plan = load_plan(folder / "plan.yaml")
    assert plan.force == "dyfed-powys" and plan.objective(4).harm_view
    assert [m.id for m in plan.objective(4).harm_measures] == [m.id for m in load_plan().objective(4).harm_measures]
    found = {}
    for measure in plan.objective(4).harm_measures:
        ev = analysis.analyse(measure, Q, plan)
        group = measure.offence_groups[0]
        now, before = _official("dyfed-powys", group, "2018-09"), _official("dyfed-powys", group, "2017-09")
        counted = ev.rolling_comparison or ev.long_window
        assert (getattr(counted, "count", getattr(counted, "value_12", None)),
                getattr(counted, "count_ref", getattr(counted, "previous_12", None))) == (now, before), measure.id
        assert ev.national["forces"] == 43
        found[measure.id] = ev
    assert found["stalking_harassment"].headline.startswith(
        f"Stalking and harassment (official statistics): {_official('dyfed-powys', 'Stalking and harassment', '2018-09'):,.0f}")
    # the shipped population figures hold no Welsh force: said neutrally, no rate and no rank
    ev = found["sexual_offences"]
    assert math.isnan(ev.rate) and ev.comparator is None
    assert ev.rate_missing == "no-population"
    assert statements.rate_missing(ev) == ("Rate per 1,000 residents not available: the population file has no "
                                           "figures for Dyfed-Powys")
    assert statements.rate_missing(found["homicide"]).startswith("Rate per million residents not available")
    frame = evidence.harm_table(plan, found)
    assert len(frame) == 6 and frame["comparator_rank"].isna().all()
