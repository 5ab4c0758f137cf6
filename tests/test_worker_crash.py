"""A worker killed with SIGKILL in the middle of a batch loses nothing: another sends what it held."""

from collections import Counter

import pytest
from sqlalchemy import func, select

from partnerhub.core import outbox
from partnerhub.models import Delivery
from tests.receiver import Receiver
from tests.workers import start_worker, stop, wait_for


def _start_worker():
    return start_worker(batch=5, connect_timeout=1, read_timeout=2)


def _delivered(session) -> int:
    count = session.scalar(select(func.count()).where(Delivery.status == "delivered"))
    # End the read at once: on SQLite an open transaction holds the write lock the worker needs.
    session.rollback()
    return count


@pytest.mark.slow
def test_a_worker_killed_mid_batch_loses_no_delivery(session, build, app):
    partner = build.partner()
    with Receiver(delay=0.15) as receiver:
        endpoint = build.endpoint(partner, receiver.url)
        receiver.secrets = [endpoint.secret]
        expected = set()
        for n in range(30):
            queued = outbox.emit(
                session,
                partner_id=partner.id,
                event_type="handoff.created",
                data={"id": n, "version": 1},
            )
            expected |= {d.message_id for d in queued}
        session.commit()

        first = _start_worker()
        assert wait_for(lambda: len(receiver.received) >= 8, timeout=30), "the first worker never sent"
        first.kill()
        first.wait()
        second = _start_worker()
        try:
            all_arrived = wait_for(lambda: set(receiver.ids()) >= expected, timeout=60)
            all_recorded = wait_for(
                lambda: (
                    session.scalar(select(func.count()).where(Delivery.status == "delivered")) == 30
                    or session.rollback()
                ),
                timeout=15,
            )
        finally:
            stop(second)

        assert all_arrived, f"missing: {len(expected - set(receiver.ids()))}"
        assert all_recorded
        duplicates = sum(n - 1 for n in Counter(receiver.ids()).values())
        print(f"\n30 deliveries, {len(receiver.received)} requests, {duplicates} duplicates after SIGKILL")
        # Only what the killed worker held (one batch at most) may come twice.
        assert duplicates <= 5
        assert all(r.verified_by == {endpoint.secret} for r in receiver.received)
