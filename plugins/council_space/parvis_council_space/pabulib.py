"""Read and write Pabulib ``.pb`` files (https://pabulib.org/format).

A file has three sections, each introduced by a line holding only its name: ``META``
(``key;value`` rows after a ``key;value`` header), ``PROJECTS`` and ``VOTES`` (``;``-separated
rows after a header row, with ``"`` quoting). PROJECTS needs ``project_id`` and ``cost``;
VOTES needs ``voter_id`` and ``vote`` (comma-separated project ids), plus ``points``
(comma-separated, aligned with ``vote``) for the ``cumulative`` and ``scoring`` vote types.
Every other column is kept as text, so that a file can be imported and exported again.

Amounts (budget, costs, points) must be whole numbers: ``1000000``, ``1000000.0`` and
``1000000,0`` are accepted, ``1000000.5`` is an error, never silently rounded.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .counting import Ballot, Election, Project

SECTIONS = ("meta", "projects", "votes")
VOTE_TYPES = ("approval", "choose-1", "ordinal", "cumulative", "scoring")
POINT_VOTE_TYPES = ("cumulative", "scoring")


class PabulibError(ValueError):
    """A malformed file; ``line`` is the 1-based line of the problem when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {message}" if line is not None else message)
        self.line = line


@dataclass
class PbProject:
    project_id: str
    cost: int
    fields: dict[str, str] = field(default_factory=dict)  # other columns, as written


@dataclass
class PbBallot:
    voter_id: str
    vote: tuple[str, ...]  # project ids in file order: the ranking for ordinal ballots
    points: tuple[int, ...] | None = None  # aligned with ``vote`` (cumulative, scoring)
    fields: dict[str, str] = field(default_factory=dict)  # other columns, as written

    @property
    def approved(self) -> frozenset[str]:
        return frozenset(self.vote)

    @property
    def points_by_project(self) -> dict[str, int]:
        """Points per project, for cumulative and scoring ballots only."""
        return dict(zip(self.vote, self.points or (), strict=True))


@dataclass
class PbElection:
    meta: dict[str, str]
    projects: list[PbProject]
    ballots: list[PbBallot]

    @property
    def budget(self) -> int:
        return whole_number(self.meta.get("budget", ""), "budget")

    @property
    def vote_type(self) -> str:
        return self.meta.get("vote_type", "")


def whole_number(text: str, what: str, line: int | None = None) -> int:
    """Parse a non-negative whole amount written as 12, 12.0 or 12,0 (decimal comma)."""
    cleaned = text.strip()
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise PabulibError(f"{what} is not a number: {text!r}", line) from None
    if not number.is_finite() or number != number.to_integral_value() or number < 0:
        raise PabulibError(f"{what} must be a non-negative whole number, got {text!r}", line)
    return int(number)


def _split_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",")] if text.strip() else []


