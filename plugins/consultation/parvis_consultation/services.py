"""Surveys and polls: structure, validation of answers, saving responses, results in SQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, exists, func, insert, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parvis.api import Area, Context, Module, Translator, utcnow
from parvis.api import parse_int as parse_id  # ids and ranks from forms and query strings
from parvis.api import town_areas as town_areas  # reached as services.town_areas by the views
from parvis_consultation import tallies
from parvis_consultation.models import (
    CHOICE,
    DATE,
    LONG_TEXT,
    MATRIX,
    MULTIPLE,
    NUMBER,
    RANKING,
    ROW,
    SCALE,
    SHORT_TEXT,
    SINGLE,
    TEXT_KINDS,
    Answer,
    Draft,
    Option,
    Question,
    Response,
    Section,
    Survey,
)

T = Translator("parvis_consultation")
_ = T.gettext

SHORT_MAX = 300
LONG_MAX = 5000
OTHER = "other"
FIELD_RE = re.compile(r"^q(\d+)(?:_(other|o\d+|r\d+))?$")
DRAFT_LONG_MAX = 10_000  # characters kept per long-text value in a draft
DRAFT_VALUE_MAX = 500  # characters kept per other value in a draft
DRAFT_MAX_VALUES = 500  # values kept per draft
DRAFT_MAX_AGE = dt.timedelta(days=30)
NUMBER_MAX = 1e12  # largest magnitude accepted for a number answer


# --- structure ----------------------------------------------------------------------------------


@dataclass
class Structure:
    """A survey's settings, sections, questions and options, loaded in four queries."""

    survey: Survey
    sections: list[Section]
    questions: list[Question]
    choices: dict[int, list[Option]]
    rows: dict[int, list[Option]]

    @property
    def by_id(self) -> dict[int, Question]:
        return {q.id: q for q in self.questions}

    def in_section(self, section_id: int) -> list[Question]:
        return [q for q in self.questions if q.section_id == section_id]

    def option_label(self, option_id: int | None) -> str:
        for options in (*self.choices.values(), *self.rows.values()):
            for option in options:
                if option.id == option_id:
                    return option.label
        return ""


def get_survey(session: Session, module_id: int) -> Survey:
    """The module's settings row, or unsaved defaults (GET pages never write)."""
    survey = session.scalar(select(Survey).where(Survey.module_id == module_id))
    if survey is None:
        survey = Survey(
            module_id=module_id,
            intro="",
            allow_anonymous=False,
            results_visibility="public",
            poll_results="answered",
            show_on_home=False,
            decision="",
        )
    return survey


def saved_survey(session: Session, module_id: int) -> Survey:
    survey = get_survey(session, module_id)
    if survey.id is None:
        session.add(survey)
        session.flush()
    return survey


def load_structure(session: Session, module_id: int) -> Structure:
    survey = get_survey(session, module_id)
    sections = list(
        session.scalars(
            select(Section)
            .where(Section.module_id == module_id)
            .order_by(Section.position, Section.id)
        )
    )
    order = {s.id: i for i, s in enumerate(sections)}
    questions = sorted(
        session.scalars(select(Question).where(Question.module_id == module_id)),
        key=lambda q: (order.get(q.section_id, 0), q.position, q.id),
    )
    choices: dict[int, list[Option]] = {q.id: [] for q in questions}
    rows: dict[int, list[Option]] = {q.id: [] for q in questions}
    if questions:
        options = session.scalars(
            select(Option)
            .join(Question, Question.id == Option.question_id)
            .where(Question.module_id == module_id)
            .order_by(Option.position, Option.id)
        )
        for option in options:
            (rows if option.role == ROW else choices)[option.question_id].append(option)
    return Structure(survey, sections, questions, choices, rows)


def has_responses(session: Session, module_id: int) -> bool:
    return bool(session.scalar(select(exists().where(Response.module_id == module_id))))


