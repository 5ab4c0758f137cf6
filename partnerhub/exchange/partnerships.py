"""Partnerships: proposing one, the moves each side may make on it, amending its terms, and its story."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from partnerhub.core import audit
from partnerhub.core.actors import Actor, refuse_unless_active
from partnerhub.core.db import utcnow
from partnerhub.core.errors import Conflict, DomainError, InvalidInput, NotAllowed, NotFound
from partnerhub.core.i18n import N_, phrase
from partnerhub.core.validation import Checks, in_whole_cents
from partnerhub.core.words import status_in_sentence
from partnerhub.exchange import rollups
from partnerhub.models import Flag, Handoff, HandoffRollupMonth, Lead, Partner, Partnership, PartnershipTerms
from partnerhub.models.partnership import TERMS_FIELDS
from partnerhub.people import notifications


@dataclass(frozen=True)
class Move:
    sources: tuple[str, ...]
    target: str
    # "responder": only the invited side; "either": both; "pauser": the side that paused.
    by: str


# (lowest, highest) of each number in a partnership's terms.
TERM_BOUNDS = {
    "reward_value": (0, 10_000_000),
    "rep_share_percent": (0, 100),
    "accept_sla_hours": (1, 24 * 30),
    "monthly_cap": (1, 1_000_000),
}
# The days after a win on which the receiver's rep follows the customer up: each within a year,
# at most MAX_FOLLOW_UPS of them, each once; kept in increasing order.
FOLLOW_UP_DAY_BOUNDS = (1, 365)
MAX_FOLLOW_UPS = 6

MOVES = {
    "accept": Move(("proposed",), "active", "responder"),
    "decline": Move(("proposed",), "declined", "responder"),
    "pause": Move(("active",), "paused", "either"),
    "resume": Move(("paused",), "active", "pauser"),
    "end": Move(("proposed", "active", "paused"), "ended", "either"),
}
# The refusals of each move, whole sentences for the catalogs: the languages do not put a verb in alike.
CANNOT_MOVE = {
    "accept": N_("Cannot accept a partnership that is %(status)s."),
    "decline": N_("Cannot decline a partnership that is %(status)s."),
    "pause": N_("Cannot pause a partnership that is %(status)s."),
    "resume": N_("Cannot resume a partnership that is %(status)s."),
    "end": N_("Cannot end a partnership that is %(status)s."),
}
ONLY_THE_INVITED = {
    "accept": N_("Only the invited partner can accept this partnership."),
    "decline": N_("Only the invited partner can decline this partnership."),
}
ONLY_THE_OTHER_SIDE = {
    "accept": N_("Only the other side can accept the terms you proposed."),
    "decline": N_("Only the other side can decline the terms you proposed."),
}
# Each move as done, for the pages and the audit log.
MOVE_DONE = {
    "accept": "accepted",
    "decline": "declined",
    "pause": "paused",
    "resume": "resumed",
    "end": "ended",
}


# A percent reward is a share of the deal value: all of it at most.
MAX_PERCENT = 100


def partnerships_of(partner_id: int, status: str | None = None) -> Select:
    stmt = select(Partnership).where(
        or_(Partnership.proposer_id == partner_id, Partnership.responder_id == partner_id)
    )
    if status:
        stmt = stmt.where(Partnership.status == status)
    return stmt


def partners_of(
    session: Session, *, partner_id: int, status: str = "active"
) -> list[tuple[Partnership, Partner]]:
    """The partner's partnerships in `status`, each with the partner on the other side."""
    rows = session.scalars(
        partnerships_of(partner_id, status)
        .options(selectinload(Partnership.proposer), selectinload(Partnership.responder))
        .order_by(Partnership.id)
    )
    return [(p, p.responder if p.proposer_id == partner_id else p.proposer) for p in rows]


def get_partnership(session: Session, *, partner_id: int, partnership_id: int) -> Partnership:
    """A partnership the partner is part of; any other is not found."""
    partnership = session.get(Partnership, partnership_id)
    if partnership is None or not partnership.involves(partner_id):
        raise NotFound(phrase("No partnership %(id)s.", id=str(partnership_id)))
    return partnership