class _Parser:
    """Consumes the rows of a file one by one, section after section."""

    def __init__(self) -> None:
        self.sections: list[str] = []
        self.header: list[str] | None = None
        self.meta: dict[str, str] = {}
        self.meta_lines: dict[str, int] = {}
        self.projects: dict[str, PbProject] = {}
        self.ballots: list[PbBallot] = []
        self.voter_ids: set[str] = set()

    def feed(self, row: list[str], line: int) -> None:
        if not any(value.strip() for value in row):
            return
        name = row[0].strip().lower()
        if name in SECTIONS and not any(value.strip() for value in row[1:]):
            self._start_section(name, line)
        elif not self.sections:
            raise PabulibError("expected the META section first", line)
        elif self.header is None:
            self._read_header(row, line)
        elif self.sections[-1] == "meta":
            self._meta_row(row, line)
        elif self.sections[-1] == "projects":
            self._project_row(row, line)
        else:
            self._vote_row(row, line)

    def finish(self, line: int) -> PbElection:
        if len(self.sections) < len(SECTIONS):
            missing = SECTIONS[len(self.sections)].upper()
            raise PabulibError(f"missing section {missing}", line)
        if self.header is None:
            raise PabulibError("the VOTES section has no header row", line)
        for key, found in (("num_projects", len(self.projects)), ("num_votes", len(self.ballots))):
            if key in self.meta:
                stated = whole_number(self.meta[key], key, self.meta_lines[key])
                if stated != found:
                    raise PabulibError(
                        f"{key} is {stated} but the file has {found}", self.meta_lines[key]
                    )
        return PbElection(self.meta, list(self.projects.values()), self.ballots)

    def _start_section(self, name: str, line: int) -> None:
        expected = SECTIONS[len(self.sections)] if len(self.sections) < len(SECTIONS) else None
        if name != expected:
            where = f"expected {expected.upper()}" if expected else "all sections were read"
            raise PabulibError(f"unexpected section {name.upper()} ({where})", line)
        if self.sections and self.header is None:
            raise PabulibError(f"the {self.sections[-1].upper()} section has no header row", line)
        if name == "projects":
            self._check_meta(line)
        self.sections.append(name)
        self.header = None

    def _check_meta(self, line: int) -> None:
        for key in ("budget", "vote_type"):
            if key not in self.meta:
                raise PabulibError(f"META has no {key}", line)
        whole_number(self.meta["budget"], "budget", self.meta_lines["budget"])
        if self.meta["vote_type"] not in VOTE_TYPES:
            raise PabulibError(
                f"unknown vote_type {self.meta['vote_type']!r}; expected one of "
                + ", ".join(VOTE_TYPES),
                self.meta_lines["vote_type"],
            )

    def _read_header(self, row: list[str], line: int) -> None:
        header = [name.strip() for name in row]
        while header and not header[-1]:
            header.pop()
        section = self.sections[-1]
        if section == "meta":
            if header[0].lower() != "key":
                raise PabulibError("the META section must start with a key;value header", line)
        else:
            required = ["project_id", "cost"] if section == "projects" else ["voter_id", "vote"]
            if section == "votes" and self.meta["vote_type"] in POINT_VOTE_TYPES:
                required.append("points")
            for name in required:
                if name not in header:
                    raise PabulibError(f"the {section.upper()} header has no {name} column", line)
        if "" in header or len(set(header)) != len(header):
            raise PabulibError(f"empty or repeated column name in {header}", line)
        self.header = header

    def _values(self, row: list[str], line: int) -> dict[str, str]:
        assert self.header is not None
        values = [value.strip() for value in row]
        extra = values[len(self.header) :]
        if len(values) < len(self.header) or any(extra):
            raise PabulibError(f"expected {len(self.header)} fields, found {len(values)}", line)
        return dict(zip(self.header, values, strict=False))

    def _meta_row(self, row: list[str], line: int) -> None:
        key = row[0].strip()
        if key in self.meta:
            raise PabulibError(f"META key {key!r} is repeated", line)
        # An unquoted value containing ";" was split by the reader: join it back.
        self.meta[key] = ";".join(row[1:]).strip()
        self.meta_lines[key] = line

    def _project_row(self, row: list[str], line: int) -> None:
        values = self._values(row, line)
        project_id = values.pop("project_id")
        if not project_id:
            raise PabulibError("empty project_id", line)
        if project_id in self.projects:
            raise PabulibError(f"project {project_id!r} is listed twice", line)
        cost = whole_number(values.pop("cost"), f"cost of project {project_id!r}", line)
        self.projects[project_id] = PbProject(project_id, cost, values)

    def _vote_row(self, row: list[str], line: int) -> None:
        values = self._values(row, line)
        voter_id = values.pop("voter_id")
        if not voter_id:
            raise PabulibError("empty voter_id", line)
        if voter_id in self.voter_ids:
            raise PabulibError(f"voter {voter_id!r} votes twice", line)
        self.voter_ids.add(voter_id)
        vote = _split_list(values.pop("vote"))
        for project_id in vote:
            if project_id not in self.projects:
                raise PabulibError(
                    f"vote of {voter_id!r} names unknown project {project_id!r}", line
                )
        if len(set(vote)) != len(vote):
            raise PabulibError(f"vote of {voter_id!r} names a project twice", line)
        points = None
        if self.meta["vote_type"] in POINT_VOTE_TYPES:
            texts = _split_list(values.pop("points"))
            if len(texts) != len(vote):
                raise PabulibError(
                    f"vote of {voter_id!r} has {len(vote)} projects but {len(texts)} points", line
                )
            points = tuple(whole_number(text, f"points of {voter_id!r}", line) for text in texts)
        self.ballots.append(PbBallot(voter_id, tuple(vote), points, values))


