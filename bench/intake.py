"""POST /leads under gunicorn beside two ceilings, on PostgreSQL and SQLite: `python -m bench.intake`.

Each target runs in its own gunicorn with the same settings, with as many
request slots (workers x threads) as there are clients, so no keep-alive
connection ever waits for a free thread. 16 clients (4 processes of 4 threads,
so the client side is not one GIL) post for a fixed time, each request with a
timeout, after a short warm-up that is not counted. The three targets take
turns, round after round (BENCH_ROUNDS), so each round compares them under the
same conditions on a machine whose speed drifts from minute to minute; we
report the median over rounds of requests per second and latency, and intake's
ratio to the ceilings in each round and their median. Then the bare write and
intake again with the same clients on a fixed schedule (BENCH_RATE requests per
second in all), for the latency below saturation. With BENCH_SQLITE_VARIANTS=1 it
measures instead, on SQLite, intake with api/sqlite.py's writer turns beside intake
with plain transactions (bench/sqlite_plain.py), in alternating order round after
round. Every run is bounded:
per-request timeouts, a time limit per client, and a hard limit on each load
phase.
"""

import http.client
import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from bench.common import ROOT, free_port, fresh_database, machine, make_app, median, percentile

CLIENTS = 16
PROCESSES = 4
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
WARMUP_SECONDS = 1.0
# Both by default; BENCH_DATABASES=sqlite (or postgresql) measures one while working on it.
DATABASES = os.environ.get("BENCH_DATABASES", "postgresql sqlite").split()
# The offered load of the open-loop round: what a busy platform sends, well below saturation.
RATE = float(os.environ.get("BENCH_RATE", "50"))
REQUEST_TIMEOUT = 10.0
# Intake with api/sqlite.py beside intake with plain BEGIN IMMEDIATE, on SQLite, instead of the ceilings.
SQLITE_VARIANTS = os.environ.get("BENCH_SQLITE_VARIANTS") == "1"
# Workers x threads = 16 slots for 16 clients, the same for all three targets: 4 x 4 by
# default, BENCH_WORKERS=2 for 2 x 8 (make run's shape on this 2-core machine).
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
if CLIENTS % WORKERS:
    raise SystemExit(f"BENCH_WORKERS must divide {CLIENTS}: every client needs a request slot")
THREADS = CLIENTS // WORKERS
GUNICORN = [
    "--workers",
    str(WORKERS),
    "--threads",
    str(THREADS),
    "--worker-class",
    "gthread",
    "--keep-alive",
    "5",
    # A gthread worker accepts every connection it can, and keep-alive pins a client to it: without
    # this cap one worker took all 16 clients while three sat idle (one core, one GIL, for everyone).
    "--worker-connections",
    str(THREADS),
    # gunicorn.conf.py in the working directory recycles a worker every 5,000 requests: that would
    # restart the hello-world's workers every few seconds and the bare write's every 30, intake's
    # far less often, charging the ceilings for restarts intake rarely pays.
    "--max-requests",
    "0",
    "--log-level",
    "warning",
]
# The product's per-client rate limit (1200/minute) would turn a load test into 429s.
BENCH_ENV = {"RATE_LIMIT_DEFAULT": "1000000 per minute"}


def seed(app) -> tuple[dict, str]:
    from api.auth import mint_token
    from api.extensions import db
    from tests.builders import Builder

    with app.app_context():
        build = Builder(db.session)
        sender = build.partner("Sender", lines=["windows"], sales_reps=5)
        receivers = [
            build.partner(f"Fitter {i}", lines=["window-installation"], sales_reps=100_000) for i in range(4)
        ]
        partnerships = [build.partnership(sender, r) for r in receivers]
        endpoints = [build.endpoint(r) for r in receivers]
        client = build.api_client(sender)
        token = mint_token(client, client.scopes)
        ids = {
            "sender": sender.id,
            # Intake spreads its leads evenly over the four fitters; the bare write does the same.
            "receivers": [
                {"partner": r.id, "partnership": p.id, "endpoint": e.id}
                for r, p, e in zip(receivers, partnerships, endpoints, strict=True)
            ],
            "category": build.category("window-installation").id,
        }
        db.session.remove()
    return ids, token


def serve(target: str, env: dict, log: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    with log.open("ab") as err:
        proc = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "--bind", f"127.0.0.1:{port}", *GUNICORN, target],
            cwd=ROOT,
            env=env,
            stdout=err,
            stderr=err,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{target} exited with {proc.returncode}; see {log}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    stop(proc)
    raise RuntimeError(f"{target} did not start within 30 s; see {log}")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def lead_body(key: str) -> bytes:
    return json.dumps(
        {
            "external_id": f"bench-{key}",
            "contact": {"name": "Ada", "email": f"ada-{key}@example.test"},
            "need": {"category": "window-installation", "text": "Six windows."},
            "region": "DE-BE",
            "consent": True,
        }
    ).encode()


