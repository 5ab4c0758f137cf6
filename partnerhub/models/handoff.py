"""A lead passed from one partner to another, and the history of every move it made."""

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnerhub.core.db import Base, JSONType, utcnow
from partnerhub.models._columns import one_of, search_key

if TYPE_CHECKING:
    from partnerhub.models.catalog import ProductLine
    from partnerhub.models.lead import Lead
    from partnerhub.models.partner import ApiClient, Partner, User
    from partnerhub.models.partnership import Partnership


HANDOFF_STATUSES = (
    "sent",
    "delivered",
    "accepted",
    "contacted",
    "won",
    "lost",
    "declined",
    "expired",
    "recalled",
    "reward_invoiced",
    "reward_paid",
    "rep_paid",
)
# Waiting for the receiver to take it: the SLA clock runs and the sender may still recall it.
AWAITING_ACCEPTANCE = ("sent", "delivered")
# Held and still being worked on: what counts against a receiver's capacity and a rep's load.
OPEN_STATUSES = ("sent", "delivered", "accepted", "contacted")
# A handoff in one of these no longer holds the lead: it may be routed again.
RELEASED_STATUSES = ("declined", "expired", "recalled")
ACTOR_TYPES = ("user", "client", "system")
# A decline saying "we already had this customer", checked against the receiver's customer list as it
# stood before the handoff was sent.
CUSTOMER_CLAIMS = ("confirmed", "not_confirmed")

_HOLDS_LEAD = "status NOT IN ('declined', 'expired', 'recalled')"
_WAITING = "status IN (" + ", ".join(f"'{status}'" for status in AWAITING_ACCEPTANCE) + ")"


