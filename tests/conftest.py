"""Shared test fixtures.

``shared_data`` is the folder of real public data beside the checkout (``../shared/data``); CI
has it. Tests that need it skip with a message when it is absent, except in CI (``CI=true``),
where its absence is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of ``../shared/data`` (real public data for tests)."""
    if not SHARED_DATA.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SHARED_DATA} is missing; CI must have ../shared/data beside the checkout")
        pytest.skip(f"{SHARED_DATA} not present; clone the project beside ../shared to run this test")
    return SHARED_DATA


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The checkout's root folder."""
    return ROOT
