"""Emails to people: written in the transaction that causes them, sent by the worker."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from partnerhub.core.db import Base, utcnow


class Email(Base):
    """One message to one address, kept after sending: the outbox and the record of what went out."""

    __tablename__ = "emails"
    __table_args__ = (Index("ix_emails_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(320), index=True)
    # What the email is for (invitation, password_reset, notice, ...): a filter for the admin's list.
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None once the server refused the address for good: no more attempts.
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None]
