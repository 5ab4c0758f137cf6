"""Partnerships: proposing one, and the moves each side may make on it."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from partnerhub import audit
from partnerhub.actors import Actor, refuse_unless_active
from partnerhub.db import utcnow
from partnerhub.errors import Conflict, DomainError, InvalidInput, NotAllowed, NotFound
from partnerhub.lifecycle import in_whole_cents
from partnerhub.models import Partner, Partnership
from partnerhub.validation import Checks


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

MOVES = {
    "accept": Move(("proposed",), "active", "responder"),
    "decline": Move(("proposed",), "declined", "responder"),
    "pause": Move(("active",), "paused", "either"),
    "resume": Move(("paused",), "active", "pauser"),
    "end": Move(("proposed", "active", "paused"), "ended", "either"),
}
# Each move as done, for the pages and the audit log.
MOVE_DONE = {
    "accept": "accepted",
    "decline": "declined",
    "pause": "paused",
    "resume": "resumed",
    "end": "ended",
}


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
        raise NotFound(f"No partnership {partnership_id}.")
    return partnership


def propose_partnership(
    session: Session, *, proposer: Partner, partner_id: int, terms: dict, actor: Actor, origin: str = ""
) -> Partnership:
    """Propose a partnership; the other side accepts or declines it."""
    refuse_unless_active(proposer)
    if partner_id == proposer.id:
        raise InvalidInput({"partner_id": ["a partner cannot partner with itself"]})
    other = session.get(Partner, partner_id)
    if other is None or other.status != "active":
        raise NotFound(f"No active partner {partner_id}.")
    key = Partnership.key_for(proposer.id, other.id)
    existing = session.scalar(
        select(Partnership).where(
            Partnership.pair_key == key, Partnership.status.not_in(("ended", "declined"))
        )
    )
    if existing is not None:
        raise Conflict(
            f"{proposer.name} and {other.name} already have a {existing.status} partnership.",
            partnership_id=existing.id,
        )
    _check_terms(terms)
    partnership = Partnership(proposer=proposer, responder=other, pair_key=key, **terms)
    session.add(partnership)
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
    return partnership


def _check_terms(terms: dict) -> None:
    checks = Checks()
    # Amounts arrive as Decimal or as their text; counts as int.
    values = {name: terms.get(name) for name in TERM_BOUNDS}
    for name in ("reward_value", "rep_share_percent"):
        if values[name] is not None:
            values[name] = Decimal(values[name])
    for name, (low, high) in TERM_BOUNDS.items():
        checks.number(f"terms.{name}", values[name], low, high)
    for name in ("reward_value", "rep_share_percent"):
        if values[name] is not None and not in_whole_cents(values[name]):
            checks.refuse(f"terms.{name}", "must have at most 2 decimal places")
    reward = values["reward_value"]
    if terms.get("reward_type") == "percent" and "terms.reward_value" not in checks.errors and reward > 100:
        checks.refuse("terms.reward_value", "a percent reward cannot exceed 100")
    checks.done()


def _refusal(partnership: Partnership, *, partner_id: int, move: str) -> DomainError | None:
    """Why `partner_id` may not make `move` now, or None when it may."""
    rule = MOVES[move]
    if partnership.status not in rule.sources:
        return Conflict(f"Cannot {move} a partnership that is {partnership.status}.")
    if rule.by == "responder" and partner_id != partnership.responder_id:
        return NotAllowed(f"Only the invited partner can {move} this partnership.")
    if rule.by == "pauser" and partner_id != partnership.paused_by_id:
        return NotAllowed("Only the partner that paused this partnership can resume it.")
    return None


def moves_open_to(partnership: Partnership, *, partner_id: int) -> list[str]:
    """The moves `partner_id` may make on the partnership now, in MOVES order."""
    return [move for move in MOVES if _refusal(partnership, partner_id=partner_id, move=move) is None]


def change_partnership(
    session: Session, *, partnership: Partnership, partner_id: int, move: str, actor: Actor, origin: str = ""
) -> Partnership:
    """Apply one of MOVES for `partner_id`, or refuse without changing anything."""
    side = partnership.proposer if partner_id == partnership.proposer_id else partnership.responder
    refuse_unless_active(side)
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
    other = partnership.responder if partner_id == partnership.proposer_id else partnership.proposer
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
