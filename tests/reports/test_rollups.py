"""Rollups stay exact when moves of the same cohort commit at the same time."""

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.extensions import db
from partnerhub.exchange import rollups
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


@pytest.mark.postgres_only
def test_a_move_locks_its_rollup_row_only_when_its_transaction_commits(app, build, session):
    northwind, acme = build.partner("Northwind"), build.partner("Acme")
    partnership = build.partnership(northwind, acme)
    build.handoff_through(partnership, northwind, [("sent", SENT_AT)])

    build.handoff_through(partnership, northwind, [("sent", SENT_AT)], commit=False)
    with db.engine.connect() as other:
        other.exec_driver_sql("SET lock_timeout = '200ms'")
        # Another lead of the same cohort, committing while the first transaction is still open.
        other.exec_driver_sql("UPDATE handoff_rollups SET sent = sent + 1")
        other.commit()
    session.commit()

    assert session.scalars(select(HandoffRollup.sent)).all() == [3]


def test_a_rolled_back_move_leaves_no_count(build, session):
    northwind, acme = build.partner("Northwind"), build.partner("Acme")
    partnership = build.partnership(northwind, acme)
    build.handoff_through(partnership, northwind, [("sent", SENT_AT)])

    build.handoff_through(partnership, northwind, [("sent", SENT_AT), ("delivered", SENT_AT)], commit=False)
    session.rollback()
    session.commit()

    assert session.scalars(select(HandoffRollup.sent)).all() == [1]
    assert session.scalars(select(HandoffRollup.delivered)).all() == [0]


def test_a_move_inside_a_rolled_back_savepoint_leaves_no_count_and_the_rest_stays(build, session):
    northwind, acme = build.partner("Northwind"), build.partner("Acme")
    partnership = build.partnership(northwind, acme)

    build.handoff_through(partnership, northwind, [("sent", SENT_AT)], commit=False)
    savepoint = session.begin_nested()
    build.handoff_through(partnership, northwind, [("sent", SENT_AT)], commit=False)
    savepoint.rollback()
    session.commit()

    assert session.scalars(select(HandoffRollup.sent)).all() == [1]


def test_readers_in_the_same_transaction_see_the_moves_not_yet_committed(build, session):
    from partnerhub.reports.balance import direction_totals

    northwind, acme = build.partner("Northwind"), build.partner("Acme")
    partnership = build.partnership(northwind, acme)

    build.handoff_through(partnership, northwind, [("sent", SENT_AT), ("accepted", SENT_AT)], commit=False)
    totals = direction_totals(session, start=SENT_AT.date())

    assert totals[(partnership.id, northwind.id)].counts["accepted"] == 1
