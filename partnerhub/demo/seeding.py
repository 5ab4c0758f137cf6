"""The demo exchange: a small, believable set of partners for a newcomer to explore.

Demo users and API clients get fixed, published credentials so the README's
commands work as written; they exist only in a database this module seeded.
"""

import heapq
import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from partnerhub.core.actors import Actor
from partnerhub.core.db import utcnow
from partnerhub.demo import simulation
from partnerhub.directory import partners as directory
from partnerhub.exchange import intake, partnerships, rerouting
from partnerhub.models import ApiClient, Partner, User
from partnerhub.people import credentials, team
from partnerhub.reports import flags

DEMO_PASSWORD = "partnerhub-demo"
# Every demo partner's colleagues beside rep@ and manager@: <first name>@<partner>.example.
DEMO_COLLEAGUES = (("Jonas", "Becker"), ("Mira", "Hoffmann"))

CATEGORIES = [
    ("windows", "Windows"),
    ("window-installation", "Window installation"),
    ("doors", "Doors"),
    ("crm-software", "CRM software"),
    ("crm-support", "CRM implementation and support"),
    ("accounting-software", "Accounting software"),
    ("bookkeeping", "Bookkeeping and tax services"),
    ("kitchen-furniture", "Kitchen furniture"),
    ("kitchen-fitting", "Kitchen fitting"),
    ("solar-panels", "Solar panels"),
    ("roofing", "Roofing"),
]

# (category, complement, weight): symmetric pairs. Doors next to windows is the
# weak case of law 1: same audience, but reps know nothing about doors.
COMPLEMENTS = [
    ("windows", "window-installation", 1.0),
    ("crm-software", "crm-support", 1.0),
    ("accounting-software", "bookkeeping", 1.0),
    ("kitchen-furniture", "kitchen-fitting", 1.0),
    ("solar-panels", "roofing", 0.8),
    ("windows", "doors", 0.3),
]

