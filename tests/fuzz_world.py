"""The world the fuzzing suite attacks: two towns, one client per role, the POST routes.

Routes come from the app's routing table, so a new plugin's routes are fuzzed as soon as it is
installed. Each route gets real forms where the site shows one (found by crawling the pages as
staff and as a resident), so generated input reaches the views' checks rather than only the
404s of made-up paths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from sqlalchemy import Integer, literal, select, union_all
from sqlalchemy.sql import func
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from parvis.db import Base
from parvis.demo import ADMIN_EMAIL, ADMIN_PASSWORD, load_demo
from parvis.models import Area, Space, Town
from parvis.testing import csrf_token_from, make_user
from parvis.testing.helpers import DEFAULT_PASSWORD

DEMO_HOST = "localhost"
# What a refused request may legitimately write: its attempt is counted; a survey keeps what
# was typed as a draft, so the person can fix the answer without typing it again.
UNCHECKED_TABLES = {"rate_limit_hits", "login_sessions", "consultation_drafts"}
# Routes after which a role's client may no longer be what it was (logged out, other locale).
ACCOUNT_PATHS = re.compile(r"^/(logout|login|account|password|language|confirm|unsubscribe)")
MAX_CRAWL = 150


@dataclass
class FormSample:
    path: str
    fields: list[tuple[str, str]]
    files: list[str]


@dataclass
class PostRoute:
    template: str
    regex: re.Pattern[str]
    params: list[tuple[str, str]]  # (name, convertor)
    samples: list[FormSample] = field(default_factory=list)


@dataclass
class Role:
    name: str
    email: str | None
    password: str = DEFAULT_PASSWORD
    host: str = DEMO_HOST


def post_routes(app: Any) -> list[PostRoute]:
    found: list[PostRoute] = []

    def walk(routes: Any, prefix: str) -> None:
        for route in routes:
            if isinstance(route, Mount):
                walk(getattr(route.app, "routes", None) or route.routes, prefix + route.path)
            elif isinstance(route, Route) and "POST" in (route.methods or ()):
                template = prefix + route.path
                params = re.findall(r"{(\w+)(?::(\w+))?}", template)
                pattern = re.sub(r"{\w+:int}", "[0-9]+", template)
                pattern = re.sub(r"{\w+(?::\w+)?}", "[^/]+", pattern)
                found.append(PostRoute(template, re.compile(f"^{pattern}$"), params))

    walk(app.routes, "")
    return found


class _Forms(HTMLParser):
    """Links and POST forms of a page (inputs, selects, textareas with their values)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[tuple[str, list[tuple[str, str]], list[str]]] = []
        self._form: tuple[str, list[tuple[str, str]], list[str]] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form" and a.get("method", "get").lower() == "post":
            self._form = (a.get("action", ""), [], [])
        elif self._form is not None and tag in ("input", "textarea", "select") and a.get("name"):
            name = a["name"]
            if name == "csrf_token":
                return
            if a.get("type") == "file":
                self._form[2].append(name)
            elif tag == "select":
                self._select = name
            elif a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self._form[1].append((name, a.get("value", "")))
        elif tag == "option" and self._select and self._form is not None:
            fields, value = self._form[1], (self._select, a.get("value", ""))
            known = [i for i, (name, _) in enumerate(fields) if name == self._select]
            if not known:
                fields.append(value)
            elif "selected" in a:
                fields[known[-1]] = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None


def crawl(client: TestClient, routes: list[PostRoute], starts: list[str], pages: int) -> None:
    """Visit the site's pages from ``starts`` and give each route the forms that post to it."""
    seen: set[str] = set()
    queue = list(starts)
    while queue and len(seen) < pages:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        page = client.get(path, follow_redirects=False)
        if page.status_code != 200 or "text/html" not in page.headers.get("content-type", ""):
            continue
        parser = _Forms()
        parser.feed(page.text)
        for href in parser.links:
            target = urlsplit(urljoin(path, href))
            if target.netloc or not target.path.startswith("/") or _skip(target.path):
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
        for action, fields, files in parser.forms:
            url = urlsplit(urljoin(path, action or path)).path
            for route in routes:
                if route.regex.match(url):
                    route.samples.append(FormSample(url, fields, files))
                    break


def _skip(path: str) -> bool:
    return path.startswith(("/static", "/uploads", "/logout")) or path.endswith(
        (".pb", ".csv", ".json", ".pdf", "/export")
    )


