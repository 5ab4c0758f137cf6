"""The transactional outbox: events a partner listens to, written with the change they announce.

Nothing here sends anything. A Delivery row commits or rolls back together
with the change, so a crash can neither lose an announced event nor announce
one that never happened; the worker (`delivery.py`) sends what is committed.
"""

import secrets
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from partnerhub.db import built_once, utcnow
from partnerhub.models import Delivery, WebhookEndpoint

WAKE_AFTER_COMMIT = "outbox_wake_after_commit"


_listening = built_once(
    lambda dialect: select(WebhookEndpoint).where(
        WebhookEndpoint.partner_id == bindparam("partner_id"),
        WebhookEndpoint.enabled.is_(True),
        WebhookEndpoint.deleted_at.is_(None),
    )
)


def new_message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def emit(
    session: Session,
    *,
    partner_id: int,
    event_type: str,
    data: dict,
    occurred_at: datetime | None = None,
) -> list[Delivery]:
    """Queue `event_type` for every enabled endpoint of the partner that subscribed to it."""
    occurred_at = occurred_at or utcnow()
    endpoints = session.scalars(_listening(session), {"partner_id": partner_id})
    deliveries = []
    for endpoint in endpoints:
        # An endpoint that names no events hears all of them.
        if endpoint.events and event_type not in endpoint.events:
            continue
        delivery = Delivery(
            endpoint_id=endpoint.id,
            partner_id=partner_id,
            message_id=new_message_id(),
            event_type=event_type,
            payload={
                "type": event_type,
                "timestamp": occurred_at.isoformat(),
                "data": {**data, "occurred_at": occurred_at.isoformat()},
            },
            next_attempt_at=occurred_at,
        )
        session.add(delivery)
        deliveries.append(delivery)
    if deliveries:
        # Read after commit by whoever owns the transaction, to wake a worker at once.
        session.info[WAKE_AFTER_COMMIT] = True
    session.flush()
    return deliveries
