"""The audit log: what operators, managers and partner systems did, never changed afterwards."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from partnerhub.core.db import Base, JSONType, utcnow
from partnerhub.core.errors import NotAllowed


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_partner_at", "partner_id", "at"),
        Index("ix_audit_entries_action_at", "action", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Who: a person, a partner system's client, or the platform (CLI, jobs); the label keeps the
    # name as it was, so the entry still reads right after the person is renamed or removed.
    actor_type: Mapped[str] = mapped_column(String(20))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_client_id: Mapped[int | None] = mapped_column(ForeignKey("api_clients.id"))
    actor_label: Mapped[str] = mapped_column(String(400))
    # The company the action concerns, so its managers see it; None for platform-wide changes.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(400), default="")
    details: Mapped[dict] = mapped_column(JSONType, default=dict)
    # From where: the address of the request, "cli" or "worker".
    origin: Mapped[str] = mapped_column(String(100), default="")


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, flush_context, instances) -> None:
    for obj in session.deleted:
        if isinstance(obj, AuditEntry):
            raise NotAllowed("The audit log is append-only: an entry is never removed.")
    for obj in session.dirty:
        if isinstance(obj, AuditEntry) and session.is_modified(obj):
            raise NotAllowed("The audit log is append-only: an entry is never changed.")
