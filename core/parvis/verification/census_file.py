"""Reading a census CSV: encoding and delimiter, the header, rows one at a time, field checks."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from parvis.i18n import gettext as _
from parvis.verification.records import normalise

# Fields a census row can give; the first three are required.
FIELDS = ("family_name", "given_names", "birth_date", "address", "postcode", "area")
REQUIRED = ("family_name", "given_names", "birth_date")
DELIMITERS = ",;\t|"
_SAMPLE_BYTES = 64 * 1024
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


class CensusFileError(ValueError):
    """The file cannot be read as a CSV list at all (the message says why)."""


@dataclass(frozen=True)
class Layout:
    encoding: str
    delimiter: str
    header: list[str]
    sample: list[list[str]]


def sniff(data: bytes) -> Layout:
    """Guess the encoding (UTF-8, else Windows-1252 as spreadsheets save it) and delimiter."""
    if not data.strip():
        raise CensusFileError(_("The file is empty."))
    head = data[:_SAMPLE_BYTES]
    try:
        # An incremental decoder accepts a multi-byte character cut at the sample's end.
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        text = head.decode("cp1252", errors="replace")
        encoding = "cp1252"
    if "\x00" in text:
        raise CensusFileError(_("This is not a CSV file."))
    lines = text.splitlines()[:20]
    try:
        delimiter = csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        delimiter = ","
    rows = list(csv.reader(io.StringIO("\n".join(lines[:6])), delimiter=delimiter))
    if not rows or len(rows[0]) < 3:
        raise CensusFileError(
            _("The file needs a first line naming at least three columns, separated by commas.")
        )
    return Layout(encoding, delimiter, [c.strip() for c in rows[0]], rows[1:6])


def count_rows(data: bytes) -> int:
    """Lines after the header (a quick estimate for the progress bar)."""
    return max(data.count(b"\n") - (0 if data.endswith(b"\n") else -1) - 1, 0)


def iter_rows(data: bytes, encoding: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for each row after the header, read one at a time."""
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors="replace", newline="")
    reader = csv.reader(stream, delimiter=delimiter)
    next(reader, None)
    for cells in reader:
        if any(c.strip() for c in cells):
            yield reader.line_num, cells


def guess_mapping(header: list[str]) -> dict[str, int]:
    """Columns whose heading looks like a field (staff confirm on the mapping screen)."""
    hints = {
        "family_name": ("nom", "family", "surname", "last", "nom de famille", "nom d'usage"),
        "given_names": ("prenom", "prenoms", "given", "first"),
        "birth_date": ("naissance", "date de naissance", "birth", "birthdate", "ne le"),
        "address": ("adresse", "address", "rue"),
        "postcode": ("code postal", "cp", "postcode", "postal", "zip"),
        "area": ("quartier", "neighbourhood", "neighborhood", "area", "bureau"),
    }
    found: dict[str, int] = {}
    names = [normalise(h) for h in header]
    for field, words in hints.items():
        for index, name in enumerate(names):
            if index in found.values():
                continue
            if name in words or any(name.startswith(w + " ") for w in words if len(w) > 3):
                found[field] = index
                break
    return found


def parse_birth_date(raw: str, today: dt.date) -> dt.date | None:
    value = raw.strip()
    for fmt in _DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        return parsed if dt.date(1900, 1, 1) <= parsed <= today else None
    return None


_POSTCODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z -]{1,9}$")


def clean_postcode(raw: str) -> str:
    value = " ".join(raw.split()).upper()
    return value if _POSTCODE.match(value) else ""
