"""Fuzzing every POST route as every role: never a server error, and a refused request stores
nothing.

Hypothesis generates each request: a route from the routing table (core and every installed
plugin), a role (anonymous to other town's admin), the route's real form when the site shows
one, then bad input: fields missing, repeated, huge, in other scripts, with control characters,
sent as file parts, huge or negative integers, the other town's ids, made-up path ids and
slugs, a missing or wrong CSRF token. The default run sends a few hundred requests;
``--fuzz-requests=N`` runs longer. The count sent and the server errors are printed at the end
of the session.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import pytest
from fuzz_world import ACCOUNT_PATHS, PostRoute, Role, build, open_client, row_counts
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from parvis.testing import csrf_token_from

REFUSED = {400, 403, 404, 405, 409, 413, 422, 429}
# Filled in for the terminal summary (tests/conftest.py).
STATS: dict[str, Any] = {"requests": 0, "server_errors": 0, "refused_but_stored": 0}

PRINTABLE = st.characters(exclude_categories=("Cs",))
NASTY = st.one_of(
    st.just(""),
    st.text(PRINTABLE, max_size=40),
    st.text(st.characters(codec="utf-8", max_codepoint=0x9F), max_size=12),  # control chars
    st.sampled_from(["x" * 300_000, "é" * 20_000, "9" * 5000, "\u202e\u0000\ufeff", "<script>"]),
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(["-1", "0", "1e309", "NaN", "inf", "1.5", "0x10", "1_000"]),
    st.sampled_from(["\u0663", "\u00b2", "\uff10"]),  # digits int() or isdigit() accept
    st.sampled_from(["2026-02-30", "9999-12-31T23:59", "0000-00-00", "on", "true", "[]"]),
)


def _path(route: PostRoute, pools: dict[str, list[Any]]) -> st.SearchStrategy[str]:
    """A concrete path: a crawled form's, or the template with pooled or made-up values."""
    parts: list[st.SearchStrategy[str]] = []
    for name, convertor in route.params:
        known = [str(v) for v in pools.get(name, [])]
        made_up = (
            st.sampled_from(["0", "999999", "100000000000000000"])
            if convertor == "int"
            else st.text(PRINTABLE, min_size=1, max_size=30).map(lambda t: quote(t, safe=""))
        )
        parts.append(st.sampled_from(known) | made_up if known else made_up)

    def fill(values: list[str]) -> str:
        path = route.template
        for (name, convertor), value in zip(route.params, values, strict=True):
            path = path.replace("{" + name + (f":{convertor}" if convertor else "") + "}", value)
        return path

    built = st.tuples(*parts).map(lambda v: fill(list(v))) if parts else st.just(route.template)
    crawled = [s.path for s in route.samples]
    return st.sampled_from(crawled) | built if crawled else built


@st.composite
def _request(draw: Any, route: PostRoute, pools: dict[str, list[Any]]) -> dict[str, Any]:
    path = draw(_path(route, pools))
    sample = draw(st.sampled_from(route.samples)) if route.samples else None
    fields = list(sample.fields) if sample else []
    file_fields = list(sample.files) if sample else []
    names = list(dict.fromkeys(n for n, _ in fields)) + file_fields
    ids = [str(v) for pool in pools.values() for v in pool if isinstance(v, int)]
    data: dict[str, Any] = {}
    files: list[tuple[str, tuple[str, bytes, str]]] = []
    for name in names:
        kept = [v for n, v in fields if n == name] or [""]
        how = draw(
            st.sampled_from(["keep"] * 4 + ["missing", "repeated", "nasty", "file", "other_id"])
        )
        if how == "keep":
            data[name] = kept if len(kept) > 1 else kept[0]
        elif how == "repeated":
            data[name] = [*kept, draw(NASTY), kept[0]]
        elif how == "nasty":
            data[name] = draw(NASTY)
        elif how == "file":
            content = draw(st.binary(max_size=64)) or b"\x89PNG\r\n\x1a\n"
            files.append((name, (draw(st.text(PRINTABLE, max_size=20)), content, "image/png")))
        elif how == "other_id" and ids:
            data[name] = draw(st.sampled_from(ids))
    for extra in draw(st.lists(st.text(PRINTABLE, min_size=1, max_size=12), max_size=2)):
        data[extra] = draw(NASTY)
    if not names and draw(st.booleans()):
        files.append(("field", ("x.txt", b"text", "text/plain")))
    csrf = draw(st.sampled_from(["good"] * 12 + ["missing", "wrong"]))
    return {"path": path, "data": data, "files": files, "csrf": csrf}


class Clients:
    """One logged-in client per role, remade whenever a request may have logged it out."""

    def __init__(self, app: Any, roles: list[Role]) -> None:
        self.app, self.roles = app, {r.name: r for r in roles}
        self.open: dict[str, tuple[Any, str]] = {}

    def get(self, name: str) -> tuple[Any, str]:
        if name not in self.open:
            client = open_client(self.app, self.roles[name])
            self.open[name] = (client, csrf_token_from(client.get("/login").text))
        return self.open[name]

    def drop(self, name: str) -> None:
        client, _token = self.open.pop(name)
        client.__exit__(None, None, None)

    def close(self) -> None:
        for name in list(self.open):
            self.drop(name)


def test_no_post_route_fails_or_stores_bad_input(make_town, request):
    examples = request.config.getoption("--fuzz-requests")
    app, roles, pools, routes = build(make_town)
    parvis = app.state.parvis
    clients = Clients(app, roles)
    failures: list[str] = []
    started = time.monotonic()

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def attack(data: Any) -> None:
        route = data.draw(st.sampled_from(routes), label="route")
        role = data.draw(st.sampled_from(list(clients.roles)), label="role")
        sent = data.draw(_request(route, pools), label="request")
        client, token = clients.get(role)
        form = dict(sent["data"])
        if sent["csrf"] != "missing":
            form["csrf_token"] = token if sent["csrf"] == "good" else token[::-1]
        before = row_counts(parvis)
        response = client.post(
            sent["path"], data=form, files=sent["files"] or None, follow_redirects=False
        )
        STATS["requests"] += 1
        what = f"{role} POST {sent['path'][:120]} {sorted(form)[:8]}"
        if response.status_code >= 500:
            STATS["server_errors"] += 1
            failures.append(f"{response.status_code}: {what}")
        elif response.status_code in REFUSED:
            after = row_counts(parvis)
            changed = {t: (before[t], after[t]) for t in after if after[t] != before[t]}
            if changed:
                STATS["refused_but_stored"] += 1
                failures.append(f"{response.status_code} but stored {changed}: {what}")
        if ACCOUNT_PATHS.match(sent["path"]):
            clients.drop(role)

    try:
        attack()
    finally:
        clients.close()
        STATS["seconds"] = round(time.monotonic() - started, 1)
        STATS["routes"] = len(routes)
        STATS["roles"] = len(roles)
    assert not failures, "\n".join(failures[:30])


@pytest.fixture(autouse=True)
def _quiet_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("CRITICAL")
