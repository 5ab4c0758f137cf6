"""Bench GET /balance (with its net position) and GET /flags per period at 10,000 and 1,000,000 handoffs.

    .venv/bin/python -m bench.balance [--sizes 10000,1000000] [--requests 300] [--reuse]

For each size: a database partnerhub_bench_balance_<size> with partners,
partnerships, leads and handoffs loaded with COPY, `rollups.rebuild`,
`refresh_flags` (`--reuse` keeps a database an earlier run loaded). Then one
gunicorn per size, and GET /balance and GET /flags for each period the page
offers (computed per request) timed for one partner manager through HTTP,
the sizes taking turns request by request: whatever else the machine does
weighs on both sizes alike, so their ratio holds. The partners and
partnerships are the same at every size; only the handoff volume changes.
"""

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import requests

from bench.common import bearer, gunicorn, load_average, migrate, migrated_postgres, reset_sequences
from partnerhub.models.handoff import HANDOFF_STATUSES

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgresql://postgres@127.0.0.1:5432"
DATABASE = "partnerhub_bench_balance_{}"
PARTNERS = 2000
PARTNERSHIPS = 6000
# The partner manager we time: partner 1, in this many partnerships.
MANAGER_PARTNERSHIPS = 20
FORWARD = ["delivered", "accepted", "contacted", "won", "reward_invoiced", "reward_paid", "rep_paid"]
# (path after "sent", weight): most handoffs end early, as in the field.
PATHS = [
    ([], 3),
    (["delivered"], 5),
    (["declined"], 3),
    (["delivered", "expired"], 6),
    (["delivered", "accepted"], 6),
    (["delivered", "accepted", "contacted"], 8),
    (["delivered", "accepted", "contacted", "lost"], 20),
    (FORWARD[:4], 8),
    (FORWARD[:5], 6),
    (FORWARD[:6], 6),
    (FORWARD, 10),
]
# Every step but sent, each with its own timestamp column.
STEPS_AT = HANDOFF_STATUSES[1:]


def load(conn: psycopg.Connection, handoffs: int, now: datetime, rng: random.Random) -> None:
    """Partners, partnerships, then one lead per handoff and the handoffs, all with COPY."""
    with conn.cursor() as cur:
        with cur.copy(
            "COPY partners (id, name, business, regions, sales_reps, revenue_band, monthly_leads, status,"
            " created_at) FROM STDIN"
        ) as copy:
            for i in range(1, PARTNERS + 1):
                copy.write_row(
                    (
                        i,
                        f"Partner {i}",
                        "",
                        '["DE"]',
                        rng.randint(2, 40),
                        "1m_10m",
                        rng.randint(20, 400),
                        "active",
                        now,
                    )
                )
        pairs = [(1, other) for other in range(2, MANAGER_PARTNERSHIPS + 2)]
        seen = set(pairs)
        while len(pairs) < PARTNERSHIPS:
            a, b = sorted(rng.sample(range(2, PARTNERS + 1), 2))
            if (a, b) not in seen:
                seen.add((a, b))
                pairs.append((a, b))
        with cur.copy(
            "COPY partnerships (id, proposer_id, responder_id, pair_key, status, reward_type, reward_value,"
            " currency, rep_share_percent, accept_sla_hours, created_at, activated_at) FROM STDIN"
        ) as copy:
            for i, (a, b) in enumerate(pairs, start=1):
                started = now - timedelta(days=400)
                copy.write_row(
                    (i, a, b, f"{a}:{b}", "active", "percent", 10, "EUR", 20, 48, started, started)
                )
        rows = []
        for _ in range(handoffs):
            partnership = rng.randrange(len(pairs))
            a, b = pairs[partnership]
            sender, receiver = (a, b) if rng.random() < 0.5 else (b, a)
            rows.append((partnership + 1, sender, receiver))
        with cur.copy(
            "COPY leads (id, partner_id, contact_name, contact_name_key, need_text, consent, source, status,"
            " reasons, created_at, updated_at) FROM STDIN"
        ) as copy:
            for i, (_p, sender, _r) in enumerate(rows, start=1):
                copy.write_row((i, sender, "A buyer", "a buyer", "", True, "api", "routed", "[]", now, now))
        paths, weights = zip(*PATHS, strict=True)
        columns = [
            "id",
            "lead_id",
            "from_partner_id",
            "to_partner_id",
            "partnership_id",
            "warmup_note",
            "status",
            "version",
            "sent_at",
            *[f"{s}_at" for s in STEPS_AT],
            "currency",
            "deal_value",
            "reward_amount",
            "rep_share_amount",
            "score_parts",
            "runners_up",
            "updated_at",
        ]
        with cur.copy(f"COPY handoffs ({', '.join(columns)}) FROM STDIN") as copy:
            for i, (partnership, sender, receiver) in enumerate(rows, start=1):
                path = rng.choices(paths, weights)[0]
                sent_at = now - timedelta(seconds=rng.randrange(365 * 86400))
                at, times = sent_at, {}
                for step in path:
                    at += timedelta(minutes=rng.randrange(10, 4 * 24 * 60))
                    times[step] = at
                deal = Decimal(rng.randrange(500, 50_000))
                copy.write_row(
                    (
                        i,
                        i,
                        sender,
                        receiver,
                        partnership,
                        "",
                        path[-1] if path else "sent",
                        1,
                        sent_at,
                        *[times.get(s) for s in STEPS_AT],
                        "EUR",
                        deal,
                        deal / 10,
                        deal / 50,
                        "{}",
                        "[]",
                        now,
                    )
                )
        reset_sequences(cur, ("partners", "partnerships", "leads", "handoffs"))
    conn.commit()


