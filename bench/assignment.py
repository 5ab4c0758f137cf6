"""What assignment adds to intake: POST /leads with and without it, side by side, on PostgreSQL.

    .venv/bin/python -m bench.assignment [--requests 400] [--reps 60] [--open 1000]

One database (partnerhub_bench_assignment): a sender whose one partnership routes every lead to a
receiver with `--reps` reps, who already hold `--open` open handoffs between them (the rows the
choice of a rep counts; routing keeps a team near 15 open handoffs a rep, and 60 reps take the
run's 840 new handoffs without the receiver going over capacity, which would leave leads
unrouted). Two gunicorn servers (one worker, one thread each) serve the same product on it; in
the second (`without_assignment`) assignment.next_rep answers "nobody", so its handoffs are made
unassigned and no rep's turn is written: the two differ by assignment's own work (choosing the
rep, noting the turn) and nothing else. One client posts to them in turn, one request each, so
whatever else the machine does falls on both alike; we report each median and p95 and the
difference of the medians.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime

import psycopg
import requests

from bench.balance import SERVER, machine
from bench.common import SIDE_BY_SIDE, bearer, gunicorn, load_average, migrated_postgres
from bench.intake import BENCH_ENV, lead_body

DATABASE = "partnerhub_bench_assignment"
URL = f"{SERVER}/{DATABASE}"
SECRET = "bench-assignment-secret-1"
# One process answering one request at a time: the time measured is one request's, never a queue's.
ONE_AT_A_TIME = (*SIDE_BY_SIDE, "--threads", "1", "--max-requests", "0")


def without_assignment():
    """The product's app with assignment switched off: gunicorn's `bench.assignment:without_assignment()`."""
    from partnerhub.people import assignment

    assignment.next_rep = lambda session, partner_id, *, passed_over=0: None
    from wsgi import app

    return app


def seed(reps: int, held: int) -> tuple[str, int]:
    """The sender, the receiver, its reps and the open handoffs they hold; the sender's client id."""
    os.environ["DATABASE_URL"] = URL
    os.environ["PARTNERHUB_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="partnerhub-bench-")
    from api import create_app
    from api.extensions import db
    from partnerhub.people import credentials
    from tests.builders import Builder

    migrated_postgres(SERVER, DATABASE)
    app = create_app()
    with app.app_context():
        build = Builder(db.session)
        sender = build.partner("Sender", lines=["windows"])
        receiver = build.partner("Fitter", lines=["window-installation"])
        partnership = build.partnership(sender, receiver)
        build.category("window-installation")
        people = [build.user(receiver, "rep") for _ in range(reps)]
        client, secret = credentials.create_api_client(
            db.session, partner=sender, hmac_key=app.config["CLIENT_SECRET_HMAC_KEY"]
        )
        ids = (sender.id, receiver.id, partnership.id, [p.id for p in people], client.client_id)
        db.session.commit()
        db.engine.dispose()
    sender_id, receiver_id, partnership_id, rep_ids, client_id = ids
    now = datetime.now(UTC)
    with psycopg.connect(URL) as conn:
        lead_ids = [
            row[0]
            for row in conn.execute(
                "INSERT INTO leads (partner_id, contact_name, contact_name_key, need_text, consent, source,"
                " status, reasons, created_at, updated_at)"
                " SELECT %s, 'Held ' || g, 'held ' || g, '', true, 'api', 'routed', '[]', %s, %s"
                " FROM generate_series(1, %s) AS g RETURNING id",
                (sender_id, now, now, held),
            )
        ]
        with conn.cursor().copy(
            "COPY handoffs (lead_id, from_partner_id, to_partner_id, partnership_id, warmup_note, status,"
            " version, sent_at, accepted_at, sla_due_at, currency, score_parts, runners_up, updated_at,"
            " assignee_id, assigned_at) FROM STDIN"
        ) as copy:
            for i, lead_id in enumerate(lead_ids):
                rep = rep_ids[i % len(rep_ids)]
                row = (lead_id, sender_id, receiver_id, partnership_id, "", "accepted", 1, now, now, now)
                copy.write_row((*row, "EUR", "{}", "[]", now, rep, now))
    with psycopg.connect(URL, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return client_id, secret


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--reps", type=int, default=60)
    parser.add_argument("--open", type=int, default=1000)
    args = parser.parse_args()
    client_id, secret = seed(args.reps, args.open)
    os.environ.update(BENCH_ENV)
    targets = {"with": "wsgi:app", "without": "bench.assignment:without_assignment()"}
    timings: dict[str, list[float]] = {name: [] for name in targets}
    with (
        gunicorn(1, app=targets["with"], options=ONE_AT_A_TIME) as on,
        gunicorn(1, app=targets["without"], options=ONE_AT_A_TIME) as off,
    ):
        bases = {"with": on, "without": off}
        sessions = {name: requests.Session() for name in targets}
        headers = bearer(on, client_id, secret) | {"Content-Type": "application/json"}
        for i in range(20 + args.requests):
            for name in targets:
                key = uuid.uuid4().hex
                started = time.perf_counter()
                response = sessions[name].post(
                    bases[name] + "/api/v1/leads",
                    data=lead_body(key),
                    headers=headers | {"Idempotency-Key": key},
                )
                elapsed = (time.perf_counter() - started) * 1000
                response.raise_for_status()
                if i >= 20:
                    timings[name].append(elapsed)
    with psycopg.connect(URL) as conn:
        assigned = conn.execute(
            "SELECT count(assignee_id), count(*) FROM handoffs WHERE status = 'sent'"
        ).fetchone()
    report = {
        "machine": machine(),
        "load_average": load_average(),
        "requests_each": args.requests,
        "reps": args.reps,
        "open_handoffs_held": args.open,
        "new_handoffs_assigned_of_made": list(assigned),
    }
    for name, values in timings.items():
        report[f"{name}_median_ms"] = round(statistics.median(values), 2)
        report[f"{name}_p95_ms"] = round(statistics.quantiles(values, n=20)[-1], 2)
    report["assignment_adds_ms"] = round(report["with_median_ms"] - report["without_median_ms"], 2)
    print(json.dumps(report, indent=2))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
