"""Two partners who agreed to exchange leads, and the terms of that exchange."""

import json
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnerhub.core.db import Base, JSONType, utcnow
from partnerhub.models._columns import one_of

if TYPE_CHECKING:
    from partnerhub.models.partner import Partner


PARTNERSHIP_STATUSES = ("proposed", "active", "paused", "ended", "declined")
CLOSED_PARTNERSHIP_STATUSES = ("ended", "declined")
REWARD_TYPES = ("percent", "fixed")
# A proposed amendment of the terms: the other side accepts or declines it, or its proposer withdraws it.
TERMS_STATUSES = ("proposed", "accepted", "declined", "withdrawn")
TERMS_FIELDS = (
    "reward_type",
    "reward_value",
    "currency",
    "rep_share_percent",
    "accept_sla_hours",
    "monthly_cap",
    "follow_up_days",
)
# After-sale follow-ups a win schedules, in days after it (DOMAIN.md: 7, 14, 30, 60 are common).
DEFAULT_FOLLOW_UP_DAYS = (7, 14, 30, 60)


def _follow_up_days() -> Mapped[list[int]]:
    # The server's default too, so a row written without the column (a bulk load) gets the rhythm.
    return mapped_column(
        JSONType,
        default=lambda: list(DEFAULT_FOLLOW_UP_DAYS),
        server_default=text("'" + json.dumps(list(DEFAULT_FOLLOW_UP_DAYS)) + "'"),
    )


_OPEN = "status NOT IN ('ended', 'declined')"


class Partnership(Base):
    __tablename__ = "partnerships"
    __table_args__ = (
        one_of("status", PARTNERSHIP_STATUSES, "status"),
        one_of("reward_type", REWARD_TYPES, "reward_type"),
        CheckConstraint("proposer_id <> responder_id", name="two_partners"),
        CheckConstraint("reward_value >= 0", name="reward_not_negative"),
        CheckConstraint("rep_share_percent >= 0 AND rep_share_percent <= 100", name="rep_share_range"),
        CheckConstraint("accept_sla_hours > 0", name="sla_positive"),
        CheckConstraint("monthly_cap IS NULL OR monthly_cap > 0", name="cap_positive"),
        # At most one living partnership per pair, whoever proposed it.
        Index(
            "uq_partnerships_open_pair",
            "pair_key",
            unique=True,
            postgresql_where=text(_OPEN),
            sqlite_where=text(_OPEN),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposer_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    responder_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    # "smaller id:larger id", so the pair is the same in either direction.
    pair_key: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    reward_type: Mapped[str] = mapped_column(String(10), default="percent")
    reward_value: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("10"))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    rep_share_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("20"))
    accept_sla_hours: Mapped[int] = mapped_column(default=48)
    monthly_cap: Mapped[int | None]
    follow_up_days: Mapped[list[int]] = _follow_up_days()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    # The version of the terms in force (PartnershipTerms.version); amendments raise it.
    terms_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Who paused it: only that side may resume.
    paused_by_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    # Each side's consent to count the customers both lists hold (partnerhub/customers/lists.py): the count
    # is shown, and weighs in suggestions, only while both consent.
    proposer_shares_overlap: Mapped[bool] = mapped_column(default=False, server_default=false())
    responder_shares_overlap: Mapped[bool] = mapped_column(default=False, server_default=false())

    proposer: Mapped["Partner"] = relationship(foreign_keys=[proposer_id])
    responder: Mapped["Partner"] = relationship(foreign_keys=[responder_id])

    @staticmethod
    def key_for(a: int, b: int) -> str:
        return f"{min(a, b)}:{max(a, b)}"

    def other_side(self, partner_id: int) -> int:
        return self.responder_id if partner_id == self.proposer_id else self.proposer_id

    def involves(self, partner_id: int) -> bool:
        return partner_id in (self.proposer_id, self.responder_id)

    def shares_overlap(self, partner_id: int) -> bool:
        """Whether `partner_id`'s side consents to count the customers both lists hold."""
        if partner_id == self.proposer_id:
            return self.proposer_shares_overlap
        return self.responder_shares_overlap

    @property
    def overlap_shared(self) -> bool:
        return self.proposer_shares_overlap and self.responder_shares_overlap


class PartnershipTerms(Base):
    """One version of a partnership's terms: the first ones, and every amendment proposed since.

    The partnership row holds the terms in force; this keeps how they came to be,
    and each handoff points at the version it was made under.
    """

    __tablename__ = "partnership_terms"
    __table_args__ = (
        UniqueConstraint("partnership_id", "version"),
        one_of("status", TERMS_STATUSES, "status"),
        one_of("reward_type", REWARD_TYPES, "reward_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    reward_type: Mapped[str] = mapped_column(String(10))
    reward_value: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    rep_share_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    accept_sla_hours: Mapped[int]
    monthly_cap: Mapped[int | None]
    follow_up_days: Mapped[list[int]] = _follow_up_days()
    note: Mapped[str] = mapped_column(Text, default="")
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    proposed_by: Mapped["Partner"] = relationship()
