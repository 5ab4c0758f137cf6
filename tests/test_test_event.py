"""A manager's test event: signed like any other, to the one endpoint asked, whatever it subscribed to."""

import pytest
import requests
from sqlalchemy import select

from partnerhub.core.errors import Conflict
from partnerhub.delivery import sending as delivery
from partnerhub.delivery import webhooks
from partnerhub.models import Delivery


def test_a_test_event_reaches_only_the_endpoint_asked_signed_with_its_secret(session, build, receiver):
    partner = build.partner()
    endpoint = build.endpoint(partner, receiver.url, events=["handoff.created"])
    build.endpoint(partner, "https://other.example.test/hook")
    receiver.secrets.append(endpoint.secret)

    webhooks.send_test_event(session, endpoint=endpoint)
    session.commit()
    with requests.Session() as http:
        sent = delivery.deliver_due(session, http=http)

    assert sent == 1
    [got] = receiver.received
    assert got.body["type"] == "webhook.test"
    assert got.body["data"]["endpoint_id"] == endpoint.id
    assert got.verified_by == {endpoint.secret}
    [stored] = session.scalars(select(Delivery)).all()
    assert stored.status == "delivered"


def test_a_disabled_endpoint_gets_no_test_event(session, build):
    endpoint = build.endpoint(build.partner())
    webhooks.update_endpoint(session, endpoint=endpoint, enabled=False)

    with pytest.raises(Conflict, match="enable it before sending a test event"):
        webhooks.send_test_event(session, endpoint=endpoint)
