"""The production shape on this machine, for the load run, the fault runs and the slow fault test.

gunicorn (gunicorn.conf.py, several workers) and job workers on one database,
a local webhook receiver, and partner systems that post leads from client
threads the way a real one does: one Idempotency-Key per lead, the same key
again after an error or a timeout. Afterwards `audit` counts, from the
database and the receiver, what became of every lead.
"""

import contextlib
import itertools
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests
import sqlalchemy as sa

from bench.common import free_port
from tests.production.tcp_proxy import TcpProxy
from tests.receiver import Receiver

ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent
# A retried lead gives up after this long; the client then counts it as not acknowledged.
GIVE_UP_SECONDS = 60
REQUEST_TIMEOUT = 10


@dataclass(frozen=True)
class PartnerSystem:
    name: str
    token: str


def seed(session, *, receiver_url: str, systems: int = 3, fitters: int = 4) -> list[PartnerSystem]:
    """Senders with API clients, fitters they are partnered with, each fitter listening by webhook."""
    from api.auth import mint_token
    from tests.builders import Builder

    build = Builder(session)
    build.complement("windows", "window-installation")
    # Capacity far above the run, so no fitter is excluded as overloaded and every lead routes.
    receivers = [
        build.partner(f"Fitter {i}", lines=["window-installation"], sales_reps=100_000)
        for i in range(fitters)
    ]
    for fitter in receivers:
        build.endpoint(fitter, receiver_url)
    found = []
    for i in range(systems):
        sender = build.partner(f"Sender {i}", lines=["windows"], sales_reps=5)
        build.endpoint(sender, receiver_url)
        for fitter in receivers:
            build.partnership(sender, fitter)
        client = build.api_client(sender)
        found.append(PartnerSystem(sender.name, mint_token(client, client.scopes)))
    # End the reads the tokens made: on SQLite an open transaction holds the write lock.
    session.rollback()
    return found


def _wait_until_serving(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if requests.get(base + "/healthz", timeout=2).ok:
                return
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn at {base} did not start")


class Stack:
    """gunicorn and job workers on `database_url`, optionally reaching PostgreSQL through a cuttable proxy."""

    # Webhook sends' (connect, read) timeouts: short, so a killed worker's lease ends soon.
    delivery_timeout = (1, 2)

    def __init__(
        self,
        database_url: str,
        *,
        web_workers: int = 3,
        job_workers: int = 2,
        redis_url: str | None = None,
        through_proxy: bool = False,
        env: dict | None = None,
    ):
        self.proxy = None
        url = sa.engine.make_url(database_url)
        if through_proxy:
            self.proxy = TcpProxy((url.host, url.port or 5432)).start()
            url = url.set(port=self.proxy.port)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": url.render_as_string(hide_password=False),
            "WEB_CONCURRENCY": str(web_workers),
            "BIND": f"127.0.0.1:{self.port}",
            "LOG_LEVEL": "WARNING",
            "DB_CONNECT_TIMEOUT": "1",
            # Partner systems here post faster than the production default allows one client.
            "RATE_LIMIT_DEFAULT": "100000 per minute",
            "PARTNERHUB_DELIVERY_CONNECT_TIMEOUT": str(self.delivery_timeout[0]),
            # The partner systems' webhook receiver listens on loopback.
            "PARTNERHUB_WEBHOOK_PRIVATE_NETWORKS": "true",
            "PARTNERHUB_DELIVERY_READ_TIMEOUT": str(self.delivery_timeout[1]),
            **(env or {}),
        }
        self.env.pop("REDIS_URL", None)
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        self.job_workers_wanted = job_workers
        self.gunicorn: subprocess.Popen | None = None
        self.job_workers: list[subprocess.Popen] = []

    def __enter__(self) -> "Stack":
        # Quiet unless it fails: gunicorn's error log and the workers' tracebacks go to a file.
        self.log = open(self.env.get("PARTNERHUB_INSTANCE_PATH", "/tmp") + f"/stack-{self.port}.log", "w")
        self.gunicorn = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=self.log,
        )
        try:
            _wait_until_serving(self.base)
        except RuntimeError:
            self.log.flush()
            raise RuntimeError(Path(self.log.name).read_text()[-3000:]) from None
        for _ in range(self.job_workers_wanted):
            self.start_job_worker()
        return self

    def start_job_worker(self) -> subprocess.Popen:
        worker = subprocess.Popen(
            [str(BIN / "flask"), "--app", "wsgi", "partnerhub", "worker"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=self.log,
        )
        self.job_workers.append(worker)
        return worker

    def web_worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.gunicorn.pid}/task/{self.gunicorn.pid}/children").read_text()
        return [int(pid) for pid in children.split()]

    def kill_web_worker(self) -> int:
        """SIGKILL the busiest gunicorn worker (most CPU time), the likeliest to be mid-request."""
        pid = max(self.web_worker_pids(), key=cpu_ticks)
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_job_worker(self) -> int:
        """SIGKILL the first job worker and start another in its place."""
        victim = self.job_workers.pop(0)
        victim.kill()
        victim.wait()
        self.start_job_worker()
        return victim.pid

    def cut_database(self, seconds: float) -> None:
        """Sever every connection of the app to PostgreSQL and refuse new ones for `seconds`."""
        self.proxy.cut()
        time.sleep(seconds)
        self.proxy.start()

    def memory(self) -> dict[str, list[float]]:
        """Resident memory (MiB) of each process, by role, from /proc."""
        return {
            "gunicorn master": [rss_mib(self.gunicorn.pid)],
            "gunicorn workers": [rss_mib(pid) for pid in self.web_worker_pids()],
            "job workers": [rss_mib(w.pid) for w in self.job_workers],
        }

    def __exit__(self, *exc) -> None:
        for worker in self.job_workers:
            worker.send_signal(signal.SIGTERM)
        self.gunicorn.send_signal(signal.SIGTERM)
        for proc in [*self.job_workers, self.gunicorn]:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.proxy:
            self.proxy.cut()
        self.log.close()


