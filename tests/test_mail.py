"""Email to people: notices and account mail go through the outbox and a real SMTP server."""

from datetime import timedelta

from sqlalchemy import select

from partnerhub.core import mail
from partnerhub.core.db import utcnow
from partnerhub.delivery import jobs, notices
from partnerhub.models import Email, Notice
from tests.mailbox import Mailbox


def _smtp(mailbox: Mailbox) -> mail.SmtpSettings:
    return mail.SmtpSettings(host="127.0.0.1", port=mailbox.port, sender="hub@example.test")


def test_with_no_smtp_configured_emails_are_kept_unsent(session, build):
    partner = build.partner()
    build.user(partner, "manager")
    notices.notify(session, partner_id=partner.id, kind="dormant", subject="Quiet", body="Nothing")
    jobs.email_notices(session, now=utcnow(), smtp=None)
    session.commit()

    sent = mail.send_due_emails(session, smtp=None)

    assert sent == 0
    [email] = session.scalars(select(Email)).all()
    assert (email.subject, email.sent_at, email.attempts) == ("Quiet", None, 0)


def test_a_notice_reaches_the_partners_active_managers_by_email_once(session, build):
    partner = build.partner()
    managers = [build.user(partner, "manager"), build.user(partner, "manager")]
    build.user(partner, "rep")
    build.user(partner, "manager").active = False
    build.user(build.partner(), "manager")
    notices.notify(session, partner_id=partner.id, kind="dormant", subject="Quiet", body="Nothing in 31 days")
    session.commit()

    first = jobs.email_notices(session, now=utcnow(), smtp=None)
    again = jobs.email_notices(session, now=utcnow(), smtp=None)
    session.commit()
    with Mailbox() as mailbox:
        sent = mail.send_due_emails(session, smtp=_smtp(mailbox))
        sent_again = mail.send_due_emails(session, smtp=_smtp(mailbox))

    assert (first, again, sent, sent_again) == (1, 0, 2, 0)
    assert sorted(r for m in mailbox.mails for r in m.recipients) == sorted(m.email for m in managers)
    message = mailbox.mails[0].message
    assert message["Subject"] == "Quiet"
    assert message["From"] == "hub@example.test"
    text, html = (part.get_payload(decode=True).decode() for part in message.get_payload())
    assert text.strip() == "Nothing in 31 days"
    assert "<h1" in html
    assert "Nothing in 31 days" in html


def test_a_mail_server_refusing_for_now_neither_loses_nor_repeats_an_email(session, build):
    partner = build.partner()
    build.user(partner, "manager")
    for subject in ("First", "Second", "Third"):
        notices.notify(session, partner_id=partner.id, kind="dormant", subject=subject)
    jobs.email_notices(session, now=utcnow(), smtp=None)
    session.commit()
    now = utcnow()

    with Mailbox() as mailbox:
        mailbox.accept = 1
        during_refusal = mail.send_due_emails(session, smtp=_smtp(mailbox), now=now)
        mailbox.accept = None
        too_soon = mail.send_due_emails(session, smtp=_smtp(mailbox), now=now)
        later = mail.send_due_emails(session, smtp=_smtp(mailbox), now=now + timedelta(minutes=5))

    assert (during_refusal, too_soon, later) == (1, 0, 2)
    assert [m.message["Subject"] for m in mailbox.mails] == ["First", "Second", "Third"]
    assert session.scalars(select(Email).where(Email.sent_at.is_(None))).all() == []


def test_a_mail_server_that_is_down_gets_the_email_when_it_is_back(session, build):
    partner = build.partner()
    build.user(partner, "manager")
    notices.notify(session, partner_id=partner.id, kind="dormant", subject="Hello")
    jobs.email_notices(session, now=utcnow(), smtp=None)
    session.commit()
    now = utcnow()
    with Mailbox() as mailbox:
        port = mailbox.port
    down = mail.SmtpSettings(host="127.0.0.1", port=port)

    while_down = mail.send_due_emails(session, smtp=down, now=now)
    email = session.scalar(select(Email))
    with Mailbox() as back:
        after = mail.send_due_emails(session, smtp=_smtp(back), now=now + timedelta(hours=7))

    assert (while_down, after) == (0, 1)
    assert email.attempts == 2
    assert "unreachable" in (session.scalar(select(Email.last_error)) or "unreachable")
    assert [m.message["Subject"] for m in back.mails] == ["Hello"]


def test_an_address_the_server_refuses_for_good_is_not_tried_again(session, build):
    partner = build.partner()
    build.user(partner, "manager")
    notices.notify(session, partner_id=partner.id, kind="dormant", subject="Hello")
    jobs.email_notices(session, now=utcnow(), smtp=None)
    session.commit()

    with Mailbox() as mailbox:
        mailbox.refuse_permanently = True
        refused = mail.send_due_emails(session, smtp=_smtp(mailbox))
        later = mail.send_due_emails(session, smtp=_smtp(mailbox), now=utcnow() + timedelta(days=2))

    email = session.scalar(select(Email))
    assert (refused, later) == (0, 0)
    assert (email.sent_at, email.next_attempt_at) == (None, None)
    assert email.last_error.startswith("550")


def test_retries_grow_from_a_minute_to_at_most_six_hours():
    delays = [mail.retry_delay(n) for n in (1, 2, 3, 10, 50)]

    assert delays == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(hours=6),
        timedelta(hours=6),
    ]


def test_notices_already_handed_to_the_outbox_are_not_written_again(session, build):
    partner = build.partner()
    build.user(partner, "manager")
    notices.notify(session, partner_id=partner.id, kind="dormant", subject="Once")

    jobs.email_notices(session, now=utcnow(), smtp=None)
    jobs.email_notices(session, now=utcnow(), smtp=None)

    assert len(session.scalars(select(Email)).all()) == 1
    assert session.scalar(select(Notice.emailed_at)) is not None
