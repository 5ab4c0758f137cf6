"""After-sale follow-ups: a won handoff's receiving rep calls the customer on the partnership's days.

A win schedules one follow-up per day of the terms the handoff was made under
(7, 14, 30 and 60 days by default). Each stays "due" until the receiver records it
"done" with an outcome, or "skipped"; either is final. The receiver works them;
the sender sees them as facts, on the handoff and in its list, and changes none.
"""

from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from partnerhub.core.actors import Actor, acting_partner
from partnerhub.core.db import of_partner, utcnow
from partnerhub.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from partnerhub.core.i18n import N_, Phrase, phrase
from partnerhub.core.words import status_in_sentence
from partnerhub.models import FollowUp, Handoff
from partnerhub.models.follow_up import FOLLOW_UP_OUTCOMES

FINAL = ("done", "skipped")


def schedule_follow_ups(session: Session, *, handoff: Handoff, days: list[int], now: datetime) -> None:
    """Schedule the won handoff's follow-ups on `days` after the win, for its receiver's rep."""
    for day in days:
        session.add(
            FollowUp(
                handoff_id=handoff.id,
                from_partner_id=handoff.from_partner_id,
                to_partner_id=handoff.to_partner_id,
                day=day,
                due_at=now + timedelta(days=day),
                created_at=now,
            )
        )
    session.flush()


def follow_ups_of(partner_id: int, *, direction: str | None = None, status: str | None = None) -> Select:
    """Follow-ups the partner makes ("incoming": of handoffs it received), sees ("outgoing"), or both."""
    return of_partner(FollowUp, partner_id, direction=direction, status=status)


def of_handoff(session: Session, *, handoff: Handoff) -> list[FollowUp]:
    """The handoff's follow-ups, the earliest day first."""
    return list(
        session.scalars(select(FollowUp).where(FollowUp.handoff_id == handoff.id).order_by(FollowUp.day))
    )


def get_follow_up(session: Session, *, partner_id: int, follow_up_id: int) -> FollowUp:
    """A follow-up of a handoff the partner sent or received; any other is not found."""
    follow_up = session.get(FollowUp, follow_up_id)
    if follow_up is None or partner_id not in (follow_up.from_partner_id, follow_up.to_partner_id):
        raise NotFound(phrase("No follow-up %(id)s.", id=str(follow_up_id)))
    return follow_up


def record_follow_up(
    session: Session,
    *,
    follow_up: FollowUp,
    actor: Actor,
    status: str,
    outcome: str | None = None,
    now: datetime | None = None,
) -> FollowUp:
    """The receiver records a due follow-up done, with how it went, or skipped; either is final."""
    now = now or utcnow()
    if actor.partner_id not in (follow_up.from_partner_id, follow_up.to_partner_id):
        raise NotFound(phrase("No follow-up %(id)s.", id=str(follow_up.id)))
    if actor.partner_id != follow_up.to_partner_id:
        raise NotAllowed(
            N_("Only the receiving partner follows its customers up; the sender sees how it went.")
        )
    acting_partner(session, actor)
    if status not in FINAL:
        raise InvalidInput({"status": [phrase("must be one of %(values)s", values=", ".join(FINAL))]})
    if status == "done" and outcome not in FOLLOW_UP_OUTCOMES:
        raise InvalidInput(
            {
                "outcome": [
                    phrase("required when done: one of %(values)s", values=", ".join(FOLLOW_UP_OUTCOMES))
                ]
            }
        )
    if status == "skipped" and outcome is not None:
        raise InvalidInput({"outcome": [N_("a skipped follow-up has no outcome")]})
    # Locked, so of two people recording it at once the second is told it is recorded already.
    session.refresh(follow_up, with_for_update=True)
    if follow_up.status != "due":
        raise Conflict(
            phrase("This follow-up is %(status)s already.", status=status_in_sentence(follow_up.status)),
            current_status=follow_up.status,
            allowed=[],
        )
    follow_up.status = status
    follow_up.outcome = outcome if status == "done" else None
    follow_up.done_at = now
    follow_up.done_by_user_id = actor.user_id
    session.flush()
    return follow_up


def due_by(partner_id: int, *, user_id: int | None, before: datetime) -> Select:
    """The partner's follow-ups still due before `before`, of the handoffs `user_id` owns (all when None)."""
    stmt = follow_ups_of(partner_id, direction="incoming", status="due").where(FollowUp.due_at < before)
    if user_id is not None:
        stmt = stmt.join(Handoff, Handoff.id == FollowUp.handoff_id).where(Handoff.assignee_id == user_id)
    return stmt


def fact(follow_up: FollowUp) -> Phrase:
    """What the sender reads on the handoff: "Followed up on day 14: satisfied", in the reader's language."""
    day = follow_up.day
    if follow_up.status == "skipped":
        return phrase("Follow-up of day %(day)s skipped", day=day)
    if follow_up.outcome == "satisfied":
        return phrase("Followed up on day %(day)s: satisfied", day=day)
    if follow_up.outcome == "issue":
        return phrase("Followed up on day %(day)s: an issue to solve", day=day)
    return phrase("Followed up on day %(day)s: gave a referral", day=day)
