"""Workers killed under load: every lead a partner system was told of is stored once, every webhook arrives.

A small load of partner systems posting leads (one Idempotency-Key per lead,
retried with the same key) against gunicorn and two job workers; a gunicorn
worker and a job worker are SIGKILLed mid-load. `make bench-faults` runs the
same rig longer, with a database outage too (docs/reliability.md).
"""

import time

import pytest

from bench.rig import Load, Stack, audit, seed, wait_for_deliveries
from partnerhub.delivery.sending import lease_for


@pytest.mark.slow
def test_killed_web_and_job_workers_lose_no_lead_store_none_twice_and_miss_no_webhook(
    app, session, database_url, receiver
):
    systems = seed(session, receiver_url=receiver.url, systems=2, fitters=2)
    with Stack(database_url, web_workers=2, job_workers=2) as stack:
        load = Load(stack.base, systems, threads=4).start("faults", max_leads=400)
        time.sleep(2)

        stack.kill_web_worker()
        time.sleep(1.5)
        stack.kill_job_worker()
        time.sleep(2.5)
        load.stop()
        # The killed job worker's claimed rows come back when their lease ends: wait past it.
        lease = lease_for(limit=app.config["DELIVERY_BATCH"], timeout=stack.delivery_timeout)
        expected = wait_for_deliveries(session, receiver, timeout=lease.total_seconds() + 30)
        result = audit(session, load.sent, expected_ids=expected, received_ids=receiver.ids())

    print(f"\n{result}")
    assert result.sent >= 10
    assert result.acknowledged == result.sent
    assert result.stored == result.acknowledged
    assert result.duplicated == 0
    assert result.lost == 0
    assert result.half_written == []
    assert result.deliveries_expected >= result.stored
    assert result.deliveries_missing == 0
