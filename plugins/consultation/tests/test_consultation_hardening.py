"""Issue 11, finding 3 in consultations: the answers of an account erased while the survey is
open are withdrawn (its owner may answer again, once); after it closes they stay, anonymised."""

from __future__ import annotations

from consultation_builders import build_survey, english_user
from sqlalchemy import func, select

from parvis.api import Module, User
from parvis.testing import DEFAULT_PASSWORD, login, post_form
from parvis_consultation.models import Answer, Response
from parvis_consultation.responses import save_response


def _rows(b):
    return [{"question_id": b.q["single"], "option_id": b.o["single"][0]}]


def _answer(town, b, email):
    with town.session() as s:
        user = english_user(s, town.town_id, email)
        save_response(s, b.module_id, _rows(b), user_id=user.id)
        return user.id


def _erase(town, user_id):
    """The person deletes their account (``/account/delete``, with their password)."""
    with town.session() as s:
        email = s.get(User, user_id).email
    with town.client() as c:
        login(c, email)
        r = post_form(c, "/account/delete", {"password": DEFAULT_PASSWORD}, page="/account")
        assert r.status_code == 303


def _responses(town):
    with town.session() as s:
        return s.execute(select(Response.user_id)).scalars().all()


def test_answers_to_an_open_survey_are_withdrawn_then_given_once_again(town):
    b = build_survey(town)
    _erase(town, _answer(town, b, "churn@example.org"))
    assert _responses(town) == []
    again = _answer(town, b, "churn@example.org")
    assert _responses(town) == [again]


def test_answers_to_a_closed_survey_stay_anonymised(town):
    b = build_survey(town)
    user_id = _answer(town, b, "gone@example.org")
    with town.session() as s:
        s.get(Module, b.module_id).phase = "closed"
    _erase(town, user_id)
    assert _responses(town) == [None]
    with town.session() as s:
        assert s.scalar(select(func.count()).select_from(Answer)) == 1
