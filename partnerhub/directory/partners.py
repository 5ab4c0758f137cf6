"""The partner directory: who the partners are, what they sell, and how categories relate."""

from decimal import Decimal

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from partnerhub.core import audit, mail
from partnerhub.core.actors import Actor
from partnerhub.core.db import adopt, columns_of, utcnow
from partnerhub.core.errors import Conflict, InvalidInput, NotFound
from partnerhub.core.i18n import N_, phrase
from partnerhub.core.validation import Checks, in_whole_cents
from partnerhub.core.words import status_in_sentence
from partnerhub.models import Category, Complement, Partner, ProductLine, User

PROFILE_FIELDS = ("name", "business", "website", "regions", "contact_email", "country")
SIZE_FIELDS = ("sales_reps", "revenue_band", "monthly_leads")


def _ensure_name_free(session: Session, name: str, *, except_id: int | None = None) -> None:
    stmt = select(Partner.id).where(Partner.name == name)
    if except_id is not None:
        stmt = stmt.where(Partner.id != except_id)
    if session.scalar(stmt) is not None:
        raise Conflict(phrase("A partner named %(name)s already exists.", name=repr(name)))


# Declared revenue and won value are in the platform's currency; flags compare other currencies
# with the reported total.
DECLARED_CURRENCY = "EUR"
# (lowest, highest) of a partner's size figures.
SIZE_BOUNDS = {"sales_reps": (1, 100_000), "monthly_leads": (0, 10_000_000)}


def _checked(profile: dict, size: dict) -> tuple[dict, dict]:
    """The profile and size as they are kept (names and addresses trimmed), or InvalidInput."""
    checks = Checks()
    profile = dict(profile)
    if "name" in profile:
        profile["name"] = checks.name("name", profile["name"])
    if "website" in profile:
        profile["website"] = checks.website("website", profile["website"])
    if "contact_email" in profile:
        profile["contact_email"] = checks.email("contact_email", profile["contact_email"])
    for field, (low, high) in SIZE_BOUNDS.items():
        checks.number(f"size.{field}", size.get(field), low, high)
    checks.done()
    return profile, size


def register_partner(session: Session, *, name: str, size: dict | None = None, **profile) -> Partner:
    """Register a partner; it stays pending until an admin approves it."""
    profile, size = _checked({**profile, "name": name}, size or {})
    _ensure_name_free(session, profile["name"])
    partner = Partner(status="pending")
    _apply_profile(partner, profile, size)
    session.add(partner)
    session.flush()
    return partner


def update_profile(
    session: Session, *, partner: Partner, actor: Actor, origin: str = "", size: dict | None = None, **profile
) -> Partner:
    profile, size = _checked(profile, size or {})
    if "name" in profile:
        _ensure_name_free(session, profile["name"], except_id=partner.id)
    fields = [*PROFILE_FIELDS, *SIZE_FIELDS]
    before = {field: getattr(partner, field) for field in fields}
    _apply_profile(partner, profile, size)
    changed = {
        field: f"{_shown(before[field])} to {_shown(getattr(partner, field))}"
        for field in fields
        if before[field] != getattr(partner, field)
    }
    if changed:
        audit.record(
            session,
            actor=actor,
            action="profile.changed",
            partner_id=partner.id,
            target=partner.name,
            details=changed,
            origin=origin,
        )
    session.flush()
    return partner


def _shown(value) -> str:
    if isinstance(value, list):
        return ", ".join(value) or "none"
    return "none" if value in (None, "") else str(value)


def _apply_profile(partner: Partner, profile: dict, size: dict) -> None:
    for field in PROFILE_FIELDS:
        if field in profile:
            setattr(partner, field, profile[field])
    for field in SIZE_FIELDS:
        if field in size:
            setattr(partner, field, size[field])
    if "monthly_won_value" in size:
        partner.monthly_won_value = _declared_won_value(size["monthly_won_value"])


def _declared_won_value(money: dict | None) -> Decimal | None:
    """The won business a month a partner declares: agent_like's total when it exceeds what it reports."""
    if money is None:
        return None
    amount = Decimal(money["amount"])
    if money.get("currency", DECLARED_CURRENCY) != DECLARED_CURRENCY:
        raise InvalidInput(
            {
                "size.monthly_won_value.currency": [
                    f"declared in {DECLARED_CURRENCY}, the currency flags compare in"
                ]
            }
        )
    if amount < 0 or not in_whole_cents(amount):
        raise InvalidInput({"size.monthly_won_value.amount": [N_("must be zero or more, in whole cents")]})
    return amount