def cpu_ticks(pid: int) -> int:
    # /proc/PID/stat: utime and stime are fields 14 and 15, counted after the ")" that ends the name.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Sent:
    """One lead a partner system posted, and what it saw until it stopped trying."""

    system: str
    key: str
    tag: str
    statuses: list = field(default_factory=list)
    latencies_ms: list = field(default_factory=list)
    outage_bodies: list = field(default_factory=list)

    @property
    def acknowledged(self) -> bool:
        return any(isinstance(s, int) and 200 <= s < 300 for s in self.statuses)


def lead_body(key: str) -> dict:
    return {
        "external_id": key,
        "contact": {"name": "Ada Buyer", "email": f"{key}@example.test"},
        "need": {"category": "window-installation", "text": "Six windows, fitted before spring."},
        "region": "DE-BE",
        "consent": True,
    }


def post_until_answered(http: requests.Session, base: str, system: PartnerSystem, sent: Sent) -> None:
    """POST the lead; after a timeout, a lost connection, 409 in flight, 429 or 5xx, retry with its key."""
    headers = {"Authorization": f"Bearer {system.token}", "Idempotency-Key": sent.key}
    body = lead_body(sent.key)
    give_up = time.monotonic() + GIVE_UP_SECONDS
    pause = 0.1
    while time.monotonic() < give_up:
        started = time.perf_counter()
        try:
            response = http.post(base + "/api/v1/leads", json=body, headers=headers, timeout=REQUEST_TIMEOUT)
            status = response.status_code
        except requests.RequestException as exc:
            status = type(exc).__name__
            # A pooled connection to a killed worker is dead: the next attempt opens a new one.
            http.close()
        sent.latencies_ms.append((time.perf_counter() - started) * 1000)
        sent.statuses.append(status)
        if isinstance(status, int):
            if status < 300:
                return
            if status >= 500:
                sent.outage_bodies.append((status, response.headers.get("Content-Type"), response.text))
            retry = status in (409, 429) or status >= 500
            if status == 409 and "still being processed" not in response.text:
                retry = False
            if not retry:
                return
        time.sleep(pause)
        pause = min(pause * 2, 1.0)


class Load:
    """Client threads, each a partner system posting leads one after another until told to stop."""

    def __init__(self, base: str, systems: list[PartnerSystem], *, threads: int):
        self.base = base
        self.systems = systems
        self.threads = threads
        self.sent: list[Sent] = []
        self.tag = "warmup"
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []
        self._count = itertools.count()

    def start(self, tag: str, *, max_leads: int | None = None) -> "Load":
        self.tag = tag
        self._stop.clear()
        self._budget = max_leads
        self._workers = [
            threading.Thread(target=self._client, args=(self.systems[i % len(self.systems)],), daemon=True)
            for i in range(self.threads)
        ]
        for thread in self._workers:
            thread.start()
        return self

    def _next(self) -> bool:
        n = next(self._count)
        return self._budget is None or n < self._budget

    def _client(self, system: PartnerSystem) -> None:
        http = requests.Session()
        while not self._stop.is_set() and self._next():
            sent = Sent(system=system.name, key=f"{self.tag}-{uuid.uuid4().hex[:16]}", tag=self.tag)
            with self._lock:
                self.sent.append(sent)
            post_until_answered(http, self.base, system, sent)
        http.close()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._workers:
            thread.join()
        self._count = itertools.count()

    def of(self, tag: str) -> list[Sent]:
        return [s for s in self.sent if s.tag == tag]