def next_position(session: Session, column: Any, *where: Any) -> int:
    return int(session.scalar(select(func.coalesce(func.max(column), 0)).where(*where)) or 0) + 1


def is_open(module: Module, survey: Survey, now: dt.datetime | None = None) -> bool:
    """Open phase and, when set, within the open and close dates."""
    now = now or utcnow()
    if module.phase != "open":
        return False
    if survey.opens_at is not None and now < survey.opens_at:
        return False
    return not (survey.closes_at is not None and now >= survey.closes_at)


def closed_reason(module: Module, survey: Survey) -> str:
    if module.phase == "draft" or (survey.opens_at is not None and utcnow() < survey.opens_at):
        return _("This consultation is not open yet.")
    return _("This consultation is closed: answers are no longer accepted.")


# --- answers: parsing and validation ------------------------------------------------------------


@dataclass
class Parsed:
    """Validated answer rows (column values per row) and errors by question id."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)
    form_error: str = ""
    answered: dict[int, set[int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.form_error


def raw_values(form: Mapping[str, Any] | Any) -> dict[str, list[str]]:
    """The survey fields of a POST (or of a draft) as lists of strings."""
    values: dict[str, list[str]] = {}
    keys = form.keys() if hasattr(form, "keys") else []
    for key in keys:
        if not key.startswith("q"):
            continue
        items = form.getlist(key) if hasattr(form, "getlist") else form[key]
        if isinstance(items, str):
            items = [items]
        values[key] = [str(v) for v in items if isinstance(v, str)]
    return values


def _one(values: dict[str, list[str]], key: str) -> str:
    items = values.get(key) or [""]
    return items[0].strip()


def _parse_number(text: str) -> float | None:
    """A finite number, or None ("nan", "inf" and "1e999" are not numbers here)."""
    try:
        number = float(text.replace(",", ".").replace("\u202f", "").replace(" ", ""))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def condition_met(question: Question, answered: dict[int, set[int]]) -> bool:
    if question.condition_question_id is None or question.condition_option_id is None:
        return True
    return question.condition_option_id in answered.get(question.condition_question_id, set())


def validate(structure: Structure, values: dict[str, list[str]]) -> Parsed:
    """Check every visible question; build the answer rows to store."""
    parsed = Parsed()
    by_id = structure.by_id
    for key in values:
        match = FIELD_RE.match(key)
        if match is None or int(match.group(1)) not in by_id:
            parsed.form_error = _(
                "The form contains a question that is not in this survey. "
                "Reload the page and answer again."
            )
            return parsed
    for question in structure.questions:
        if not condition_met(question, parsed.answered):
            continue
        error = _validate_question(structure, question, values, parsed)
        if error:
            parsed.errors[question.id] = error
    return parsed


def _validate_question(
    structure: Structure, q: Question, values: dict[str, list[str]], parsed: Parsed
) -> str | None:
    key = f"q{q.id}"
    base = {"question_id": q.id}
    required_msg = _("This question needs an answer.")
    choice_ids = {o.id for o in structure.choices[q.id]}

    if q.kind in (SINGLE, MULTIPLE):
        picked = [v.strip() for v in values.get(key, []) if v.strip()]
        if q.kind == SINGLE and len(picked) > 1:
            return _("Choose only one option.")
        rows: list[dict[str, Any]] = []
        chosen: set[int] = set()
        for value in dict.fromkeys(picked):
            if value == OTHER and q.allow_other:
                other = _one(values, f"{key}_other")
                if not other:
                    return _("Please specify your “other” answer.")
                if len(other) > SHORT_MAX:
                    return _("Keep it under %(n)s characters.", n=SHORT_MAX)
                rows.append({**base, "is_other": True, "text": other})
            elif (option_id := parse_id(value)) is not None and option_id in choice_ids:
                chosen.add(option_id)
                rows.append({**base, "option_id": option_id})
            else:
                return _("This choice is not offered; choose among the options shown.")
        if not rows:
            return required_msg if q.required else None
        if q.kind == MULTIPLE:
            if q.max_choices and len(rows) > q.max_choices:
                return T.ngettext(
                    "Choose at most %(num)s option.",
                    "Choose at most %(num)s options.",
                    q.max_choices,
                )
            if q.min_choices and len(rows) < q.min_choices:
                return T.ngettext(
                    "Choose at least %(num)s option.",
                    "Choose at least %(num)s options.",
                    q.min_choices,
                )
        parsed.answered[q.id] = chosen
        parsed.rows.extend(rows)
        return None

    if q.kind in TEXT_KINDS:
        text = _one(values, key)
        limit = SHORT_MAX if q.kind == SHORT_TEXT else LONG_MAX
        if not text:
            return required_msg if q.required else None
        if len(text) > limit:
            return _("Keep it under %(n)s characters.", n=limit)
        parsed.rows.append({**base, "text": text})
        return None

    if q.kind in (NUMBER, SCALE):
        text = _one(values, key)
        if not text:
            return required_msg if q.required else None
        number = _parse_number(text)
        if q.kind == SCALE:
            if number is None or not number.is_integer() or not 1 <= number <= q.scale_max:
                return _("Choose a value from 1 to %(max)s.", max=q.scale_max)
        else:
            if number is None:
                return _("Enter a number, for example 12 or 3.5.")
            if abs(number) > NUMBER_MAX:
                return _(
                    "Enter a number from %(min)s to %(max)s.",
                    min=_fmt(-NUMBER_MAX),
                    max=_fmt(NUMBER_MAX),
                )
            low, high = q.min_value, q.max_value
            if (low is not None and number < low) or (high is not None and number > high):
                if low is not None and high is not None:
                    return _(
                        "Enter a number from %(min)s to %(max)s.", min=_fmt(low), max=_fmt(high)
                    )
                if low is not None:
                    return _("Enter a number of at least %(min)s.", min=_fmt(low))
                return _("Enter a number of at most %(max)s.", max=_fmt(high))
        parsed.rows.append({**base, "number": number})
        return None

    if q.kind == DATE:
        text = _one(values, key)
        if not text:
            return required_msg if q.required else None
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            return _("Enter a date like 2026-05-31 (year-month-day).")
        parsed.rows.append({**base, "date": day})
        return None

    if q.kind == RANKING:
        options = structure.choices[q.id]
        ranks: dict[int, int] = {}
        for option in options:
            text = _one(values, f"{key}_o{option.id}")
            if not text:
                continue
            rank = parse_id(text)
            if rank is None or not 1 <= rank <= len(options):
                return _("Give each option a rank from 1 to %(n)s.", n=len(options))
            ranks[option.id] = rank
        known = {f"{key}_o{o.id}" for o in options}
        if any(k.startswith(f"{key}_o") and k not in known for k in values):
            return _("This choice is not offered; choose among the options shown.")
        if not ranks:
            return required_msg if q.required else None
        if len(set(ranks.values())) != len(ranks):
            return _("Give each option a different rank.")
        if q.required and len(ranks) != len(options):
            return _("Rank every option.")
        if sorted(ranks.values()) != list(range(1, len(ranks) + 1)):
            return _("Use the ranks 1, 2, 3… without gaps.")
        for option_id, rank in ranks.items():
            parsed.rows.append({**base, "option_id": option_id, "rank": rank})
        return None

    if q.kind == MATRIX:
        rows_done = []
        known = {f"{key}_r{r.id}" for r in structure.rows[q.id]}
        if any(k.startswith(f"{key}_r") and k not in known for k in values):
            return _("This choice is not offered; choose among the options shown.")
        for row in structure.rows[q.id]:
            value = _one(values, f"{key}_r{row.id}")
            if not value:
                continue
            option_id = parse_id(value)
            if option_id is None or option_id not in choice_ids:
                return _("This choice is not offered; choose among the options shown.")
            rows_done.append({**base, "row_id": row.id, "option_id": option_id})
        if not rows_done:
            return required_msg if q.required else None
        if q.required and len(rows_done) != len(structure.rows[q.id]):
            return _("Answer every line of the table.")
        parsed.rows.extend(rows_done)
        return None
    return None


# --- saving -------------------------------------------------------------------------------------


class AlreadyAnswered(Exception):
    pass


def save_response(
    session: Session,
    module_id: int,
    rows: Iterable[dict[str, Any]],
    *,
    user_id: int | None = None,
    token_hash: str | None = None,
    area_id: int | None = None,
) -> tuple[int, bool]:
    """Create or replace the respondent's response; returns (response id, created).

    The unique constraints on (module, user) and (module, token hash) make a concurrent second
    insert fail; it then falls back to the row that won. The response row is locked (UPDATE)
    before its answers are replaced, so concurrent edits never mix two sets of answers.
    """
    assert user_id is not None or token_hash is not None
    owner = (
        Response.user_id == user_id if user_id is not None else Response.token_hash == token_hash
    )
    now = utcnow()
    response_id = session.scalar(select(Response.id).where(Response.module_id == module_id, owner))
    created = False
    if response_id is None:
        try:
            with session.begin_nested():
                response = Response(
                    module_id=module_id,
                    user_id=user_id,
                    token_hash=token_hash,
                    area_id=area_id,
                    created_at=now,
                    updated_at=now,
                )
                session.add(response)
                session.flush()
                response_id = response.id
                created = True
        except IntegrityError:
            response_id = session.scalar(
                select(Response.id).where(Response.module_id == module_id, owner)
            )
            if response_id is None:  # pragma: no cover - the winner rolled back
                raise
    scale_ids = tallies.scale_questions(session, module_id)
    changes = []
    if not created:
        # Lock the response row first (UPDATE), so the answers and area read next are the
        # ones this transaction replaces: their contribution leaves the tallies.
        mine = Response.id == response_id
        session.execute(update(Response).where(mine).values(updated_at=now))
        changes = tallies.contributions_of(session, module_id, mine, scale_ids)
        session.execute(update(Response).where(mine).values(area_id=area_id))
        session.execute(delete(Answer).where(Answer.response_id == response_id))
    payload = [
        {
            "response_id": response_id,
            "module_id": module_id,
            "option_id": None,
            "row_id": None,
            "is_other": False,
            "text": None,
            "number": None,
            "date": None,
            "rank": None,
            "hidden": False,
            **row,
        }
        for row in rows
    ]
    if payload:
        session.execute(insert(Answer), payload)
    changes.append((1, tallies.contribution(area_id, payload, scale_ids)))
    tallies.record(session, module_id, changes)
    return response_id, created


def response_of(
    session: Session, module_id: int, *, user_id: int | None, token_hash: str | None
) -> Response | None:
    if user_id is not None:
        cond = Response.user_id == user_id
    elif token_hash is not None:
        cond = Response.token_hash == token_hash
    else:
        return None
    return session.scalar(select(Response).where(Response.module_id == module_id, cond))


def values_of_response(session: Session, response_id: int) -> dict[str, list[str]]:
    """The stored answers as form values, to pre-fill the form when editing."""
    values: dict[str, list[str]] = {}
    answers = session.scalars(select(Answer).where(Answer.response_id == response_id))
    for a in answers:
        key = f"q{a.question_id}"
        if a.is_other:
            values.setdefault(key, []).append(OTHER)
            values[f"{key}_other"] = [a.text or ""]
        elif a.row_id is not None:
            values[f"{key}_r{a.row_id}"] = [str(a.option_id)]
        elif a.rank is not None:
            values[f"{key}_o{a.option_id}"] = [str(a.rank)]
        elif a.option_id is not None:
            values.setdefault(key, []).append(str(a.option_id))
        elif a.text is not None:
            values[key] = [a.text]
        elif a.number is not None:
            values[key] = [_fmt(a.number)]
        elif a.date is not None:
            values[key] = [a.date.isoformat()]
    return values


def draft_values(structure: Structure, values: dict[str, list[str]]) -> dict[str, list[str]]:
    """What a draft may keep of a POST: the fields of this survey's questions only (and their
    known sub-fields), each value cut to a sane length, a bounded number of values."""
    kept: dict[str, list[str]] = {}
    count = 0
    by_id = structure.by_id
    for key, items in values.items():
        match = FIELD_RE.match(key)
        question = by_id.get(int(match.group(1))) if match and len(match.group(1)) < 10 else None
        if question is None:
            continue
        sub = match.group(2) if match else None
        if sub and not _known_subfield(structure, question, sub):
            continue
        limit = DRAFT_LONG_MAX if question.kind == LONG_TEXT and not sub else DRAFT_VALUE_MAX
        per_key = len(structure.choices[question.id]) + 1 if question.kind == MULTIPLE else 1
        cut = [v[:limit] for v in items[:per_key]]
        cut = cut[: max(0, DRAFT_MAX_VALUES - count)]
        if cut:
            kept[key] = cut
            count += len(cut)
    return kept


def _known_subfield(structure: Structure, question: Question, sub: str) -> bool:
    if sub == OTHER:
        return bool(question.allow_other)
    ids = {o.id for o in structure.choices[question.id]} if question.kind == RANKING else set()
    if question.kind == MATRIX:
        ids = {r.id for r in structure.rows[question.id]}
    return sub[0] == ("o" if question.kind == RANKING else "r") and parse_id(sub[1:]) in ids


def save_draft(
    session: Session,
    module_id: int,
    owner: str,
    values: dict[str, list[str]],
    user_id: int | None = None,
) -> None:
    """Store the draft (already cleaned by ``draft_values``); drafts untouched for 30 days are
    purged on the way (one DELETE)."""
    session.execute(delete(Draft).where(Draft.updated_at < utcnow() - DRAFT_MAX_AGE))
    draft = session.scalar(select(Draft).where(Draft.module_id == module_id, Draft.owner == owner))
    if draft is None:
        session.add(Draft(module_id=module_id, owner=owner, user_id=user_id, data=values))
    else:
        draft.data = values
        draft.updated_at = utcnow()
    session.flush()


def load_draft(session: Session, module_id: int, owners: list[str]) -> Draft | None:
    if not owners:
        return None
    return session.scalar(
        select(Draft)
        .where(Draft.module_id == module_id, Draft.owner.in_(owners))
        .order_by(Draft.updated_at.desc())
        .limit(1)
    )


def drop_drafts(session: Session, module_id: int, owners: list[str]) -> None:
    if owners:
        session.execute(delete(Draft).where(Draft.module_id == module_id, Draft.owner.in_(owners)))


def respondent_hash(ctx: Context, token: str) -> str:
    """What is stored of an answer sent without an account: an HMAC of the browser's random
    token with the deployment's secret (the token itself stays in the visitor's session)."""
    return str(ctx.sign("consultation.respondent", token))


# --- results ------------------------------------------------------------------------------------


@dataclass
class Bar:
    label: str
    count: int
    share: float  # 0..1 of the question's respondents
    avg_rank: float | None = None


@dataclass
class QuestionResult:
    question: Question
    respondents: int = 0
    bars: list[Bar] = field(default_factory=list)
    # Matrix: (row label, bars) per row.
    matrix: list[tuple[str, list[Bar]]] = field(default_factory=list)
    average: float | None = None
    minimum: Any = None
    maximum: Any = None
    texts: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Results:
    total: int
    questions: list[QuestionResult]
    area_id: int | None = None


def _scope(query: Any, module_id: int, area_id: int | None) -> Any:
    query = query.where(Answer.module_id == module_id)
    if area_id is not None:
        query = query.join(Response, Response.id == Answer.response_id).where(
            Response.area_id == area_id
        )
    return query


def _extremes(
    session: Session, structure: Structure, module_id: int, area_id: int | None
) -> dict[int, tuple[Any, Any, Any, Any]]:
    """question id -> (lowest number, highest number, earliest date, latest date)."""
    columns = []
    for q in structure.questions:
        if q.kind in (NUMBER, SCALE):
            value, only = Answer.number, Answer.number.is_not(None)
        elif q.kind == DATE:
            # number is NULL for dates: the index then orders the question's entries by date.
            value, only = Answer.date, Answer.number.is_(None) & Answer.date.is_not(None)
        else:
            continue
        for extreme in (func.min, func.max):
            query = _scope(select(extreme(value)), module_id, area_id)
            columns.append(query.where(Answer.question_id == q.id, only).scalar_subquery())
    if not columns:
        return {}
    values = iter(session.execute(select(*columns)).one())
    out = {}
    for q in structure.questions:
        if q.kind in (NUMBER, SCALE):
            out[q.id] = (next(values), next(values), None, None)
        elif q.kind == DATE:
            out[q.id] = (None, None, next(values), next(values))
    return out


def compute_results(
    session: Session,
    structure: Structure,
    module_id: int,
    *,
    area_id: int | None = None,
    texts_per_question: int = 20,
    include_hidden: bool = False,
) -> Results:
    """Every figure of the results page in a constant number of queries.

    Counts, respondents and averages come from the running tallies (``tallies.py``), never
    from grouping every answer; minimum and maximum values read one index entry each (a
    scan of the question's answers when filtered by area); texts the latest few per question.
    """
    tallied = tallies.read(session, module_id, area_id)
    total, respondents, counts = tallied.total, tallied.respondents, tallied.choices
    scale_counts = tallied.scale
    stats = {
        qid: (tallied.averages.get(qid), *extremes)
        for qid, extremes in _extremes(session, structure, module_id, area_id).items()
    }
    texts: dict[int, list[tuple[int, str]]] = {}
    text_ids = [q.id for q in structure.questions if q.kind in TEXT_KINDS or q.allow_other]
    if text_ids and texts_per_question:
        # The latest few of each question, read backwards along an index (module, question,
        # id): one statement, each part stopping after ``texts_per_question`` rows.
        latest = []
        for qid in text_ids:
            part = _scope(
                select(Answer.id, Answer.question_id, Answer.text), module_id, area_id
            ).where(Answer.question_id == qid, Answer.text.is_not(None))
            if not include_hidden:
                part = part.where(Answer.hidden.is_(False))
            part = part.order_by(Answer.id.desc()).limit(texts_per_question).subquery()
            latest.append(select(part))
        for answer_id, qid, text in session.execute(union_all(*latest)):
            texts.setdefault(qid, []).append((answer_id, text))
        for found in texts.values():
            found.sort(reverse=True)

    results = []
    for q in structure.questions:
        n = int(respondents.get(q.id, 0))
        qr = QuestionResult(q, respondents=n, texts=texts.get(q.id, []))

        def share(count: int, base: int) -> float:
            return count / base if base else 0.0

        if q.kind in (SINGLE, MULTIPLE, RANKING):
            for option in structure.choices[q.id]:
                c, avg_rank = counts.get((q.id, None, option.id, False), (0, None))
                qr.bars.append(
                    Bar(
                        option.label,
                        c,
                        share(c, n),
                        float(avg_rank) if avg_rank else None,
                    )
                )
            if q.allow_other and q.kind != RANKING:
                c, _r = counts.get((q.id, None, None, True), (0, None))
                qr.bars.append(Bar(_("Other"), c, share(c, n)))
        elif q.kind == MATRIX:
            for row in structure.rows[q.id]:
                row_counts = [
                    counts.get((q.id, row.id, option.id, False), (0, None))[0]
                    for option in structure.choices[q.id]
                ]
                base = sum(row_counts)
                qr.matrix.append(
                    (
                        row.label,
                        [
                            Bar(option.label, c, share(c, base))
                            for option, c in zip(structure.choices[q.id], row_counts, strict=True)
                        ],
                    )
                )
        elif q.kind == SCALE:
            for value in range(1, q.scale_max + 1):
                c = scale_counts.get((q.id, float(value)), 0)
                label = str(value)
                if value == 1 and q.low_label:
                    label = f"1 \u2013 {q.low_label}"
                elif value == q.scale_max and q.high_label:
                    label = f"{value} \u2013 {q.high_label}"
                qr.bars.append(Bar(label, c, share(c, n)))
        if q.id in stats:
            avg, low, high, dlow, dhigh = stats[q.id]
            if q.kind == DATE:
                qr.minimum, qr.maximum = dlow, dhigh
            else:
                qr.average = float(avg) if avg is not None else None
                qr.minimum, qr.maximum = low, high
        if q.kind == RANKING:
            qr.bars.sort(key=lambda b: (b.avg_rank is None, b.avg_rank or 0))
        results.append(qr)
    return Results(total, results, area_id)


def results_visible(module: Module, survey: Survey, *, can_manage: bool, answered: bool) -> bool:
    """Who sees results: managers always; others per the survey's (or poll's) setting."""
    if can_manage:
        return True
    closed = module.phase in ("closed", "decided")
    if module.type == "poll":
        if survey.poll_results == "answered":
            return answered or closed
        return closed
    return survey.results_visibility == "public" and closed


# --- exports ------------------------------------------------------------------------------------


def csv_columns(structure: Structure) -> list[tuple[str, int, int | None]]:
    """(header, question id, matrix row id) per CSV column after the fixed ones."""
    columns = []
    for q in structure.questions:
        if q.kind == MATRIX:
            for row in structure.rows[q.id]:
                columns.append((f"{q.label} — {row.label}", q.id, row.id))
        else:
            columns.append((q.label, q.id, None))
    return columns


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell_text(text: str) -> str:
    """Free text that a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_START) else text


