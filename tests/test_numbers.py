"""Numbers typed the French way ("3 500", "3 500,50", with any space between the digits) are
read by one parser in core, used by every form that asks for a number."""

from __future__ import annotations

from decimal import Decimal

import pytest

from parvis.numbers import parse_number, parse_whole

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("3500", Decimal(3500)),
        ("3 500", Decimal(3500)),
        (f"3{NBSP}500", Decimal(3500)),
        (f"3{NNBSP}500,50", Decimal("3500.50")),
        ("3 500 €", Decimal(3500)),
        ("3500.5", Decimal("3500.5")),
        ("3,5", Decimal("3.5")),
        ("3,500.50", Decimal("3500.50")),
        ("3.500,50", Decimal("3500.50")),
        ("1 234 567", Decimal(1234567)),
        ("-12", Decimal(-12)),
    ],
)
def test_numbers_people_type_are_read(typed, number):
    assert parse_number(typed) == number


@pytest.mark.parametrize(
    "typed", ["", "abc", "12abc", "1e5", "3,50,0", ".5", "5.", "²", "\uff11\uff12", "∞"]
)
def test_anything_else_is_not_a_number(typed):
    assert parse_number(typed) is None and parse_whole(typed) is None


def test_whole_numbers():
    assert parse_whole(f"3{NNBSP}500") == 3500
    assert parse_whole("3 500,00") == 3500
    assert parse_whole("3 500,50") is None


def test_number_fields_are_text_inputs_with_the_number_keyboard():
    """A browser's number input refuses "3 500" before the server sees it: core's fields are
    text inputs that open the phone's number keyboard."""
    from parvis.forms import Form
    from parvis.numbers import DecimalField, IntegerField

    class Costs(Form):
        whole = IntegerField("Whole")
        amount = DecimalField("Amount")

    form = Costs()
    assert 'type="text"' in form.whole() and 'inputmode="numeric"' in form.whole()
    assert 'type="text"' in form.amount() and 'inputmode="decimal"' in form.amount()
