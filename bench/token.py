"""What a token request costs, and what a flood of them costs everyone else: `python -m bench.token`.

gunicorn as in production (gunicorn.conf.py, WEB_CONCURRENCY workers, 2 by default: `make
run`'s shape on this machine), on SQLite, one caller at 127.0.0.1 and no Redis:
1. One request at a time, with the token limits lifted: a refused unknown client, a wrong
   secret, a right one, and a client's first request while its secret is still stored as
   argon2 (each such client once: that request stores it as an HMAC).
2. The security finding's flood, with the limits as shipped: FLOOD token requests with
   random client ids from 8 threads, while one reader sends GET /api/v1/partners/me with a
   valid token, one after another; the reader's latency before and during the flood, and
   how many of the flood were refused 429.
"""

import http.client
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

from argon2 import PasswordHasher

from bench.common import ROOT, free_port, fresh_database, machine, make_app, median, percentile

RUNS = int(os.environ.get("BENCH_RUNS", "50"))
ARGON2_CLIENTS = 10
FLOOD = 160
FLOOD_THREADS = 8
WORKERS = os.environ.get("WEB_CONCURRENCY", "2")
LIFTED = {"RATE_LIMIT_TOKEN": "1000000 per minute", "RATE_LIMIT_TOKEN_ADDRESS": "1000000 per minute"}
TOKEN_PATH = "/api/v1/oauth/token"


def seed(app) -> dict:
    """A partner with a client stored as an HMAC (as issued now), ARGON2_CLIENTS stored as argon2."""
    from api.auth import mint_token
    from api.extensions import db
    from tests.builders import TEST_SECRET, Builder

    with app.app_context():
        build = Builder(db.session)
        partner = build.partner("Bench")
        client = build.api_client(partner)
        older = [build.api_client(partner) for _ in range(ARGON2_CLIENTS)]
        argon2_hash = PasswordHasher().hash(TEST_SECRET)
        for each in older:
            each.secret_hash = argon2_hash
        db.session.commit()
        seeded = {
            "client_id": client.client_id,
            "secret": TEST_SECRET,
            "argon2_ids": [each.client_id for each in older],
            "token": mint_token(client, client.scopes),
        }
        db.session.remove()
        db.engine.dispose()
    return seeded


class Server:
    """gunicorn with gunicorn.conf.py on a free port, and `env` on top of the environment."""

    def __init__(self, env: dict, log: Path):
        self.port = free_port()
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
                cwd=ROOT,
                env={**os.environ, "BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": WORKERS, **env},
                stdout=out,
                stderr=out,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {log}")
            try:
                # Every worker up, so none of the timed requests waits for one to boot.
                for _ in range(int(WORKERS) * 4):
                    self.request("GET", "/healthz")
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not start within 60 s; see {log}")

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        """(status, milliseconds) of one request on a connection of its own."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        data = urlencode(body).encode() if body else None
        sent = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        started = time.perf_counter()
        conn.request(method, path, body=data, headers=sent | (headers or {}))
        response = conn.getresponse()
        response.read()
        elapsed = (time.perf_counter() - started) * 1000
        conn.close()
        return response.status, elapsed

    def ask_token(self, client_id: str, secret: str):
        body = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        return self.request("POST", TOKEN_PATH, body)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def timed(requests: list, expected: int) -> dict:
    """Median and p95 milliseconds of `requests` (callables), each answered `expected`."""
    answers = [request() for request in requests]
    wrong = [status for status, _ in answers if status != expected]
    if wrong:
        raise RuntimeError(f"expected {expected}, got {sorted(set(wrong))}")
    return summary([elapsed for _, elapsed in answers])


def summary(ms: list[float]) -> dict:
    if not ms:
        return {"n": 0, "median": float("nan"), "p95": float("nan")}
    return {"n": len(ms), "median": median(ms), "p95": percentile(ms, 95)}


def one_at_a_time(server: Server, seeded: dict) -> list[tuple[str, dict]]:
    client_id, secret = seeded["client_id"], seeded["secret"]
    return [
        (
            "unknown client (401)",
            timed([lambda: server.ask_token("phc_" + secrets.token_hex(12), secret)] * RUNS, 401),
        ),
        ("wrong secret (401)", timed([lambda: server.ask_token(client_id, "phs_a-guess")] * RUNS, 401)),
        ("right secret (200)", timed([lambda: server.ask_token(client_id, secret)] * RUNS, 200)),
        (
            "first use of an argon2-stored secret (200)",
            timed([lambda c=c: server.ask_token(c, secret) for c in seeded["argon2_ids"]], 200),
        ),
    ]


def flood(server: Server, seeded: dict) -> dict:
    """The reader's latency alone, then during FLOOD token requests with random client ids."""
    headers = {"Authorization": f"Bearer {seeded['token']}"}

    def read() -> tuple[int, float]:
        return server.request("GET", "/api/v1/partners/me", headers=headers)

    alone = timed([read] * RUNS, 200)
    done = threading.Event()
    during: list[float] = []

    def reader() -> None:
        while not done.is_set():
            status, elapsed = read()
            if status == 200:
                during.append(elapsed)

    def guess(_: int) -> int:
        return server.ask_token("phc_" + secrets.token_hex(12), "phs_a-guess")[0]

    reading = threading.Thread(target=reader)
    reading.start()
    started = time.perf_counter()
    with ThreadPoolExecutor(FLOOD_THREADS) as pool:
        statuses = list(pool.map(guess, range(FLOOD)))
    seconds = time.perf_counter() - started
    done.set()
    reading.join()
    return {
        "alone": alone,
        "during": summary(during),
        "refused": statuses.count(429),
        "seconds": seconds,
    }


def main() -> None:
    print(f"# The token endpoint under gunicorn ({WORKERS} workers, SQLite) — {machine()}\n")
    print("| request, one at a time, limits lifted | n | median ms | p95 ms |")
    print("|---|---|---|---|")
    sys.stdout.flush()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "gunicorn.log"
        app = make_app(fresh_database("sqlite", Path(tmp)), Path(tmp))
        seeded = seed(app)
        server = Server(LIFTED, log)
        try:
            for name, r in one_at_a_time(server, seeded):
                print(f"| {name} | {r['n']} | {r['median']:.1f} | {r['p95']:.1f} |")
        finally:
            server.stop()
        sys.stdout.flush()
        server = Server({}, log)
        try:
            result = flood(server, seeded)
        finally:
            server.stop()
    alone, during = result["alone"], result["during"]
    print(
        f"\n{FLOOD} token requests with random client ids from {FLOOD_THREADS} threads, limits as shipped: "
        f"{result['refused']} refused 429, all answered in {result['seconds']:.1f} s.\n"
    )
    print("| GET /api/v1/partners/me | n | median ms | p95 ms |")
    print("|---|---|---|---|")
    print(f"| alone | {alone['n']} | {alone['median']:.1f} | {alone['p95']:.1f} |")
    print(f"| during the flood | {during['n']} | {during['median']:.1f} | {during['p95']:.1f} |")


if __name__ == "__main__":
    main()
