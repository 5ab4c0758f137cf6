"""The audit log: one entry per operator, manager or partner-system action, written with the action.

An entry joins the caller's transaction, so an action that rolls back leaves
no entry and one that commits cannot lose it. Entries are never changed or
deleted (models/audit.py refuses to flush either).
"""

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from partnerhub.core.actors import Actor
from partnerhub.core.db import utcnow
from partnerhub.models import ApiClient, AuditEntry, User


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    partner_id: int | None,
    target: str = "",
    details: dict | None = None,
    origin: str = "",
    now: datetime | None = None,
) -> AuditEntry:
    """Note that `actor` did `action` (e.g. "partner.approved") to `target`, concerning `partner_id`."""
    entry = AuditEntry(
        at=now or utcnow(),
        actor_type=actor.type,
        actor_user_id=actor.user_id,
        actor_client_id=actor.client_id,
        actor_label=_label(session, actor),
        partner_id=partner_id,
        action=action,
        target=target[:400],
        details=details or {},
        origin=origin[:100],
    )
    session.add(entry)
    session.flush()
    return entry


def _label(session: Session, actor: Actor) -> str:
    if actor.user_id is not None:
        user = session.get(User, actor.user_id)
        if user is not None:
            return f"{user.name} <{user.email}>" if user.name else user.email
    if actor.client_id is not None:
        client = session.get(ApiClient, actor.client_id)
        if client is not None:
            return f"API client {client.client_id}"
    return "PartnerHub"


def entries(
    *,
    partner_id: int | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select:
    """The log newest first, narrowed to one company, one kind of action or a time range."""
    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if partner_id is not None:
        stmt = stmt.where(AuditEntry.partner_id == partner_id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.at < until)
    return stmt
