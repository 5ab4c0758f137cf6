"""Believable traffic for the demo: buyers with needs, and receivers who answer the way real ones do.

The demo history and the `flask partnerhub simulate` loop both go through the
real intake, routing and lifecycle functions; only the choices (who asks for
what, who accepts, what a deal is worth) come from a seeded random generator.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerhub import intake, rerouting
from partnerhub.actors import Actor
from partnerhub.db import utcnow
from partnerhub.errors import DomainError
from partnerhub.models import Handoff, HandoffEvent, Lead, Partner, Partnership, ProductLine, User

FIRST_NAMES = [
    "Anna", "Jonas", "Lea", "Felix", "Marie", "Paul", "Sophie", "Lukas", "Emma", "Max", "Hannah",
    "Elias", "Mia", "Noah", "Lena", "Ben", "Clara", "Finn", "Ida", "Moritz", "Greta", "Tobias",
]  # fmt: skip
LAST_NAMES = [
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Schwarz", "Braun", "Zimmermann",
]  # fmt: skip
COMPANIES = [
    None, None, None, "Bäckerei Sonnenschein", "Hausverwaltung Spree", "Praxis am Park", "Autohaus Lindner",
    "Elektro Krause", "Kanzlei Berg", "Café Morgenrot", "Tischlerei Holzwurm", "Logistik Nord",
]  # fmt: skip
NEEDS = {
    "windows": ["Six old windows in a 1930s house, drafty in winter.", "New windows for a loft conversion."],
    "window-installation": [
        "Windows are bought, needs someone to fit them before winter.",
        "Replacing 12 windows in a rented flat block.",
    ],
    "doors": ["A secure front door for a terraced house."],
    "crm-software": [
        "Sales team of 8 working from spreadsheets.",
        "Wants a CRM their field staff can use on the phone.",
    ],
    "crm-support": ["Bought a CRM last year, nobody uses it.", "Needs data moved from the old CRM."],
    "accounting-software": [
        "Freelancer tired of paper receipts.",
        "Small firm wants bank sync and VAT returns.",
    ],
    "bookkeeping": [
        "Needs monthly bookkeeping and the annual accounts.",
        "Founded a GmbH, needs a tax adviser.",
    ],
    "kitchen-furniture": ["Planning a new kitchen for a family of five."],
    "kitchen-fitting": ["Kitchen delivered flat-packed, needs assembly and connection."],
    "solar-panels": ["Wants panels on a south-facing roof."],
    "roofing": ["Roof needs insulation before panels go on."],
}
# Deal values a won lead of each category is worth, in EUR.
DEAL_RANGE = {
    "windows": (4000, 25000),
    "window-installation": (1500, 9000),
    "doors": (1500, 6000),
    "crm-software": (3000, 20000),
    "crm-support": (4000, 30000),
    "accounting-software": (300, 2500),
    "bookkeeping": (1500, 6000),
    "kitchen-furniture": (8000, 30000),
    "kitchen-fitting": (1500, 5000),
}
SUBDIVISIONS = {"DE": ["DE-BE", "DE-HH", "DE-BY", "DE-NW", "DE-BW", "DE-BB"], "AT": ["AT-9"], "CH": ["CH-ZH"]}
LOST_REASONS = ["Chose a cheaper offer.", "Project postponed to next year.", "No budget after all."]
DECLINE_REASONS = ["No capacity this month.", "Outside our service area.", "Too small a job for us."]


@dataclass(frozen=True)
class Manner:
    """How a receiver answers its leads: shares of each fate and how fast it moves."""

    accept: float
    decline: float
    accept_hours: tuple[float, float]
    win: float
    pays_reward: float


MANNERS = {
    "steady": Manner(accept=0.85, decline=0.10, accept_hours=(1, 20), win=0.45, pays_reward=0.9),
    "slow": Manner(accept=0.65, decline=0.10, accept_hours=(20, 60), win=0.40, pays_reward=0.8),
    # Overwhelmed: most leads are never answered in time.
    "swamped": Manner(accept=0.35, decline=0.10, accept_hours=(10, 40), win=0.45, pays_reward=0.8),
    # Takes few leads, wins some and rarely pays the reward: the chain of doubt leaks.
    "leaky": Manner(accept=0.35, decline=0.55, accept_hours=(2, 20), win=0.55, pays_reward=0.2),
}


def contact(rng: random.Random, number: int) -> dict:
    """A buyer with a reachable address that is unique per number."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    slug = f"{first}.{last}".lower().replace("ü", "ue").replace("ö", "oe").replace("ä", "ae")
    return {
        "name": f"{first} {last}",
        "email": f"{slug}.{number}@buyers.example",
        "phone": f"+49 30 {rng.randint(1000000, 9999999)}",
        "company": rng.choice(COMPANIES),
    }


def region_for(rng: random.Random, regions: list[str]) -> str | None:
    """A buyer's region inside what a line serves."""
    if not regions:
        return None
    region = rng.choice(regions)
    return rng.choice(SUBDIVISIONS[region]) if region in SUBDIVISIONS else region


def need_for(rng: random.Random, category: str) -> dict:
    return {"category": category, "text": rng.choice(NEEDS.get(category, ["Wants an offer."]))}


def rep_actor(session: Session, partner_id: int) -> Actor:
    """One of the partner's people, as the actor of a move made on its side."""
    user_id = session.scalar(
        select(User.id).where(User.partner_id == partner_id, User.active.is_(True)).order_by(User.role.desc())
    )
    if user_id is None:
        return Actor.system(partner_id)
    return Actor.user(partner_id=partner_id, user_id=user_id)


