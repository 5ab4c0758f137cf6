"""What the two sides of a handoff say to each other, and the handoff's timeline of who did what.

Either side may read and write a handoff's comments; to anyone else the handoff
does not exist. Each comment is announced to the other side's webhooks
(`handoff.commented`) and, in the same transaction, to the people of the lead
(notifications.handoff_commented).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from partnerhub.core import outbox
from partnerhub.core.actors import Actor, acting_partner
from partnerhub.core.db import utcnow
from partnerhub.core.errors import InvalidInput
from partnerhub.core.i18n import Phrase, phrase
from partnerhub.exchange import follow_ups
from partnerhub.models import ApiClient, Handoff, HandoffComment, User
from partnerhub.people import notifications

MAX_TEXT = 5000
PLATFORM = "PartnerHub"


def comments_on(session: Session, *, handoff: Handoff) -> list[HandoffComment]:
    """The handoff's comments, oldest first, with their authors loaded."""
    return list(
        session.scalars(
            select(HandoffComment)
            .where(HandoffComment.handoff_id == handoff.id)
            .options(
                selectinload(HandoffComment.author_user),
                selectinload(HandoffComment.author_client),
                selectinload(HandoffComment.partner),
            )
            .order_by(HandoffComment.id)
        )
    )


def add_comment(
    session: Session, *, handoff: Handoff, actor: Actor, text: str, now: datetime | None = None
) -> HandoffComment:
    """A person or a partner's system of either side says something on the handoff."""
    now = now or utcnow()
    acting_partner(session, actor)
    text = (text or "").strip()
    if not 1 <= len(text) <= MAX_TEXT:
        raise InvalidInput(
            {"text": [phrase("must be 1 to %(most)s characters, not only spaces", most=MAX_TEXT)]}
        )
    comment = HandoffComment(
        handoff_id=handoff.id,
        author_user_id=actor.user_id,
        author_client_id=actor.client_id,
        partner_id=actor.partner_id,
        text=text,
        created_at=now,
    )
    session.add(comment)
    session.flush()
    other = handoff.to_partner_id if actor.partner_id == handoff.from_partner_id else handoff.from_partner_id
    outbox.emit(
        session,
        partner_id=other,
        event_type="handoff.commented",
        data=comment_payload(comment),
        occurred_at=now,
    )
    notifications.handoff_commented(session, comment, now=now)
    return comment


def author_of(comment: HandoffComment) -> dict:
    """Who wrote a comment, as both sides see it: a person's name, or the name of a partner's system."""
    if comment.author_user is not None:
        name = comment.author_user.name or comment.author_user.email
    else:
        assert comment.author_client is not None, "a comment has one author or the other (a check)"
        name = comment.author_client.name or "Their system"
    return {"name": name, "partner": {"id": comment.partner_id, "name": comment.partner.name}}


def comment_payload(comment: HandoffComment) -> dict:
    """A comment as the API and the webhook show it."""
    return {
        "id": comment.id,
        "handoff_id": comment.handoff_id,
        "author": author_of(comment),
        "text": comment.text,
        "created_at": comment.created_at.isoformat(),
    }


@dataclass(frozen=True)
class Step:
    """One line of a handoff's timeline: when, who (in words), and what happened."""

    at: datetime
    # A name, or a Phrase such as "Windows Co's system" to render in the reader's language.
    who: str | Phrase
    status: str | None = None
    note: str = ""
    comment: str | None = None
    # A fact in words, such as an after-sale follow-up: "Followed up on day 14: satisfied".
    fact: Phrase | None = None


def timeline(session: Session, *, handoff: Handoff) -> list[Step]:
    """Every move, comment and recorded follow-up of the handoff in order, each naming who made it: a
    person and their partner, a partner's system, or the platform."""
    events = handoff.events
    scheduled = follow_ups.of_handoff(session, handoff=handoff)
    recorded = [(f, f.done_at) for f in scheduled if f.done_at is not None]
    deciders = {f.done_by_user_id for f, _ in recorded}
    people = _by_id(session, User, {e.actor_user_id for e in events} | deciders)
    systems = _by_id(session, ApiClient, {e.actor_client_id for e in events})
    partners = {handoff.from_partner_id: handoff.from_partner, handoff.to_partner_id: handoff.to_partner}

    def who(user_id: int | None, client_id: int | None) -> str | Phrase:
        if user_id is not None:
            person = people[user_id]
            side = partners.get(person.partner_id)
            return f"{person.name or person.email}" + (f" ({side.name})" if side else "")
        if client_id is not None:
            client = systems[client_id]
            return phrase("%(partner)s's system", partner=partners[client.partner_id].name)
        return PLATFORM

    steps = [Step(e.at, who(e.actor_user_id, e.actor_client_id), e.to_status, e.note) for e in events]
    steps += [
        Step(c.created_at, f"{author_of(c)['name']} ({c.partner.name})", comment=c.text)
        for c in comments_on(session, handoff=handoff)
    ]
    # Recorded by a person or, without one, by the receiver's system.
    steps += [
        Step(
            done_at,
            who(f.done_by_user_id, None) if f.done_by_user_id else handoff.to_partner.name,
            fact=follow_ups.fact(f),
        )
        for f, done_at in recorded
    ]
    return sorted(steps, key=lambda s: s.at)


def _by_id(session: Session, model, ids: set[int | None]) -> dict:
    ids.discard(None)
    if not ids:
        return {}
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(ids)))}
