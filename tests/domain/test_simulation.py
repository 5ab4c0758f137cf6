"""The demo's live loop leaves alone what a person just did, and keeps the story the demo tells."""

import random
import re
from datetime import timedelta

from sqlalchemy import func, select

from partnerhub.core.actors import Actor
from partnerhub.core.db import utcnow
from partnerhub.demo import seeding as demo
from partnerhub.demo import simulation
from partnerhub.exchange import rerouting
from partnerhub.models import Flag, HandoffEvent, Lead, Partner
from partnerhub.reports import flags

# How often `flask partnerhub simulate` beats under `make run` (its --interval, SIMULATE_INTERVAL).
BEAT = timedelta(seconds=5)


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


def _standing(session, now) -> dict[tuple[str, str, str | None], str]:
    """The sentence of each flag standing over the default period now, by kind and the slugs it names."""
    slug = {
        p.id: p.contact_email.split("@")[1].removesuffix(".example") for p in session.scalars(select(Partner))
    }
    flags.refresh_flags(session, now=now)
    session.commit()
    return {
        (f.kind, slug[f.partner_id], slug.get(f.other_partner_id)): f.sentence
        for f in session.scalars(select(Flag).where(Flag.cleared_at.is_(None)))
    }


def _story(standing: dict) -> dict:
    # A dormant pair is named in either order.
    story = {}
    for kind, one, other in demo.STORY_FLAGS:
        either = [(kind, one, other), (kind, other, one)] if kind == "dormant" else [(kind, one, other)]
        story[(kind, one, other)] = next((standing[k] for k in either if k in standing), None)
    return story


def test_the_flags_the_demo_is_shaped_to_show_still_stand_after_an_hour_of_simulation(session):
    seeded_at = utcnow()
    demo.seed(session, hmac_key="test-key", base_url="http://demo.test", now=seeded_at)
    session.commit()
    before = _story(_standing(session, seeded_at))
    leads, events = (session.scalar(select(func.count()).select_from(m)) for m in (Lead, HandoffEvent))
    rng = random.Random(19)

    for beat in range(1, int(timedelta(hours=1) / BEAT) + 1):
        simulation.tick(session, rng=rng, now=seeded_at + beat * BEAT)
        session.commit()
    after = _story(_standing(session, seeded_at + timedelta(hours=1)))

    assert session.scalar(select(func.count()).select_from(Lead)) > leads
    assert session.scalar(select(func.count()).select_from(HandoffEvent)) > events
    assert [flag for flag, sentence in before.items() if sentence is None] == []
    assert [flag for flag, sentence in after.items() if sentence is None] == []
    # Each still says what it found in numbers, as the page shows it.
    assert [flag for flag, sentence in after.items() if not re.search(r"\d", sentence)] == []
