"""How the embedded SQLite database is used by many threads and processes at once.

SQLite has one writer at a time. Four rules keep that writer's turn short and fair:
- WAL, so readers never wait for the writer nor the writer for readers;
- a transaction that only reads first (safe requests, and views marked
  `reads_first`) takes the write lock at its first write or locking read, not
  at BEGIN, so its reads do not keep other writers waiting;
- writers take turns (`WriterTurn`) before asking SQLite, and the next one
  is woken the moment a turn ends. SQLite's own busy handler sleeps 1, 2, 5,
  ... up to 100 ms between tries, so sixteen threads polling it leave the
  database idle between turns and some waiting for seconds;
- a request that will write does its reads already in its process's turn
  (not yet SQLite's lock): the one thread of the process that writes then
  never waits for the GIL while the others read and route.

What it buys, measured side by side against plain transactions (`BEGIN IMMEDIATE`
for every request that may write and SQLite's busy timeout, bench/sqlite_plain.py):
POST /leads at 16 clients served 1.44 times the leads per second (median of 37
alternating rounds in three runs; 92 against 70 req/s in the last) with a p99 of
0.4 s against 2.2 s (docs/benchmarks.md, "SQLite's writer turns", 2026-12-07).
"""

import fcntl
import os
import threading
import time
import weakref
from contextvars import ContextVar

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from api.config import private_file

# Whether the transactions begun now read before they write.
READS_FIRST: ContextVar[bool] = ContextVar("sqlite_reads_first", default=False)
# Whether they are expected to write after reading (a POST), unlike a GET's.
WRITES_AFTER: ContextVar[bool] = ContextVar("sqlite_writes_after", default=False)
_READING = "sqlite_reading"
_HOLDS_TURN = "sqlite_holds_writer_turn"
_IN_LINE = "sqlite_in_line_to_write"
# A writer that waited this long for its process's turn asks SQLite anyway (busy timeout 30 s).
_TURN_TIMEOUT = 30


def reads_first(view):
    """Mark a view whose work reads (auth, routing) before it writes: on SQLite it takes the
    write lock only for its writes, so other requests' writes are not kept waiting meanwhile."""
    view.reads_first = True
    return view


def init_app(app: Flask) -> None:
    """Safe methods and views marked `reads_first` begin their transactions without the write lock."""

    @app.before_request
    def choose():
        view = app.view_functions.get(request.endpoint)
        handler = getattr(getattr(view, "view_class", None), request.method.lower(), view)
        safe = request.method in ("GET", "HEAD", "OPTIONS")
        READS_FIRST.set(safe or getattr(handler, "reads_first", False))
        WRITES_AFTER.set(not safe)


class WriterTurn:
    """Whose turn it is to write: first among the threads of this process, then among processes.

    Threads wait on a lock of the process, which wakes the next at once. The one thread
    of each process that holds it then takes a lock file beside the database, trying
    every few milliseconds: at most one waiter per process polls, and never for longer
    than SQLite's own busy timeout, after which the writer asks SQLite anyway.
    """

    def __init__(self, database: str | None):
        self._path = f"{database}-writer.lock" if database and database != ":memory:" else None
        # Reentrant: a thread that opens a second connection while its first holds the turn
        # must reach SQLite (and its busy timeout), not wait on itself.
        self._threads = threading.RLock()
        self._depth = 0
        self._holds_file = False
        self._file = None
        self._pid = None

    def enter(self) -> bool:
        """Take the turn among this process's threads only (given back with `give_back`)."""
        if not self._threads.acquire(timeout=_TURN_TIMEOUT):
            return False
        self._depth += 1
        return True

    def take(self) -> bool:
        """Take the whole turn: among this process's threads, then among processes."""
        if not self.enter():
            return False
        if not self._holds_file:
            if not self._take_file():
                self.give_back()
                return False
            self._holds_file = True
        return True

    def give_back(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self._holds_file:
            if self._file is not None:
                fcntl.flock(self._file, fcntl.LOCK_UN)
            self._holds_file = False
        self._threads.release()

    def _take_file(self) -> bool:
        if self._path is None:
            return True
        if self._pid != os.getpid():
            # Opened anew after a fork: a lock file shared with the parent would lock for both.
            self._file, self._pid = os.open(self._path, os.O_WRONLY | os.O_CREAT, 0o600), os.getpid()
            weakref.finalize(self, os.close, self._file)
        deadline = time.monotonic() + _TURN_TIMEOUT
        pause = 0.0002
        while True:
            try:
                fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, 0.002)


