"""The ``parvis council-space`` commands that need the database."""

from __future__ import annotations

from click.testing import CliRunner
from council_helpers import sign_in
from sqlalchemy import select

from parvis.api import Town
from parvis.cli import main
from parvis.models import Module, OutboxMail
from parvis.testing import post_form
from parvis_council_space import ballot_box, count_jobs
from parvis_council_space.models import CountJob


def _config(tmp_path, parvis_config):
    path = tmp_path / "parvis.toml"
    path.write_text(
        f'database_url = "{parvis_config.database_url}"\n'
        f'secret_key = "cli-test"\nmail_backend = "null"\n'
        f'instance_dir = "{tmp_path / "instance"}"\n',
        encoding="utf-8",
    )
    return str(path)


def test_count_pending_and_send_digests_commands(town, council, client, tmp_path, parvis_config):
    idea = council.add_idea(None, title="Alpha", estimated_cost=10, status="feasible")
    council.configure(budget=100)
    with town.session() as s:
        module = s.get(Module, council.module_id)
        ballot_box.cast_ballot(s, module, "u:1", {idea: 1})
        module.phase = "results"
        count_jobs.request_count(s, s.get(Town, town.town_id), module, None)
    council.user("suiveur@example.org")
    sign_in(client, "suiveur@example.org")
    post_form(client, f"/s/{council.slug}/follow", {"follow": "1"}, page=f"/s/{council.slug}")
    with town.session() as s:
        s.get(Module, council.module_id).title = "Budget"
        s.add(
            Module(
                space_id=council.space_id,
                type="idea_call",
                slug="nouveau",
                title="Nouvel appel",
                phase="submission",
            )
        )
    config = _config(tmp_path, parvis_config)
    runner = CliRunner()
    result = runner.invoke(main, ["--config", config, "council-space", "count-pending"])
    assert result.exit_code == 0, result.output
    assert "1 count(s) run." in result.output
    with town.session() as s:
        assert s.scalar(select(CountJob.status)) == "done"
    result = runner.invoke(main, ["--config", config, "council-space", "send-digests"])
    assert result.exit_code == 0, result.output
    assert "1 digest(s) queued" in result.output
    with town.session() as s:
        mail = s.scalar(select(OutboxMail))
        assert mail.to_address == "suiveur@example.org" and "Nouvel appel" in mail.body