def hammer(url: str, *, threads: int, seconds: float) -> list[float]:
    """GET `url` from `threads` keep-alive clients for `seconds`; the latencies (ms) of the 2xx answers."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client():
        http, mine = requests.Session(), []
        while time.perf_counter() < stop:
            started = time.perf_counter()
            try:
                ok = http.get(url, timeout=REQUEST_TIMEOUT).ok
            except requests.ConnectionError:
                # A worker recycled by gunicorn's max_requests closes its keep-alive connections.
                ok = False
            if ok:
                mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return latencies


# --- what became of every lead ---------------------------------------------------


def wait_for_deliveries(session, receiver: Receiver, *, timeout: float) -> set[str]:
    """Wait until the receiver has every delivery the database holds; return the message ids expected."""
    from partnerhub.models import Delivery

    deadline = time.monotonic() + timeout
    while True:
        expected = set(session.scalars(sa.select(Delivery.message_id)))
        session.rollback()
        if expected <= set(receiver.ids()) or time.monotonic() > deadline:
            return expected
        time.sleep(0.2)


@dataclass
class Audit:
    sent: int
    acknowledged: int
    stored: int
    duplicated: int
    lost: int
    stored_unacknowledged: int
    outage_answers: Counter
    bad_outage_answers: list
    half_written: list
    deliveries_expected: int
    deliveries_received: int
    deliveries_missing: int
    deliveries_received_twice: int


def audit(session, sent: list[Sent], *, expected_ids: set[str], received_ids: list[str]) -> Audit:
    """Count, for these leads, what the clients were told against what the database and the receiver hold."""
    from partnerhub.models import Delivery, Handoff, HandoffEvent, Lead

    keys = {s.key for s in sent}
    rows = Counter(
        external_id
        for external_id in session.scalars(sa.select(Lead.external_id).where(Lead.external_id.in_(keys)))
    )
    acknowledged = {s.key for s in sent if s.acknowledged}
    outage = Counter(
        str(status) for s in sent for status in s.statuses if not isinstance(status, int) or status >= 500
    )
    bad = [
        answer
        for s in sent
        for answer in s.outage_bodies
        if answer[0] != 503 or answer[1] != "application/problem+json" or "unavailable" not in answer[2]
    ]
    session.rollback()
    return Audit(
        sent=len(sent),
        acknowledged=len(acknowledged),
        stored=sum(1 for key in keys if rows[key] >= 1),
        duplicated=sum(n - 1 for n in rows.values() if n > 1),
        lost=len(acknowledged - set(rows)),
        stored_unacknowledged=len(set(rows) - acknowledged),
        outage_answers=outage,
        bad_outage_answers=bad,
        half_written=half_written(session, Lead, Handoff, HandoffEvent, Delivery),
        deliveries_expected=len(expected_ids),
        deliveries_received=len(expected_ids & set(received_ids)),
        deliveries_missing=len(expected_ids - set(received_ids)),
        deliveries_received_twice=sum(
            1 for m, n in Counter(received_ids).items() if m in expected_ids and n > 1
        ),
    )


def half_written(session, Lead, Handoff, HandoffEvent, Delivery) -> list[str]:
    """Rows that betray a request cut in the middle: each kind that has any, with how many."""
    from partnerhub.models import IdempotencyKey

    checks = {
        "routed lead without a handoff": sa.select(sa.func.count())
        .select_from(Lead)
        .where(Lead.status == "routed", ~sa.exists().where(Handoff.lead_id == Lead.id)),
        "handoff without its event": sa.select(sa.func.count())
        .select_from(Handoff)
        .where(~sa.exists().where(HandoffEvent.handoff_id == Handoff.id)),
        "idempotency key left in flight": sa.select(sa.func.count())
        .select_from(IdempotencyKey)
        .where(IdempotencyKey.response_status.is_(None)),
    }
    found = [f"{n} {what}" for what, query in checks.items() if (n := session.scalar(query))]
    announced = {
        payload["data"]["id"]
        for payload in session.scalars(
            sa.select(Delivery.payload).where(Delivery.event_type == "handoff.created")
        )
    }
    if unannounced := len(set(session.scalars(sa.select(Handoff.id))) - announced):
        found.append(f"{unannounced} handoff without its delivery")
    session.rollback()
    return found
