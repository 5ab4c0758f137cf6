"""Timed jobs: dormant reminders, weekly digests, and one worker at a time per job."""

from datetime import timedelta

from sqlalchemy import select

from partnerhub.core.db import utcnow
from partnerhub.delivery import jobs
from partnerhub.models import Notice


def _notices(session, kind):
    return session.scalars(select(Notice).where(Notice.kind == kind).order_by(Notice.partner_id)).all()


def test_both_managers_hear_of_a_partnership_quiet_for_30_days_once_a_month(session, build):
    acme, northwind = build.partner("Acme"), build.partner("Northwind")
    build.partnership(acme, northwind)
    build.handoff(acme, northwind, sent_at=utcnow() - timedelta(days=31))
    now = utcnow()

    first = jobs.remind_dormant(session, now=now)
    again_tomorrow = jobs.remind_dormant(session, now=now + timedelta(days=1))
    next_month = jobs.remind_dormant(session, now=now + timedelta(days=31))

    assert (first, again_tomorrow, next_month) == (2, 0, 2)
    notices = _notices(session, "dormant")
    assert (
        sorted((n.partner_id, n.audience) for n in notices)
        == [(acme.id, "manager")] * 2 + [(northwind.id, "manager")] * 2
    )
    assert notices[0].subject == "No leads exchanged with Northwind in 31 days"


def test_a_partnership_with_a_recent_handoff_is_not_dormant(session, build):
    acme, northwind = build.partner(), build.partner()
    build.partnership(acme, northwind)
    build.handoff(northwind, acme, sent_at=utcnow() - timedelta(days=29))

    assert jobs.remind_dormant(session, now=utcnow()) == 0


def test_the_weekly_digest_counts_what_each_receiver_did_with_the_senders_leads(session, build):
    acme, northwind, zenith = build.partner("Acme"), build.partner("Northwind"), build.partner("Zenith")
    for status in ("accepted", "accepted", "won"):
        build.handoff(acme, northwind, status=status)
    build.handoff(acme, zenith, status="declined")
    build.handoff(acme, zenith, status="won", sent_at=utcnow() - timedelta(days=8))
    now = utcnow()

    written = jobs.send_weekly_digests(session, now=now)
    rerun = jobs.send_weekly_digests(session, now=now + timedelta(hours=1))

    assert (written, rerun) == (1, 0)
    [digest] = _notices(session, "weekly_digest")
    assert digest.partner_id == acme.id
    assert digest.data["by_partner"] == {
        str(northwind.id): {"accepted": 2, "won": 1},
        str(zenith.id): {"declined": 1},
    }
    assert "Northwind: 2 leads accepted and 1 lead won\nZenith: 1 lead declined" in digest.body


def test_only_one_worker_runs_a_job_until_it_is_due_again(session):
    now = utcnow()

    first = jobs.claim_job(session, name="digest", now=now)
    second = jobs.claim_job(session, name="digest", now=now)
    jobs.finish_job(session, name="digest", now=now, every=timedelta(hours=1))
    too_soon = jobs.claim_job(session, name="digest", now=now + timedelta(minutes=59))
    due = jobs.claim_job(session, name="digest", now=now + timedelta(hours=1))
    session.commit()

    assert (first, second, too_soon, due) == (True, False, False, True)


def test_a_job_killed_mid_run_is_taken_again_when_its_lease_ends(session):
    now = utcnow()
    jobs.claim_job(session, name="digest", now=now)

    assert jobs.claim_job(session, name="digest", now=now + jobs.JOB_LEASE - timedelta(seconds=1)) is False
    assert jobs.claim_job(session, name="digest", now=now + jobs.JOB_LEASE + timedelta(seconds=1)) is True


def test_a_failing_job_does_not_stop_the_others(session):
    def broken(session, *, now, smtp, base_url):
        raise RuntimeError("boom")

    def working(session, *, now, smtp, base_url):
        return 3

    results = jobs.run_due_jobs(
        session,
        jobs=(
            jobs.Job("broken", timedelta(minutes=1), broken),
            jobs.Job("working", timedelta(minutes=1), working),
        ),
    )

    assert results == {"working": 3}


def test_the_worker_expires_an_unanswered_handoff_and_the_next_partner_hears_of_the_lead(
    session, build, client
):
    from partnerhub.models import Delivery, Handoff

    maker = build.partner("Window Maker", lines=["windows"])
    slow = build.partner("Slow Fitter", lines=["window-installation"])
    quick = build.partner("Quick Fitter", lines=["window-installation"], sales_reps=1)
    build.partnership(maker, slow, accept_sla_hours=24)
    build.partnership(maker, quick, accept_sla_hours=24)
    build.endpoint(quick)
    lead = {
        "contact": {"name": "Dana", "email": "dana@example.test"},
        "need": {"category": "window-installation", "text": "Six windows"},
        "region": "DE-BE",
        "consent": True,
    }
    posted = client.post(
        "/api/v1/leads", json=lead, headers={**build.headers(maker), "Idempotency-Key": "k1"}
    ).get_json()
    [first] = posted["handoffs"]
    assert first["partner"]["name"] == "Slow Fitter"

    tomorrow = jobs.run_due_jobs(session, now=utcnow() + timedelta(hours=25))

    assert tomorrow["sla_expiry"] == 1
    handoffs = session.scalars(select(Handoff).order_by(Handoff.id)).all()
    assert [(h.to_partner.name, h.status) for h in handoffs] == [
        ("Slow Fitter", "expired"),
        ("Quick Fitter", "sent"),
    ]
    told = session.scalars(select(Delivery).where(Delivery.partner_id == quick.id)).all()
    assert [d.event_type for d in told] == ["handoff.created"]