def find_partner(session: Session, ref: str | int) -> Partner:
    """A partner by id or exact name, as operators type it on the command line."""
    partner = None
    if isinstance(ref, int) or str(ref).isdigit():
        partner = session.get(Partner, int(ref))
    if partner is None:
        partner = session.scalar(select(Partner).where(Partner.name == str(ref)))
    if partner is None:
        raise NotFound(phrase("No partner %(id)s.", id=repr(ref)))
    return partner


def approve_partner(
    session: Session, *, partner: Partner, actor: Actor, origin: str = "", base_url: str = ""
) -> Partner:
    """Let a pending, suspended or rejected partner in; the first approval emails its managers."""
    if partner.status == "active":
        raise Conflict(phrase("%(partner)s is already active.", partner=partner.name))
    first = partner.approved_at is None
    before = partner.status
    partner.status = "active"
    partner.approved_at = partner.approved_at or utcnow()
    partner.rejection_reason = None
    audit.record(
        session,
        actor=actor,
        action="partner.approved",
        partner_id=partner.id,
        target=partner.name,
        details={"from": before},
        origin=origin,
    )
    if first:
        _email_managers(session, partner, kind="partner_approved", login_link=f"{base_url}/login")
    session.flush()
    return partner


def reject_partner(
    session: Session, *, partner: Partner, reason: str, actor: Actor, origin: str = ""
) -> Partner:
    """Turn a pending registration down, with the reason its managers are emailed."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput({"reason": [N_("say why, in a sentence the company will read")]})
    if partner.status != "pending":
        raise Conflict(
            phrase(
                "%(partner)s is %(status)s; only a pending registration can be rejected.",
                partner=partner.name,
                status=status_in_sentence(partner.status),
            )
        )
    partner.status = "rejected"
    partner.rejection_reason = reason
    audit.record(
        session,
        actor=actor,
        action="partner.rejected",
        partner_id=partner.id,
        target=partner.name,
        details={"reason": reason},
        origin=origin,
    )
    _email_managers(session, partner, kind="partner_rejected", reason=reason)
    session.flush()
    return partner


def suspend_partner(session: Session, *, partner: Partner, actor: Actor, origin: str = "") -> Partner:
    if partner.status != "active":
        raise Conflict(
            phrase(
                "%(partner)s is %(status)s; only an active partner can be suspended.",
                partner=partner.name,
                status=status_in_sentence(partner.status),
            )
        )
    partner.status = "suspended"
    audit.record(
        session,
        actor=actor,
        action="partner.suspended",
        partner_id=partner.id,
        target=partner.name,
        origin=origin,
    )
    session.flush()
    return partner


def managers_of(*partner_ids: int) -> Select:
    """The partners' active managers, first registered first."""
    return (
        select(User)
        .where(User.partner_id.in_(partner_ids), User.role == "manager", User.active)
        .order_by(User.id)
    )


def _email_managers(session: Session, partner: Partner, *, kind: str, **context) -> None:
    for manager in session.scalars(managers_of(partner.id)):
        mail.queue_email(
            session,
            to=manager.email,
            kind=kind,
            context={"company": partner.name, "name": manager.name, **context},
            partner_id=partner.id,
        )


def active_partners() -> Select:
    return select(Partner).where(Partner.status == "active").order_by(Partner.name)


def partners_by_status(status: str | None = None) -> Select:
    """Every partner, or those in one status, by name."""
    stmt = select(Partner).order_by(Partner.name)
    return stmt.where(Partner.status == status) if status else stmt


def count_partners_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(Partner.status, func.count()).group_by(Partner.status))
    return {status: count for status, count in rows}


# --- taxonomy -----------------------------------------------------------------


def categories(session: Session) -> list[Category]:
    return list(session.scalars(select(Category).order_by(Category.slug)))


def complements_by_category(session: Session) -> dict[int, list[Complement]]:
    result: dict[int, list[Complement]] = {}
    for comp in session.scalars(select(Complement).order_by(Complement.id)):
        result.setdefault(comp.category_id, []).append(comp)
    return result


# Built once, and read as a plain row: every lead taken in looks its need's category up.
_BY_SLUG = select(*columns_of(Category)).where(Category.slug == bindparam("slug"))


