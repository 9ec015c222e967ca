"""WTForms base: errors in the request's language; values kept when a form comes back."""

from __future__ import annotations

import re
from typing import Any

import wtforms
from starlette.datastructures import FormData
from wtforms import i18n as wtforms_i18n

from parvis import i18n

# WTForms messages said in Parvis's own words (its French says "adresse électronique", the site
# says "adresse e-mail" everywhere: docs/translating.md).
OWN_WORDS = {
    "Invalid email address.": i18n.lazy_gettext(
        "Enter a valid e-mail address, such as name@example.org."
    ),
}


class _Translations:
    """WTForms' translations for the request's language, with ``OWN_WORDS`` in ours."""

    def __init__(self, base: Any) -> None:
        self.base = base

    def gettext(self, message: str) -> str:
        own = OWN_WORDS.get(message)
        return str(own) if own is not None else str(self.base.gettext(message))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return str(self.base.ngettext(singular, plural, n))


class Form(wtforms.Form):
    """Base for every Parvis form (CSRF is checked by middleware for all requests)."""

    class Meta:
        def get_translations(self, form: wtforms.Form) -> Any:
            return _Translations(wtforms_i18n.get_translations([i18n.get_locale()]))

    @classmethod
    def from_request(cls, formdata: FormData | None, **kwargs: Any) -> Form:
        return cls(formdata=_WTFormData(formdata) if formdata is not None else None, **kwargs)

    def add_error(self, field_name: str, message: str) -> None:
        field = getattr(self, field_name)
        field.errors = [*field.errors, message]


def parse_int(value: Any, digits: int = 9) -> int | None:
    """A strict parse of a whole number 0 or more from a form field or a query string: ASCII
    digits only, at most ``digits`` of them; anything else is ``None`` (``str.isdigit`` accepts
    "²", which ``int`` refuses, and 30 digits would overflow the database)."""
    text = str(value).strip() if value is not None else ""
    return int(text) if re.fullmatch(rf"[0-9]{{1,{digits}}}", text) else None


class _WTFormData:
    """Starlette's form data with the ``getlist`` WTForms expects; uploads stay as UploadFile."""

    def __init__(self, data: FormData) -> None:
        self.data = data

    def __iter__(self) -> Any:
        return iter(self.data.keys())

    def __len__(self) -> int:
        return len(self.data)

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def getlist(self, key: str) -> list[Any]:
        return self.data.getlist(key)
