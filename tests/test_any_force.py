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
    evidence._MEMORY.clear()
    plan = load_plan()
    first = plan.objectives[0].measures[0]
    with pytest.raises(DataError) as caught:
        evidence.build(plan, "2016-17-Q2")
    assert str(caught.value) == (f"measure {first.id} ({first.title}, Objective {plan.objectives[0].number}): "
                                 "store/counts.parquet: a row has no month")