def category_by_slug(session: Session, slug: str, *, field: str | None = "category") -> Category:
    """The category a slug names; an unknown slug is a validation error on `field`, or, with no field
    (the slug names the object acted on, not a value given for it), not found."""
    # On the connection, which skips autoflush: a category added in this session is written first.
    session.flush()
    row = session.connection().execute(_BY_SLUG, {"slug": slug}).first()
    if row is None:
        if field is None:
            raise NotFound(phrase("No category %(id)s.", id=repr(slug)))
        raise InvalidInput({field: [phrase("unknown category %(slug)s", slug=repr(slug))]})
    return adopt(session, Category, row._mapping)


def add_category(
    session: Session, *, slug: str, name: str, actor: Actor, origin: str = "", parent: str | None = None
) -> Category:
    checks = Checks()
    # Never "" once done() passes: a missing or blank name is refused there.
    name = checks.name("name", name) or ""
    checks.done()
    if session.scalar(select(Category.id).where(Category.slug == slug)) is not None:
        raise Conflict(phrase("Category %(slug)s already exists.", slug=repr(slug)))
    category = Category(slug=slug, name=name)
    if parent:
        category.parent = category_by_slug(session, parent, field="parent")
    session.add(category)
    audit.record(
        session,
        actor=actor,
        action="category.added",
        partner_id=None,
        target=f"{name} ({slug})",
        details={"parent": parent} if parent else None,
        origin=origin,
    )
    session.flush()
    return category


def declare_complement(
    session: Session,
    *,
    category: str,
    complement: str,
    actor: Actor,
    origin: str = "",
    weight: float = 1.0,
    symmetric: bool = True,
) -> list[Complement]:
    """Declare that lines in `complement` help sell `category` (and back, when symmetric)."""
    checks = Checks()
    checks.number("weight", weight, 0, 1, above_low=True)
    checks.done()
    first = category_by_slug(session, category, field=None)
    second = category_by_slug(session, complement, field="complement")
    if first.id == second.id:
        # A valid request about two categories that happen to be one: the state refuses it, not the input.
        raise Conflict(N_("A category cannot complement itself."))
    pairs = [(first, second)] + ([(second, first)] if symmetric else [])
    rows = []
    for a, b in pairs:
        row = session.scalar(
            select(Complement).where(Complement.category_id == a.id, Complement.complement_id == b.id)
        )
        if row is None:
            row = Complement(category=a, complement=b)
            session.add(row)
        row.weight = weight
        rows.append(row)
    audit.record(
        session,
        actor=actor,
        action="complement.declared",
        partner_id=None,
        target=f"{complement} helps sell {category}",
        details={"weight": weight, "both_ways": symmetric},
        origin=origin,
    )
    session.flush()
    return rows


def remove_complement(
    session: Session, *, category: str, complement: str, actor: Actor, origin: str = ""
) -> None:
    first = category_by_slug(session, category, field=None)
    second = category_by_slug(session, complement, field=None)
    for a, b in ((first, second), (second, first)):
        row = session.scalar(
            select(Complement).where(Complement.category_id == a.id, Complement.complement_id == b.id)
        )
        if row is not None:
            session.delete(row)
    audit.record(
        session,
        actor=actor,
        action="complement.removed",
        partner_id=None,
        target=f"{complement} and {category}",
        origin=origin,
    )
    session.flush()


# --- product lines ------------------------------------------------------------


def product_lines_of(partner_id: int) -> Select:
    return select(ProductLine).where(ProductLine.partner_id == partner_id, ProductLine.archived_at.is_(None))


def get_product_line(session: Session, *, partner_id: int, line_id: int) -> ProductLine:
    """The partner's own live line; anyone else's is not found."""
    line = session.get(ProductLine, line_id)
    if line is None or line.partner_id != partner_id or line.archived_at is not None:
        raise NotFound(phrase("No product line %(id)s.", id=str(line_id)))
    return line


def add_product_line(session: Session, *, partner: Partner, category: str, **fields) -> ProductLine:
    line = ProductLine(partner=partner, category=category_by_slug(session, category))
    _apply_line(line, fields)
    session.add(line)
    session.flush()
    return line


def update_product_line(session: Session, *, line: ProductLine, **fields) -> ProductLine:
    if "category" in fields:
        line.category = category_by_slug(session, fields.pop("category"))
    _apply_line(line, fields)
    session.flush()
    return line


def _apply_line(line: ProductLine, fields: dict) -> None:
    for field in ("name", "description", "regions", "warmup_script"):
        if field in fields:
            setattr(line, field, fields[field])


def archive_product_line(session: Session, *, line: ProductLine) -> None:
    line.archived_at = utcnow()
    session.flush()
