"""Fixtures of the consultation tests."""

from __future__ import annotations

from typing import Any

import pytest
from consultation_builders import Built, build_poll, build_survey, english_user


@pytest.fixture
def survey(town: Any) -> Built:
    return build_survey(town)


@pytest.fixture
def poll(town: Any) -> Built:
    return build_poll(town)


@pytest.fixture
def resident(town: Any) -> Any:
    """A confirmed resident reading English, living in no particular area."""
    with town.session() as session:
        return english_user(session, town.town_id, "resident@example.org", name="Rita Resident")


@pytest.fixture(autouse=True)
def english_admin(request: pytest.FixtureRequest) -> None:
    """Tests read English messages: the town's administrator reads English too."""
    if "town" not in request.fixturenames:
        return
    from sqlalchemy import update

    from parvis.api import User

    town = request.getfixturevalue("town")
    with town.session() as session:
        session.execute(update(User).values(locale="en"))