def build(make_town: Any) -> tuple[Any, list[Role], dict[str, list[Any]], list[PostRoute]]:
    """Two towns (the demo town, and a second one with the plugins' demo data), a user per role,
    and the POST routes with their crawled forms."""
    loose = {k: [100_000, 60] for k in ("login", "login_ip", "login_account", "signup", "reset")}
    other = make_town("other.example", rate_limits=loose)
    parvis = other.parvis
    with parvis.db.session() as s:
        load_demo(parvis, s)
        # The other town gets what each plugin's demo data can make without the demo town's
        # residents (its ids are the "other town's ids"); a plugin that needs more is skipped.
        s.add_all(
            Area(town_id=other.town_id, slug=f"q{n}", name=f"Q{n}", position=n) for n in (1, 2)
        )
        s.flush()
        second = s.get(Town, other.town_id)
        for impl in parvis.pm.hook.parvis_demo_data.get_hookimpls():
            try:
                with s.begin_nested():
                    impl.function(session=s, town=second)
            except Exception:  # set-up only: fewer other-town ids, same test
                continue
    with parvis.db.session() as s:
        demo = s.scalar(select(Town).where(Town.slug == "brise"))
        spaces = s.scalars(select(Space).where(Space.town_id == demo.id)).all()
        council = next((sp for sp in spaces if sp.kind == "council"), spaces[0])
        roles = [
            Role("anonymous", None),
            Role("unconfirmed", make_user(s, demo, "unconfirmed@fuzz.test", confirmed=False).email),
            Role("resident", make_user(s, demo, "resident@fuzz.test").email),
            Role("verified", make_user(s, demo, "verified@fuzz.test", verified=True).email),
            Role("moderator", make_user(s, demo, "mod@fuzz.test", roles=("moderator",)).email),
            Role(
                "councillor",
                make_user(s, demo, "elu@fuzz.test", roles=(f"councillor@{council.id}",)).email,
            ),
            Role(
                "space_admin",
                make_user(s, demo, "sa@fuzz.test", roles=(f"space_admin@{council.id}",)).email,
            ),
            Role("town_admin", ADMIN_EMAIL, ADMIN_PASSWORD),
            Role("other_town_admin", other.admin_email, other.admin_password, other.host),
        ]
    routes = post_routes(other.app)
    for role, pages in ((roles[7], MAX_CRAWL), (roles[3], MAX_CRAWL // 3)):
        with open_client(other.app, role) as client:
            crawl(client, routes, ["/", "/admin", "/spaces", "/account"], pages)
    return other.app, roles, id_pools(parvis, routes), routes


def open_client(app: Any, role: Role) -> TestClient:
    client = TestClient(app, base_url=f"http://{role.host}", raise_server_exceptions=False)
    client.__enter__()
    if role.email:
        page = client.get("/login")
        token = csrf_token_from(page.text)
        data = {"email": role.email, "password": role.password, "csrf_token": token}
        r = client.post("/login", data=data, follow_redirects=False)
        assert r.status_code == 303, f"{role.name} could not log in"
    return client


def id_pools(parvis: Any, routes: list[PostRoute]) -> dict[str, list[Any]]:
    """Every id of the table an integer path parameter names (``idea`` -> ``*_ideas``), in
    both towns: a route given the other town's id must answer 404, never act."""
    tables = Base.metadata.tables
    pools: dict[str, list[Any]] = {}
    with parvis.db.session(write=False) as s:
        for route in routes:
            for name, convertor in route.params:
                if name in pools:
                    continue
                if convertor != "int":
                    column = Space.slug if name == "space" else None
                    pools[name] = list(s.scalars(select(column))) if column is not None else []
                    continue
                stem = name.removesuffix("_id")
                table = next(
                    (
                        t
                        for n, t in tables.items()
                        if n in (f"{stem}s", stem) or n.endswith((f"_{stem}s", f"_{stem}"))
                    ),
                    None,
                )
                pools[name] = list(s.scalars(select(table.c.id))) if table is not None else []
    return pools


_COUNTS: dict[int, Any] = {}


def row_counts(parvis: Any) -> dict[str, int]:
    """Rows per table, in one query: what a refused request must leave unchanged."""
    query = _COUNTS.get(id(Base.metadata))
    if query is None:
        tables = [t for n, t in Base.metadata.tables.items() if n not in UNCHECKED_TABLES]
        query = _COUNTS[id(Base.metadata)] = union_all(
            *(
                select(
                    literal(t.name).label("t"), func.count().cast(Integer).label("n")
                ).select_from(t)
                for t in tables
            )
        )
    with parvis.db.session(write=False) as s:
        return {name: count for name, count in s.execute(query)}
