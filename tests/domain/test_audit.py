"""The audit log: written with the action, read per company, never changed."""

import pytest
from sqlalchemy import select

from partnerhub.core import audit
from partnerhub.core.actors import Actor
from partnerhub.core.errors import NotAllowed
from partnerhub.models import AuditEntry


def test_an_entry_names_the_person_the_company_the_action_and_where_from(session, build):
    partner = build.partner("Glasklar")
    manager = build.user(partner, "manager", email="boss@glasklar.example")

    audit.record(
        session,
        actor=Actor.user(partner_id=partner.id, user_id=manager.id),
        action="user.invited",
        partner_id=partner.id,
        target="new@glasklar.example",
        details={"role": "rep"},
        origin="203.0.113.7",
    )

    [entry] = session.scalars(audit.entries(partner_id=partner.id)).all()
    assert (entry.actor_label, entry.action, entry.target, entry.origin) == (
        manager.name + " <boss@glasklar.example>",
        "user.invited",
        "new@glasklar.example",
        "203.0.113.7",
    )
    assert entry.details == {"role": "rep"}


def test_a_company_sees_only_its_own_entries(session, build):
    mine, theirs = build.partner("Mine"), build.partner("Theirs")
    for partner in (mine, theirs):
        audit.record(session, actor=Actor.system(), action="partner.approved", partner_id=partner.id)

    listed = session.scalars(audit.entries(partner_id=mine.id)).all()

    assert [e.partner_id for e in listed] == [mine.id]


def test_an_entry_cannot_be_changed_or_removed(session, build):
    entry = audit.record(session, actor=Actor.system(), action="partner.approved", partner_id=None)
    session.commit()

    entry.action = "partner.rejected"
    with pytest.raises(NotAllowed):
        session.flush()
    session.rollback()
    session.delete(session.scalar(select(AuditEntry)))
    with pytest.raises(NotAllowed):
        session.flush()
    session.rollback()

    assert session.scalar(select(AuditEntry.action)) == "partner.approved"
