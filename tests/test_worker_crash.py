"""A worker killed with SIGKILL in the middle of a batch loses nothing: another sends what it held."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from partnerhub import outbox
from partnerhub.models import Delivery
from tests.receiver import Receiver

ROOT = Path(__file__).parent.parent
FLASK = str(Path(sys.executable).parent / "flask")


def _start_worker() -> subprocess.Popen:
    # DATABASE_URL and PARTNERHUB_INSTANCE_PATH come from the environment conftest set up.
    env = {
        **os.environ,
        "PARTNERHUB_DELIVERY_BATCH": "5",
        "PARTNERHUB_DELIVERY_CONNECT_TIMEOUT": "1",
        "PARTNERHUB_DELIVERY_READ_TIMEOUT": "2",
    }
    return subprocess.Popen(
        [FLASK, "--app", "wsgi", "partnerhub", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _delivered(session) -> int:
    count = session.scalar(select(func.count()).where(Delivery.status == "delivered"))
    # End the read at once: on SQLite an open transaction holds the write lock the worker needs.
    session.rollback()
    return count


def _stop(worker: subprocess.Popen) -> None:
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


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
        assert _wait_for(lambda: len(receiver.received) >= 8, timeout=30), "the first worker never sent"
        first.kill()
        first.wait()
        second = _start_worker()
        try:
            all_arrived = _wait_for(lambda: set(receiver.ids()) >= expected, timeout=60)
            all_recorded = _wait_for(
                lambda: (
                    session.scalar(select(func.count()).where(Delivery.status == "delivered")) == 30
                    or session.rollback()
                ),
                timeout=15,
            )
        finally:
            _stop(second)

        assert all_arrived, f"missing: {len(expected - set(receiver.ids()))}"
        assert all_recorded
        duplicates = sum(n - 1 for n in Counter(receiver.ids()).values())
        print(f"\n30 deliveries, {len(receiver.received)} requests, {duplicates} duplicates after SIGKILL")
        # Only what the killed worker held (one batch at most) may come twice.
        assert duplicates <= 5
        assert all(r.verified_by == {endpoint.secret} for r in receiver.received)
