"""Lead intake: the sales-qualified check, duplicates, and the idempotency keys partner systems post with."""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Select, bindparam, delete, func, select, text, update
from sqlalchemy.orm import Session

from partnerhub import routing
from partnerhub.actors import Actor
from partnerhub.db import built_once, utcnow
from partnerhub.directory import category_by_slug
from partnerhub.errors import Conflict, InvalidInput, NotFound
from partnerhub.models import IdempotencyKey, Lead

IDEMPOTENCY_KEY_TTL = timedelta(hours=24)


def normalize_email(email: str | None) -> str | None:
    return email.strip().lower() or None if email else None


def normalize_phone(phone: str | None) -> str | None:
    # Digits only, so "+49 30 1234" and "0049-30-1234" differ but spacing never matters.
    digits = re.sub(r"\D", "", phone or "")
    return digits or None


def qualification_reasons(
    *, email: str | None, phone: str | None, need_category: str | None, consent: bool
) -> list[str]:
    """Why a lead is not sales-qualified yet; empty when it is."""
    reasons = []
    if not normalize_email(email) and not normalize_phone(phone):
        reasons.append("no reachable contact: give an email or a phone number")
    if not need_category:
        reasons.append("no stated need: give the need's category")
    if not consent:
        reasons.append("no consent to be contacted by a partner")
    return reasons


def take_lead(
    session: Session,
    *,
    actor: Actor,
    contact: dict,
    need: dict,
    region: str | None = None,
    consent: bool = False,
    source: str = "api",
    external_id: str | None = None,
    route: bool = True,
    now: datetime | None = None,
) -> Lead:
    """Take a lead in for the actor's partner and route it; an unqualified one is kept with its reasons.

    `route=False` keeps a qualified lead "new" with its partner, for a rep to hand off by hand.
    """
    now = now or utcnow()
    partner_id = actor.partner_id
    if external_id is not None:
        existing = session.scalar(
            select(Lead.id).where(Lead.partner_id == partner_id, Lead.external_id == external_id)
        )
        if existing is not None:
            raise Conflict(f"Lead {external_id!r} was already received.", lead_id=existing)
    slug = need.get("category")
    category = category_by_slug(session, slug, field="need.category") if slug else None
    lead = Lead(
        partner_id=partner_id,
        external_id=external_id,
        contact_name=contact.get("name") or "",
        contact_email=contact.get("email"),
        contact_phone=contact.get("phone"),
        contact_company=contact.get("company"),
        contact_email_norm=normalize_email(contact.get("email")),
        contact_phone_norm=normalize_phone(contact.get("phone")),
        need_category=category,
        need_text=need.get("text") or "",
        region=region,
        consent=consent,
        source=source,
        created_by_user_id=actor.user_id,
        created_at=now,
        # Known to be empty: routing and the response read it without a query.
        handoffs=[],
    )
    session.add(lead)
    reasons = qualification_reasons(
        email=lead.contact_email, phone=lead.contact_phone, need_category=slug, consent=consent
    )
    if reasons:
        lead.status = "not_qualified"
        lead.reasons = reasons
        session.flush()
        return lead
    session.flush()
    if route:
        routing.route_lead(session, lead=lead, actor=actor, now=now, new_lead=True)
    return lead


def leads_of(partner_id: int, status: str | None = None) -> Select:
    stmt = select(Lead).where(Lead.partner_id == partner_id)
    if status:
        stmt = stmt.where(Lead.status == status)
    return stmt


def get_lead(session: Session, *, partner_id: int, lead_id: int) -> Lead:
    """A lead the partner brought; anyone else's is not found."""
    lead = session.get(Lead, lead_id)
    if lead is None or lead.partner_id != partner_id:
        raise NotFound(f"No lead {lead_id}.")
    return lead


# --- idempotency keys ----------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A key claimed for a request: either ours to run, or an earlier response to replay."""

    key_id: int
    replay: bool
    status: int | None = None
    body: dict | None = None


