"""Sending the outbox: signed, retried on the Standard Webhooks schedule, never lost."""

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerhub.core import outbox
from partnerhub.core.db import utcnow
from partnerhub.delivery import egress, webhooks
from partnerhub.delivery import sending as delivery
from partnerhub.models import Delivery, Notice
from tests.receiver import SlowReceiver

HANDOFF = {"id": 7, "lead_id": 3, "status": "sent", "version": 1}


@pytest.fixture
def http():
    with egress.http_session(private_ok=True) as session:
        yield session


def _emit(session, partner, event_type="handoff.created", data=None):
    [queued] = outbox.emit(session, partner_id=partner.id, event_type=event_type, data=data or HANDOFF)
    session.commit()
    return queued


def _send(session, http, now):
    return delivery.deliver_due(session, http=http, now=now)


def test_a_created_handoff_reaches_the_receiver_signed_with_the_endpoint_secret(
    session, build, receiver, http
):
    partner = build.partner()
    endpoint = build.endpoint(partner, receiver.url)
    receiver.secrets = [endpoint.secret]
    queued = _emit(session, partner)

    sent = _send(session, http, utcnow())

    assert sent == 1
    [got] = receiver.received
    assert got.verified_by == {endpoint.secret}
    assert got.webhook_id == queued.message_id
    assert got.body["type"] == "handoff.created"
    assert got.body["data"]["version"] == 1
    assert "occurred_at" in got.body["data"]
    assert session.get(Delivery, queued.id).status == "delivered"


def test_an_update_arrives_as_its_own_message_carrying_the_newer_version(session, build, receiver, http):
    partner = build.partner()
    endpoint = build.endpoint(partner, receiver.url)
    receiver.secrets = [endpoint.secret]
    _emit(session, partner)
    _emit(session, partner, "handoff.updated", {**HANDOFF, "status": "accepted", "version": 2})

    _send(session, http, utcnow())

    assert len(set(receiver.ids())) == 2
    assert all(r.verified_by == {endpoint.secret} for r in receiver.received)
    latest = max(receiver.received, key=lambda r: r.body["data"]["version"])
    assert (latest.body["type"], latest.body["data"]["status"]) == ("handoff.updated", "accepted")


def test_an_endpoint_hears_only_the_events_it_subscribed_to(session, build, receiver):
    partner = build.partner()
    build.endpoint(partner, receiver.url, events=["flag.raised"])

    queued = outbox.emit(session, partner_id=partner.id, event_type="handoff.created", data=HANDOFF)

    assert queued == []


def test_a_500_is_retried_on_the_schedule_and_then_delivered(session, build, receiver, http):
    partner = build.partner()
    endpoint = build.endpoint(partner, receiver.url)
    receiver.secrets = [endpoint.secret]
    receiver.answer(500)
    queued = _emit(session, partner)
    t0 = utcnow()

    _send(session, http, t0)
    too_early = _send(session, http, t0 + timedelta(seconds=4))
    later = _send(session, http, t0 + timedelta(seconds=6))

    assert (too_early, later) == (0, 1)
    row = session.get(Delivery, queued.id)
    assert row.status == "delivered"
    assert [a.status_code for a in row.attempt_log] == [500, 200]
    assert all(a.duration_ms >= 0 and a.response_excerpt == "ok" for a in row.attempt_log)
    assert receiver.ids() == [queued.message_id, queued.message_id]
    assert all(r.verified_by == {endpoint.secret} for r in receiver.received)


def test_a_429_waits_at_least_its_retry_after(session, build, receiver, http):
    partner = build.partner()
    build.endpoint(partner, receiver.url)
    receiver.answer(429, headers={"Retry-After": "120"})
    queued = _emit(session, partner)
    t0 = utcnow()

    _send(session, http, t0)

    row = session.get(Delivery, queued.id)
    assert row.status == "pending"
    assert row.next_attempt_at >= t0 + timedelta(seconds=120)


def test_an_unreachable_receiver_is_retried(session, build, http):
    partner = build.partner()
    build.endpoint(partner, "http://127.0.0.1:9/nothing-listens-here")
    queued = _emit(session, partner)

    _send(session, http, utcnow())

    row = session.get(Delivery, queued.id)
    assert row.status == "pending"
    assert row.attempt_log[0].status_code is None
    assert row.attempt_log[0].error == "could not connect"


