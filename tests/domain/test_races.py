"""Races on PostgreSQL: two requests at once on the same handoff or lead, and exactly one wins."""

import os
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.extensions import db
from partnerhub.core.actors import Actor
from partnerhub.core.errors import DomainError
from partnerhub.exchange import intake, rerouting, routing
from partnerhub.models import Handoff, HandoffEvent, Lead

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not os.environ.get("PARTNERHUB_TEST_DATABASE_URL", "").startswith("postgresql"),
        reason="row locks need PostgreSQL; SQLite serialises every writer with BEGIN IMMEDIATE",
    ),
]
NEED = "window-installation"


def _race(app, work, n=2):
    """Run `work(session, i)` in n threads released together; each commits or rolls back on its own."""
    barrier = threading.Barrier(n)
    outcomes = [None] * n

    def run(i):
        with app.app_context(), Session(db.engine) as session:
            barrier.wait()
            try:
                work(session, i)
                session.commit()
                outcomes[i] = "won"
            except DomainError as exc:
                session.rollback()
                outcomes[i] = type(exc).__name__

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_two_moves_of_one_handoff_at_once_one_wins(app, session, build):
    sender = build.partner(lines=["windows"])
    fitter = build.partner(lines=[NEED])
    build.partnership(sender, fitter)
    lead = intake.take_lead(
        session,
        actor=Actor.system(sender.id),
        contact={"phone": "1234"},
        need={"category": NEED},
        consent=True,
    )
    receiver = Actor("client", fitter.id)
    rerouting.move_handoff(session, handoff=lead.handoffs[0], to="delivered", actor=receiver)
    handoff_id = lead.handoffs[0].id
    session.commit()

    def accept_or_decline(s, i):
        to, reason = [("accepted", None), ("declined", "full")][i]
        rerouting.move_handoff(s, handoff=s.get(Handoff, handoff_id), to=to, actor=receiver, reason=reason)

    outcomes = _race(app, accept_or_decline)

    events = session.scalar(
        select(func.count()).select_from(HandoffEvent).where(HandoffEvent.handoff_id == handoff_id)
    )
    handoff = session.get(Handoff, handoff_id)
    session.refresh(handoff)
    assert sorted(outcomes) == ["Conflict", "won"]
    assert events == 3
    assert handoff.version == 3


def test_two_routings_of_one_lead_at_once_make_one_handoff(app, session, build):
    sender = build.partner(lines=["windows"])
    for _ in range(2):
        build.partnership(sender, build.partner(lines=[NEED]))
    lead_id, sender_id = build.lead(sender, status="unrouted").id, sender.id

    outcomes = _race(
        app, lambda s, i: routing.hand_off_lead(s, lead=s.get(Lead, lead_id), actor=Actor.system(sender_id))
    )

    assert sorted(outcomes) == ["Conflict", "won"]
    assert session.scalar(select(func.count()).select_from(Handoff).where(Handoff.lead_id == lead_id)) == 1
