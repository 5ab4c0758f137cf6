"""After-sale follow-ups and referrals in the domain: scheduled by a win, told once when due, counted
in the to-dos, shown to the sender as facts, and referrals counted in the rollups."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from partnerhub.core.actors import Actor
from partnerhub.delivery import jobs
from partnerhub.exchange import comments, follow_ups, inbox, referrals, rerouting, rollups
from partnerhub.models import HandoffRollup, Notification
from partnerhub.people import notifications

WON_AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def _won(session, build, *, days=None):
    """A handoff from a window maker to a fitter, owned by one of the fitter's two reps, won at WON_AT."""
    maker, fitter = build.partner("Window Maker"), build.partner("Fitter", lines=["glazing"])
    owner, other = build.user(fitter, "rep"), build.user(fitter, "rep")
    handoff = build.handoff(maker, fitter, status="contacted", sent_at=WON_AT - timedelta(days=3))
    if days is not None:
        handoff.partnership.follow_up_days = days
    handoff.assignee_id = owner.id
    session.commit()
    actor = Actor.user(partner_id=fitter.id, user_id=owner.id)
    rerouting.move_handoff(
        session, handoff=handoff, to="won", actor=actor, deal_value=Decimal(900), now=WON_AT
    )
    session.commit()
    return handoff, owner, other, actor


def _told(session):
    return session.execute(
        select(Notification.user_id, Notification.occasion).where(Notification.kind == "follow_up_due")
    ).all()


def test_a_win_schedules_a_follow_up_on_each_day_of_its_terms(session, build):
    handoff, *_ = _won(session, build, days=[5, 21])

    scheduled = follow_ups.of_handoff(session, handoff=handoff)

    assert [(f.day, f.due_at, f.status) for f in scheduled] == [
        (5, WON_AT + timedelta(days=5), "due"),
        (21, WON_AT + timedelta(days=21), "due"),
    ]


def test_a_partnership_without_follow_up_days_schedules_none(session, build):
    handoff, *_ = _won(session, build, days=[])

    assert follow_ups.of_handoff(session, handoff=handoff) == []


def test_a_follow_up_that_falls_due_tells_only_the_handoffs_owner_and_only_once(session, build):
    handoff, owner, _other, _ = _won(session, build)
    day_7 = follow_ups.of_handoff(session, handoff=handoff)[0]

    before = notifications.tell_follow_ups_due(session, now=WON_AT + timedelta(days=6))
    when_due = jobs.remind_follow_ups(session, now=WON_AT + timedelta(days=7, minutes=1), smtp=None)
    again = jobs.remind_follow_ups(session, now=WON_AT + timedelta(days=7, minutes=2), smtp=None)

    assert (before, when_due, again) == (0, 1, 0)
    assert _told(session) == [(owner.id, f"follow-up {day_7.id}")]
    [told] = session.scalars(select(Notification).where(Notification.kind == "follow_up_due")).all()
    assert told.link == f"/handoffs/{handoff.id}#follow-ups"


def test_a_follow_up_recorded_before_it_falls_due_tells_nobody(session, build):
    handoff, _owner, _other, actor = _won(session, build)
    day_7 = follow_ups.of_handoff(session, handoff=handoff)[0]
    follow_ups.record_follow_up(session, follow_up=day_7, actor=actor, status="skipped")

    told = notifications.tell_follow_ups_due(session, now=WON_AT + timedelta(days=8))

    assert told == 0


def test_a_person_who_switched_follow_ups_off_is_not_told(session, build):
    _handoff, owner, _other, _ = _won(session, build)
    kinds = {f"{k}:{c}" for k in notifications.kinds_for(owner) for c in notifications.CHANNELS}
    notifications.save_settings(
        session, user=owner, on=kinds - {"follow_up_due:in_app", "follow_up_due:email"}, daily_digest=False
    )

    told = notifications.tell_follow_ups_due(session, now=WON_AT + timedelta(days=61))

    assert told == 0
    assert _told(session) == []


def test_the_owners_to_dos_count_the_follow_ups_due_today_or_overdue(session, build):
    handoff, _owner, other, actor = _won(session, build, days=[7, 14, 30])
    fitter = handoff.to_partner_id

    on_day_14 = inbox.to_dos(session, actor=actor, now=WON_AT + timedelta(days=14, hours=-5))
    for_the_other = inbox.to_dos(
        session, actor=Actor.user(partner_id=fitter, user_id=other.id), now=WON_AT + timedelta(days=14)
    )

    assert (on_day_14.follow_ups_due, on_day_14.follow_ups_overdue) == (2, 1)
    assert for_the_other.follow_ups_due == 0


def test_the_sender_reads_each_recorded_follow_up_as_a_fact_on_the_handoffs_timeline(session, build):
    handoff, _owner, _other, actor = _won(session, build)
    day_7, day_14, *_ = follow_ups.of_handoff(session, handoff=handoff)
    follow_ups.record_follow_up(
        session, follow_up=day_14, actor=actor, status="done", outcome="satisfied", now=WON_AT + timedelta(14)
    )
    follow_ups.record_follow_up(
        session, follow_up=day_7, actor=actor, status="skipped", now=WON_AT + timedelta(15)
    )

    facts = [str(step.fact) for step in comments.timeline(session, handoff=handoff) if step.fact]

    assert facts == ["Followed up on day 14: satisfied", "Follow-up of day 7 skipped"]


def test_the_rollups_rebuilt_count_the_referrals_as_the_referrals_recorded_did(session, build):
    handoff, _owner, _other, actor = _won(session, build)
    build.category("windows")
    for name in ("Ben", "Cleo"):
        referrals.record_referral(
            session,
            handoff=handoff,
            actor=actor,
            contact={"name": name, "email": f"{name.lower()}@example.test"},
            need={"category": "windows", "text": ""},
            consent=True,
        )
    session.commit()
    counted = session.scalar(
        select(HandoffRollup.referrals).where(HandoffRollup.partnership_id == handoff.partnership_id)
    )

    rollups.rebuild(session)
    session.commit()
    rebuilt = session.scalar(
        select(HandoffRollup.referrals).where(HandoffRollup.partnership_id == handoff.partnership_id)
    )

    assert counted == rebuilt == 2
