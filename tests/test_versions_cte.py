"""A SELECT whose CTE writes is a write (``versions.writing_ctes``): its table bumps the
content version, whether the CTE is added to the SELECT or selected from."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, select, update

from parvis.models import Town

pytestmark = pytest.mark.postgres_only


def _version(town) -> int:
    with town.parvis.db.engine.connect() as other:
        return other.scalar(select(Town.content_version).where(Town.id == town.town_id))


def _renamed():
    return (
        update(Town)
        .where(Town.id == bindparam("town"))
        .values(name="Renamed")
        .returning(Town.id)
        .cte("renamed")
    )


@pytest.mark.parametrize("form", ["selected_from", "added"])
def test_a_write_in_a_cte_bumps_the_content_version(town, form) -> None:
    renamed = _renamed()
    statement = (
        select(renamed.c.id) if form == "selected_from" else select(Town.id).add_cte(renamed)
    )
    before = _version(town)
    with town.parvis.db.session() as session:
        session.execute(statement, {"town": town.town_id})
    assert _version(town) > before