def configure(engine: Engine) -> None:
    """A file of this user's only; WAL, a busy timeout, foreign keys, and the write lock taken in turn."""
    _keep_private(engine.url.database)
    turn = WriterTurn(engine.url.database)

    @event.listens_for(engine, "connect")
    def pragmas(dbapi_connection, connection_record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        # Let the hooks below emit BEGIN, COMMIT and ROLLBACK themselves.
        dbapi_connection.isolation_level = None

    def begin_writing(info: dict, cursor) -> None:
        if turn.take():
            info[_HOLDS_TURN] = True
        cursor.execute("BEGIN IMMEDIATE")

    def end(info: dict, dbapi_connection, statement: str) -> None:
        info.pop(_READING, None)
        try:
            if dbapi_connection.in_transaction:
                dbapi_connection.execute(statement)
        finally:
            # After COMMIT or ROLLBACK has ended the transaction, not before: the next writer
            # in line then finds SQLite's lock free and never enters its busy handler.
            give_back(info)

    def give_back(info: dict) -> None:
        for held in (_HOLDS_TURN, _IN_LINE):
            if info.pop(held, False):
                turn.give_back()

    @event.listens_for(engine, "begin")
    def begin(conn):
        # A deferred transaction that upgrades to writing can fail with "database is locked" at
        # once, busy timeout or not, if another writer committed since it began reading. So a
        # transaction takes the write lock at BEGIN (IMMEDIATE), which also makes concurrent moves
        # on SQLite serialise the way row locks do on PostgreSQL; or, when it reads first, just
        # before its first write or locking read (below), ending its read snapshot there.
        dbapi_connection = conn.connection.dbapi_connection
        if READS_FIRST.get():
            # A request that will write reads in its process's turn: its process's other threads
            # then wait on a lock instead of competing for the GIL, which stretched every write
            # window, the one thing all processes queue for, to 2.5 times its length.
            if WRITES_AFTER.get() and turn.enter():
                conn.info[_IN_LINE] = True
            dbapi_connection.execute("BEGIN")
            conn.info[_READING] = True
        else:
            begin_writing(conn.info, dbapi_connection.cursor())

    @event.listens_for(engine, "before_cursor_execute", named=True)
    def lock_before_writing(conn, cursor, statement, context, **_):
        if conn.info.get(_READING) and _writes_or_locks(statement, context):
            conn.info[_READING] = False
            # Nothing was written yet: ending the read transaction loses nothing. What was read
            # may have changed since, as between statements under PostgreSQL's READ COMMITTED.
            cursor.execute("COMMIT")
            begin_writing(conn.info, cursor)

    @event.listens_for(engine, "commit")
    def commit(conn):
        if not conn.invalidated:
            end(conn.info, conn.connection.dbapi_connection, "COMMIT")

    @event.listens_for(engine, "rollback")
    def rollback(conn):
        # An invalidated connection has no transaction left to end; its turn ended with it (below).
        if not conn.invalidated:
            end(conn.info, conn.connection.dbapi_connection, "ROLLBACK")

    @event.listens_for(engine, "invalidate")
    def invalidated(dbapi_connection, connection_record, exception):
        # A connection lost mid-transaction (a driver error, a closed database) never reaches
        # COMMIT or ROLLBACK: without this, its thread kept the turn and every other writer of
        # the process waited out the turn's timeout.
        connection_record.info.pop(_READING, None)
        give_back(connection_record.info)

    @event.listens_for(engine, "reset")
    def reset(dbapi_connection, connection_record, reset_state):
        # A connection returned to the pool mid-transaction is rolled back by the pool, not by a
        # Connection: its turn ends here.
        end(connection_record.info, dbapi_connection, "ROLLBACK")


def _keep_private(database: str | None) -> None:
    # Before SQLite would create it 0644: it holds contacts, webhook secrets and password hashes.
    if database and database != ":memory:":
        private_file(database)


def _writes_or_locks(statement: str, context) -> bool:
    """Whether a statement writes (or locks rows) and so needs the write lock first."""
    if statement.lstrip().split(None, 1)[0].upper() not in ("SELECT", "WITH"):
        return True
    # A WITH ... INSERT/UPDATE/DELETE built with SQLAlchemy says so.
    if context.isinsert or context.isupdate or context.isdelete:
        return True
    compiled = getattr(context, "compiled", None)
    # SQLite has no SELECT ... FOR UPDATE: a locking read takes the write lock instead.
    return getattr(getattr(compiled, "statement", None), "_for_update_arg", None) is not None