def propose_partnership(
    session: Session, *, proposer: Partner, partner_id: int, terms: dict, actor: Actor, origin: str = ""
) -> Partnership:
    """Propose a partnership; the other side accepts or declines it."""
    refuse_unless_active(proposer)
    if partner_id == proposer.id:
        # The id is a valid one, the caller's own: who is asking refuses it, not the input.
        raise Conflict(N_("A partner cannot partner with itself."))
    other = session.get(Partner, partner_id)
    if other is None or other.status != "active":
        raise NotFound(phrase("No active partner %(id)s.", id=str(partner_id)))
    key = Partnership.key_for(proposer.id, other.id)
    existing = session.scalar(
        select(Partnership).where(
            Partnership.pair_key == key, Partnership.status.not_in(("ended", "declined"))
        )
    )
    if existing is not None:
        raise Conflict(
            phrase(
                "%(proposer)s and %(other)s already have a %(status)s partnership.",
                proposer=proposer.name,
                other=other.name,
                status=status_in_sentence(existing.status),
            ),
            partnership_id=existing.id,
        )
    terms = _checked_terms(terms)
    partnership = Partnership(proposer=proposer, responder=other, pair_key=key, **terms)
    session.add(partnership)
    session.flush()
    session.add(_version(partnership, 1, proposed_by=proposer.id, now=partnership.created_at or utcnow()))
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="partnership.proposed",
        partner_id=proposer.id,
        target=f"partnership {partnership.id} with {other.name}",
        details={name: str(value) for name, value in terms.items() if value is not None},
        origin=origin,
    )
    notifications.proposal_waiting(session, partnership)
    return partnership


def _version(
    partnership: Partnership, version: int, *, proposed_by: int, now: datetime, **terms
) -> PartnershipTerms:
    values = {name: terms.get(name, getattr(partnership, name)) for name in TERMS_FIELDS}
    return PartnershipTerms(
        partnership_id=partnership.id,
        version=version,
        status="proposed",
        proposed_by_id=proposed_by,
        proposed_at=now,
        note=terms.get("note", ""),
        **values,
    )


def _checked_terms(terms: dict) -> dict:
    """The terms as kept (follow-up days in increasing order), or InvalidInput naming what is wrong."""
    checks = Checks()
    # Amounts arrive as Decimal or as their text; counts as int.
    values = {name: terms.get(name) for name in TERM_BOUNDS}
    for name in ("reward_value", "rep_share_percent"):
        if (value := values[name]) is not None:
            values[name] = Decimal(value)
    for name, (low, high) in TERM_BOUNDS.items():
        checks.number(f"terms.{name}", values[name], low, high)
    for name in ("reward_value", "rep_share_percent"):
        if (value := values[name]) is not None and not in_whole_cents(value):
            checks.refuse(f"terms.{name}", N_("must have at most 2 decimal places"))
    reward = values["reward_value"]
    if (
        terms.get("reward_type") == "percent"
        and "terms.reward_value" not in checks.errors
        and reward is not None
        and reward > MAX_PERCENT
    ):
        checks.refuse(
            "terms.reward_value", phrase("a percent reward cannot exceed %(most)s", most=MAX_PERCENT)
        )
    days = terms.get("follow_up_days")
    if days is not None:
        terms = {**terms, "follow_up_days": _checked_days(checks, days)}
    checks.done()
    return terms


def _checked_days(checks: Checks, days) -> list[int]:
    field = "terms.follow_up_days"
    low, high = FOLLOW_UP_DAY_BOUNDS
    if not isinstance(days, list | tuple) or not all(type(d) is int for d in days):
        checks.refuse(field, N_("must be a list of whole days"))
        return []
    if len(days) > MAX_FOLLOW_UPS:
        checks.refuse(field, phrase("at most %(most)s follow-ups", most=MAX_FOLLOW_UPS))
    if any(not low <= d <= high for d in days):
        checks.refuse(field, phrase("each day must be from %(low)s to %(high)s", low=low, high=high))
    if len(set(days)) != len(days):
        checks.refuse(field, N_("each day at most once"))
    return sorted(days)


def _refusal(partnership: Partnership, *, partner_id: int, move: str) -> DomainError | None:
    """Why `partner_id` may not make `move` now, or None when it may."""
    rule = MOVES[move]
    if partnership.status not in rule.sources:
        return Conflict(phrase(CANNOT_MOVE[move], status=status_in_sentence(partnership.status)))
    if rule.by == "responder" and partner_id != partnership.responder_id:
        return NotAllowed(ONLY_THE_INVITED[move])
    if rule.by == "pauser" and partner_id != partnership.paused_by_id:
        return NotAllowed(N_("Only the partner that paused this partnership can resume it."))
    return None


def moves_open_to(partnership: Partnership, *, partner_id: int) -> list[str]:
    """The moves `partner_id` may make on the partnership now, in MOVES order."""
    return [move for move in MOVES if _refusal(partnership, partner_id=partner_id, move=move) is None]


