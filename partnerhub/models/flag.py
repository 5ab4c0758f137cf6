"""Flags raised on partner pairs, and the thresholds admins tune them with."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from partnerhub.db import Base, JSONType, utcnow
from partnerhub.models._columns import one_of

FLAG_KINDS = ("size_mismatch", "one_sided", "overloaded", "dormant", "agent_like", "leaky")

_RAISED = "cleared_at IS NULL"


class Flag(Base):
    """A flag while it is raised; clearing keeps the row as history."""

    __tablename__ = "flags"
    __table_args__ = (
        one_of("kind", FLAG_KINDS, "kind"),
        # One raised flag of a kind per subject, so raising it again emits nothing.
        Index(
            "uq_flags_raised",
            "kind",
            "subject_key",
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
    sentence: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    cleared_at: Mapped[datetime | None]


class Setting(Base):
    """A tunable number (a flag threshold, a routing weight) with its value."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[float]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
