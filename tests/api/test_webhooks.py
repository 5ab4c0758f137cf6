"""Webhook endpoints and the outbox, as a partner manages them through the API."""

from datetime import timedelta
from pathlib import Path

import pytest

from partnerhub.core import outbox
from partnerhub.core.db import utcnow
from partnerhub.core.errors import Conflict
from partnerhub.delivery import webhooks
from partnerhub.models import Delivery, DeliveryAttempt, Notice
from partnerhub.models.delivery import EVENT_TYPES

URL = "https://hooks.example.test/partnerhub"


def _dead_delivery(session, endpoint, partner, *, created_at=None):
    [queued] = outbox.emit(session, partner_id=partner.id, event_type="handoff.created", data={"version": 1})
    delivery = session.get(Delivery, queued.id)
    delivery.status = "dead"
    delivery.attempts = 10
    if created_at:
        delivery.created_at = created_at
    session.add(
        DeliveryAttempt(delivery_id=delivery.id, status_code=503, duration_ms=12, response_excerpt="busy")
    )
    session.commit()
    return delivery


def test_the_secret_is_shown_on_creation_and_never_listed(client, build):
    as_partner = build.headers(build.partner())

    created = client.post(
        "/api/v1/webhook-endpoints", json={"url": URL, "events": ["handoff.created"]}, headers=as_partner
    )
    listed = client.get("/api/v1/webhook-endpoints", headers=as_partner).get_json()

    assert created.status_code == 201
    assert created.get_json()["secret"].startswith("whsec_")
    assert [e["events"] for e in listed["items"]] == [["handoff.created"]]
    assert "secret" not in listed["items"][0]


def test_an_unknown_event_type_is_422(client, build):
    response = client.post(
        "/api/v1/webhook-endpoints",
        json={"url": URL, "events": ["lead.teleported"]},
        headers=build.headers(build.partner()),
    )

    assert response.status_code == 422
    assert "events.0" in response.get_json()["errors"]


def test_rotating_gives_a_new_secret_and_keeps_the_old_for_a_day(client, build):
    partner = build.partner()
    endpoint = build.endpoint(partner, URL)
    old = endpoint.secret

    response = client.post(
        f"/api/v1/webhook-endpoints/{endpoint.id}/rotate-secret", headers=build.headers(partner)
    )

    body = response.get_json()
    assert response.status_code == 200
    assert body["secret"].startswith("whsec_")
    assert body["secret"] != old
    assert body["previous_secret_expires_at"] is not None


def test_a_partner_cannot_see_or_touch_anothers_endpoints_or_deliveries(client, build, session):
    owner, other = build.partner(), build.partner()
    endpoint = build.endpoint(owner, URL)
    delivery = _dead_delivery(session, endpoint, owner)
    as_other = build.headers(other)

    assert (
        client.patch(
            f"/api/v1/webhook-endpoints/{endpoint.id}", json={"enabled": False}, headers=as_other
        ).status_code
        == 404
    )
    assert client.delete(f"/api/v1/webhook-endpoints/{endpoint.id}", headers=as_other).status_code == 404
    assert (
        client.post(f"/api/v1/webhook-endpoints/{endpoint.id}/rotate-secret", headers=as_other).status_code
        == 404
    )
    assert client.get(f"/api/v1/deliveries/{delivery.id}", headers=as_other).status_code == 404
    assert client.post(f"/api/v1/deliveries/{delivery.id}/redeliver", headers=as_other).status_code == 404
    assert client.get("/api/v1/deliveries", headers=as_other).get_json()["items"] == []


def test_a_delivery_shows_its_attempts_and_the_list_filters_by_status(client, build, session):
    partner = build.partner()
    endpoint = build.endpoint(partner, URL)
    dead = _dead_delivery(session, endpoint, partner)
    outbox.emit(session, partner_id=partner.id, event_type="handoff.updated", data={"version": 2})
    session.commit()
    headers = build.headers(partner)

    detail = client.get(f"/api/v1/deliveries/{dead.id}", headers=headers).get_json()
    only_dead = client.get("/api/v1/deliveries?status=dead", headers=headers).get_json()

    assert detail["webhook_id"] == dead.message_id
    assert [(a["status_code"], a["response_excerpt"]) for a in detail["attempts"]] == [(503, "busy")]
    assert [d["id"] for d in only_dead["items"]] == [dead.id]


