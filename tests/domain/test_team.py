"""A partner's team: invitations by single-use link, roles, deactivation, the last manager."""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from partnerhub.core.actors import Actor
from partnerhub.core.db import utcnow
from partnerhub.core.errors import Conflict, InvalidInput, NotFound
from partnerhub.demo import seeding as demo
from partnerhub.models import AuditEntry, Email, User
from partnerhub.people import credentials, team

BASE = "https://hub.example"


def _manager_actor(manager: User) -> Actor:
    return Actor.user(partner_id=manager.partner_id, user_id=manager.id)


def _invite(session, manager, email="new@example.test", role="rep", **kwargs):
    invitation = team.invite(
        session,
        partner=manager.partner,
        email=email,
        role=role,
        actor=_manager_actor(manager),
        base_url=BASE,
        origin="203.0.113.9",
        **kwargs,
    )
    session.commit()
    return invitation


def _token(invitation: team.Invitation) -> str:
    return invitation.token


def test_an_invitation_emails_a_link_and_stores_only_the_hash_of_its_token(session, build):
    manager = build.user(build.partner("Nordlicht"), "manager")

    invitation = _invite(session, manager, email=" New@Example.test ", role="manager")

    person = invitation.user
    token = _token(invitation)
    assert invitation.url == f"{BASE}/invitations/{token}"
    assert (person.email, person.status, person.role, person.active) == (
        "new@example.test",
        "invited",
        "manager",
        False,
    )
    assert person.invite_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str([person.password_hash, person.invite_token_hash])
    assert person.invite_expires_at - utcnow() > timedelta(days=6, hours=23)
    [email] = session.scalars(select(Email)).all()
    assert email.to_address == "new@example.test"
    assert "Nordlicht" in email.subject
    assert invitation.url in email.text_body
    assert invitation.url in email.html_body
    [entry] = session.scalars(select(AuditEntry)).all()
    assert (entry.action, entry.target, entry.origin, entry.actor_user_id) == (
        "team.invited",
        "new@example.test",
        "203.0.113.9",
        manager.id,
    )


def test_an_invited_person_cannot_sign_in_before_accepting(session, build):
    manager = build.user(build.partner(), "manager")
    _invite(session, manager)

    with pytest.raises(Exception, match="Wrong email or password"):
        credentials.authenticate_user(session, email="new@example.test", password=team.NO_PASSWORD)


def test_accepting_sets_name_and_password_and_the_link_then_says_it_was_used(session, build):
    manager = build.user(build.partner(), "manager")
    token = _token(_invite(session, manager))

    person = team.accept_invitation(session, token=token, name=" Ada ", password="a long password")
    session.commit()

    assert (person.status, person.name, person.active) == ("active", "Ada", True)
    assert credentials.authenticate_user(session, email=person.email, password="a long password") == person
    with pytest.raises(Conflict, match="used already"):
        team.accept_invitation(session, token=token, name="Eve", password="another password")


def test_accepting_keeps_the_password_rule_of_every_other_door(session, build):
    manager = build.user(build.partner(), "manager")
    token = _token(_invite(session, manager))

    with pytest.raises(InvalidInput) as refused:
        team.accept_invitation(session, token=token, name="Ada", password="short")

    assert "password" in refused.value.errors
    assert team.invitation_for(session, token=token).status == "invited"


def test_a_link_older_than_seven_days_has_expired(session, build):
    manager = build.user(build.partner(), "manager")
    token = _token(_invite(session, manager))

    with pytest.raises(Conflict, match="expired"):
        team.accept_invitation(
            session,
            token=token,
            name="Ada",
            password="a long password",
            now=utcnow() + timedelta(days=7, seconds=1),
        )


def test_a_resent_invitation_kills_the_earlier_link(session, build):
    manager = build.user(build.partner(), "manager")
    first = _invite(session, manager)

    second = team.resend_invitation(session, person=first.user, actor=_manager_actor(manager), base_url=BASE)
    session.commit()

    with pytest.raises(NotFound, match="newer invitation replaced it"):
        team.invitation_for(session, token=_token(first))
    assert team.invitation_for(session, token=_token(second)) == first.user
    assert len(session.scalars(select(Email)).all()) == 2


