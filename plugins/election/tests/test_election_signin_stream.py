"""The sign-in list of online voters (``signin-list.csv``) streams: the server's memory does not
grow with the number of voters; staff only, audited once; lines in the list's order."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from election_helpers import make_election
from sqlalchemy import column, insert, table

from parvis.api import utcnow
from parvis.testing import add_census_person, asgi_get, audit_entries, signed_in
from parvis_election.models import Participation

# The census list as an import writes it, many people at once (``add_census_person`` adds one).
CENSUS = table(
    "census_entries",
    *(column(c) for c in ("town_id", "person_key", "family_name", "given_names", "birth_date")),
    column("address"),
    column("postcode"),
    column("updated_at"),
)


def _voters(town: Any, election: Any, start: int, count: int) -> None:
    """``count`` online voters in the constituency, every other one on the census list."""
    keys = [f"{n:064x}" for n in range(start, start + count)]
    with town.session() as session:
        session.execute(
            insert(CENSUS),
            [
                {
                    "town_id": town.town_id,
                    "person_key": key,
                    "family_name": f"Famille {n % 997}",
                    "given_names": f"Prénom {n}",
                    "birth_date": dt.date(1950, 1, 1) + dt.timedelta(days=n % 20_000),
                    "address": "",
                    "postcode": "",
                    "updated_at": utcnow(),
                }
                for n, key in enumerate(keys)
                if n % 2 == 0
            ],
        )
        session.execute(
            insert(Participation),
            [
                {
                    "module_id": election.module_id,
                    "constituency_id": election.constituencies["nord"],
                    "person_key": key,
                    "voted_at": utcnow(),
                }
                for key in keys
            ],
        )


def test_the_signin_list_streams_with_flat_memory(town):
    election = make_election(town, phase="voting", areas=("nord",))
    path, staff = election.url + "signin-list.csv", signed_in(town, town.admin_email)
    _voters(town, election, 0, 2_000)
    asgi_get(town.app, path, staff, keep_body=False)  # the first request fills the caches
    small = asgi_get(town.app, path, staff, trace_memory=True)
    _voters(town, election, 2_000, 14_000)
    large = asgi_get(town.app, path, staff, trace_memory=True)
    assert small.status == large.status == 200
    assert large.headers["content-disposition"] == (
        f'attachment; filename="signin-list-{election.module_id}.csv"'
    )
    assert large.size > 7.5 * small.size  # eight times the voters...
    assert large.peak_memory < 1.5 * small.peak_memory  # ...in about the same memory
    lines = asgi_get(town.app, path, staff).body.decode().splitlines()
    assert len(lines) == 1 + 16_000
    assert len(audit_entries(town, "election.signin_list")) == 4  # once a download


def test_the_signin_list_is_for_staff_in_the_lists_order(town, client):
    election = make_election(town, phase="voting", areas=("nord",))
    born = dt.date(1980, 2, 29)
    names = [("martin", "Zoé"), ("Martin", "anne"), ("Durand", "Léa"), ("=Sum", "Bob")]
    keys = [
        add_census_person(town, family_name=family, given_names=given, birth_date=born)
        for family, given in names
    ]
    with town.session() as session:
        session.execute(
            insert(Participation),
            [
                {
                    "module_id": election.module_id,
                    "constituency_id": election.constituencies["nord"],
                    "person_key": key,
                }
                for key in [*keys, "f" * 64]  # the last one not on the list nor verified
            ],
        )
    assert asgi_get(town.app, election.url + "signin-list.csv").status == 303  # log in first
    staff = signed_in(town, town.admin_email)
    got = asgi_get(town.app, election.url + "signin-list.csv", staff)
    assert got.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(got.body.decode())))
    assert rows[0][:4] == ["Circonscription", "Nom de famille", "Prénoms", "Date de naissance"]
    assert [r[1:3] for r in rows[1:]] == [
        ["", ""],  # not on the list: family name empty, first
        ["'=Sum", "Bob"],  # never run as a formula
        ["Durand", "Léa"],
        ["Martin", "anne"],  # the same family name whatever the case, then by given names
        ["martin", "Zoé"],
    ]
    assert rows[1][4] == "absent de la liste de la ville, compte supprimé"
    assert rows[1][5] == "f" * 12 and rows[3][0] == "Nord"
