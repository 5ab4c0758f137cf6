"""POST /leads under gunicorn beside two ceilings, on PostgreSQL and SQLite: `python -m bench.intake`.

Each target runs in its own gunicorn with the same settings; 16 client threads
post for a fixed time with keep-alive connections; we report requests per
second, median and p99 latency, and intake's ratios to the ceilings.
"""

import itertools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from bench.common import ROOT, free_port, fresh_database, machine, make_app, median, percentile

CLIENTS = 16
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
GUNICORN = ["--workers", "4", "--threads", "2", "--worker-class", "gthread", "--log-level", "warning"]
_counter = itertools.count()


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
        endpoints = [build.webhook_endpoint(r) for r in receivers]
        client = build.api_client(sender)
        token = mint_token(client, client.scopes)
        ids = {
            "sender": sender.id,
            "receiver": receivers[0].id,
            "partnership": partnerships[0].id,
            "endpoint": endpoints[0].id,
            "category": build.category("window-installation").id,
        }
        db.session.remove()
    return ids, token


def serve(target: str, env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "--bind", f"127.0.0.1:{port}", *GUNICORN, target],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(base + "/healthz", timeout=1)
            return proc, base
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"{target} did not start")


def load(url: str, headers: dict, body_for) -> dict:
    latencies: list[float] = []
    errors = []
    stop = time.perf_counter() + SECONDS
    lock = threading.Lock()

    def client():
        http = requests.Session()
        mine, bad = [], 0
        while time.perf_counter() < stop:
            n = next(_counter)
            start = time.perf_counter()
            response = http.post(url, json=body_for(n), headers={**headers, "Idempotency-Key": f"k{n}"})
            mine.append((time.perf_counter() - start) * 1000)
            bad += response.status_code >= 300
        with lock:
            latencies.extend(mine)
            errors.append(bad)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "rps": len(latencies) / SECONDS,
        "median": median(latencies),
        "p99": percentile(latencies, 99),
        "errors": sum(errors),
    }


def lead_body(n: int) -> dict:
    return {
        "external_id": f"bench-{n}",
        "contact": {"name": "Ada", "email": f"ada{n}@example.test"},
        "need": {"category": "window-installation", "text": "Six windows."},
        "region": "DE-BE",
        "consent": True,
    }


def main() -> None:
    print(f"# POST /leads under gunicorn — {machine()}")
    print(f"gunicorn {' '.join(GUNICORN)}; {CLIENTS} clients; {SECONDS:.0f} s per target\n")
    print("| database | target | req/s | median ms | p99 ms | errors | intake / target (req/s) |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("postgresql", "sqlite"):
            app = make_app(fresh_database(kind, Path(tmp)), Path(tmp))
            ids, token = seed(app)
            env = {**os.environ, "BENCH_IDS": json.dumps(ids), "PYTHONPATH": str(ROOT)}
            headers = {"Authorization": f"Bearer {token}"}
            results = {}
            for name, target, path in (
                ("hello-world", "bench.ceiling:app", "/hello"),
                ("bare write", "bench.ceiling:app", "/bare-write"),
                ("POST /leads", "wsgi:app", "/api/v1/leads"),
            ):
                proc, base = serve(target, env)
                try:
                    results[name] = load(base + path, headers, lead_body)
                finally:
                    proc.terminate()
                    proc.wait()
            intake = results["POST /leads"]["rps"]
            for name, r in results.items():
                ratio = f"{intake / r['rps']:.0%}" if name != "POST /leads" else ""
                numbers = f"{r['rps']:.0f} | {r['median']:.1f} | {r['p99']:.1f} | {r['errors']}"
                print(f"| {kind} | {name} | {numbers} | {ratio} |")
                sys.stdout.flush()


if __name__ == "__main__":
    main()
