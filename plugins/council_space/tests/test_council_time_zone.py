"""A meeting's time is typed on the town's clock, a town setting (core's ``ctx.time_zone``)."""

from __future__ import annotations

import datetime as dt

import pytest
from council_helpers import make_council, sign_in
from sqlalchemy import select

from parvis.api import Town
from parvis.testing import form_errors, post_form
from parvis_council_space.models import Meeting


@pytest.mark.parametrize(
    ("zone", "utc_hour"), [(None, 17), ("America/Montreal", 23), ("Asia/Tokyo", 9)]
)
def test_meeting_time_is_read_on_the_town_clock(town, client, zone, utc_hour):
    council = make_council(town)
    if zone:
        with town.session() as s:
            s.get(Town, town.town_id).settings = {"core": {"time_zone": zone}}
    council.user("elu@example.org", roles=(f"councillor@{council.space_id}",))
    sign_in(client, "elu@example.org")
    page = f"/p/council_space/{council.slug}/manage"
    response = post_form(
        client,
        f"/p/council_space/{council.slug}/meetings",
        {"title": "Séance", "starts_at": "2027-03-12T18:30"},
        page=page,
    )
    assert response.status_code == 303, form_errors(response.text)
    with town.session() as s:
        starts_at = s.scalar(select(Meeting.starts_at))
    assert starts_at.astimezone(dt.UTC).replace(tzinfo=None) == dt.datetime(
        2027, 3, 12, utc_hour, 30
    )
    edit = client.get(f"/p/council_space/{council.slug}/meetings/1/edit").text
    assert 'value="2027-03-12T18:30"' in edit  # shown back on the same clock
