"""Passwords and client secrets: hashing, checking and issuing them."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from functools import cache
from typing import NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, case, delete, func, select, update
from sqlalchemy.orm import Session

from partnerhub.core import mail
from partnerhub.core.actors import refuse_unless_active
from partnerhub.core.db import dialect_insert, utcnow
from partnerhub.core.errors import Conflict, InvalidCredentials, InvalidInput, NotFound, SignInPaused
from partnerhub.core.i18n import Phrase, phrase
from partnerhub.models import ApiClient, Partner, UnknownSignIn, User
from partnerhub.models.partner import SignInFailures

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
        raise InvalidInput({"scopes": [phrase("not allowed here: %(scopes)s", scopes=", ".join(unknown))]})
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
        raise NotFound(phrase("No API client %(id)s.", id=str(client_id)))
    client.revoked_at = at or utcnow()
    return client


# --- people: passwords and signing in ----------------------------------------

# NIST SP 800-63B: a length floor and a list of passwords attackers try first; no rules on
# character classes and no forced rotation, which only push people to predictable patterns.
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200


@cache
def _common_passwords() -> frozenset[str]:
    # The 30,000 passwords most often found in breaches, as ranked and shipped by zxcvbn.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_phrases(password: str) -> list[Phrase]:
    """Why `password` may not be used, each as what "The password ..." goes on to say ("must be at
    least 12 characters"), to read in any language; empty when it may be used."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [phrase("must be at least %(num)s characters", num=MIN_PASSWORD_LENGTH)]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [phrase("must be at most %(num)s characters", num=MAX_PASSWORD_LENGTH)]
    if password.lower() in _common_passwords() or len(set(password)) == 1:
        return [phrase("is one of the most common passwords, which are tried first; choose another")]
    return []


def password_problems(password: str) -> list[str]:
    """Why `password` may not be used, in English as the API tells it; empty when it may."""
    return [str(problem) for problem in password_phrases(password)]


def check_password(password: str, *, field: str = "password") -> None:
    """The one password rule, at every place a password is set."""
    problems = password_problems(password)
    if problems:
        raise InvalidInput({field: problems})


def normal_email(email: str) -> str:
    return email.strip().lower()


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normal_email(email)))


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
    email = normal_email(email)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        # A duplicate, like a partner's name taken: the current state refuses it, not the input.
        raise Conflict(phrase("A user with the email %(email)s already exists.", email=email))
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


def set_password(session: Session, *, user: User, password: str) -> None:
    """Give `user` a new password (the rule checked) and lift any sign-in slow-down."""
    check_password(password)
    user.password_hash = hash_password(password)
    _forget_failures(user)
    session.flush()


# The sign-in slow-down: after this many wrong passwords in one burst, sign-in to the account
# pauses, the first time for a minute, doubling with each further wrong password, never longer
# than an hour. A burst ends at a right password, a reset, or a quarter of an hour of quiet after
# its last pause: a guesser gets a handful of tries an hour, the owner is never locked out for good.
FAILURES_BEFORE_PAUSE = 5
FIRST_PAUSE = timedelta(minutes=1)
LONGEST_PAUSE = timedelta(hours=1)
BURST_QUIET = timedelta(minutes=15)


_PAUSED = "Sign-in to this account is paused after too many wrong passwords."


def pause_after(failures: int) -> timedelta | None:
    """How long sign-in pauses after the `failures`-th wrong password of a burst; None: not at all."""
    if failures < FAILURES_BEFORE_PAUSE:
        return None
    # The exponent stops where the cap is reached anyway.
    return min(FIRST_PAUSE * 2 ** min(failures - FAILURES_BEFORE_PAUSE, 10), LONGEST_PAUSE)


def authenticate_user(
    session: Session, *, email: str, password: str, base_url: str = "", now: datetime | None = None
) -> User:
    """The user these credentials sign in, or InvalidCredentials (SignInPaused while slowed down).

    A refusal changes a failure count: the caller commits it, although it refuses. An address
    with no login is slowed down alike, so neither the answers nor their timing tell the two apart.
    """
    now = now or utcnow()
    user = user_by_email(session, email)
    if user is None:
        _refuse_unknown(session, email=email, password=password, now=now)
    check_own_password(session, user=user, password=password, base_url=base_url, now=now)
    if not user.active:
        raise InvalidCredentials("Wrong email or password.")
    _forget_failures(user)
    user.last_login_at = now
    return user


