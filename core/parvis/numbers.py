"""Numbers typed the way people write them: "3500", "3 500", "3 500,50", "3 500 €".

One parser for every form of core and the plugins (through ``parvis.api``): French readers group
digits with a space (often a no-break or narrow no-break space, which phones and copied figures
insert) and write the decimals after a comma; English readers may write "3,500.50".
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import wtforms
from wtforms.validators import StopValidation
from wtforms.widgets import TextInput

from parvis import i18n

# Spaces that group digits: ordinary, no-break (U+00A0), narrow no-break (U+202F), thin (U+2009).
_GROUP_SPACES = re.compile("[ \u00a0\u202f\u2009]")
_CURRENCY = re.compile(r"\s*(€|eur|euros?)$", re.IGNORECASE)
# Digits in groups of three after the first group, with one separator kind.
_GROUPED = {",": re.compile(r"[0-9]{1,3}(,[0-9]{3})+"), ".": re.compile(r"[0-9]{1,3}(\.[0-9]{3})+")}
MAX_DIGITS = 15


def parse_number(value: Any) -> Decimal | None:
    """The number in ``value`` (a Decimal, sign allowed), or ``None`` if it is not one.

    Spaces between digits and a trailing "€" are ignored. With one separator kind, a single comma
    or point is the decimal separator ("3,5" and "3.5" are 3.5) and repeated ones group
    thousands ("1.234.567"); with both, the last one is the decimal separator and the other
    groups thousands ("3,500.50", "3.500,50"). "12abc", "1e5", "3,50,0" are None.
    """
    if value is None:
        return None
    text = _GROUP_SPACES.sub("", _CURRENCY.sub("", str(value).strip()))
    sign = ""
    if text[:1] in ("+", "-", "\u2212"):
        sign, text = ("" if text[0] == "+" else "-"), text[1:]
    if not re.fullmatch(r"[0-9][0-9.,]*", text) or not text[-1].isdigit():
        return None
    marks = [m for m in (",", ".") if m in text]
    whole, decimals = text, ""
    if len(marks) == 2:
        point = max(text.rfind(","), text.rfind("."))
        whole, decimals = text[:point], text[point + 1 :]
        group = "," if text[point] == "." else "."
        if not _GROUPED[group].fullmatch(whole) or not decimals.isdigit():
            return None
        whole = whole.replace(group, "")
    elif marks:
        mark = marks[0]
        if text.count(mark) == 1:
            whole, decimals = text.split(mark)
        elif _GROUPED[mark].fullmatch(text):
            whole = text.replace(mark, "")
        else:
            return None
    if not whole or len(whole) + len(decimals) > MAX_DIGITS:
        return None
    return Decimal(f"{sign}{whole}.{decimals or '0'}")


def parse_whole(value: Any) -> int | None:
    """A whole number written any way ``parse_number`` reads ("3 500", "3 500,00"); ``None`` for
    anything else, including "3 500,50"."""
    number = parse_number(value)
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


class _StopWhenUnreadable:
    """A text input (a browser's number input would refuse "3 500" before we see it) with the
    phone's number keyboard; an unreadable number gets one message, not also the range checks'
    ("cannot be negative")."""

    widget = TextInput()
    inputmode = "numeric"
    process_errors: list[Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["render_kw"] = {"inputmode": self.inputmode, **(kwargs.get("render_kw") or {})}
        super().__init__(*args, **kwargs)

    def pre_validate(self, form: wtforms.Form) -> None:
        if self.process_errors:
            raise StopValidation()


class IntegerField(_StopWhenUnreadable, wtforms.IntegerField):
    """WTForms' IntegerField reading "3 500" and "3 500,00"; what was typed is shown again
    beside the error."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or str(valuelist[0]).strip() == "":
            self.data = None
            return
        self.data = parse_whole(valuelist[0])
        if self.data is None:
            raise ValueError(
                i18n.gettext("Enter a whole number, such as 3500 or 3 500.")
                if parse_number(valuelist[0]) is None
                else i18n.gettext("Enter a whole number, without decimals.")
            )


class DecimalField(_StopWhenUnreadable, wtforms.DecimalField):
    """WTForms' DecimalField reading "3 500,50" and "3500.5" alike."""

    inputmode = "decimal"

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or str(valuelist[0]).strip() == "":
            self.data = None
            return
        self.data = parse_number(valuelist[0])
        if self.data is None:
            raise ValueError(i18n.gettext("Enter a number, such as 3 500,50."))
