"""What a rep's daily screen shows: handoffs in and out, the moves open on each, the time left to accept.

A receiving rep who acts on a handoff still "sent" has plainly got it: the move
marks it delivered first (lifecycle.apply_move), so the rep sees one Accept
button, never a "mark as delivered" chore (law 4: fewer actions).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, defer, joinedload

from partnerhub.core.actors import Actor
from partnerhub.core.db import utcnow
from partnerhub.core.i18n import DEFAULT_LANGUAGE, Translator, phrase, translator
from partnerhub.core.words import counted
from partnerhub.exchange import follow_ups, lifecycle, lists
from partnerhub.models import FollowUp, Handoff, Lead, Partner
from partnerhub.models.handoff import RELEASED_STATUSES

# Moves about money, shown apart from the sales work.
REWARD_MOVES = ("reward_invoiced", "reward_paid", "rep_paid")
# The first handoffs of each part of the inbox; its count says how many more a search would find.
SECTION_SIZE = 20
COUNT_CAP = 1000


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


def describe_time_left(left: timedelta, tr: Translator | None = None) -> str:
    """ "5 h 20 min left", "2 days left" or "overdue by 3 h", rounded to what a rep needs,
    in the reader's language (English without a Translator)."""
    seconds = abs(int(left.total_seconds()))
    days, hours, minutes = seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
    if days >= 2:
        span = counted(days, "day")
    elif days or hours:
        if minutes and not days:
            span = phrase("%(hours)s h %(minutes)s min", hours=days * 24 + hours, minutes=minutes)
        else:
            span = phrase("%(hours)s h", hours=days * 24 + hours)
    else:
        span = phrase("%(minutes)s min", minutes=minutes)
    if left.total_seconds() >= 0:
        return (tr or translator(DEFAULT_LANGUAGE)).phrase(phrase("%(span)s left", span=span))
    return (tr or translator(DEFAULT_LANGUAGE)).phrase(phrase("overdue by %(span)s", span=span))


@dataclass(frozen=True)
class Item:
    handoff: Handoff
    moves: list[str]
    time_left: timedelta | None

    @classmethod
    def of(cls, handoff: Handoff, actor: Actor, now: datetime) -> "Item":
        return cls(handoff, moves_open_to(handoff, actor), time_to_accept(handoff, now))

    @property
    def overdue(self) -> bool:
        return self.time_left is not None and self.time_left.total_seconds() < 0


@dataclass(frozen=True)
class Section:
    """The first handoffs of one part of the inbox, and how many there are: all of them, or at least
    that many (`more`)."""

    items: list[Item]
    total: int
    more: bool = False

    @property
    def count(self) -> str:
        return f"{self.total:,}+" if self.more else str(self.total)


@dataclass(frozen=True)
class Inbox:
    waiting: Section
    working: Section
    rewards: Section


# Rewards to confirm: invoiced to us, or ours to invoice (won) or to pass to the rep (paid).
_REWARDS = (("incoming", ("reward_invoiced",)), ("outgoing", ("won", "reward_paid")))
# What a line of the inbox shows, joined in the one query that reads the handoffs; not the JSON a
# line never shows (routing's scores, a lead's reasons, the partners' regions), which cost 480
# decodes a page. Read anyway, they raise: a lazy load a row would be a query a row.
_SHOWN = (
    joinedload(Handoff.lead).options(
        joinedload(Lead.need_category),
        defer(Lead.reasons, raiseload=True),
        defer(Lead.reason_words, raiseload=True),
    ),
    joinedload(Handoff.from_partner).load_only(Partner.name, raiseload=True),
    joinedload(Handoff.to_partner).load_only(Partner.name, raiseload=True),
    defer(Handoff.score_parts, raiseload=True),
    defer(Handoff.runners_up, raiseload=True),
)


def _count(session: Session, stmt: Select, id_column=Handoff.id) -> int:
    # Counting stops at the cap: a rep needs "1,000+", not a scan of a million rows to say 1,234.
    capped = stmt.with_only_columns(id_column).order_by(None).limit(COUNT_CAP)
    return session.execute(select(func.count()).select_from(capped.subquery())).scalar_one()


