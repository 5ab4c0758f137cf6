"""SQLite's one writer at a time: reads never wait for it, and writers take short, fair turns.

Each test holds SQLite's write lock from a plain connection of its own, as another
process's request would, and shows what the app can still do meanwhile.
"""

import sqlite3
import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.extensions import db
from api.sqlite import READS_FIRST
from partnerhub.core.errors import Conflict
from partnerhub.exchange import intake
from partnerhub.models import IdempotencyKey
from tests.api.test_leads import _exchange, lead_body, post_lead, recorded_statements

pytestmark = pytest.mark.usefixtures("sqlite_only")


@pytest.fixture
def sqlite_only(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's locking; PostgreSQL locks rows")


@contextmanager
def another_writer(database_url):
    """SQLite's write lock held by a connection of its own, as a request of another process would."""
    conn = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None, timeout=30)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    finally:
        conn.execute("COMMIT")
        conn.close()


def test_a_page_or_a_get_reads_while_another_request_writes(client, build, session, database_url):
    sender, _ = _exchange(build)
    headers = build.headers(sender)
    session.close()

    with another_writer(database_url):
        response = client.get("/api/v1/partners", headers=headers)

    # With the write lock taken at BEGIN, this GET would have waited 30 s for the other writer.
    assert response.status_code == 200


def test_a_lead_reads_and_decides_before_it_waits_for_the_write_lock(client, build, session, database_url):
    sender, fitter = _exchange(build)
    headers, fitter_id = build.headers(sender), fitter.id
    session.close()
    result = {}
    request = threading.Thread(target=lambda: result.update(response=post_lead(client, headers, lead_body())))
    with recorded_statements() as sent:
        try:
            with another_writer(database_url):
                request.start()
                # The request reads everything it needs (client, key, routing) while the lock is taken...
                request.join(timeout=3)
                assert request.is_alive()
                # ...routing's candidates included, and has written nothing yet.
                statements = [sql for _, sql in sent]
                assert any("FROM handoff_rollups" in sql for sql in statements)
                assert all(sql.lstrip().upper().startswith(("SELECT", "WITH")) for sql in statements)
        finally:
            # ...and writes as soon as the other writer is done.
            request.join(timeout=30)
    assert result["response"].status_code == 201
    assert result["response"].get_json()["handoffs"][0]["partner"]["id"] == fitter_id


def test_a_second_lead_of_the_process_reads_only_once_the_first_is_written(
    client, build, session, database_url
):
    """Requests that will write read in their process's turn: the process's other threads wait on
    a lock instead of competing for the GIL with the one that holds SQLite's write lock."""
    sender, _ = _exchange(build)
    headers = build.headers(sender)
    session.close()
    results = {}

    def post(name, external_id):
        body = lead_body(external_id=external_id, contact={"email": f"{name}@example.test"})
        results[name] = post_lead(client, headers, body, key=name)

    first = threading.Thread(target=post, args=("first", "crm-1"))
    second = threading.Thread(target=post, args=("second", "crm-2"))
    with recorded_statements() as sent:
        try:
            with another_writer(database_url):
                first.start()
                first.join(timeout=2)
                second.start()
                second.join(timeout=1)
                # The first read everything and waits for SQLite's lock; the second has not read at all.
                assert first.is_alive()
                assert second.is_alive()
                assert any("FROM handoff_rollups" in sql for thread, sql in sent if thread == first.ident)
                assert second.ident not in {thread for thread, _ in sent}
        finally:
            first.join(timeout=30)
            second.join(timeout=30)
    assert results["first"].status_code == results["second"].status_code == 201


def test_a_key_committed_by_another_request_meanwhile_is_in_flight(app, build):
    """The key is checked before the write lock is taken: another request may commit it first."""
    sender_id = _exchange(build)[0].id
    reads_first = READS_FIRST.set(True)
    try:
        with app.app_context(), Session(db.engine) as mine, Session(db.engine) as theirs:
            assert intake.check_idempotency_key(mine, partner_id=sender_id, key="k", fingerprint="f") is None
            intake.keep_response(theirs, partner_id=sender_id, key="k", fingerprint="f", status=201, body={})
            theirs.commit()

            with pytest.raises(Conflict, match="still being processed"):
                intake.keep_response(
                    mine, partner_id=sender_id, key="k", fingerprint="f", status=201, body={}
                )
            mine.rollback()

            assert mine.scalar(select(func.count()).select_from(IdempotencyKey)) == 1
    finally:
        READS_FIRST.reset(reads_first)


def test_a_connection_lost_mid_transaction_gives_its_turn_back(app):
    """Invalidated connections (a driver error, a closed database) never reach COMMIT or ROLLBACK."""
    with app.app_context():
        engine = db.engine
        lost = engine.connect()
        lost.exec_driver_sql("UPDATE categories SET name = name")  # takes this process's turn
        lost.invalidate()
        lost.rollback()
        lost.close()
        done = threading.Event()

        def write():
            with engine.begin() as conn:
                conn.exec_driver_sql("UPDATE categories SET name = name")
            done.set()

        other = threading.Thread(target=write)
        other.start()
        # Not a speed target: a turn never given back kept the next writer waiting 30 s.
        assert done.wait(timeout=10)
        other.join()
