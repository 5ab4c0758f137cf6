"""An owner for every handoff: the receiver's working rep with the fewest open handoffs, in turn,
reassigned only by the right people; and capacity counted per working rep."""

from itertools import count

import pytest
from sqlalchemy import select

from partnerhub.core.actors import Actor
from partnerhub.core.errors import InvalidInput, NotAllowed
from partnerhub.exchange import intake, rerouting
from partnerhub.models import Delivery
from partnerhub.people import assignment, team

NEED = "window-installation"
_phones = count(1000)


def _exchange(build, **receiver):
    sender = build.partner("Windows Co", lines=["windows"])
    fitter = build.partner("Fitters Co", lines=[NEED], **receiver)
    build.partnership(sender, fitter)
    return sender, fitter


def _lead(session, sender):
    return intake.take_lead(
        session,
        actor=Actor.client(partner_id=sender.id, client_id=None),
        contact={"phone": f"+49 30 {next(_phones)}"},
        need={"category": NEED},
        consent=True,
    )


def _open_for(build, sender, fitter, rep, n):
    for _ in range(n):
        handoff = build.handoff(sender, fitter)
        handoff.assignee_id = rep.id
    build.session.commit()


def test_a_new_handoff_goes_to_the_receivers_rep_with_the_fewest_open_handoffs(session, build):
    sender, fitter = _exchange(build)
    busy, free = build.user(fitter, "rep"), build.user(fitter, "rep")
    _open_for(build, sender, fitter, busy, 2)

    handoff = _lead(session, sender).handoffs[0]

    assert handoff.assignee_id == free.id
    assert handoff.assigned_at is not None


def test_equally_loaded_reps_take_new_handoffs_in_turn(session, build):
    sender, fitter = _exchange(build)
    reps = [build.user(fitter, "rep") for _ in range(3)]

    given = [_lead(session, sender).handoffs[0].assignee_id for _ in range(4)]

    assert given == [reps[0].id, reps[1].id, reps[2].id, reps[0].id]


def test_away_and_deactivated_reps_and_managers_get_no_new_handoff(session, build):
    sender, fitter = _exchange(build)
    build.user(fitter, "manager")
    away, gone, working = build.user(fitter, "rep"), build.user(fitter, "rep"), build.user(fitter, "rep")
    away.away, gone.active = True, False
    session.commit()

    assert {_lead(session, sender).handoffs[0].assignee_id for _ in range(3)} == {working.id}


def test_a_receiver_without_a_working_rep_holds_the_handoff_unassigned(session, build):
    sender, fitter = _exchange(build)
    away = build.user(fitter, "rep")
    away.away = True
    session.commit()

    assert _lead(session, sender).handoffs[0].assignee_id is None


def test_capacity_counts_open_handoffs_per_working_rep_not_the_declared_headcount(session, build):
    sender, fitter = _exchange(build, sales_reps=10)
    rep, away = build.user(fitter, "rep"), build.user(fitter, "rep")
    away.away = True
    _open_for(build, sender, fitter, rep, 15)

    lead = _lead(session, sender)

    assert lead.status == "unrouted"
    assert lead.reasons == ["Fitters Co: over capacity: 15 open handoffs for 1 sales reps (limit 15 per rep)"]


def _assigned(session, build):
    sender, fitter = _exchange(build)
    owner, other = build.user(fitter, "rep"), build.user(fitter, "rep")
    handoff = _lead(session, sender).handoffs[0]
    assert handoff.assignee_id == owner.id
    return sender, fitter, handoff, owner, other


def test_the_receivers_manager_or_the_assignee_reassigns_a_handoff(session, build):
    _sender, fitter, handoff, owner, other = _assigned(session, build)
    manager = build.user(fitter, "manager")

    assignment.reassign(
        session, handoff=handoff, user_id=other.id, actor=Actor.user(partner_id=fitter.id, user_id=owner.id)
    )
    assert handoff.assignee_id == other.id
    assignment.reassign(
        session, handoff=handoff, user_id=owner.id, actor=Actor.user(partner_id=fitter.id, user_id=manager.id)
    )
    assert handoff.assignee_id == owner.id


