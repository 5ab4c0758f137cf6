"""The filters every long list shares: search by contact, status, the other partner, a time window.

Search matches the beginning of the contact's name, company, email or phone (digits only),
whatever the case, so one index range on each answers it at a million rows; a partner's
lists are then read newest first from their (partner, id) indexes, a page at a time.

A page is picked among bare ids before what each row shows is joined in (`first`): joined
before the sort, the lead, its category and both partners would be read for every row the
filters match (two thousand for a common name at a million handoffs), not only for the page's.
"""

from datetime import datetime

from sqlalchemy import ColumnElement, Select, or_, select

from partnerhub import lifecycle
from partnerhub.intake import normalize_phone
from partnerhub.models import Handoff, Lead
from partnerhub.models.lead import search_text

# Fewer digits than this match too many phones to be what a person meant.
MIN_PHONE_DIGITS = 3
# Above every character: "anna" up to "anna" + this holds every text that begins with "anna".
_LAST_CHARACTER = "\U0010ffff"


def _begins_with(column, prefix: str) -> ColumnElement[bool]:
    return (column >= prefix) & (column < prefix + _LAST_CHARACTER)


def contact_matches(q: str) -> ColumnElement[bool]:
    """Leads whose contact name, company, email or phone begins with `q`, case aside."""
    text = search_text(q)
    matches = [
        _begins_with(Lead.contact_name_key, text),
        _begins_with(Lead.contact_company_key, text),
        _begins_with(Lead.contact_email_norm, text),
    ]
    digits = normalize_phone(q)
    if digits and len(digits) >= MIN_PHONE_DIGITS:
        matches.append(_begins_with(Lead.contact_phone_norm, digits))
    return or_(*matches)


def first(stmt: Select, id_column, *order, limit: int) -> Select:
    """`stmt` narrowed to its first `limit` rows in `order`, chosen by id alone; its loader options
    then join in what it shows for those rows only."""
    ids = stmt.with_only_columns(id_column).order_by(*order).limit(limit)
    return stmt.where(id_column.in_(ids.scalar_subquery())).order_by(*order)


def leads_of(
    partner_id: int,
    *,
    q: str | None = None,
    status: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select:
    """The partner's own leads narrowed by search, status and the time they came in."""
    stmt = select(Lead).where(Lead.partner_id == partner_id)
    if q and q.strip():
        stmt = stmt.where(contact_matches(q))
    if status:
        stmt = stmt.where(Lead.status == status)
    if since:
        stmt = stmt.where(Lead.created_at >= since)
    if until:
        stmt = stmt.where(Lead.created_at < until)
    return stmt


def handoffs_of(
    partner_id: int,
    *,
    direction: str | None = None,
    status: str | None = None,
    q: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    other_partner_id: int | None = None,
    assignee_id: int | None = None,
) -> Select:
    """Handoffs the partner sends or receives, narrowed by the lead's contact, status, the partner
    on the other side, the rep who owns them and the time they were sent."""
    stmt = lifecycle.handoffs_of(partner_id, direction=direction, status=status)
    if q and q.strip():
        stmt = stmt.where(Handoff.lead_id.in_(select(Lead.id).where(contact_matches(q))))
    if other_partner_id:
        stmt = stmt.where(
            or_(Handoff.to_partner_id == other_partner_id, Handoff.from_partner_id == other_partner_id)
        )
    if assignee_id:
        stmt = stmt.where(Handoff.assignee_id == assignee_id)
    if since:
        stmt = stmt.where(Handoff.sent_at >= since)
    if until:
        stmt = stmt.where(Handoff.sent_at < until)
    return stmt
