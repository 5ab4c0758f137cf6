"""Notifications: each kind reaches the people it concerns, once, and by email through a real SMTP
server, kept while that server is down."""

from datetime import timedelta

from sqlalchemy import select

from partnerhub.core import mail
from partnerhub.core.actors import Actor
from partnerhub.core.db import utcnow
from partnerhub.delivery import jobs
from partnerhub.exchange import comments, intake, partnerships
from partnerhub.models import Email, Notification
from partnerhub.people import assignment, notifications
from partnerhub.reports import flags
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


NEED = "window-installation"


def _fitting_exchange(build):
    """A window maker that passes leads to a fitter of two reps and a manager, by the real routing."""
    maker = build.partner("Window Maker", lines=["windows"])
    fitter = build.partner("Fitter", lines=[NEED])
    build.partnership(maker, fitter)
    reps = [build.user(fitter, "rep"), build.user(fitter, "rep")]
    build.user(fitter, "manager")
    build.user(maker, "manager")
    return maker, fitter, reps


def _intake(session, maker, *, user_id=None, phone="+49 30 1234567"):
    actor = (
        Actor.user(partner_id=maker.id, user_id=user_id)
        if user_id
        else Actor.client(partner_id=maker.id, client_id=None)
    )
    lead = intake.take_lead(
        session,
        actor=actor,
        contact={"name": "Anna Berg", "phone": phone},
        need={"category": NEED},
        consent=True,
    )
    return lead.handoffs[0]


def test_a_lead_given_at_intake_tells_its_assignee_alone_in_the_transaction_that_gives_it(session, build):
    maker, _fitter, (first, _second) = _fitting_exchange(build)

    handoff = _intake(session, maker)

    assert handoff.assignee_id == first.id
    assert _told(session) == [
        (first.id, "lead_assigned", f"handoff {handoff.id} at {handoff.assigned_at.isoformat()}")
    ]
    session.rollback()
    assert _told(session) == []


def test_a_reassignment_tells_the_new_assignee_once_and_a_rep_going_away_tells_who_takes_over(session, build):
    maker, fitter, (first, second) = _fitting_exchange(build)
    handoff = _intake(session, maker)
    session.commit()
    as_first = Actor.user(partner_id=fitter.id, user_id=first.id)

    assignment.reassign(session, handoff=handoff, user_id=second.id, actor=as_first)
    assignment.reassign(
        session, handoff=handoff, user_id=second.id, actor=Actor.user(partner_id=fitter.id, user_id=second.id)
    )
    session.commit()
    assignment.release_held_by(session, second)
    session.commit()

    assert [(user, kind) for user, kind, _ in _told(session)] == [
        (first.id, "lead_assigned"),
        (second.id, "lead_assigned"),
        (first.id, "lead_assigned"),
    ]
    assert jobs.run_due_jobs(session, now=utcnow(), base_url=BASE_URL)["notification_emails"] == 3
    assert len(_told(session)) == 3


def test_a_comment_tells_the_assignee_and_the_rep_who_passed_the_lead_but_never_its_author(session, build):
    maker, fitter, (assignee, _other) = _fitting_exchange(build)
    passer = build.user(maker, "rep")
    handoff = _intake(session, maker, user_id=passer.id)
    session.commit()

    from_fitter = comments.add_comment(
        session, handoff=handoff, actor=Actor.user(partner_id=fitter.id, user_id=assignee.id), text="Called."
    )
    from_maker = comments.add_comment(
        session, handoff=handoff, actor=Actor.user(partner_id=maker.id, user_id=passer.id), text="Try at 5."
    )
    session.commit()

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
    jobs.run_due_jobs(session, now=utcnow(), base_url=BASE_URL)
    assert len(_told(session, "handoff_comment")) == 2


def test_an_assignment_and_a_comment_are_emailed_once_each_to_whom_they_concern_after_smtp_comes_back(
    session, build
):
    maker, fitter, (assignee, _other) = _fitting_exchange(build)
    assignee.email = "assignee@fitter.test"
    passer = build.user(maker, "rep", email="passer@maker.test")
    handoff = _intake(session, maker, user_id=passer.id)
    comments.add_comment(
        session, handoff=handoff, actor=Actor.user(partner_id=fitter.id, user_id=assignee.id), text="Called."
    )
    session.commit()
    now = utcnow()
    with Mailbox() as gone:
        port = gone.port
    down = mail.SmtpSettings(host="127.0.0.1", port=port)

    jobs.run_due_jobs(session, now=now, smtp=down, base_url=BASE_URL)
    while_down = mail.send_due_emails(session, smtp=down, now=now)
    session.commit()
    with Mailbox() as back:
        jobs.run_due_jobs(session, now=now + timedelta(hours=7), smtp=_smtp(back), base_url=BASE_URL)
        sent = mail.send_due_emails(session, smtp=_smtp(back), now=now + timedelta(hours=7))
        again = mail.send_due_emails(session, smtp=_smtp(back), now=now + timedelta(days=2))

    # The maker's manager also gets the weekly digest the same jobs write: a notice, not a notification.
    told = sorted(
        (m.recipients[0], m.message["Subject"].split(":")[0])
        for m in back.mails
        if m.recipients[0] in ("assignee@fitter.test", "passer@maker.test")
    )
    assert (while_down, again) == (0, 0)
    assert sent == len(back.mails)
    assert told == [
        ("assignee@fitter.test", "A lead is assigned to you"),
        ("passer@maker.test", "Fitter commented on Anna Berg"),
    ]


def test_a_waiting_lead_with_an_assignee_warns_the_assignee_alone(session, build):
    maker, fitter = build.partner("Window Maker"), build.partner("Fitter")
    assignee = build.user(fitter, "rep")
    build.user(fitter, "rep")
    sent = utcnow() - timedelta(hours=30)
    handoff = build.handoff(maker, fitter, sent_at=sent)
    _assign(session, handoff, assignee, sent)

    notifications.warn_waiting_handoffs(session, now=utcnow())

    assert _told(session) == [(assignee.id, "sla_half_passed", f"handoff {handoff.id}")]
