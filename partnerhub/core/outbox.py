"""The transactional outbox: events a partner listens to, written with the change they announce.

Nothing here sends anything. A Delivery row commits or rolls back together
with the change, so a crash can neither lose an announced event nor announce
one that never happened; the worker (`delivery.py`) sends what is committed.
"""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, bindparam, insert, select
from sqlalchemy.orm import Session

from partnerhub.core.db import built_once, utcnow
from partnerhub.models import Delivery, WebhookEndpoint

WAKE_AFTER_COMMIT = "outbox_wake_after_commit"


@dataclass(frozen=True)
class Queued:
    """A delivery written to the outbox."""

    id: int
    endpoint_id: int
    message_id: str


def live_endpoint_of(partner_id) -> ColumnElement[bool]:
    """The SQL condition for an enabled endpoint of `partner_id` (a column or a bound value)."""
    return and_(
        WebhookEndpoint.partner_id == partner_id,
        WebhookEndpoint.enabled.is_(True),
        WebhookEndpoint.deleted_at.is_(None),
    )


_listening = built_once(
    lambda dialect: (
        select(WebhookEndpoint.id, WebhookEndpoint.events)
        .where(live_endpoint_of(bindparam("partner_id")))
        .order_by(WebhookEndpoint.id)
    )
)
# Plain rows, not ORM objects: nothing in the request reads a delivery back, and the unit of
# work cost more than the rest of writing a handoff (one flush per emit).
_QUEUE = insert(Delivery.__table__).returning(Delivery.__table__.c.id)


def new_message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def listeners(session: Session, *, partner_id: int, event_type: str) -> list[int]:
    """The partner's enabled endpoints that subscribed to `event_type`."""
    endpoints = session.connection().execute(_listening(session), {"partner_id": partner_id})
    return subscribed(endpoints.tuples(), event_type)


def subscribed(endpoints: Iterable[tuple[int | None, list | None]], event_type: str) -> list[int]:
    """The ids of the live endpoints, as (id, events) rows, that hear `event_type`; an outer
    join's (None, None) is no endpoint."""
    # An endpoint that names no events hears all of them.
    return [id for id, events in endpoints if id is not None and (not events or event_type in events)]


def emit(
    session: Session,
    *,
    partner_id: int,
    event_type: str,
    data: dict,
    occurred_at: datetime | None = None,
    endpoint_ids: list[int] | None = None,
) -> list[Queued]:
    """Queue `event_type` for every enabled endpoint of the partner that subscribed to it
    (`endpoint_ids`, when the caller read them before writing, with `listeners` or
    `subscribed`)."""
    occurred_at = occurred_at or utcnow()
    if endpoint_ids is None:
        endpoint_ids = listeners(session, partner_id=partner_id, event_type=event_type)
    if not endpoint_ids:
        return []
    payload = {
        "type": event_type,
        "timestamp": occurred_at.isoformat(),
        "data": {**data, "occurred_at": occurred_at.isoformat()},
    }
    connection = session.connection()
    queued = []
    for endpoint_id in endpoint_ids:
        message_id = new_message_id()
        row = {
            "endpoint_id": endpoint_id,
            "partner_id": partner_id,
            "message_id": message_id,
            "event_type": event_type,
            "payload": payload,
            "next_attempt_at": occurred_at,
        }
        queued.append(Queued(connection.execute(_QUEUE, row).scalar_one(), endpoint_id, message_id))
    # Read after commit by whoever owns the transaction, to wake a worker at once.
    session.info[WAKE_AFTER_COMMIT] = True
    return queued