class Handoff(Base):
    __tablename__ = "handoffs"
    __table_args__ = (
        one_of("status", HANDOFF_STATUSES, "status"),
        one_of("customer_claim", CUSTOMER_CLAIMS, "customer_claim"),
        CheckConstraint("from_partner_id <> to_partner_id", name="two_partners"),
        CheckConstraint("deal_value IS NULL OR deal_value >= 0", name="deal_value_not_negative"),
        # A partner never holds the same lead twice ... (and a search's matching leads find their
        # handoffs and both sides in this index alone)
        Index(
            "uq_handoffs_lead_to_partner",
            "lead_id",
            "to_partner_id",
            unique=True,
            postgresql_include=["from_partner_id", "id"],
        ),
        # ... and a lead is held by one partner at a time: two racing routings
        # of the same lead cannot both commit.
        Index(
            "uq_handoffs_lead_holder",
            "lead_id",
            unique=True,
            postgresql_where=text(_HOLDS_LEAD),
            sqlite_where=text(_HOLDS_LEAD),
        ),
        Index("ix_handoffs_to_status", "to_partner_id", "status"),
        Index("ix_handoffs_from_status", "from_partner_id", "status"),
        Index("ix_handoffs_partnership_sent", "partnership_id", "sent_at"),
        # A month's payout statement reads one partnership's handoffs won in the month.
        Index("ix_handoffs_partnership_won", "partnership_id", "won_at"),
        Index("ix_handoffs_status_sla", "status", "sla_due_at"),
        # The inbox's "waiting for you", soonest due first: read in order, twenty rows whatever the backlog.
        Index(
            "ix_handoffs_waiting",
            "to_partner_id",
            "sla_due_at",
            "id",
            postgresql_where=text(_WAITING),
            sqlite_where=text(_WAITING),
        ),
        # Each side's list, newest first.
        Index("ix_handoffs_to_id", "to_partner_id", "id"),
        Index("ix_handoffs_from_id", "from_partner_id", "id"),
        # Each rep's open load, counted at every assignment.
        Index("ix_handoffs_assignee_status", "assignee_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"))
    from_partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    to_partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    # The version of the partnership's terms in force when it was sent (None: the first): its reward
    # follows them, not later amendments.
    terms_version: Mapped[int | None]
    product_line_id: Mapped[int | None] = mapped_column(ForeignKey("product_lines.id"))
    passed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The receiver's rep who owns it; null while the receiver has no rep to give it to.
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime | None]
    warmup_note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="sent")
    # Bumped on every move and change of hands; webhooks carry it so receivers can order what
    # arrives unordered.
    version: Mapped[int] = mapped_column(default=1)

    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    contacted_at: Mapped[datetime | None]
    won_at: Mapped[datetime | None]
    lost_at: Mapped[datetime | None]
    declined_at: Mapped[datetime | None]
    expired_at: Mapped[datetime | None]
    recalled_at: Mapped[datetime | None]
    reward_invoiced_at: Mapped[datetime | None]
    reward_paid_at: Mapped[datetime | None]
    rep_paid_at: Mapped[datetime | None]
    sla_due_at: Mapped[datetime | None]

    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    deal_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    reward_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    rep_share_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    # Why it was lost or declined.
    reason: Mapped[str | None] = mapped_column(Text)
    # One of CUSTOMER_CLAIMS when declined as an existing customer; None otherwise.
    customer_claim: Mapped[str | None] = mapped_column(String(20))

    # The routing decision, kept so it can always be explained.
    score_total: Mapped[float | None]
    score_parts: Mapped[dict] = mapped_column(JSONType, default=dict)
    runners_up: Mapped[list[dict]] = mapped_column(JSONType, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    lead: Mapped["Lead"] = relationship(back_populates="handoffs", foreign_keys=[lead_id])
    from_partner: Mapped["Partner"] = relationship(foreign_keys=[from_partner_id])
    to_partner: Mapped["Partner"] = relationship(foreign_keys=[to_partner_id])
    partnership: Mapped["Partnership"] = relationship()
    product_line: Mapped["ProductLine | None"] = relationship()
    assignee: Mapped["User | None"] = relationship(foreign_keys=[assignee_id])
    events: Mapped[list["HandoffEvent"]] = relationship(back_populates="handoff", order_by="HandoffEvent.id")
    # The leads its customer referred, once won (leads.referred_from_handoff_id).
    referrals: Mapped[list["Lead"]] = relationship(
        foreign_keys="Lead.referred_from_handoff_id", order_by="Lead.id", viewonly=True
    )


class HandoffEvent(Base):
    """Append-only: one row per accepted move, never updated."""

    __tablename__ = "handoff_events"
    __table_args__ = (one_of("actor_type", ACTOR_TYPES, "actor_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_type: Mapped[str] = mapped_column(String(10))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_client_id: Mapped[int | None] = mapped_column(ForeignKey("api_clients.id"))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    handoff: Mapped[Handoff] = relationship(back_populates="events")


class HandoffComment(Base):
    """A message between the two sides of a handoff, by a person or a partner's system."""

    __tablename__ = "handoff_comments"
    __table_args__ = (
        CheckConstraint("(author_user_id IS NULL) <> (author_client_id IS NULL)", name="one_author"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id"), index=True)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_client_id: Mapped[int | None] = mapped_column(ForeignKey("api_clients.id"))
    # The author's partner: one of the handoff's two sides.
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    handoff: Mapped[Handoff] = relationship()
    author_user: Mapped["User | None"] = relationship()
    author_client: Mapped["ApiClient | None"] = relationship()
    partner: Mapped["Partner"] = relationship()


# A search key's kind: the contact's name, company or email, as search compares text; or its phone's digits.
SEARCH_KEY_KINDS = ("text", "phone")


class HandoffSearchKey(Base):
    """A beginning a partner finds one of its handoffs by: a contact key of the handoff's lead, kept
    for each side (partnerhub/exchange/search_keys.py)."""

    __tablename__ = "handoff_search_keys"
    __table_args__ = (one_of("kind", SEARCH_KEY_KINDS, "kind"),)

    # The key is the primary key's order: a partner's matches for a beginning are one range of it.
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(5), primary_key=True)
    key: Mapped[str] = mapped_column(search_key(320), primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"), primary_key=True)
