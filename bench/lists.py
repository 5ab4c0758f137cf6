"""Bench the long lists at 10,000 and 1,000,000 handoffs for one partner, on PostgreSQL, through gunicorn.

    .venv/bin/python -m bench.lists [--sizes 10000,1000000] [--requests 200] [--keep]

For each size: recreate the database partnerhub_bench_lists_<size> and COPY in partner 1's own leads (a
tenth of the size, each handed to one of its 20 partners) and the handoffs it receives (the rest,
each with the sender's lead), as bench/balance.py loads its handoffs. Then serve every size at once,
each from its own gunicorn, and time for one rep of partner 1, asking the sizes in turn request by
request: the inbox page, the leads page, a search by contact (API and leads page), the first page
of GET /api/v1/handoffs, and a search by a common first name (API, leads page and inbox), whose
matches fill a page at both sizes. Handoffs still waiting are the ones sent in the last two days,
as the acceptance clock expires the rest. With --keep, a database already holding that many
handoffs is migrated and used again rather than loaded (its waiting handoffs age with it).
"""

import argparse
import json
import os
import random
import re
import statistics
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import psycopg
import requests
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql

from bench.balance import PATHS, SERVER, STEPS_AT, machine
from bench.common import (
    ROOT,
    SIDE_BY_SIDE,
    bearer,
    gunicorn,
    load_average,
    migrate,
    migrated_postgres,
    reset_sequences,
)

DATABASE = "partnerhub_bench_lists"
PARTNERS = 21
FIRST = [
    "Greta",
    "Hans",
    "Anna",
    "Jonas",
    "Lena",
    "Paul",
    "Marie",
    "Felix",
    "Emma",
    "Lukas",
    "Mia",
    "Noah",
    "Clara",
    "Elias",
    "Ida",
    "Ben",
    "Lina",
    "Finn",
    "Sophie",
    "Leon",
]
LAST = [
    "Wolf",
    "Berg",
    "Schmidt",
    "Weber",
    "Koch",
    "Richter",
    "Klein",
    "Neumann",
    "Braun",
    "Krause",
    "Hartmann",
    "Lange",
    "Werner",
    "Frank",
    "Vogel",
    "Jung",
    "Roth",
    "Beck",
    "Lorenz",
    "Haas",
    "Kraus",
    "Kuhn",
    "Pohl",
    "Engel",
    "Horn",
]
SEARCH = "Greta Wolf"
# A first name alone, what a rep types first: a twentieth of all contacts begin with it.
COMMON = "Greta"
PASSWORD = "bench-lists-password-1"
# Requests of each page to each size before the timed ones: connections, caches, prepared plans.
WARM_UP = 20
OPEN = ("sent", "delivered")
SLA = timedelta(hours=48)


def _record(result: dict, name: str, timings: list[float]) -> None:
    result[f"{name}_median_ms"] = round(statistics.median(timings), 2)
    result[f"{name}_p95_ms"] = round(statistics.quantiles(timings, n=20)[-1], 2)


def _contact(i: int, rng: random.Random) -> tuple:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    name, company = f"{first} {last}", f"{last} Bau GmbH"
    email = f"{first}.{last}.{i}@example.test".lower()
    phone = f"+49 30 {i:08d}"
    return name, email, phone, company, email, "4930" + f"{i:08d}", name.lower(), company.lower()


