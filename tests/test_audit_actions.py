"""Audit actions are declared (``parvis_audit_actions``) and the log reads in sentences."""

from __future__ import annotations

import re
import types
from pathlib import Path

import pytest
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from parvis.app import create_app
from parvis.audit import UndeclaredAuditAction
from parvis.config import Config
from parvis.context import get_context
from parvis.contrib import AuditAction
from parvis.hookspecs import hookimpl
from parvis.plugins import PluginError
from parvis.testing import login, make_space_with_module, make_user, post_form
from parvis.web import view

ROOT = Path(__file__).resolve().parents[1]
CALL = re.compile(r"(?:\.audit|record_audit|audit\.record)\((.{0,200})", re.S)


def test_every_audited_action_in_the_code_is_declared(town):
    declared = town.parvis.registry.audit_actions
    used: dict[str, str] = {}
    for path in [*ROOT.glob("core/parvis/**/*.py"), *ROOT.glob("plugins/*/parvis_*/**/*.py")]:
        for call in CALL.finditer(path.read_text(encoding="utf-8")):
            head = call.group(1).split(")")[0]
            for name in re.findall(r'"([a-z_]+\.[a-z_]+)"', head):
                used[name] = str(path.relative_to(ROOT))
    assert len(used) >= 30
    undeclared = {name: where for name, where in used.items() if name not in declared}
    assert not undeclared, f"declare these with parvis_audit_actions: {undeclared}"


@hookimpl
def parvis_audit_actions():
    return [AuditAction("boards.close", "%(actor)s closed %(target)s (%(reason)s)")]


@view
def _close(request):
    ctx = get_context(request)
    action = request.query_params.get("action", "boards.close")
    ctx.audit(action, f"module:{ctx.module.id}", reason="fin")
    return PlainTextResponse("closed")


@hookimpl
def parvis_module_types():
    from parvis.contrib import ModuleType, Phase

    routes = [Route("/close", _close, methods=["POST"], name="close")]
    return [ModuleType("board", "Board", [Phase("open", "Open")], routes)]


BOARDS = types.ModuleType("boards_plugin")
BOARDS.parvis_audit_actions = parvis_audit_actions
BOARDS.parvis_module_types = parvis_module_types


def test_the_log_reads_in_sentences_and_undeclared_actions_are_refused(make_town):
    town = make_town(extra_plugins={"boards": BOARDS}, plugins=["boards"])
    board = make_space_with_module(town, "board")
    with town.session() as session:
        make_user(
            session, town.town_id, "camille@example.org", name="Camille", roles=("town_admin",)
        )
    with town.client() as client:
        login(client, "camille@example.org")
        assert post_form(client, board.url_for("close"), {}).text == "closed"
        with pytest.raises(UndeclaredAuditAction, match=r"'boards\.reopen' is not declared"):
            post_form(client, board.url_for("close") + "?action=boards.reopen", {})
        page = client.get("/admin/audit", headers={"accept-language": "fr"}).text
    assert "Camille closed «\u00a0Module de test\u00a0» (fin)" in page  # named, not module:N


def test_core_sentences_are_translated(make_town):
    town = make_town()
    board = make_space_with_module(town, "survey")
    with town.client() as client:
        login(client, town.admin_email, town.admin_password)
        edit = f"/admin/spaces/{board.space_id}"
        phase = post_form(
            client, f"/admin/modules/{board.module_id}/phase", {"phase": "closed"}, page=edit
        )
        assert phase.status_code == 303
        page = client.get("/admin/audit").text
    assert "a fait passer «\u00a0Module de test\u00a0» de la phase" in page
    assert "à la phase closed" not in page  # the phase's label, not its key


def test_audit_actions_must_be_named_after_their_plugin(parvis_config):
    @hookimpl
    def parvis_audit_actions():
        return [AuditAction("other.close", "%(actor)s closed")]

    module = types.ModuleType("mine_plugin")
    module.parvis_audit_actions = parvis_audit_actions
    config = Config(**{**parvis_config.__dict__, "plugins": ["mine"]})
    with pytest.raises(PluginError, match=r"audit actions must be named 'mine\.<verb>'"):
        create_app(config, extra_plugins={"mine": module})


def test_the_log_names_what_was_changed_with_a_constant_number_of_queries(town):
    """ "Camille moved “Budget 2027” from phase Vote to Results", not "module:12 … vote"; the
    names come in one query per kind, whatever the number of entries."""
    from parvis import audit

    made = make_space_with_module(
        town, "idea_call", phase="vote", module_title="Budget 2027", space_title="Conseil Nord"
    )
    with town.session() as s:
        camille = make_user(s, town.town_id, "camille@example.org", name="Camille")
        audit.record(
            s,
            town.town_id,
            camille.id,
            "module.phase",
            f"module:{made.module_id}",
            old="vote",
            new="results",
        )
    client = town.client()
    login(client, town.admin_email, town.admin_password)
    post_form(client, "/language", {"locale": "en"})
    client.get("/admin/audit")
    with town.parvis.db.count_queries() as counter:
        html = client.get("/admin/audit").text
    assert "Camille moved “Budget 2027” from phase Vote to Results" in html
    few = counter.count
    with town.session() as s:
        for _n in range(12):
            audit.record(s, town.town_id, None, "space.save", f"space:{made.space_id}")
            audit.record(s, town.town_id, None, "module.add", f"module:{made.module_id}")
    with town.parvis.db.count_queries() as counter:
        html = client.get("/admin/audit").text
    assert "“Conseil Nord”" in html and f"module:{made.module_id}" not in html.split("<code>")[0]
    assert counter.count <= few + 1, counter.statements  # + the spaces' names
    post_form(client, "/language", {"locale": "fr"})
    html = client.get("/admin/audit").text
    assert "Camille moved" not in html and "«\u00a0Budget 2027\u00a0»" in html


def test_a_target_that_is_no_id_is_shown_as_it_is(town):
    # "²" passes str.isdigit but not int(); ten digits overflow a PostgreSQL id.
    from parvis import audit

    with town.session() as s:
        for target in ("module:²", "space:12345678901", "user:-3"):
            audit.record(s, town.town_id, None, "space.save", target)
    client = town.client()
    login(client, town.admin_email, town.admin_password)
    response = client.get("/admin/audit")
    assert response.status_code == 200
    assert "space:12345678901" in response.text and "module:²" in response.text
