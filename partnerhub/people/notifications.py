"""Notifications for one person: in the app (the bell) and by email, each kind switchable.

A notification is written once per person, kind and occasion (the unique index
`uq_notifications_once`), so a job run twice, or two workers racing, tell nobody
twice. What people do (an assignment, a comment, a proposal, a flag) calls this
module in the transaction that does it; what time does (half the acceptance time
passed, about to expire) is found by the worker's jobs. This module imports none
of its callers. Emails leave through the mail outbox (`mail.queue_email`), written in the
same transaction that marks the notification emailed: a mail server that is down
delays them, and loses none.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import CursorResult, Select, func, select, update
from sqlalchemy.orm import Session

from partnerhub.core.db import dialect_insert, utcnow
from partnerhub.core.errors import NotFound
from partnerhub.core.i18n import N_, Phrase, nphrase, part_from_json, parts_to_json, phrase
from partnerhub.core.mail import queue_email
from partnerhub.models import (
    Flag,
    FollowUp,
    Handoff,
    HandoffComment,
    Notification,
    NotificationSettings,
    Partner,
    Partnership,
    User,
)
from partnerhub.models.handoff import AWAITING_ACCEPTANCE

CHANNELS = ("in_app", "email")
# "About to expire": this close to the end of the acceptance time.
EXPIRING_WITHIN = timedelta(hours=2)


@dataclass(frozen=True)
class Kind:
    # Marked for the catalogs, translated where shown.
    words: str
    # Who can receive it: the settings page offers a person only the kinds of their role.
    roles: tuple[str, ...]


KINDS = {
    "lead_assigned": Kind(N_("A lead is assigned to me"), ("rep", "manager")),
    "sla_half_passed": Kind(N_("Half of a lead's acceptance time passed"), ("rep", "manager")),
    "lead_expiring": Kind(N_("A lead is about to expire"), ("rep", "manager")),
    "handoff_comment": Kind(N_("A comment on my lead"), ("rep", "manager")),
    "proposal_waiting": Kind(N_("A partnership proposal waits for us"), ("manager",)),
    "flag_raised": Kind(N_("A flag is raised on us"), ("manager",)),
    "follow_up_due": Kind(N_("A follow-up with a won customer is due"), ("rep", "manager")),
}
# A whole sentence for each flag kind: the languages do not all put a kind's name after a colon alike.
FLAG_RAISED = {
    "size_mismatch": N_("A flag is raised: size mismatch"),
    "one_sided": N_("A flag is raised: one sided"),
    "overloaded": N_("A flag is raised: overloaded"),
    "dormant": N_("A flag is raised: dormant"),
    "agent_like": N_("A flag is raised: agent like"),
    "leaky": N_("A flag is raised: leaky"),
}


def settings_of(session: Session, user_id: int) -> NotificationSettings:
    """The person's choices; everything on when they never chose."""
    return session.get(NotificationSettings, user_id) or NotificationSettings(
        user_id=user_id, off=[], daily_digest=False
    )


def kinds_for(user: User) -> list[str]:
    return [kind for kind, about in KINDS.items() if user.role in about.roles]


def save_settings(session: Session, *, user: User, on: set[str], daily_digest: bool) -> NotificationSettings:
    """Keep the person's choices: `on` holds the "kind:channel" pairs they want, of their role's kinds."""
    stored = session.get(NotificationSettings, user.id)
    if stored is None:
        stored = NotificationSettings(user_id=user.id)
        session.add(stored)
    stored.off = [
        f"{kind}:{channel}"
        for kind in kinds_for(user)
        for channel in CHANNELS
        if f"{kind}:{channel}" not in on
    ]
    stored.daily_digest = daily_digest
    session.flush()
    return stored


