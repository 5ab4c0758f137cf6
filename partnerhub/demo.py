"""The demo exchange: a small, believable set of partners for a newcomer to explore.

Demo users and API clients get fixed, published credentials so the README's
commands work as written; they exist only in a database this module seeded.
"""

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from partnerhub import credentials, directory, partnerships
from partnerhub.models import ApiClient, Partner

DEMO_PASSWORD = "partnerhub-demo"

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


def has_data(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(Partner)) > 0


def seed(session: Session) -> dict:
    """Create the demo exchange; returns the logins and API clients it made."""
    for slug, name in CATEGORIES:
        directory.add_category(session, slug=slug, name=name)
    for category, complement, weight in COMPLEMENTS:
        directory.declare_complement(session, category=category, complement=complement, weight=weight)

    by_slug: dict[str, Partner] = {}
    logins, clients = [], []
    admin_email = "admin@partnerhub.example"
    credentials.create_user(
        session, email=admin_email, password=DEMO_PASSWORD, role="admin", partner=None, name="Operator"
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
        directory.approve_partner(session, partner=partner)
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
        for role in ("manager", "rep"):
            email = f"{role}@{slug}.example"
            credentials.create_user(
                session,
                email=email,
                password=DEMO_PASSWORD,
                role=role,
                partner=partner,
                name=f"{role.capitalize()} at {name}",
            )
            logins.append({"email": email, "role": role, "partner": name})
        client_id, secret = f"demo-{slug}", f"demo-secret-{slug}"
        session.add(
            ApiClient(
                partner=partner,
                client_id=client_id,
                secret_hash=credentials.hash_secret(secret),
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
        )
        if status == "active":
            partnerships.change_partnership(
                session, partnership=partnership, partner_id=by_slug[b].id, move="accept"
            )
    session.flush()
    return {"password": DEMO_PASSWORD, "logins": logins, "api_clients": clients}


def describe(result: dict) -> str:
    lines = [f"Demo exchange seeded. Every demo login's password: {result['password']}"]
    lines += [
        f"  {login['email']:<32} {login['role']:<8} {login['partner'] or ''}"
        for login in result["logins"][:5]
    ]
    lines.append(
        f"  ... and {len(result['logins']) - 5} more (manager@<partner>.example, rep@<partner>.example)"
    )
    lines.append("API clients:")
    lines += [
        f"  {c['client_id']:<22} {c['client_secret']:<28} {c['partner']}" for c in result["api_clients"]
    ]
    return "\n".join(lines)
