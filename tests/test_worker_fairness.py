"""One partner's slow receivers hold up no other partner's webhooks, and no two workers send the
same delivery at once: real worker processes, real receivers on loopback."""

import time
from contextlib import ExitStack
from itertools import combinations

import pytest
from sqlalchemy import select

from partnerhub.core import outbox
from partnerhub.models import Delivery, DeliveryAttempt
from tests.receiver import Receiver, SlowReceiver
from tests.workers import start_worker, stop, wait_for

# The read timeout is longer than the trickle's 2.5 s between bytes, so no single read times out:
# only the send's deadline (connect + read, 3.5 s) ends it.
SETTINGS = {"batch": 5, "connect_timeout": 0.5, "read_timeout": 3}
DEADLINE = 3.5
TRICKLE = b"HTTP/1.1 200 OK\r\nx-slow: " + b"a" * 1000


def _read(session, stmt):
    rows = session.execute(stmt).all()
    # End the read at once: on SQLite an open transaction holds the write lock the workers need.
    session.rollback()
    return rows


def _held_ids(receivers) -> list[str]:
    return [webhook_id for r in receivers.values() for webhook_id in r.ids()]


def _attempts(session, delivery_ids) -> dict[int, list[tuple[int, str]]]:
    rows = _read(
        session,
        select(DeliveryAttempt.delivery_id, DeliveryAttempt.duration_ms, DeliveryAttempt.error)
        .where(DeliveryAttempt.delivery_id.in_(delivery_ids))
        .order_by(DeliveryAttempt.id),
    )
    attempts: dict[int, list[tuple[int, str]]] = {d: [] for d in delivery_ids}
    for delivery_id, duration_ms, error in rows:
        attempts[delivery_id].append((duration_ms, error))
    return attempts


@pytest.mark.slow
def test_ten_black_holes_and_a_trickle_of_one_partner_delay_anothers_webhook_by_one_send_at_most(
    session, build, app, tmp_path
):
    slow, other = build.partner("Slow"), build.partner("Other")
    with ExitStack() as stack:
        holes = [stack.enter_context(SlowReceiver()) for _ in range(10)]
        trickler = stack.enter_context(SlowReceiver(trickle=TRICKLE, every=2.5))
        receiver = stack.enter_context(Receiver())
        # Eleven endpoints, one more than a partner may register now: as if registered before the cap.
        slow_endpoints = {build.endpoint(slow, r.url).id: r for r in [*holes, trickler]}
        build.endpoint(other, receiver.url)
        logs = [tmp_path / f"worker-{n}.log" for n in range(2)]
        for log in logs:
            with open(log, "w") as output:
                worker = start_worker(**SETTINGS, output=output)
            stack.callback(stop, worker)
        assert wait_for(lambda: all("worker: started" in log.read_text() for log in logs), 60)
        [warm_up] = outbox.emit(session, partner_id=other.id, event_type="flag.raised", data={"id": 0})
        session.commit()
        assert wait_for(lambda: warm_up.message_id in receiver.ids(), 30), "no worker is sending"

        backlog = outbox.emit(session, partner_id=slow.id, event_type="flag.raised", data={"id": 1})
        session.commit()
        # Both workers busy with the slow partner's sends when the other partner's webhook comes.
        assert wait_for(lambda: len(_held_ids(slow_endpoints)) >= 2, 30)
        [theirs] = outbox.emit(session, partner_id=other.id, event_type="flag.raised", data={"id": 2})
        session.commit()
        committed = time.monotonic()
        arrived = wait_for(lambda: theirs.message_id in receiver.ids(), 30)
        delay = [r.at - committed for r in receiver.received if r.webhook_id == theirs.message_id][:1]
        each_sent = wait_for(lambda: {q.message_id for q in backlog} <= set(_held_ids(slow_endpoints)), 90)
    # The workers stopped first (SIGTERM: each records the send it was making), then the receivers.
    held = [h for r in slow_endpoints.values() for h in r.held]
    assert wait_for(lambda: all(h.left for h in held), 10), "a receiver never saw its sender go"

    attempts = _attempts(session, [q.id for q in backlog])
    [trickled] = [q.id for q in backlog if slow_endpoints[q.endpoint_id] is trickler]
    by_message = {q.message_id: q.id for q in backlog}
    print(
        f"\nanother partner's webhook came {delay} s after its commit; the trickling send's attempts"
        f" (ms, error): {attempts[trickled]}; {len(held)} slow sends of {len(backlog)} deliveries"
    )
    assert arrived
    assert delay[0] < 5
    assert each_sent
    cut_after, error = attempts[trickled][0]
    assert (cut_after, error) == (pytest.approx(DEADLINE * 1000, abs=1000), f"timed out after {DEADLINE:g} s")
    for message_id, delivery_id in by_message.items():
        sends = [h for h in held if h.webhook_id == message_id]
        assert len(sends) == len(attempts[delivery_id]), f"a send of {message_id} was never recorded"
        assert not any(a.arrived < b.left and b.arrived < a.left for a, b in combinations(sends, 2))
    assert _read(session, select(Delivery.status).where(Delivery.id == theirs.id)) == [("delivered",)]
