"""The routing decision at 10, 100 and 1,000 active partnerships: `python -m bench.routing`.

Two shapes of platform per size:
- "platform": the partnerships spread as they are in the field, every partner with
  PARTNERS_EACH partners of its own (a lead's candidates are the sender's partners
  with a fitting line, a few, whatever the platform's size);
- "one sender": the worst case, one sender partnered with everyone and every
  partnership a plausible candidate, so nothing can shrink the work.
Two numbers each: the pure decision (exclusions, scores, ranking over the
candidates' facts) and the whole decision from the database (gathering the facts
with their queries, then deciding), on SQLite and on PostgreSQL.
"""

import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from bench.common import fresh_database, machine, make_app, median
from partnerhub.core.db import utcnow
from partnerhub.exchange import rollups, routing
from partnerhub.models import Category, Complement, Handoff, Lead, Partner, Partnership, ProductLine

SIZES = (10, 100, 1000)
RUNS = 101
PARTNERS_EACH = 8


def _categories(session) -> tuple[Category, Category]:
    need, other = (
        Category(slug="installation", name="Installation"),
        Category(slug="cleaning", name="Cleaning"),
    )
    session.add_all([need, other])
    session.flush()
    session.add(Complement(category_id=need.id, complement_id=other.id, weight=0.8))
    return need, other


def _history(session, partnership: Partnership, need: Category, now) -> None:
    """Three past handoffs from the proposer to the responder: won, lost and one still open."""
    for j, status in enumerate(("won", "lost", "accepted")):
        lead = Lead(
            partner=partnership.proposer,
            contact_email=f"h{partnership.id}-{j}@x.test",
            contact_email_norm=f"h{partnership.id}-{j}@x.test",
            need_category=need,
            region="DE-BE",
            consent=True,
            status="routed",
        )
        accepted = now - timedelta(days=j)
        # The steps' times, which the rollups are rebuilt from.
        stamps = {"accepted_at": accepted}
        if status != "accepted":
            stamps |= {"contacted_at": accepted, f"{status}_at": accepted}
        session.add(
            Handoff(
                lead=lead,
                from_partner_id=partnership.proposer.id,
                to_partner_id=partnership.responder.id,
                partnership=partnership,
                status=status,
                sent_at=now - timedelta(days=j + 1),
                **stamps,
            )
        )


def _finish(session, lead: Lead) -> Lead:
    session.add(lead)
    session.flush()
    # Routing reads each partner's record from the rollups, kept by the lifecycle; here rebuilt.
    rollups.rebuild(session)
    session.commit()
    # What autovacuum would have done long before a platform had a thousand partnerships:
    # without statistics the planner takes each table for empty and nests loops over them.
    session.execute(text("ANALYZE"))
    session.commit()
    return lead


def _new_lead(sender: Partner, need: Category) -> Lead:
    return Lead(
        partner=sender,
        contact_email="new@x.test",
        contact_email_norm="new@x.test",
        need_category=need,
        region="DE-BE",
        consent=True,
    )


def _partner(session, i: int, need: Category, other: Category) -> Partner:
    """The i-th partner, of varied size, with a line in the need's category or the complementary one."""
    partner = Partner(
        name=f"P{i}", status="active", regions=["DE"], sales_reps=1 + i % 9, monthly_leads=10 * (1 + i % 7)
    )
    session.add(partner)
    session.add(
        ProductLine(partner=partner, category=need if i % 2 else other, regions=["DE"], warmup_script="x")
    )
    return partner


def _partner_up(session, proposer: Partner, responder: Partner, *, n: int, need: Category, now) -> None:
    """The n-th active partnership (every third without a monthly cap), with its history."""
    partnership = Partnership(
        proposer=proposer,
        responder=responder,
        pair_key=f"bench:{n}",
        status="active",
        monthly_cap=100 if n % 3 else None,
    )
    session.add(partnership)
    session.flush()
    _history(session, partnership, need, now)


def seed_platform(session, partnerships: int) -> Lead:
    """`partnerships` active partnerships among partners that have PARTNERS_EACH partners each."""
    need, other = _categories(session)
    now = utcnow()
    count = max(partnerships * 2 // PARTNERS_EACH, PARTNERS_EACH + 1)
    partners = [_partner(session, i, need, other) for i in range(count)]
    made = 0
    # Each partner with its next PARTNERS_EACH / 2 along a ring: PARTNERS_EACH partners each.
    for step in range(1, PARTNERS_EACH // 2 + 1):
        for i, partner in enumerate(partners):
            if made == partnerships:
                break
            _partner_up(session, partner, partners[(i + step) % count], n=made, need=need, now=now)
            made += 1
    return _finish(session, _new_lead(partners[0], need))


def seed_one_sender(session, partners: int) -> Lead:
    """A sender with `partners` active partnerships, half exact and half complementary, some history each."""
    need, other = _categories(session)
    sender = Partner(name="Sender", status="active", regions=["DE"], sales_reps=5, monthly_leads=50)
    session.add(sender)
    now = utcnow()
    for i in range(partners):
        _partner_up(session, sender, _partner(session, i, need, other), n=i, need=need, now=now)
    return _finish(session, _new_lead(sender, need))


SHAPES = (("platform", seed_platform), ("one sender", seed_one_sender))


def measure(fn) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return median(times)


def main() -> None:
    from api.extensions import db

    print(f"# routing decision — {machine()}")
    print(
        "| database | shape | active partnerships | candidates | pure decision, median ms "
        "| from the database, median ms |"
    )
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("sqlite", "postgresql"):
            for shape, seed in SHAPES:
                for size in SIZES:
                    app = make_app(fresh_database(kind, Path(tmp)), Path(tmp))
                    with app.app_context():
                        lead = seed(db.session, size)
                        now = utcnow()
                        candidates = routing.candidates_for(db.session, lead=lead, now=now)
                        pure = measure(lambda c=candidates: routing.decide(c))
                        full = measure(
                            lambda lead=lead, now=now: routing.decide(
                                routing.candidates_for(db.session, lead=lead, now=now)
                            )
                        )
                        print(f"| {kind} | {shape} | {size} | {len(candidates)} | {pure:.3f} | {full:.2f} |")
                        sys.stdout.flush()
                        db.session.remove()
                        db.engine.dispose()


if __name__ == "__main__":
    main()