def test_all_failed_and_dead_deliveries_since_a_time_are_queued_again(client, build, session):
    partner = build.partner()
    endpoint = build.endpoint(partner, URL)
    old = _dead_delivery(session, endpoint, partner, created_at=utcnow() - timedelta(days=3))
    recent = _dead_delivery(session, endpoint, partner)

    response = client.post(
        "/api/v1/deliveries/redeliver",
        json={"since": (utcnow() - timedelta(days=1)).isoformat()},
        headers=build.headers(partner),
    )

    assert response.status_code == 202
    assert response.get_json() == {"count": 1, "ids": [recent.id]}
    assert session.get(Delivery, recent.id).status == "pending"
    assert session.get(Delivery, old.id).status == "dead"


def test_redelivering_to_a_disabled_endpoint_is_409(client, build, session):
    partner = build.partner()
    endpoint = build.endpoint(partner, URL)
    delivery = _dead_delivery(session, endpoint, partner)
    headers = build.headers(partner)
    client.patch(f"/api/v1/webhook-endpoints/{endpoint.id}", json={"enabled": False}, headers=headers)

    response = client.post(f"/api/v1/deliveries/{delivery.id}/redeliver", headers=headers)

    assert response.status_code == 409


def test_webhooks_need_the_webhooks_scope(client, build):
    headers = build.headers(build.partner(), scopes=["leads:read"])

    assert client.get("/api/v1/webhook-endpoints", headers=headers).status_code == 403


def test_a_partner_reads_its_own_notices(client, build, session):
    mine, theirs = build.partner(), build.partner()
    session.add_all(
        [
            Notice(partner_id=mine.id, kind="dormant", subject="Quiet with Acme"),
            Notice(partner_id=theirs.id, kind="dormant", subject="Not yours"),
        ]
    )
    session.commit()

    listed = client.get("/api/v1/notices", headers=build.headers(mine)).get_json()

    assert [n["subject"] for n in listed["items"]] == ["Quiet with Acme"]


def test_a_partners_eleventh_endpoint_is_409_and_a_deleted_one_frees_its_place(client, build):
    as_partner = build.headers(build.partner())
    urls = [f"{URL}/{n}" for n in range(webhooks.MAX_ENDPOINTS + 1)]
    created = [
        client.post("/api/v1/webhook-endpoints", json={"url": url}, headers=as_partner) for url in urls
    ]

    deleted = client.delete(f"/api/v1/webhook-endpoints/{created[0].get_json()['id']}", headers=as_partner)
    again = client.post("/api/v1/webhook-endpoints", json={"url": urls[-1]}, headers=as_partner)

    assert [r.status_code for r in created] == [201] * webhooks.MAX_ENDPOINTS + [409]
    assert created[-1].get_json()["detail"] == (
        "A partner may have at most 10 webhook endpoints; delete one to add another."
    )
    assert (deleted.status_code, again.status_code) == (204, 201)


def test_the_endpoint_cap_is_the_domains_and_counts_each_partner_alone(session, build):
    crowded, other = build.partner("Crowded"), build.partner("Other")
    for n in range(webhooks.MAX_ENDPOINTS):
        webhooks.add_endpoint(session, partner=crowded, url=f"{URL}/{n}")

    with pytest.raises(Conflict):
        webhooks.add_endpoint(session, partner=crowded, url=f"{URL}/one-more")
    webhooks.add_endpoint(session, partner=other, url=URL)


def test_every_event_type_an_endpoint_can_hear_is_documented_with_its_payload():
    documented = (Path(__file__).parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    webhooks_part = documented.split("## Webhook events", 1)[1].split("\n## ", 1)[0]

    assert [t for t in EVENT_TYPES if f"| `{t}` |" not in webhooks_part] == []