def load(conn: psycopg.Connection, handoffs: int, now: datetime, rng: random.Random) -> None:
    with conn.cursor() as cur:
        with cur.copy(
            "COPY partners (id, name, business, regions, sales_reps, revenue_band, monthly_leads, status,"
            " created_at) FROM STDIN"
        ) as copy:
            for i in range(1, PARTNERS + 1):
                copy.write_row((i, f"Partner {i}", "", '["DE"]', 10, "1m_10m", 100, "active", now))
        with cur.copy(
            "COPY partnerships (id, proposer_id, responder_id, pair_key, status, reward_type, reward_value,"
            " currency, rep_share_percent, accept_sla_hours, created_at, activated_at) FROM STDIN"
        ) as copy:
            started = now - timedelta(days=400)
            for other in range(2, PARTNERS + 1):
                pair = (other - 1, 1, other, f"1:{other}", "active", "percent", 10, "EUR", 20, 48)
                copy.write_row((*pair, started, started))
        # Every tenth lead is partner 1's own (handed out), the others come from its partners (handed to
        # it): interleaved in time, as they arrive.
        rows = []
        for i in range(1, handoffs + 1):
            other = rng.randrange(2, PARTNERS + 1)
            sent_at = now - timedelta(seconds=rng.randrange(365 * 86400))
            rows.append((i, (1, other) if i % 10 == 0 else (other, 1), other - 1, sent_at))
        with cur.copy(
            "COPY leads (id, partner_id, contact_name, contact_email, contact_phone, contact_company,"
            " contact_email_norm, contact_phone_norm, contact_name_key, contact_company_key, need_text,"
            " consent, source, status, reasons, created_at, updated_at) FROM STDIN"
        ) as copy:
            for i, (sender, _r), _p, sent_at in rows:
                copy.write_row((i, sender, *_contact(i, rng), "", True, "api", "routed", "[]", sent_at, now))
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
            "sla_due_at",
            "currency",
            "score_parts",
            "runners_up",
            "updated_at",
        ]
        with cur.copy(f"COPY handoffs ({', '.join(columns)}) FROM STDIN") as copy:
            for i, (sender, receiver), partnership, sent_at in rows:
                path = list(rng.choices(paths, weights)[0])
                if (path[-1] if path else "sent") in OPEN and now - sent_at > SLA:
                    path.append("expired")
                at, times = sent_at, {}
                for step in path:
                    at += timedelta(minutes=rng.randrange(10, 24 * 60))
                    times[step] = min(at, now)
                status = path[-1] if path else "sent"
                copy.write_row(
                    (
                        i,
                        i,
                        sender,
                        receiver,
                        partnership,
                        "Warm-up",
                        status,
                        1,
                        sent_at,
                        *[times.get(s) for s in STEPS_AT],
                        sent_at + SLA,
                        "EUR",
                        "{}",
                        "[]",
                        now,
                    )
                )
        reset_sequences(cur, ("partners", "partnerships", "leads", "handoffs"))
        # The keys each side searches its handoffs by, as the lifecycle keeps them.
        from partnerhub.exchange.search_keys import every_key

        keys = every_key().compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
        columns = "partner_id, kind, key, handoff_id"
        cur.execute(f"INSERT INTO handoff_search_keys ({columns}) {keys} ON CONFLICT DO NOTHING")
    conn.commit()


def _loaded(database: str, handoffs: int) -> bool:
    """Whether `database` exists and holds `handoffs` handoffs, as an earlier run left it."""
    with psycopg.connect(f"{SERVER}/postgres") as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone() is None:
            return False
    with psycopg.connect(f"{SERVER}/{database}") as conn:
        return conn.execute("SELECT count(*) FROM handoffs").fetchone()[0] == handoffs