def test_a_410_disables_the_endpoint_and_tells_the_partners_managers(session, build, receiver, http):
    partner = build.partner()
    endpoint = build.endpoint(partner, receiver.url)
    receiver.answer(410)
    first = _emit(session, partner)
    second = _emit(session, partner)

    _send(session, http, utcnow())

    session.refresh(endpoint)
    assert endpoint.enabled is False
    assert "410" in endpoint.disabled_reason
    assert {session.get(Delivery, d.id).status for d in (first, second)} == {"failed"}
    assert len(receiver.received) == 1
    [notice] = session.scalars(select(Notice).where(Notice.partner_id == partner.id)).all()
    assert (notice.kind, notice.audience) == ("endpoint_disabled", "manager")
    assert outbox.emit(session, partner_id=partner.id, event_type="handoff.created", data=HANDOFF) == []


def test_another_4xx_is_recorded_and_not_retried(session, build, receiver, http):
    partner = build.partner()
    endpoint = build.endpoint(partner, receiver.url)
    receiver.answer(400)
    queued = _emit(session, partner)

    _send(session, http, utcnow())

    row = session.get(Delivery, queued.id)
    assert (row.status, row.last_status_code, row.attempts) == ("failed", 400, 1)
    assert session.get(type(endpoint), endpoint.id).enabled is True


def test_after_the_last_attempt_a_delivery_is_dead_and_can_be_redelivered_by_hand(
    session, build, receiver, http, client
):
    partner = build.partner()
    endpoint = build.endpoint(partner, receiver.url)
    receiver.secrets = [endpoint.secret]
    receiver.answer(*[503] * delivery.MAX_ATTEMPTS)
    queued = _emit(session, partner)
    now = utcnow()
    for _ in range(delivery.MAX_ATTEMPTS):
        _send(session, http, now)
        now = session.get(Delivery, queued.id).next_attempt_at
    assert session.get(Delivery, queued.id).status == "dead"

    response = client.post(f"/api/v1/deliveries/{queued.id}/redeliver", headers=build.headers(partner))
    _send(session, http, utcnow())

    assert response.status_code == 202
    row = session.get(Delivery, queued.id)
    assert row.status == "delivered"
    assert len(row.attempt_log) == delivery.MAX_ATTEMPTS + 1
    assert set(receiver.ids()) == {queued.message_id}
    assert all(r.verified_by == {endpoint.secret} for r in receiver.received)


def test_the_retry_schedule_is_the_standard_webhooks_one_with_bounded_jitter():
    waits = [delivery.retry_delay(n).total_seconds() for n in range(1, delivery.MAX_ATTEMPTS)]

    assert waits == [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]
    assert delivery.retry_delay(delivery.MAX_ATTEMPTS) is None
    assert delivery.retry_delay(2, jitter=0.1) == timedelta(seconds=330)
    assert delivery.retry_delay(1, retry_after=60) == timedelta(seconds=60)


def test_five_days_of_nothing_but_failures_disable_the_endpoint(session, build, receiver, http):
    partner = build.partner()
    endpoint = build.endpoint(partner, receiver.url)
    receiver.answer(500, 500, 500)
    _emit(session, partner)
    t0 = utcnow()
    _send(session, http, t0)

    _emit(session, partner)
    _send(session, http, t0 + timedelta(days=5))

    session.refresh(endpoint)
    assert endpoint.enabled is False
    assert "five days" in endpoint.disabled_reason
    assert session.scalar(select(Notice.kind).where(Notice.partner_id == partner.id)) == "endpoint_disabled"


def test_a_success_between_failures_restarts_the_five_days(session, build, receiver, http):
    partner = build.partner()
    endpoint = build.endpoint(partner, receiver.url)
    receiver.answer(500, 200, 500)
    for day in (0, 3, 5):
        _emit(session, partner)
        _send(session, http, utcnow() + timedelta(days=day))

    session.refresh(endpoint)
    assert endpoint.enabled is True


