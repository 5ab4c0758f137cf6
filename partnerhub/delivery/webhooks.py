"""A partner's webhook endpoints and its view of the outbox: secrets, rotation, redelivery."""

import base64
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session, selectinload

from partnerhub.core import outbox
from partnerhub.core.db import utcnow
from partnerhub.core.errors import Conflict, InvalidInput, NotFound
from partnerhub.core.i18n import Phrase, phrase
from partnerhub.delivery import egress
from partnerhub.models import Delivery, Partner, WebhookEndpoint
from partnerhub.models.delivery import EVENT_TYPES, TEST_EVENT

# Long enough for a partner to roll the new secret out to every receiver it runs.
ROTATION_OVERLAP = timedelta(hours=24)
REDELIVERABLE = ("failed", "dead")
# Each endpoint may cost the worker a slow send per batch: a partner gets a handful, not a fleet.
MAX_ENDPOINTS = 10


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _check(url: str | None, events: list[str] | None, private_ok: bool) -> None:
    errors: dict[str, list[str | Phrase]] = {}
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            errors["url"] = ["must be an absolute http or https URL"]
        elif refusal := egress.url_refusal(url, private_ok=private_ok):
            errors["url"] = [refusal]
    if events is not None:
        unknown = sorted(set(events) - set(EVENT_TYPES))
        if unknown:
            errors["events"] = [phrase("unknown event types: %(types)s", types=", ".join(unknown))]
    if errors:
        raise InvalidInput(errors)


def add_endpoint(
    session: Session,
    *,
    partner: Partner,
    url: str,
    events: list[str] | None = None,
    description: str = "",
    enabled: bool = True,
    private_ok: bool = False,
) -> WebhookEndpoint:
    """Register an endpoint; its secret is readable on the returned object this once.

    `private_ok`: the URL may name a loopback or private address (`egress`)."""
    _check(url, events, private_ok)
    _check_room(session, partner)
    endpoint = WebhookEndpoint(
        partner_id=partner.id,
        url=url,
        events=sorted(set(events or [])),
        description=description,
        enabled=enabled,
        secret=new_secret(),
    )
    session.add(endpoint)
    session.flush()
    return endpoint


def _check_room(session: Session, partner: Partner) -> None:
    # The partner's row is locked first, so two registrations at once cannot both take the last place.
    session.execute(select(Partner.id).where(Partner.id == partner.id).with_for_update())
    registered = session.execute(
        select(func.count()).select_from(endpoints_of(partner.id).subquery())
    ).scalar_one()
    if registered >= MAX_ENDPOINTS:
        # A valid endpoint the partner's current ones leave no room for: the state refuses it.
        raise Conflict(
            phrase(
                "A partner may have at most %(most)s webhook endpoints; delete one to add another.",
                most=MAX_ENDPOINTS,
            )
        )


def endpoints_of(partner_id: int) -> Select:
    return select(WebhookEndpoint).where(
        WebhookEndpoint.partner_id == partner_id, WebhookEndpoint.deleted_at.is_(None)
    )


def get_endpoint(session: Session, *, partner_id: int, endpoint_id: int) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.partner_id != partner_id or endpoint.deleted_at is not None:
        raise NotFound(phrase("No webhook endpoint %(id)s.", id=str(endpoint_id)))
    return endpoint


def update_endpoint(
    session: Session,
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    events: list[str] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
    private_ok: bool = False,
) -> WebhookEndpoint:
    """Change an endpoint; enabling it again forgets why and since when it failed."""
    _check(url, events, private_ok)
    if url is not None:
        endpoint.url = url
    if events is not None:
        endpoint.events = sorted(set(events))
    if description is not None:
        endpoint.description = description
    if enabled is True and not endpoint.enabled:
        endpoint.enabled = True
        endpoint.disabled_reason = None
        endpoint.failing_since = None
    elif enabled is False and endpoint.enabled:
        disable_endpoint(session, endpoint=endpoint, reason="disabled by the partner")
    session.flush()
    return endpoint


def disable_endpoint(session: Session, *, endpoint: WebhookEndpoint, reason: str) -> None:
    """Stop sending to an endpoint; what was still queued for it fails and can be redelivered."""
    endpoint.enabled = False
    endpoint.disabled_reason = reason
    session.execute(
        update(Delivery)
        .where(Delivery.endpoint_id == endpoint.id, Delivery.status == "pending")
        .values(status="failed", last_error=f"endpoint disabled: {reason}", lease_until=None)
    )
    session.flush()


