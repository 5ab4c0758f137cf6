"""The six flags of DESIGN.md: pure rules over plain numbers, the facts they read, and raising them.

Each rule takes the facts of one pair or one partner and the thresholds, and
returns a Finding with its numbers and a sentence, or None. `gather_facts`
reads those numbers from the rollups (plus one indexed count of open
handoffs); `refresh_flags` turns findings into raised and cleared Flag rows.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from partnerhub import notifications, outbox, rollups
from partnerhub.balance import direction_totals, period_start
from partnerhub.models import Flag, Handoff, HandoffRollup, Partner, Partnership
from partnerhub.models.partnership import CLOSED_PARTNERSHIP_STATUSES
from partnerhub.thresholds import thresholds

# A handoff in one of these still asks the receiver's reps for work.
OPEN_STATUSES = ("sent", "delivered", "accepted", "contacted")


@dataclass(frozen=True)
class Finding:
    kind: str
    subject_key: str
    partner_id: int
    other_partner_id: int | None
    numbers: dict
    sentence: str


@dataclass
class PartnerFacts:
    id: int
    name: str
    sales_reps: int
    monthly_leads: int
    open_handoffs: int = 0
    # Over the period, as receiver:
    received: int = 0
    expired: int = 0
    won: int = 0
    # currency -> sender id -> won deal value
    won_value: dict[str, dict[int, Decimal]] = field(default_factory=dict)


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
    # Whole days since the last handoff either way (None: never), and since the partnership began.
    days_since_last_handoff: int | None
    days_active: int

    def direction(self, sender: int, receiver: int) -> DirectionFacts:
        return self.directions.get((sender, receiver)) or DirectionFacts()


@dataclass
class Facts:
    period_days: int
    partners: dict[int, PartnerFacts]
    pairs: list[PairFacts]


def _pair_key(a: int, b: int) -> str:
    return Partnership.key_for(a, b)


def _times(x: float) -> str:
    return f"{x:.1f}x"


def _percent(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%"


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
    sentence = (
        f"{big.name} has {big.sales_reps} sales reps and expects {big.monthly_leads} leads a month; "
        f"{small.name} has {small.sales_reps} and expects {small.monthly_leads} "
        f"({_times(reps)} the reps, {_times(leads)} the leads)."
    )
    numbers = {
        "sales_reps": {str(big.id): big.sales_reps, str(small.id): small.sales_reps},
        "monthly_leads": {str(big.id): big.monthly_leads, str(small.id): small.monthly_leads},
        "reps_ratio": round(reps, 2),
        "leads_ratio": round(leads, 2),
    }
    return Finding("size_mismatch", _pair_key(a.id, b.id), big.id, small.id, numbers, sentence)


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
    sentence = (
        f"{big.name} sent {big_sent} leads to {small.name} in {period_days} days, "
        f"{small.name} sent {small_sent} back."
    )
    numbers = {"sent": big_sent, "received": small_sent, "period_days": period_days}
    return Finding("one_sided", _pair_key(a.id, b.id), big.id, small.id, numbers, sentence)


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
    parts = []
    if too_many:
        parts.append(
            f"{p.name} has {p.open_handoffs} open handoffs for {p.sales_reps} sales reps "
            f"({per_rep:.1f} per rep, limit {limit:g})"
        )
    if expiring:
        parts.append(
            f"{p.expired} of the {p.received} handoffs {p.name} received in {period_days} days expired "
            f"({_percent(p.expired, p.received)})"
        )
    numbers = {
        "open_handoffs": p.open_handoffs,
        "sales_reps": p.sales_reps,
        "received": p.received,
        "expired": p.expired,
        "period_days": period_days,
    }
    return Finding("overloaded", str(p.id), p.id, None, numbers, "; ".join(parts) + ".")


def dormant(pair: PairFacts, a: PartnerFacts, b: PartnerFacts, t: dict[str, float]) -> Finding | None:
    """Law 2: an active partnership with no handoff either way for the number of days."""
    if pair.status != "active":
        return None
    quiet = pair.days_active
    if pair.days_since_last_handoff is not None:
        quiet = min(quiet, pair.days_since_last_handoff)
    if quiet < t["flags.dormant.days"]:
        return None
    if pair.days_since_last_handoff is None or pair.days_since_last_handoff > pair.days_active:
        sentence = (
            f"{a.name} and {b.name} have exchanged no handoff since their partnership began {quiet} days ago."
        )
    else:
        sentence = f"{a.name} and {b.name} have exchanged no handoff either way in {quiet} days."
    return Finding("dormant", _pair_key(a.id, b.id), a.id, b.id, {"days_quiet": quiet}, sentence)


def agent_like(
    p: PartnerFacts, senders: dict[int, PartnerFacts], period_days: int, t: dict[str, float]
) -> Finding | None:
    """Partner vs agent: most of a partner's won deal value comes from the leads of one partner."""
    if p.won < t["flags.agent_like.min_won"]:
        return None
    for currency, by_sender in sorted(p.won_value.items()):
        total = sum(by_sender.values(), Decimal(0))
        if not total:
            continue
        sender_id, value = max(sorted(by_sender.items()), key=lambda item: item[1])
        share = value / total
        if share <= Decimal(str(t["flags.agent_like.share"])):
            continue
        sender = senders[sender_id]
        sentence = (
            f"{_percent(value, total)} of {p.name}'s won deal value in {period_days} days "
            f"({value:.2f} of {total:.2f} {currency}) came from leads of {sender.name}."
        )
        numbers = {
            "won_value_from_partner": f"{value:.2f}",
            "won_value_total": f"{total:.2f}",
            "currency": currency,
            "share": round(float(share), 4),
            "won": p.won,
            "period_days": period_days,
        }
        return Finding("agent_like", str(p.id), p.id, sender.id, numbers, sentence)
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
    parts = []
    if unaccepted:
        parts.append(
            f"{receiver.name} accepted {d.accepted} of the {d.sent} leads {sender.name} sent "
            f"in {period_days} days ({_percent(d.accepted, d.sent)})"
        )
    if unpaid:
        parts.append(
            f"{receiver.name} paid the reward on {d.reward_paid} of the {d.won} deals it won "
            f"from {sender.name}'s leads ({_percent(d.reward_paid, d.won)})"
        )
    numbers = {
        "sent": d.sent,
        "accepted": d.accepted,
        "won": d.won,
        "reward_paid": d.reward_paid,
        "period_days": period_days,
    }
    return Finding(
        "leaky", f"{sender.id}>{receiver.id}", receiver.id, sender.id, numbers, "; ".join(parts) + "."
    )


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
    for partner in facts.partners.values():
        findings.append(overloaded(partner, days, t))
        findings.append(agent_like(partner, facts.partners, days, t))
    return [f for f in findings if f is not None]