# slug, name, business, regions, (reps, revenue band, monthly leads), lines
PARTNERS = [
    (
        "nordlicht",
        "Nordlicht Fenster GmbH",
        "Manufactures PVC and wood-aluminium windows for homes and offices.",
        ["DE"],
        (40, "50m_250m", 400),
        [
            (
                "windows",
                "Triple-glazed PVC windows",
                "Uw 0.7 triple glazing cuts heating bills by up to a fifth; made to measure in 3 weeks; "
                "15-year warranty on profiles. Ask the buyer which rooms are coldest in winter.",
            )
        ],
    ),
    (
        "krueger",
        "Fensterbau Krüger",
        "Family joinery making wooden windows and doors in Berlin since 1962.",
        ["DE-BE", "DE-BB"],
        (6, "1m_10m", 60),
        [
            (
                "windows",
                "Wooden windows for listed buildings",
                "Pine and oak windows approved for listed buildings; we copy historic profiles exactly. "
                "Old buildings usually need the monument office's consent; we handle the paperwork.",
            ),
            ("doors", "Front doors", "Solid oak front doors with RC2 burglary protection."),
        ],
    ),
    (
        "montagewerk",
        "Montagewerk Berlin",
        "Installs windows and doors: removal, fitting, sealing, finishing.",
        ["DE-BE", "DE-BB"],
        (5, "1m_10m", 50),
        [
            (
                "window-installation",
                "Window fitting to RAL guidelines",
                "RAL-compliant three-level sealing so no damp gets into the wall; old windows removed and "
                "recycled the same day; a typical flat is done in one day without replastering.",
            )
        ],
    ),
    (
        "glasklar",
        "Glasklar Montage",
        "A one-man window fitting business.",
        ["DE-BE"],
        (1, "under_1m", 8),
        [
            (
                "window-installation",
                "Window replacement",
                "Small jobs welcome: single windows and balcony doors replaced within two weeks.",
            )
        ],
    ),
    (
        "pipeline",
        "Pipeline CRM",
        "Sells a cloud CRM for small and mid-sized B2B sales teams.",
        ["DE", "AT", "CH"],
        (12, "10m_50m", 150),
        [
            (
                "crm-software",
                "Pipeline CRM cloud",
                "Set up in a day, imports from Excel; pipeline board, e-mail sync and a phone app. "
                "Ask how many deals they lose because nobody followed up.",
            )
        ],
    ),
    (
        "kontakt360",
        "Kontakt360",
        "CRM for trades and field service companies.",
        ["DE", "AT"],
        (4, "1m_10m", 40),
        [
            (
                "crm-software",
                "Kontakt360 for trades",
                "Appointments, quotes and invoices in one app; works offline on site. "
                "Tradespeople save about four hours of paperwork a week.",
            )
        ],
    ),
    (
        "crmwerkstatt",
        "CRM Werkstatt",
        "Implements and supports CRM systems; trains sales teams.",
        ["DE"],
        (5, "1m_10m", 45),
        [
            (
                "crm-support",
                "CRM rollout and training",
                "Fixed-price rollout in four weeks: data migration, pipeline design and two training days. "
                "Most failed CRM projects fail on adoption; we train until the team uses it.",
            )
        ],
    ),
    (
        "adler",
        "Beratungshaus Adler",
        "Sales process consulting with CRM implementation.",
        ["DE-BY", "DE-BW"],
        (3, "1m_10m", 20),
        [
            (
                "crm-support",
                "Sales process and CRM setup",
                "We map the sales process first and configure the CRM to it, not the other way round.",
            )
        ],
    ),
    (
        "belegfix",
        "Belegfix",
        "Accounting software for freelancers and small firms.",
        ["DE"],
        (8, "10m_50m", 120),
        [
            (
                "accounting-software",
                "Belegfix online accounting",
                "Receipts photographed with the phone, bank sync, VAT return in three clicks; "
                "the accountant gets direct access, no more shoeboxes of paper.",
            )
        ],
    ),
    (
        "hoffmann",
        "Steuerkanzlei Hoffmann & Partner",
        "Tax advisors and bookkeeping for small businesses.",
        ["DE-BE", "DE-BB"],
        (4, "1m_10m", 30),
        [
            (
                "bookkeeping",
                "Bookkeeping and annual accounts",
                "Monthly bookkeeping at a fixed fee, annual accounts and tax returns; "
                "clients on digital receipts pay a third less.",
            )
        ],
    ),
    (
        "sommer",
        "Küchenhaus Sommer",
        "Kitchen studio with its own showroom in Hamburg.",
        ["DE-HH", "DE-SH"],
        (10, "10m_50m", 90),
        [
            (
                "kitchen-furniture",
                "Made-to-measure kitchens",
                "Planned in 3D with the customer in the showroom; German-made units with a 10-year warranty.",
            )
        ],
    ),
    (
        "kuechenmontage",
        "Küchenmontage Nord",
        "Fits kitchens: assembly, plumbing and electrics.",
        ["DE-HH", "DE-SH", "DE-NI"],
        (3, "under_1m", 25),
        [
            (
                "kitchen-fitting",
                "Kitchen assembly and connection",
                "Assembly, worktop cut-outs, water and electrics connected by certified fitters in two days.",
            )
        ],
    ),
]

# (a, b, reward type, value, rep share %, SLA hours, monthly cap, status)
PARTNERSHIPS = [
    ("nordlicht", "montagewerk", "percent", "5", "20", 48, None, "active"),
    ("nordlicht", "glasklar", "percent", "5", "20", 48, None, "active"),
    ("krueger", "montagewerk", "fixed", "150", "30", 24, 20, "active"),
    ("pipeline", "crmwerkstatt", "percent", "10", "25", 48, None, "active"),
    ("pipeline", "adler", "percent", "10", "25", 72, 10, "active"),
    ("kontakt360", "crmwerkstatt", "fixed", "200", "20", 48, None, "active"),
    ("belegfix", "hoffmann", "fixed", "100", "20", 48, None, "active"),
    ("sommer", "kuechenmontage", "percent", "3", "25", 24, None, "active"),
    ("krueger", "glasklar", "fixed", "80", "20", 48, None, "proposed"),
]


