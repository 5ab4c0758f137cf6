"""The six flags of DESIGN.md: pure rules over plain numbers, the facts they read, and raising them.

Each rule takes the facts of one pair or one partner and the thresholds, and
returns a Finding with its numbers, a sentence and what to do about it, or
None. `gather_facts` reads those numbers from the rollups (plus one indexed
count of open handoffs), for every partnership or for one partner's; the
numbers are the same `balance.direction_totals` the balance shows, so a flag
and the page beside it agree. `flags_for_period` computes the flags of one
period now and keeps Flag rows in step (raised, changed, cleared), so each has
an id to acknowledge and a history; the worker's `refresh_flags` does the same
for every partnership over the admins' default period and announces new ones.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, func, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from partnerhub.core import outbox
from partnerhub.core.errors import Conflict, InvalidInput, NotFound
from partnerhub.core.i18n import (
    N_,
    Money,
    Number,
    Percent,
    Phrase,
    nphrase,
    phrase,
    phrase_from_json,
    phrase_to_json,
)
from partnerhub.core.words import counted
from partnerhub.directory.partners import DECLARED_CURRENCY
from partnerhub.exchange import rollups
from partnerhub.models import Flag, FlagEvent, Handoff, Partner, Partnership
from partnerhub.models.handoff import OPEN_STATUSES
from partnerhub.models.partnership import CLOSED_PARTNERSHIP_STATUSES
from partnerhub.people import notifications
from partnerhub.reports.balance import days_quiet, direction_totals, last_handoff_days, period_start
from partnerhub.reports.thresholds import thresholds


@dataclass(frozen=True)
class Finding:
    kind: str
    subject_key: str
    partner_id: int
    other_partner_id: int | None
    numbers: dict
    # The finding in a sentence, and what a partner manager can do about it in another, each read in
    # the reader's language (partnerhub/core/i18n.py); stored and given to the API in English.
    words: Phrase
    action_words: Phrase | None = None

    @property
    def sentence(self) -> str:
        return str(self.words)

    @property
    def action(self) -> str:
        return str(self.action_words) if self.action_words else ""


# The least yearly revenue each declared band stands for, in EUR; "under 1m" promises nothing.
BAND_FLOOR = {
    "under_1m": Decimal(0),
    "1m_10m": Decimal(1_000_000),
    "10m_50m": Decimal(10_000_000),
    "50m_250m": Decimal(50_000_000),
    "over_250m": Decimal(250_000_000),
}
BAND_WORDS = {
    "under_1m": N_("under 1 million"),
    "1m_10m": N_("1 to 10 million"),
    "10m_50m": N_("10 to 50 million"),
    "50m_250m": N_("50 to 250 million"),
    "over_250m": N_("over 250 million"),
}
DAYS_A_YEAR = Decimal(365)


@dataclass
class PartnerFacts:
    id: int
    name: str
    sales_reps: int
    monthly_leads: int
    revenue_band: str = "under_1m"
    monthly_won_value: Decimal | None = None
    open_handoffs: int = 0
    # Over the period, as receiver, from every partnership:
    received: int = 0
    expired: int = 0
    won: int = 0
    # currency -> sender id -> won deal value
    won_value: dict[str, dict[int, Decimal]] = field(default_factory=dict)

    def declared_total(self, period_days: int) -> tuple[Decimal, str]:
        """The won business the partner's own declarations promise over the period, and which one."""
        by_band = BAND_FLOOR[self.revenue_band] * period_days / DAYS_A_YEAR
        by_month = (self.monthly_won_value or Decimal(0)) * 12 * period_days / DAYS_A_YEAR
        if by_month > by_band:
            return by_month.quantize(Decimal("0.01")), "monthly_won_value"
        return by_band.quantize(Decimal("0.01")), "revenue_band"


@dataclass
class DirectionFacts:
    sent: int = 0
    accepted: int = 0
    won: int = 0
    reward_paid: int = 0


@dataclass
class PairFacts:
    partnership_id: int
    status: str
    a: int
    b: int
    # (sender id, receiver id) -> what happened over the period
    directions: dict[tuple[int, int], DirectionFacts]
    # Whole days without a handoff either way (balance.days_quiet), and whether none was sent since it began.
    days_quiet: int
    quiet_since_start: bool

    def direction(self, sender: int, receiver: int) -> DirectionFacts:
        return self.directions.get((sender, receiver)) or DirectionFacts()