def plan_fate(rng: random.Random, manner: Manner, *, category: str) -> list[tuple[str, float, dict]]:
    """The moves a handoff will make, each with the hours after sending and its arguments; [] expires."""
    roll = rng.random()
    hours = rng.uniform(*manner.accept_hours)
    if roll >= manner.accept + manner.decline:
        return []
    if roll >= manner.accept:
        return [("declined", hours, {"reason": rng.choice(DECLINE_REASONS)})]
    moves: list[tuple[str, float, dict]] = [
        ("accepted", hours, {}),
        ("contacted", hours + rng.uniform(4, 60), {}),
    ]
    decided = moves[-1][1] + rng.uniform(72, 600)
    if rng.random() >= manner.win:
        return [*moves, ("lost", decided, {"reason": rng.choice(LOST_REASONS)})]
    low, high = DEAL_RANGE.get(category, (1000, 10000))
    value = Decimal(rng.randrange(low, high, 50))
    moves.append(("won", decided, {"deal_value": value}))
    invoiced = decided + rng.uniform(24, 240)
    moves.append(("reward_invoiced", invoiced, {}))
    if rng.random() < manner.pays_reward:
        paid = invoiced + rng.uniform(72, 480)
        moves += [("reward_paid", paid, {}), ("rep_paid", paid + rng.uniform(24, 240), {})]
    return moves


def make_move(session: Session, handoff: Handoff, to: str, *, now: datetime, **arguments) -> Handoff:
    """Make the move as its side would: the sender invoices and pays its rep, the receiver does the rest."""
    side = handoff.from_partner_id if to in ("reward_invoiced", "rep_paid") else handoff.to_partner_id
    return rerouting.move_handoff(
        session, handoff=handoff, to=to, actor=rep_actor(session, side), now=now, **arguments
    )


# --- the live loop ---------------------------------------------------------------


@dataclass
class Tick:
    lead: Lead | None
    moved: list[tuple[int, str]]


def post_lead(session: Session, *, rng: random.Random, now: datetime) -> Lead | None:
    """A new lead from a random active partner, for a need one of its partners serves, routed as usual."""
    rows = session.execute(
        select(Partnership, ProductLine)
        .join(ProductLine, ProductLine.partner_id.in_((Partnership.proposer_id, Partnership.responder_id)))
        .join(Partner, Partner.id == ProductLine.partner_id)
        .where(Partnership.status == "active", ProductLine.archived_at.is_(None), Partner.status == "active")
        .order_by(Partnership.id, ProductLine.id)
    ).all()
    if not rows:
        return None
    partnership, line = rng.choice(rows)
    sender_id = partnership.other_side(line.partner_id)
    number = session.scalar(select(Lead.id).order_by(Lead.id.desc()).limit(1)) or 0
    return intake.take_lead(
        session,
        actor=rep_actor(session, sender_id),
        contact=contact(rng, number + 1),
        need=need_for(rng, line.category.slug),
        region=region_for(rng, line.regions or line.partner.regions),
        consent=True,
        source="web",
        now=now,
    )


# A person trying the demo sees their move stand: the loop waits this long after any move on a handoff.
QUIET_HOUR = timedelta(hours=1)
# The next step a busy partner takes on a handoff in each status, and the odds it takes it this tick.
NEXT_STEP = {
    "sent": "accepted",
    "delivered": "accepted",
    "accepted": "contacted",
    "reward_invoiced": "reward_paid",
}


def advance_handoffs(
    session: Session, *, rng: random.Random, now: datetime, limit: int = 3
) -> list[tuple[int, str]]:
    """Move a few open handoffs one step forward, as their partners would; a handoff moved in the
    last QUIET_HOUR (by a person trying the demo, or by the loop itself) is left as it is."""
    moved_lately = select(HandoffEvent.handoff_id).where(
        HandoffEvent.handoff_id == Handoff.id, HandoffEvent.at > now - QUIET_HOUR
    )
    open_ids = session.scalars(
        select(Handoff.id)
        .where(Handoff.status.in_((*NEXT_STEP, "contacted", "won", "reward_paid")), ~moved_lately.exists())
        .order_by(Handoff.id.desc())
        .limit(40)
    ).all()
    moved = []
    for handoff_id in rng.sample(list(open_ids), min(limit, len(open_ids))):
        handoff = session.get_one(Handoff, handoff_id)
        to = _next_step(rng, handoff.status)
        arguments: dict = {}
        if to == "won":
            low, high = DEAL_RANGE.get(
                handoff.lead.need_category.slug if handoff.lead.need_category else "", (1000, 9000)
            )
            arguments["deal_value"] = Decimal(rng.randrange(low, high, 50))
        elif to == "lost":
            arguments["reason"] = rng.choice(LOST_REASONS)
        try:
            with session.begin_nested():
                make_move(session, handoff, to, now=now, **arguments)
        except DomainError:
            continue
        moved.append((handoff.id, to))
    return moved


def _next_step(rng: random.Random, status: str) -> str:
    if status == "contacted":
        return "won" if rng.random() < 0.5 else "lost"
    if status == "won":
        return "reward_invoiced"
    if status == "reward_paid":
        return "rep_paid"
    return NEXT_STEP[status]


def tick(session: Session, *, rng: random.Random, now: datetime | None = None) -> Tick:
    """One beat of the living demo: a new lead arrives, and a few handoffs move on."""
    now = now or utcnow()
    lead = post_lead(session, rng=rng, now=now)
    return Tick(lead, advance_handoffs(session, rng=rng, now=now))
