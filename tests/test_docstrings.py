"""The examples in perfkit's docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import perfkit

MODULES = sorted(m.name for m in pkgutil.walk_packages(perfkit.__path__, "perfkit.") if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} docstring examples in {name} failed (run pytest -s to see them)"


def test_the_modules_that_carry_the_statistics_have_examples():
    for name in ("perfkit.stats.caveats", "perfkit.stats.seasonal", "perfkit.stats.spc", "perfkit.stats.compare", "perfkit.stats.calibration"):
        finder = doctest.DocTestFinder()
        examples = sum(len(t.examples) for t in finder.find(importlib.import_module(name)))
        assert examples >= 2, name
