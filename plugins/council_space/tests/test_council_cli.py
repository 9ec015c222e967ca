"""The ``parvis council-space`` commands that need the database."""

from __future__ import annotations

from council_helpers import sign_in
from sqlalchemy import select

from parvis.api import Module, Town
from parvis.testing import post_form, queued_mail, run_command
from parvis_council_space import ballot_box, count_jobs
from parvis_council_space.models import CountJob


def test_count_pending_and_send_digests_commands(town, council, client):
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
    result = run_command(town, "council-space", "count-pending")
    assert result.exit_code == 0, result.output
    assert "1 count(s) run." in result.output
    with town.session() as s:
        assert s.scalar(select(CountJob.status)) == "done"
    result = run_command(town, "council-space", "send-digests")
    assert result.exit_code == 0, result.output
    assert "1 digest(s) queued" in result.output
    (mail,) = queued_mail(town)
    assert mail.to == ["suiveur@example.org"] and "Nouvel appel" in mail.body