@dataclass
class Facts:
    period_days: int
    partners: dict[int, PartnerFacts]
    pairs: list[PairFacts]
    # The partners the partner-level rules (overloaded, agent_like) look at.
    candidates: set[int] = field(default_factory=set)
    # Those whose load (overloaded) is checked; None: every candidate.
    loaded: set[int] | None = None


def _pair_key(a: int, b: int) -> str:
    return Partnership.key_for(a, b)


def _times(x: float) -> Number:
    return Number(x, 1)


def _size_ratio(x: int, y: int) -> float:
    # A declared zero counts as one, so the ratio stays finite and still large.
    return max(x, y) / max(min(x, y), 1)


def size_mismatch(a: PartnerFacts, b: PartnerFacts, t: dict[str, float]) -> Finding | None:
    """Law 5: sales reps or expected monthly leads differ by the ratio or more."""
    reps = _size_ratio(a.sales_reps, b.sales_reps)
    leads = _size_ratio(a.monthly_leads, b.monthly_leads)
    limit = t["flags.size_mismatch.ratio"]
    if reps < limit and leads < limit:
        return None
    big, small = (a, b) if (a.sales_reps, a.monthly_leads) >= (b.sales_reps, b.monthly_leads) else (b, a)
    sentence = phrase(
        "%(big)s has %(big_reps)s and expects %(big_leads)s a month; %(small)s has %(small_reps)s "
        "and expects %(small_leads)s (%(reps_ratio)sx the reps, %(leads_ratio)sx the leads).",
        big=big.name,
        big_reps=counted(big.sales_reps, "sales rep"),
        big_leads=counted(big.monthly_leads, "lead"),
        small=small.name,
        small_reps=small.sales_reps,
        small_leads=small.monthly_leads,
        reps_ratio=_times(reps),
        leads_ratio=_times(leads),
    )
    numbers = {
        "sales_reps": {str(big.id): big.sales_reps, str(small.id): small.sales_reps},
        "monthly_leads": {str(big.id): big.monthly_leads, str(small.id): small.monthly_leads},
        "reps_ratio": round(reps, 2),
        "leads_ratio": round(leads, 2),
    }
    action = phrase(
        "Set a monthly cap on this partnership that %(small)s can work through, "
        "and send %(big)s's other leads to a partner of its size.",
        small=small.name,
        big=big.name,
    )
    return Finding("size_mismatch", _pair_key(a.id, b.id), big.id, small.id, numbers, sentence, action)


def one_sided(
    a: PartnerFacts, b: PartnerFacts, *, a_sent: int, b_sent: int, period_days: int, t: dict[str, float]
) -> Finding | None:
    """Law 5: enough handoffs in the period, and one direction at least the ratio times the other."""
    (big, big_sent), (small, small_sent) = sorted(((a, a_sent), (b, b_sent)), key=lambda s: -s[1])
    if (
        big_sent + small_sent < t["flags.one_sided.min_handoffs"]
        or big_sent < t["flags.one_sided.ratio"] * small_sent
    ):
        return None
    sentence = phrase(
        "%(big)s sent %(sent)s to %(small)s in %(days)s, %(small)s sent %(received)s back.",
        big=big.name,
        sent=counted(big_sent, "lead"),
        small=small.name,
        days=counted(period_days, "day"),
        received=small_sent,
    )
    numbers = {"sent": big_sent, "received": small_sent, "period_days": period_days}
    action = phrase(
        "Ask %(small)s which of its customers need what %(big)s sells, or agree a higher reward "
        "for the leads %(big)s sends so the exchange pays both sides.",
        small=small.name,
        big=big.name,
    )
    return Finding("one_sided", _pair_key(a.id, b.id), big.id, small.id, numbers, sentence, action)


