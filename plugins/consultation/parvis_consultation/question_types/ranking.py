"""Ranking: each option gets a rank (1 is best); options in order of their average rank."""

from __future__ import annotations

from typing import TYPE_CHECKING

from parvis.api import parse_int
from parvis_consultation.i18n import _, _l
from parvis_consultation.question_types.base import (
    Parsed,
    QuestionResult,
    QuestionType,
    Values,
    one,
    option_bars,
    required,
)

if TYPE_CHECKING:
    from parvis_consultation.models import Question
    from parvis_consultation.structure import Structure
    from parvis_consultation.tallies import Counts


class Ranking(QuestionType):
    key, label, order = "ranking", _l("Ranking"), 70
    template = "consultation/questions/ranking.html"
    results_template = "consultation/results/_ranking.html"
    options = True

    def parse(
        self, q: Question, structure: Structure, values: Values, parsed: Parsed
    ) -> str | None:
        key = f"q{q.id}"
        options = structure.choices[q.id]
        ranks: dict[int, int] = {}
        for option in options:
            text = one(values, f"{key}_o{option.id}")
            if not text:
                continue
            rank = parse_int(text)
            if rank is None or not 1 <= rank <= len(options):
                return _("Give each option a rank from 1 to %(n)s.", n=len(options))
            ranks[option.id] = rank
        known = {f"{key}_o{o.id}" for o in options}
        if any(k.startswith(f"{key}_o") and k not in known for k in values):
            return _("This choice is not offered; choose among the options shown.")
        if not ranks:
            return required(q)
        if len(set(ranks.values())) != len(ranks):
            return _("Give each option a different rank.")
        if q.required and len(ranks) != len(options):
            return _("Rank every option.")
        if sorted(ranks.values()) != list(range(1, len(ranks) + 1)):
            return _("Use the ranks 1, 2, 3… without gaps.")
        for option_id, rank in ranks.items():
            parsed.rows.append({"question_id": q.id, "option_id": option_id, "rank": rank})
        return None

    def known_subfield(self, structure: Structure, q: Question, sub: str) -> bool:
        return sub[0] == "o" and parse_int(sub[1:]) in {o.id for o in structure.choices[q.id]}

    def results(self, qr: QuestionResult, structure: Structure, counts: Counts) -> None:
        qr.bars.extend(option_bars(qr, structure, counts))
        qr.bars.sort(key=lambda b: (b.avg_rank is None, b.avg_rank or 0))


RANKING = Ranking()