def notify_person(
    session: Session,
    *,
    user: User,
    kind: str,
    occasion: str,
    subject: Phrase | str,
    body: Phrase | str = "",
    link: str = "",
    now: datetime | None = None,
) -> bool:
    """Tell `user` of `occasion` unless they were told already or switched the kind off; True when told.

    The subject and body are kept in English, and those given as Phrases also as Phrases, for the
    bell and the email to read them in their reader's language; a body a person wrote (a comment)
    is given as text and shown as written."""
    if not user.active:
        return False
    chosen = settings_of(session, user.id)
    in_app = f"{kind}:in_app" not in chosen.off
    by_email = f"{kind}:email" not in chosen.off
    if not (in_app or by_email):
        return False
    email = ("digest" if chosen.daily_digest else "single") if by_email else "none"
    written = session.execute(
        dialect_insert(session, Notification)
        .values(
            user_id=user.id,
            kind=kind,
            occasion=occasion,
            subject=str(subject)[:300],
            body=str(body),
            words=parts_to_json(subject=subject, body=body),
            link=link,
            in_app=in_app,
            email=email,
            created_at=now or utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["user_id", "kind", "occasion"])
        .returning(Notification.id)
    ).first()
    return written is not None


def _people(session: Session, partner_ids, roles: tuple[str, ...]) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(User.partner_id.in_(list(partner_ids)), User.role.in_(roles), User.active.is_(True))
            .order_by(User.id)
        )
    )


def handoff_people(session: Session, handoff: Handoff) -> list[User]:
    """Who works a received lead: its assignee when it has one, else the receiver's reps who are not away."""
    if handoff.assignee_id is not None:
        return [session.get_one(User, handoff.assignee_id)]
    return [rep for rep in _people(session, [handoff.to_partner_id], ("rep",)) if not rep.away]


def _lead_words(handoff: Handoff) -> Phrase | str:
    lead = handoff.lead
    # As the handoff's page names it.
    return lead.contact_name or lead.contact_company or phrase("a buyer")


def notify_people(session: Session, people: list[User], **notification) -> int:
    """`notify_person` for each of `people`; return how many were told."""
    return sum(notify_person(session, user=person, **notification) for person in people)


def proposal_waiting(session: Session, partnership: Partnership, *, now: datetime | None = None) -> int:
    """The responder's managers hear that a proposal waits for their answer."""
    proposer = session.get_one(Partner, partnership.proposer_id)
    return notify_people(
        session,
        _people(session, [partnership.responder_id], ("manager",)),
        kind="proposal_waiting",
        occasion=f"partnership {partnership.id}",
        subject=phrase("%(partner)s proposes a partnership", partner=proposer.name),
        body=phrase(
            "%(partner)s proposes a partnership with you. Accept it or decline it.", partner=proposer.name
        ),
        link=f"/partnerships/{partnership.id}",
        now=now,
    )


def flag_raised(session: Session, flag: Flag, *, sentence: Phrase | str, now: datetime | None = None) -> int:
    """The managers of each partner a newly raised flag names hear of it once, in the flag's `sentence`."""
    named = [p for p in (flag.partner_id, flag.other_partner_id) if p is not None]
    return notify_people(
        session,
        _people(session, named, ("manager",)),
        kind="flag_raised",
        occasion=f"flag {flag.id}",
        subject=phrase(FLAG_RAISED[flag.kind]),
        body=sentence,
        link="/balance",
        now=now,
    )


def handoff_assigned(session: Session, handoff: Handoff, *, now: datetime | None = None) -> int:
    """The assignee hears that a received lead is now theirs, once per assignment."""
    if handoff.assignee_id is None:
        return 0
    return notify_people(
        session,
        [session.get_one(User, handoff.assignee_id)],
        kind="lead_assigned",
        occasion=_assignment(handoff),
        subject=phrase("A lead is assigned to you: %(lead)s", lead=_lead_words(handoff)),
        body=phrase(
            "%(partner)s passed this lead; it is yours to accept or decline.",
            partner=handoff.from_partner.name,
        ),
        link=f"/handoffs/{handoff.id}",
        now=now,
    )