HISTORY_DAYS = 180
# (sender, receiver, handoffs, from and until how many days ago): shaped so each flag has a reason to fire.
FLOWS = [
    ("nordlicht", "montagewerk", 40, 180, 0),
    ("montagewerk", "nordlicht", 30, 180, 0),
    # Law 5: the big manufacturer swamps the one-man fitter (size mismatch, overloaded, leaky), whose
    # won business is then nearly all Nordlicht's (agent-like).
    ("nordlicht", "glasklar", 36, 180, 0),
    ("krueger", "montagewerk", 14, 180, 0),
    ("montagewerk", "krueger", 10, 180, 0),
    # One-sided: Pipeline sends many, CRM Werkstatt hardly any back.
    ("pipeline", "crmwerkstatt", 48, 180, 0),
    ("crmwerkstatt", "pipeline", 5, 180, 0),
    ("pipeline", "adler", 12, 180, 0),
    ("kontakt360", "crmwerkstatt", 12, 180, 0),
    ("crmwerkstatt", "kontakt360", 8, 180, 0),
    # Dormant: lively once, silent for the last ten weeks.
    ("belegfix", "hoffmann", 12, 180, 70),
    ("hoffmann", "belegfix", 8, 180, 70),
    # Leaky: Küchenmontage Nord takes few of Sommer's leads and rarely pays the reward.
    ("sommer", "kuechenmontage", 30, 180, 0),
    ("kuechenmontage", "sommer", 10, 180, 0),
]
# The flags FLOWS and MANNER are shaped to raise, as (kind, the partner it names, the other one):
# what the README promises a newcomer, and what the live loop (simulation.tick) keeps standing.
STORY_FLAGS = [
    ("size_mismatch", "nordlicht", "glasklar"),
    ("one_sided", "nordlicht", "glasklar"),
    ("overloaded", "glasklar", None),
    ("leaky", "glasklar", "nordlicht"),
    ("agent_like", "glasklar", "nordlicht"),
    ("one_sided", "pipeline", "crmwerkstatt"),
    ("dormant", "belegfix", "hoffmann"),
    ("leaky", "kuechenmontage", "sommer"),
    ("agent_like", "kuechenmontage", "sommer"),
]
# How each receiver answers; "steady" for anyone not named.
MANNER = {"glasklar": "swamped", "adler": "slow", "kuechenmontage": "leaky"}
# Sent in the last hours and not answered yet: what the demo reps find in their inbox.
FRESH = [("nordlicht", "montagewerk", 3), ("krueger", "montagewerk", 1), ("pipeline", "crmwerkstatt", 2)]
# Leads a rep noted but has not handed off yet: the Hand off button's first customers.
WAITING = [("nordlicht", "window-installation", "DE-BE"), ("nordlicht", "window-installation", "DE-BB")]


def has_data(session: Session) -> bool:
    return session.execute(select(func.count()).select_from(Partner)).scalar_one() > 0


class _Seeding(TypedDict):
    actor: Actor
    origin: str


# The demo is seeded from the command line, by the platform: so its audit log says.
_SEEDING: _Seeding = {"actor": Actor.system(), "origin": "cli"}


