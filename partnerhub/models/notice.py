"""Messages the platform leaves for a partner's people: reminders, digests, warnings."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from partnerhub.core.db import Base, JSONType, utcnow


class Notice(Base):
    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_partner_created", "partner_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    # Who should read it: the partner's managers, reps, or everyone.
    audience: Mapped[str] = mapped_column(String(20), default="manager")
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    # {"subject": ..., "body": ...}: those given as Phrases (partnerhub.core.i18n.parts_to_json), to
    # read in any language; NULL on older rows, which have only their English.
    words: Mapped[dict | None] = mapped_column(JSONType)
    data: Mapped[dict] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]