def export_csv(
    session: Session, structure: Structure, module_id: int, rows_per_chunk: int = 500
) -> Iterator[str]:
    """One row a response, one column a question (matrix: one per row); UTF-8 with BOM.

    Yields the text in chunks of ``rows_per_chunk`` rows, reading responses and answers as
    one stream ordered by response: memory stays flat however many responses there are.
    """
    columns = csv_columns(structure)
    index = {(qid, row_id): i for i, (_h, qid, row_id) in enumerate(columns)}
    by_id = structure.by_id
    labels = {o.id: o.label for opts in structure.choices.values() for o in opts}
    other = _("Other: %(text)s")  # formatted per cell below
    area_names = dict(session.execute(select(Area.id, Area.name)).all())
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["response", "submitted_at", "area", *[c[0] for c in columns]])
    stream = session.execute(
        select(
            Response.id,
            Response.updated_at,
            Response.area_id,
            Answer.question_id,
            Answer.row_id,
            Answer.option_id,
            Answer.is_other,
            Answer.text,
            Answer.number,
            Answer.date,
        )
        .outerjoin(Answer, Answer.response_id == Response.id)
        .where(Response.module_id == module_id)
        .order_by(Response.id, Answer.question_id, Answer.rank, Answer.id)
        .execution_options(yield_per=2000)
    )
    current: tuple[int, Any, Any] | None = None
    cells: list[list[str]] = []
    written = 0

    def flush_row() -> None:
        assert current is not None
        rid, updated_at, area_id = current
        writer.writerow(
            [
                rid,
                updated_at.isoformat(timespec="seconds") if updated_at else "",
                area_names.get(area_id, ""),
                *["; ".join(c) for c in cells],
            ]
        )

    for (
        rid,
        updated_at,
        area_id,
        qid,
        row_id,
        option_id,
        is_other,
        text,
        number,
        day,
    ) in stream:
        if current is None or current[0] != rid:
            if current is not None:
                flush_row()
                written += 1
                if written % rows_per_chunk == 0:
                    yield out.getvalue()
                    out.seek(0)
                    out.truncate()
            current, cells = (rid, updated_at, area_id), [[] for _c in columns]
        q = by_id.get(qid) if qid is not None else None
        if q is None:
            continue
        col = index.get((qid, row_id if q.kind == MATRIX else None))
        if col is None:
            continue
        if is_other:
            cells[col].append(other % {"text": _cell_text(text or "")})
        elif option_id is not None:
            cells[col].append(labels.get(option_id, ""))
        elif text is not None:
            cells[col].append(_cell_text(text))
        elif number is not None:
            cells[col].append(_fmt(number))
        elif day is not None:
            cells[col].append(day.isoformat())
    if current is not None:
        flush_row()
    yield out.getvalue()


