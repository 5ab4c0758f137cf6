"""Lead intake: the sales-qualified check, duplicates, and the idempotency keys partner systems post with."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import BigInteger, CursorResult, Select, bindparam, delete, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from partnerhub.core.actors import Actor, acting_partner
from partnerhub.core.db import built_once, utcnow
from partnerhub.core.errors import Conflict, InvalidInput, NotFound
from partnerhub.core.i18n import N_, phrase
from partnerhub.core.validation import Checks
from partnerhub.directory.partners import category_by_slug
from partnerhub.exchange import routing
from partnerhub.models import IdempotencyKey, Lead
from partnerhub.models.lead import normalize_phone

IDEMPOTENCY_KEY_TTL = timedelta(hours=24)


def normalize_email(email: str | None) -> str | None:
    return email.strip().lower() or None if email else None


def qualification_reasons(
    *, email: str | None, phone: str | None, need_category: str | None, consent: bool
) -> list[str]:
    """Why a lead is not sales-qualified yet; empty when it is."""
    reasons = []
    if not normalize_email(email) and not normalize_phone(phone):
        reasons.append(N_("no reachable contact: give an email or a phone number"))
    if not need_category:
        reasons.append(N_("no stated need: give the need's category"))
    if not consent:
        reasons.append(N_("no consent to be contacted by a partner"))
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
    referred_from: int | None = None,
    now: datetime | None = None,
) -> Lead:
    """Take a lead in for the actor's partner and route it; an unqualified one is kept with its reasons.

    `route=False` keeps a qualified lead "new" with its partner, for a rep to hand off by hand.
    `referred_from`: the won handoff whose customer referred it (referrals.record_referral).
    """
    now = now or utcnow()
    partner = acting_partner(session, actor)
    contact = _checked_contact(contact, need)
    partner_id = actor.partner_id
    slug = need.get("category")
    category = category_by_slug(session, slug, field="need.category") if slug else None
    lead = Lead(
        partner_id=partner_id,
        partner=partner,
        external_id=external_id,
        contact_name=contact.get("name") or "",
        contact_email=contact.get("email"),
        contact_phone=contact.get("phone"),
        contact_company=contact.get("company"),
        contact_email_norm=normalize_email(contact.get("email")),
        contact_phone_norm=normalize_phone(contact.get("phone")),
        need_category=category,
        # Ids set as well as relationships: routing and the handoff read them before the lead is written.
        need_category_id=category.id if category else None,
        need_text=need.get("text") or "",
        region=region,
        consent=consent,
        source=source,
        referred_from_handoff_id=referred_from,
        created_by_user_id=actor.user_id,
        created_at=now,
        # Known to be empty: routing and the response read it without a query.
        handoffs=[],
    )
    reasons = qualification_reasons(
        email=lead.contact_email, phone=lead.contact_phone, need_category=slug, consent=consent
    )
    try:
        if reasons:
            lead.status = "not_qualified"
            lead.keep_reasons(reasons)
        elif route:
            # Routing writes the lead with its outcome, after deciding: every read comes before the
            # first write, so on SQLite the request holds the write lock only while it writes.
            routing.route_lead(session, lead=lead, actor=actor, now=now, new_lead=True)
            return lead
        session.add(lead)
        session.flush()
    except IntegrityError:
        if external_id is None:
            raise
        # The unique (partner, external_id) constraint is the check, not a lookup first: a
        # lookup costs every lead a round trip and still misses a twin committed just after it.
        # Nothing of this request stands; the partner gets the answer API.md promises, with
        # the lead that was there first.
        session.rollback()
        _refuse_a_second(session, lead.partner_id, external_id)
        raise
    return lead


def _checked_contact(contact: dict, need: dict) -> dict:
    """The contact as it is kept: trimmed; a blank name, an address or number of the wrong shape, or
    text that cannot be stored (in the need's words too) refused."""
    checks = Checks()
    checked = {
        "name": checks.name("contact.name", contact.get("name"), required=False) or "",
        "email": checks.email("contact.email", contact.get("email")),
        "phone": checks.phone("contact.phone", contact.get("phone")),
        "company": checks.name("contact.company", contact.get("company"), required=False),
    }
    checks.text("need.text", need.get("text"))
    checks.done()
    return checked


def _refuse_a_second(session: Session, partner_id: int, external_id: str | None) -> None:
    if external_id is None:
        return
    existing = (
        session.connection()
        .execute(_received, {"partner_id": partner_id, "external_id": external_id})
        .scalar()
    )
    if existing is not None:
        raise Conflict(phrase("Lead %(id)s was already received.", id=repr(external_id)), lead_id=existing)


_received = select(Lead.id).where(
    Lead.partner_id == bindparam("partner_id"), Lead.external_id == bindparam("external_id")
)


def leads_of(partner_id: int, status: str | None = None) -> Select:
    stmt = select(Lead).where(Lead.partner_id == partner_id)
    if status:
        stmt = stmt.where(Lead.status == status)
    return stmt


def get_lead(session: Session, *, partner_id: int, lead_id: int) -> Lead:
    """A lead the partner brought; anyone else's is not found."""
    lead = session.get(Lead, lead_id)
    if lead is None or lead.partner_id != partner_id:
        raise NotFound(phrase("No lead %(id)s.", id=str(lead_id)))
    return lead


# --- idempotency keys ----------------------------------------------------------


@dataclass(frozen=True)
class Replay:
    """The response an earlier request with the same key and body got, to send again."""

    status: int
    body: dict


def request_fingerprint(body: bytes) -> str:
    """A hash of the request body that ignores key order and whitespace in JSON."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):
        canonical = body
    return hashlib.sha256(canonical).hexdigest()


def check_idempotency_key(
    session: Session,
    *,
    partner_id: int,
    key: str,
    fingerprint: str,
    wait: bool = False,
    now: datetime | None = None,
) -> Replay | None:
    """Before the work: the response to replay, or None when the key is free; refuse a reuse or a
    request in flight (`wait`: wait for it to end, then replay its response).

    Nothing is written here: the key is stored with its response by `keep_response`,
    in the same transaction as the request's work. A request that dies half-way (its
    process killed, its database connection lost) so leaves the key free for the
    partner's retry instead of "in flight" for 24 hours; and on SQLite the request
    reads everything it needs before it takes the database's write lock.
    """
    now = now or utcnow()
    if not _lock_key(session, partner_id=partner_id, key=key, wait=wait):
        raise Conflict(IN_FLIGHT)
    found = session.connection().execute(_find, {"partner_id": partner_id, "key": key}).first()
    # Past its 24 hours a key is free again, as if never used.
    if found is None or found.created_at <= now - IDEMPOTENCY_KEY_TTL:
        return None
    if found.request_hash != fingerprint:
        raise InvalidInput(
            {"Idempotency-Key": [N_("already used with a different request body")]},
            "This Idempotency-Key was used with another request body.",
        )
    return Replay(found.response_status, found.response_body)


def keep_response(
    session: Session,
    *,
    partner_id: int,
    key: str,
    fingerprint: str,
    status: int,
    body: dict,
    now: datetime | None = None,
) -> None:
    """Store the key with the response its request got, to replay for the next 24 hours."""
    now = now or utcnow()
    row = {
        "partner_id": partner_id,
        "key": key,
        "request_hash": fingerprint,
        "created_at": now,
        "response_status": status,
        "response_body": body,
        "expired_before": now - IDEMPOTENCY_KEY_TTL,
    }
    kept = session.connection().execute(_KEEP, row).scalar()
    if kept is None:
        # A request with the same key committed after our check. On PostgreSQL the key's lock
        # rules that out; on SQLite it is the one sign that another request was running with it.
        raise Conflict(IN_FLIGHT)


IN_FLIGHT = "A request with this Idempotency-Key is still being processed; retry shortly."
_COLUMNS = IdempotencyKey.__table__.c
# Plain SQL that both dialects read alike: SQLAlchemy does not cache its ON CONFLICT constructs.
# A live key is left alone (no row returned); one past its 24 hours is taken over.
_KEEP = text(
    'INSERT INTO idempotency_keys (partner_id, "key", request_hash, created_at, response_status, '
    "response_body) VALUES (:partner_id, :key, :request_hash, :created_at, :response_status, "
    ':response_body) ON CONFLICT (partner_id, "key") DO UPDATE SET '
    "request_hash = excluded.request_hash, created_at = excluded.created_at, "
    "response_status = excluded.response_status, response_body = excluded.response_body "
    "WHERE idempotency_keys.created_at <= :expired_before RETURNING id"
).bindparams(
    bindparam("created_at", type_=_COLUMNS.created_at.type),
    bindparam("expired_before", type_=_COLUMNS.created_at.type),
    bindparam("response_body", type_=_COLUMNS.response_body.type),
)
_find = select(
    IdempotencyKey.request_hash,
    IdempotencyKey.created_at,
    IdempotencyKey.response_status,
    IdempotencyKey.response_body,
).where(IdempotencyKey.partner_id == bindparam("partner_id"), IdempotencyKey.key == bindparam("key"))
_try_lock = built_once(
    lambda dialect: select(func.pg_try_advisory_xact_lock(bindparam("lock_id", type_=BigInteger)))
)
_lock = built_once(lambda dialect: select(func.pg_advisory_xact_lock(bindparam("lock_id", type_=BigInteger))))


def _lock_key(session: Session, *, partner_id: int, key: str, wait: bool) -> bool:
    """Hold the key until the transaction ends, or say that another transaction holds it (or, with
    `wait`, wait until it ends)."""
    if session.get_bind().dialect.name != "postgresql":
        # SQLite has one writer at a time: `keep_response` finds a key another request committed.
        return True
    digest = hashlib.blake2b(f"{partner_id}:{key}".encode(), digest_size=8).digest()
    # Released by PostgreSQL at commit or rollback, and when the connection dies with its process.
    lock_id = int.from_bytes(digest, "big", signed=True)
    if wait:
        session.connection().execute(_lock(session), {"lock_id": lock_id})
        return True
    return bool(session.connection().execute(_try_lock(session), {"lock_id": lock_id}).scalar_one())


def purge_idempotency_keys(session: Session, *, now: datetime | None = None) -> int:
    """Delete keys older than 24 hours; returns how many."""
    now = now or utcnow()
    # A DELETE's result is a CursorResult, which has the rowcount; Session.execute is typed as Result.
    result = cast(
        CursorResult,
        session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at <= now - IDEMPOTENCY_KEY_TTL)),
    )
    return result.rowcount