def test_after_a_rotation_both_secrets_sign_for_24_hours_then_only_the_new_one(
    session, build, receiver, http
):
    partner = build.partner()
    endpoint = build.endpoint(partner, receiver.url)
    old = endpoint.secret
    t0 = utcnow()
    new = webhooks.rotate_secret(session, endpoint=endpoint, now=t0)
    session.commit()
    receiver.secrets = [old, new]

    _emit(session, partner)
    _send(session, http, t0 + timedelta(hours=23))
    _emit(session, partner)
    _send(session, http, t0 + timedelta(hours=25))

    during, after = receiver.received
    assert (during.signatures, during.verified_by) == (2, {old, new})
    assert (after.signatures, after.verified_by) == (1, {new})


def test_a_claimed_delivery_is_not_claimed_again_until_its_lease_ends(session, build, app):
    partner = build.partner()
    build.endpoint(partner, "http://127.0.0.1:9/never-called")
    queued = _emit(session, partner)
    t0 = utcnow()

    lease = delivery.DEFAULT_LEASE
    first = delivery.claim_due(session, now=t0)
    session.commit()
    during = delivery.claim_due(session, now=t0 + lease - timedelta(seconds=1))
    after = delivery.claim_due(session, now=t0 + lease + timedelta(seconds=1))
    session.commit()

    assert [c.delivery_id for c in first] == [queued.id]
    assert during == []
    assert [c.delivery_id for c in after] == [queued.id]


def test_a_receiver_trickling_its_answer_is_cut_off_at_the_sends_deadline(session, build, http):
    """Each byte comes within the read timeout, so only a deadline over the whole send ends it."""
    partner = build.partner()
    answer = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
    with SlowReceiver(trickle=answer, every=0.3) as trickler:
        build.endpoint(partner, trickler.url)
        queued = _emit(session, partner)

        delivery.deliver_due(session, http=http, now=utcnow(), timeout=(0.5, 1.0))

    row = session.get(Delivery, queued.id)
    assert trickler.ids() == [queued.message_id]
    assert (row.status, row.last_status_code, row.last_error) == ("pending", None, "timed out after 1.5 s")


def test_the_lease_outlives_every_send_its_claim_may_make():
    for limit, timeout in [(10, delivery.DEFAULT_TIMEOUT), (5, (1.0, 3.0))]:
        longest_sends = limit * delivery.send_deadline(timeout)

        lease = delivery.lease_for(limit=limit, timeout=timeout)

        assert lease.total_seconds() > longest_sends


def test_a_claim_takes_every_partners_oldest_delivery_before_any_partners_second(session, build):
    busy, quiet = build.partner("Busy"), build.partner("Quiet")
    build.endpoint(busy)
    build.endpoint(quiet)
    busy_ids = [_emit(session, busy).id for _ in range(6)]
    quiet_id = _emit(session, quiet).id

    claims = delivery.claim_due(session, now=utcnow(), limit=3)

    assert [c.delivery_id for c in claims] == [quiet_id, busy_ids[0], busy_ids[1]]


def test_a_partner_whose_sends_used_up_its_turn_hands_its_other_deliveries_back(
    session, build, receiver, http
):
    slow, quick = build.partner("Slow"), build.partner("Quick")
    with SlowReceiver() as black_hole:
        for _ in range(3):
            build.endpoint(slow, black_hole.url)
        build.endpoint(quick, receiver.url)
        held = outbox.emit(session, partner_id=slow.id, event_type="flag.raised", data={"id": 1})
        quick_one = _emit(session, quick)

        sent = delivery.deliver_due(session, http=http, now=utcnow(), timeout=(0.5, 1.2))

    rows = [session.get(Delivery, d.id) for d in held]
    assert sent == 2
    assert session.get(Delivery, quick_one.id).status == "delivered"
    assert sorted(r.attempts for r in rows) == [0, 0, 1]
    assert [r.lease_until for r in rows] == [None, None, None]
    assert len(black_hole.held) == 1


def test_a_failure_shown_to_the_partner_names_no_address_its_host_resolved_to(session, build, http, client):
    partner = build.partner()
    build.endpoint(partner, "http://no-such-host.invalid/hook")
    queued = _emit(session, partner)

    _send(session, http, utcnow())
    shown = client.get(f"/api/v1/deliveries/{queued.id}", headers=build.headers(partner)).get_json()

    assert shown["last_error"] == "could not connect"
    assert [a["error"] for a in shown["attempts"]] == ["could not connect"]