def overloaded(p: PartnerFacts, period_days: int, t: dict[str, float]) -> Finding | None:
    """Law 5: more open handoffs per rep than the limit, or too many of its handoffs expire."""
    per_rep = p.open_handoffs / max(p.sales_reps, 1)
    limit = t["flags.overloaded.open_per_rep"]
    too_many = per_rep > limit
    expiring = (
        p.received >= t["flags.overloaded.min_handoffs"]
        and p.expired > t["flags.overloaded.expiry_rate"] * p.received
    )
    if not (too_many or expiring):
        return None
    facts = {
        "name": p.name,
        "open": counted(p.open_handoffs, "open handoff"),
        "reps": counted(p.sales_reps, "sales rep"),
        "per_rep": Number(per_rep, 1),
        "limit": Number(limit),
        "expired": p.expired,
        "received": counted(p.received, "handoff"),
        "days": counted(period_days, "day"),
        "share": Percent(p.expired, p.received or 1),
    }
    if too_many and expiring:
        sentence = phrase(
            "%(name)s has %(open)s for %(reps)s (%(per_rep)s per rep, limit %(limit)s); "
            "%(expired)s of the %(received)s %(name)s received in %(days)s expired (%(share)s).",
            **facts,
        )
    elif too_many:
        sentence = phrase(
            "%(name)s has %(open)s for %(reps)s (%(per_rep)s per rep, limit %(limit)s).", **facts
        )
    else:
        sentence = phrase(
            "%(expired)s of the %(received)s %(name)s received in %(days)s expired (%(share)s).", **facts
        )
    numbers = {
        "open_handoffs": p.open_handoffs,
        "sales_reps": p.sales_reps,
        "received": p.received,
        "expired": p.expired,
        "period_days": period_days,
    }
    action = phrase(
        "Ask %(name)s to accept or decline its open handoffs, and set a monthly cap "
        "on the partnerships that send it more than its %(reps)s can call.",
        name=p.name,
        reps=counted(p.sales_reps, "sales rep"),
    )
    return Finding("overloaded", str(p.id), p.id, None, numbers, sentence, action)


def dormant(pair: PairFacts, a: PartnerFacts, b: PartnerFacts, t: dict[str, float]) -> Finding | None:
    """Law 2: an active partnership with no handoff either way for the number of days."""
    if pair.status != "active":
        return None
    quiet = pair.days_quiet
    if quiet < t["flags.dormant.days"]:
        return None
    if pair.quiet_since_start:
        sentence = nphrase(
            "%(a)s and %(b)s have exchanged no handoff since their partnership began %(num)s day ago.",
            "%(a)s and %(b)s have exchanged no handoff since their partnership began %(num)s days ago.",
            "num",
            a=a.name,
            b=b.name,
            num=quiet,
        )
    else:
        sentence = nphrase(
            "%(a)s and %(b)s have exchanged no handoff either way in %(num)s day.",
            "%(a)s and %(b)s have exchanged no handoff either way in %(num)s days.",
            "num",
            a=a.name,
            b=b.name,
            num=quiet,
        )
    action = phrase(
        "Have %(a)s and %(b)s agree which leads each will send next, "
        "or pause the partnership so it no longer counts as a channel.",
        a=a.name,
        b=b.name,
    )
    return Finding("dormant", _pair_key(a.id, b.id), a.id, b.id, {"days_quiet": quiet}, sentence, action)


def main_source(by_sender: dict[int, Decimal]) -> tuple[int, Decimal]:
    """The sender of the most won value, and that value; of senders equal in it, the first by id."""
    return max(sorted(by_sender.items()), key=lambda item: item[1])


def agent_like(
    p: PartnerFacts, senders: dict[int, PartnerFacts], period_days: int, t: dict[str, float]
) -> Finding | None:
    """Partner vs agent: more than half of a partner's total won business comes from the leads of one partner.

    The total is the larger of what the partner declared (its revenue band, or a
    declared monthly won value, over the period) and the won deal value it
    reported here from every partner; a big firm with one main partner is not an agent.
    """
    if p.won < t["flags.agent_like.min_won"]:
        return None
    for currency, by_sender in sorted(p.won_value.items()):
        reported = sum(by_sender.values(), Decimal(0))
        if not reported:
            continue
        declared, declared_basis = (
            p.declared_total(period_days) if currency == DECLARED_CURRENCY else (Decimal(0), "none")
        )
        total, basis = (declared, declared_basis) if declared > reported else (reported, "reported")
        sender_id, value = main_source(by_sender)
        share = value / total
        if share <= Decimal(str(t["flags.agent_like.share"])):
            continue
        sender = senders[sender_id]
        facts = {
            "share": Percent(value, total),
            "name": p.name,
            "days": counted(period_days, "day"),
            "value": Money(value, currency),
            "total": Money(total, currency),
            "sender": sender.name,
            "band": Phrase(BAND_WORDS[p.revenue_band]),
            "monthly": Money(p.monthly_won_value or Decimal(0), currency),
        }
        if basis == "reported":
            sentence = phrase(
                "%(share)s of %(name)s's won business in %(days)s (%(value)s of %(total)s) came from "
                "leads of %(sender)s; the total is the won deals %(name)s reported here, more than its "
                "declared revenue (%(band)s a year) accounts for.",
                **facts,
            )
        elif basis == "monthly_won_value":
            sentence = phrase(
                "%(share)s of %(name)s's won business in %(days)s (%(value)s of %(total)s) came from "
                "leads of %(sender)s; the total is the %(monthly)s a month %(name)s declares.",
                **facts,
            )
        else:
            sentence = phrase(
                "%(share)s of %(name)s's won business in %(days)s (%(value)s of %(total)s) came from "
                "leads of %(sender)s; the total is the least a declared revenue of %(band)s a year gives.",
                **facts,
            )
        numbers = {
            "won_value_from_partner": f"{value:.2f}",
            "won_value_total": f"{total:.2f}",
            "total_basis": basis,
            "won_value_reported": f"{reported:.2f}",
            "won_value_declared": f"{declared:.2f}",
            "currency": currency,
            "share": round(float(share), 4),
            "won": p.won,
            "period_days": period_days,
        }
        action = phrase(
            "Ask %(name)s whether it sells on its own account: a business living off %(sender)s's "
            "leads works as its agent, and an agent's contract (commission, exclusivity, notice) may fit.",
            name=p.name,
            sender=sender.name,
        )
        return Finding("agent_like", str(p.id), p.id, sender.id, numbers, sentence, action)
    return None


