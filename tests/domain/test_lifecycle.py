"""The handoff state machine: the diagram, who moves what, rewards, expiry, and random walks through it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from partnerhub.core.actors import Actor
from partnerhub.core.db import utcnow
from partnerhub.core.errors import Conflict, InvalidInput, NotAllowed
from partnerhub.exchange import intake, lifecycle, rerouting
from partnerhub.models import Handoff, HandoffEvent
from partnerhub.models.handoff import HANDOFF_STATUSES

NEED = "window-installation"

# The diagram of DESIGN.md, written out once more by hand so the table in the code is checked against it.
DIAGRAM = {
    ("sent", "delivered"),
    ("delivered", "accepted"),
    ("accepted", "contacted"),
    ("contacted", "won"),
    ("won", "reward_invoiced"),
    ("reward_invoiced", "reward_paid"),
    ("reward_paid", "rep_paid"),
    ("accepted", "lost"),
    ("contacted", "lost"),
    ("sent", "declined"),
    ("delivered", "declined"),
    ("sent", "expired"),
    ("delivered", "expired"),
    ("sent", "recalled"),
    ("delivered", "recalled"),
}


def test_the_move_table_is_exactly_the_diagram():
    table = {(a, b) for a, moves in lifecycle.MOVES.items() if a for b in moves}

    assert table == DIAGRAM


@pytest.mark.parametrize(
    ("terms", "deal", "expected"),
    [
        (("percent", "10", "25"), "12345.67", ("1234.57", "308.64")),
        (("percent", "7.5", "33.33"), "0.10", ("0.01", "0.00")),
        (("fixed", "500", "10"), "1", ("500.00", "50.00")),
    ],
)
def test_the_reward_and_the_reps_share_are_exact_decimals(terms, deal, expected):
    kind, value, share = terms

    result = lifecycle.reward_for(
        deal_value=Decimal(deal),
        reward_type=kind,
        reward_value=Decimal(value),
        rep_share_percent=Decimal(share),
    )

    assert result == (Decimal(expected[0]), Decimal(expected[1]))


def _routed(session, build, *, sla_hours=48, now=None):
    sender = build.partner("Sender", lines=["windows"])
    fitter = build.partner("Fitter", lines=[NEED])
    build.partnership(sender, fitter, accept_sla_hours=sla_hours)
    lead = intake.take_lead(
        session,
        actor=Actor.system(sender.id),
        contact={"email": "ada@example.test"},
        need={"category": NEED},
        region="DE-BE",
        consent=True,
        now=now,
    )
    session.commit()
    return sender, fitter, lead.handoffs[0]


def test_a_move_by_the_wrong_side_is_refused_and_changes_nothing(session, build):
    sender, _fitter, handoff = _routed(session, build)

    with pytest.raises(NotAllowed):
        rerouting.move_handoff(
            session, handoff=handoff, to="delivered", actor=Actor.system(None).__class__("client", sender.id)
        )

    assert (handoff.status, handoff.version, len(handoff.events)) == ("sent", 1, 1)


def test_expiry_waits_for_the_sla(session, build):
    _sender, _fitter, handoff = _routed(session, build)

    with pytest.raises(Conflict):
        rerouting.move_handoff(session, handoff=handoff, to="expired", actor=Actor.system())


def test_an_overdue_handoff_expires_and_its_lead_goes_to_the_next_partner(session, build):
    start = utcnow()
    sender, _fitter, handoff = _routed(session, build, sla_hours=24, now=start)
    second = build.partner("Second", lines=[NEED])
    build.partnership(sender, second)

    early = rerouting.expire_overdue_handoffs(session, now=start + timedelta(hours=23))
    expired = rerouting.expire_overdue_handoffs(session, now=start + timedelta(hours=25))
    session.commit()

    assert early == []
    assert [h.id for h in expired] == [handoff.id]
    assert handoff.status == "expired"
    assert handoff.events[-1].actor_type == "system"
    assert [(h.to_partner.name, h.status) for h in handoff.lead.handoffs] == [
        ("Fitter", "expired"),
        ("Second", "sent"),
    ]


def test_a_lead_expired_everywhere_ends_unrouted(session, build):
    start = utcnow()
    _sender, _fitter, handoff = _routed(session, build, sla_hours=1, now=start)

    rerouting.expire_overdue_handoffs(session, now=start + timedelta(hours=2))

    assert handoff.lead.status == "unrouted"
    assert handoff.lead.reasons == ["Fitter: already held this lead"]


def test_a_suspended_receivers_handoff_still_expires_and_its_lead_goes_to_an_active_partner(session, build):
    start = utcnow()
    sender, fitter, handoff = _routed(session, build, sla_hours=24, now=start)
    build.partnership(sender, build.partner("Second", lines=[NEED]))
    fitter.status = "suspended"
    session.commit()

    rerouting.expire_overdue_handoffs(session, now=start + timedelta(hours=25))
    session.commit()

    assert [(h.to_partner.name, h.status) for h in handoff.lead.handoffs] == [
        ("Fitter", "expired"),
        ("Second", "sent"),
    ]


def test_won_without_a_deal_value_is_refused(session, build):
    _sender, fitter, handoff = _routed(session, build)
    receiver = Actor("client", fitter.id)
    for to in ("delivered", "accepted", "contacted"):
        rerouting.move_handoff(session, handoff=handoff, to=to, actor=receiver)

    with pytest.raises(InvalidInput):
        rerouting.move_handoff(session, handoff=handoff, to="won", actor=receiver)

    assert handoff.status == "contacted"


def test_a_deal_value_in_fractions_of_a_cent_is_refused_not_rounded(session, build):
    _sender, fitter, handoff = _routed(session, build)
    receiver = Actor("client", fitter.id)
    for to in ("delivered", "accepted", "contacted"):
        rerouting.move_handoff(session, handoff=handoff, to=to, actor=receiver)

    with pytest.raises(InvalidInput) as refused:
        rerouting.move_handoff(
            session, handoff=handoff, to="won", actor=receiver, deal_value=Decimal("1000.005")
        )

    assert "in whole cents" in refused.value.errors["deal_value.amount"][0]
    assert handoff.status == "contacted"
    assert handoff.deal_value is None


MOVE = st.tuples(
    st.sampled_from(HANDOFF_STATUSES),
    st.sampled_from(["sender", "receiver", "system"]),
    st.booleans(),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(MOVE, max_size=12))
def test_random_moves_never_leave_the_diagram_and_each_accepted_one_is_one_event(session, build, moves):
    sender = build.partner(lines=["windows"])
    fitter = build.partner(lines=[NEED])
    build.partnership(sender, fitter, accept_sla_hours=1)
    actors = {
        "sender": Actor("client", sender.id),
        "receiver": Actor("client", fitter.id),
        "system": Actor.system(),
    }
    lead = intake.take_lead(
        session, actor=actors["sender"], contact={"phone": "123"}, need={"category": NEED}, consent=True
    )
    handoff = lead.handoffs[0]
    later = utcnow() + timedelta(hours=2)
    path = [(None, "sent")]

    for to, who, with_fields in moves:
        before = (handoff.status, handoff.version)
        try:
            rerouting.move_handoff(
                session,
                handoff=handoff,
                to=to,
                actor=actors[who],
                deal_value=Decimal("1000") if with_fields else None,
                reason="no budget" if with_fields else None,
                now=later,
            )
        except (Conflict, NotAllowed, InvalidInput):
            assert (handoff.status, handoff.version) == before
            continue
        start = before[0]
        if start == "sent" and who == "receiver" and to in lifecycle.TAKES_DELIVERY:
            # Whoever acts on a handoff has it: delivered is recorded first.
            path.append(("sent", "delivered"))
            start = "delivered"
        assert (start, to) in DIAGRAM
        assert who in lifecycle.MOVES[start][to]
        path.append((start, to))

    events = session.scalars(
        select(HandoffEvent).where(HandoffEvent.handoff_id == handoff.id).order_by(HandoffEvent.id)
    )
    assert [(e.from_status, e.to_status) for e in events] == path
    assert handoff.version == len(path)
    # Expiry may have handed the lead on; whoever holds it now, only one does.
    holders = session.scalars(
        select(Handoff).where(
            Handoff.lead_id == lead.id, Handoff.status.not_in(("declined", "expired", "recalled"))
        )
    ).all()
    assert len(holders) <= 1
    session.rollback()
