"""The product with plain SQLite transactions in place of api/sqlite.py's turns: `bench.sqlite_plain:app`.

Bench only, not product: what SQLite would do without api/sqlite.py. WAL, the same
pragmas and busy timeout, and `BEGIN IMMEDIATE` for every transaction of a request
that may write (and of the CLI and the worker), a plain `BEGIN` for GET/HEAD/OPTIONS;
no writer turns, no lock file, no reads-first. `bench.intake` with
BENCH_SQLITE_VARIANTS=1 serves it beside `wsgi:app` and lets them take turns.
"""

from contextvars import ContextVar

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

import api.sqlite as turns

WRITES: ContextVar[bool] = ContextVar("plain_sqlite_writes", default=True)


def init_app(flask_app: Flask) -> None:
    @flask_app.before_request
    def choose():
        WRITES.set(request.method not in ("GET", "HEAD", "OPTIONS"))


def configure(engine: Engine) -> None:
    turns._keep_private(engine.url.database)

    @event.listens_for(engine, "connect")
    def pragmas(dbapi_connection, connection_record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def begin(conn):
        conn.connection.dbapi_connection.execute("BEGIN IMMEDIATE" if WRITES.get() else "BEGIN")

    def end(dbapi_connection, statement: str) -> None:
        if dbapi_connection.in_transaction:
            dbapi_connection.execute(statement)

    @event.listens_for(engine, "commit")
    def commit(conn):
        if not conn.invalidated:
            end(conn.connection.dbapi_connection, "COMMIT")

    @event.listens_for(engine, "rollback")
    def rollback(conn):
        if not conn.invalidated:
            end(conn.connection.dbapi_connection, "ROLLBACK")

    @event.listens_for(engine, "reset")
    def reset(dbapi_connection, connection_record, reset_state):
        end(dbapi_connection, "ROLLBACK")


# create_app() looks both up on the module when it builds the app.
turns.init_app = init_app
turns.configure = configure

from api import create_app  # noqa: E402

app = create_app()