@pytest.mark.postgres_only
def test_two_workers_claiming_at_once_skip_each_others_locked_rows(session, build, app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises the claim with BEGIN IMMEDIATE")
    from api.extensions import db

    partner = build.partner()
    build.endpoint(partner, "http://127.0.0.1:9/never-called")
    queued = [_emit(session, partner).id for _ in range(4)]
    now = utcnow()

    with Session(db.engine) as first, Session(db.engine) as second:
        mine = delivery.claim_due(first, now=now, limit=2)
        theirs = delivery.claim_due(second, now=now, limit=10)
        first.commit()
        second.commit()

    assert len(mine) == 2
    assert len(theirs) == 2
    assert sorted(c.delivery_id for c in mine + theirs) == queued


def test_the_worker_command_sends_what_is_due_once(runner, session, build, receiver):
    partner = build.partner()
    endpoint = build.endpoint(partner, receiver.url)
    receiver.secrets = [endpoint.secret]
    for _ in range(3):
        _emit(session, partner)

    result = runner.invoke(args=["partnerhub", "worker", "--once"])

    assert result.exit_code == 0, result.output
    assert "3 sent" in result.output
    assert len(receiver.received) == 3
    assert all(r.verified_by == {endpoint.secret} for r in receiver.received)


def test_a_commit_that_writes_deliveries_wakes_a_worker(session, build, app):
    from api.worker import queue_of

    partner = build.partner()
    build.endpoint(partner, "http://127.0.0.1:9/never-called")
    huey = queue_of(app).huey
    huey.flush()

    outbox.emit(session, partner_id=partner.id, event_type="handoff.created", data=HANDOFF)
    before_commit = huey.pending_count()
    session.commit()
    # The wake is enqueued by a thread of the web process, just after the commit.
    deadline = time.monotonic() + 5
    while huey.pending_count() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)

    assert (before_commit, huey.pending_count()) == (0, 1)


def test_commits_made_while_a_wake_is_being_sent_share_one_more_wake():
    from api.worker import Waker

    class SlowQueue:
        """A queue whose first wake takes as long as the test likes."""

        def __init__(self):
            self.wakes, self.sending, self.done = 0, threading.Event(), threading.Event()

        def wake(self):
            self.wakes += 1
            self.sending.set()
            self.done.wait(5)

    queue = SlowQueue()
    waker = Waker(queue)
    waker.ask()
    assert queue.sending.wait(5)
    for _ in range(20):
        waker.ask()
    queue.done.set()
    deadline = time.monotonic() + 5
    while queue.wakes < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)

    assert queue.wakes == 2


def test_commits_right_after_a_wake_share_one_more_wake_a_gap_later():
    from api.worker import Waker

    class Queue:
        def __init__(self):
            self.woken_at = []

        def wake(self):
            self.woken_at.append(time.monotonic())

    def wait_for(wakes):
        deadline = time.monotonic() + 5
        while len(queue.woken_at) < wakes and time.monotonic() < deadline:
            time.sleep(0.005)

    queue = Queue()
    waker = Waker(queue)
    waker.ask()
    wait_for(1)
    for _ in range(20):
        waker.ask()
    wait_for(2)
    time.sleep(2 * Waker.GAP)

    assert len(queue.woken_at) == 2
    assert queue.woken_at[1] - queue.woken_at[0] >= Waker.GAP


def test_a_handoff_is_delivered_once_the_receivers_system_acknowledges_its_webhook(
    session, build, client, receiver, http
):
    from partnerhub.models import Handoff

    maker = build.partner("Maker", lines=["windows"])
    fitter = build.partner("Fitter", lines=["window-installation"])
    build.partnership(maker, fitter)
    build.endpoint(fitter, receiver.url)
    lead = {
        "contact": {"name": "Dana", "email": "dana@example.test"},
        "need": {"category": "window-installation"},
        "region": "DE-BE",
        "consent": True,
    }
    posted = client.post("/api/v1/leads", json=lead, headers={**build.headers(maker), "Idempotency-Key": "a"})
    handoff_id = posted.get_json()["handoffs"][0]["id"]

    _send(session, http, utcnow())

    handoff = session.get(Handoff, handoff_id)
    session.refresh(handoff)
    assert [r.body["type"] for r in receiver.received] == ["handoff.created"]
    assert handoff.status == "delivered"
    assert handoff.events[-1].actor_type == "system"