def leaky(
    sender: PartnerFacts, receiver: PartnerFacts, d: DirectionFacts, period_days: int, t: dict[str, float]
) -> Finding | None:
    """Chain of doubt: too few handoffs reach accepted, or too few won rewards get paid."""
    unaccepted = (
        d.sent >= t["flags.leaky.min_handoffs"] and d.accepted < t["flags.leaky.accept_rate"] * d.sent
    )
    unpaid = d.won >= t["flags.leaky.min_won"] and d.reward_paid < t["flags.leaky.paid_rate"] * d.won
    if not (unaccepted or unpaid):
        return None
    facts = {
        "receiver": receiver.name,
        "sender": sender.name,
        "accepted": d.accepted,
        "sent": counted(d.sent, "lead"),
        "days": counted(period_days, "day"),
        "accept_share": Percent(d.accepted, d.sent or 1),
        "paid": d.reward_paid,
        "won": counted(d.won, "deal"),
        "paid_share": Percent(d.reward_paid, d.won or 1),
    }
    if unaccepted and unpaid:
        sentence = phrase(
            "%(receiver)s accepted %(accepted)s of the %(sent)s %(sender)s sent in %(days)s "
            "(%(accept_share)s); %(receiver)s paid the reward on %(paid)s of the %(won)s it won "
            "from %(sender)s's leads (%(paid_share)s).",
            **facts,
        )
        action = phrase(
            "Ask %(receiver)s why it declines or lets %(sender)s's leads expire, and agree a time to accept "
            "it can keep; send %(receiver)s the month's payout statement and ask it to pay the rewards.",
            **facts,
        )
    elif unaccepted:
        sentence = phrase(
            "%(receiver)s accepted %(accepted)s of the %(sent)s %(sender)s sent in %(days)s "
            "(%(accept_share)s).",
            **facts,
        )
        action = phrase(
            "Ask %(receiver)s why it declines or lets %(sender)s's leads expire, and agree a time to accept "
            "it can keep.",
            **facts,
        )
    else:
        sentence = phrase(
            "%(receiver)s paid the reward on %(paid)s of the %(won)s it won from %(sender)s's leads "
            "(%(paid_share)s).",
            **facts,
        )
        action = phrase(
            "Send %(receiver)s the month's payout statement and ask it to pay the rewards.", **facts
        )
    numbers = {
        "sent": d.sent,
        "accepted": d.accepted,
        "won": d.won,
        "reward_paid": d.reward_paid,
        "period_days": period_days,
    }
    return Finding("leaky", f"{sender.id}>{receiver.id}", receiver.id, sender.id, numbers, sentence, action)


def evaluate(facts: Facts, t: dict[str, float]) -> list[Finding]:
    """Every flag the facts raise."""
    findings: list[Finding | None] = []
    days = facts.period_days
    for pair in facts.pairs:
        a, b = facts.partners[pair.a], facts.partners[pair.b]
        findings.append(size_mismatch(a, b, t))
        findings.append(
            one_sided(
                a,
                b,
                a_sent=pair.direction(a.id, b.id).sent,
                b_sent=pair.direction(b.id, a.id).sent,
                period_days=days,
                t=t,
            )
        )
        findings.append(dormant(pair, a, b, t))
        findings.append(leaky(a, b, pair.direction(a.id, b.id), days, t))
        findings.append(leaky(b, a, pair.direction(b.id, a.id), days, t))
    for partner_id in sorted(facts.candidates or facts.partners):
        partner = facts.partners[partner_id]
        if facts.loaded is None or partner_id in facts.loaded:
            findings.append(overloaded(partner, days, t))
        findings.append(agent_like(partner, facts.partners, days, t))
    return [f for f in findings if f is not None]