def test_a_withdrawn_invitation_frees_the_address_and_its_link_stops_working(session, build):
    manager = build.user(build.partner(), "manager")
    invitation = _invite(session, manager)

    team.revoke_invitation(session, person=invitation.user, actor=_manager_actor(manager))
    session.commit()

    with pytest.raises(NotFound):
        team.invitation_for(session, token=_token(invitation))
    other = build.user(build.partner(), "manager")
    assert _invite(session, other).user.partner_id == other.partner_id
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["team.invited", "team.invitation_revoked", "team.invited"]


def test_an_address_of_another_company_is_refused_with_the_reason_and_nothing_is_written(session, build):
    elsewhere = build.user(build.partner(), "rep", email="taken@example.test")
    manager = build.user(build.partner(), "manager")

    with pytest.raises(InvalidInput) as refused:
        _invite(session, manager, email="Taken@example.test")
    session.rollback()

    assert refused.value.errors == {
        "email": ["belongs to a person at another company; each person joins one company only"]
    }
    assert session.scalars(select(User).where(User.partner_id == manager.partner_id)).all() == [manager]
    assert session.scalars(select(Email)).all() == []
    assert elsewhere.partner_id != manager.partner_id


def test_the_last_active_manager_can_be_neither_demoted_nor_deactivated(session, build):
    partner = build.partner("Solo")
    manager = build.user(partner, "manager")
    build.user(partner, "manager").active = False
    session.commit()
    actor = _manager_actor(manager)

    with pytest.raises(Conflict, match="last active manager of Solo"):
        team.change_person(session, person=manager, actor=actor, role="rep")
    with pytest.raises(Conflict, match="last active manager of Solo"):
        team.change_person(session, person=manager, actor=actor, active=False)

    colleague = build.user(partner, "rep")
    team.change_person(session, person=colleague, actor=actor, role="manager")
    team.change_person(session, person=manager, actor=actor, role="rep")
    session.commit()
    assert (manager.role, colleague.role) == ("rep", "manager")


def test_deactivating_ends_every_session_and_is_audited(session, build):
    partner = build.partner()
    manager = build.user(partner, "manager")
    rep = build.user(partner, "rep")
    generation = rep.session_generation

    team.change_person(session, person=rep, actor=_manager_actor(manager), active=False, origin="cli")
    session.commit()
    session.refresh(rep)

    assert (rep.status, rep.session_generation) == ("deactivated", generation + 1)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "team.deactivated"))
    assert entry.target == rep.email


def test_a_rep_is_marked_away_and_back(session, build):
    partner = build.partner()
    manager = build.user(partner, "manager")
    rep = build.user(partner, "rep")

    team.change_person(session, person=rep, actor=_manager_actor(manager), away=True)
    away = rep.away
    team.change_person(session, person=rep, actor=_manager_actor(manager), away=False)

    assert (away, rep.away) == (True, False)
    assert session.scalars(select(AuditEntry.details["away"].as_boolean())).all() == [True, False]


def test_another_partners_person_is_not_found(session, build):
    rep = build.user(build.partner(), "rep")

    with pytest.raises(NotFound):
        team.get_person(session, partner_id=build.partner().id, user_id=rep.id)


def test_the_demo_seeds_colleagues_through_invitations_beside_the_published_logins(session):
    demo.seed(session, hmac_key="test-key", base_url=BASE, history=False)
    session.commit()

    colleague = session.scalar(select(User).where(User.email == "jonas@nordlicht.example"))
    assert (colleague.status, colleague.role, colleague.name) == ("active", "rep", "Jonas Becker")
    assert colleague.invite_accepted_at is not None
    assert session.scalar(select(Email).where(Email.to_address == "mira@montagewerk.example")) is not None
    for email in ("rep@nordlicht.example", "manager@nordlicht.example", "mira@nordlicht.example"):
        assert credentials.authenticate_user(session, email=email, password=demo.DEMO_PASSWORD).email == email
