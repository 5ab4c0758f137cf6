"""Every change to a partner's machine access is in the audit log, whichever door it came through."""

import json

from sqlalchemy import select

from partnerhub.models import AuditEntry

URL = "https://hooks.example.test/partnerhub"


def _log(session) -> list[tuple[str, str, str]]:
    session.expire_all()
    rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    return [(e.action, e.actor_type, e.target) for e in rows]


def test_webhook_endpoint_changes_through_the_api_are_audited(client, build, session):
    partner = build.partner()
    as_partner = build.headers(partner)

    created = client.post("/api/v1/webhook-endpoints", json={"url": URL}, headers=as_partner).get_json()
    path = f"/api/v1/webhook-endpoints/{created['id']}"
    client.post(f"{path}/rotate-secret", headers=as_partner)
    client.patch(path, json={"enabled": False}, headers=as_partner)
    client.patch(path, json={"enabled": True, "description": "CRM"}, headers=as_partner)
    client.delete(path, headers=as_partner)

    assert _log(session) == [
        ("webhook_endpoint.created", "client", URL),
        ("webhook_endpoint.rotated", "client", URL),
        ("webhook_endpoint.disabled", "client", URL),
        ("webhook_endpoint.enabled", "client", URL),
        ("webhook_endpoint.changed", "client", URL),
        ("webhook_endpoint.deleted", "client", URL),
    ]
    assert {e.partner_id for e in session.scalars(select(AuditEntry))} == {partner.id}


def test_api_clients_created_and_revoked_on_the_command_line_are_audited(runner, build, session):
    partner = build.partner("Acme")

    created = json.loads(runner.invoke(args=["partnerhub", "create-client", "Acme", "--json"]).output)
    runner.invoke(args=["partnerhub", "revoke-client", created["client_id"]])

    assert _log(session) == [
        ("api_client.created", "system", created["client_id"]),
        ("api_client.revoked", "system", created["client_id"]),
    ]
    assert {(e.partner_id, e.origin) for e in session.scalars(select(AuditEntry))} == {(partner.id, "cli")}
