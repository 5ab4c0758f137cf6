"""The operator's command line."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from partnerhub.core.db import utcnow
from partnerhub.models import ApiClient, Flag, Handoff, Lead, Partner
from tests.builders import TEST_PASSWORD
from tests.web.conftest import OwnContextClient, csrf_token


def test_an_operator_approves_a_partner_and_issues_its_credentials(runner, build, session):
    build.partner("Acme", status="pending")

    approved = runner.invoke(args=["partnerhub", "approve", "Acme", "--json"])
    created = runner.invoke(args=["partnerhub", "create-client", "Acme", "--json"])

    assert json.loads(approved.output)["status"] == "active"
    creds = json.loads(created.output)
    assert creds["client_id"].startswith("phc_")
    assert creds["client_secret"].startswith("phs_")
    stored = session.scalar(select(ApiClient).where(ApiClient.client_id == creds["client_id"]))
    assert creds["client_secret"] not in stored.secret_hash


def test_approving_an_unknown_partner_fails_clearly(runner):
    result = runner.invoke(args=["partnerhub", "approve", "Nobody"])

    assert result.exit_code != 0
    assert "No partner 'Nobody'" in result.output


def test_create_admin_takes_a_password_option(runner):
    result = runner.invoke(
        args=["partnerhub", "create-admin", "ops@example.test", "--password", "s3cret-enough", "--json"]
    )

    assert json.loads(result.output) == {"id": 1, "email": "ops@example.test", "role": "admin"}


def test_seed_demo_fills_an_empty_database_once_with_months_of_history_that_raise_every_flag(
    runner, session, client
):
    first = runner.invoke(args=["partnerhub", "seed-demo", "--json"])
    second = runner.invoke(args=["partnerhub", "seed-demo", "--if-empty", "--json"])
    beat = runner.invoke(args=["partnerhub", "simulate", "--once", "--seed", "3"])

    seeded = json.loads(first.output)
    assert seeded["seeded"] is True
    assert json.loads(second.output) == {"seeded": False}
    assert len(session.scalars(select(Partner)).all()) == 12
    demo = seeded["api_clients"][0]
    token = client.post(
        "/api/v1/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": demo["client_id"],
            "client_secret": demo["client_secret"],
        },
    )
    assert token.status_code == 200
    raised = {f.kind for f in session.scalars(select(Flag).where(Flag.cleared_at.is_(None)))}
    assert raised == {"size_mismatch", "one_sided", "overloaded", "dormant", "agent_like", "leaky"}
    oldest = session.scalar(select(func.min(Handoff.sent_at)))
    assert oldest < utcnow() - timedelta(days=150)
    waiting = session.scalars(select(Handoff).where(Handoff.status == "sent")).all()
    assert waiting, "the demo reps find leads waiting in their inbox"
    assert beat.exit_code == 0, beat.output
    assert beat.output.startswith("simulate: lead ")


def test_simulate_holds_no_transaction_while_it_waits(build, session, database_url):
    import os
    import subprocess
    import sys
    from pathlib import Path

    import sqlalchemy as sa

    maker = build.partner("Maker", lines=["windows"])
    fitter = build.partner("Fitter", lines=["window-installation"])
    build.partnership(maker, fitter)
    maker_id = maker.id
    # This test's own session must not hold SQLite's write lock either.
    session.close()
    root = Path(__file__).parent.parent
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "partnerhub", "simulate", "--count", "2"]
    loop = subprocess.Popen(
        [*flask, "--interval", "5"], cwd=root, env=os.environ, stdout=subprocess.PIPE, text=True
    )
    try:
        assert loop.stdout.readline().startswith("simulate: ")
        # Another writer, impatient: one second, not the app's thirty.
        url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
        impatient = sa.create_engine(url, connect_args={"timeout": 1} if url.startswith("sqlite") else {})

        with impatient.begin() as conn:
            if impatient.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            conn.execute(
                sa.text("UPDATE partners SET business = 'still writable' WHERE id = :id"), {"id": maker_id}
            )
        impatient.dispose()
    finally:
        loop.terminate()
        loop.wait(timeout=10)
        loop.stdout.close()


def test_an_operator_suspends_a_partner_and_its_tokens_and_page_sessions_stop_at_once(
    runner, build, session, client
):
    partner = build.partner("Acme")
    headers = build.headers(partner)
    user = build.user(partner, "rep")
    pages = OwnContextClient(client.application, client.application.response_class, use_cookies=True)
    pages.post(
        "/login",
        data={
            "email": user.email,
            "password": TEST_PASSWORD,
            "csrf_token": csrf_token(pages.get("/login").text),
        },
    )
    assert pages.get("/inbox").status_code == 200

    result = runner.invoke(args=["partnerhub", "suspend", "Acme", "--json"])

    assert result.exit_code == 0
    assert json.loads(result.output) == {"id": partner.id, "name": "Acme", "status": "suspended"}
    assert client.get("/api/v1/partners/me", headers=headers).status_code == 401
    assert pages.get("/inbox").status_code == 403


def test_suspending_a_partner_that_is_not_active_fails_clearly(runner, build):
    build.partner("Acme", status="pending")

    result = runner.invoke(args=["partnerhub", "suspend", "Acme"])

    assert result.exit_code != 0
    assert "Acme is pending; only an active partner can be suspended." in result.output


@pytest.mark.parametrize("status", ["pending", "suspended"])
def test_no_credentials_and_no_leads_for_a_partner_that_is_not_active(
    runner, build, session, tmp_path, status
):
    build.partner("Acme", status=status)
    path = tmp_path / "leads.csv"
    path.write_text("external_id,name,email,category,consent\na-1,Ada,ada@example.test,windows,yes\n")

    created = runner.invoke(args=["partnerhub", "create-client", "Acme", "--json"])
    imported = runner.invoke(args=["partnerhub", "import-leads", str(path), "--partner", "Acme", "--json"])

    assert [created.exit_code, imported.exit_code] == [1, 1]
    assert "Error: Acme " in created.output
    assert imported.output == created.output
    assert session.scalar(select(func.count()).select_from(ApiClient)) == 0
    assert session.scalar(select(func.count()).select_from(Lead)) == 0
