"""What each process keeps of the rows every request reads (``snapshots.py``): the town by host,
checked against its ``setup_version`` by every request, and a module route's space and module,
kept until the town's content changes. A write in another app instance (another worker) is
seen by the very next request."""

from __future__ import annotations

from sqlalchemy import inspect, select, update

from parvis.models import Module, Town, TownHost
from parvis.snapshots import attach, values_of
from parvis.testing import login, second_worker


def _set_town(town, **values) -> None:
    with town.session() as session:
        session.execute(update(Town).where(Town.id == town.town_id).values(**values))


def test_a_town_changed_by_another_worker_is_read_again(town, resident):
    """The kept town serves the next requests without a query, until a write to the town in
    any process: anonymous and signed-in requests alike then see the change."""
    with second_worker(town) as other, other.client() as second, town.client() as signed_in:
        login(signed_in, resident.email)
        assert "Hierville" not in second.get("/spaces").text
        assert town.host in other.parvis.towns  # kept by host
        signed_in.get("/spaces")
        with town.parvis.db.count_queries() as counter:
            signed_in.get("/spaces")
        assert not any("town_hosts" in s for s in counter.statements)  # read with the user

        _set_town(town, name="Hierville")  # through another unit of work: bumps setup
        assert "Hierville" in second.get("/spaces", headers={"Cache-Control": "no-cache"}).text
        assert "Hierville" in signed_in.get("/spaces").text


def test_a_host_moved_to_another_town_follows_it(make_town):
    first, second_town = make_town("first.test"), make_town("second.test")
    with second_worker(first) as other, other.client() as client:
        assert client.get("/").status_code == 200
        kept = other.parvis.towns[first.host]
        assert kept["id"] == first.town_id
        with first.session() as session:
            session.execute(
                update(TownHost)
                .where(TownHost.host == first.host)
                .values(town_id=second_town.town_id)
            )
        client.get("/")
        assert other.parvis.towns[first.host]["id"] == second_town.town_id


def test_a_module_unpublished_by_another_worker_is_gone_at_once(town, space_with_module):
    call = space_with_module("idea_call", phase="vote")
    with second_worker(town) as other, other.client() as client:
        headers = {"Cache-Control": "no-cache"}
        assert client.get(call.url, headers=headers).status_code == 200
        with other.parvis.db.count_queries() as counter:
            assert client.get(call.url, headers=headers).status_code == 200
        assert not any("FROM spaces" in s for s in counter.statements)  # kept
        with town.session() as session:
            session.execute(
                update(Module).where(Module.id == call.module_id).values(published=False)
            )
        assert client.get(call.url, headers=headers).status_code == 404


def test_an_attached_copy_is_its_own(town):
    """A view changing its copy (even a JSON value in place) changes nothing the process keeps,
    and its change is written like any loaded row's."""
    with town.session() as session:
        kept = values_of(session.get(Town, town.town_id))
    with town.session() as session, town.parvis.db.count_queries() as counter:
        copy = attach(session, Town, kept)
        assert inspect(copy).persistent and copy in session and not session.dirty
        assert copy is session.get(Town, town.town_id)  # the same instance
        assert counter.count == 0
        copy.settings.setdefault("core", {})["time_zone"] = "Asia/Tokyo"
        copy.name = "Renamed"
        assert session.dirty
    assert "Asia/Tokyo" not in str(kept["settings"])
    with town.session() as session:  # rolled back: expired, then read again
        copy = attach(session, Town, kept)
        copy.name = "Rolled back"
        session.flush()
        session.rollback()
        assert copy.name == "Renamed"
    with town.session() as session:
        assert session.scalar(select(Town.name).where(Town.id == town.town_id)) == "Renamed"
