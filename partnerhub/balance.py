"""The balance of each partnership, both directions, and the chain-of-doubt funnel, read from rollups.

A period of N days is the cohorts of the last N UTC days, today included: the
handoffs sent in that window and every step they have reached since (see
rollups.py). Nothing here reads the handoffs table.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from partnerhub.models import HandoffRollup, Partner, Partnership
from partnerhub.models.partnership import CLOSED_PARTNERSHIP_STATUSES
from partnerhub.models.rollup import ACCEPT_BUCKET_HOURS, ACCEPT_BUCKETS
from partnerhub.rollups import COUNTERS, FUNNEL, write_pending

MONEY_COLUMNS = ("deal_value", "rewards_invoiced", "rewards_paid", "rep_shares_paid")
DEFAULT_PERIOD_DAYS = 90


def period_start(now: datetime, period_days: int) -> date:
    """The first cohort day of a period of `period_days` days ending today."""
    return now.date() - timedelta(days=period_days - 1)


def ratio(part: int | Decimal, whole: int | Decimal) -> float | None:
    return round(float(part) / float(whole), 4) if whole else None


def median_hours(histogram: tuple[int, ...]) -> float | None:
    """The median time to accept, in hours, read from the histogram by linear interpolation.

    Within a bucket the values are taken as evenly spread; in the open last
    bucket the median is reported as its lower bound.
    """
    total = sum(histogram)
    if not total:
        return None
    half = total / 2
    below = 0
    lower = 0.0
    for upper, count in zip((*ACCEPT_BUCKET_HOURS, None), histogram, strict=True):
        if count and below + count >= half:
            if upper is None:
                return lower
            return round(lower + (upper - lower) * (half - below) / count, 2)
        below += count
        lower = float(upper) if upper is not None else lower
    return lower


@dataclass(frozen=True)
class FunnelLink:
    stage: str
    count: int
    # How many of the previous stage did not reach this one.
    drop: int
    drop_rate: float | None


@dataclass
class Direction:
    """One direction of a partnership over a period: what the sender sent and what became of it."""

    from_partner_id: int
    to_partner_id: int
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    # Money column -> currency -> amount; never adds two currencies together.
    money: dict[str, dict[str, Decimal]] = field(default_factory=lambda: {c: {} for c in MONEY_COLUMNS})
    accept_seconds: int = 0
    accept_histogram: tuple[int, ...] = (0,) * len(ACCEPT_BUCKETS)

    def add(self, currency: str, sums: tuple) -> None:
        """Add one currency's sums, in the order of SUM_COLUMNS."""
        values = dict(zip(SUM_COLUMNS, sums, strict=True))
        for counter in COUNTERS:
            self.counts[counter] += values[counter]
        for column in MONEY_COLUMNS:
            by_currency = self.money[column]
            by_currency[currency] = by_currency.get(currency, Decimal(0)) + values[column]
        self.accept_seconds += values["accept_seconds"]
        self.accept_histogram = tuple(
            a + values[b] for a, b in zip(self.accept_histogram, ACCEPT_BUCKETS, strict=True)
        )

    @property
    def sent(self) -> int:
        return self.counts["sent"]

    @property
    def rewards_owed(self) -> dict[str, Decimal]:
        paid = self.money["rewards_paid"]
        return {
            cur: amount - paid.get(cur, Decimal(0)) for cur, amount in self.money["rewards_invoiced"].items()
        }

    @property
    def median_hours_to_accept(self) -> float | None:
        return median_hours(self.accept_histogram)

    @property
    def conversion_rate(self) -> float | None:
        return ratio(self.counts["won"], self.sent)

    @property
    def accept_rate(self) -> float | None:
        return ratio(self.counts["accepted"], self.sent)

    @property
    def expiry_rate(self) -> float | None:
        return ratio(self.counts["expired"], self.sent)

    @property
    def funnel(self) -> list[FunnelLink]:
        links = []
        previous = None
        for stage in FUNNEL:
            count = self.counts[stage]
            drop = previous - count if previous is not None else 0
            links.append(FunnelLink(stage, count, drop, ratio(drop, previous) if previous else None))
            previous = count
        return links