TIMED = (
    ("balance", "/api/v1/balance?period_days=90"),
    *((f"flags_{days}", f"/api/v1/flags?period_days={days}") for days in (30, 90, 180, 365)),
)


def time_in_turns(servers: list[tuple[str, dict]], path: str, count: int) -> list[list[float]]:
    """Milliseconds per request to `path` on each (base URL, headers), the servers taking turns."""
    sessions = [requests.Session() for _ in servers]
    for session, (base, headers) in zip(sessions, servers, strict=True):
        for _ in range(20):
            session.get(base + path, headers=headers).raise_for_status()
    timings: list[list[float]] = [[] for _ in servers]
    for _ in range(count):
        for session, (base, headers), kept in zip(sessions, servers, timings, strict=True):
            started = time.perf_counter()
            response = session.get(base + path, headers=headers)
            kept.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
    return timings


def time_requests(base: str, path: str, headers: dict, count: int) -> list[float]:
    return time_in_turns([(base, headers)], path, count)[0]


def loaded_handoffs(url: str) -> int | None:
    """How many handoffs the database at `url` holds, None when it does not exist or is not migrated."""
    try:
        with psycopg.connect(url) as conn:
            return conn.execute("SELECT count(*) FROM handoffs").fetchone()[0]
    except psycopg.Error:
        return None


def prepare(handoffs: int, reuse: bool) -> tuple[dict, str, str, str]:
    """Load `handoffs`, rebuild the rollups, raise the flags; return timings, the database and credentials."""
    url = f"{SERVER}/{DATABASE.format(handoffs)}"
    os.environ["DATABASE_URL"] = url
    from api import create_app
    from api.extensions import db
    from partnerhub.exchange import rollups
    from partnerhub.reports import flags

    rng = random.Random(handoffs)
    now = datetime.now(UTC)
    result: dict = {"handoffs": handoffs}
    if reuse and loaded_handoffs(url) == handoffs:
        # Loaded by an earlier run, perhaps of an earlier schema: brought up to this one's.
        migrate(url)
        return result, url, *_manager_client(handoffs)
    migrated_postgres(SERVER, DATABASE.format(handoffs))
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        load(conn, handoffs, now, rng)
    result["load_s"] = round(time.perf_counter() - started, 1)
    app = create_app()
    with app.app_context():
        started = time.perf_counter()
        result["rollup_rows"] = rollups.rebuild(db.session)
        db.session.commit()
        result["rebuild_s"] = round(time.perf_counter() - started, 1)
        # Outside a transaction, so it can run; done now, autovacuum has nothing left to do while we time.
        started = time.perf_counter()
        result["flags_raised"] = len(flags.refresh_flags(db.session, now=now))
        db.session.commit()
        result["refresh_flags_s"] = round(time.perf_counter() - started, 1)
        db.engine.dispose()
    # Last, so the planner's statistics include the flags raised; autovacuum has nothing left to do.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return result, url, *_manager_client(handoffs)


def _manager_client(handoffs: int) -> tuple[str, str]:
    """A new API client of partner 1, the manager we time, in the size's database."""
    from api import create_app
    from api.extensions import db
    from partnerhub.models import Partner
    from partnerhub.people import credentials

    app = create_app()
    with app.app_context():
        client, secret = credentials.create_api_client(
            db.session, partner=db.session.get(Partner, 1), hmac_key=app.config["CLIENT_SECRET_HMAC_KEY"]
        )
        client_id = client.client_id
        db.session.commit()
        db.engine.dispose()
    return client_id, secret


def run_sizes(sizes: list[int], count: int, reuse: bool) -> list[dict]:
    # One instance folder, so every size's clients are signed with the key its server reads.
    os.environ["PARTNERHUB_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="partnerhub-bench-")
    prepared = [prepare(size, reuse) for size in sizes]
    with ExitStack() as stack:
        servers = []
        for _result, url, client_id, secret in prepared:
            os.environ["DATABASE_URL"] = url
            base = stack.enter_context(gunicorn())
            servers.append((base, bearer(base, client_id, secret)))
        results = [result for result, *_ in prepared]
        for name, path in TIMED:
            for result, timings in zip(results, time_in_turns(servers, path, count), strict=True):
                result[f"{name}_median_ms"] = round(statistics.median(timings), 2)
                result[f"{name}_p95_ms"] = round(statistics.quantiles(timings, n=20)[-1], 2)
        for result, (base, headers) in zip(results, servers, strict=True):
            items = requests.get(base + "/api/v1/balance", headers=headers).json()["items"]
            result["balance_rows"] = len(items)
    return results


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    with psycopg.connect(f"{SERVER}/postgres") as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "postgresql": pg,
        "python": platform.python_version(),
        "date": datetime.now(UTC).date().isoformat(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--reuse", action="store_true", help="keep a size's database an earlier run loaded")
    args = parser.parse_args()
    results = run_sizes([int(size) for size in args.sizes.split(",")], args.requests, args.reuse)
    report = {"machine": machine(), "load_average": load_average(), "results": results}
    if len(results) > 1:
        small, large = results[0], results[-1]
        report["ratios"] = {
            name: round(large[f"{name}_median_ms"] / small[f"{name}_median_ms"], 2) for name, _path in TIMED
        }
    print(json.dumps(report, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"balance-{int(time.time())}.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
