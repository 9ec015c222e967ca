"""Fixtures for the council space tests."""

from __future__ import annotations

from typing import Any

import pytest
from council_helpers import Council, make_council

from parvis.testing import TestTown


@pytest.fixture
def town(make_town: Any) -> TestTown:
    # Counts run when the tests ask (``run_jobs``): no worker races the assertions.
    return make_town()


@pytest.fixture
def council(town: TestTown) -> Council:
    return make_council(town)
