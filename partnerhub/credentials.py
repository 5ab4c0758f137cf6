"""Passwords and client secrets: hashing, checking and issuing them."""

import hashlib
import hmac
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
    "users:write",
)
ADMIN_SCOPE = "admin"

# Marks a client secret's stored form as an HMAC; anything else stored there is an older argon2 hash.
CLIENT_SECRET_HMAC = "hmac-sha256$"

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_PASSWORD_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """A person's password, stored the slow way: people choose guessable ones."""
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def hash_client_secret(secret: str, *, key: str) -> str:
    """A client secret's stored form: HMAC-SHA256 under the server's key.

    The secrets we issue are 256 random bits, beyond guessing however fast each guess is,
    so they need no slow hash; argon2 (64 MiB, a quarter second) would be paid on every
    token request, by anyone who sends one. The key keeps a leaked table from being checked
    offline against secrets seen elsewhere.
    """
    return CLIENT_SECRET_HMAC + hmac.new(key.encode(), secret.encode(), hashlib.sha256).hexdigest()


def create_api_client(
    session: Session,
    *,
    partner: Partner | None,
    hmac_key: str,
    scopes: list[str] | None = None,
    name: str = "",
) -> tuple[ApiClient, str]:
    """Issue credentials for a partner (or, with no partner, for an operator).

    Returns the client and its secret in clear: the only time it exists outside a hash.
    A pending or suspended partner gets none: its clients would be refused a token anyway.
    `hmac_key` is the server's key for client secrets (`hash_client_secret`).
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
        secret_hash=hash_client_secret(secret, key=hmac_key),
        scopes=scopes,
        name=name,
    )
    session.add(client)
    session.flush()
    return client, secret


def authenticate_client(session: Session, *, client_id: str, client_secret: str, hmac_key: str) -> ApiClient:
    """Return the live client these credentials name, or raise InvalidCredentials.

    A known and an unknown client id cost the same one HMAC, so neither the time nor the
    memory of a refusal tells them apart. A secret still stored as argon2 (issued before
    client secrets were HMACs) is checked the slow way once and stored as an HMAC from then on.
    """
    offered = hash_client_secret(client_secret, key=hmac_key)
    client = session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
    if client is None:
        raise InvalidCredentials("Unknown client or wrong secret.")
    stored = client.secret_hash
    if stored.startswith(CLIENT_SECRET_HMAC):
        matches = hmac.compare_digest(stored, offered)
    else:
        matches = password_matches(stored, client_secret)
    if not matches:
        raise InvalidCredentials("Unknown client or wrong secret.")
    if client.revoked_at is not None:
        raise InvalidCredentials("This client has been revoked.")
    if client.partner is not None and client.partner.status != "active":
        raise InvalidCredentials(f"Partner is {client.partner.status}, not active.")
    # An argon2 hash becomes the HMAC in the transaction that proved the secret; an HMAC stays as it is.
    client.secret_hash = offered
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
    check_password(password)
    user = User(
        email=email,
        password_hash=password_hash or hash_password(password),
        role=role,
        partner=partner,
        name=name,
    )
    session.add(user)
    session.flush()
    return user


def check_password(password: str) -> None:
    """The one password rule, for every door that sets a password; raise InvalidInput when broken."""
    if len(password) < 8:
        raise InvalidInput({"password": ["must be at least 8 characters"]})


def authenticate_user(session: Session, *, email: str, password: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        password_matches(_DUMMY_PASSWORD_HASH, password)
        raise InvalidCredentials("Wrong email or password.")
    if not password_matches(user.password_hash, password) or not user.active:
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
