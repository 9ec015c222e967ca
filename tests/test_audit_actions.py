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
from parvis.contrib import AuditAction
from parvis.hookspecs import hookimpl
from parvis.plugins import PluginError
from parvis.testing import login, make_space_with_module, make_user, post_form
from parvis.web import get_context, view

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
    assert f"Camille closed module:{board.module_id} (fin)" in page


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
    assert f"a fait passer module:{board.module_id} de la phase" in page
    assert "à la phase closed" in page


def test_audit_actions_must_be_named_after_their_plugin(parvis_config):
    @hookimpl
    def parvis_audit_actions():
        return [AuditAction("other.close", "%(actor)s closed")]

    module = types.ModuleType("mine_plugin")
    module.parvis_audit_actions = parvis_audit_actions
    config = Config(**{**parvis_config.__dict__, "plugins": ["mine"]})
    with pytest.raises(PluginError, match=r"audit actions must be named 'mine\.<verb>'"):
        create_app(config, extra_plugins={"mine": module})