def gather_facts(
    session: Session, *, now: datetime, period_days: int, partner_id: int | None = None
) -> Facts:
    """Read what the rules need from the rollups: every living partnership, or the partner's (None: all).

    For one partner it reads its living partnerships and, for itself and every
    partner it ever partnered with, what they received from anyone: that is all
    a flag naming the partner depends on.
    """
    today = now.date()
    start = period_start(now, period_days)
    stmt = select(Partnership).order_by(Partnership.id)
    if partner_id is None:
        stmt = stmt.where(Partnership.status.not_in(CLOSED_PARTNERSHIP_STATUSES))
    else:
        stmt = stmt.where(or_(Partnership.proposer_id == partner_id, Partnership.responder_id == partner_id))
    partnerships = session.scalars(stmt).all()
    pairs_rows = [p for p in partnerships if p.status not in CLOSED_PARTNERSHIP_STATUSES]
    pair_ids = [p.id for p in pairs_rows]

    candidates = {x for p in partnerships for x in (p.proposer_id, p.responder_id)}
    if partner_id is None:
        received = _received_totals(session, start=start)
        candidates |= {receiver for receiver, _sender, _currency in received}
    else:
        candidates.add(partner_id)
        # Only the partner's own load can name it (overloaded names no one else), so of the
        # others only what they won is read: agent_like may name the partner as their main source.
        received = _received_totals(session, start=start, whole=partner_id, others=candidates - {partner_id})
    won_value: dict[int, dict[str, dict[int, Decimal]]] = {}
    for (receiver_id, sender_id, currency), (_sent, _expired, won, deal_value) in received.items():
        if won:
            by_sender = won_value.setdefault(receiver_id, {}).setdefault(currency, {})
            by_sender[sender_id] = by_sender.get(sender_id, Decimal(0)) + deal_value
    # Of the senders, a flag names only a receiver's main source (agent_like).
    named = candidates | {main_source(by)[0] for each in won_value.values() for by in each.values()}
    # Only the columns the rules read: a partner's whole row (JSON regions, text) costs more to load.
    facts_columns = (
        Partner.id,
        Partner.name,
        Partner.sales_reps,
        Partner.monthly_leads,
        Partner.revenue_band,
        Partner.monthly_won_value,
    )
    partners = {
        row.id: PartnerFacts(*row)
        for row in session.execute(select(*facts_columns).where(Partner.id.in_(named)))
    }
    for (receiver_id, _sender_id, _currency), (sent, expired, won, _value) in received.items():
        receiver = partners[receiver_id]
        receiver.received += sent
        receiver.expired += expired
        receiver.won += won
    for receiver_id, currencies in won_value.items():
        partners[receiver_id].won_value = currencies
    # The (to_partner_id, status) index answers this per receiver; a kept counter would
    # make one hot row that every move to a busy receiver has to lock.
    open_counts = session.execute(
        select(Handoff.to_partner_id, func.count())
        .where(
            Handoff.status.in_(OPEN_STATUSES),
            Handoff.to_partner_id.in_(candidates if partner_id is None else [partner_id]),
        )
        .group_by(Handoff.to_partner_id)
    )
    for receiver_id, count in open_counts:
        partners[receiver_id].open_handoffs = count

    totals = direction_totals(session, start=start, partnership_ids=pair_ids if partner_id else None)
    living = set(pair_ids)
    directions: dict[int, dict[tuple[int, int], DirectionFacts]] = {p.id: {} for p in pairs_rows}
    for (partnership_id, sender_id), d in totals.items():
        if partnership_id in living:
            directions[partnership_id][(sender_id, d.to_partner_id)] = DirectionFacts(
                d.sent, d.counts["accepted"], d.counts["won"], d.counts["reward_paid"]
            )
    last_days = last_handoff_days(session, [p.id for p in pairs_rows if p.status == "active"])
    pairs = [
        PairFacts(
            partnership_id=p.id,
            status=p.status,
            a=p.proposer_id,
            b=p.responder_id,
            directions=directions[p.id],
            days_quiet=days_quiet(p, last_days.get(p.id), today),
            quiet_since_start=p.id not in last_days
            or last_days[p.id] < (p.activated_at or p.created_at).date(),
        )
        for p in pairs_rows
    ]
    return Facts(period_days, partners, pairs, candidates, None if partner_id is None else {partner_id})