def prepare(handoffs: int, keep: bool) -> tuple[dict, str, str]:
    database = f"{DATABASE}_{handoffs}"
    url = f"{SERVER}/{database}"
    os.environ["DATABASE_URL"] = url
    # One instance (its keys) for every size: the servers check the secrets each prepare hashed.
    os.environ.setdefault("PARTNERHUB_INSTANCE_PATH", tempfile.mkdtemp(prefix="partnerhub-bench-"))
    from api import create_app
    from api.extensions import db
    from partnerhub.exchange import lists
    from partnerhub.models import Handoff, Lead, Partner, User
    from partnerhub.people import credentials

    result: dict = {"handoffs": handoffs, "partner_leads": handoffs // 10}
    started = time.perf_counter()
    if keep and _loaded(database, handoffs):
        migrate(url)
        result["reused"] = True
    else:
        migrated_postgres(SERVER, database)
        with psycopg.connect(url) as conn:
            load(conn, handoffs, datetime.now(UTC), random.Random(handoffs))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    result["load_s"] = round(time.perf_counter() - started, 1)
    app = create_app()
    with app.app_context():
        if db.session.scalar(select(User).where(User.email == "rep@bench.test")) is None:
            db.session.add(
                User(
                    partner_id=1,
                    email="rep@bench.test",
                    name="Rep",
                    role="rep",
                    password_hash=credentials.hash_password(PASSWORD),
                )
            )
        client, secret = credentials.create_api_client(
            db.session, partner=db.session.get(Partner, 1), hmac_key=app.config["CLIENT_SECRET_HMAC_KEY"]
        )
        client_id = client.client_id
        db.session.commit()
        # What the search finds at this size: the page shows up to 50 of them.
        for term, key in ((SEARCH, "search"), (COMMON, "common_search")):
            for name, of, matches in (
                ("leads", Lead, lists.leads_of),
                ("handoffs", Handoff, lists.handoffs_of),
            ):
                searched = lists.search(db.session, term, partner_id=1, of=of)
                found = matches(1, q=searched).with_only_columns(of.id).order_by(None).subquery()
                result[f"{key}_matches_{name}"] = db.session.scalar(select(func.count()).select_from(found))
        db.engine.dispose()
    return result, client_id, secret


def _signed_in(base: str) -> requests.Session:
    session = requests.Session()
    token = re.search(
        r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', session.get(base + "/login").text
    )
    response = session.post(
        base + "/login",
        data={"email": "rep@bench.test", "password": PASSWORD, "csrf_token": token.group(1)},
        allow_redirects=False,
    )
    assert response.status_code == 303, response.status_code
    return session


NAMES = (
    "inbox",
    "leads",
    "search_api",
    "search_leads",
    "handoffs_api",
    "common_search_api",
    "common_search_leads",
    "common_search_inbox",
)


def _pages(base: str, client_id: str, secret: str) -> list[tuple[str, str, dict]]:
    """(name, path, headers) of each timed request on the server at `base`."""
    api = bearer(base, client_id, secret)
    jar = _signed_in(base).cookies
    page = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}
    q = quote(SEARCH)
    return [
        ("inbox", "/inbox", page),
        ("leads", "/leads", page),
        ("search_api", f"/api/v1/handoffs?q={q}", api),
        ("search_leads", f"/leads?q={q}", page),
        ("handoffs_api", "/api/v1/handoffs", api),
        ("common_search_api", f"/api/v1/handoffs?q={COMMON}", api),
        ("common_search_leads", f"/leads?q={COMMON}", page),
        ("common_search_inbox", f"/inbox?q={COMMON}", page),
    ]


def run(sizes: list[int], count: int, keep: bool) -> list[dict]:
    """Each size in its own database and gunicorn, all served at once; each page is asked of them in
    turn, one request each, so a machine slowed by other work slows every size alike."""
    prepared = [prepare(handoffs, keep) for handoffs in sizes]
    with ExitStack() as servers:
        pages = []
        for handoffs, (_, client_id, secret) in zip(sizes, prepared, strict=True):
            os.environ["DATABASE_URL"] = f"{SERVER}/{DATABASE}_{handoffs}"
            base = servers.enter_context(gunicorn(options=SIDE_BY_SIDE))
            pages.append((base, requests.Session(), _pages(base, client_id, secret)))
        results = [result for result, _, _ in prepared]
        for result in results:
            result["load_average"] = load_average()
        for i, name in enumerate(NAMES):
            timings: list[list[float]] = [[] for _ in sizes]
            for n in range(WARM_UP + count):
                for (base, session, timed), mine in zip(pages, timings, strict=True):
                    _, path, headers = timed[i]
                    started = time.perf_counter()
                    session.get(base + path, headers=headers).raise_for_status()
                    if n >= WARM_UP:
                        mine.append((time.perf_counter() - started) * 1000)
            for result, mine in zip(results, timings, strict=True):
                _record(result, name, mine)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="use again a database an earlier run loaded")
    args = parser.parse_args()
    results = run([int(size) for size in args.sizes.split(",")], args.requests, args.keep)
    report = {"machine": machine(), "results": results}
    if len(results) > 1:
        small, large = results[0], results[-1]
        report["ratios"] = {n: round(large[f"{n}_median_ms"] / small[f"{n}_median_ms"], 2) for n in NAMES}
    print(json.dumps(report, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"lists-{int(time.time())}.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