def _client(job: tuple, out: list) -> None:
    """One client: a keep-alive connection, reopened after any error; latencies after the warm-up.

    With an `interval`, the client sends on a fixed schedule (open loop) and a latency runs
    from the scheduled time, so a request sent late because the one before was slow counts
    its wait too; without, it sends again as soon as an answer arrives (closed loop).
    """
    port, path, token, warm_until, stop_at, interval = job
    latencies, errors, conn = [], 0, None
    scheduled = time.perf_counter() + (random.uniform(0, interval) if interval else 0)
    while (now := time.time()) < stop_at:
        if interval:
            time.sleep(max(0.0, scheduled - time.perf_counter()))
        key = uuid.uuid4().hex
        headers = {
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": key,
            "Content-Type": "application/json",
        }
        start = scheduled if interval else time.perf_counter()
        scheduled += interval
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
            conn.request("POST", path, body=lead_body(key), headers=headers)
            response = conn.getresponse()
            response.read()
            ok = response.status < 300
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException):
            ok = False
            if conn is not None:
                conn.close()
            conn = None
        elapsed = (time.perf_counter() - start) * 1000
        if now >= warm_until:
            if ok:
                latencies.append(elapsed)
            else:
                errors += 1
    if conn is not None:
        conn.close()
    out.append((latencies, errors))


