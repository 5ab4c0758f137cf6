"""A pending or suspended partner acts on nothing, whichever door its people or systems come by."""

import pytest
from sqlalchemy import func, select

from partnerhub.core.actors import Actor
from partnerhub.core.errors import NotAllowed
from partnerhub.exchange import intake, partnerships, rerouting, routing
from partnerhub.models import ApiClient, Handoff, HandoffEvent, Lead
from partnerhub.people import credentials

NEED = "window-installation"
NOT_ACTIVE = pytest.mark.parametrize("status", ["pending", "suspended"])

# The platform records the moves these tests make; who acts is in partner_id.
SYSTEM = Actor.system()


def _exchange(build):
    """A window maker and a fitter in an active partnership, the fitter holding one of its leads."""
    maker = build.partner("Maker", lines=["windows"])
    fitter = build.partner("Fitter", lines=[NEED])
    build.partnership(maker, fitter)
    return maker, fitter, build.handoff(maker, fitter)


def _set_status(session, partner, status):
    partner.status = status
    session.commit()


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


@NOT_ACTIVE
def test_a_partner_that_is_not_active_takes_in_no_lead(session, build, status):
    maker, _fitter, _handoff = _exchange(build)
    rep = build.user(maker, "rep")
    _set_status(session, maker, status)
    before = _count(session, Lead)

    with pytest.raises(NotAllowed, match="Maker"):
        intake.take_lead(
            session,
            actor=Actor.user(partner_id=maker.id, user_id=rep.id),
            contact={"email": "ada@example.test"},
            need={"category": NEED},
            consent=True,
        )

    session.rollback()
    assert _count(session, Lead) == before


@NOT_ACTIVE
def test_a_partner_that_is_not_active_hands_off_no_lead(session, build, status):
    maker, _fitter, _handoff = _exchange(build)
    build.partnership(maker, build.partner("Second fitter", lines=[NEED]))
    lead = build.lead(maker)
    rep = build.user(maker, "rep")
    _set_status(session, maker, status)

    with pytest.raises(NotAllowed):
        routing.hand_off_lead(session, lead=lead, actor=Actor.user(partner_id=maker.id, user_id=rep.id))

    session.rollback()
    assert session.scalars(select(Handoff).where(Handoff.lead_id == lead.id)).all() == []


@NOT_ACTIVE
def test_neither_side_of_a_handoff_moves_it_while_its_partner_is_not_active(session, build, status):
    maker, fitter, handoff = _exchange(build)
    _set_status(session, fitter, status)

    with pytest.raises(NotAllowed):
        rerouting.move_handoff(
            session, handoff=handoff, to="accepted", actor=Actor.client(partner_id=fitter.id, client_id=1)
        )
    session.rollback()
    _set_status(session, fitter, "active")
    _set_status(session, maker, status)
    with pytest.raises(NotAllowed):
        rerouting.move_handoff(session, handoff=handoff, to="recalled", actor=Actor.system(maker.id))

    session.rollback()
    assert (handoff.status, _count(session, HandoffEvent)) == ("sent", 0)


@NOT_ACTIVE
def test_a_partner_that_is_not_active_makes_no_partnership_move(session, build, status):
    proposer, invited = build.partner("Proposer"), build.partner("Invited")
    partnership = build.partnership(proposer, invited, status="proposed")
    _set_status(session, invited, status)

    with pytest.raises(NotAllowed, match="Invited"):
        partnerships.change_partnership(
            session, partnership=partnership, partner_id=invited.id, move="accept", actor=SYSTEM
        )
    with pytest.raises(NotAllowed, match="Invited"):
        partnerships.propose_partnership(
            session,
            proposer=invited,
            partner_id=build.partner().id,
            terms={"reward_type": "percent"},
            actor=SYSTEM,
        )

    session.rollback()
    assert partnership.status == "proposed"


def test_the_other_side_of_a_partnership_may_still_end_it_with_a_suspended_partner(session, build):
    ours, suspended = build.partner("Ours"), build.partner("Suspended", status="suspended")
    partnership = build.partnership(ours, suspended)

    partnerships.change_partnership(
        session, partnership=partnership, partner_id=ours.id, move="end", actor=SYSTEM
    )

    assert partnership.status == "ended"


@NOT_ACTIVE
def test_a_partner_that_is_not_active_is_issued_no_api_client(session, build, status):
    partner = build.partner(status=status)

    with pytest.raises(NotAllowed):
        credentials.create_api_client(session, partner=partner, hmac_key="a-server-key")

    session.rollback()
    assert _count(session, ApiClient) == 0