def gather_facts(session: Session, *, now: datetime, period_days: int) -> Facts:
    """Read what the rules need for every living partnership from the rollups."""
    today = now.date()
    pairs_rows = session.scalars(
        select(Partnership)
        .where(Partnership.status.not_in(CLOSED_PARTNERSHIP_STATUSES))
        .order_by(Partnership.id)
    ).all()
    partner_ids = {p.proposer_id for p in pairs_rows} | {p.responder_id for p in pairs_rows}
    partners = {
        p.id: PartnerFacts(p.id, p.name, p.sales_reps, p.monthly_leads)
        for p in session.scalars(select(Partner).where(Partner.id.in_(partner_ids)))
    }
    # The (to_partner_id, status) index answers this per receiver; a kept counter would
    # make one hot row that every move to a busy receiver has to lock.
    open_counts = session.execute(
        select(Handoff.to_partner_id, func.count())
        .where(Handoff.status.in_(OPEN_STATUSES), Handoff.to_partner_id.in_(partner_ids))
        .group_by(Handoff.to_partner_id)
    )
    for receiver_id, count in open_counts:
        partners[receiver_id].open_handoffs = count
    totals = direction_totals(session, start=period_start(now, period_days))
    living = {p.id for p in pairs_rows}
    directions: dict[int, dict[tuple[int, int], DirectionFacts]] = {p.id: {} for p in pairs_rows}
    for (partnership_id, sender_id), d in totals.items():
        receiver = partners.get(d.to_partner_id)
        if partnership_id not in living or receiver is None:
            continue
        directions[partnership_id][(sender_id, d.to_partner_id)] = DirectionFacts(
            d.sent, d.counts["accepted"], d.counts["won"], d.counts["reward_paid"]
        )
        receiver.received += d.sent
        receiver.expired += d.counts["expired"]
        receiver.won += d.counts["won"]
        for currency, amount in d.money["deal_value"].items():
            by_sender = receiver.won_value.setdefault(currency, {})
            by_sender[sender_id] = by_sender.get(sender_id, Decimal(0)) + amount
    last_days = _last_handoff_days(session, [p.id for p in pairs_rows if p.status == "active"])
    pairs = [
        PairFacts(
            partnership_id=p.id,
            status=p.status,
            a=p.proposer_id,
            b=p.responder_id,
            directions=directions[p.id],
            days_since_last_handoff=(today - last_days[p.id]).days if p.id in last_days else None,
            days_active=(today - (p.activated_at or p.created_at).date()).days,
        )
        for p in pairs_rows
    ]
    return Facts(period_days, partners, pairs)


