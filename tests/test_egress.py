"""Webhooks never reach the platform's own network: no loopback, private or metadata address."""

import pytest

from partnerhub.core import outbox
from partnerhub.core.db import utcnow
from partnerhub.delivery import egress
from partnerhub.delivery import sending as delivery
from partnerhub.models import Delivery


@pytest.fixture
def public_only(app, monkeypatch):
    # The suite allows loopback for its receivers (tests/conftest.py); production does not.
    monkeypatch.setitem(app.config, "WEBHOOK_PRIVATE_NETWORKS", False)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:6379/",
        "http://localhost:5432/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "http://[::1]:8080/hook",
    ],
)
def test_a_webhook_url_naming_an_internal_address_is_422(client, build, public_only, url):
    headers = build.headers(build.partner(), ["webhooks:manage"])

    response = client.post("/api/v1/webhook-endpoints", json={"url": url}, headers=headers)

    assert response.status_code == 422
    assert response.get_json()["errors"] == {"url": [egress.REFUSED]}


def test_a_webhook_url_on_a_public_name_is_registered(client, build, public_only):
    headers = build.headers(build.partner(), ["webhooks:manage"])

    response = client.post(
        "/api/v1/webhook-endpoints", json={"url": "https://hooks.partner.example/in"}, headers=headers
    )

    assert response.status_code == 201


def test_the_worker_does_not_connect_where_a_name_leads_inside(session, build, receiver):
    """A name registered as public may resolve to loopback later: the worker checks where it
    connects, so the receiver listening there hears nothing and the partner reads no answer."""
    partner = build.partner()
    endpoint = build.endpoint(partner, receiver.url.replace("127.0.0.1", "localhost"))
    receiver.secrets = [endpoint.secret]
    [queued] = outbox.emit(session, partner_id=partner.id, event_type="flag.raised", data={"id": 1})
    session.commit()

    with egress.http_session(private_ok=False) as http:
        delivery.deliver_due(session, http=http, now=utcnow())

    assert receiver.received == []
    refused = session.get(Delivery, queued.id)
    assert (refused.status, refused.attempts) == ("pending", 1)
    assert refused.last_error == "address not allowed"
