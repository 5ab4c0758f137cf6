"""Delivery throughput and commit-to-receipt latency, to a receiver on localhost.

    .venv/bin/python -m bench.delivery [--count 2000] [--samples 60]

Uses a fresh SQLite database in a temporary instance folder (the embedded
default) unless DATABASE_URL is set. Latency is measured twice against a
real worker subprocess: with the queue in the instance folder (SQLite) and
with Redis (REDIS_URL, default redis://127.0.0.1:6379/15; only that db is
flushed).
"""

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).parent.parent
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")


class Arrivals:
    def __init__(self):
        self.at: dict[str, float] = {}
        self.lock = threading.Lock()
        arrivals = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers["content-length"]))
                with arrivals.lock:
                    arrivals.at.setdefault(self.headers["webhook-id"], time.time())
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _app(instance: str, redis_url: str | None):
    os.environ["PARTNERHUB_INSTANCE_PATH"] = instance
    # The receiver listens on loopback.
    os.environ["PARTNERHUB_WEBHOOK_PRIVATE_NETWORKS"] = "true"
    os.environ.pop("REDIS_URL", None)
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    from flask_migrate import upgrade

    from api import create_app

    app = create_app()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app


def _partner_with_endpoint(db, url: str) -> int:
    from partnerhub.delivery.webhooks import new_secret
    from partnerhub.models import Partner, WebhookEndpoint

    partner = Partner(name=f"Bench {time.time_ns()}", status="active")
    db.session.add(partner)
    db.session.flush()
    db.session.add(WebhookEndpoint(partner_id=partner.id, url=url, events=[], secret=new_secret()))
    db.session.commit()
    return partner.id


def _emit(db, partner_id: int, n: int) -> list[str]:
    from partnerhub.core import outbox

    deliveries = outbox.emit(
        db.session, partner_id=partner_id, event_type="handoff.created", data={"id": n, "version": 1}
    )
    # Read before the commit: touching expired rows after it would open a transaction, and on
    # SQLite (BEGIN IMMEDIATE) hold the write lock the worker needs.
    message_ids = [d.message_id for d in deliveries]
    db.session.commit()
    return message_ids


def throughput(app, receiver: Arrivals, count: int) -> dict:
    """One worker pass, in process, over `count` committed deliveries."""
    from api import worker
    from api.extensions import db

    with app.app_context():
        partner_id = _partner_with_endpoint(db, receiver.url)
        for n in range(count):
            _emit(db, partner_id, n)
        started = time.perf_counter()
        sent = worker.run_once(app)
        elapsed = time.perf_counter() - started
    return {"deliveries": sent, "seconds": round(elapsed, 2), "per_second": round(sent / elapsed, 1)}


def latency(app, receiver: Arrivals, samples: int, redis_url: str | None) -> dict:
    """Commit one delivery at a time while a worker subprocess runs; time commit to arrival."""
    from api.extensions import db

    env = {**os.environ}
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "partnerhub", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    committed: dict[str, float] = {}
    try:
        with app.app_context():
            partner_id = _partner_with_endpoint(db, receiver.url)
            # Measure a running worker, not its start-up: wait until a first delivery got through.
            [warmup] = _emit(db, partner_id, -1)
            deadline = time.time() + 120
            while warmup not in receiver.at and time.time() < deadline:
                time.sleep(0.05)
            for n in range(samples):
                [message_id] = _emit(db, partner_id, n)
                committed[message_id] = time.time()
                # A random gap, so commits land at every phase of the worker's poll.
                time.sleep(random.uniform(0.2, 0.6))
        deadline = time.time() + 30
        while time.time() < deadline and not set(committed) <= set(receiver.at):
            time.sleep(0.1)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    waits = sorted((receiver.at[m] - t) * 1000 for m, t in committed.items() if m in receiver.at)
    return {
        "samples": len(waits),
        "median_ms": round(statistics.median(waits), 1),
        "p95_ms": round(waits[int(0.95 * (len(waits) - 1))], 1),
    }


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    mem_kb = int(
        next(
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    )
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=60)
    args = parser.parse_args()
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    receiver = Arrivals()
    with tempfile.TemporaryDirectory() as instance:
        app = _app(instance, None)
        results = {
            "machine": machine(),
            "date": time.strftime("%Y-%m-%d"),
            "database": app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0],
            "throughput": throughput(app, receiver, args.count),
            "latency_sqlite_queue": latency(app, receiver, args.samples, None),
            "latency_redis_queue": latency(_app(instance, REDIS_URL), receiver, args.samples, REDIS_URL),
        }
    redis.Redis.from_url(REDIS_URL).flushdb()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
