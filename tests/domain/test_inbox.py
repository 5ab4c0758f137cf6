"""What the rep's screen offers: the moves open to each side and the time left to accept."""

from datetime import timedelta

from partnerhub.core.actors import Actor
from partnerhub.core.db import utcnow
from partnerhub.exchange import inbox, rerouting


def test_a_receiver_sees_accept_and_decline_on_a_sent_handoff_and_the_sender_sees_recall(build):
    sender, receiver = build.partner(), build.partner()
    handoff = build.handoff(sender, receiver)

    receiving = inbox.moves_open_to(handoff, Actor.user(partner_id=receiver.id, user_id=1))
    sending = inbox.moves_open_to(handoff, Actor.user(partner_id=sender.id, user_id=2))

    assert receiving == ["accepted", "declined"]
    assert sending == ["recalled"]


def test_accepting_a_sent_handoff_marks_it_delivered_on_the_way(build, session):
    sender, receiver = build.partner(), build.partner()
    handoff = build.handoff(sender, receiver)
    rep = build.user(receiver, "rep")

    rerouting.move_handoff(
        session, handoff=handoff, to="accepted", actor=Actor.user(partner_id=receiver.id, user_id=rep.id)
    )

    assert handoff.status == "accepted"
    assert [e.to_status for e in handoff.events] == ["delivered", "accepted"]


def test_the_time_left_reads_in_hours_days_or_as_overdue():
    assert inbox.describe_time_left(timedelta(hours=5, minutes=20)) == "5 h 20 min left"
    assert inbox.describe_time_left(timedelta(days=3, hours=1)) == "3 days left"
    assert inbox.describe_time_left(timedelta(minutes=-50)) == "overdue by 50 min"
    assert inbox.describe_time_left(timedelta(hours=-26)) == "overdue by 26 h"


def test_only_a_handoff_awaiting_acceptance_has_a_clock(build):
    sender, receiver = build.partner(), build.partner()
    waiting = build.handoff(sender, receiver)
    taken = build.handoff(sender, receiver, status="accepted")
    now = utcnow()

    assert inbox.time_to_accept(waiting, now) > timedelta(hours=47)
    assert inbox.time_to_accept(taken, now) is None