def delete_endpoint(session: Session, *, endpoint: WebhookEndpoint, now: datetime | None = None) -> None:
    """Retire an endpoint; its deliveries stay visible in the outbox."""
    disable_endpoint(session, endpoint=endpoint, reason="deleted")
    endpoint.deleted_at = now or utcnow()
    session.flush()


def rotate_secret(session: Session, *, endpoint: WebhookEndpoint, now: datetime | None = None) -> str:
    """Issue a new secret; the current one keeps signing beside it for 24 hours."""
    now = now or utcnow()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + ROTATION_OVERLAP
    endpoint.secret = new_secret()
    session.flush()
    return endpoint.secret


def signing_secrets(endpoint: WebhookEndpoint, *, now: datetime) -> list[str]:
    """The secrets a message is signed with now: the current one, and the previous during its overlap."""
    in_force = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires and now < expires:
        in_force.append(endpoint.previous_secret)
    return in_force


def deliveries_of(partner_id: int, *, status: str | None = None) -> Select:
    stmt = select(Delivery).where(Delivery.partner_id == partner_id)
    if status:
        stmt = stmt.where(Delivery.status == status)
    return stmt


def get_delivery(session: Session, *, partner_id: int, delivery_id: int) -> Delivery:
    delivery = session.scalar(
        select(Delivery).where(Delivery.id == delivery_id).options(selectinload(Delivery.attempt_log))
    )
    if delivery is None or delivery.partner_id != partner_id:
        raise NotFound(phrase("No delivery %(id)s.", id=str(delivery_id)))
    return delivery


def _requeue(delivery: Delivery, now: datetime) -> None:
    # A fresh run of the whole retry schedule; the attempts so far stay in the log.
    delivery.status = "pending"
    delivery.attempts = 0
    delivery.next_attempt_at = now
    delivery.lease_until = None


def redeliver(session: Session, *, delivery: Delivery, now: datetime | None = None) -> Delivery:
    """Send a delivery again, with the same webhook-id so the receiver can dedupe it."""
    endpoint = delivery.endpoint
    if endpoint.deleted_at is not None or not endpoint.enabled:
        raise Conflict(
            phrase("Endpoint %(id)s is disabled; enable it before redelivering.", id=str(endpoint.id))
        )
    if delivery.status == "pending":
        raise Conflict(phrase("Delivery %(id)s is already queued.", id=str(delivery.id)))
    _requeue(delivery, now or utcnow())
    session.flush()
    return delivery


def redeliver_failed_since(
    session: Session, *, partner_id: int, since: datetime, now: datetime | None = None
) -> list[Delivery]:
    """Queue again every failed or dead delivery created since `since` to a still enabled endpoint."""
    now = now or utcnow()
    deliveries = list(
        session.scalars(
            select(Delivery)
            .join(WebhookEndpoint, Delivery.endpoint_id == WebhookEndpoint.id)
            .where(
                Delivery.partner_id == partner_id,
                Delivery.status.in_(REDELIVERABLE),
                Delivery.created_at >= since,
                WebhookEndpoint.enabled.is_(True),
                WebhookEndpoint.deleted_at.is_(None),
            )
            .order_by(Delivery.id)
        )
    )
    for delivery in deliveries:
        _requeue(delivery, now)
    session.flush()
    return deliveries


def send_test_event(session: Session, *, endpoint: WebhookEndpoint, now: datetime | None = None) -> Delivery:
    """Queue a `webhook.test` event to this one endpoint, signed like any other, to check a receiver."""
    if not endpoint.enabled or endpoint.deleted_at is not None:
        raise Conflict(
            phrase("Endpoint %(id)s is disabled; enable it before sending a test event.", id=str(endpoint.id))
        )
    [queued] = outbox.emit(
        session,
        partner_id=endpoint.partner_id,
        event_type=TEST_EVENT,
        data={"endpoint_id": endpoint.id, "message": "A test event from PartnerHub: nothing to do."},
        occurred_at=now,
        endpoint_ids=[endpoint.id],
    )
    return session.get_one(Delivery, queued.id)
