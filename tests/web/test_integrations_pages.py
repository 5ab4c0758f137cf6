"""A manager runs the partner's API clients and webhook endpoints without the operator."""

import re

import pytest
from sqlalchemy import func, select

from partnerhub.core import outbox
from partnerhub.models import ApiClient, AuditEntry, Delivery, WebhookEndpoint
from tests.web.conftest import csrf_token


def _token(client) -> str:
    return csrf_token(client.get("/integrations").text)


def test_a_new_clients_secret_is_shown_once_and_a_reload_creates_nothing(build, client, sign_in, session):
    partner = build.partner()
    sign_in(build.user(partner, "manager"))

    created = client.post("/integrations/clients", data={"name": "CRM sync", "csrf_token": _token(client)})
    shown = client.get("/integrations")
    reloaded = client.get("/integrations")

    assert created.status_code == 303
    assert created.headers["Location"].endswith("/integrations")
    assert "Client secret" in shown.text
    assert 'value="phs_' in shown.text
    assert "phs_" not in reloaded.text
    [stored] = session.scalars(select(ApiClient)).all()
    assert (stored.partner_id, stored.name) == (partner.id, "CRM sync")
    assert "users:write" in stored.scopes
    assert session.scalar(select(AuditEntry.action)) == "api_client.created"


def test_a_manager_revokes_only_the_partners_own_clients(build, client, sign_in, session):
    partner = build.partner()
    own, foreign = build.api_client(partner), build.api_client(build.partner())
    sign_in(build.user(partner, "manager"))
    token = _token(client)

    revoked = client.post(f"/integrations/clients/{own.client_id}/revoke", data={"csrf_token": token})
    refused = client.post(f"/integrations/clients/{foreign.client_id}/revoke", data={"csrf_token": token})

    assert (revoked.status_code, refused.status_code) == (303, 404)
    session.expire_all()
    assert session.get(ApiClient, own.id).revoked_at is not None
    assert session.get(ApiClient, foreign.id).revoked_at is None


def test_reps_cannot_reach_the_integrations(build, client, sign_in):
    sign_in(build.user(build.partner(), "rep"))

    assert client.get("/integrations").status_code == 403


def test_an_endpoint_is_created_with_its_secret_shown_once_tested_rotated_and_disabled(
    build, client, sign_in, session, receiver
):
    partner = build.partner()
    sign_in(build.user(partner, "manager"))

    created = client.post(
        "/integrations/endpoints",
        data={
            "url": receiver.url,
            "events": ["handoff.created"],
            "description": "CRM",
            "csrf_token": _token(client),
        },
    )
    first = client.get("/integrations").text
    endpoint = session.scalar(select(WebhookEndpoint))
    original = endpoint.secret
    token = csrf_token(first)
    client.post(f"/integrations/endpoints/{endpoint.id}/test", data={"csrf_token": token})
    client.post(f"/integrations/endpoints/{endpoint.id}/rotate", data={"csrf_token": token})
    rotated = client.get("/integrations").text
    client.post(f"/integrations/endpoints/{endpoint.id}/disable", data={"csrf_token": token})
    last = client.get("/integrations").text

    assert created.status_code == 303
    session.refresh(endpoint)
    assert "New webhook endpoint" in first
    assert f'value="{original}"' in first
    assert "New signing secret" in rotated
    assert f'value="{endpoint.secret}"' in rotated
    assert endpoint.previous_secret == original
    assert "whsec_" not in last
    assert "Stopped: disabled by the partner" in last
    [test] = session.scalars(select(Delivery)).all()
    assert (test.event_type, test.endpoint_id) == ("webhook.test", endpoint.id)
    assert "Test event" in last
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["webhook_endpoint.created", "webhook_endpoint.rotated", "webhook_endpoint.disabled"]


@pytest.fixture
def public_addresses_only(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_PRIVATE_NETWORKS", False)


def test_a_refused_endpoint_keeps_what_was_typed_and_says_why(
    build, client, sign_in, session, public_addresses_only
):
    sign_in(build.user(build.partner(), "manager"))

    response = client.post(
        "/integrations/endpoints",
        data={
            "url": "http://127.0.0.1:9/hook",
            "events": ["flag.raised"],
            "description": "Local test",
            "csrf_token": _token(client),
        },
    )

    assert response.status_code == 422
    assert "Must reach a public address, not a loopback" in response.text
    assert 'value="http://127.0.0.1:9/hook"' in response.text
    assert 'value="Local test"' in response.text
    assert re.search(
        r'<input checked id="events-\d" name="events" type="checkbox" value="flag.raised">', response.text
    )
    assert session.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0


def test_a_failed_delivery_is_listed_and_sent_again_from_the_page(build, client, sign_in, session):
    partner = build.partner()
    endpoint = build.endpoint(partner, "https://hooks.example.test/x")
    [queued] = outbox.emit(session, partner_id=partner.id, event_type="flag.raised", data={"id": 1})
    failed = session.get(Delivery, queued.id)
    failed.status, failed.attempts, failed.last_status_code = "failed", 1, 503
    session.commit()
    sign_in(build.user(partner, "manager"))
    page = client.get("/integrations").text

    response = client.post(
        f"/integrations/deliveries/{failed.id}/redeliver", data={"csrf_token": csrf_token(page)}
    )

    assert "Failed: answered 503" in page
    assert f"Send delivery {failed.id} again" in page
    assert endpoint.url in page
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Delivery, failed.id).status == "pending"


def test_every_team_and_integrations_action_on_another_partners_object_is_404(
    build, client, sign_in, session, app
):
    stranger = build.partner()
    ids = {
        "user_id": build.user(stranger, "rep").id,
        "endpoint_id": build.endpoint(stranger).id,
        "delivery_id": outbox.emit(session, partner_id=stranger.id, event_type="flag.raised", data={})[0].id,
    }
    session.commit()
    sign_in(build.user(build.partner(), "manager"))
    token = _token(client)
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(("web.team.", "web.integrations.")) and set(rule.arguments) & set(ids)
    ]

    answers = {}
    for rule in rules:
        for values in _expand(rule, ids):
            url = rule.build(values)[1]
            answers[url] = client.post(url, data={"csrf_token": token}).status_code

    assert len(answers) >= 14
    assert {url: status for url, status in answers.items() if status != 404} == {}
    session.expire_all()
    assert session.get(WebhookEndpoint, ids["endpoint_id"]).enabled
    assert session.get(Delivery, ids["delivery_id"]).status == "pending"


def _expand(rule, ids):
    """The rule's values with each choice of its `any(...)` part."""
    values = {name: ids[name] for name in rule.arguments if name in ids}
    choices = [name for name in rule.arguments if name not in ids]
    if not choices:
        return [values]
    [name] = choices
    return [{**values, name: choice} for choice in rule._converters[name].items]
