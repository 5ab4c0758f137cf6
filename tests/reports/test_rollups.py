"""Rollups stay exact when moves of the same cohort commit at the same time."""

import threading
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.extensions import db
from partnerhub import rollups
from partnerhub.models import Handoff, HandoffRollup, Lead

SENT_AT = datetime(2027, 6, 30, 9, tzinfo=UTC)


def test_concurrent_moves_of_one_cohort_lose_no_count(app, build, session):
    northwind, acme = build.partner("Northwind"), build.partner("Acme")
    partnership = build.partnership(northwind, acme)
    ids = (northwind.id, acme.id, partnership.id)
    # Reading those ids began a transaction; on SQLite it holds the write lock.
    session.commit()
    workers = 6
    barrier = threading.Barrier(workers, timeout=30)
    errors = []

    def hand_off():
        try:
            with app.app_context(), Session(db.engine) as own:
                lead = Lead(partner_id=ids[0], consent=True, status="routed")
                handoff = Handoff(
                    lead=lead,
                    from_partner_id=ids[0],
                    to_partner_id=ids[1],
                    partnership_id=ids[2],
                    sent_at=SENT_AT,
                )
                own.add(handoff)
                own.flush()
                own.commit()
                barrier.wait()
                rollups.record_move(own, handoff=handoff, from_status=None, to_status="sent", at=SENT_AT)
                own.commit()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=hand_off) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert session.scalars(select(HandoffRollup.sent)).all() == [workers]
