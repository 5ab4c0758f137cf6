"""Fixtures: one migrated database per run (SQLite, or PostgreSQL when asked), emptied after each test.

Set PARTNERHUB_TEST_DATABASE_URL to a postgresql:// URL to run the suite on
PostgreSQL; the database named there is dropped and created afresh. Tests
reach across processes (a worker, gunicorn), so isolation is by emptying the
tables after each test rather than by an outer transaction rolled back.
"""

import os
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.serving import make_server

from api import create_app
from api.extensions import db
from partnerhub.core.db import Base
from partnerhub.exchange import lists
from scripts.catalogs import compile_catalogs
from tests import builders
from tests.receiver import Receiver

MIGRATIONS = Path(__file__).parent.parent / "migrations"


def _test_database_url(tmp_path_factory) -> str:
    url = os.environ.get("PARTNERHUB_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    recreate_postgres_database(url)
    return url


def recreate_postgres_database(url: str) -> None:
    """Drop and create the database `url` names. An unreachable server fails the run, never skips it."""
    target = sa.engine.make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    admin.dispose()


def on_postgres() -> bool:
    return (os.environ.get("PARTNERHUB_TEST_DATABASE_URL") or "").startswith("postgres")


def pytest_configure(config):
    # The .mo files are built, not committed: a fresh clone's tests read the catalogs as they are now.
    compile_catalogs()


def pytest_collection_modifyitems(config, items):
    # They run in the PostgreSQL pass of `make test`; SQLite has no server to lose or lock rows in.
    if on_postgres():
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL; runs in the PostgreSQL pass")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


def pytest_report_header(config):
    url = os.environ.get("PARTNERHUB_TEST_DATABASE_URL")
    return f"partnerhub database: {'postgresql (' + url + ')' if url else 'sqlite (temporary file)'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return _test_database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    # Through the environment, so subprocesses the tests start (worker, gunicorn) share them.
    os.environ["DATABASE_URL"] = database_url
    os.environ["PARTNERHUB_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("instance"))
    # The tests' webhook receivers listen on loopback; tests/test_egress.py turns this off.
    os.environ["PARTNERHUB_WEBHOOK_PRIVATE_NETWORKS"] = "true"
    application = create_app({"TESTING": True})
    with application.app_context():
        upgrade(directory=str(MIGRATIONS))
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _empty_tables_after_each_test(request):
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        engine = db.engine
        tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            else:
                for table in tables:
                    conn.exec_driver_sql(f"DELETE FROM {table}")


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request):
    # Counters are per process; a test must not inherit the 429s of the one before.
    yield
    if "app" in request.fixturenames:
        from api.extensions import limiter

        limiter.reset()


@pytest.fixture
def session(app):
    """The app's session inside an app context, for arranging and checking state directly."""
    with app.app_context():
        yield db.session
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(params=["few leads match", "many leads match"])
def either_search_way(request, monkeypatch):
    """A search finds its rows either way (lists.search): its matches gathered first, or each row's
    lead checked in the list's own order, as when a common name matches many leads."""
    if request.param == "many leads match":
        monkeypatch.setattr(lists, "FEW_MATCHES", 0)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def build(session):
    """Small builders with sensible defaults: build.partner(), build.line(partner, ...), ..."""
    return builders.Builder(session)


@pytest.fixture
def receiver():
    """A webhook receiver on a free localhost port; see tests/receiver.py."""
    with Receiver() as listening:
        yield listening


def _closing(app):
    """`app` with each response closed even where werkzeug's dev server forgets to.

    The dev server closes a response only after draining the request's socket. When the browser
    resets the connection (a page closed while an asset loads), the drain raises first, and the
    response (an open static file) is left for the garbage collector, which warns about it in
    whichever test is running then.
    """

    def wsgi(environ, start_response):
        response = app(environ, start_response)
        try:
            yield from response
        finally:
            # Reached when the body is sent, or when the server drops this generator half-way.
            if hasattr(response, "close"):
                response.close()

    return wsgi


@pytest.fixture(scope="session")
def live_server(app):
    """The app behind a real HTTP server on a free port, for the browser and HTTP clients."""
    server = make_server("127.0.0.1", 0, _closing(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