def check_own_password(
    session: Session, *, user: User, password: str, base_url: str = "", now: datetime | None = None
) -> None:
    """Raise InvalidCredentials (SignInPaused while slowed down) unless `password` is `user`'s.

    Wherever a password is asked, a wrong one counts towards the same slow-down: a borrowed
    session guessing its owner's password on the account page gets no more tries than a sign-in.
    """
    now = now or utcnow()
    _refuse_while_paused(user.login_paused_until, now)
    if password_matches(user.password_hash, password):
        return
    failures, until = _count_failure(session, User, User.id == user.id, now=now)
    session.expire(user, ["failed_logins", "last_failed_login_at", "login_paused_until"])
    if failures == FAILURES_BEFORE_PAUSE:
        # One notice per burst: the owner learns of the guessing and how to end it.
        mail.queue_email(
            session,
            to=user.email,
            kind="sign_in_paused",
            context={"name": user.name, "failures": failures, "reset_link": f"{base_url}/password-reset"},
            partner_id=user.partner_id,
            now=now,
        )
    _refuse(until)


def _refuse_unknown(session: Session, *, email: str, password: str, now: datetime) -> NoReturn:
    key = hashlib.sha256(normal_email(email).encode()).hexdigest()
    where = UnknownSignIn.email_hash == key
    _refuse_while_paused(session.scalar(select(UnknownSignIn.login_paused_until).where(where)), now)
    # As long as checking a real password takes.
    password_matches(_DUMMY_PASSWORD_HASH, password)
    # Addresses whose burst is over are forgotten here, so guessers cannot grow the table for good.
    session.execute(delete(UnknownSignIn).where(_burst_over(UnknownSignIn, now)))
    session.execute(
        dialect_insert(session, UnknownSignIn)
        .values(email_hash=key)
        .on_conflict_do_nothing(index_elements=["email_hash"])
    )
    _failures, until = _count_failure(session, UnknownSignIn, where, now=now)
    _refuse(until)


def _refuse_while_paused(paused_until: datetime | None, now: datetime) -> None:
    if paused_until is not None and now < paused_until:
        # Not even checked, and not counted: the pause cannot be stretched by trying through it.
        raise SignInPaused(_PAUSED, until=paused_until)


def _refuse(paused_until: datetime | None) -> NoReturn:
    if paused_until is not None:
        raise SignInPaused(_PAUSED, until=paused_until)
    raise InvalidCredentials("Wrong email or password.")


def _burst_over(model: type[SignInFailures], now: datetime):
    # A pause ends later than the failure that set it: quiet is counted from whichever is set.
    return func.coalesce(model.login_paused_until, model.last_failed_login_at) < now - BURST_QUIET


def _count_failure(
    session: Session, model: type[SignInFailures], where, *, now: datetime
) -> tuple[int, datetime | None]:
    """Count a wrong password on the row `where` names: the failures in its burst, and the pause's end."""
    burst_over = _burst_over(model, now)
    # In SQL, so two processes counting at once both count, and exactly one of them reaches the pause.
    failures = session.execute(
        update(model)
        .where(where)
        .values(
            failed_logins=case((burst_over, 1), else_=model.failed_logins + 1),
            last_failed_login_at=now,
            login_paused_until=case((burst_over, None), else_=model.login_paused_until),
        )
        .returning(model.failed_logins)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    pause = pause_after(failures)
    if pause is None:
        return failures, None
    until = now + pause
    # The longer of two pauses set at once.
    longer = case((model.login_paused_until > until, model.login_paused_until), else_=until)
    session.execute(
        update(model)
        .where(where)
        .values(login_paused_until=longer)
        .execution_options(synchronize_session=False)
    )
    return failures, until


def _forget_failures(user: User) -> None:
    user.failed_logins = 0
    user.last_failed_login_at = None
    user.login_paused_until = None


def end_sessions(session: Session, user: User) -> None:
    """Sign the user out everywhere: no session cookie issued so far signs anyone in again.

    A signed cookie is valid wherever a copy of it went (a shared computer, a stolen
    backup) until it expires; the generation it carries is what the server can take back.
    """
    # In SQL, so two sign-outs at once both count.
    user.session_generation = User.session_generation + 1
    session.flush()
