"""The balance of each partnership, both directions, and the chain-of-doubt funnel, read from rollups.

A period of N days is the cohorts of the last N UTC days, today included: the
handoffs sent in that window and every step they have reached since (see
rollups.py). Nothing here reads the handoffs table.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session

from partnerhub.exchange.rollups import COHORTS, COUNTED, FUNNEL, MONEY_COLUMNS, SUMMED, period, write_pending
from partnerhub.models import Handoff, HandoffRollup, Partner, Partnership
from partnerhub.models.handoff import OPEN_STATUSES
from partnerhub.models.partnership import CLOSED_PARTNERSHIP_STATUSES
from partnerhub.models.rollup import ACCEPT_BUCKET_HOURS, ACCEPT_BUCKETS

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
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTED, 0))
    # Money column -> currency -> amount; never adds two currencies together.
    money: dict[str, dict[str, Decimal]] = field(default_factory=lambda: {c: {} for c in MONEY_COLUMNS})
    accept_seconds: int = 0
    accept_histogram: tuple[int, ...] = (0,) * len(ACCEPT_BUCKETS)

    def add(self, currency: str, sums: Sequence) -> None:
        """Add one currency's sums, in the order of SUMMED."""
        values = dict(zip(SUMMED, sums, strict=True))
        for counter in COUNTED:
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
    # Whole days without a handoff either way, counted from its start when it never had one.
    days_quiet: int


def days_quiet(partnership: Partnership, last_handoff: date | None, today: date) -> int:
    """Whole UTC days since the last handoff either way, or since the partnership began if that is later."""
    quiet = (today - (partnership.activated_at or partnership.created_at).date()).days
    if last_handoff is not None:
        quiet = min(quiet, (today - last_handoff).days)
    return quiet


def last_handoff_days(session: Session, partnership_ids: list[int]) -> dict[int, date]:
    """The last cohort day with a handoff sent, per partnership.

    One MAX per direction, which the rollups' unique index (partnership, sender, day) answers
    from its end: a GROUP BY over the partnership read every day it ever had (4.8 ms for 20
    partnerships at a million handoffs).
    """
    if not partnership_ids:
        return {}
    write_pending(session)

    def last_sent_by(sender):
        return (
            select(func.max(HandoffRollup.day))
            .where(
                HandoffRollup.partnership_id == Partnership.id,
                HandoffRollup.from_partner_id == sender,
                HandoffRollup.sent > 0,
            )
            .scalar_subquery()
        )

    rows = session.execute(
        select(
            Partnership.id, last_sent_by(Partnership.proposer_id), last_sent_by(Partnership.responder_id)
        ).where(Partnership.id.in_(partnership_ids))
    )
    return {
        partnership_id: max(day for day in days if day is not None)
        for partnership_id, *days in rows
        if any(day is not None for day in days)
    }


_KEYS = (COHORTS.c.partnership_id, COHORTS.c.from_partner_id, COHORTS.c.to_partner_id, COHORTS.c.currency)
# Built once: constructing three dozen SUM()s costs more per request than running them.
_TOTALS = select(*_KEYS, *[func.sum(COHORTS.c[c]).label(c) for c in SUMMED]).group_by(*_KEYS)
# With the partnerships as a parameter, so the statement (and the cache key SQLAlchemy keeps on
# it) is built once, not walked afresh on every request.
_TOTALS_OF = _TOTALS.where(COHORTS.c.partnership_id.in_(bindparam("partnership_ids", expanding=True)))


def direction_totals(
    session: Session, *, start: date, partnership_ids: list[int] | None = None
) -> dict[tuple[int, int], Direction]:
    """Sum the rollups from `start` on, per (partnership id, sender id); all partnerships when none given."""
    write_pending(session)
    stmt, parameters = _TOTALS, period(start)
    if partnership_ids is not None:
        stmt, parameters = _TOTALS_OF, parameters | {"partnership_ids": partnership_ids}
    totals: dict[tuple[int, int], Direction] = {}
    for partnership_id, sender, receiver, currency, *sums in session.execute(stmt, parameters):
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
    me = session.get_one(Partner, partner_id)
    seen = {partnership_id for partnership_id, _sender in totals}
    last = last_handoff_days(session, [p.id for p in partnerships])
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
                days_quiet=days_quiet(partnership, last.get(partnership.id), now.date()),
            )
        )
    return balances