def change_partnership(
    session: Session, *, partnership: Partnership, partner_id: int, move: str, actor: Actor, origin: str = ""
) -> Partnership:
    """Apply one of MOVES for `partner_id`, or refuse without changing anything."""
    refuse_unless_active(_own(partnership, partner_id))
    refusal = _refusal(partnership, partner_id=partner_id, move=move)
    if refusal is not None:
        raise refusal
    rule = MOVES[move]
    partnership.status = rule.target
    now = utcnow()
    if rule.target == "active":
        partnership.activated_at = partnership.activated_at or now
        partnership.paused_by_id = None
    elif rule.target == "paused":
        partnership.paused_by_id = partner_id
    elif rule.target in ("ended", "declined"):
        partnership.ended_at = now
    if move in ("accept", "decline"):
        first = _proposal(session, partnership)
        if first is not None:
            first.status, first.decided_at = ("accepted" if move == "accept" else "declined"), now
    other = _other(partnership, partner_id)
    audit.record(
        session,
        actor=actor,
        action=f"partnership.{MOVE_DONE[move]}",
        partner_id=partner_id,
        target=f"partnership {partnership.id} with {other.name}",
        origin=origin,
    )
    session.flush()
    return partnership


def _own(partnership: Partnership, partner_id: int) -> Partner:
    return partnership.proposer if partner_id == partnership.proposer_id else partnership.responder


def _other(partnership: Partnership, partner_id: int) -> Partner:
    return partnership.responder if partner_id == partnership.proposer_id else partnership.proposer


# --- amending the terms ---------------------------------------------------------


def terms_history(session: Session, *, partnership: Partnership) -> list[PartnershipTerms]:
    """Every version of the partnership's terms, the first one first."""
    return list(
        session.scalars(
            select(PartnershipTerms)
            .where(PartnershipTerms.partnership_id == partnership.id)
            .order_by(PartnershipTerms.version)
        )
    )


def _proposal(session: Session, partnership: Partnership) -> PartnershipTerms | None:
    return session.scalar(
        select(PartnershipTerms).where(
            PartnershipTerms.partnership_id == partnership.id, PartnershipTerms.status == "proposed"
        )
    )


def propose_terms(
    session: Session,
    *,
    partnership: Partnership,
    partner_id: int,
    terms: dict,
    actor: Actor,
    note: str = "",
    origin: str = "",
) -> PartnershipTerms:
    """One side proposes new terms for a living partnership; they apply once the other side accepts.

    Handoffs already sent keep the terms they were made under.
    """
    refuse_unless_active(_own(partnership, partner_id))
    if partnership.status not in ("active", "paused"):
        raise Conflict(
            phrase(
                "Cannot amend the terms of a partnership that is %(status)s.",
                status=status_in_sentence(partnership.status),
            )
        )
    if _proposal(session, partnership) is not None:
        raise Conflict(
            N_("Other terms are already proposed; they are accepted, declined or withdrawn first.")
        )
    terms = _checked_terms(terms)
    unknown = set(terms) - set(TERMS_FIELDS)
    if unknown:
        raise InvalidInput({f"terms.{name}": [N_("not a term of a partnership")] for name in sorted(unknown)})
    latest = session.scalar(
        select(func.max(PartnershipTerms.version)).where(PartnershipTerms.partnership_id == partnership.id)
    )
    version = _version(
        partnership,
        (latest or 1) + 1,
        proposed_by=partner_id,
        now=utcnow(),
        note=(note or "").strip(),
        **terms,
    )
    session.add(version)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="partnership.terms_proposed",
        partner_id=partner_id,
        target=f"partnership {partnership.id} with {_other(partnership, partner_id).name}",
        details={"version": str(version.version), **{name: str(value) for name, value in terms.items()}},
        origin=origin,
    )
    return version


def answer_terms(
    session: Session,
    *,
    partnership: Partnership,
    partner_id: int,
    version: int,
    answer: str,
    actor: Actor,
    origin: str = "",
) -> PartnershipTerms:
    """The other side accepts or declines proposed terms; the proposer may withdraw them.

    Accepted terms become the partnership's and apply to handoffs sent from now on.
    """
    refuse_unless_active(_own(partnership, partner_id))
    proposal = _proposal(session, partnership)
    if proposal is None or proposal.version != version:
        raise Conflict(phrase("Terms version %(version)s are not proposed.", version=version))
    proposer = proposal.proposed_by_id == partner_id
    if answer == "withdraw" and not proposer:
        raise NotAllowed(N_("Only the side that proposed these terms can withdraw them."))
    if answer in ("accept", "decline") and proposer:
        raise NotAllowed(ONLY_THE_OTHER_SIDE[answer])
    now = utcnow()
    proposal.status = {"accept": "accepted", "decline": "declined", "withdraw": "withdrawn"}[answer]
    proposal.decided_at = now
    if answer == "accept":
        for name in TERMS_FIELDS:
            setattr(partnership, name, getattr(proposal, name))
        partnership.terms_version = proposal.version
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=f"partnership.terms_{proposal.status}",
        partner_id=partner_id,
        target=f"partnership {partnership.id} with {_other(partnership, partner_id).name}",
        details={"version": str(version)},
        origin=origin,
    )
    return proposal


