"""What the platform tells one person: their own notifications, and how they want to hear of them."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from partnerhub.core.db import Base, JSONType, utcnow
from partnerhub.models._columns import one_of
from partnerhub.models.handoff import HandoffComment

NOTIFICATION_KINDS = (
    "lead_assigned",
    "sla_half_passed",
    "lead_expiring",
    "handoff_comment",
    "proposal_waiting",
    "flag_raised",
    "follow_up_due",
)
# How the notification travels by email: not at all, on its own, or in the person's daily digest.
EMAIL_STATES = ("none", "single", "digest")


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        one_of("kind", NOTIFICATION_KINDS, "kind"),
        one_of("email", EMAIL_STATES, "email"),
        # One notification per person, kind and occasion: a job run twice, or a request
        # retried, finds its notification already written.
        Index("uq_notifications_once", "user_id", "kind", "occasion", unique=True),
        # The bell counts the unread ones of a person.
        Index("ix_notifications_user_read", "user_id", "read_at"),
        Index("ix_notifications_email_pending", "email", "emailed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(30))
    # The object and the moment it is about, e.g. "handoff 12": the dedupe key within a kind.
    occasion: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    # {"subject": ..., "body": ...}: those given as Phrases (partnerhub.core.i18n.phrase_to_json), to
    # read in any language; NULL on older rows, which have only their English.
    words: Mapped[dict | None] = mapped_column(JSONType)
    # The page it is about, as a path (emails make it absolute).
    link: Mapped[str] = mapped_column(String(300), default="")
    # False when the person wants only the email of this kind: kept for the dedupe, not shown.
    in_app: Mapped[bool] = mapped_column(default=True)
    email: Mapped[str] = mapped_column(String(10), default="single")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]


class NotificationSettings(Base):
    """A person's choices; without a row every kind comes in the app and by email, one by one."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    # "kind:channel" pairs the person switched off, channel being "in_app" or "email".
    off: Mapped[list[str]] = mapped_column(JSONType, default=list)
    daily_digest: Mapped[bool] = mapped_column(default=False, server_default=false())


# The worker looks for the last day's comments to tell whose lead it is (partnerhub/people/notifications.py).
Index("ix_handoff_comments_created_at", HandoffComment.created_at)
