"""Notices for a partner's people: stored for the API and pages, emailed when SMTP is configured."""

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from partnerhub.db import utcnow
from partnerhub.models import Notice, User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "partnerhub@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False


def notify(
    session: Session,
    *,
    partner_id: int,
    kind: str,
    subject: str,
    body: str = "",
    data: dict | None = None,
    audience: str = "manager",
    now: datetime | None = None,
) -> Notice:
    """Leave a notice for a partner's managers (or another audience)."""
    notice = Notice(
        partner_id=partner_id,
        audience=audience,
        kind=kind,
        subject=subject,
        body=body,
        data=data or {},
        created_at=now or utcnow(),
    )
    session.add(notice)
    session.flush()
    return notice


def notices_of(partner_id: int) -> Select:
    return select(Notice).where(Notice.partner_id == partner_id)


def recipients(session: Session, notice: Notice) -> list[str]:
    roles = ("manager", "rep") if notice.audience == "all" else (notice.audience,)
    return list(
        session.scalars(
            select(User.email).where(
                User.partner_id == notice.partner_id, User.role.in_(roles), User.active.is_(True)
            )
        )
    )


def email_pending_notices(
    session: Session, *, smtp: SmtpSettings | None, now: datetime | None = None, limit: int = 100
) -> int:
    """Email notices not emailed yet, oldest first; returns how many were dealt with (emailed, or
    marked done with nobody to email). With no SMTP configured, do nothing and leave them stored.

    A mail server that refuses or cannot be reached ends the batch: the notices sent
    before it stay marked sent, so the next run neither loses nor repeats them.
    """
    if smtp is None:
        return 0
    now = now or utcnow()
    pending = session.scalars(
        select(Notice).where(Notice.emailed_at.is_(None)).order_by(Notice.id).limit(limit)
    ).all()
    sent = 0
    for notice in pending:
        to = recipients(session, notice)
        if to:
            try:
                send_email(smtp, to=to, subject=notice.subject, body=notice.body)
            except (smtplib.SMTPException, OSError) as exc:
                log.warning("notice %s not emailed, retried next run: %s", notice.id, exc)
                break
        notice.emailed_at = now
        sent += 1
    session.flush()
    return sent


def send_email(smtp: SmtpSettings, *, to: list[str], subject: str, body: str) -> None:
    """The one place mail leaves the platform."""
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as server:
        if smtp.starttls:
            server.starttls()
        if smtp.username:
            server.login(smtp.username, smtp.password or "")
        server.send_message(message)