def request_fingerprint(body: bytes) -> str:
    """A hash of the request body that ignores key order and whitespace in JSON."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(canonical).hexdigest()


def claim_idempotency_key(
    session: Session, *, partner_id: int, key: str, fingerprint: str, now: datetime | None = None
) -> Claim:
    """Claim `key` for a request, or find the response to replay; refuse a reuse or a request in flight.

    The claim is never committed on its own: it commits with the request's work
    and the response recorded for it, or rolls back with them. A request that
    dies half-way (its process killed, its database connection lost) so leaves
    the key free for the partner's retry instead of "in flight" for 24 hours.
    """
    now = now or utcnow()
    if not _lock_key(session, partner_id=partner_id, key=key):
        raise Conflict("A request with this Idempotency-Key is still being processed; retry shortly.")
    # One statement on the hot path: no savepoint, and a taken key is not an error to recover from.
    claimed = session.scalar(
        _CLAIM,
        {"partner_id": partner_id, "key": key, "request_hash": fingerprint, "created_at": now},
    )
    if claimed is not None:
        return Claim(claimed, replay=False)
    # Committed, so finished: whoever holds the key's lock has not committed yet.
    existing = session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.partner_id == partner_id, IdempotencyKey.key == key)
    )
    if existing.created_at <= now - IDEMPOTENCY_KEY_TTL:
        # Past its 24 hours the key is free again, as if never used.
        existing.request_hash, existing.created_at = fingerprint, now
        existing.response_status = existing.response_body = None
        session.flush()
        return Claim(existing.id, replay=False)
    if existing.request_hash != fingerprint:
        raise InvalidInput(
            {"Idempotency-Key": ["already used with a different request body"]},
            "This Idempotency-Key was used with another request body.",
        )
    return Claim(existing.id, replay=True, status=existing.response_status, body=existing.response_body)


# Plain SQL that both dialects read alike: SQLAlchemy does not cache its ON CONFLICT constructs.
_CLAIM = text(
    'INSERT INTO idempotency_keys (partner_id, "key", request_hash, created_at) '
    "VALUES (:partner_id, :key, :request_hash, :created_at) "
    'ON CONFLICT (partner_id, "key") DO NOTHING RETURNING id'
).bindparams(bindparam("created_at", type_=IdempotencyKey.__table__.c.created_at.type))
_try_lock = built_once(
    lambda dialect: select(func.pg_try_advisory_xact_lock(bindparam("lock_id", type_=BigInteger)))
)
_record = built_once(
    lambda dialect: (
        update(IdempotencyKey)
        .where(IdempotencyKey.id == bindparam("key_id"))
        .values(response_status=bindparam("status"), response_body=bindparam("body"))
    )
)


def _lock_key(session: Session, *, partner_id: int, key: str) -> bool:
    """Hold the key until the transaction ends, or say that another transaction holds it."""
    if session.get_bind().dialect.name != "postgresql":
        # SQLite runs one writing transaction at a time (BEGIN IMMEDIATE): no other can hold the key.
        return True
    digest = hashlib.blake2b(f"{partner_id}:{key}".encode(), digest_size=8).digest()
    # Released by PostgreSQL at commit or rollback, and when the connection dies with its process.
    return session.scalar(_try_lock(session), {"lock_id": int.from_bytes(digest, "big", signed=True)})


def record_idempotent_response(session: Session, *, claim: Claim, status: int, body: dict) -> None:
    """Keep the response of a claimed key, to replay it for the next 24 hours."""
    session.execute(_record(session), {"key_id": claim.key_id, "status": status, "body": body})


def purge_idempotency_keys(session: Session, *, now: datetime | None = None) -> int:
    """Delete keys older than 24 hours; returns how many."""
    now = now or utcnow()
    result = session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at <= now - IDEMPOTENCY_KEY_TTL)
    )
    return result.rowcount