def parse(text: str) -> PbElection:
    """Parse the text of a .pb file; a malformed file raises PabulibError with its line."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=";")
    parser = _Parser()
    try:
        for row in reader:
            parser.feed(row, reader.line_num)
    except csv.Error as error:
        raise PabulibError(str(error), reader.line_num) from None
    return parser.finish(reader.line_num)


def _columns(fixed: tuple[str, ...], rows: Iterable[Mapping[str, str]]) -> list[str]:
    """The fixed columns, then every other field name in order of first appearance."""
    columns = dict.fromkeys(fixed)
    for fields in rows:
        for name in fields:
            if name in fixed:
                raise PabulibError(f"field {name!r} would clash with the {name} column")
            columns.setdefault(name)
    return list(columns)


def dump(election: PbElection) -> str:
    """Write ``election`` as .pb text, sections in the order META, PROJECTS, VOTES."""
    with_points = election.vote_type in POINT_VOTE_TYPES
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")

    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    writer.writerows(election.meta.items())

    columns = _columns(("project_id", "cost"), (p.fields for p in election.projects))
    writer.writerow(["PROJECTS"])
    writer.writerow(columns)
    for project in election.projects:
        if not project.project_id or "," in project.project_id:
            raise PabulibError(f"project id {project.project_id!r} is empty or has a comma")
        extra = [project.fields.get(name, "") for name in columns[2:]]
        writer.writerow([project.project_id, project.cost, *extra])

    fixed = ("voter_id", "vote", "points") if with_points else ("voter_id", "vote")
    columns = _columns(fixed, (b.fields for b in election.ballots))
    writer.writerow(["VOTES"])
    writer.writerow(columns)
    for ballot in election.ballots:
        if not ballot.voter_id:
            raise PabulibError("empty voter id")
        if with_points != (ballot.points is not None):
            raise PabulibError(
                f"ballot {ballot.voter_id!r}: points must be given exactly for the "
                f"{' and '.join(POINT_VOTE_TYPES)} vote types"
            )
        row = [ballot.voter_id, ",".join(ballot.vote)]
        if ballot.points is not None:
            row.append(",".join(map(str, ballot.points)))
        writer.writerow(row + [ballot.fields.get(name, "") for name in columns[len(fixed) :]])
    return out.getvalue()


def to_election(election: PbElection) -> Election:
    """The counting inputs of a parsed file.

    Cumulative and scoring ballots become points ballots. Approval and choose-1 ballots
    become approval ballots, and so do ordinal ballots: every ranked project counts as
    approved, since the counting rules do not use rankings.
    """
    ballots: list[Ballot]
    if election.vote_type in POINT_VOTE_TYPES:
        ballots = [ballot.points_by_project for ballot in election.ballots]
    else:
        ballots = [ballot.approved for ballot in election.ballots]
    projects = tuple(Project(p.project_id, p.cost) for p in election.projects)
    return Election(election.budget, projects, tuple(ballots))


def _natural_key(project_id: str) -> tuple[int, int, str]:
    if project_id.isascii() and project_id.isdigit():
        return 0, int(project_id), project_id
    return 1, 0, project_id


def from_election(election: Election, meta: Mapping[str, str] | None = None) -> PbElection:
    """A PbElection for export; ``meta`` (description, country, unit...) is completed with
    the budget, vote type and counts. Voters are numbered from 1 in ballot order."""
    cumulative = any(isinstance(ballot, Mapping) for ballot in election.ballots)
    full_meta = dict(meta or {})
    full_meta.update(
        num_projects=str(len(election.projects)),
        num_votes=str(len(election.ballots)),
        budget=str(election.budget),
        vote_type="cumulative" if cumulative else "approval",
    )
    ballots = []
    for number, ballot in enumerate(election.ballots, 1):
        vote = tuple(sorted(ballot, key=_natural_key))
        points = tuple(ballot[pid] for pid in vote) if isinstance(ballot, Mapping) else None
        ballots.append(PbBallot(str(number), vote, points))
    projects = [PbProject(p.id, p.cost) for p in election.projects]
    return PbElection(full_meta, projects, ballots)
