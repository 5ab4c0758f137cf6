"""After-sale follow-ups: the calls a won handoff's receiving rep makes on the customer, day by day."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnerhub.core.db import Base, utcnow
from partnerhub.models._columns import one_of

if TYPE_CHECKING:
    from partnerhub.models.handoff import Handoff

# "due" is scheduled and not done yet, whatever its date: the date says whether it is late.
FOLLOW_UP_STATUSES = ("due", "done", "skipped")
FOLLOW_UP_OUTCOMES = ("satisfied", "issue", "referral")


class FollowUp(Base):
    __tablename__ = "follow_ups"
    __table_args__ = (
        one_of("status", FOLLOW_UP_STATUSES, "status"),
        one_of("outcome", FOLLOW_UP_OUTCOMES, "outcome"),
        # An outcome says how a done follow-up went; nothing else has one.
        CheckConstraint("(status = 'done') = (outcome IS NOT NULL)", name="outcome_when_done"),
        # A win schedules each day once, however often it is replayed.
        UniqueConstraint("handoff_id", "day"),
        # Each side's list, newest first, and the worker's look for what fell due.
        Index("ix_follow_ups_to_id", "to_partner_id", "id"),
        Index("ix_follow_ups_from_id", "from_partner_id", "id"),
        Index("ix_follow_ups_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id"))
    # The handoff's two sides, kept here so each side's list reads its own index.
    from_partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    to_partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    # Days after the win; the partnership's terms say which.
    day: Mapped[int]
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default="due")
    outcome: Mapped[str | None] = mapped_column(String(10))
    done_at: Mapped[datetime | None]
    done_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # When the worker told its rep it fell due: it looks only at those it has not told yet.
    notified_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    handoff: Mapped["Handoff"] = relationship()
