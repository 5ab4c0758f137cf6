"""Payout statements: what a month's won deals owe, per partnership, line by line and in total.

A month's statement holds the handoffs *won* in that UTC month: the month a
reward became due is the month an accountant files it under. Every line
carries the reward and rep share fixed when the deal was won, and how far the
payment got (invoiced, paid, the rep's share paid). Totals are per currency
and direction, never adding two currencies. Reads the handoffs on the
(partnership_id, won_at) index; the month's summary of every partnership is
one GROUP BY over the same index.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from partnerhub.core.errors import InvalidInput, NotFound
from partnerhub.core.i18n import N_, phrase
from partnerhub.models import Handoff, Lead, Partner, Partnership, User

# Years 1000 to 9998 in ASCII digits: a month's start and the next month's are then dates Python holds
# (year 0 or the month after 9999-12 raised), and the API states this very pattern.
MONTH = re.compile(r"^(1[0-9]{3}|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-(0[1-9]|1[0-2])$")
BATCH = 1000
ZERO = Decimal(0)


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str, *, field_name: str = "month") -> "Month":
        match = MONTH.match(text or "")
        if match is None:
            raise InvalidInput({field_name: [N_("must be a month as YYYY-MM, such as 2026-11")]})
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, moment: datetime) -> "Month":
        return cls(moment.year, moment.month)

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return datetime(self.year + self.month // 12, self.month % 12 + 1, 1, tzinfo=UTC)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def title(self) -> str:
        return self.start.strftime("%B %Y")


@dataclass(frozen=True)
class Line:
    """One won handoff of the month, as both sides of the partnership see it."""

    handoff_id: int
    lead_id: int
    buyer: str
    from_partner_id: int
    sent_by: str
    received_by: str
    rep: str
    status: str
    currency: str
    deal_value: Decimal
    reward: Decimal
    rep_share: Decimal
    sent_at: datetime
    won_at: datetime
    reward_invoiced_at: datetime | None
    reward_paid_at: datetime | None
    rep_paid_at: datetime | None


@dataclass
class Totals:
    """Sums of one direction and currency: what the sender's leads won and what the receiver owes for them."""

    won: int = 0
    deal_value: Decimal = ZERO
    rewards: Decimal = ZERO
    rep_shares: Decimal = ZERO
    rewards_invoiced: Decimal = ZERO
    rewards_paid: Decimal = ZERO
    rep_shares_paid: Decimal = ZERO

    def add(self, line: Line) -> None:
        self.won += 1
        self.deal_value += line.deal_value
        self.rewards += line.reward
        self.rep_shares += line.rep_share
        # A later step implies the earlier ones, as in the rollups: a paid reward was invoiced.
        if line.reward_invoiced_at or line.reward_paid_at or line.rep_paid_at:
            self.rewards_invoiced += line.reward
        if line.reward_paid_at or line.rep_paid_at:
            self.rewards_paid += line.reward
        if line.rep_paid_at:
            self.rep_shares_paid += line.rep_share

    @property
    def rewards_unpaid(self) -> Decimal:
        return self.rewards - self.rewards_paid


@dataclass
class Statement:
    # None for a rep's own statement, which spans the partnerships the rep sent leads into.
    partnership: Partnership | None
    month: Month
    # Whose statement: the partner the "to you / by you" words speak for.
    partner: Partner
    other: Partner | None
    rep: User | None = None
    # (sender id, currency) -> totals; filled as the lines are read.
    totals: dict[tuple[int, str], Totals] = field(default_factory=dict)

    def add(self, line: Line) -> Line:
        self.totals.setdefault((line.from_partner_id, line.currency), Totals()).add(line)
        return line


def _statement_query(month: Month, *, partnership_id: int | None = None, rep_id: int | None = None):
    sender, receiver = aliased(Partner), aliased(Partner)
    stmt = (
        select(
            Handoff.id,
            Handoff.lead_id,
            Lead.contact_name,
            Handoff.from_partner_id,
            sender.name,
            receiver.name,
            func.coalesce(User.name, ""),
            Handoff.status,
            Handoff.currency,
            func.coalesce(Handoff.deal_value, 0),
            func.coalesce(Handoff.reward_amount, 0),
            func.coalesce(Handoff.rep_share_amount, 0),
            Handoff.sent_at,
            Handoff.won_at,
            Handoff.reward_invoiced_at,
            Handoff.reward_paid_at,
            Handoff.rep_paid_at,
        )
        .join(Lead, Lead.id == Handoff.lead_id)
        .join(sender, sender.id == Handoff.from_partner_id)
        .join(receiver, receiver.id == Handoff.to_partner_id)
        .outerjoin(User, User.id == Handoff.passed_by_user_id)
        .where(Handoff.won_at >= month.start, Handoff.won_at < month.end)
        .order_by(Handoff.won_at, Handoff.id)
        .execution_options(yield_per=BATCH)
    )
    if partnership_id is not None:
        stmt = stmt.where(Handoff.partnership_id == partnership_id)
    if rep_id is not None:
        stmt = stmt.where(Handoff.passed_by_user_id == rep_id)
    return stmt


