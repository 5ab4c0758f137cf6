"""A partner's people: invitations by single-use link, roles, deactivation and the away mark.

An invitation is a user row without a password (status `invited`) and the
SHA-256 of a random token; the token itself exists only in the emailed link,
so a copy of the database opens no account. The email is queued in the same
transaction as the row: an invitation that cannot be sent is not created.
Every change here is written to the audit log with the change.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from partnerhub.core import audit, mail
from partnerhub.core.actors import Actor
from partnerhub.core.db import utcnow
from partnerhub.core.errors import Conflict, InvalidInput, NotFound
from partnerhub.core.i18n import N_, phrase
from partnerhub.models import Partner, User
from partnerhub.models.partner import TEAM_ROLES
from partnerhub.people import assignment, credentials

INVITATION_VALID = timedelta(days=7)
# Never a valid argon2 hash: no password opens an invited person's account.
NO_PASSWORD = "!invited"


@dataclass(frozen=True)
class Invitation:
    """An invited person and the link that lets them in: the one moment the link exists in clear."""

    user: User
    token: str
    url: str


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_path(token: str) -> str:
    """Where the link points, below the pages' base address."""
    return f"/invitations/{token}"


def people_of(partner_id: int) -> Select:
    """A partner's people, invited ones included."""
    return select(User).where(User.partner_id == partner_id)


def team_of(session: Session, partner_id: int) -> list[User]:
    """A partner's people for the team page: managers first, then by name or email."""
    people = session.scalars(people_of(partner_id)).all()
    order = {"active": 0, "invited": 1, "deactivated": 2}
    return sorted(people, key=lambda u: (order[u.status], u.role != "manager", (u.name or u.email).lower()))


def get_person(session: Session, *, partner_id: int, user_id: int) -> User:
    """One of the partner's people; another partner's (or nobody's) is not found."""
    user = session.get(User, user_id)
    if user is None or user.partner_id != partner_id:
        raise NotFound(phrase("No person %(id)s on this team.", id=str(user_id)))
    return user


def _lock_team(session: Session, partner_id: int) -> None:
    # One team change at a time per partner: two managers demoting each other at once must not
    # both pass the last-manager check.
    session.execute(select(Partner.id).where(Partner.id == partner_id).with_for_update())


def _note(
    session: Session,
    actor: Actor,
    action: str,
    person: User,
    *,
    origin: str,
    now: datetime | None = None,
    **details,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        partner_id=person.partner_id,
        target=person.email,
        details={"user_id": person.id, **details},
        origin=origin,
        now=now,
    )


def _check_role(role: str) -> None:
    if role not in TEAM_ROLES:
        raise InvalidInput({"role": [phrase("must be one of: %(values)s", values=", ".join(TEAM_ROLES))]})


def _send_link(
    session: Session, user: User, *, partner: Partner, actor: Actor, base_url: str, now: datetime
) -> Invitation:
    """Give `user` a fresh link (any earlier one stops working) and queue the email carrying it."""
    token = secrets.token_urlsafe(32)
    user.invite_token_hash = _token_hash(token)
    user.invite_expires_at = now + INVITATION_VALID
    session.flush()
    url = base_url.rstrip("/") + invitation_path(token)
    by = session.get(User, actor.user_id) if actor.user_id is not None else None
    inviter = (by.name or by.email) if by is not None else partner.name
    mail.queue_email(
        session,
        to=user.email,
        kind="invitation",
        context={
            "partner_name": partner.name,
            "inviter": inviter,
            "role": user.role,
            "link": url,
            "expires": user.invite_expires_at,
        },
        partner_id=partner.id,
        now=now,
    )
    return Invitation(user, token, url)


def invite(
    session: Session,
    *,
    partner: Partner,
    email: str,
    role: str,
    actor: Actor,
    base_url: str,
    name: str = "",
    origin: str = "",
    now: datetime | None = None,
) -> Invitation:
    """Invite `email` to join `partner` as `role`; the link, valid seven days, goes out by email."""
    now = now or utcnow()
    _check_role(role)
    email = email.strip().lower()
    if "@" not in email.strip("@"):
        raise InvalidInput({"email": [N_("must be an email address")]})
    existing = session.scalar(select(User).where(User.email == email))
    if existing is not None:
        if existing.partner_id != partner.id:
            raise InvalidInput(
                {"email": [N_("belongs to a person at another company; each person joins one company only")]}
            )
        if existing.status == "invited":
            raise InvalidInput({"email": [N_("is invited already; re-send the invitation instead")]})
        raise InvalidInput({"email": [N_("is on the team already")]})
    user = User(
        partner=partner,
        email=email,
        name=name.strip(),
        role=role,
        password_hash=NO_PASSWORD,
        active=False,
        created_at=now,
    )
    session.add(user)
    invitation = _send_link(session, user, partner=partner, actor=actor, base_url=base_url, now=now)
    _note(session, actor, "team.invited", user, origin=origin, now=now, role=role)
    return invitation