def _last_handoff_days(session: Session, partnership_ids: list[int]) -> dict[int, date]:
    if not partnership_ids:
        return {}
    rollups.write_pending(session)
    rows = session.execute(
        select(HandoffRollup.partnership_id, func.max(HandoffRollup.day))
        .where(HandoffRollup.partnership_id.in_(partnership_ids), HandoffRollup.sent > 0)
        .group_by(HandoffRollup.partnership_id)
    )
    return dict(rows.all())


def compute_flags(session: Session, *, now: datetime) -> list[Finding]:
    """Every flag true now, with the admins' thresholds."""
    t = thresholds(session)
    return evaluate(gather_facts(session, now=now, period_days=int(t["flags.period_days"])), t)


def refresh_flags(session: Session, *, now: datetime) -> list[Flag]:
    """Raise the flags that became true, clear those no longer true; return the raised ones.

    A newly raised flag emits `flag.raised` to each partner it names and notifies
    their managers; one that stays raised only gets its numbers and sentence
    updated, so partners hear of a flag once. The worker runs this on a schedule and commits.
    """
    raised = {
        (f.kind, f.subject_key): f for f in session.scalars(select(Flag).where(Flag.cleared_at.is_(None)))
    }
    current, new = [], []
    for finding in compute_flags(session, now=now):
        flag = raised.pop((finding.kind, finding.subject_key), None)
        if flag is None:
            flag = Flag(kind=finding.kind, subject_key=finding.subject_key, raised_at=now)
            session.add(flag)
            new.append(flag)
        _apply(flag, finding)
        current.append(flag)
    for stale in raised.values():
        stale.cleared_at = now
    # One flush for all new flags, so the events below can carry their ids.
    session.flush()
    for flag in new:
        notifications.flag_raised(session, flag, now=now)
        for partner_id in (flag.partner_id, flag.other_partner_id):
            if partner_id is not None:
                outbox.emit(
                    session,
                    partner_id=partner_id,
                    event_type="flag.raised",
                    data=flag_event(flag),
                    occurred_at=now,
                )
    return current


def _apply(flag: Flag, finding: Finding) -> None:
    flag.partner_id = finding.partner_id
    flag.other_partner_id = finding.other_partner_id
    flag.numbers = finding.numbers
    flag.sentence = finding.sentence


def flag_event(flag: Flag) -> dict:
    partners = [p for p in (flag.partner_id, flag.other_partner_id) if p is not None]
    return {
        "flag": {
            "id": flag.id,
            "kind": flag.kind,
            "partners": partners,
            "numbers": flag.numbers,
            "sentence": flag.sentence,
            "raised_at": flag.raised_at.isoformat(),
        }
    }


def flags_of(session: Session, *, partner_id: int | None) -> list[Flag]:
    """The raised flags that name the partner (every raised flag for None, the operator), newest first."""
    stmt = select(Flag).where(Flag.cleared_at.is_(None)).order_by(Flag.raised_at.desc(), Flag.id.desc())
    if partner_id is not None:
        stmt = stmt.where(or_(Flag.partner_id == partner_id, Flag.other_partner_id == partner_id))
    return list(session.scalars(stmt))