def open_data(module: Module, structure: Structure, results: Results) -> dict[str, Any]:
    """Counts only: no personal data, no free text."""
    questions = []
    for qr in results.questions:
        q = qr.question
        item: dict[str, Any] = {
            "id": q.id,
            "kind": q.kind,
            "label": q.label,
            "respondents": qr.respondents,
        }
        if q.kind == MATRIX:
            item["rows"] = [
                {
                    "label": label,
                    "options": [{"label": b.label, "count": b.count} for b in bars],
                }
                for label, bars in qr.matrix
            ]
        elif qr.bars:
            item["options"] = [
                {"label": b.label, "count": b.count}
                | ({"average_rank": round(b.avg_rank, 3)} if b.avg_rank is not None else {})
                for b in qr.bars
            ]
        if q.kind in (NUMBER, SCALE) and qr.average is not None:
            item["average"] = round(qr.average, 3)
            item["min"] = qr.minimum
            item["max"] = qr.maximum
        if q.kind == DATE and qr.minimum is not None:
            item["earliest"] = qr.minimum.isoformat()
            item["latest"] = qr.maximum.isoformat()
        questions.append(item)
    return {
        "module": {"id": module.id, "title": module.title, "type": module.type},
        "phase": module.phase,
        "responses": results.total,
        "questions": questions,
    }


