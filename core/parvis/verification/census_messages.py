"""What an import says about refused lines, stored as codes and written in the reader's
language when staff open the import (the import itself runs in no one's language)."""

from __future__ import annotations

from typing import Any

from parvis.i18n import gettext as _

MISSING_NAME = "missing_name"
LONG_NAME = "long_name"
BAD_DATE = "bad_date"
UNKNOWN_AREA = "unknown_area"
DUPLICATE = "duplicate"
TOO_MANY_ERRORS = "too_many_errors"
CRASHED = "crashed"


def describe(code: str, params: dict[str, Any]) -> str:
    if code == MISSING_NAME:
        return _("The family name or the given names are missing.")
    if code == LONG_NAME:
        return _("A name is longer than 200 characters.")
    if code == BAD_DATE:
        return _("The date of birth “%(value)s” is not a valid date.", value=params["value"])
    if code == UNKNOWN_AREA:
        return _("No neighbourhood matches “%(value)s”.", value=params["value"])
    if code == DUPLICATE:
        return _("Same person as line %(line)d.", line=params["line"])
    if code == TOO_MANY_ERRORS:
        return _(
            "Too many lines were refused: nobody was marked as having left. Check the column "
            "mapping and import the list again."
        )
    return _("The import stopped on an unexpected error; nobody was marked as having left.")


def readable(errors: list[Any]) -> list[tuple[int, str]]:
    """Stored [line, code, params] as (line, message); line 0 is about the whole import."""
    return [(line, describe(code, params or {})) for line, code, params in errors]
