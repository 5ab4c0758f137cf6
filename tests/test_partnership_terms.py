"""Amending terms: one side proposes, the other accepts; handoffs keep the terms they were made under."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from partnerhub.core.actors import Actor
from partnerhub.core.db import utcnow
from partnerhub.core.errors import Conflict, NotAllowed
from partnerhub.exchange import partnerships, rerouting
from partnerhub.models import AuditEntry

TWENTY_PERCENT = {"reward_type": "percent", "reward_value": Decimal("20"), "rep_share_percent": Decimal("50")}


@pytest.fixture
def agreed(build, session):
    northwind, acme = build.partner("Northwind"), build.partner("Acme")
    partnership = partnerships.propose_partnership(
        session,
        proposer=northwind,
        partner_id=acme.id,
        terms={"reward_type": "percent", "reward_value": Decimal("10"), "rep_share_percent": Decimal("20")},
        actor=Actor.system(),
    )
    partnerships.change_partnership(
        session, partnership=partnership, partner_id=acme.id, move="accept", actor=Actor.system()
    )
    session.commit()
    return northwind, acme, partnership


def _contacted(build, partnership, sender):
    sent = utcnow() - timedelta(days=2)
    steps = [("sent", sent), ("delivered", sent), ("accepted", sent), ("contacted", sent)]
    handoff = build.handoff_through(partnership, sender, steps, commit=False)
    handoff.terms_version = partnership.terms_version
    build.session.commit()
    return handoff


def test_accepted_terms_apply_to_new_handoffs_while_earlier_ones_keep_theirs(build, session, agreed):
    northwind, acme, partnership = agreed
    before = _contacted(build, partnership, northwind)

    proposal = partnerships.propose_terms(
        session,
        partnership=partnership,
        partner_id=northwind.id,
        terms=TWENTY_PERCENT,
        note="Bigger jobs now",
        actor=Actor.system(),
    )
    partnerships.answer_terms(
        session,
        partnership=partnership,
        partner_id=acme.id,
        version=2,
        answer="accept",
        actor=Actor.system(),
    )
    after = _contacted(build, partnership, northwind)
    receiver = Actor("client", acme.id)
    for handoff in (before, after):
        rerouting.move_handoff(session, handoff=handoff, to="won", actor=receiver, deal_value=Decimal("1000"))
    history = partnerships.terms_history(session, partnership=partnership)

    assert proposal.version == 2
    assert (before.reward_amount, before.rep_share_amount) == (Decimal("100.00"), Decimal("20.00"))
    assert (after.reward_amount, after.rep_share_amount) == (Decimal("200.00"), Decimal("100.00"))
    assert [(t.version, t.status) for t in history] == [(1, "accepted"), (2, "accepted")]
    assert (partnership.reward_value, partnership.terms_version) == (Decimal("20"), 2)


def test_only_the_other_side_accepts_and_only_the_proposer_withdraws(build, session, agreed):
    northwind, acme, partnership = agreed
    partnerships.propose_terms(
        session,
        partnership=partnership,
        partner_id=northwind.id,
        terms=TWENTY_PERCENT,
        actor=Actor.system(),
    )

    with pytest.raises(NotAllowed):
        partnerships.answer_terms(
            session,
            partnership=partnership,
            partner_id=northwind.id,
            version=2,
            answer="accept",
            actor=Actor.system(),
        )
    with pytest.raises(NotAllowed):
        partnerships.answer_terms(
            session,
            partnership=partnership,
            partner_id=acme.id,
            version=2,
            answer="withdraw",
            actor=Actor.system(),
        )
    with pytest.raises(Conflict):
        partnerships.propose_terms(
            session, partnership=partnership, partner_id=acme.id, terms=TWENTY_PERCENT, actor=Actor.system()
        )
    partnerships.answer_terms(
        session,
        partnership=partnership,
        partner_id=northwind.id,
        version=2,
        answer="withdraw",
        actor=Actor.system(),
    )

    assert partnership.reward_value == Decimal("10")
    assert [t.status for t in partnerships.terms_history(session, partnership=partnership)] == [
        "accepted",
        "withdrawn",
    ]


def test_an_ended_partnerships_terms_cannot_be_amended(build, session, agreed):
    northwind, _acme, partnership = agreed
    partnerships.change_partnership(
        session, partnership=partnership, partner_id=northwind.id, move="end", actor=Actor.system()
    )

    with pytest.raises(Conflict):
        partnerships.propose_terms(
            session,
            partnership=partnership,
            partner_id=northwind.id,
            terms=TWENTY_PERCENT,
            actor=Actor.system(),
        )


def test_terms_are_amended_through_the_api_by_one_side_and_accepted_by_the_other(client, build, agreed):
    northwind, acme, partnership = agreed
    path = f"/api/v1/partnerships/{partnership.id}/terms"

    proposed = client.post(
        path,
        json={"terms": {"reward_type": "fixed", "reward_value": "150.00"}, "note": "Flat fee"},
        headers=build.headers(northwind),
    )
    self_accept = client.post(f"{path}/2/accept", headers=build.headers(northwind))
    accepted = client.post(f"{path}/2/accept", headers=build.headers(acme))
    history = client.get(path, headers=build.headers(acme)).get_json()

    assert proposed.status_code == 201
    assert proposed.get_json()["status"] == "proposed"
    assert self_accept.status_code == 403
    assert accepted.get_json()["status"] == "accepted"
    assert history["terms_version"] == 2
    assert [(t["version"], t["reward_type"], t["proposed_by_me"]) for t in history["items"]] == [
        (1, "percent", False),
        (2, "fixed", False),
    ]


def test_proposed_and_answered_terms_are_in_each_sides_audit_log(client, build, agreed, session):
    northwind, acme, partnership = agreed
    path = f"/api/v1/partnerships/{partnership.id}/terms"

    client.post(
        path,
        json={"terms": {"reward_type": "fixed", "reward_value": "150.00"}},
        headers=build.headers(northwind),
    )
    client.post(f"{path}/2/decline", headers=build.headers(acme))
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()

    assert [(e.action, e.partner_id, e.details.get("version")) for e in entries[-2:]] == [
        ("partnership.terms_proposed", northwind.id, "2"),
        ("partnership.terms_declined", acme.id, "2"),
    ]
    assert entries[-2].details["reward_value"] == "150.00"
    assert entries[-1].actor_type == "client"


def test_a_suspended_partner_can_neither_propose_nor_answer_terms(build, session, agreed):
    northwind, acme, partnership = agreed
    partnerships.propose_terms(
        session, partnership=partnership, partner_id=northwind.id, terms=TWENTY_PERCENT, actor=Actor.system()
    )
    acme.status = "suspended"

    with pytest.raises(NotAllowed):
        partnerships.answer_terms(
            session,
            partnership=partnership,
            partner_id=acme.id,
            version=2,
            answer="accept",
            actor=Actor.system(),
        )
