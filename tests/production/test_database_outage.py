"""PostgreSQL lost under gunicorn: 503 problem+json with Retry-After, nothing half-written, recovery."""

import threading
import time

import pytest
import requests
import sqlalchemy as sa
from sqlalchemy import select

from partnerhub.models import Lead, Partner
from tests.production.conftest import gunicorn
from tests.production.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def proxied_server(app, database_url, free_port):
    """gunicorn (gunicorn.conf.py) whose only way to the database runs through a TcpProxy."""
    url = sa.engine.make_url(database_url)
    proxy = TcpProxy((url.host, url.port or 5432)).start()
    with gunicorn(
        free_port,
        DATABASE_URL=url.set(port=proxy.port).render_as_string(hide_password=False),
        WEB_CONCURRENCY="1",
        DB_CONNECT_TIMEOUT="1",
    ) as base:
        yield base, proxy
    proxy.cut()


def _register(base: str, name: str) -> requests.Response:
    body = {"name": name, "size": {"sales_reps": 2, "revenue_band": "under_1m", "monthly_leads": 5}}
    return requests.post(base + "/api/v1/partners", json=body, timeout=10)


def test_a_database_outage_is_503_and_leaves_nothing_half_written(proxied_server, session):
    base, proxy = proxied_server
    before = _register(base, "Before the outage")

    proxy.cut()
    during = _register(base, "During the outage")
    ready_during = requests.get(base + "/readyz", timeout=10)
    proxy.start()
    after = _register(base, "After the outage")

    assert before.status_code == 201
    assert during.status_code == 503
    assert during.headers["Content-Type"] == "application/problem+json"
    assert during.headers["Retry-After"] == "5"
    assert "database is unavailable" in during.json()["detail"]
    assert during.json()["request_id"] == during.headers["X-Request-ID"]
    assert ready_during.status_code == 503
    assert ready_during.json()["checks"]["database"].startswith("unavailable")
    assert after.status_code == 201
    names = set(session.scalars(select(Partner.name)))
    assert names == {"Before the outage", "After the outage"}


def _waiting_on_a_lock(session) -> bool:
    waiting = session.scalar(
        sa.text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
    )
    return waiting > 0


def test_a_lead_cut_off_mid_request_can_be_posted_again_with_the_same_key(proxied_server, session, build):
    from tests.api.test_leads import lead_body

    base, proxy = proxied_server
    build.complement("windows", "window-installation")
    sender = build.partner(lines=["windows"])
    build.partnership(sender, build.partner(lines=["window-installation"]))
    headers = build.headers(sender) | {"Idempotency-Key": "crm-42"}
    # The request takes its key, then waits on the leads table until the connection is cut under it.
    session.execute(sa.text("LOCK TABLE leads IN EXCLUSIVE MODE"))
    answers = []
    first = threading.Thread(
        target=lambda: answers.append(
            requests.post(base + "/api/v1/leads", json=lead_body(), headers=headers, timeout=20)
        )
    )
    first.start()
    for _ in range(100):
        if _waiting_on_a_lock(session):
            break
        time.sleep(0.05)

    proxy.cut()
    first.join()
    session.rollback()
    proxy.start()
    again = requests.post(base + "/api/v1/leads", json=lead_body(), headers=headers, timeout=20)

    assert answers[0].status_code == 503, answers[0].text
    assert answers[0].headers["Content-Type"] == "application/problem+json"
    assert again.status_code == 201, again.text
    assert session.scalar(select(sa.func.count()).select_from(Lead)) == 1
