"""Inviting from the command line: the link printed for operators without a mail server."""

import json

from sqlalchemy import select

from partnerhub.models import AuditEntry, Email


def test_invite_prints_the_person_and_a_link_that_opens_the_join_page(runner, build, session, app, client):
    build.partner("Acme")

    result = runner.invoke(
        args=["partnerhub", "invite", "Acme", "Ada@Acme.test", "--role", "manager", "--json"]
    )

    printed = json.loads(result.output)
    assert set(printed) == {"user_id", "email", "invite_url"}
    assert printed["email"] == "ada@acme.test"
    assert printed["invite_url"].startswith(app.config["BASE_URL"] + "/invitations/")
    page = client.get(printed["invite_url"].removeprefix(app.config["BASE_URL"]))
    assert page.status_code == 200
    assert "Join Acme" in page.text
    [email] = session.scalars(select(Email)).all()
    assert printed["invite_url"] in email.text_body
    entry = session.scalar(select(AuditEntry))
    assert (entry.action, entry.actor_type, entry.origin) == ("team.invited", "system", "cli")


def test_invite_refuses_an_address_of_another_company_clearly(runner, build, session):
    build.user(build.partner(), "rep", email="taken@example.test")
    build.partner("Acme")

    result = runner.invoke(args=["partnerhub", "invite", "Acme", "taken@example.test"])

    assert result.exit_code != 0
    assert "another company" in result.output
    assert session.scalars(select(Email)).all() == []


def test_a_client_created_without_scopes_may_manage_the_team(runner, build):
    build.partner("Acme")

    created = json.loads(runner.invoke(args=["partnerhub", "create-client", "Acme", "--json"]).output)

    assert "users:write" in created["scopes"]
