"""Fixtures of the volunteering tests."""

from __future__ import annotations

from typing import Any

import pytest


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


@pytest.fixture
def client(town: Any) -> Any:
    with town.client() as test_client:
        test_client.headers.update({"accept-language": "en"})
        yield test_client