def handoff_commented(session: Session, comment: HandoffComment, *, now: datetime | None = None) -> int:
    """Whose lead it is hears of a comment on it: who works it on the receiving side, and the rep
    who passed it; never the comment's author."""
    handoff = comment.handoff
    people = handoff_people(session, handoff)
    if handoff.passed_by_user_id is not None:
        people.append(session.get_one(User, handoff.passed_by_user_id))
    return notify_people(
        session,
        [person for person in people if person.id != comment.author_user_id],
        kind="handoff_comment",
        occasion=f"comment {comment.id}",
        subject=phrase(
            "%(partner)s commented on %(lead)s", partner=comment.partner.name, lead=_lead_words(handoff)
        ),
        body=comment.text,
        link=f"/handoffs/{handoff.id}",
        now=now,
    )


def _assignment(handoff: Handoff) -> str:
    """The occasion of a handoff's assignment: its assignee hears of each assignment once."""
    assert handoff.assigned_at is not None, "stamped with the assignee"
    return f"handoff {handoff.id} at {handoff.assigned_at.isoformat()}"


def tell_follow_ups_due(session: Session, *, now: datetime) -> int:
    """Tell who works each won customer that a follow-up fell due, once: the handoff's assignee, or
    the receiver's reps when it has none. Each follow-up is looked at once, when its time passes."""
    due = session.scalars(
        select(FollowUp)
        .where(FollowUp.status == "due", FollowUp.due_at <= now, FollowUp.notified_at.is_(None))
        .order_by(FollowUp.id)
    ).all()
    told = 0
    for follow_up in due:
        handoff = follow_up.handoff
        told += notify_people(
            session,
            handoff_people(session, handoff),
            kind="follow_up_due",
            occasion=f"follow-up {follow_up.id}",
            subject=phrase(
                "Follow up %(lead)s: day %(day)s after the win", lead=_lead_words(handoff), day=follow_up.day
            ),
            body=phrase(
                "It is %(day)s days since %(lead)s bought. Ask how it goes, and whether they know someone "
                "who needs the same.",
                day=follow_up.day,
                lead=_lead_words(handoff),
            ),
            link=f"/handoffs/{handoff.id}#follow-ups",
            now=now,
        )
        follow_up.notified_at = now
    session.flush()
    return told


