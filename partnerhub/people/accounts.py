"""People's accounts: a company signing itself up, resetting and changing a password, one's own name.

Registration and the reset request answer alike whether or not an address has a
login: what differs goes only to that address, by email, so nobody learns from
the platform's answers who has an account.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from partnerhub.core import mail
from partnerhub.core.db import utcnow
from partnerhub.core.errors import Conflict, InvalidCredentials, InvalidInput, SignInPaused
from partnerhub.core.i18n import LANGUAGES, N_, phrase, supported
from partnerhub.directory import partners as directory
from partnerhub.models import Partner, PasswordReset, User
from partnerhub.people import credentials

RESET_VALID_FOR = timedelta(hours=1)
# One new link a minute at most per person: asking again and again fills nobody's inbox.
RESET_AGAIN_AFTER = timedelta(minutes=1)


def register_company(
    session: Session, *, manager: dict | None, base_url: str, size: dict | None = None, **profile
) -> Partner:
    """Register a company, pending approval, with its first manager (`email`, `password`, `name`).

    When the manager's address already has a login, the company is registered all the same, with
    no new login, and the address is told by email: the caller's answer is the same either way.
    """
    if manager is not None:
        credentials.check_password(manager["password"], field="manager.password")
    partner = directory.register_partner(session, size=size, **profile)
    if manager is None:
        return partner
    email = credentials.normal_email(manager["email"])
    links = {"login_link": f"{base_url}/login", "reset_link": f"{base_url}/password-reset"}
    if credentials.user_by_email(session, email) is not None:
        # As long as hashing the new login's password takes: the time does not tell either.
        credentials.hash_password(manager["password"])
        mail.queue_email(
            session,
            to=email,
            kind="registration_address_taken",
            context={"company": partner.name, "email": email, **links},
        )
        return partner
    user = credentials.create_user(
        session,
        email=email,
        password=manager["password"],
        role="manager",
        partner=partner,
        name=manager.get("name", ""),
    )
    mail.queue_email(
        session,
        to=user.email,
        kind="registration_received",
        context={"company": partner.name, "name": user.name, **links},
        partner_id=partner.id,
    )
    return partner


# --- password reset -----------------------------------------------------------


def _token_hash(token: str) -> str:
    # The token is 32 random bytes: a fast hash is enough, and a stolen table holds no usable link.
    return hashlib.sha256(token.encode()).hexdigest()


def request_password_reset(
    session: Session, *, email: str, base_url: str, now: datetime | None = None
) -> None:
    """Email a single-use link, valid an hour, when `email` has a login; otherwise do nothing."""
    user = credentials.user_by_email(session, email)
    if user is None or not user.active:
        return
    now = now or utcnow()
    just_sent = select(PasswordReset.id).where(
        PasswordReset.user_id == user.id, PasswordReset.created_at > now - RESET_AGAIN_AFTER
    )
    if session.scalar(just_sent) is not None:
        return
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordReset(
            user=user, token_hash=_token_hash(token), created_at=now, expires_at=now + RESET_VALID_FOR
        )
    )
    mail.queue_email(
        session,
        to=user.email,
        kind="password_reset",
        context={"name": user.name, "reset_link": f"{base_url}/password-reset/{token}"},
        partner_id=user.partner_id,
        now=now,
    )
    session.flush()


def usable_reset(session: Session, *, token: str, now: datetime | None = None) -> PasswordReset:
    """The reset `token` names, still unused and unexpired; else Conflict saying which it is."""
    now = now or utcnow()
    reset = session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _token_hash(token)))
    if reset is None:
        raise Conflict(N_("This link is not a password reset link, or not a complete one."), reason="unknown")
    if reset.used_at is not None:
        raise Conflict(N_("This link has been used already: each works once."), reason="used")
    if now >= reset.expires_at:
        raise Conflict(N_("This link has expired: each works for one hour."), reason="expired")
    return reset


def reset_password(session: Session, *, token: str, password: str, now: datetime | None = None) -> User:
    """Set a new password through a reset link, and end every session of its person."""
    now = now or utcnow()
    reset = usable_reset(session, token=token, now=now)
    user = reset.user
    credentials.set_password(session, user=user, password=password)
    # Every link of this person dies with the one used: an older email in the inbox is no way back in.
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    session.expire(reset, ["used_at"])
    credentials.end_sessions(session, user)
    return user


# --- one's own account --------------------------------------------------------


def change_password(session: Session, *, user: User, current: str, new: str, base_url: str = "") -> None:
    """Change one's password, knowing the current one; every other session of the person ends.

    A wrong current password counts towards the sign-in slow-down: the caller commits that refusal.
    """
    try:
        credentials.check_own_password(session, user=user, password=current, base_url=base_url)
    except SignInPaused as paused:
        raise InvalidInput(
            {"current_password": [N_("was wrong too often: wait a few minutes, or reset your password")]}
        ) from paused
    except InvalidCredentials as wrong:
        raise InvalidInput({"current_password": [N_("is not your current password")]}) from wrong
    credentials.set_password(session, user=user, password=new)
    credentials.end_sessions(session, user)


def rename(session: Session, *, user: User, name: str) -> None:
    user.name = name.strip()
    session.flush()


def choose_language(session: Session, *, user: User, language: str | None) -> User:
    """The language the person reads pages and emails in; None leaves it to their browser
    (and their emails to English)."""
    if language and supported(language) != language:
        raise InvalidInput({"language": [phrase("must be one of: %(values)s", values=", ".join(LANGUAGES))]})
    user.language = language or None
    session.flush()
    return user
