"""Every operator and manager action lands in the audit log: who, what, about whom, from where."""

import json

from sqlalchemy import select

from partnerhub.models import AuditEntry, Email, Partner
from tests.web.conftest import csrf_token


def _entries(session, action: str | None = None) -> list[AuditEntry]:
    session.expire_all()
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    return session.scalars(stmt.where(AuditEntry.action == action) if action else stmt).all()


def test_the_operators_commands_approve_reject_and_suspend_on_the_record_from_the_cli(runner, build, session):
    build.partner("Acme", status="pending")
    dubious = build.partner("Dubious", status="pending")
    build.user(dubious, "manager", email="boss@dubious.example")

    runner.invoke(args=["partnerhub", "approve", "Acme"])
    runner.invoke(args=["partnerhub", "suspend", "Acme"])
    rejected = runner.invoke(
        args=["partnerhub", "reject", "Dubious", "--reason", "Not a real company.", "--json"]
    )
    again = runner.invoke(args=["partnerhub", "reject", "Dubious", "--reason", "Still not."])

    assert json.loads(rejected.output)["status"] == "rejected"
    assert "Dubious is rejected; only a pending registration can be rejected." in again.output
    entries = _entries(session)
    assert [(e.action, e.target, e.origin, e.actor_label) for e in entries] == [
        ("partner.approved", "Acme", "cli", "PartnerHub"),
        ("partner.suspended", "Acme", "cli", "PartnerHub"),
        ("partner.rejected", "Dubious", "cli", "PartnerHub"),
    ]
    assert session.get(Partner, dubious.id).rejection_reason == "Not a real company."
    [email] = session.scalars(select(Email).where(Email.kind == "partner_rejected")).all()
    assert email.to_address == "boss@dubious.example"


def test_a_profile_change_through_the_api_records_the_client_and_only_what_changed(client, build, session):
    partner = build.partner("Fenster Nord", sales_reps=3)
    headers = build.headers(partner)

    client.patch(
        "/api/v1/partners/me", json={"business": "Windows", "size": {"sales_reps": 3}}, headers=headers
    )
    client.patch("/api/v1/partners/me", json={"size": {"sales_reps": 3}}, headers=headers)

    [entry] = _entries(session, "profile.changed")
    assert entry.partner_id == partner.id
    assert entry.actor_type == "client"
    assert entry.actor_label.startswith("API client phc_")
    assert entry.details == {"business": "none to Windows"}
    assert entry.origin == "127.0.0.1"


def test_a_manager_editing_the_profile_page_is_named_in_the_log(client, sign_in, build, session):
    partner = build.partner("Fenster Nord", regions=["DE-BE"])
    manager = build.user(partner, "manager", email="mia@nord.example")
    sign_in(manager)
    page = client.get("/profile")
    form = {
        "csrf_token": csrf_token(page.text),
        "name": "Fenster Nord",
        "regions": "DE-BE, DE-BB",
        "sales_reps": "3",
        "revenue_band": "1m_10m",
        "monthly_leads": "30",
    }

    client.post("/profile", data=form)

    [entry] = _entries(session, "profile.changed")
    assert entry.actor_label == f"{manager.name} <mia@nord.example>"
    assert entry.details == {"regions": "DE-BE to DE-BE, DE-BB"}


def test_partnership_proposals_and_moves_are_recorded_for_the_side_that_made_them(client, build, session):
    a, b = build.partner("Windows Co"), build.partner("Fitters Co")
    terms = {
        "reward_type": "percent",
        "reward_value": "10",
        "rep_share_percent": "25",
        "accept_sla_hours": 24,
    }

    proposed = client.post(
        "/api/v1/partnerships", json={"partner_id": b.id, "terms": terms}, headers=build.headers(a)
    )
    client.post(f"/api/v1/partnerships/{proposed.get_json()['id']}/accept", headers=build.headers(b))

    offer, accepted = _entries(session)
    assert (offer.action, offer.partner_id, offer.target) == (
        "partnership.proposed",
        a.id,
        f"partnership {proposed.get_json()['id']} with Fitters Co",
    )
    assert offer.details["reward_value"] == "10.00"
    assert (accepted.action, accepted.partner_id) == ("partnership.accepted", b.id)


def test_taxonomy_and_threshold_changes_are_recorded_platform_wide(client, build, session):
    headers = build.headers(None)
    client.post("/api/v1/categories", json={"slug": "windows", "name": "Windows"}, headers=headers)
    client.post("/api/v1/categories", json={"slug": "fitting", "name": "Fitting"}, headers=headers)
    client.post("/api/v1/categories/windows/complements", json={"complement": "fitting"}, headers=headers)
    client.put("/api/v1/settings/flags", json={"thresholds": {"flags.one_sided.ratio": 4}}, headers=headers)

    entries = _entries(session)
    assert [(e.action, e.target) for e in entries] == [
        ("category.added", "Windows (windows)"),
        ("category.added", "Fitting (fitting)"),
        ("complement.declared", "fitting helps sell windows"),
        ("thresholds.changed", ""),
    ]
    assert entries[-1].details == {"flags.one_sided.ratio": "3 to 4"}
    assert {e.partner_id for e in entries} == {None}
