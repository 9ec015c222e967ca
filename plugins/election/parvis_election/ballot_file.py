"""Published ballot files: the anonymised, shuffled ballots of one constituency with the
parameters needed to recount them (``parvis election recount FILE``).

Two encodings of the same content, format ``parvis-election-ballots`` version 1:

- JSON: ``{"format", "version", "parameters", "meta", "ballots"}``;
- CSV: one row a record, its first cell the kind: ``format``, ``parameter`` (name, value as
  text), ``candidate`` (id, name, gender), ``meta`` (key, text), ``elected`` (the published
  seats) and ``ballot`` (one row a ballot: the candidate ids, in order of preference for STV).

Ballots are written in a random order (system randomness, so the order cannot be replayed),
carry no id, and approval ballots list their choices sorted (the order a voter clicked in says
nothing the count needs). ``meta`` holds ``title``, ``constituency``, ``candidates`` (id ->
name) and ``elected`` (the published seats, ids in order of election); other keys are kept.

``csv_chunks`` and ``json_chunks`` write a file from ballots given one at a time, in the order
given (the published download: ``results.ballot_export``), so memory does not grow with them;
``dump_csv`` and ``dump_json`` write one whole, its ballots shuffled here.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from .methods import METHODS, ElectionInput

FORMAT = "parvis-election-ballots"
VERSION = 1


# A spreadsheet runs a cell starting with one of these as a formula: such text cells of the CSV
# (candidate names, titles, the tie seed) are written with a leading apostrophe, removed on load.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(text: object) -> str:
    text = str(text)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _unsafe(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


class BallotFileError(ValueError):
    """The file is not a readable ballot file of a supported version."""


BALLOTS_PER_CHUNK = 2000


def _shuffled_ballots(inp: ElectionInput) -> list[tuple[int, ...]]:
    ballots = list(inp.ballots)
    random.SystemRandom().shuffle(ballots)
    return ballots


def _written(method: str, ballot: Sequence[int]) -> list[int]:
    """A ballot as the file holds it: an STV ranking as cast, approvals sorted."""
    return list(ballot) if method == "stv" else sorted(ballot)


def _parameters(inp: ElectionInput) -> dict[str, Any]:
    return {
        "method": inp.method,
        "seats": inp.seats,
        "candidates": list(inp.candidates),
        "max_choices": inp.max_choices,
        "genders": {str(c): g for c, g in (inp.genders or {}).items()},
        "parity": inp.parity,
        "tie_seed": inp.tie_seed,
    }


def _meta(meta: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(meta)
    out["candidates"] = {str(c): name for c, name in meta.get("candidates", {}).items()}
    out["elected"] = [int(c) for c in meta.get("elected", [])]
    return out


def dump_json(inp: ElectionInput, meta: dict) -> str:
    return "".join(json_chunks(inp, meta, _shuffled_ballots(inp)))


def json_chunks(inp: ElectionInput, meta: dict, ballots: Iterable[Sequence[int]]) -> Iterator[str]:
    """The JSON file of ``inp``'s parameters and ``meta`` (``inp.ballots`` unused) with
    ``ballots`` in the order given, ``BALLOTS_PER_CHUNK`` ballots a chunk."""
    head = {
        "format": FORMAT,
        "version": VERSION,
        "parameters": _parameters(inp),
        "meta": _meta(meta),
    }
    text = json.dumps(head, ensure_ascii=False, indent=1, default=str)
    lines = [text[: -len("\n}")] + ',\n "ballots": [']
    separator = "\n  "
    for ballot in ballots:
        lines.append(separator + json.dumps(_written(inp.method, ballot)))
        separator = ",\n  "
        if len(lines) >= BALLOTS_PER_CHUNK:
            yield "".join(lines)
            lines = []
    lines.append("\n ]\n}")
    yield "".join(lines)


def dump_csv(inp: ElectionInput, meta: dict) -> str:
    return "".join(csv_chunks(inp, meta, _shuffled_ballots(inp)))


def csv_chunks(inp: ElectionInput, meta: dict, ballots: Iterable[Sequence[int]]) -> Iterator[str]:
    """The CSV file of ``inp``'s parameters and ``meta`` (``inp.ballots`` unused) with
    ``ballots`` in the order given, ``BALLOTS_PER_CHUNK`` ballots a chunk."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    params = _parameters(inp)
    writer.writerow(["format", FORMAT, VERSION])
    for key in ("method", "seats", "max_choices", "parity", "tie_seed"):
        value = params[key]
        text = "" if value is None else str(value).lower() if key == "parity" else str(value)
        writer.writerow(["parameter", key, _safe(text)])
    names = meta.get("candidates", {})
    genders = inp.genders or {}
    for c in inp.candidates:
        name = names.get(c, names.get(str(c), ""))
        writer.writerow(["candidate", c, _safe(name), genders.get(c, "")])
    for key, value in _meta(meta).items():
        if key not in ("candidates", "elected"):
            writer.writerow(["meta", _safe(key), _safe(value)])
    writer.writerow(["elected", *_meta(meta)["elected"]])
    for n, ballot in enumerate(ballots, 1):
        writer.writerow(["ballot", *_written(inp.method, ballot)])
        if n % BALLOTS_PER_CHUNK == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    if out.tell():
        yield out.getvalue()