def _pending(user: User) -> None:
    if user.status != "invited":
        raise Conflict(
            phrase("%(email)s has joined already; there is no invitation to change.", email=user.email)
        )


def resend_invitation(
    session: Session,
    *,
    person: User,
    actor: Actor,
    base_url: str,
    origin: str = "",
    now: datetime | None = None,
) -> Invitation:
    """A new link, valid seven days from now; the one sent before stops working."""
    now = now or utcnow()
    _pending(person)
    assert person.partner is not None, "everyone invited is invited into a partner's team"
    invitation = _send_link(session, person, partner=person.partner, actor=actor, base_url=base_url, now=now)
    _note(session, actor, "team.invitation_resent", person, origin=origin, now=now)
    return invitation


def revoke_invitation(session: Session, *, person: User, actor: Actor, origin: str = "") -> None:
    """Withdraw an invitation: its link stops working and the address is free again."""
    _pending(person)
    _note(session, actor, "team.invitation_revoked", person, origin=origin)
    session.delete(person)
    session.flush()


def invitation_for(session: Session, *, token: str, now: datetime | None = None) -> User:
    """The invited person a link names, or why the link no longer works (NotFound, Conflict)."""
    now = now or utcnow()
    user = session.scalar(select(User).where(User.invite_token_hash == _token_hash(token)))
    if user is None:
        raise NotFound(
            N_("This invitation link does not work: a newer invitation replaced it, or it was withdrawn.")
        )
    if user.status != "invited":
        raise Conflict(N_("This invitation was used already. Sign in with the password chosen then."))
    assert user.invite_expires_at is not None, "an invitation not yet used has its expiry"
    if user.invite_expires_at <= now:
        raise Conflict(phrase("This invitation expired on %(day)s.", day=user.invite_expires_at.date()))
    return user


def accept_invitation(
    session: Session,
    *,
    token: str,
    name: str,
    password: str,
    password_hash: str | None = None,
    now: datetime | None = None,
) -> User:
    """The invited person chooses a name and password and joins; the link is used up.

    `password_hash`, when given, is `password` hashed already (the demo's people share one).
    """
    now = now or utcnow()
    user = invitation_for(session, token=token, now=now)
    name = name.strip()
    if not name:
        raise InvalidInput({"name": [N_("tell your colleagues who you are")]})
    credentials.check_password(password)
    user.name = name
    user.password_hash = password_hash or credentials.hash_password(password)
    user.active = True
    user.invite_accepted_at = now
    user.invite_expires_at = None
    session.flush()
    assert user.partner_id is not None, "an invited person joins a partner's team"
    joined = Actor.user(partner_id=user.partner_id, user_id=user.id)
    _note(session, joined, "team.joined", user, origin="", now=now, role=user.role)
    return user


def _other_active_managers(session: Session, person: User) -> int:
    # An invited person is never active: they count once they joined.
    return session.execute(
        select(func.count())
        .select_from(User)
        .where(
            User.partner_id == person.partner_id,
            User.role == "manager",
            User.active.is_(True),
            User.id != person.id,
        )
    ).scalar_one()


def change_person(
    session: Session,
    *,
    person: User,
    actor: Actor,
    role: str | None = None,
    active: bool | None = None,
    away: bool | None = None,
    origin: str = "",
) -> User:
    """Change a person's role, whether they may sign in, or whether they are away.

    Deactivating ends every session of theirs at once. The last active manager of a
    partner can be neither demoted nor deactivated: someone must be able to run the team.
    """
    # A team's people, never an admin (who is in no team): the admin pages change no team.
    assert person.partner_id is not None, "a person of a partner's team"
    _lock_team(session, person.partner_id)
    if role is not None:
        _check_role(role)
    demoted = role is not None and role != "manager"
    removed = active is False and person.active
    if (
        person.status == "active"
        and person.role == "manager"
        and (demoted or removed)
        and _other_active_managers(session, person) == 0
    ):
        assert person.partner is not None, "a person of a partner's team"
        raise Conflict(
            phrase(
                "%(person)s is the last active manager of %(partner)s: make someone else a manager first.",
                person=person.name or person.email,
                partner=person.partner.name,
            )
        )
    if active is not None and person.status == "invited":
        raise Conflict(
            phrase("%(email)s has not joined yet: withdraw the invitation instead.", email=person.email)
            if active is False
            else phrase("%(email)s joins by accepting the invitation.", email=person.email)
        )

    def note(action: str, **details) -> None:
        _note(session, actor, action, person, origin=origin, **details)

    if role is not None and role != person.role:
        note("team.role_changed", before=person.role, after=role)
        person.role = role
    if away is not None and away != person.away:
        note("team.away_changed", away=away)
        person.away = away
    if active is not None and active != person.active:
        note("team.deactivated" if not active else "team.reactivated")
        person.active = active
        if not active:
            credentials.end_sessions(session, person)
    if person.away or not person.active:
        # Their open handoffs go to the partner's other working reps, or back to its pool.
        session.flush()
        assignment.release_held_by(session, person)
    session.flush()
    return person
