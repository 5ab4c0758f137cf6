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
from sqlalchemy.orm import Session, aliased

from partnerhub.core.actors import Actor
from partnerhub.core.db import utcnow
from partnerhub.core.errors import Conflict, DomainError
from partnerhub.exchange import intake, lifecycle, rerouting, routing
from partnerhub.models import Handoff, HandoffEvent, Lead, Partner, Partnership, User
from partnerhub.reports.balance import DEFAULT_PERIOD_DAYS, Direction, direction_totals, period_start

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


def send_lead(
    session: Session, rng: random.Random, *, sender: Partner, receiver: Partner, now: datetime, number: int
) -> tuple[Lead, Handoff | None]:
    """A lead of `sender` for a need `receiver` serves, handed to `receiver` by one of the sender's
    people; the handoff is None when the receiver is at its cap or capacity (the lead stays)."""
    line = next(line for line in receiver.product_lines if line.archived_at is None)
    actor = rep_actor(session, sender.id)
    lead = intake.take_lead(
        session,
        actor=actor,
        contact=contact(rng, number),
        need=need_for(rng, line.category.slug),
        region=region_for(rng, line.regions),
        consent=True,
        source=rng.choice(("api", "api", "web")),
        route=False,
        now=now,
    )
    try:
        with session.begin_nested():
            handoff = routing.hand_off_lead(session, lead=lead, actor=actor, partner_id=receiver.id, now=now)
    except Conflict:
        return lead, None
    return lead, handoff


# --- the live loop ---------------------------------------------------------------
#
# The loop keeps the exchange's shape, so the flags the demo shows still stand while it lives:
# a new lead goes one way of a pair in proportion to what that way carried over the last
# SHAPE_DAYS (a one-sided pair stays one-sided, a dormant one quiet), and each handoff is
# answered with the odds its direction showed over ANSWER_DAYS (a leaky receiver keeps leaking).


@dataclass
class Tick:
    lead: Lead | None
    moved: list[tuple[int, str]]


# The recent past whose traffic the loop repeats: as long as a dormant pair must stay silent.
SHAPE_DAYS = 30
# The past whose answers the loop repeats: the flags' own period, so their rates hold.
ANSWER_DAYS = DEFAULT_PERIOD_DAYS
# A beat brings a new lead once the newest is this old: few enough that the receivers' answers
# (and so the flags) keep up, whatever the beat.
NEW_LEAD_EVERY = timedelta(minutes=2, seconds=30)


def shape(session: Session, *, now: datetime, days: int) -> dict[tuple[int, int], Direction]:
    """What each way of each active partnership carried in the last `days`, by (partnership id, sender id)."""
    proposer, responder = aliased(Partner), aliased(Partner)
    active = session.scalars(
        select(Partnership.id)
        .join(proposer, proposer.id == Partnership.proposer_id)
        .join(responder, responder.id == Partnership.responder_id)
        .where(Partnership.status == "active", proposer.status == "active", responder.status == "active")
    ).all()
    recent = direction_totals(session, start=period_start(now, days), partnership_ids=list(active))
    return {key: way for key, way in recent.items() if way.sent}


def post_lead(session: Session, *, rng: random.Random, now: datetime) -> Lead | None:
    """A new lead one way of an active partnership, that way chosen as often as it carried leads lately."""
    ways = list(shape(session, now=now, days=SHAPE_DAYS).values())
    if not ways:
        return None
    [way] = rng.choices(ways, weights=[w.sent for w in ways])
    number = session.scalar(select(Lead.id).order_by(Lead.id.desc()).limit(1)) or 0
    lead, _handoff = send_lead(
        session,
        rng,
        sender=session.get_one(Partner, way.from_partner_id),
        receiver=session.get_one(Partner, way.to_partner_id),
        now=now,
        number=number + 1,
    )
    return lead


# A person trying the demo sees their move stand: the loop waits this long after any move on a handoff.
QUIET_HOUR = timedelta(hours=1)
# Where a handoff stands when its partners may move it on: waiting, in progress, money to settle.
MOVABLE = ("sent", "delivered", "accepted", "contacted", "won", "reward_invoiced", "reward_paid")
# Odds for a way that has no record yet: a steady receiver's.
STEADY = MANNERS["steady"]


def _odds(counts: dict[str, int], part: str, *others: str, default: float) -> float:
    whole = counts[part] + sum(counts[o] for o in others)
    return counts[part] / whole if whole else default


def next_step(handoff: Handoff, way: Direction | None) -> tuple[str, dict] | None:
    """The step the handoff's partners take next, with its arguments, by the odds its way has shown
    lately; None when they leave it (a lead to expire, a reward unpaid). The handoff's own seeded
    dice decide, so asking again gives the same answer."""
    counts = (way or Direction(handoff.from_partner_id, handoff.to_partner_id)).counts
    accept, win, pay = (random.Random(handoff.id).random() for _ in range(3))
    status = handoff.status
    if status in lifecycle.AWAITING_ACCEPTANCE:
        accepts = _odds(counts, "accepted", "declined", "expired", default=STEADY.accept)
        declines = _odds(counts, "declined", "accepted", "expired", default=STEADY.decline)
        if accept < accepts:
            return "accepted", {}
        if accept < accepts + declines:
            return "declined", {"reason": DECLINE_REASONS[handoff.id % len(DECLINE_REASONS)]}
        return None
    if status == "accepted":
        return "contacted", {}
    if status == "contacted":
        if win < _odds(counts, "won", "lost", default=STEADY.win):
            category = handoff.lead.need_category.slug if handoff.lead.need_category else ""
            low, high = DEAL_RANGE.get(category, (1000, 9000))
            return "won", {"deal_value": Decimal(random.Random(handoff.id).randrange(low, high, 50))}
        return "lost", {"reason": LOST_REASONS[handoff.id % len(LOST_REASONS)]}
    if status == "won":
        return "reward_invoiced", {}
    if status == "reward_invoiced":
        invoiced = counts["reward_invoiced"]
        paid = counts["reward_paid"] / invoiced if invoiced else STEADY.pays_reward
        return ("reward_paid", {}) if pay < paid else None
    return "rep_paid", {}


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
        .where(Handoff.status.in_(MOVABLE), ~moved_lately.exists())
        .order_by(Handoff.id.desc())
        .limit(40)
    ).all()
    if not open_ids:
        return []
    ways = shape(session, now=now, days=ANSWER_DAYS)
    moved = []
    for handoff_id in rng.sample(list(open_ids), min(limit, len(open_ids))):
        handoff = session.get_one(Handoff, handoff_id)
        step = next_step(handoff, ways.get((handoff.partnership_id, handoff.from_partner_id)))
        if step is None:
            continue
        to, arguments = step
        try:
            with session.begin_nested():
                make_move(session, handoff, to, now=now, **arguments)
        except DomainError:
            continue
        moved.append((handoff.id, to))
    return moved


def tick(session: Session, *, rng: random.Random, now: datetime | None = None) -> Tick:
    """One beat of the living demo: a new lead when the last is NEW_LEAD_EVERY old, and a few
    handoffs move on."""
    now = now or utcnow()
    newest = session.scalar(select(Lead.created_at).order_by(Lead.id.desc()).limit(1))
    due = newest is None or newest <= now - NEW_LEAD_EVERY
    lead = post_lead(session, rng=rng, now=now) if due else None
    return Tick(lead, advance_handoffs(session, rng=rng, now=now))