def _lines(session: Session, stmt) -> Iterator[Line]:
    for row in session.execute(stmt):
        values = list(row)
        for i in (9, 10, 11):
            values[i] = Decimal(values[i])
        yield Line(*values)


def statement_of(
    session: Session, *, partner_id: int, partnership_id: int, month: Month
) -> tuple[Statement, Iterator[Line]]:
    """A partnership's statement of the month for either side, and its lines to read once, oldest win first.

    The statement's totals fill as the lines are read, so a 10,000-line month
    is streamed, never held.
    """
    partnership = session.get(Partnership, partnership_id)
    if partnership is None or not partnership.involves(partner_id):
        raise NotFound(phrase("No partnership %(id)s.", id=str(partnership_id)))
    statement = Statement(
        partnership=partnership,
        month=month,
        partner=session.get_one(Partner, partner_id),
        other=session.get(Partner, partnership.other_side(partner_id)),
    )
    lines = _lines(session, _statement_query(month, partnership_id=partnership_id))
    return statement, (statement.add(line) for line in lines)


def rep_statement(session: Session, *, rep: User, month: Month) -> tuple[Statement, Iterator[Line]]:
    """A rep's own statement: the deals won from the leads they passed, and their share of each reward."""
    partner = session.get_one(Partner, rep.partner_id)
    statement = Statement(partnership=None, month=month, partner=partner, other=None, rep=rep)
    lines = _lines(session, _statement_query(month, rep_id=rep.id))
    return statement, (statement.add(line) for line in lines)


@dataclass(frozen=True)
class SummaryRow:
    """One partnership and currency of a month, from the caller's side."""

    partnership_id: int
    other: Partner
    currency: str
    won_from_yours: int
    won_from_theirs: int
    deal_value_from_yours: Decimal
    deal_value_from_theirs: Decimal
    rewards_owed_to_you: Decimal
    rewards_owed_by_you: Decimal
    rep_shares: Decimal
    rewards_invoiced_to_them: Decimal
    rewards_invoiced_to_you: Decimal
    rewards_paid_to_you: Decimal
    rewards_paid_by_you: Decimal
    rep_shares_paid: Decimal

    @property
    def won(self) -> int:
        return self.won_from_yours + self.won_from_theirs

    @property
    def deal_value(self) -> Decimal:
        return self.deal_value_from_yours + self.deal_value_from_theirs


def month_summary(session: Session, *, partner_id: int, month: Month) -> list[SummaryRow]:
    """One row per partnership and currency with a deal won in the month, from the partner's side."""
    mine = Handoff.from_partner_id == partner_id
    paid = or_(Handoff.reward_paid_at.is_not(None), Handoff.rep_paid_at.is_not(None))
    invoiced = or_(Handoff.reward_invoiced_at.is_not(None), paid)
    reward = func.coalesce(Handoff.reward_amount, 0)

    def total(condition, amount=None):
        if amount is None:
            return func.sum(case((condition, 1), else_=0))
        return func.coalesce(func.sum(case((condition, amount), else_=0)), 0)

    theirs = ~mine
    stmt = (
        select(
            Handoff.partnership_id,
            Handoff.currency,
            total(mine),
            total(theirs),
            total(mine, func.coalesce(Handoff.deal_value, 0)),
            total(theirs, func.coalesce(Handoff.deal_value, 0)),
            total(mine, reward),
            total(theirs, reward),
            total(mine, func.coalesce(Handoff.rep_share_amount, 0)),
            total(and_(mine, invoiced), reward),
            total(and_(theirs, invoiced), reward),
            total(and_(mine, paid), reward),
            total(and_(theirs, paid), reward),
            total(and_(mine, Handoff.rep_paid_at.is_not(None)), func.coalesce(Handoff.rep_share_amount, 0)),
        )
        .where(
            Handoff.partnership_id.in_(
                select(Partnership.id).where(
                    or_(Partnership.proposer_id == partner_id, Partnership.responder_id == partner_id)
                )
            ),
            Handoff.won_at >= month.start,
            Handoff.won_at < month.end,
        )
        .group_by(Handoff.partnership_id, Handoff.currency)
        .order_by(Handoff.partnership_id, Handoff.currency)
    )
    rows = session.execute(stmt).all()
    partnerships = {
        p.id: p for p in session.scalars(select(Partnership).where(Partnership.id.in_({r[0] for r in rows})))
    }
    others = {
        p.id: p
        for p in session.scalars(
            select(Partner).where(Partner.id.in_({p.other_side(partner_id) for p in partnerships.values()}))
        )
    }
    return [
        SummaryRow(
            partnership_id,
            others[partnerships[partnership_id].other_side(partner_id)],
            currency,
            int(won_yours),
            int(won_theirs),
            *(Decimal(v) for v in amounts),
        )
        for partnership_id, currency, won_yours, won_theirs, *amounts in rows
    ]