def _received_statements():
    r = rollups.COHORTS.c
    keys = (r.to_partner_id, r.from_partner_id, r.currency)
    won = (func.sum(r.won), func.sum(r.deal_value))
    every = select(*keys, func.sum(r.sent), func.sum(r.expired), *won).group_by(*keys)
    whole = every.where(r.to_partner_id == bindparam("whole"))
    others_won = (
        select(*keys, literal(0), literal(0), *won)
        .where(r.won > 0, r.to_partner_id.in_(bindparam("others", expanding=True)))
        .group_by(*keys)
    )
    return every, whole, others_won


# Built once, each with its parameters as bind parameters: SQLAlchemy keeps a statement's cache
# key on the statement, and walking the cohorts' union afresh on every request cost 2 ms.
_EVERY_RECEIVED, _WHOLE_RECEIVED, _OTHERS_WON = _received_statements()


def _received_totals(
    session: Session, *, start: date, whole: int | None = None, others: set[int] | None = None
) -> dict[tuple[int, int, str], tuple[int, int, int, Decimal]]:
    """(receiver, sender, currency) -> handoffs sent, expired, won and won deal value, from `start` on.

    Every receiver's without `whole`. With it, that receiver's every cohort and, of the `others`,
    only the cohorts with a won deal (their other counts stay zero): their days are read from the
    won cohorts' index alone (ix_handoff_rollups_won), their months likewise.
    """
    rollups.write_pending(session)
    period = rollups.period(start)
    if whole is None:
        statements = [(_EVERY_RECEIVED, period)]
    else:
        statements = [
            (_WHOLE_RECEIVED, period | {"whole": whole}),
            (_OTHERS_WON, period | {"others": list(others or ())}),
        ]
    return {
        (receiver, sender, currency): (int(sent), int(expired), int(won), Decimal(value))
        for statement, parameters in statements
        for receiver, sender, currency, sent, expired, won, value in session.execute(statement, parameters)
    }


def default_period_days(session: Session) -> int:
    return int(thresholds(session)["flags.period_days"])


def compute_flags(
    session: Session, *, now: datetime, period_days: int | None = None, partner_id: int | None = None
) -> list[Finding]:
    """Every flag true now over the period (the admins' default when None), with their thresholds.

    For a partner, the flags that name it; for None, every flag.
    """
    t = thresholds(session)
    return _findings(
        session, t, now=now, period_days=int(period_days or t["flags.period_days"]), partner_id=partner_id
    )


def _findings(
    session: Session, t: dict[str, float], *, now: datetime, period_days: int, partner_id: int | None
) -> list[Finding]:
    findings = evaluate(gather_facts(session, now=now, period_days=period_days, partner_id=partner_id), t)
    if partner_id is None:
        return findings
    return [f for f in findings if partner_id in (f.partner_id, f.other_partner_id)]


@dataclass(frozen=True)
class ShownFlag:
    """A flag as a manager sees it: computed `as_of` now, with its row and this side's acknowledgement."""

    flag: Flag
    as_of: datetime
    acknowledgement: FlagEvent | None
    # Acknowledged with these very numbers, and not snoozed past its end.
    seen: bool
    # Its sentence and action as the reader's language says them (the row holds the English).
    finding: Finding

    @property
    def action(self) -> str:
        """What to do about it, in English: said only when asked, as saying it costs Babel's formatting."""
        return self.finding.action


def _seen(flag: Flag, ack: FlagEvent | None, now: datetime) -> bool:
    if ack is None or ack.numbers != flag.numbers:
        return False
    return ack.snooze_until is None or now < ack.snooze_until


def flags_for_period(
    session: Session, *, partner_id: int | None, now: datetime, period_days: int | None = None
) -> list[ShownFlag]:
    """The flags naming the partner (every flag for None, the operator) over the period, computed now.

    The stored flags of that period are brought in step first (see `_keep`), so
    every flag shown has an id, a history and an acknowledgement that belong to it.
    Newest first, those already seen last.
    """
    t = thresholds(session)
    default = int(t["flags.period_days"])
    days = period_days or default
    findings = _findings(session, t, now=now, period_days=days, partner_id=partner_id)
    kept = _keep(
        session, findings, now=now, period_days=days, partner_id=partner_id, announce=days == default
    )
    acks = _acknowledgements(session, [flag.id for flag, _ in kept], partner_id=partner_id)
    shown = [
        ShownFlag(flag, now, acks.get(flag.id), _seen(flag, acks.get(flag.id), now), finding)
        for flag, finding in kept
    ]
    shown.sort(key=lambda s: (s.seen, -s.flag.raised_at.timestamp(), -s.flag.id))
    return shown