def load(path_or_text: str | Path) -> tuple[ElectionInput, dict]:
    """Read a JSON or CSV ballot file: a path, or the text itself (JSON, or CSV of several
    lines)."""
    text = str(path_or_text)
    if isinstance(path_or_text, Path) or not ("\n" in text or text.lstrip().startswith("{")):
        try:
            text = Path(path_or_text).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise BallotFileError(f"cannot read the file: {exc}") from exc
    try:
        document = _read_json(text) if text.lstrip().startswith("{") else _read_csv(text)
        return _build(document)
    except BallotFileError:
        raise
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise BallotFileError(f"not a valid {FORMAT} file: {exc!r}") from exc


def _read_json(text: str) -> dict[str, Any]:
    document = json.loads(text)
    if not isinstance(document, dict):
        raise BallotFileError(f"not a {FORMAT} file")
    return document


def _read_csv(text: str) -> dict[str, Any]:
    document: dict[str, Any] = {"parameters": {"genders": {}, "candidates": []}, "ballots": []}
    meta: dict[str, Any] = {"candidates": {}, "elected": []}
    params = document["parameters"]
    for row in csv.reader(io.StringIO(text)):
        if not row:
            continue
        kind, rest = row[0], row[1:]
        if kind == "format":
            document["format"], document["version"] = rest[0], int(rest[1])
        elif kind == "parameter":
            params[rest[0]] = _csv_parameter(rest[0], _unsafe(rest[1]))
        elif kind == "candidate":
            params["candidates"].append(int(rest[0]))
            meta["candidates"][rest[0]] = _unsafe(rest[1])
            if len(rest) > 2 and rest[2]:
                params["genders"][rest[0]] = rest[2]
        elif kind == "meta":
            meta[_unsafe(rest[0])] = _unsafe(rest[1])
        elif kind == "elected":
            meta["elected"] = [int(c) for c in rest]
        elif kind == "ballot":
            document["ballots"].append([int(c) for c in rest])
        else:
            raise BallotFileError(f"unknown row kind {kind!r}")
    document["meta"] = meta
    return document


def _csv_parameter(key: str, text: str) -> Any:
    if key in ("seats", "max_choices"):
        return int(text) if text else None
    if key == "parity":
        if text not in ("true", "false"):
            raise BallotFileError(f"parity must be true or false, not {text!r}")
        return text == "true"
    return text


def _build(document: dict[str, Any]) -> tuple[ElectionInput, dict]:
    if document.get("format") != FORMAT:
        raise BallotFileError(f"not a {FORMAT} file (format: {document.get('format')!r})")
    if document.get("version") != VERSION:
        raise BallotFileError(
            f"{FORMAT} version {document.get('version')!r} is not supported (this Parvis reads "
            f"version {VERSION})"
        )
    params = document["parameters"]
    if params["method"] not in METHODS:
        raise BallotFileError(f"unknown counting method {params['method']!r}")
    genders = {int(c): str(g) for c, g in (params.get("genders") or {}).items()}
    inp = ElectionInput(
        method=params["method"],
        seats=int(params["seats"]),
        candidates=tuple(int(c) for c in params["candidates"]),
        ballots=[tuple(int(c) for c in b) for b in document["ballots"]],
        max_choices=None if params.get("max_choices") is None else int(params["max_choices"]),
        genders=genders or None,
        parity=bool(params.get("parity", False)),
        tie_seed=str(params.get("tie_seed") or ""),
    )
    meta = dict(document.get("meta") or {})
    meta["candidates"] = {int(c): str(n) for c, n in (meta.get("candidates") or {}).items()}
    meta["elected"] = [int(c) for c in meta.get("elected") or []]
    return inp, meta
