"""Notifications: each kind reaches the people it concerns, once, and by email through a real SMTP
server, kept while that server is down."""

from datetime import timedelta

from sqlalchemy import select

from partnerhub import flags, jobs, mail, notifications, partnerships
from partnerhub.actors import Actor
from partnerhub.db import utcnow
from partnerhub.models import Email, HandoffComment, Notification
from tests.mailbox import Mailbox

BASE_URL = "https://hub.example.test"


def _told(session, kind=None):
    stmt = select(Notification.user_id, Notification.kind, Notification.occasion).order_by(Notification.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return session.execute(stmt).all()


def _smtp(mailbox: Mailbox) -> mail.SmtpSettings:
    return mail.SmtpSettings(host="127.0.0.1", port=mailbox.port, sender="hub@example.test")


def test_a_proposal_tells_the_active_managers_of_the_partner_it_waits_for_and_nobody_else(session, build):
    acme, northwind = build.partner("Acme"), build.partner("Northwind")
    acme_manager = build.user(acme, "manager")
    waiting_manager = build.user(northwind, "manager")
    build.user(northwind, "rep")
    gone = build.user(northwind, "manager")
    gone.active = False

    partnership = partnerships.propose_partnership(
        session,
        proposer=acme,
        partner_id=northwind.id,
        terms={
            "reward_type": "percent",
            "reward_value": "10",
            "rep_share_percent": "20",
            "accept_sla_hours": 48,
        },
        actor=Actor.user(partner_id=acme.id, user_id=acme_manager.id),
    )

    assert _told(session) == [(waiting_manager.id, "proposal_waiting", f"partnership {partnership.id}")]
    [told] = session.scalars(select(Notification)).all()
    assert (told.subject, told.link) == ("Acme proposes a partnership", f"/partnerships/{partnership.id}")


def test_a_newly_raised_flag_tells_the_managers_of_both_partners_it_names_once(session, build):
    big, small, bystander = (
        build.partner("Northwind", sales_reps=15),
        build.partner("Acme", sales_reps=3),
        build.partner("Zenith"),
    )
    build.partnership(big, small)
    managers = [build.user(big, "manager"), build.user(small, "manager")]
    build.user(big, "rep")
    build.user(bystander, "manager")
    now = utcnow()

    flags.refresh_flags(session, now=now)
    flags.refresh_flags(session, now=now + timedelta(days=1))

    told = _told(session)
    assert sorted(user for user, _, _ in told) == sorted(m.id for m in managers)
    assert {kind for _, kind, _ in told} == {"flag_raised"}


def test_half_the_acceptance_time_then_its_last_two_hours_warn_the_receivers_reps_once_each(session, build):
    maker, fitter = build.partner("Window Maker"), build.partner("Fitter")
    build.partnership(maker, fitter, accept_sla_hours=48)
    reps = [build.user(fitter, "rep"), build.user(fitter, "rep")]
    away = build.user(fitter, "rep")
    away.away = True
    build.user(fitter, "manager")
    build.user(maker, "rep")
    sent = utcnow() - timedelta(hours=1)
    handoff = build.handoff(maker, fitter, sent_at=sent)
    build.handoff(maker, build.partner("Quick"), status="accepted", sent_at=sent)

    early = notifications.warn_waiting_handoffs(session, now=sent + timedelta(hours=23))
    half = notifications.warn_waiting_handoffs(session, now=sent + timedelta(hours=24, minutes=1))
    half_again = notifications.warn_waiting_handoffs(session, now=sent + timedelta(hours=30))
    expiring = notifications.warn_waiting_handoffs(session, now=sent + timedelta(hours=46, minutes=30))
    expiring_again = notifications.warn_waiting_handoffs(session, now=sent + timedelta(hours=47))

    assert (early, half, half_again, expiring, expiring_again) == (0, 2, 0, 2, 0)
    occasion = f"handoff {handoff.id}"
    assert sorted(_told(session)) == sorted(
        [(rep.id, "sla_half_passed", occasion) for rep in reps]
        + [(rep.id, "lead_expiring", occasion) for rep in reps]
    )
    subjects = session.scalars(select(Notification.subject).where(Notification.kind == "lead_expiring")).all()
    assert subjects[0].endswith("expires in 1 hour 30 minutes unless accepted")


def test_the_worker_job_warns_of_waiting_leads_and_a_second_run_writes_nothing(session, build):
    maker, fitter = build.partner("Window Maker"), build.partner("Fitter")
    build.user(fitter, "rep")
    build.handoff(maker, fitter, sent_at=utcnow() - timedelta(hours=30))

    first = jobs.run_due_jobs(session, now=utcnow(), base_url=BASE_URL)
    second = jobs.run_due_jobs(session, now=utcnow() + timedelta(minutes=6), base_url=BASE_URL)

    assert (first["waiting_lead_warnings"], first["notification_emails"]) == (1, 1)
    assert (second["waiting_lead_warnings"], second["notification_emails"]) == (0, 0)
    assert session.scalar(select(Email.to_address)) is not None


def test_a_notification_email_waits_out_a_mail_server_that_is_down_and_arrives_once(session, build):
    acme = build.partner("Acme")
    manager = build.user(acme, "manager", email="mia@acme.test")
    build.user(acme, "manager", email="other@acme.test")
    notifications.notify_person(
        session,
        user=manager,
        kind="proposal_waiting",
        occasion="partnership 7",
        subject="Northwind proposes a partnership",
        body="Accept it or decline it.",
        link="/partnerships/7",
    )
    now = utcnow()
    jobs.email_notifications(session, now=now, smtp=None, base_url=BASE_URL)
    session.commit()
    with Mailbox() as mailbox:
        port = mailbox.port
    down = mail.SmtpSettings(host="127.0.0.1", port=port)

    while_down = mail.send_due_emails(session, smtp=down, now=now)
    written_again = jobs.email_notifications(
        session, now=now + timedelta(minutes=1), smtp=None, base_url=BASE_URL
    )
    session.commit()
    with Mailbox() as back:
        after = mail.send_due_emails(session, smtp=_smtp(back), now=now + timedelta(hours=7))
        later = mail.send_due_emails(session, smtp=_smtp(back), now=now + timedelta(days=2))

    assert (while_down, written_again, after, later) == (0, 0, 1, 0)
    [delivered] = back.mails
    assert delivered.recipients == ["mia@acme.test"]
    assert delivered.message["Subject"] == "Northwind proposes a partnership"
    text = delivered.message.get_payload()[0].get_payload(decode=True).decode()
    assert f"{BASE_URL}/partnerships/7" in text


def test_a_person_who_chose_the_daily_digest_gets_one_email_a_day_with_all_their_notifications(
    session, build
):
    acme = build.partner("Acme")
    digest_reader, one_by_one = build.user(acme, "manager"), build.user(acme, "manager")
    notifications.save_settings(
        session,
        user=digest_reader,
        on={f"{kind}:{channel}" for kind in notifications.KINDS for channel in notifications.CHANNELS},
        daily_digest=True,
    )
    for person in (digest_reader, one_by_one):
        for n in (1, 2):
            notifications.notify_person(
                session,
                user=person,
                kind="proposal_waiting",
                occasion=f"partnership {n}",
                subject=f"Proposal {n}",
                link=f"/partnerships/{n}",
            )
    now = utcnow()

    singles = notifications.email_single_notifications(session, now=now, base_url=BASE_URL)
    digests = notifications.email_daily_digests(session, now=now, base_url=BASE_URL)
    next_day = notifications.email_daily_digests(session, now=now + timedelta(days=1), base_url=BASE_URL)

    assert (singles, digests, next_day) == (2, 1, 0)
    emails = session.scalars(select(Email).order_by(Email.id)).all()
    assert [(e.to_address, e.kind) for e in emails] == [
        (one_by_one.email, "notification"),
        (one_by_one.email, "notification"),
        (digest_reader.email, "notification_digest"),
    ]
    assert "Proposal 1" in emails[2].text_body
    assert "Proposal 2" in emails[2].text_body
    assert f"{BASE_URL}/partnerships/2" in emails[2].text_body


def test_a_kind_switched_off_in_the_app_is_only_emailed_and_one_switched_off_entirely_is_not_written(
    session, build
):
    acme = build.partner("Acme")
    manager = build.user(acme, "manager")
    everything = {f"{kind}:{channel}" for kind in notifications.KINDS for channel in notifications.CHANNELS}
    notifications.save_settings(
        session,
        user=manager,
        on=everything - {"proposal_waiting:in_app", "flag_raised:in_app", "flag_raised:email"},
        daily_digest=False,
    )

    proposal = notifications.notify_person(
        session, user=manager, kind="proposal_waiting", occasion="partnership 1", subject="Proposal"
    )
    flag = notifications.notify_person(
        session, user=manager, kind="flag_raised", occasion="flag 1", subject="Flag"
    )

    assert (proposal, flag) == (True, False)
    assert notifications.unread_count(session, manager.id) == 0
    assert session.scalars(notifications.notifications_of(manager.id)).all() == []
    assert notifications.email_single_notifications(session, now=utcnow(), base_url=BASE_URL) == 1


def test_telling_a_person_of_the_same_occasion_twice_writes_one_notification(session, build):
    manager = build.user(build.partner("Acme"), "manager")

    told = [
        notifications.notify_person(
            session, user=manager, kind="flag_raised", occasion="flag 3", subject="A flag is raised"
        )
        for _ in range(2)
    ]

    assert told == [True, False]
    assert _told(session) == [(manager.id, "flag_raised", "flag 3")]


def _assign(session, handoff, rep, at):
    handoff.assignee_id, handoff.assigned_at = rep.id, at
    session.commit()


def test_an_assignee_hears_of_each_lead_given_them_once_and_a_reassignment_tells_the_new_one(session, build):
    maker, fitter = build.partner("Window Maker"), build.partner("Fitter")
    first, second = build.user(fitter, "rep"), build.user(fitter, "rep")
    build.user(fitter, "manager")
    handoff = build.handoff(maker, fitter)
    now = utcnow()
    _assign(session, handoff, first, now)

    given = notifications.notify_assignments_and_comments(session, now=now + timedelta(minutes=1))
    again = notifications.notify_assignments_and_comments(session, now=now + timedelta(minutes=2))
    _assign(session, handoff, second, now + timedelta(minutes=3))
    reassigned = notifications.notify_assignments_and_comments(session, now=now + timedelta(minutes=4))

    assert (given, again, reassigned) == (1, 0, 1)
    assert [(user, kind) for user, kind, _ in _told(session)] == [
        (first.id, "lead_assigned"),
        (second.id, "lead_assigned"),
    ]


def test_a_comment_tells_the_assignee_and_the_rep_who_passed_the_lead_but_never_its_author(session, build):
    maker, fitter = build.partner("Window Maker"), build.partner("Fitter")
    passer, assignee = build.user(maker, "rep"), build.user(fitter, "rep")
    build.user(fitter, "rep")
    build.user(maker, "manager")
    handoff = build.handoff(maker, fitter)
    handoff.passed_by_user_id = passer.id
    _assign(session, handoff, assignee, utcnow())
    session.add_all(
        [
            HandoffComment(
                handoff_id=handoff.id,
                author_user_id=assignee.id,
                partner_id=fitter.id,
                text="Called, no answer.",
            ),
            HandoffComment(
                handoff_id=handoff.id, author_user_id=passer.id, partner_id=maker.id, text="Try after 5."
            ),
        ]
    )
    session.commit()
    [from_fitter, from_maker] = session.scalars(select(HandoffComment).order_by(HandoffComment.id)).all()

    notifications.notify_assignments_and_comments(session, now=utcnow())
    notifications.notify_assignments_and_comments(session, now=utcnow())

    assert sorted(_told(session, "handoff_comment")) == sorted(
        [
            (passer.id, "handoff_comment", f"comment {from_fitter.id}"),
            (assignee.id, "handoff_comment", f"comment {from_maker.id}"),
        ]
    )
    subject = session.scalar(
        select(Notification.subject).where(
            Notification.user_id == passer.id, Notification.kind == "handoff_comment"
        )
    )
    assert subject.startswith("Fitter commented on ")


def test_a_waiting_lead_with_an_assignee_warns_the_assignee_alone(session, build):
    maker, fitter = build.partner("Window Maker"), build.partner("Fitter")
    assignee = build.user(fitter, "rep")
    build.user(fitter, "rep")
    sent = utcnow() - timedelta(hours=30)
    handoff = build.handoff(maker, fitter, sent_at=sent)
    _assign(session, handoff, assignee, sent)

    notifications.warn_waiting_handoffs(session, now=utcnow())

    assert _told(session) == [(assignee.id, "sla_half_passed", f"handoff {handoff.id}")]
