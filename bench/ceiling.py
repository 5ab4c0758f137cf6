"""The two ceilings POST /leads is measured against, served by the same gunicorn: bench only, not product.

/hello answers a constant; /bare-write writes the rows intake writes for a routed
lead (lead, handoff, event, outbox delivery, the count in the handoff rollups and
the Idempotency-Key with its response) with plain SQL in one transaction. The lead's
row carries what the request does (external_id, contact, normalized email, need), so
the same index entries are written: a NULL external_id or email went to the end of
its index, where a real one lands anywhere in it.
"""

import json
import os
import random
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa

from api import sqlite
from api.config import database_url, engine_options
from partnerhub.exchange.intake import normalize_email

URL = database_url("/tmp")
# The product's pool and, on SQLite, its pragmas and BEGIN IMMEDIATE: the same database handling.
engine = sa.create_engine(URL, **engine_options(URL))
if engine.dialect.name == "sqlite":
    sqlite.configure(engine)
IDS = json.loads(os.environ.get("BENCH_IDS", "{}"))


def app(environ, start_response):
    if environ["PATH_INFO"] == "/bare-write":
        body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
        contact, need = body["contact"], body["need"]
        now = datetime.now(UTC)
        to = random.choice(IDS["receivers"])
        with engine.begin() as conn:
            lead_id = conn.execute(
                sa.text(
                    "INSERT INTO leads (partner_id, external_id, contact_name, contact_email,"
                    " contact_email_norm, need_category_id, need_text, region, consent, source, status,"
                    " reasons, created_at, updated_at)"
                    " VALUES (:p, :x, :n, :e, :m, :c, :t, :r, true, 'api', 'routed', '[]', :now, :now)"
                    " RETURNING id"
                ),
                {
                    "p": IDS["sender"],
                    "x": body.get("external_id"),
                    "n": contact["name"],
                    "e": contact["email"],
                    "m": normalize_email(contact["email"]),
                    "c": IDS["category"],
                    "t": need["text"],
                    "r": body["region"],
                    "now": now,
                },
            ).scalar()
            handoff_id = conn.execute(
                sa.text(
                    "INSERT INTO handoffs (lead_id, from_partner_id, to_partner_id, partnership_id,"
                    " warmup_note, status, version, sent_at, currency, score_parts, runners_up, updated_at)"
                    " VALUES (:l, :p, :r, :s, 'x', 'sent', 1, :now, 'EUR', '{}', '[]', :now) RETURNING id"
                ),
                {"l": lead_id, "p": IDS["sender"], "r": to["partner"], "s": to["partnership"], "now": now},
            ).scalar()
            conn.execute(
                sa.text(
                    "INSERT INTO handoff_events (handoff_id, at, actor_type, to_status, note, version)"
                    " VALUES (:h, :now, 'client', 'sent', '', 1)"
                ),
                {"h": handoff_id, "now": now},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO deliveries (endpoint_id, partner_id, message_id, event_type, payload,"
                    " status, attempts, next_attempt_at, created_at)"
                    " VALUES (:ep, :r, :m, 'handoff.created', '{}', 'pending', 0, :now, :now)"
                ),
                {"ep": to["endpoint"], "r": to["partner"], "m": secrets.token_hex(16), "now": now},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO handoff_rollups (partnership_id, from_partner_id, to_partner_id, day,"
                    " currency, sent) VALUES (:s, :p, :r, :day, 'EUR', 1)"
                    " ON CONFLICT (partnership_id, from_partner_id, day, currency) DO UPDATE"
                    " SET sent = handoff_rollups.sent + 1"
                ),
                {"s": to["partnership"], "p": IDS["sender"], "r": to["partner"], "day": now.date()},
            )
            conn.execute(
                sa.text(
                    'INSERT INTO idempotency_keys (partner_id, "key", request_hash, created_at,'
                    " response_status, response_body) VALUES (:p, :k, 'x', :now, 201, '{}')"
                ),
                {"p": IDS["sender"], "k": secrets.token_hex(16), "now": now},
            )
        body, status = json.dumps({"id": lead_id}).encode(), "201 Created"
    else:
        body, status = b'{"hello": "world"}', "200 OK"
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
