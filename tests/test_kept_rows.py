"""What each process keeps of the rows every request reads (``snapshots.py``): the town by host,
checked against its ``setup_version`` by every request, and a module route's space and module,
kept until the town's content changes. A write in another app instance (another worker) is
seen by the very next request."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import inspect, select, update

from parvis.accounts.login import session_id_hash
from parvis.accounts.plugin import _USER_GRANTS, parvis_actor_from_request
from parvis.driver import _DRIVER
from parvis.models import Area, LoginSession, Module, Town, TownHost, User, Verification
from parvis.snapshots import attach, values_of
from parvis.testing import login, make_space_with_module, make_user, post_form, second_worker


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


def _actor(session, town, user_id: int, token: str):
    """The signed-in user as the request path builds it (``accounts/plugin.py``)."""
    request = SimpleNamespace(
        session={"uid": user_id, "sid": token, "epoch": 0},
        state=SimpleNamespace(town_id=town.town_id),
    )
    return parvis_actor_from_request(request=request, session=session)


def test_the_signed_in_user_reads_its_rare_columns_on_access(town):
    """The user query leaves the password hash, the account's date and the verification's
    method and dates unread: they load on first access, the values in the database; the
    verification's town, user and end are those of the join. A change to the user is written."""
    with town.session() as session:
        user = make_user(session, town.town_id, "rare@example.org", verified=True)
        session.add(LoginSession(id=session_id_hash("tok"), user_id=user.id))
        session.flush()
        user_id, stored = user.id, user.password_hash
        live = session.scalar(select(Verification).where(Verification.user_id == user_id))
        expected = (live.id, live.method, live.verified_at, live.end_reason)
    with town.session() as session:
        user = _actor(session, town, user_id, "tok")
        assert "password_hash" not in user.__dict__ and "created_at" not in user.__dict__
        assert user.password_hash == stored and user.created_at is not None
        live = session.get(Verification, expected[0])  # the one the query built
        assert (live.town_id, live.user_id, live.ended_at) == (town.town_id, user_id, None)
        assert "method" not in live.__dict__
        assert (live.id, live.method, live.verified_at, live.end_reason) == expected
        user.display_name = "Renamed"
    with town.session() as session:
        user = _actor(session, town, user_id, "tok")
        assert "method" not in session.get(Verification, expected[0]).__dict__
        assert session.get(User, user_id).display_name == "Renamed"
        user.password_hash = "changed"  # set without being read: written all the same
    with town.session() as session:
        assert session.get(User, user_id).password_hash == "changed"


def test_the_user_query_is_counted_and_else_read_by_the_cursor(town, resident):
    """A listener on statements (the counter) sees the user query; without one, it runs through
    the driver's cursor once a first run matched SQLAlchemy's rows (SQLite and PostgreSQL)."""
    with town.client() as client:
        login(client, resident.email)
        with town.parvis.db.count_queries() as counter:
            client.get("/spaces")
        assert any("FROM users" in s for s in counter.statements)
        client.get("/spaces")
        assert client.get("/account").status_code == 200
        kept = _DRIVER.get(id(_USER_GRANTS), False)
        assert kept is not False and kept is not None


def test_an_address_naming_nothing_is_not_kept(town, space_with_module, client):
    """The keys come from the URL: anyone can make up millions of space slugs and module ids,
    each as long as a request line. Only a space and module that exist are kept."""
    call = space_with_module("idea_call", phase="vote")
    headers = {"Cache-Control": "no-cache"}
    assert client.get(call.url, headers=headers).status_code == 200

    def kept() -> list:
        return [k for k in town.parvis._memos[town.town_id][1] if k[0] == "parvis.mount"]

    assert len(kept()) == 1
    made_up = [f"/s/{'x' * 2000}{n}/idea_call/{call.module_id}/" for n in range(5)] + [
        f"/s/{call.space_slug}/idea_call/{call.module_id + n}/" for n in range(1, 6)
    ]
    for url in made_up:
        assert client.get(url, headers=headers).status_code == 404
    assert len(kept()) == 1
    assert client.get(call.url, headers=headers).status_code == 200


def test_a_space_address_holding_a_nul_character_is_not_found(town, client):
    # PostgreSQL refuses text holding NUL: the query must not run (was a 500 found by fuzzing).
    made = make_space_with_module(town, "survey", phase="open")
    login(client, town.admin_email, town.admin_password)
    for path in ("/s/a%00b", f"/s/a%00b/survey/{made.module_id}/"):
        assert client.get(path).status_code == 404
    assert post_form(client, "/s/a%00b/follow", page="/").status_code == 404


def test_an_anonymous_page_reads_the_town_once_and_sees_a_change_at_once(town, space_with_module):
    """A ``cache=True`` page that is not kept (page cache off, or a miss) checks the town kept
    by host against the versions its page look-up read: one read of the town per request,
    and a change to the town made by another worker shows on the next request."""
    board = space_with_module("survey", phase="open")
    path = f"/s/{board.space_slug}"
    with second_worker(town) as other, other.client() as client:
        for limit in (0, other.parvis.page_cache.max_bytes):
            other.parvis.page_cache.max_bytes = limit
            client.get(path)
            client.cookies.clear()
            with other.parvis.db.count_queries() as counter:
                assert client.get(path, headers={"Cache-Control": "no-cache"}).status_code == 200
            towns = [s for s in counter.statements if "towns.content_version" in s]
            assert len(towns) == 1, towns
            name = f"Hierville {limit}"
            _set_town(town, name=name)  # in another unit of work: bumps both versions
            assert name in client.get(path).text


def test_neighbourhoods_are_kept_and_renamed_by_another_worker_show_at_once(town):
    """The town's neighbourhoods are its setup: read once per process (no statement on the next
    cold pages), read again as soon as any worker changes one."""
    with town.session() as session:
        area = Area(town_id=town.town_id, slug="north", name="Northside")
        session.add(area)
        session.flush()
        area_id = area.id
    make_space_with_module(town, "survey", phase="open", area_id=area_id)
    fresh = {"Cache-Control": "no-cache"}
    with second_worker(town) as other, other.client() as client:
        assert "Northside" in client.get("/").text
        with other.parvis.db.count_queries() as counter:
            assert "Northside" in client.get("/open", headers=fresh).text
        assert not any("FROM areas" in s for s in counter.statements)
        with town.session() as session:
            session.get(Area, area_id).name = "Riverside"
        for path in ("/", "/open"):
            page = client.get(path, headers=fresh).text
            assert "Riverside" in page and "Northside" not in page, path


def test_neighbourhoods_read_by_a_unit_of_work_that_wrote_are_not_kept(town):
    """What a writing unit of work reads may yet be rolled back: an area it added and read is
    not kept for the next requests once it is."""
    parvis = town.parvis
    with parvis.db.session() as session:
        kept = session.get(Town, town.town_id)
        session.add(Area(town_id=town.town_id, slug="ghost", name="Ghost town"))
        session.flush()
        assert [a.name for a in parvis.areas_of(session, kept)] == ["Ghost town"]
        session.rollback()
    with parvis.db.session() as session:
        assert parvis.areas_of(session, session.get(Town, town.town_id)) == ()