def refresh_flags(session: Session, *, now: datetime) -> list[Flag]:
    """Raise the flags of the default period that became true, clear those no longer true; return the raised.

    The worker runs this on a schedule for every partnership and commits;
    pages and the API bring the flags of the period they show in step the same way.
    """
    t = thresholds(session)
    days = int(t["flags.period_days"])
    findings = _findings(session, t, now=now, period_days=days, partner_id=None)
    return [
        flag
        for flag, _ in _keep(session, findings, now=now, period_days=days, partner_id=None, announce=True)
    ]


def _keep(
    session: Session,
    findings: list[Finding],
    *,
    now: datetime,
    period_days: int,
    partner_id: int | None,
    announce: bool,
) -> list[tuple[Flag, Finding]]:
    """Make the raised Flag rows of the period those of `findings`, recording each change in the history.

    A finding without a raised row is raised (and, with `announce`, for the
    admins' default period, announced with `flag.raised` to each partner it
    names and notified to their managers, so they hear of it once); one whose numbers changed gets them and a
    `changed` event; a raised row the findings no longer hold is cleared. Only
    the rows naming `partner_id` are touched when one is given.
    """
    stmt = select(Flag).where(Flag.cleared_at.is_(None), Flag.period_days == period_days)
    if partner_id is not None:
        stmt = stmt.where(or_(Flag.partner_id == partner_id, Flag.other_partner_id == partner_id))
    raised = {(f.kind, f.subject_key): f for f in session.scalars(stmt)}
    fresh = [f for f in findings if (f.kind, f.subject_key) not in raised]
    new = _raise_all(session, fresh, now=now, period_days=period_days)
    raised |= {(f.kind, f.subject_key): f for f in new}
    new = [f for f in new if f.raised_at == now]
    kept = []
    for finding in findings:
        flag = raised.pop((finding.kind, finding.subject_key))
        # The sentence compared as its message and values: saying it in English for every flag
        # on every request would cost more than the rest of the comparison.
        if flag.numbers != finding.numbers or flag.words != phrase_to_json(finding.words):
            _apply(flag, finding)
            session.add(_event(flag, "changed", now))
        kept.append((flag, finding))
    for stale in raised.values():
        stale.cleared_at = now
        session.add(_event(stale, "cleared", now))
    session.flush()
    if announce:
        for flag in new:
            notifications.flag_raised(session, flag, sentence=sentence_of(flag), now=now)
            for named in (flag.partner_id, flag.other_partner_id):
                if named is not None:
                    outbox.emit(
                        session,
                        partner_id=named,
                        event_type="flag.raised",
                        data=flag_event(flag),
                        occurred_at=now,
                    )
    return kept


def _raise_all(session: Session, findings: list[Finding], *, now: datetime, period_days: int) -> list[Flag]:
    """New raised flags for `findings`, written in one flush; one by one when another request raced us."""
    if not findings:
        return []
    flags = [_new_flag(finding, now=now, period_days=period_days) for finding in findings]
    try:
        with session.begin_nested():
            session.add_all(flags)
            session.flush()
    except IntegrityError:
        return [_raise(session, finding, now=now, period_days=period_days) for finding in findings]
    session.add_all([_event(flag, "raised", now) for flag in flags])
    return flags


def _new_flag(finding: Finding, *, now: datetime, period_days: int) -> Flag:
    flag = Flag(kind=finding.kind, subject_key=finding.subject_key, period_days=period_days, raised_at=now)
    _apply(flag, finding)
    return flag


def _raise(session: Session, finding: Finding, *, now: datetime, period_days: int) -> Flag:
    """A new raised flag; when a concurrent request raised the same one first, that one."""
    flag = _new_flag(finding, now=now, period_days=period_days)
    try:
        with session.begin_nested():
            session.add(flag)
            session.flush()
    except IntegrityError:
        return session.scalars(
            select(Flag).where(
                Flag.kind == finding.kind,
                Flag.subject_key == finding.subject_key,
                Flag.period_days == period_days,
                Flag.cleared_at.is_(None),
            )
        ).one()
    session.add(_event(flag, "raised", now))
    return flag


