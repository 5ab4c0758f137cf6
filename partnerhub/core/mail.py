"""Email to people: rendered from templates, written to the outbox, sent by the worker with retries.

An email is a row written in the same transaction as what it announces (an
invitation, a reset link, a notice), so a request that fails sends nothing and
one that commits cannot lose its email. The worker sends due rows under a
lease; a mail server that is down or refuses for now is tried again later, with
growing pauses. With no SMTP configured the rows stay, readable on the admin's
Emails page: development never loses a link.
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from partnerhub.core import words
from partnerhub.core.db import utcnow
from partnerhub.core.i18n import Phrase, translator
from partnerhub.core.outbox import WAKE_AFTER_COMMIT
from partnerhub.models import Email, User

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "emails"
# Long enough for a slow mail server to take one batch; a worker that dies mid-send hands its rows on.
SEND_LEASE = timedelta(minutes=2)
MAX_RETRY_DELAY = timedelta(hours=6)


def _environment(**options) -> Environment:
    # The i18n extension's tags with the recipient's gettext passed in per render (Translator.
    # jinja_callables), not installed on the shared environment: two threads may render two languages.
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        **options,
    )
    # Set by the i18n extension at runtime, so unknown to the type checker; extend() would not override it.
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    env.policies["ext.i18n.trimmed"] = True
    # The pages' formatting filters, in the recipient's language (the context's Translator).
    for name in ("number", "money", "date", "datetime"):
        env.filters[name] = _formatting(name)
    env.filters["words"] = pass_context(lambda context, key: words.word_for(key, context["i18n"]))
    env.filters["role"] = pass_context(lambda context, key: words.role_in_sentence(key, context["i18n"]))
    return env


def _formatting(method: str):
    @pass_context
    def apply(context, value, *args):
        return getattr(context["i18n"], method)(value, *args)

    return apply


_text = _environment(autoescape=False)
_html = _environment(autoescape=select_autoescape(["html"]))


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "partnerhub@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(kind: str, context: dict, language: str | None = None) -> Rendered:
    """The subject, plain text and HTML of email `kind` (templates `<kind>.txt` and `<kind>.html`)
    in `language` (English when None); Phrase values in the context come out in it too."""
    tr = translator(language)
    context = {**_in_language(context, tr), **tr.jinja_callables()}
    text_template = _text.get_template(f"{kind}.txt")
    subject = "".join(text_template.blocks["subject"](text_template.new_context(context))).strip()
    text = "".join(text_template.blocks["body"](text_template.new_context(context))).strip() + "\n"
    html = _html.get_template(f"{kind}.html").render(context, subject=subject)
    return Rendered(subject, text, html)


def _in_language(value, tr):
    """`value` with each Phrase in it read in `tr`'s language, in lists and dicts too (a digest's items)."""
    if isinstance(value, Phrase):
        return tr.value(value)
    if isinstance(value, dict):
        return {name: _in_language(item, tr) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [_in_language(item, tr) for item in value]
    return value


def queue_email(
    session: Session,
    *,
    to: str,
    kind: str,
    context: dict,
    partner_id: int | None = None,
    now: datetime | None = None,
) -> Email:
    """Write email `kind` to `to` into the outbox; it leaves when the caller's transaction commits."""
    rendered = render(kind, context, recipient_language(session, to))
    now = now or utcnow()
    email = Email(
        to_address=to,
        kind=kind,
        subject=rendered.subject,
        text_body=rendered.text,
        html_body=rendered.html,
        partner_id=partner_id,
        created_at=now,
        next_attempt_at=now,
    )
    session.add(email)
    session.flush()
    # The worker's wake-up, as for a webhook: the email goes out at once, not at the next poll.
    session.info[WAKE_AFTER_COMMIT] = True
    return email


def recipient_language(session: Session, address: str) -> str | None:
    """The language the person at `address` chose; None (English) for anyone who has not."""
    return session.scalar(select(User.language).where(User.email == address.strip().lower()))


def emails_newest_first(*, to: str | None = None, kind: str | None = None) -> Select:
    stmt = select(Email).order_by(Email.id.desc())
    if to:
        stmt = stmt.where(Email.to_address == to.strip().lower())
    if kind:
        stmt = stmt.where(Email.kind == kind)
    return stmt


def retry_delay(attempts: int) -> timedelta:
    """A minute after the first failure, doubling, at most six hours apart: a mail server down for a
    day still gets every email once it is back."""
    # The exponent stops where the cap is reached anyway: an email failing for weeks overflows nothing.
    doublings = min(max(attempts - 1, 0), 9)
    return min(timedelta(minutes=2**doublings), MAX_RETRY_DELAY)


def _claim(session: Session, *, now: datetime, limit: int, lease: timedelta) -> list[int]:
    due = (
        select(Email.id)
        .where(Email.sent_at.is_(None), Email.next_attempt_at <= now)
        .order_by(Email.next_attempt_at, Email.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        ids = session.scalars(due.with_for_update(skip_locked=True)).all()
    else:
        ids = session.scalars(due).all()
    if not ids:
        return []
    # The lease moves the next attempt past now: no other worker finds these rows due meanwhile.
    return list(
        session.scalars(
            update(Email)
            .where(Email.id.in_(ids), Email.sent_at.is_(None), Email.next_attempt_at <= now)
            .values(next_attempt_at=now + lease)
            .returning(Email.id)
            .execution_options(synchronize_session=False)
        )
    )


def send_due_emails(
    session: Session,
    *,
    smtp: SmtpSettings | None,
    now: datetime | None = None,
    limit: int = 20,
    lease: timedelta = SEND_LEASE,
) -> int:
    """Send due emails; return how many went out. Without SMTP, leave them all stored.

    This commits, like the webhook worker: the claim before any mail leaves, each
    outcome the moment it is known, so a crash repeats at most the email in flight.
    """
    if smtp is None:
        return 0
    now = now or utcnow()
    ids = _claim(session, now=now, limit=limit, lease=lease)
    session.commit()
    sent = 0
    for email in session.scalars(select(Email).where(Email.id.in_(ids)).order_by(Email.id)).all():
        try:
            send_email(smtp, email)
        except smtplib.SMTPResponseException as exc:
            _failed(email, f"{exc.smtp_code} {exc.smtp_error!r}", permanent=exc.smtp_code >= 500, now=now)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            _failed(email, f"recipient refused {codes}", permanent=all(c >= 500 for c in codes), now=now)
        except (smtplib.SMTPException, OSError) as exc:
            _failed(email, f"mail server unreachable: {type(exc).__name__}", permanent=False, now=now)
        else:
            email.sent_at = utcnow()
            email.attempts += 1
            email.last_error = None
            sent += 1
        session.commit()
    return sent


def _failed(email: Email, error: str, *, permanent: bool, now: datetime) -> None:
    email.attempts += 1
    email.last_error = error[:500]
    email.next_attempt_at = None if permanent else now + retry_delay(email.attempts)
    log.warning("email %s to %s not sent (attempt %s): %s", email.id, email.to_address, email.attempts, error)


def send_email(smtp: SmtpSettings, email: Email) -> None:
    """The one place mail leaves the platform: a plain-text part and its HTML alternative."""
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Message-ID"] = f"<email-{email.id}@partnerhub>"
    message.set_content(email.text_body)
    message.add_alternative(email.html_body, subtype="html")
    with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as server:
        if smtp.starttls:
            server.starttls()
        if smtp.username:
            server.login(smtp.username, smtp.password or "")
        server.send_message(message)