@dataclass
class Unpaid:
    """Rewards invoiced and not yet paid, whatever the period: how many, how much, since when."""

    count: int = 0
    amount: dict[str, Decimal] = field(default_factory=dict)
    oldest_invoiced_at: datetime | None = None

    def oldest_days(self, now: datetime) -> int | None:
        return None if self.oldest_invoiced_at is None else (now - self.oldest_invoiced_at).days


@dataclass
class NetPosition:
    """What the partner sent and got over the period, who owes whom, and what is invoiced but unpaid."""

    period_days: int
    sent: int
    received: int
    # Deal value won from the partner's leads by others, and by the partner from others' leads.
    won_from_yours: dict[str, Decimal]
    won_from_theirs: dict[str, Decimal]
    won_from_yours_count: int
    won_from_theirs_count: int
    # Invoiced minus paid, over the period's cohorts: others owe the partner, the partner owes others.
    rewards_owed_to_you: dict[str, Decimal]
    rewards_owed_by_you: dict[str, Decimal]
    # Every invoice still unpaid, oldest first counted, in either direction.
    unpaid_to_you: Unpaid
    unpaid_by_you: Unpaid
    # Handoffs waiting on the partner's reps now.
    open_received: int

    @property
    def net_owed(self) -> dict[str, Decimal]:
        """Per currency: positive when the others owe the partner more than it owes them."""
        currencies = set(self.rewards_owed_to_you) | set(self.rewards_owed_by_you)
        return {
            c: self.rewards_owed_to_you.get(c, Decimal(0)) - self.rewards_owed_by_you.get(c, Decimal(0))
            for c in sorted(currencies)
        }


# A handoff in one of these still asks the receiver's reps for work.


def _add(total: dict[str, Decimal], amounts: dict[str, Decimal]) -> None:
    for currency, amount in amounts.items():
        total[currency] = total.get(currency, Decimal(0)) + amount


def net_position(
    session: Session, *, partner_id: int, period_days: int, balances: list[PartnershipBalance]
) -> NetPosition:
    """The partner's net position over the period of `balances`, plus the unpaid invoices of any age.

    The period's numbers are the sums of the balance rows, so they agree with
    the table; unpaid invoices and open handoffs are two indexed reads on the
    handoffs' (partner, status) indexes.
    """
    won_from_yours: dict[str, Decimal] = {}
    won_from_theirs: dict[str, Decimal] = {}
    owed_to_you: dict[str, Decimal] = {}
    owed_by_you: dict[str, Decimal] = {}
    for row in balances:
        _add(won_from_yours, row.outgoing.money["deal_value"])
        _add(won_from_theirs, row.incoming.money["deal_value"])
        _add(owed_to_you, row.outgoing.rewards_owed)
        _add(owed_by_you, row.incoming.rewards_owed)
    open_received = session.scalar(
        select(func.count()).where(Handoff.to_partner_id == partner_id, Handoff.status.in_(OPEN_STATUSES))
    )
    return NetPosition(
        period_days=period_days,
        sent=sum(r.outgoing.sent for r in balances),
        received=sum(r.incoming.sent for r in balances),
        won_from_yours=won_from_yours,
        won_from_theirs=won_from_theirs,
        won_from_yours_count=sum(r.outgoing.counts["won"] for r in balances),
        won_from_theirs_count=sum(r.incoming.counts["won"] for r in balances),
        rewards_owed_to_you=owed_to_you,
        rewards_owed_by_you=owed_by_you,
        unpaid_to_you=_unpaid(session, Handoff.from_partner_id == partner_id),
        unpaid_by_you=_unpaid(session, Handoff.to_partner_id == partner_id),
        open_received=open_received or 0,
    )


def _unpaid(session: Session, side) -> Unpaid:
    unpaid = Unpaid()
    rows = session.execute(
        select(
            Handoff.currency,
            func.count(),
            func.sum(Handoff.reward_amount),
            func.min(Handoff.reward_invoiced_at),
        )
        .where(side, Handoff.status == "reward_invoiced")
        .group_by(Handoff.currency)
    )
    for currency, count, amount, oldest in rows:
        unpaid.count += count
        unpaid.amount[currency] = Decimal(amount or 0)
        if oldest is not None and (unpaid.oldest_invoiced_at is None or oldest < unpaid.oldest_invoiced_at):
            unpaid.oldest_invoiced_at = oldest
    return unpaid