def combined(directions: list["Direction"], *, from_partner_id: int, to_partner_id: int = 0) -> "Direction":
    """Several directions added into one: a partner's whole outgoing exchange, for its funnel."""
    total = Direction(from_partner_id, to_partner_id)
    for d in directions:
        for counter, count in d.counts.items():
            total.counts[counter] += count
        for column, by_currency in d.money.items():
            for currency, amount in by_currency.items():
                total.money[column][currency] = total.money[column].get(currency, Decimal(0)) + amount
        total.accept_seconds += d.accept_seconds
        total.accept_histogram = tuple(
            a + b for a, b in zip(total.accept_histogram, d.accept_histogram, strict=True)
        )
    return total


@dataclass
class PartnershipBalance:
    partnership: Partnership
    partner: Partner
    other: Partner
    period_days: int
    outgoing: Direction
    incoming: Direction


_KEYS = (
    HandoffRollup.partnership_id,
    HandoffRollup.from_partner_id,
    HandoffRollup.to_partner_id,
    HandoffRollup.currency,
)
# Built once: constructing three dozen SUM()s costs more per request than running them.
SUM_COLUMNS = (*COUNTERS, *MONEY_COLUMNS, "accept_seconds", *ACCEPT_BUCKETS)
_SUMS = [func.sum(HandoffRollup.__table__.c[c]).label(c) for c in SUM_COLUMNS]


def direction_totals(
    session: Session, *, start: date, partnership_ids: list[int] | None = None
) -> dict[tuple[int, int], Direction]:
    """Sum the rollups from `start` on, per (partnership id, sender id); all partnerships when none given."""
    write_pending(session)
    stmt = select(*_KEYS, *_SUMS).where(HandoffRollup.day >= start).group_by(*_KEYS)
    if partnership_ids is not None:
        stmt = stmt.where(HandoffRollup.partnership_id.in_(partnership_ids))
    totals: dict[tuple[int, int], Direction] = {}
    for partnership_id, sender, receiver, currency, *sums in session.execute(stmt):
        key = (partnership_id, sender)
        if key not in totals:
            totals[key] = Direction(sender, receiver)
        totals[key].add(currency, sums)
    return totals


def balance_of(
    session: Session, *, partner_id: int, now: datetime, period_days: int = DEFAULT_PERIOD_DAYS
) -> list[PartnershipBalance]:
    """The balance of every partnership of the partner that is living or saw handoffs in the period."""
    partnerships = session.scalars(
        select(Partnership)
        .where(or_(Partnership.proposer_id == partner_id, Partnership.responder_id == partner_id))
        .order_by(Partnership.id)
    ).all()
    totals = direction_totals(
        session, start=period_start(now, period_days), partnership_ids=[p.id for p in partnerships]
    )
    other_ids = {p.other_side(partner_id) for p in partnerships}
    others = {p.id: p for p in session.scalars(select(Partner).where(Partner.id.in_(other_ids)))}
    me = session.get(Partner, partner_id)
    seen = {partnership_id for partnership_id, _sender in totals}
    balances = []
    for partnership in partnerships:
        if partnership.status in CLOSED_PARTNERSHIP_STATUSES and partnership.id not in seen:
            continue
        other_id = partnership.other_side(partner_id)
        balances.append(
            PartnershipBalance(
                partnership=partnership,
                partner=me,
                other=others[other_id],
                period_days=period_days,
                outgoing=totals.get((partnership.id, partner_id)) or Direction(partner_id, other_id),
                incoming=totals.get((partnership.id, other_id)) or Direction(other_id, partner_id),
            )
        )
    return balances
