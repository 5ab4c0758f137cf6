"""Passwords and client secrets: hashing, checking and issuing them."""

import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from partnerhub.actors import refuse_unless_active
from partnerhub.db import utcnow
from partnerhub.errors import Conflict, InvalidCredentials, InvalidInput, NotFound
from partnerhub.models import ApiClient, Partner, User

ALL_PARTNER_SCOPES = (
    "directory:read",
    "directory:write",
    "leads:read",
    "leads:write",
    "handoffs:read",
    "handoffs:write",
    "reports:read",
    "webhooks:manage",
)
ADMIN_SCOPE = "admin"

_hasher = PasswordHasher()
# Verified against when the client id is unknown, so a wrong id costs as long as a wrong secret.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def secret_matches(secret_hash: str, secret: str) -> bool:
    try:
        return _hasher.verify(secret_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


def create_api_client(
    session: Session, *, partner: Partner | None, scopes: list[str] | None = None, name: str = ""
) -> tuple[ApiClient, str]:
    """Issue credentials for a partner (or, with no partner, for an operator).

    Returns the client and its secret in clear: the only time it exists outside a hash.
    A pending or suspended partner gets none: its clients would be refused a token anyway.
    """
    if partner is not None:
        refuse_unless_active(partner)
    allowed = ALL_PARTNER_SCOPES if partner is not None else (ADMIN_SCOPE,)
    scopes = list(scopes) if scopes else list(allowed)
    unknown = sorted(set(scopes) - set(allowed))
    if unknown:
        raise InvalidInput({"scopes": [f"not allowed here: {', '.join(unknown)}"]})
    secret = "phs_" + secrets.token_urlsafe(32)
    client = ApiClient(
        partner=partner,
        client_id="phc_" + secrets.token_hex(12),
        secret_hash=hash_secret(secret),
        scopes=scopes,
        name=name,
    )
    session.add(client)
    session.flush()
    return client, secret


def authenticate_client(session: Session, *, client_id: str, client_secret: str) -> ApiClient:
    """Return the live client these credentials name, or raise InvalidCredentials."""
    client = session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
    if client is None:
        secret_matches(_DUMMY_HASH, client_secret)
        raise InvalidCredentials("Unknown client or wrong secret.")
    if not secret_matches(client.secret_hash, client_secret):
        raise InvalidCredentials("Unknown client or wrong secret.")
    if client.revoked_at is not None:
        raise InvalidCredentials("This client has been revoked.")
    if client.partner is not None and client.partner.status != "active":
        raise InvalidCredentials(f"Partner is {client.partner.status}, not active.")
    client.last_used_at = utcnow()
    return client


def api_clients_of(partner_id: int) -> Select:
    """A partner's clients, live ones first, newest first."""
    return (
        select(ApiClient)
        .where(ApiClient.partner_id == partner_id)
        .order_by(ApiClient.revoked_at.is_not(None), ApiClient.id.desc())
    )


def revoke_api_client(session: Session, *, client_id: str, at: datetime | None = None) -> ApiClient:
    client = session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
    if client is None:
        raise NotFound(f"No API client {client_id}.")
    client.revoked_at = at or utcnow()
    return client


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    role: str,
    partner: Partner | None,
    name: str = "",
    password_hash: str | None = None,
) -> User:
    """Create a user; `password_hash`, when given, is `password` hashed already (users sharing one)."""
    email = email.strip().lower()
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        # A duplicate, like a partner's name taken: the current state refuses it, not the input.
        raise Conflict(f"A user with the email {email} already exists.")
    if len(password) < 8:
        raise InvalidInput({"password": ["must be at least 8 characters"]})
    user = User(
        email=email,
        password_hash=password_hash or hash_secret(password),
        role=role,
        partner=partner,
        name=name,
    )
    session.add(user)
    session.flush()
    return user


def authenticate_user(session: Session, *, email: str, password: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        secret_matches(_DUMMY_HASH, password)
        raise InvalidCredentials("Wrong email or password.")
    if not secret_matches(user.password_hash, password) or not user.active:
        raise InvalidCredentials("Wrong email or password.")
    user.last_login_at = utcnow()
    return user


def end_sessions(session: Session, user: User) -> None:
    """Sign the user out everywhere: no session cookie issued so far signs anyone in again.

    A signed cookie is valid wherever a copy of it went (a shared computer, a stolen
    backup) until it expires; the generation it carries is what the server can take back.
    """
    # In SQL, so two sign-outs at once both count.
    user.session_generation = User.session_generation + 1
    session.flush()
