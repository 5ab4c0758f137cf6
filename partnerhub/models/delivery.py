"""Webhook endpoints and the outbox of deliveries to them."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnerhub.core.db import Base, JSONType, utcnow
from partnerhub.models._columns import one_of

EVENT_TYPES = ("handoff.created", "handoff.updated", "lead.unrouted", "flag.raised", "handoff.commented")
# Sent to one endpoint when its partner asks, whatever it subscribed to; nobody subscribes to it.
TEST_EVENT = "webhook.test"
DELIVERY_STATUSES = ("pending", "delivered", "failed", "dead")


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(500), default="")
    events: Mapped[list[str]] = mapped_column(JSONType, default=list)
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    # Kept in clear: the worker needs it to sign. It is shown to the partner once.
    secret: Mapped[str] = mapped_column(String(200))
    # After a rotation the old secret signs too, until it expires.
    previous_secret: Mapped[str | None] = mapped_column(String(200))
    previous_secret_expires_at: Mapped[datetime | None]
    # First failure of the current unbroken run of failures.
    failing_since: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]


class Delivery(Base):
    """One event to one endpoint: written with the change it announces."""

    __tablename__ = "deliveries"
    __table_args__ = (
        one_of("status", DELIVERY_STATUSES, "status"),
        one_of("event_type", (*EVENT_TYPES, TEST_EVENT), "event_type"),
        # The worker's claim query: due rows whose lease is over.
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_partner_created", "partner_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    # The webhook-id header: receivers dedupe on it.
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    # A worker owns the row until this time; after it, another may take it.
    lease_until: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    endpoint: Mapped[WebhookEndpoint] = relationship()
    attempt_log: Mapped[list["DeliveryAttempt"]] = relationship(
        back_populates="delivery", order_by="DeliveryAttempt.id"
    )


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None]
    duration_ms: Mapped[int] = mapped_column(default=0)
    response_excerpt: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text)

    delivery: Mapped[Delivery] = relationship(back_populates="attempt_log")