def _client_process(args: tuple) -> tuple[list[float], int]:
    port, path, token, threads, warm_until, stop_at, interval = args
    out: list = []
    job = (port, path, token, warm_until, stop_at, interval)
    workers = [threading.Thread(target=_client, args=(job, out), daemon=True) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        # A thread still stuck past the end plus one timeout is abandoned, not waited for.
        t.join(timeout=max(0.0, stop_at - time.time()) + REQUEST_TIMEOUT + 1)
    latencies = [ms for mine, _ in out for ms in mine]
    errors = sum(bad for _, bad in out) + (threads - len(out))
    return latencies, errors


def load(pool, port: int, path: str, token: str, rate: float | None = None) -> dict:
    """16 clients posting for SECONDS: as fast as answers come, or `rate` requests per second in all."""
    warm_until = time.time() + 0.5 + WARMUP_SECONDS
    stop_at = warm_until + SECONDS
    per_process = CLIENTS // PROCESSES
    interval = CLIENTS / rate if rate else 0.0
    jobs = [(port, path, token, per_process, warm_until, stop_at, interval)] * PROCESSES
    results = pool.map_async(_client_process, jobs).get(
        timeout=SECONDS + WARMUP_SECONDS + 2 * REQUEST_TIMEOUT + 10
    )
    latencies = [ms for mine, _ in results for ms in mine]
    errors = sum(bad for _, bad in results)
    return {
        "rps": len(latencies) / SECONDS,
        "median": median(latencies) if latencies else float("nan"),
        "p99": percentile(latencies, 99) if latencies else float("nan"),
        "errors": errors,
    }


TARGETS = (
    ("hello-world", "bench.ceiling:app", "/hello"),
    ("bare write", "bench.ceiling:app", "/bare-write"),
    ("POST /leads", "wsgi:app", "/api/v1/leads"),
)


SQLITE_TARGETS = (
    ("api/sqlite.py", "wsgi:app"),
    ("plain BEGIN IMMEDIATE", "bench.sqlite_plain:app"),
)


def compare_sqlite_variants() -> None:
    """POST /leads on SQLite with and without api/sqlite.py, taking turns; medians and their ratio."""
    print(f"# POST /leads on SQLite, with and without api/sqlite.py — {machine()}")
    print(
        f"gunicorn {' '.join(GUNICORN)}; {CLIENTS} clients; {ROUNDS} rounds, the two servers in "
        f"alternating order, {SECONDS:.0f} s each after {WARMUP_SECONDS:.0f} s of warm-up\n"
    )
    with tempfile.TemporaryDirectory() as tmp, multiprocessing.get_context("spawn").Pool(PROCESSES) as pool:
        log = Path(tmp) / "gunicorn.log"
        app = make_app(fresh_database("sqlite", Path(tmp)), Path(tmp))
        _, token = seed(app)
        with app.app_context():
            from api.extensions import db

            db.engine.dispose()
        env = {**os.environ, **BENCH_ENV, "PYTHONPATH": str(ROOT)}
        servers = {}
        rounds: list[dict] = []
        try:
            for name, target in SQLITE_TARGETS:
                servers[name] = serve(target, env, log)
            for i in range(ROUNDS):
                order = list(servers.items()) if i % 2 == 0 else list(reversed(servers.items()))
                rounds.append({name: load(pool, port, "/api/v1/leads", token) for name, (_, port) in order})
        finally:
            for proc, _ in servers.values():
                stop(proc)
    print("| transactions | req/s | median ms | p99 ms | errors | each round, req/s |")
    print("|---|---|---|---|---|---|")
    for name, _ in SQLITE_TARGETS:
        runs = [r[name] for r in rounds]
        numbers = " | ".join(
            f"{median([run[key] for run in runs]):.{digits}f}"
            for key, digits in (("rps", 0), ("median", 1), ("p99", 1))
        )
        each = ", ".join(f"{run['rps']:.0f}" for run in runs)
        print(f"| {name} | {numbers} | {sum(run['errors'] for run in runs)} | {each} |")
    gains = [r["api/sqlite.py"]["rps"] / r["plain BEGIN IMMEDIATE"]["rps"] for r in rounds]
    print(
        f"\napi/sqlite.py / plain, req/s: **{median(gains):.2f}** (each round: "
        + ", ".join(f"{g:.2f}" for g in gains)
        + ")"
    )
    if any(run["errors"] for r in rounds for run in r.values()):
        print("\n".join(log.read_text(errors="replace").splitlines()[-10:]))


def main() -> None:
    if SQLITE_VARIANTS:
        compare_sqlite_variants()
        return
    print(f"# POST /leads under gunicorn — {machine()}")
    print(
        f"gunicorn {' '.join(GUNICORN)}; {CLIENTS} clients ({PROCESSES} processes x "
        f"{CLIENTS // PROCESSES} threads, keep-alive); {ROUNDS} rounds of the three targets in turn, "
        f"{SECONDS:.0f} s each after {WARMUP_SECONDS:.0f} s of warm-up; medians over the rounds\n"
    )
    print(
        "| database | target | req/s | median ms | p99 ms | errors "
        "| intake / hello-world | intake / bare write | intake / bare write, each round |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    sys.stdout.flush()
    with tempfile.TemporaryDirectory() as tmp, multiprocessing.get_context("spawn").Pool(PROCESSES) as pool:
        log = Path(tmp) / "gunicorn.log"
        errors, paced = 0, []
        for kind in DATABASES:
            app = make_app(fresh_database(kind, Path(tmp)), Path(tmp))
            ids, token = seed(app)
            with app.app_context():
                from api.extensions import db

                db.engine.dispose()
            env = {**os.environ, **BENCH_ENV, "BENCH_IDS": json.dumps(ids), "PYTHONPATH": str(ROOT)}
            servers = {}
            try:
                for name, target, path in TARGETS:
                    servers[name] = (*serve(target, env, log), path)
                rounds = [
                    {name: load(pool, port, path, token) for name, (_, port, path) in servers.items()}
                    for _ in range(ROUNDS)
                ]
                for name in ("bare write", "POST /leads"):
                    _, port, path = servers[name]
                    paced.append((kind, name, load(pool, port, path, token, rate=RATE)))
            finally:
                for proc, _, _ in servers.values():
                    stop(proc)
            errors += _report(kind, rounds)
            sys.stdout.flush()
        print(
            f"\nThe same {CLIENTS} clients on a fixed schedule, {RATE:.0f} requests per second in all "
            "(open loop: a latency counts from the time the request was due):\n"
        )
        print("| database | target | median ms | p99 ms | errors |")
        print("|---|---|---|---|---|")
        for kind, name, r in paced:
            print(f"| {kind} | {name} | {r['median']:.1f} | {r['p99']:.1f} | {r['errors']} |")
            errors += r["errors"]
        if errors:
            print("\nLast lines of the servers' log:")
            print("\n".join(log.read_text(errors="replace").splitlines()[-10:]))


def _report(kind: str, rounds: list[dict]) -> int:
    """One row per target (medians over the rounds); returns the errors."""

    def ratios(ceiling: str) -> list[float]:
        return [r["POST /leads"]["rps"] / r[ceiling]["rps"] for r in rounds]

    errors = 0
    for name, _, _ in TARGETS:
        runs = [r[name] for r in rounds]
        numbers = " | ".join(
            f"{median([run[key] for run in runs]):.{digits}f}"
            for key, digits in (("rps", 0), ("median", 1), ("p99", 1))
        )
        failed = sum(run["errors"] for run in runs)
        errors += failed
        tail = " | | "
        if name == "POST /leads":
            each = ", ".join(f"{ratio:.0%}" for ratio in ratios("bare write"))
            tail = f"{median(ratios('hello-world')):.0%} | **{median(ratios('bare write')):.0%}** | {each}"
        print(f"| {kind} | {name} | {numbers} | {failed} | {tail} |")
    return errors


if __name__ == "__main__":
    main()