def test_neither_another_rep_nor_the_sender_can_reassign_a_handoff(session, build):
    sender, fitter, handoff, owner, other = _assigned(session, build)
    sender_rep = build.user(sender, "manager")

    with pytest.raises(NotAllowed):
        assignment.reassign(
            session,
            handoff=handoff,
            user_id=other.id,
            actor=Actor.user(partner_id=fitter.id, user_id=other.id),
        )
    with pytest.raises(NotAllowed):
        assignment.reassign(
            session,
            handoff=handoff,
            user_id=other.id,
            actor=Actor.user(partner_id=sender.id, user_id=sender_rep.id),
        )
    assert handoff.assignee_id == owner.id


def test_a_handoff_goes_only_to_an_active_rep_of_the_receiver(session, build):
    sender, fitter, handoff, owner, _other = _assigned(session, build)
    outsider = build.user(sender, "rep")
    manager = build.user(fitter, "manager")
    as_manager = Actor.user(partner_id=fitter.id, user_id=manager.id)

    for user_id in (outsider.id, manager.id, 10**6):
        with pytest.raises(InvalidInput) as refused:
            assignment.reassign(session, handoff=handoff, user_id=user_id, actor=as_manager)
        assert "user_id" in refused.value.errors
    assert handoff.assignee_id == owner.id


def test_an_away_reps_open_handoffs_go_to_a_working_colleague(session, build):
    _sender, fitter, handoff, owner, other = _assigned(session, build)
    manager = build.user(fitter, "manager")

    team.change_person(
        session, person=owner, actor=Actor.user(partner_id=fitter.id, user_id=manager.id), away=True
    )

    assert handoff.assignee_id == other.id


def test_a_deactivated_reps_open_handoffs_go_back_to_the_pool_when_nobody_else_works(session, build):
    _sender, fitter, handoff, owner, other = _assigned(session, build)
    manager = build.user(fitter, "manager")
    as_manager = Actor.user(partner_id=fitter.id, user_id=manager.id)
    team.change_person(session, person=other, actor=as_manager, away=True)

    team.change_person(session, person=owner, actor=as_manager, active=False)

    assert handoff.assignee_id is None


# --- decline means next ---------------------------------------------------------


def test_a_declined_handoff_routes_the_lead_to_the_next_partner_at_once_and_tells_both(session, build):
    sender = build.partner("Windows Co", lines=["windows"])
    first, second = (
        build.partner("First Fitters", lines=[NEED]),
        build.partner("Second Fitters", lines=[NEED]),
    )
    build.partnership(sender, first)
    build.partnership(sender, second)
    for partner in (sender, first, second):
        build.endpoint(partner)
    lead = _lead(session, sender)
    declined = lead.handoffs[0]
    decliner = declined.to_partner_id

    rerouting.move_handoff(
        session,
        handoff=declined,
        to="declined",
        actor=Actor.client(partner_id=decliner, client_id=None),
        reason="busy",
    )

    held = [h for h in lead.handoffs if h.status == "sent"]
    assert lead.status == "routed"
    assert [h.to_partner_id for h in held] == [({first.id, second.id} - {decliner}).pop()]
    told = {(d.partner_id, d.event_type) for d in session.scalars(select(Delivery))}
    assert (sender.id, "handoff.updated") in told
    assert (held[0].to_partner_id, "handoff.created") in told


def test_a_lead_declined_by_every_partner_is_unrouted_with_the_reason(session, build):
    sender, fitter = _exchange(build)
    lead = _lead(session, sender)

    rerouting.move_handoff(
        session,
        handoff=lead.handoffs[0],
        to="declined",
        actor=Actor.client(partner_id=fitter.id, client_id=None),
        reason="not our region",
    )

    assert lead.status == "unrouted"
    assert lead.reasons == ["Fitters Co: already held this lead"]


def test_a_recalled_lead_is_unrouted_until_its_sender_hands_it_off_again(session, build):
    sender, _fitter = _exchange(build)
    lead = _lead(session, sender)

    rerouting.move_handoff(
        session,
        handoff=lead.handoffs[0],
        to="recalled",
        actor=Actor.client(partner_id=sender.id, client_id=None),
    )

    assert lead.status == "unrouted"
    assert lead.reasons == ["Recalled from Fitters Co."]
