"""The routing decision at 10, 100 and 1,000 active partnerships: `python -m bench.routing`.

Two numbers per size: the pure decision (exclusions, scores, ranking over the
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
from partnerhub import routing
from partnerhub.db import utcnow
from partnerhub.models import Category, Complement, Handoff, Lead, Partner, Partnership, ProductLine

SIZES = (10, 100, 1000)
RUNS = 101


def seed(session, partners: int) -> Lead:
    """A sender with `partners` active partnerships, half exact and half complementary, some history each."""
    need, other = (
        Category(slug="installation", name="Installation"),
        Category(slug="cleaning", name="Cleaning"),
    )
    session.add_all([need, other])
    session.flush()
    session.add(Complement(category_id=need.id, complement_id=other.id, weight=0.8))
    sender = Partner(name="Sender", status="active", regions=["DE"], sales_reps=5, monthly_leads=50)
    session.add(sender)
    now = utcnow()
    for i in range(partners):
        partner = Partner(
            name=f"P{i}",
            status="active",
            regions=["DE"],
            sales_reps=1 + i % 9,
            monthly_leads=10 * (1 + i % 7),
        )
        session.add(partner)
        session.add(
            ProductLine(partner=partner, category=need if i % 2 else other, regions=["DE"], warmup_script="x")
        )
        partnership = Partnership(
            proposer=sender,
            responder=partner,
            pair_key=f"s:{i}",
            status="active",
            monthly_cap=100 if i % 3 else None,
        )
        session.add(partnership)
        session.flush()
        for j, status in enumerate(("won", "lost", "accepted")):
            lead = Lead(
                partner=sender,
                contact_email=f"h{i}-{j}@x.test",
                contact_email_norm=f"h{i}-{j}@x.test",
                need_category=need,
                region="DE-BE",
                consent=True,
                status="routed",
            )
            session.add(lead)
            session.flush()
            session.add(
                Handoff(
                    lead=lead,
                    from_partner_id=sender.id,
                    to_partner_id=partner.id,
                    partnership=partnership,
                    status=status,
                    sent_at=now - timedelta(days=j + 1),
                    accepted_at=now - timedelta(days=j),
                )
            )
    lead = Lead(
        partner=sender,
        contact_email="new@x.test",
        contact_email_norm="new@x.test",
        need_category=need,
        region="DE-BE",
        consent=True,
    )
    session.add(lead)
    session.commit()
    # What autovacuum would have done long before a real sender had a thousand partnerships:
    # without statistics the planner takes each table for empty and nests loops over them.
    session.execute(text("ANALYZE"))
    session.commit()
    return lead


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
        "| database | active partnerships | candidates | pure decision, median ms "
        "| from the database, median ms |"
    )
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("sqlite", "postgresql"):
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
                    print(f"| {kind} | {size} | {len(candidates)} | {pure:.3f} | {full:.2f} |")
                    sys.stdout.flush()
                    db.session.remove()
                    db.engine.dispose()


if __name__ == "__main__":
    main()
