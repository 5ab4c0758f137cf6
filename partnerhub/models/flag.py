"""Flags raised on partner pairs, and the thresholds admins tune them with."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from partnerhub.core.db import Base, JSONType, utcnow
from partnerhub.models._columns import one_of

FLAG_KINDS = ("size_mismatch", "one_sided", "overloaded", "dormant", "agent_like", "leaky")
# What happened to a flag: the rules raised it, changed its numbers or cleared it; a manager acknowledged it.
FLAG_ACTIONS = ("raised", "changed", "cleared", "acknowledged")

_RAISED = "cleared_at IS NULL"


class Flag(Base):
    """A flag of one period while it is raised; clearing keeps the row as history."""

    __tablename__ = "flags"
    __table_args__ = (
        one_of("kind", FLAG_KINDS, "kind"),
        # One raised flag of a kind per subject and period, so raising it again emits nothing.
        Index(
            "uq_flags_raised",
            "kind",
            "subject_key",
            "period_days",
            unique=True,
            postgresql_where=text(_RAISED),
            sqlite_where=text(_RAISED),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    # The pair "a:b" (or a single partner id) the flag is about.
    subject_key: Mapped[str] = mapped_column(String(50))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    other_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    numbers: Mapped[dict] = mapped_column(JSONType, default=dict)
    # The sentence in English, and as a Phrase (partnerhub.core.i18n.phrase_to_json) to read in any language.
    sentence: Mapped[str] = mapped_column(Text)
    words: Mapped[dict | None] = mapped_column(JSONType)
    # The cohort window the numbers are counted over: each period shown has its own flags.
    period_days: Mapped[int] = mapped_column(default=90, server_default="90")
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    cleared_at: Mapped[datetime | None]


class FlagEvent(Base):
    """Append-only history of a flag: raised, numbers changed, acknowledged (with a note), cleared."""

    __tablename__ = "flag_events"
    __table_args__ = (one_of("action", FLAG_ACTIONS, "action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flags.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(20))
    # Who acknowledged: the partner it is acknowledged for, and its manager.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    # The numbers and sentence at that moment: an acknowledgement holds while they stay the same.
    numbers: Mapped[dict] = mapped_column(JSONType, default=dict)
    sentence: Mapped[str] = mapped_column(Text, default="")
    words: Mapped[dict | None] = mapped_column(JSONType)
    snooze_until: Mapped[datetime | None]


class Setting(Base):
    """A tunable number (a flag threshold, a routing weight) with its value."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[float]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