def inbox_of(session: Session, *, actor: Actor, now: datetime | None = None, **filters) -> Inbox:
    """The actor's partner's handoffs as a rep works them: to accept (soonest due first), in progress
    and rewards to confirm (newest first), each its first SECTION_SIZE with its count; `filters` as
    lists.handoffs_of."""
    now = now or utcnow()
    partner_id = actor.partner_id
    assert partner_id is not None, "a partner's person"
    searched = filters.get("q") is not None

    def section(*parts: tuple[str, tuple[str, ...]], soonest_due: bool = False) -> Section:
        items, total, more = [], 0, False
        for direction, statuses in parts:
            stmt = lists.handoffs_of(partner_id, direction=direction, **filters).where(
                Handoff.status.in_(statuses)
            )
            order = (Handoff.sla_due_at, Handoff.id) if soonest_due else (Handoff.id.desc(),)
            # Searched, a part says only whether it found more than it shows: counting a common
            # name's matches to a thousand checked the leads of 20,000 handoffs, 100 ms a part.
            size = SECTION_SIZE + 1 if searched else SECTION_SIZE
            shown = list(session.scalars(lists.first(stmt.options(*_SHOWN), Handoff.id, *order, limit=size)))
            items += [Item.of(h, actor, now) for h in shown[:SECTION_SIZE]]
            found = min(len(shown), SECTION_SIZE) if searched else _count(session, stmt)
            total += found
            more |= len(shown) > SECTION_SIZE if searched else found >= COUNT_CAP
        return Section(items, total, more)

    return Inbox(
        # Few wait at any time (the clock expires them), and the next to run out comes first.
        waiting=section(("incoming", lifecycle.AWAITING_ACCEPTANCE), soonest_due=True),
        working=section(("incoming", ("accepted", "contacted"))),
        rewards=section(*_REWARDS),
    )


# A handoff due within this long is one a rep should see on the start page.
DUE_SOON = timedelta(hours=4)


@dataclass(frozen=True)
class ToDos:
    """How many handoffs wait for the partner's reps, of which are due soon (or overdue), rewards, and
    the person's follow-ups of won customers due today or overdue (of which overdue: from before today)."""

    waiting: int
    due_soon: int
    rewards: int
    follow_ups_due: int = 0
    follow_ups_overdue: int = 0


def to_dos(session: Session, *, actor: Actor, now: datetime | None = None) -> ToDos:
    """The counts the start page shows, each capped at COUNT_CAP like the inbox's."""
    now = now or utcnow()
    partner_id = actor.partner_id
    assert partner_id is not None, "a partner's person"
    waiting = lists.handoffs_of(partner_id, direction="incoming").where(
        Handoff.status.in_(lifecycle.AWAITING_ACCEPTANCE)
    )
    today = datetime.combine(now.date(), time(), tzinfo=UTC)
    follow_ups_due = follow_ups.due_by(partner_id, user_id=actor.user_id, before=today + timedelta(days=1))
    return ToDos(
        follow_ups_due=_count(session, follow_ups_due, FollowUp.id),
        follow_ups_overdue=_count(session, follow_ups_due.where(FollowUp.due_at < today), FollowUp.id),
        waiting=_count(session, waiting),
        due_soon=_count(session, waiting.where(Handoff.sla_due_at < now + DUE_SOON)),
        rewards=sum(
            _count(session, lists.handoffs_of(partner_id, direction=d).where(Handoff.status.in_(statuses)))
            for d, statuses in _REWARDS
        ),
    )


def sent_out(partner_id: int, **filters) -> Select:
    """What the partner handed to others, with what the inbox shows of each; page it newest first."""
    return lists.handoffs_of(partner_id, direction="outgoing", **filters).options(*_SHOWN)


def holder(lead: Lead) -> Handoff | None:
    """The handoff holding the lead now, if any."""
    return next((h for h in lead.handoffs if h.status not in RELEASED_STATUSES), None)


@dataclass(frozen=True)
class Holder:
    """Who holds a lead now, as a list of leads shows it."""

    partner_name: str
    status: str


def holders(session: Session, lead_ids: list[int]) -> dict[int, Holder]:
    """Who holds each of these leads now, by lead id: one query for a page of leads, rather than
    their handoffs loaded whole to find the holding one."""
    rows = session.execute(
        select(Handoff.lead_id, Partner.name, Handoff.status)
        .join(Partner, Partner.id == Handoff.to_partner_id)
        .where(Handoff.lead_id.in_(lead_ids), Handoff.status.not_in(RELEASED_STATUSES))
    )
    return {lead_id: Holder(name, status) for lead_id, name, status in rows}


def may_hand_off(lead: Lead) -> bool:
    """A qualified lead with a stated need may be handed off by hand, while nobody holds it."""
    return lead.status != "not_qualified" and lead.need_category_id is not None


def can_hand_off(lead: Lead) -> bool:
    """Whether the lead may be handed off by hand now: nobody holds it."""
    return may_hand_off(lead) and holder(lead) is None
