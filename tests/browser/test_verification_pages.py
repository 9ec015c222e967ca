"""The resident verification pages, as a resident and as town staff, at 375 and 1280 px: axe
clean, headings, no sideways scrolling, keyboard (skip link, focus ring); and a proof sent with
the keyboard alone, its errors tied to their fields."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import select

from .checks import SIZES, check_page, goto

pytestmark = pytest.mark.browser

RESIDENT_PAGES = [
    ("verify", "/verify"),
    ("verify-list", "/verify/list"),
    ("verify-letter", "/verify/letter"),
    ("verify-proof", "/verify/proof"),
    ("verify-details", "/verify/details"),
]
STAFF_PAGES = [
    ("verification-settings", "/admin/verification"),
    ("verification-counter", "/admin/verification/counter?q=demo"),
    ("verification-account", "/admin/verification/account/{claimant}"),
    ("verification-proofs", "/admin/verification/proofs"),
    ("verification-census", "/admin/verification/census"),
    ("verification-census-import", "/admin/verification/census/{imported}"),
    ("verification-census-mapping", "/admin/verification/census/{uploaded}/mapping"),
    ("verification-letters", "/admin/verification/letters"),
]


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (60, 40), (20, 90, 160)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def ids(live: Any) -> dict[str, Any]:
    """Every method on, a list imported (one bad line), a batch of letters, a proof waiting."""
    from parvis.models import Area, Town, User
    from parvis.verification import letters
    from parvis.verification.census_import import run_import
    from parvis.verification.claims import Identity, check_proof, save_claim
    from parvis.verification.methods import save_settings
    from parvis.verification.models import CensusImport

    parvis = live.parvis
    with parvis.db.session() as session:
        town = session.scalar(select(Town))
        save_settings(town, ["census", "letter", "proof", "counter"], 24)
        areas = list(session.scalars(select(Area).order_by(Area.position)))
        rows = ["Nom;Prénoms;Naissance;Code postal;Quartier"]
        rows += [
            f"Habitant{n};Prénom{n};0{1 + n % 9}/03/1980;44100;{areas[n % 8].name}"
            for n in range(40)
        ]
        rows.append("Sans;Date;pas une date;44100;Centre-ville")
        data = ("\n".join(rows) + "\n").encode()
        mapping = {"family_name": 0, "given_names": 1, "birth_date": 2, "postcode": 3, "area": 4}
        imported = CensusImport(
            town_id=town.id,
            filename="liste-2027.csv",
            data=data,
            encoding="utf-8-sig",
            delimiter=";",
            mapping=mapping,
            status="queued",
        )
        uploaded = CensusImport(
            town_id=town.id,
            filename="liste-2028.csv",
            data=data,
            encoding="utf-8-sig",
            delimiter=";",
            status="uploaded",
            total_rows=41,
        )
        session.add_all([imported, uploaded])
        session.flush()
        ids = {"town": town.id, "imported": imported.id, "uploaded": uploaded.id}
    run_import(parvis, ids["imported"])
    with parvis.db.session() as session:
        letters.generate(session, parvis.config.secret_key, ids["town"], 60)
        claimant = session.scalar(select(User).where(User.email.like("yacine@%")))
        save_claim(
            session,
            claimant,
            Identity("Benali", "Yacine", claimant.birth_date, claimant.area_id, "3 quai Ouest"),
            check_proof(_png(), "facture.png"),
        )
        ids["claimant"] = claimant.id
    return ids


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("name", "path"), RESIDENT_PAGES, ids=[p[0] for p in RESIDENT_PAGES])
def test_resident_page(
    open_page: Any, ids: dict[str, Any], size: Any, name: str, path: str
) -> None:
    page = open_page(size, "resident")
    goto(page, path.format(**ids))
    check_page(page, name)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("name", "path"), STAFF_PAGES, ids=[p[0] for p in STAFF_PAGES])
def test_staff_page(open_page: Any, ids: dict[str, Any], size: Any, name: str, path: str) -> None:
    page = open_page(size, "admin")
    goto(page, path.format(**ids))
    check_page(page, name)


@pytest.mark.parametrize("size", SIZES)
def test_printable_letters(open_page: Any, ids: dict[str, Any], size: Any) -> None:
    page = open_page(size, "admin")
    goto(page, "/admin/verification/letters/1/sheet")
    assert page.locator(".letter").count() == 40
    # A page of its own, made to be printed: no site header, hence no skip link.
    check_page(page, "verification-letters-sheet", keyboard=False)


@pytest.mark.parametrize("size", SIZES)
def test_proof_form_by_keyboard_shows_errors_beside_fields(
    open_page: Any, ids: dict[str, Any], size: Any
) -> None:
    page = open_page(size, "resident")
    goto(page, "/verify/proof")
    page.focus("#family_name")
    page.keyboard.type("Durand")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # skips the given names, left empty
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").press("Enter")
    assert page.locator("#error-summary").count() == 1
    assert page.locator("#given_names").get_attribute("aria-invalid") == "true"
    assert page.locator("#family_name").input_value() == "Durand"
    check_page(page, "verify-proof-errors")