def _warning(handoff: Handoff, now: datetime) -> tuple[str, Phrase, Phrase] | None:
    """The kind, subject and body of the warning a waiting handoff is due now, if any."""
    assert handoff.sla_due_at is not None, "a handoff waiting for acceptance has its SLA time"
    left = handoff.sla_due_at - now
    if left <= EXPIRING_WITHIN:
        minutes = max(int(left.total_seconds() // 60), 1)
        kind, subject = (
            "lead_expiring",
            phrase(
                "%(lead)s expires in %(duration)s unless accepted",
                lead=_lead_words(handoff),
                duration=_duration(minutes),
            ),
        )
    elif now >= handoff.sent_at + (handoff.sla_due_at - handoff.sent_at) / 2:
        kind, subject = (
            "sla_half_passed",
            phrase("Half the time to accept %(lead)s has passed", lead=_lead_words(handoff)),
        )
    else:
        return None
    body = phrase(
        "%(partner)s passed this lead; accept it or decline it before %(due)s UTC, or it goes to "
        "another partner.",
        partner=handoff.from_partner.name,
        # To the minute: the seconds of a deadline only clutter the sentence.
        due=handoff.sla_due_at.replace(second=0, microsecond=0),
    )
    return kind, subject, body


def warn_waiting_handoffs(session: Session, *, now: datetime) -> int:
    """Warn who works a lead not yet accepted: once when half its acceptance time passed,
    once when it is about to expire. Idempotent: a rerun finds its notifications written."""
    waiting = session.scalars(
        select(Handoff)
        .where(Handoff.status.in_(AWAITING_ACCEPTANCE), Handoff.sla_due_at > now)
        .order_by(Handoff.id)
    ).all()
    # Handoffs already warned of are skipped before their people are looked up, as most are on every run.
    warned = set(
        session.execute(
            select(Notification.kind, Notification.occasion)
            .where(
                Notification.kind.in_(("sla_half_passed", "lead_expiring")),
                Notification.occasion.in_([f"handoff {h.id}" for h in waiting]),
            )
            .distinct()
        ).all()
    )
    told = 0
    for handoff in waiting:
        warning = _warning(handoff, now)
        occasion = f"handoff {handoff.id}"
        if warning is None or (warning[0], occasion) in warned:
            continue
        kind, subject, body = warning
        told += notify_people(
            session,
            handoff_people(session, handoff),
            kind=kind,
            occasion=occasion,
            subject=subject,
            body=body,
            link=f"/handoffs/{handoff.id}",
            now=now,
        )
    return told


def _duration(minutes: int) -> Phrase:
    hours, minutes = divmod(minutes, 60)
    in_minutes = nphrase("%(num)s minute", "%(num)s minutes", "num", num=minutes)
    if not hours:
        return in_minutes
    in_hours = nphrase("%(num)s hour", "%(num)s hours", "num", num=hours)
    if not minutes:
        return in_hours
    return phrase("%(hours)s %(minutes)s", hours=in_hours, minutes=in_minutes)


def subject_of(notification: Notification) -> Phrase | str:
    """A notification's subject to read in the reader's language; a notification written before
    they were kept as Phrases, like a body a person wrote, has only its text."""
    return part_from_json(notification.words, "subject") or notification.subject


def body_of(notification: Notification) -> Phrase | str:
    return part_from_json(notification.words, "body") or notification.body


def _email_context(notification: Notification, base_url: str) -> dict:
    return {
        "subject": subject_of(notification),
        "body": body_of(notification),
        "link": f"{base_url}{notification.link}" if notification.link else None,
    }


def email_single_notifications(session: Session, *, now: datetime, base_url: str, limit: int = 500) -> int:
    """Write an email for each notification its person wants on its own; return how many."""
    pending = session.scalars(
        select(Notification)
        .where(Notification.email == "single", Notification.emailed_at.is_(None))
        .order_by(Notification.id)
        .limit(limit)
    ).all()
    for notification in pending:
        person = session.get_one(User, notification.user_id)
        queue_email(
            session,
            to=person.email,
            kind="notification",
            context=_email_context(notification, base_url),
            partner_id=person.partner_id,
            now=now,
        )
        notification.emailed_at = now
    session.flush()
    return len(pending)


def email_daily_digests(session: Session, *, now: datetime, base_url: str) -> int:
    """One email per person who chose the digest, carrying what they were not emailed yet."""
    by_person: dict[int, list[Notification]] = defaultdict(list)
    for notification in session.scalars(
        select(Notification)
        .where(Notification.email == "digest", Notification.emailed_at.is_(None))
        .order_by(Notification.id)
    ):
        by_person[notification.user_id].append(notification)
    for user_id, notifications in by_person.items():
        person = session.get_one(User, user_id)
        queue_email(
            session,
            to=person.email,
            kind="notification_digest",
            context={"items": [_email_context(n, base_url) for n in notifications], "day": now},
            partner_id=person.partner_id,
            now=now,
        )
        for notification in notifications:
            notification.emailed_at = now
    session.flush()
    return len(by_person)


def notifications_of(user_id: int) -> Select:
    """What the person's notifications page lists: the in-app ones, newest first."""
    return (
        select(Notification)
        .where(Notification.user_id == user_id, Notification.in_app.is_(True))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def unread_count(session: Session, user_id: int) -> int:
    return session.execute(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None), Notification.in_app.is_(True))
    ).scalar_one()


def mark_read(
    session: Session, *, user: User, notification_id: int, now: datetime | None = None
) -> Notification:
    """Mark one of the person's notifications read; anyone else's is not found."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound(phrase("No notification %(id)s.", id=str(notification_id)))
    if notification.read_at is None:
        notification.read_at = now or utcnow()
    session.flush()
    return notification


def mark_all_read(session: Session, *, user: User, now: datetime | None = None) -> int:
    # An UPDATE's result is a CursorResult, which has the rowcount; Session.execute is typed as Result.
    changed = cast(
        CursorResult,
        session.execute(
            update(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .values(read_at=now or utcnow())
            .execution_options(synchronize_session=False)
        ),
    )
    return changed.rowcount