# --- GDPR ---------------------------------------------------------------------------------------


def user_data(session: Session, user_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Response.id, Response.module_id, Module.title, Response.updated_at)
        .join(Module, Module.id == Response.module_id)
        .where(Response.user_id == user_id)
        .order_by(Response.id)
    ).all()
    if not rows:
        return []
    answers: dict[int, list[dict[str, Any]]] = {}
    for a in session.scalars(
        select(Answer).where(Answer.response_id.in_([r[0] for r in rows])).order_by(Answer.id)
    ):
        item: dict[str, Any] = {"question_id": a.question_id}
        for name in ("option_id", "row_id", "text", "number", "rank"):
            value = getattr(a, name)
            if value is not None:
                item[name] = value
        if a.date is not None:
            item["date"] = a.date.isoformat()
        if a.is_other:
            item["other"] = True
        answers.setdefault(a.response_id, []).append(item)
    return [
        {
            "module_id": module_id,
            "survey": title,
            "updated_at": updated.isoformat(),
            "answers": answers.get(rid, []),
        }
        for rid, module_id, title, updated in rows
    ]


def erase_user(session: Session, user_id: int) -> None:
    modules = session.scalars(
        select(Response.module_id).where(Response.user_id == user_id).distinct()
    ).all()
    for module_id in modules:
        scale_ids = tallies.scale_questions(session, module_id)
        removed = tallies.contributions_of(
            session, module_id, Response.user_id == user_id, scale_ids
        )
        tallies.record(session, module_id, removed)
    session.execute(delete(Response).where(Response.user_id == user_id))
    session.execute(delete(Draft).where(Draft.user_id == user_id))


__all__ = [
    "CHOICE",
    "LONG_TEXT",
    "OTHER",
]
