"""The demo's live loop leaves alone what a person just did."""

import random
from datetime import timedelta

from partnerhub import rerouting, simulation
from partnerhub.actors import Actor
from partnerhub.db import utcnow


def test_the_simulation_never_moves_a_handoff_a_person_moved_in_the_last_hour(build, session):
    sender, receiver = build.partner("Nordlicht"), build.partner("Montagewerk")
    rep = build.user(receiver, "rep")
    touched, untouched = build.handoff(sender, receiver), build.handoff(sender, receiver)
    now = utcnow()
    actor = Actor.user(partner_id=receiver.id, user_id=rep.id)
    an_hour_ago = now - timedelta(minutes=59)
    rerouting.move_handoff(session, handoff=touched, to="accepted", actor=actor, now=an_hour_ago)
    session.commit()

    within = simulation.advance_handoffs(session, rng=random.Random(1), now=now, limit=5)
    after = simulation.advance_handoffs(session, rng=random.Random(1), now=now + timedelta(hours=2), limit=5)

    assert within == [(untouched.id, "accepted")]
    assert (touched.id, "contacted") in after