def seed(
    session: Session, *, hmac_key: str, base_url: str, now: datetime | None = None, history: bool = True
) -> dict:
    """Create the demo exchange with months of history; returns the logins and API clients it made.

    `hmac_key` is the server's key for client secrets (`credentials.hash_client_secret`); `base_url`
    is where the pages are served, for the links in the colleagues' invitation emails.
    """
    now = now or utcnow()
    began = now - timedelta(days=HISTORY_DAYS + 10)
    for slug, name in CATEGORIES:
        directory.add_category(session, slug=slug, name=name, **_SEEDING)
    for category, complement, weight in COMPLEMENTS:
        directory.declare_complement(
            session, category=category, complement=complement, weight=weight, **_SEEDING
        )

    by_slug: dict[str, Partner] = {}
    logins, clients = [], []
    admin_email = "admin@partnerhub.example"
    # Every demo login shares the published password: hashing it once saves seconds of argon2.
    password_hash = credentials.hash_password(DEMO_PASSWORD)
    credentials.create_user(
        session,
        email=admin_email,
        password=DEMO_PASSWORD,
        role="admin",
        partner=None,
        name="Operator",
        password_hash=password_hash,
    )
    logins.append({"email": admin_email, "role": "admin", "partner": None})
    for slug, name, business, regions, (reps, band, leads), lines in PARTNERS:
        partner = directory.register_partner(
            session,
            name=name,
            business=business,
            regions=regions,
            contact_email=f"partners@{slug}.example",
            size={"sales_reps": reps, "revenue_band": band, "monthly_leads": leads},
        )
        directory.approve_partner(session, partner=partner, **_SEEDING)
        for category, line_name, script in lines:
            directory.add_product_line(
                session,
                partner=partner,
                category=category,
                name=line_name,
                description=line_name,
                regions=regions,
                warmup_script=script,
            )
        people = {}
        for role in ("manager", "rep"):
            email = f"{role}@{slug}.example"
            people[role] = credentials.create_user(
                session,
                email=email,
                password=DEMO_PASSWORD,
                role=role,
                partner=partner,
                name=f"{role.capitalize()} at {name}",
                password_hash=password_hash,
            )
            logins.append({"email": email, "role": role, "partner": name})
        logins += _colleagues(session, people["manager"], base_url=base_url, password_hash=password_hash)
        client_id, secret = f"demo-{slug}", f"demo-secret-{slug}"
        session.add(
            ApiClient(
                partner=partner,
                client_id=client_id,
                secret_hash=credentials.hash_client_secret(secret, key=hmac_key),
                scopes=list(credentials.ALL_PARTNER_SCOPES),
                name="demo",
            )
        )
        clients.append({"partner": name, "client_id": client_id, "client_secret": secret})
        by_slug[slug] = partner
    session.flush()

    for a, b, reward_type, value, share, sla, cap, status in PARTNERSHIPS:
        partnership = partnerships.propose_partnership(
            session,
            proposer=by_slug[a],
            partner_id=by_slug[b].id,
            terms={
                "reward_type": reward_type,
                "reward_value": Decimal(value),
                "rep_share_percent": Decimal(share),
                "accept_sla_hours": sla,
                "monthly_cap": cap,
            },
            **_SEEDING,
        )
        if status == "active":
            partnerships.change_partnership(
                session, partnership=partnership, partner_id=by_slug[b].id, move="accept", **_SEEDING
            )
            # The demo's partnerships began before its history.
            partnership.created_at = partnership.activated_at = began
    session.flush()
    if history:
        play_history(session, by_slug=by_slug, now=now)
        flags.refresh_flags(session, now=now)
    return {"password": DEMO_PASSWORD, "logins": logins, "api_clients": clients}


def _colleagues(session: Session, manager: User, *, base_url: str, password_hash: str) -> list[dict]:
    """More reps, who join the way anyone does: the manager invites them and they accept the link."""
    slug = manager.email.split("@")[1].removesuffix(".example")
    partner = manager.partner
    assert partner is not None, "a partner's manager"
    joined = []
    for first, last in DEMO_COLLEAGUES:
        invitation = team.invite(
            session,
            partner=partner,
            email=f"{first.lower()}@{slug}.example",
            role="rep",
            actor=Actor.user(partner_id=partner.id, user_id=manager.id),
            base_url=base_url,
            origin="demo",
        )
        person = team.accept_invitation(
            session,
            token=invitation.token,
            name=f"{first} {last}",
            password=DEMO_PASSWORD,
            password_hash=password_hash,
        )
        joined.append({"email": person.email, "role": person.role, "partner": partner.name})
    return joined


