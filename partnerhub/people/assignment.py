"""Who owns a received handoff: one rep of the receiver, given it by load and in turn, or by hand.

A new handoff goes to the receiver's active, not-away rep with the fewest open
handoffs; among equally loaded reps, to the one given a handoff longest ago (or
never), then the lower id: the choice is the same however often it is replayed.

A handoff that changes hands afterwards (reassigned, or released by a rep who leaves) is
announced to the receiver's webhooks as `handoff.updated`, its version bumped, in the same
transaction: the receiver's system keeps who owns what. The sender hears of it with its next move.
"""

from datetime import datetime
from typing import Literal

from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.orm import Session

from partnerhub.core import audit, outbox
from partnerhub.core.actors import Actor, acting_partner
from partnerhub.core.db import built_once, utcnow
from partnerhub.core.errors import InvalidInput, NotAllowed, NotFound
from partnerhub.core.handoff_payload import handoff_payload
from partnerhub.core.i18n import N_, phrase
from partnerhub.models import Handoff, User
from partnerhub.models.handoff import OPEN_STATUSES
from partnerhub.people import notifications


def working_reps(partner_id):
    """The condition on users for the partner's reps who take new handoffs: active and not away."""
    return and_(
        User.partner_id == partner_id, User.role == "rep", User.active.is_(True), User.away.is_(False)
    )


@built_once
def _next_rep(dialect: str):
    # Each rep's open load is counted in the (assignee_id, status) index alone, one short range per
    # rep, whatever the history; joined and grouped instead, every open handoff's row was read.
    open_load = (
        select(func.count())
        .where(Handoff.assignee_id == User.id, Handoff.status.in_(OPEN_STATUSES))
        .correlate(User)
        .scalar_subquery()
    )
    return (
        select(User.id)
        .where(working_reps(bindparam("partner_id")), User.id != bindparam("passed_over"))
        .order_by(open_load, User.last_assigned_at.asc().nulls_first(), User.id)
        .limit(1)
    )


def next_rep(session: Session, partner_id: int, *, passed_over: int = 0) -> int | None:
    """The id of the rep of `partner_id` who should get the next handoff (not `passed_over`), or None."""
    return (
        session.connection()
        .execute(_next_rep(session), {"partner_id": partner_id, "passed_over": passed_over})
        .scalar()
    )


def reps_of(session: Session, partner_id: int) -> list[User]:
    """The partner's active reps, who may be given its handoffs, by name."""
    return list(
        session.scalars(
            select(User)
            .where(User.partner_id == partner_id, User.role == "rep", User.active.is_(True))
            .order_by(User.name, User.id)
        )
    )


def whose(actor: Actor, assignee: Literal["me"] | int) -> int:
    """The user id `assignee` names: "me" is the person acting, which a partner's system is not."""
    if isinstance(assignee, int):
        return assignee
    if actor.user_id is None:
        reason = N_("me names a person signed in; a partner's system gives a user id")
        raise InvalidInput({"assignee": [reason]})
    return actor.user_id


def given(session: Session, handoff: Handoff, now: datetime) -> None:
    """The handoff's assignee was just given it: the next equally loaded rep goes first, and the
    assignee is told in this transaction, so an assignment is never kept untold nor told undone."""
    if handoff.assignee_id is None:
        return
    session.connection().execute(
        update(User).where(User.id == handoff.assignee_id).values(last_assigned_at=now)
    )
    notifications.handoff_assigned(session, handoff, now=now)


def _give(session: Session, handoff: Handoff, user_id: int | None, now: datetime) -> None:
    """Give a locked handoff to another rep (or to nobody) and tell the receiver's system."""
    handoff.assignee_id = user_id
    handoff.assigned_at = now if user_id is not None else None
    # A receiver ordering webhooks by version would drop an event of a version it already has.
    handoff.version += 1
    given(session, handoff, now)
    session.flush()
    # The relationship still holds the rep loaded before: the payload names the new one.
    session.expire(handoff, ["assignee"])
    outbox.emit(
        session,
        partner_id=handoff.to_partner_id,
        event_type="handoff.updated",
        data=handoff_payload(handoff),
        occurred_at=now,
    )


def reassign(
    session: Session,
    *,
    handoff: Handoff,
    user_id: int,
    actor: Actor,
    origin: str = "",
    now: datetime | None = None,
) -> Handoff:
    """Another rep of the receiver owns the handoff: the receiver's system, its manager or the
    assignee decides; the sender may not, and to anyone else the handoff is not found."""
    now = now or utcnow()
    if actor.is_system or actor.partner_id not in (handoff.to_partner_id, handoff.from_partner_id):
        raise NotFound(phrase("No handoff %(id)s.", id=str(handoff.id)))
    if actor.partner_id != handoff.to_partner_id:
        raise NotAllowed(N_("Only the receiving partner assigns its handoffs."))
    acting_partner(session, actor)
    if actor.type != "client":
        person = session.get_one(User, actor.user_id)
        if person.role != "manager" and handoff.assignee_id != person.id:
            raise NotAllowed(
                N_("Only the receiver's managers or the rep who owns this handoff can reassign it.")
            )
    # Locked and read again: two reassignments at once, or one and a move, bump the version in turn.
    session.refresh(handoff, with_for_update=True)
    rep = session.get(User, user_id)
    if rep is None or rep.partner_id != handoff.to_partner_id or rep.role != "rep" or not rep.active:
        raise InvalidInput({"user_id": [N_("must be an active sales rep of the receiving partner")]})
    if handoff.assignee_id != rep.id:
        audit.record(
            session,
            actor=actor,
            action="handoff.reassigned",
            partner_id=handoff.to_partner_id,
            target=f"handoff {handoff.id}",
            details={"before": handoff.assignee_id, "after": rep.id},
            origin=origin,
            now=now,
        )
        _give(session, handoff, rep.id, now)
    session.flush()
    return handoff


def release_held_by(session: Session, person: User, now: datetime | None = None) -> None:
    """Give a deactivated or away rep's open handoffs to the partner's other reps, by load and in
    turn, or leave them unassigned (in the partner's pool) when nobody else works."""
    now = now or utcnow()
    held = session.scalars(
        select(Handoff)
        .where(Handoff.assignee_id == person.id, Handoff.status.in_(OPEN_STATUSES))
        .order_by(Handoff.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for handoff in held:
        # Held by a rep of the receiver: the receiver's other reps take it.
        _give(session, handoff, next_rep(session, handoff.to_partner_id, passed_over=person.id), now)
