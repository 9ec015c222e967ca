"""Export a call as a Pabulib file and import one into a call (uses ``pabulib.py``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from parvis.api import Area, Module, Space, Town, parse_int, town_areas

from . import ballot_box, common, counting
from .config import CallConfig
from .i18n import _
from .models import Ballot, BallotChoice, Idea


def export_call(session: Session, town: Town, space: Space, module: Module) -> str:
    """The call's projects and anonymous ballots as .pb text; voter ids are numbers given
    after sorting ballots by content, so nothing tells who voted or when."""
    from . import pabulib

    config = CallConfig.of(module)
    election = ballot_box.load_election(session, module, config)
    rows = session.execute(
        select(Idea.id, Idea.title, Area.name, Idea.external_id)
        .outerjoin(Area, Area.id == Idea.area_id)
        .where(*common.on_ballot(module.id))
    ).all()
    # A call imported from a file keeps the file's project ids, so a re-export matches it.
    external = {str(i): ext for i, _t, _a, ext in rows}
    if not all(external.values()) or len(set(external.values())) != len(external):
        external = {pid: pid for pid in external}
    election = _renamed(election, external)
    ballots = sorted(
        election.ballots,
        key=lambda b: (
            sorted((pabulib.natural_key(k), b[k]) for k in b)
            if isinstance(b, dict)
            else sorted(pabulib.natural_key(k) for k in b)
        ),
    )
    names = {external[str(i)]: (title, area or "") for i, title, area, _e in rows}
    meta = {
        "description": f"{space.title} — {module.title}",
        "country": "France",
        "unit": town.name,
        "instance": module.slug,
        "currency": "EUR",
        "rule": {"greedy": "greedy", "mes": "equalshares", "mes_add1": "equalshares/add1"}[
            config.effective_counting_rule
        ],
    }
    if config.ballot_rule == "approval":
        meta["max_length"] = str(config.max_projects)
    elif config.ballot_rule == "knapsack":
        meta["max_sum_cost"] = str(config.budget)
    else:
        meta["max_sum_points"] = str(config.max_points)
    pb = pabulib.from_election(
        counting.Election(election.budget, election.projects, tuple(ballots)), meta
    )
    for project in pb.projects:
        title, area = names.get(project.project_id, ("", ""))
        project.fields = {"name": title, "district": area}
    return pabulib.dump(pb)


def _renamed(election: counting.Election, names: dict[str, str]) -> counting.Election:
    projects = tuple(counting.Project(names[p.id], p.cost) for p in election.projects)
    ballots: list[Any] = [
        {names[k]: v for k, v in b.items()}
        if isinstance(b, dict)
        else frozenset(names[k] for k in b)
        for b in election.ballots
    ]
    return counting.Election(election.budget, projects, tuple(ballots))


def import_call(
    session: Session, town: Town, space: Space, module: Module, text: str
) -> tuple[int, int]:
    """Add the file's projects as feasible ideas and its ballots as anonymous ballots
    (voter key ``pb:<voter id>``, no account); returns (projects, ballots)."""
    from . import pabulib

    try:
        pb = pabulib.parse(text)
        election = pabulib.to_election(pb)
    except ValueError as exc:  # PabulibError is a ValueError
        raise common.ServiceError(
            _("This file is not a valid Pabulib file: %(error)s", error=str(exc)), "file"
        ) from exc
    has_content = session.scalar(
        select(func.count(Idea.id)).where(Idea.module_id == module.id)
    ) or session.scalar(select(func.count(Ballot.id)).where(Ballot.module_id == module.id))
    if has_content:
        raise common.ServiceError(
            _("Import into an empty call: this one already has ideas or ballots."), "file"
        )
    cumulative = pb.vote_type in pabulib.POINT_VOTE_TYPES
    config = CallConfig.of(module)
    config.budget = election.budget
    config.ballot_rule = "cumulative" if cumulative else "approval"
    lengths = [len(b) for b in election.ballots] or [1]
    if cumulative:
        sums = [sum(b.values()) for b in election.ballots] or [1]  # type: ignore[union-attr]
        config.max_points = max(_meta_int(pb.meta, "max_sum_points") or 0, max(sums), 1)
    else:
        config.max_projects = max(_meta_int(pb.meta, "max_length") or 0, max(lengths), 1)
    config.save(module)
    areas = {a.name.casefold(): a.id for a in town_areas(session, town.id)}
    ids: dict[str, int] = {}
    for project in pb.projects:
        fields = project.fields
        area_name = (fields.get("district") or fields.get("neighborhood") or "").casefold()
        idea = Idea(
            module_id=module.id,
            title=(fields.get("name") or _("Project %(id)s", id=project.project_id))[:200],
            description=fields.get("description", ""),
            estimated_cost=project.cost,
            final_cost=project.cost,
            area_id=areas.get(area_name, space.area_id),
            status="feasible",
            external_id=project.project_id[:100],
        )
        session.add(idea)
        session.flush()
        ids[project.project_id] = idea.id
    voters = [f"pb:{b.voter_id}"[:120] for b in pb.ballots]
    if len(set(voters)) != len(voters):
        raise common.ServiceError(_("The file has two ballots with the same voter id."), "file")
    ballot_ids: list[int] = []
    for start in range(0, len(voters), 1000):
        chunk = voters[start : start + 1000]
        result = session.execute(
            insert(Ballot).returning(Ballot.id, sort_by_parameter_order=True),
            [{"module_id": module.id, "voter_key": key} for key in chunk],
        )
        ballot_ids.extend(result.scalars())
    choices = []
    for ballot_id, ballot in zip(ballot_ids, election.ballots, strict=True):
        if isinstance(ballot, dict):
            choices += [
                {"ballot_id": ballot_id, "idea_id": ids[p], "points": n}
                for p, n in ballot.items()
                if n > 0
            ]
        else:
            choices += [{"ballot_id": ballot_id, "idea_id": ids[p], "points": 1} for p in ballot]
    for start in range(0, len(choices), 5000):
        session.execute(insert(BallotChoice), choices[start : start + 5000])
    if module.phase in ("submission", "review"):
        module.phase = "vote"
    return len(ids), len(ballot_ids)


def _meta_int(meta: dict[str, str], key: str) -> int | None:
    return parse_int(meta.get(key))


# A file's ``rule`` (names accepted by pabulib-checker) -> our rule and its options.
FILE_RULES: dict[str, tuple[str, dict[str, bool]]] = {
    "greedy": ("greedy", {}),
    "greedy-no-skip": ("greedy", {"skip": False}),
    "greedy-threshold": ("greedy", {}),  # min_project_score_threshold from META
    "equalshares": ("mes", {}),
    "equalshares/add1": ("mes_add1", {}),
    "equalshares-comparison": ("mes", {"compare_with_greedy": True}),
    "equalshares/add1-comparison": ("mes_add1", {"compare_with_greedy": True}),
}


def count_file(text: str, rule: str | None = None, completion: bool = False) -> tuple[Any, Any]:
    """Parse and count a .pb file (for the CLI): (PbElection, CountResult).

    Without ``rule``, the file's own ``rule`` is used (greedy, greedy-no-skip,
    greedy-threshold, equalshares, equalshares/add1, with or without -comparison), and
    mes_add1 when the file names none.
    """
    from . import pabulib

    pb = pabulib.parse(text)
    election = pabulib.to_election(pb)
    options: dict[str, Any] = {"completion": completion} if completion else {}
    if rule is None:
        file_rule = pb.meta.get("rule") or "equalshares/add1"
        if file_rule not in FILE_RULES:
            raise ValueError(
                f"the file's rule {file_rule!r} is not supported: choose one with --rule"
            )
        rule, file_options = FILE_RULES[file_rule]
        options.update(file_options)
        if file_rule == "greedy-threshold":
            threshold = pb.meta.get("min_project_score_threshold", "0")
            options["min_votes"] = pabulib.whole_number(threshold, "min_project_score_threshold")
    if rule == "greedy":
        if completion:
            raise ValueError("completion only applies to the equal shares rules")
        result = counting.greedy(election.budget, election.projects, election.ballots, **options)
    else:
        result = counting.count(
            rule, election.budget, election.projects, election.ballots, **options
        )
    return pb, result
