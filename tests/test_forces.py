"""perfkit.config.forces: one slug per force across every source's names."""

from __future__ import annotations

import pandas as pd
import pytest

from perfkit.config import forces
from perfkit.errors import DataError


@pytest.mark.parametrize(
    "name, source, slug",
    [
        ("Cambridgeshire Constabulary", "police_uk", "cambridgeshire"),
        ("cambridgeshire", "any", "cambridgeshire"),
        ("Metropolitan Police Service", "police_uk", "metropolitan"),
        ("london", "study", "metropolitan"),
        ("manchester", "study", "greater-manchester"),
        ("avon_somerset", "study", "avon-and-somerset"),
        ("west_marcia", "study", "west-mercia"),
        ("west_yorkshire", "study", "west-yorkshire"),
        ("west-midlands", "study", "west-midlands"),
        ("Metropolitan Police", "prc", "metropolitan"),
        ("London, City of", "any", "city-of-london"),
        ("City of London", "population", "city-of-london"),
        ("Avon & Somerset", "workforce", "avon-and-somerset"),
        ("Devon & Cornwall", "workforce", "devon-and-cornwall"),
        ("E23000023", "pfa_code", "cambridgeshire"),
        ("W15000004", "any", "dyfed-powys"),
        ("British Transport Police", "prc", "btp"),
        ("Police Service of Northern Ireland", "police_uk", "northern-ireland"),
        ("  CAMBRIDGESHIRE   constabulary ", "any", "cambridgeshire"),
    ],
)
def test_slug_for_every_source(name, source, slug):
    assert forces.slug_for(name, source=source) == slug


def test_table_has_45_forces_43_territorial():
    assert len(forces.FORCES) == 45
    assert forces.FORCES["territorial"].sum() == 43
    assert forces.FORCES["slug"].is_unique
    assert forces.FORCES["pfa_code"].dropna().is_unique


def test_name_and_territorial():
    assert forces.name_for("cambridgeshire") == "Cambridgeshire Constabulary"
    assert forces.name_for("metropolitan") == "Metropolitan Police Service"
    assert forces.is_territorial("cambridgeshire")
    assert not forces.is_territorial("btp")
    assert not forces.is_territorial("northern-ireland")
    assert len(forces.all_slugs(territorial_only=True)) == 43


def test_unknown_name_suggests_close_matches():
    with pytest.raises(DataError) as err:
        forces.slug_for("Cambridgshire")
    assert str(err.value).startswith("unknown police force 'Cambridgshire'; did you mean 'cambridgeshire' (Cambridgeshire Constabulary)")


def test_source_restricts_matching():
    with pytest.raises(DataError, match=r"unknown police force 'london' among workforce names"):
        forces.slug_for("london", source="workforce")
    with pytest.raises(DataError, match=r"unknown force-name source 'ons'; expected one of any, police_uk"):
        forces.slug_for("Kent", source="ons")


@pytest.mark.parametrize("name, slug", [("Action Fraud", "action-fraud"), ("CIFAS", "cifas"), ("UK Finance", "uk-finance")])
def test_fraud_bodies_are_not_forces(name, slug):
    with pytest.raises(DataError, match=rf"'{name}' is a national fraud-reporting body, not a police force"):
        forces.slug_for(name)
    assert forces.fraud_body_for(name) == slug
    assert not forces.is_force(slug)


def test_unknown_slug_for_name():
    with pytest.raises(DataError, match=r"unknown force slug 'cambs'"):
        forces.name_for("cambs")


def test_every_name_in_the_shared_files_resolves(shared_data):
    study = pd.read_csv(shared_data / "police-uk-force-month-2015-2018.csv", usecols=["county"])
    assert {forces.slug_for(c, source="study") for c in study["county"].unique()} == set(forces.FORCES["slug"])
    prc = pd.read_csv(shared_data / "ons-rec-crime-pfa.csv", usecols=["PFA"])
    pfas = [p for p in prc["PFA"].unique() if forces.fraud_body_for(p) is None]
    assert len({forces.slug_for(p, source="prc") for p in pfas}) == 44
    pop = pd.read_csv(shared_data / "ons-population-pfa.csv", nrows=1)
    assert len({forces.slug_for(c, source="population") for c in pop.columns[2:]}) == 39
    lookup = pd.read_csv(shared_data / "home-office-workforce/source_data/demographics/"
                         "Local_Authority_District_to_Community_Safety_Partnerships_to_Police_Force_Areas__December_2016__Lookup_in_England_and_Wales.csv",
                         encoding="utf-8-sig")
    for code, name in lookup[["PFA16CD", "PFA16NM"]].drop_duplicates().itertuples(index=False):
        assert forces.slug_for(code, source="pfa_code") == forces.slug_for(name)
