"""The worker process: the delivery loop, woken early by the queue, and the timed jobs.

The queue carries no deliveries, only "wake up": the outbox rows are the
truth and the loop polls them every second anyway, so a wake message lost
with a killed consumer delays a delivery by a second at most. Huey keeps
the queue in the instance folder (SQLite) or in Redis when REDIS_URL is set.
"""

import logging
import os
import signal
import threading
import time
from pathlib import Path

from flask import Flask, current_app
from huey import RedisHuey, SqliteHuey, crontab
from sqlalchemy import event

from api.config import private_file
from api.extensions import db
from partnerhub.core import mail
from partnerhub.core.mail import SmtpSettings
from partnerhub.core.outbox import WAKE_AFTER_COMMIT
from partnerhub.delivery import egress, jobs
from partnerhub.delivery import sending as delivery

log = logging.getLogger(__name__)
_EXTENSION = "partnerhub_queue"


class Queue:
    """The Huey instance shared by the web processes (which wake) and the workers (which are woken)."""

    def __init__(self, app: Flask):
        url = app.config.get("REDIS_URL")
        if url:
            self.huey = RedisHuey("partnerhub", url=url, results=False)
        else:
            path = Path(app.instance_path) / "queue.db"
            private_file(path)
            # No fsync: a wake lost with the machine costs a second's poll, never a delivery,
            # and syncing the queue's file cost a web process as much as a lead's routing.
            self.huey = SqliteHuey("partnerhub", filename=str(path), results=False, fsync=False)
        self.woken = threading.Event()

        # A wake nobody picked up within a minute is moot: the poll has long found the rows.
        @self.huey.task(expires=60, name="wake")
        def wake():
            self.woken.set()

        self.wake = wake
        self.waker = Waker(self)

        # Every worker's scheduler ticks; the job leases in the database let one of them do the work.
        @self.huey.periodic_task(crontab(minute="*"), name="tick")
        def tick():
            with app.app_context():
                run_timed_jobs(app)


class Waker:
    """Asks for a worker's wake-up from a thread of its own, once per burst of commits.

    A commit that wrote deliveries only raises a flag; the thread enqueues one wake for
    every commit flagged before it began, and no request waits on the queue (a SQLite
    file of its own, or Redis). A flag raised while a wake is being enqueued gets
    another: no commit is left without a wake that follows it.

    After a wake the thread lets `GAP` pass before the next, so a busy web process
    sends at most one wake per gap for all its commits meanwhile. A lead every 15 ms
    had cost a wake each, about 4% of intake's CPU; a lone commit is still woken for
    at once, and one in a burst at most a gap later, while the worker is busy anyway.
    """

    GAP = 0.05

    def __init__(self, queue: "Queue"):
        self._queue = queue
        self._asked = threading.Event()
        self._lock = threading.Lock()
        self._pid = None

    def ask(self) -> None:
        self._asked.set()
        with self._lock:
            # One thread per process: a forked child does not inherit its parent's.
            if self._pid != os.getpid():
                self._pid = os.getpid()
                threading.Thread(target=self._run, name="wake-worker", daemon=True).start()

    def _run(self) -> None:
        while True:
            self._asked.wait()
            self._asked.clear()
            try:
                self._queue.wake()
            except Exception:
                # The rows are committed and a worker polls them within a second: a wake is only a shortcut.
                log.warning("could not enqueue a worker wake-up", exc_info=True)
            time.sleep(self.GAP)


def queue_of(app: Flask) -> Queue:
    if _EXTENSION not in app.extensions:
        app.extensions[_EXTENSION] = Queue(app)
    return app.extensions[_EXTENSION]


def init_app(app: Flask) -> None:
    """Wake a worker after any commit that wrote deliveries."""

    @event.listens_for(db.session, "after_commit")
    def wake_after_commit(session):
        if session.info.pop(WAKE_AFTER_COMMIT, False):
            queue_of(current_app._get_current_object()).waker.ask()

    @event.listens_for(db.session, "after_rollback")
    def forget_wake(session):
        session.info.pop(WAKE_AFTER_COMMIT, None)


def _settings(app: Flask) -> dict:
    config = app.config
    return {
        "limit": int(config["DELIVERY_BATCH"]),
        "timeout": (float(config["DELIVERY_CONNECT_TIMEOUT"]), float(config["DELIVERY_READ_TIMEOUT"])),
    }


def _http(app: Flask):
    return egress.http_session(private_ok=bool(app.config["WEBHOOK_PRIVATE_NETWORKS"]))


def smtp_settings(app: Flask) -> SmtpSettings | None:
    """SMTP from the config, or None (emails stay stored, unsent) when SMTP_HOST is not set."""
    config = app.config
    if not config.get("SMTP_HOST"):
        return None
    return SmtpSettings(
        host=config["SMTP_HOST"],
        port=int(config["SMTP_PORT"]),
        sender=config["SMTP_SENDER"],
        username=config.get("SMTP_USERNAME"),
        password=config.get("SMTP_PASSWORD"),
        starttls=bool(config.get("SMTP_STARTTLS")),
    )


def run_timed_jobs(app: Flask) -> dict[str, int]:
    return jobs.run_due_jobs(db.session, smtp=smtp_settings(app), base_url=app.config["BASE_URL"].rstrip("/"))


def run_once(app: Flask) -> int:
    """Send everything due now and run the due timed jobs; return how many sends were made."""
    total = 0
    with _http(app) as http:
        while sent := delivery.deliver_due(db.session, http=http, **_settings(app)):
            total += sent
    run_timed_jobs(app)
    send_emails(app)
    return total


def send_emails(app: Flask) -> int:
    """Send every email due now; return how many went out."""
    smtp = smtp_settings(app)
    total = 0
    while sent := mail.send_due_emails(db.session, smtp=smtp):
        total += sent
    return total


def run_forever(app: Flask, *, interval: float) -> None:
    """Poll and send until SIGTERM or SIGINT; the queue's wake-ups cut the wait short."""
    queue = queue_of(app)
    consumer = queue.huey.create_consumer(workers=1, worker_type="thread", periodic=True, max_delay=0.5)
    consumer.start()
    stopping = threading.Event()

    def stop(signum, frame):
        stopping.set()
        queue.woken.set()

    # After consumer.start(), which installs handlers of its own that only its run() loop reads.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    http = _http(app)
    settings = _settings(app)
    smtp = smtp_settings(app)
    while not stopping.is_set():
        try:
            sent = delivery.deliver_due(db.session, http=http, **settings)
            sent += mail.send_due_emails(db.session, smtp=smtp)
        except Exception:
            # A database hiccup must not end the worker; the rows wait and the next pass retries.
            log.exception("delivery pass failed")
            db.session.rollback()
            time.sleep(interval)
            continue
        # A batch cut short by a partner's turn leaves rows due: claim again at once.
        if not sent:
            # No transaction may stay open while idle: on SQLite it would hold the write lock.
            db.session.close()
            queue.woken.wait(interval)
            queue.woken.clear()
    http.close()
    consumer.stop(graceful=True)
