"""Daily aggregates of handoffs per partnership and direction, kept with every move."""

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Index, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from partnerhub.core.db import Base

# Upper bounds, in hours, of the time-to-accept histogram; the last bucket is open.
ACCEPT_BUCKET_HOURS = (1, 2, 4, 8, 12, 24, 48, 72, 120, 168, 336)
ACCEPT_BUCKETS = (*(f"accepted_within_{h}h" for h in ACCEPT_BUCKET_HOURS), "accepted_later")


def _counter() -> Mapped[int]:
    return mapped_column(default=0, server_default="0")


def _money() -> Mapped[Decimal]:
    return mapped_column(Numeric(16, 2), default=Decimal(0), server_default="0")


class Cohort:
    """What a rollup row counts of its cohort: the direction, the currency, a counter per step and
    the amounts; a daily row (HandoffRollup) and a monthly one (HandoffRollupMonth) alike."""

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    from_partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    to_partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    currency: Mapped[str] = mapped_column(String(3))

    sent: Mapped[int] = _counter()
    delivered: Mapped[int] = _counter()
    accepted: Mapped[int] = _counter()
    contacted: Mapped[int] = _counter()
    won: Mapped[int] = _counter()
    lost: Mapped[int] = _counter()
    declined: Mapped[int] = _counter()
    expired: Mapped[int] = _counter()
    recalled: Mapped[int] = _counter()
    reward_invoiced: Mapped[int] = _counter()
    reward_paid: Mapped[int] = _counter()
    rep_paid: Mapped[int] = _counter()
    # Leads the cohort's won customers referred to the receiver (leads.referred_from_handoff_id).
    referrals: Mapped[int] = _counter()

    deal_value: Mapped[Decimal] = _money()
    rewards_invoiced: Mapped[Decimal] = _money()
    rewards_paid: Mapped[Decimal] = _money()
    rep_shares_paid: Mapped[Decimal] = _money()

    # Whole seconds from sent to accepted, summed over `accepted` handoffs.
    accept_seconds: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    accepted_within_1h: Mapped[int] = _counter()
    accepted_within_2h: Mapped[int] = _counter()
    accepted_within_4h: Mapped[int] = _counter()
    accepted_within_8h: Mapped[int] = _counter()
    accepted_within_12h: Mapped[int] = _counter()
    accepted_within_24h: Mapped[int] = _counter()
    accepted_within_48h: Mapped[int] = _counter()
    accepted_within_72h: Mapped[int] = _counter()
    accepted_within_120h: Mapped[int] = _counter()
    accepted_within_168h: Mapped[int] = _counter()
    accepted_within_336h: Mapped[int] = _counter()
    accepted_later: Mapped[int] = _counter()


def _keys_and_indexes(table: str, when: str) -> tuple:
    """A rollup table's key (one row a cohort) and indexes, `when` being its day or month column."""
    return (
        UniqueConstraint("partnership_id", "from_partner_id", when, "currency"),
        # A receiver's handoffs from every sender (overloaded, agent_like).
        Index(f"ix_{table}_to_{when}", "to_partner_id", when),
        # The won business of the partners a flag may name beside the one asking (agent_like), read
        # from the index alone on PostgreSQL: a row enters it when its first handoff is won, so
        # intake never writes it, and a later count of another step leaves it be (a HOT update).
        Index(
            f"ix_{table}_won",
            "to_partner_id",
            when,
            postgresql_include=["from_partner_id", "currency", "won", "deal_value"],
            postgresql_where=text("won > 0"),
            sqlite_where=text("won > 0"),
        ),
        # The flag refresh reads one period of every partnership.
        Index(f"ix_{table}_{when}", when),
    )


class HandoffRollup(Cohort, Base):
    """One cohort: the handoffs of one direction of a partnership sent on one UTC day, in one currency.

    Every counter counts handoffs of the cohort that ever reached that step, on
    the cohort's row (the day the handoff was sent), so a period's funnel never
    counts a step of a handoff it does not count as sent.
    """

    __tablename__ = "handoff_rollups"
    __table_args__ = _keys_and_indexes("handoff_rollups", "day")

    day: Mapped[date]


class HandoffRollupMonth(Cohort, Base):
    """The daily cohorts of one calendar month summed, kept with every move beside them: a period
    reads its whole months here and only the days before its first whole month from the daily
    rows, 13 rows a direction for a year rather than up to 365 (partnerhub/exchange/rollups.py)."""

    __tablename__ = "handoff_rollup_months"
    __table_args__ = _keys_and_indexes("handoff_rollup_months", "month")

    # The month's first day.
    month: Mapped[date]
