"""Notices for a partner's people: stored for the API and pages, and emailed through the mail outbox."""

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from partnerhub.core.db import utcnow
from partnerhub.core.i18n import Phrase, part_from_json, parts_to_json
from partnerhub.core.mail import queue_email
from partnerhub.models import Notice, User


def notify(
    session: Session,
    *,
    partner_id: int,
    kind: str,
    subject: Phrase | str,
    body: Phrase | str = "",
    data: dict | None = None,
    audience: str = "manager",
    now: datetime | None = None,
) -> Notice:
    """Leave a notice for a partner's managers (or another audience).

    The subject and body are kept in English for the API, and those given as Phrases also as
    Phrases, for the pages and the emails to read them in their reader's language."""
    notice = Notice(
        partner_id=partner_id,
        audience=audience,
        kind=kind,
        subject=str(subject)[:300],
        body=str(body),
        words=parts_to_json(subject=subject, body=body),
        data=data or {},
        created_at=now or utcnow(),
    )
    session.add(notice)
    session.flush()
    return notice


def notices_of(partner_id: int) -> Select:
    return select(Notice).where(Notice.partner_id == partner_id)


def subject_of(notice: Notice) -> Phrase | str:
    """A notice's subject to read in the reader's language; a notice written before they were kept
    as Phrases has only its English."""
    return part_from_json(notice.words, "subject") or notice.subject


def body_of(notice: Notice) -> Phrase | str:
    return part_from_json(notice.words, "body") or notice.body


def recipients(session: Session, notice: Notice) -> list[str]:
    roles = ("manager", "rep") if notice.audience == "all" else (notice.audience,)
    return list(
        session.scalars(
            select(User.email).where(
                User.partner_id == notice.partner_id, User.role.in_(roles), User.active.is_(True)
            )
        )
    )


def email_pending_notices(session: Session, *, now: datetime | None = None, limit: int = 500) -> int:
    """Write an email for each recipient of every notice not emailed yet; return how many notices.

    The emails join the mail outbox in this transaction, so a notice is handed on
    exactly once and the worker's retries carry it through a mail server's outage.
    """
    now = now or utcnow()
    pending = session.scalars(
        select(Notice).where(Notice.emailed_at.is_(None)).order_by(Notice.id).limit(limit)
    ).all()
    for notice in pending:
        for address in recipients(session, notice):
            queue_email(
                session,
                to=address,
                kind="notice",
                context={"notice_subject": subject_of(notice), "notice_body": body_of(notice), "link": None},
                partner_id=notice.partner_id,
                now=now,
            )
        notice.emailed_at = now
    session.flush()
    return len(pending)