def _apply(flag: Flag, finding: Finding) -> None:
    flag.partner_id = finding.partner_id
    flag.other_partner_id = finding.other_partner_id
    flag.numbers = finding.numbers
    flag.sentence = finding.sentence
    flag.words = phrase_to_json(finding.words)


def _event(flag: Flag, action: str, now: datetime, **extra) -> FlagEvent:
    return FlagEvent(
        flag_id=flag.id,
        at=now,
        action=action,
        numbers=flag.numbers,
        sentence=flag.sentence,
        words=flag.words,
        **extra,
    )


def sentence_of(row: Flag | FlagEvent) -> Phrase | str:
    """A flag's (or its event's) sentence to read in the reader's language; a row written before
    sentences were kept as Phrases has only its English."""
    return phrase_from_json(row.words) if row.words else row.sentence


def _acknowledgements(
    session: Session, flag_ids: list[int], *, partner_id: int | None
) -> dict[int, FlagEvent]:
    """The latest acknowledgement of each flag by the partner's side (none for the operator)."""
    if partner_id is None or not flag_ids:
        return {}
    rows = session.scalars(
        select(FlagEvent)
        .where(
            FlagEvent.flag_id.in_(flag_ids),
            FlagEvent.partner_id == partner_id,
            FlagEvent.action == "acknowledged",
        )
        .order_by(FlagEvent.id)
    )
    return {event.flag_id: event for event in rows}


MAX_SNOOZE_DAYS = 365
MAX_NOTE = 2000


def acknowledge_flag(
    session: Session,
    *,
    partner_id: int,
    flag_id: int,
    note: str,
    snooze_days: int | None,
    user_id: int | None,
    now: datetime,
) -> FlagEvent:
    """Mark a raised flag naming the partner as seen by that side, with a note and an optional snooze.

    It shows as seen until it is raised again with other numbers or the snooze ends.
    """
    flag = session.get(Flag, flag_id)
    if flag is None or partner_id not in (flag.partner_id, flag.other_partner_id):
        raise NotFound(phrase("No flag %(id)s.", id=str(flag_id)))
    errors = {}
    if snooze_days is not None and not 0 <= snooze_days <= MAX_SNOOZE_DAYS:
        errors["snooze_days"] = [
            phrase("must be a whole number of days from 0 to %(most)s", most=MAX_SNOOZE_DAYS)
        ]
    if len(note or "") > MAX_NOTE:
        errors["note"] = [phrase("must be at most %(most)s characters", most=MAX_NOTE)]
    if errors:
        raise InvalidInput(errors)
    if flag.cleared_at is not None:
        raise Conflict(N_("This flag has cleared; there is nothing left to acknowledge."))
    event = _event(
        flag,
        "acknowledged",
        now,
        partner_id=partner_id,
        user_id=user_id,
        note=(note or "").strip(),
        snooze_until=now + timedelta(days=snooze_days) if snooze_days else None,
    )
    session.add(event)
    session.flush()
    return event


def flag_history(session: Session, *, partner_id: int | None, flag_id: int) -> tuple[Flag, list[FlagEvent]]:
    """A flag naming the partner, and everything that happened to its kind and subject in its period.

    Oldest first. Earlier raisings of the same flag are part of its history;
    acknowledgements are the partner's own side's only.
    """
    flag = session.get(Flag, flag_id)
    if flag is None or (
        partner_id is not None and partner_id not in (flag.partner_id, flag.other_partner_id)
    ):
        raise NotFound(phrase("No flag %(id)s.", id=str(flag_id)))
    same = select(Flag.id).where(
        Flag.kind == flag.kind, Flag.subject_key == flag.subject_key, Flag.period_days == flag.period_days
    )
    stmt = select(FlagEvent).where(FlagEvent.flag_id.in_(same)).order_by(FlagEvent.at, FlagEvent.id)
    if partner_id is not None:
        stmt = stmt.where(or_(FlagEvent.action != "acknowledged", FlagEvent.partner_id == partner_id))
    return flag, list(session.scalars(stmt))


def flag_event(flag: Flag) -> dict:
    partners = [p for p in (flag.partner_id, flag.other_partner_id) if p is not None]
    return {
        "flag": {
            "id": flag.id,
            "kind": flag.kind,
            "partners": partners,
            "numbers": flag.numbers,
            "sentence": flag.sentence,
            "period_days": flag.period_days,
            "raised_at": flag.raised_at.isoformat(),
        }
    }
