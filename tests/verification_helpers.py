"""Shared set-up of the verification tests: enabled methods, census entries, areas, images."""

from __future__ import annotations

import datetime as dt
import io
import re

from parvis.models import Area, Town
from parvis.verification.methods import save_settings
from parvis.verification.models import CensusEntry
from parvis.verification.records import person_key


def enable(town, *methods: str, months: int | None = None) -> None:
    with town.session() as session:
        save_settings(session.get(Town, town.town_id), list(methods), months)


def areas(town, *names: str) -> list[int]:
    with town.session() as session:
        made = [
            Area(town_id=town.town_id, slug=re.sub(r"\W+", "-", n.lower()), name=n, position=i)
            for i, n in enumerate(names)
        ]
        session.add_all(made)
        session.flush()
        return [a.id for a in made]


def key_of(town, family: str, given: str, born: dt.date) -> str:
    return person_key(
        town.parvis.config.secret_key,
        town.town_id,
        family_name=family,
        given_names=given,
        birth_date=born,
    )


def listed(
    town, family: str, given: str, born: dt.date, area_id: int | None, postcode: str = "44100"
) -> int:
    """A person on the town's list (as an import would leave them)."""
    with town.session() as session:
        entry = CensusEntry(
            town_id=town.town_id,
            person_key=key_of(town, family, given, born),
            family_name=family,
            given_names=given,
            birth_date=born,
            address="1 rue des Lilas",
            postcode=postcode,
            area_id=area_id,
        )
        session.add(entry)
        session.flush()
        return entry.id


def png_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def english(client) -> None:
    from parvis.testing import post_form

    post_form(client, "/language", {"locale": "en"})
