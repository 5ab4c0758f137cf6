"""What a rep's daily screen shows: handoffs in and out, the moves open on each, the time left to accept.

A receiving rep who acts on a handoff still "sent" has plainly got it: the move
marks it delivered first (lifecycle.move_handoff), so the rep sees one Accept
button, never a "mark as delivered" chore (law 4: fewer actions).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from partnerhub import lifecycle
from partnerhub.actors import Actor
from partnerhub.db import utcnow
from partnerhub.models import Handoff, Lead
from partnerhub.models.handoff import OPEN_STATUSES, RELEASED_STATUSES

# Moves about money, shown apart from the sales work.
REWARD_MOVES = ("reward_invoiced", "reward_paid", "rep_paid")
RECENT_OUTGOING = 30


def moves_open_to(handoff: Handoff, actor: Actor) -> list[str]:
    """The moves `actor` may make on the handoff from a page, in the diagram's order."""
    side = lifecycle.side_of(handoff, actor)
    status = handoff.status
    if status == "sent" and side == lifecycle.RECEIVER:
        status = "delivered"
    return [to for to in lifecycle.moves_for(status, side) if to != "delivered"]


def time_to_accept(handoff: Handoff, now: datetime) -> timedelta | None:
    """How long the receiver still has to accept (negative once overdue); None when no clock runs."""
    if handoff.status not in lifecycle.AWAITING_ACCEPTANCE or handoff.sla_due_at is None:
        return None
    return handoff.sla_due_at - now


def describe_time_left(left: timedelta) -> str:
    """ "5 h 20 min left", "2 days left" or "overdue by 3 h", rounded to what a rep needs."""
    seconds = abs(int(left.total_seconds()))
    days, hours, minutes = seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
    if days >= 2:
        span = f"{days} days"
    elif days or hours:
        span = f"{days * 24 + hours} h" + (f" {minutes} min" if minutes and not days else "")
    else:
        span = f"{minutes} min"
    return f"{span} left" if left.total_seconds() >= 0 else f"overdue by {span}"


@dataclass(frozen=True)
class Item:
    handoff: Handoff
    moves: list[str]
    time_left: timedelta | None

    @property
    def overdue(self) -> bool:
        return self.time_left is not None and self.time_left.total_seconds() < 0


@dataclass(frozen=True)
class Inbox:
    waiting: list[Item]
    working: list[Item]
    rewards: list[Item]
    outgoing: list[Item]


def inbox_of(session: Session, *, actor: Actor, now: datetime | None = None) -> Inbox:
    """The actor's partner's handoffs as a rep works them: to accept, in progress, rewards, sent out."""
    now = now or utcnow()
    partner_id = actor.partner_id
    loaded = (selectinload(Handoff.lead).selectinload(Lead.need_category), selectinload(Handoff.from_partner))
    incoming = session.scalars(
        lifecycle.handoffs_of(partner_id, direction="incoming")
        .where(Handoff.status.in_((*OPEN_STATUSES, "reward_invoiced")))
        .options(*loaded)
        .order_by(Handoff.sla_due_at, Handoff.id)
    ).all()
    outgoing = session.scalars(
        lifecycle.handoffs_of(partner_id, direction="outgoing")
        .options(selectinload(Handoff.lead), selectinload(Handoff.to_partner))
        .order_by(Handoff.id.desc())
        .limit(RECENT_OUTGOING)
    ).all()
    owed = session.scalars(
        lifecycle.handoffs_of(partner_id, direction="outgoing")
        .where(Handoff.status.in_(("won", "reward_paid")))
        .options(selectinload(Handoff.lead), selectinload(Handoff.to_partner))
        .order_by(Handoff.id)
    ).all()

    def item(handoff: Handoff) -> Item:
        return Item(handoff, moves_open_to(handoff, actor), time_to_accept(handoff, now))

    items = [item(h) for h in incoming]
    return Inbox(
        waiting=[i for i in items if i.handoff.status in lifecycle.AWAITING_ACCEPTANCE],
        working=[i for i in items if i.handoff.status in ("accepted", "contacted")],
        rewards=[i for i in items if i.handoff.status == "reward_invoiced"] + [item(h) for h in owed],
        outgoing=[item(h) for h in outgoing],
    )


def holder(lead: Lead) -> Handoff | None:
    """The handoff holding the lead now, if any."""
    return next((h for h in lead.handoffs if h.status not in RELEASED_STATUSES), None)


def can_hand_off(lead: Lead) -> bool:
    """A qualified lead with a stated need that nobody holds may be handed off by hand."""
    return lead.status != "not_qualified" and lead.need_category_id is not None and holder(lead) is None


def leads_desk(session: Session, *, partner_id: int, limit: int = 50) -> list[Lead]:
    """The partner's newest leads with their handoffs loaded."""
    return list(
        session.scalars(
            select(Lead)
            .where(Lead.partner_id == partner_id)
            .options(
                selectinload(Lead.handoffs).selectinload(Handoff.to_partner),
                selectinload(Lead.need_category),
            )
            .order_by(Lead.id.desc())
            .limit(limit)
        )
    )