# --- the partnership's story ----------------------------------------------------


@dataclass
class MonthNumbers:
    """One month of a partnership from one side: cohorts sent that month and what became of them."""

    month: str
    sent: int = 0
    received: int = 0
    won_from_yours: int = 0
    won_from_theirs: int = 0
    # Leads the won customers referred: of the partner's own leads' customers, and of the other's.
    referrals_from_yours: int = 0
    referrals_from_theirs: int = 0
    deal_value_from_yours: dict[str, Decimal] = field(default_factory=dict)
    deal_value_from_theirs: dict[str, Decimal] = field(default_factory=dict)
    rewards_paid_to_you: dict[str, Decimal] = field(default_factory=dict)
    rewards_paid_by_you: dict[str, Decimal] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """The month in words: "Nov 2026"."""
        return date.fromisoformat(self.month + "-01").strftime("%b %Y")


def _months_back(today: date, months: int) -> list[str]:
    year, month = today.year, today.month
    out = []
    for _ in range(months):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def monthly_numbers(
    session: Session, *, partnership: Partnership, partner_id: int, now: datetime, months: int = 12
) -> list[MonthNumbers]:
    """The last `months` calendar months of the partnership from the partner's side, oldest first.

    Read from the monthly rollups, by the month the handoffs were sent (the balance's cohorts):
    a row a month and direction.
    """
    labels = _months_back(now.date(), months)
    by_month = {label: MonthNumbers(label) for label in labels}
    first = date.fromisoformat(labels[0] + "-01")
    rollups.write_pending(session)
    r = HandoffRollupMonth
    rows = session.execute(
        select(
            r.month, r.from_partner_id, r.currency, r.sent, r.won, r.referrals, r.deal_value, r.rewards_paid
        ).where(r.partnership_id == partnership.id, r.month >= first)
    )
    for month, sender, currency, sent, won, referred, deal_value, rewards_paid in rows:
        numbers = by_month[f"{month.year:04d}-{month.month:02d}"]
        mine = sender == partner_id
        if mine:
            numbers.sent += sent
            numbers.won_from_yours += won
            numbers.referrals_from_yours += referred
        else:
            numbers.received += sent
            numbers.won_from_theirs += won
            numbers.referrals_from_theirs += referred
        for total, amount in (
            (numbers.deal_value_from_yours if mine else numbers.deal_value_from_theirs, deal_value),
            (numbers.rewards_paid_to_you if mine else numbers.rewards_paid_by_you, rewards_paid),
        ):
            total[currency] = total.get(currency, Decimal(0)) + amount
    return list(by_month.values())


SEARCH_LIMIT = 50


def search_handoffs(
    session: Session,
    *,
    partnership: Partnership,
    query: str = "",
    status: str = "",
    limit: int = SEARCH_LIMIT,
) -> list[Handoff]:
    """The partnership's handoffs, newest first, whose buyer, company or e-mail holds `query`, in `status`."""
    stmt = (
        select(Handoff)
        .join(Lead, Lead.id == Handoff.lead_id)
        .where(Handoff.partnership_id == partnership.id)
        .order_by(Handoff.sent_at.desc(), Handoff.id.desc())
        .limit(limit)
    )
    text = (query or "").strip().lower()
    if text:
        pattern = f"%{text}%"
        stmt = stmt.where(
            or_(
                func.lower(Lead.contact_name).like(pattern),
                func.lower(func.coalesce(Lead.contact_company, "")).like(pattern),
                func.lower(func.coalesce(Lead.contact_email, "")).like(pattern),
            )
        )
    if status:
        stmt = stmt.where(Handoff.status == status)
    return list(session.scalars(stmt))


def flags_between(session: Session, *, partnership: Partnership) -> list[Flag]:
    """Every flag, raised or cleared, in any period, that names both partners, newest first."""
    a, b = partnership.proposer_id, partnership.responder_id
    return list(
        session.scalars(
            select(Flag)
            .where(
                or_(
                    (Flag.partner_id == a) & (Flag.other_partner_id == b),
                    (Flag.partner_id == b) & (Flag.other_partner_id == a),
                )
            )
            .order_by(Flag.cleared_at.is_not(None), Flag.raised_at.desc(), Flag.id.desc())
        )
    )
