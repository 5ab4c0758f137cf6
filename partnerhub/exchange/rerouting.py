"""A handoff's moves with what they mean for its lead: a declined or expired handoff sends its
lead on to the next partner, past every partner that held it.

The lifecycle knows the moves and opens handoffs; routing chooses the partner and opens the
handoff through the lifecycle; the two meet here, so the imports run one way:
rerouting -> routing -> lifecycle. Every door that moves a handoff (the API, the pages, the
simulation, the SLA job) comes through this module.
"""

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from partnerhub.core.actors import Actor
from partnerhub.core.db import utcnow
from partnerhub.exchange import lifecycle
from partnerhub.exchange.routing import route_lead
from partnerhub.models import Handoff


def move_handoff(
    session: Session,
    *,
    handoff: Handoff,
    to: str,
    actor: Actor,
    note: str = "",
    deal_value: Decimal | None = None,
    currency: str | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> Handoff:
    """Move the handoff to `to` for `actor`, or refuse without changing anything
    (`lifecycle.apply_move`); a declined handoff's lead is routed again at once."""
    now = now or utcnow()
    lifecycle.apply_move(
        session,
        handoff=handoff,
        to=to,
        actor=actor,
        note=note,
        deal_value=deal_value,
        currency=currency,
        reason=reason,
        now=now,
    )
    if handoff.status == "declined":
        route_lead(session, lead=handoff.lead, actor=Actor.system(), now=now)
    return handoff


def expire_overdue_handoffs(session: Session, *, now: datetime | None = None) -> list[Handoff]:
    """Expire every handoff not accepted by its SLA time and route its lead again, one after the other."""
    now = now or utcnow()
    overdue = lifecycle.overdue_handoffs(session, now=now)
    for handoff in overdue:
        lifecycle.expire(session, handoff=handoff, now=now)
        route_lead(session, lead=handoff.lead, actor=Actor.system(), now=now)
    return overdue
