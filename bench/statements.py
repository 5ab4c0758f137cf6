"""Bench a month's payout statement of one partnership with 10,000 won handoffs, as CSV and as PDF.

    .venv/bin/python -m bench.statements [--won 10000] [--requests 5]

Recreates the PostgreSQL database partnerhub_bench_statements, COPYs two
partners, their partnership, and `--won` handoffs won last month (plus as many
won in other months, which the statement must not read), starts gunicorn on a
free port and times GET /api/v1/statements/{id}/{month}.csv and .pdf (the
whole body read, as a client downloads it) and GET /api/v1/statements?month=.
Targets: CSV under 1 s, PDF under 5 s.
"""

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import requests

from bench.common import ROOT, bearer, gunicorn, load_average, machine, migrated_postgres, reset_sequences

SERVER = "postgresql://postgres@127.0.0.1:5432"
DATABASE = "partnerhub_bench_statements"
URL = f"{SERVER}/{DATABASE}"
PATHS = (
    ("reward_invoiced",),
    ("reward_invoiced", "reward_paid"),
    ("reward_invoiced", "reward_paid", "rep_paid"),
    (),
)


def load(won: int, month_start: datetime, now: datetime) -> None:
    rng = random.Random(won)
    with psycopg.connect(URL) as conn, conn.cursor() as cur:
        for i, name in ((1, "Nordlicht Fenster GmbH"), (2, "Montagewerk Berlin")):
            cur.execute(
                "INSERT INTO partners (id, name, business, regions, sales_reps, revenue_band, monthly_leads,"
                " status, created_at) VALUES (%s, %s, '', %s, 10, '1m_10m', 100, 'active', %s)",
                (i, name, '["DE"]', now),
            )
        cur.execute(
            "INSERT INTO partnerships (id, proposer_id, responder_id, pair_key, status, reward_type,"
            " reward_value, currency, rep_share_percent, accept_sla_hours, created_at, activated_at,"
            " terms_version)"
            " VALUES (1, 1, 2, '1:2', 'active', 'percent', 5, 'EUR', 20, 48, %s, %s, 1)",
            (now - timedelta(days=400), now - timedelta(days=400)),
        )
        total = 2 * won
        with cur.copy(
            "COPY leads (id, partner_id, contact_name, contact_name_key, need_text, consent, source, status,"
            " reasons, created_at, updated_at) FROM STDIN"
        ) as copy:
            for i in range(1, total + 1):
                sender = 1 if i % 3 else 2
                name = f"Buyer {i}"
                copy.write_row((i, sender, name, name.lower(), "", True, "api", "routed", "[]", now, now))
        columns = (
            "id, lead_id, from_partner_id, to_partner_id, partnership_id, warmup_note, status, version,"
            " sent_at, delivered_at, accepted_at, contacted_at, won_at, reward_invoiced_at, reward_paid_at,"
            " rep_paid_at, currency, deal_value, reward_amount, rep_share_amount, score_parts, runners_up,"
            " updated_at, terms_version"
        )
        with cur.copy(f"COPY handoffs ({columns}) FROM STDIN") as copy:
            for i in range(1, total + 1):
                sender = 1 if i % 3 else 2
                # Half in the month timed, half spread over the year before it.
                if i <= won:
                    won_at = month_start + timedelta(seconds=rng.randrange(27 * 86400))
                else:
                    won_at = month_start - timedelta(seconds=rng.randrange(1, 365 * 86400))
                sent = won_at - timedelta(days=rng.randrange(1, 20))
                path = rng.choice(PATHS)
                later = {step: won_at + timedelta(days=k + 1) for k, step in enumerate(path)}
                deal = Decimal(rng.randrange(500, 50_000))
                reward = (deal / 20).quantize(Decimal("0.01"))
                copy.write_row(
                    (
                        i,
                        i,
                        sender,
                        3 - sender,
                        1,
                        "",
                        path[-1] if path else "won",
                        1,
                        sent,
                        sent,
                        sent,
                        sent,
                        won_at,
                        later.get("reward_invoiced"),
                        later.get("reward_paid"),
                        later.get("rep_paid"),
                        "EUR",
                        deal,
                        reward,
                        (reward / 5).quantize(Decimal("0.01")),
                        "{}",
                        "[]",
                        now,
                        1,
                    )
                )
        reset_sequences(cur, ("partners", "partnerships", "leads", "handoffs"))
        conn.commit()
    with psycopg.connect(URL, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def credentials_for_partner_1() -> tuple[str, str]:
    os.environ["DATABASE_URL"] = URL
    os.environ["PARTNERHUB_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="partnerhub-bench-")
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


def timed(session: requests.Session, url: str, headers: dict, count: int) -> tuple[list[float], int]:
    session.get(url, headers=headers).raise_for_status()
    timings, size = [], 0
    for _ in range(count):
        started = time.perf_counter()
        response = session.get(url, headers=headers)
        size = len(response.content)
        timings.append(time.perf_counter() - started)
        response.raise_for_status()
    return timings, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--won", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=5)
    args = parser.parse_args()
    now = datetime.now(UTC)
    this_month = datetime(now.year, now.month, 1, tzinfo=UTC)
    month_start = (this_month - timedelta(days=1)).replace(day=1)
    month = month_start.strftime("%Y-%m")
    migrated_postgres(SERVER, DATABASE)
    started = time.perf_counter()
    load(args.won, month_start, now)
    result: dict = {"won_in_month": args.won, "handoffs": 2 * args.won}
    result["load_s"] = round(time.perf_counter() - started, 1)
    client_id, secret = credentials_for_partner_1()
    with gunicorn() as base:
        headers = bearer(base, client_id, secret)
        http = requests.Session()
        for name, path in (
            ("csv", f"/api/v1/statements/1/{month}.csv"),
            ("pdf", f"/api/v1/statements/1/{month}.pdf"),
            ("summary", f"/api/v1/statements?month={month}"),
        ):
            timings, size = timed(http, base + path, headers, args.requests)
            result[f"{name}_median_s"] = round(statistics.median(timings), 3)
            result[f"{name}_max_s"] = round(max(timings), 3)
            result[f"{name}_bytes"] = size
        result["load_average"] = load_average()
    report = {"machine": machine(), "result": result}
    print(json.dumps(report, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"statements-{int(time.time())}.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