def play_history(session: Session, *, by_slug: dict[str, Partner], now: datetime) -> int:
    """Play FLOWS through intake, routing and the lifecycle with a clock that runs up to `now`.

    Events run in time order, so every routing sees the state of its moment; the
    SLA expiry job runs at each deadline and routes the expired lead again, as the
    worker would. Moves that would fall after `now` are left for the receivers to make.
    Returns how many handoffs were made.
    """
    rng = random.Random(7)
    slug_of = {p.id: slug for slug, p in by_slug.items()}
    events: list[tuple[datetime, int, str, tuple]] = []
    order = iter(range(10**9))

    def at(when: datetime, kind: str, *args) -> None:
        if when <= now:
            heapq.heappush(events, (when, next(order), kind, args))

    for sender, receiver, count, since_days, until_days in FLOWS:
        span = (since_days - until_days) * 86400
        for _ in range(count):
            at(
                now - timedelta(days=since_days) + timedelta(seconds=rng.uniform(0, span)),
                "send",
                sender,
                receiver,
            )
    for sender, receiver, count in FRESH:
        for _ in range(count):
            at(now - timedelta(hours=rng.uniform(1, 20)), "send", sender, receiver, False)

    def plan(handoff) -> None:
        manner = simulation.MANNERS[MANNER.get(slug_of[handoff.to_partner_id], "steady")]
        moves = simulation.plan_fate(rng, manner, category=handoff.lead.need_category.slug)
        for to, hours, arguments in moves:
            at(handoff.sent_at + timedelta(hours=hours), "move", handoff, to, arguments)
        if not moves:
            at(handoff.sla_due_at + timedelta(minutes=5), "expire")

    made = 0
    while events:
        when, _, kind, args = heapq.heappop(events)
        if kind == "send":
            sender, receiver, *answered = args
            _lead, handoff = simulation.send_lead(
                session, rng, sender=by_slug[sender], receiver=by_slug[receiver], now=when, number=made
            )
            if handoff is not None:
                made += 1
                if not answered:
                    plan(handoff)
        elif kind == "move":
            handoff, to, arguments = args
            simulation.make_move(session, handoff, to, now=when, **arguments)
        else:
            for expired in rerouting.expire_overdue_handoffs(session, now=when):
                again = next((h for h in expired.lead.handoffs if h.status == "sent"), None)
                if again is not None:
                    made += 1
                    plan(again)
    _note_waiting_leads(session, rng, by_slug, now=now)
    return made


def _note_waiting_leads(
    session: Session, rng: random.Random, by_slug: dict[str, Partner], *, now: datetime
) -> None:
    for i, (sender, category, region) in enumerate(WAITING):
        intake.take_lead(
            session,
            actor=simulation.rep_actor(session, by_slug[sender].id),
            contact=simulation.contact(rng, 10**6 + len(by_slug) + i),
            need=simulation.need_for(rng, category),
            region=region,
            consent=True,
            source="web",
            route=False,
            now=now - timedelta(hours=rng.uniform(1, 5)),
        )


def describe(result: dict) -> str:
    lines = [f"Demo exchange seeded. Every demo login's password: {result['password']}"]
    lines += [
        f"  {login['email']:<32} {login['role']:<8} {login['partner'] or ''}"
        for login in result["logins"][:5]
    ]
    lines.append(
        f"  ... and {len(result['logins']) - 5} more (manager@, rep@, jonas@ and mira@<partner>.example)"
    )
    lines.append("API clients:")
    lines += [
        f"  {c['client_id']:<22} {c['client_secret']:<28} {c['partner']}" for c in result["api_clients"]
    ]
    return "\n".join(lines)
