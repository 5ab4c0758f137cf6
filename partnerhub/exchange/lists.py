"""The filters every long list shares: search by contact, status, the other partner, a time window.

Search matches the beginning of the contact's name, company, email or phone (digits only),
whatever the case, so an index range answers it at a million rows: the partner's own leads are
found in the leads' contact indexes (each carries the lead's partner and id; each range read
alone, UNION ALL, as one condition ORing them made PostgreSQL visit each row in the table), its
handoffs in their own key table (search_keys). The operator's lists (every partner, every
delivery, every notice) take the same filters over the whole platform, searched by the beginning
of a partner's name or address.

A page is picked among bare ids before what each row shows is joined in (`first`): joined
before the sort, the lead, its category and both partners would be read for every row the
filters match (two thousand for a common name at a million handoffs), not only for the page's.

How a search finds its rows depends on how many it matches (`search` counts them, up to a
point). Few ("Greta Wolf"): the matches are read from their index range, sorted, and the page's
rows looked up. Many (a first name, "Greta"): reading the list in its own order and checking each
row's lead fills a page long before the matches are gathered; gathered anyway, "Greta" at a
million handoffs cost the handoffs API 140 ms and the inbox 1.8 s.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, CompoundSelect, Select, func, or_, select, union_all
from sqlalchemy.orm import Session

from partnerhub.exchange import follow_ups, lifecycle, search_keys
from partnerhub.models import Delivery, FollowUp, Handoff, Lead, Notice, Partner

# Up to this many matches, a search gathers them first: at most this many rows of an index range,
# sorted, and the page's rows looked up.
FEW_MATCHES = 5000


def contact_matches(q: str, partner_id: int) -> CompoundSelect:
    """Ids of the partner's leads whose contact name, company, email or phone begins with `q`, case
    aside; a lead matching twice is there twice, which `IN` does not mind."""
    mine = Lead.partner_id == partner_id
    return union_all(*(select(Lead.id).where(mine, match) for match in search_keys.lead_conditions(q)))


@dataclass(frozen=True)
class Search:
    """What a person typed to search a list by contact, and whether few rows match it."""

    text: str
    few: bool


def search(
    session: Session, q: str | None, *, partner_id: int, of: type[Lead] | type[Handoff]
) -> Search | None:
    """The search `q` asks of the partner's leads or handoffs (None for none), its matches counted up
    to FEW_MATCHES + 1."""
    if not q or not q.strip():
        return None
    found = contact_matches(q, partner_id) if of is Lead else search_keys.matching(q, partner_id)
    counted = select(func.count()).select_from(found.limit(FEW_MATCHES + 1).subquery())
    return Search(q, few=session.scalars(counted).one() <= FEW_MATCHES)


def _lead_matches(q: Search, lead_id) -> ColumnElement[bool]:
    """The row whose lead is `lead_id` has a contact beginning with the search, checked on the lead."""
    return select(Lead.id).where(Lead.id == lead_id, or_(*search_keys.lead_conditions(q.text))).exists()


def first(stmt: Select, id_column, *order, limit: int) -> Select:
    """`stmt`'s first `limit` rows in `order`, chosen by id alone; its loader options then join in
    what it shows for those rows only. The rows are read by id without `stmt`'s filters again: the
    planner cannot tell a search repeated there matches the ids anyway, and read its every match
    twice, the second time whole."""
    ids = stmt.with_only_columns(id_column).order_by(*order).limit(limit)
    entity = stmt.column_descriptions[0]["entity"]
    # SQLAlchemy has no public reader of a statement's options; they are only loader options here.
    shown = select(entity).options(*stmt._with_options)
    return shown.where(id_column.in_(ids.scalar_subquery())).order_by(*order)


def leads_of(
    partner_id: int,
    *,
    q: Search | None = None,
    status: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select:
    """The partner's own leads narrowed by search (`search`), status and the time they came in."""
    stmt = select(Lead).where(Lead.partner_id == partner_id)
    if q and q.few:
        found = search_keys.newest_first(contact_matches(q.text, partner_id))
        stmt = stmt.join(found, found.c.id == Lead.id)
    elif q:
        stmt = stmt.where(or_(*search_keys.lead_conditions(q.text)))
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
    q: Search | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    other_partner_id: int | None = None,
    assignee_id: int | None = None,
) -> Select:
    """Handoffs the partner sends or receives, narrowed by the lead's contact (`search`), status, the
    partner on the other side, the rep who owns them and the time they were sent."""
    stmt = lifecycle.handoffs_of(partner_id, direction=direction, status=status)
    if q and q.few:
        found = search_keys.newest_first(search_keys.matching(q.text, partner_id))
        stmt = stmt.join(found, found.c.id == Handoff.id)
    elif q:
        # As its keys do, a recalled handoff's contact no longer finds it for the receiver.
        stmt = stmt.where(_lead_matches(q, Handoff.lead_id), ~lifecycle.withheld_from(partner_id))
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


def _window(stmt: Select, column, since: datetime | None, until: datetime | None) -> Select:
    if since:
        stmt = stmt.where(column >= since)
    if until:
        stmt = stmt.where(column < until)
    return stmt


def _starts_with_any_case(column, q: str) -> ColumnElement[bool]:
    return func.lower(column).startswith(q.strip().lower(), autoescape=True)


def partner_matches(q: str) -> ColumnElement[bool]:
    """Partners whose name or contact email begins with `q`, case aside."""
    return or_(_starts_with_any_case(Partner.name, q), _starts_with_any_case(Partner.contact_email, q))


def partners_listed(
    *,
    q: str | None = None,
    status: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select:
    """Every partner, for the operator: by the beginning of its name or email, its status and when it
    registered."""
    stmt = select(Partner)
    if q and q.strip():
        stmt = stmt.where(partner_matches(q))
    if status:
        stmt = stmt.where(Partner.status == status)
    return _window(stmt, Partner.created_at, since, until)


def deliveries_listed(
    *,
    q: str | None = None,
    status: str | None = None,
    partner_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select:
    """Every partner's webhook deliveries, for the operator: by the beginning of the partner's name or
    email, the delivery's status, the partner and when it was written."""
    stmt = select(Delivery)
    if q and q.strip():
        stmt = stmt.where(Delivery.partner_id.in_(select(Partner.id).where(partner_matches(q))))
    if status:
        stmt = stmt.where(Delivery.status == status)
    if partner_id:
        stmt = stmt.where(Delivery.partner_id == partner_id)
    return _window(stmt, Delivery.created_at, since, until)


def notices_listed(
    *,
    q: str | None = None,
    partner_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select:
    """Every partner's notices, for the operator: by the beginning of the partner's name or email or
    of the notice's subject, the partner and when it was left."""
    stmt = select(Notice)
    if q and q.strip():
        stmt = stmt.where(
            or_(
                Notice.partner_id.in_(select(Partner.id).where(partner_matches(q))),
                _starts_with_any_case(Notice.subject, q),
            )
        )
    if partner_id:
        stmt = stmt.where(Notice.partner_id == partner_id)
    return _window(stmt, Notice.created_at, since, until)


def follow_ups_of(
    partner_id: int,
    *,
    direction: str | None = None,
    status: str | None = None,
    q: Search | None = None,
    other_partner_id: int | None = None,
    assignee_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select:
    """Follow-ups of the partner's won handoffs narrowed by the customer's contact (`search`), status,
    the partner on the other side, the rep who owns the handoff and the time they fall due."""
    stmt = follow_ups.follow_ups_of(partner_id, direction=direction, status=status)
    if q or assignee_id:
        stmt = stmt.join(Handoff, Handoff.id == FollowUp.handoff_id)
    if q and q.few:
        stmt = stmt.where(Handoff.id.in_(search_keys.matching(q.text, partner_id)))
    elif q:
        stmt = stmt.where(_lead_matches(q, Handoff.lead_id))
    if assignee_id:
        stmt = stmt.where(Handoff.assignee_id == assignee_id)
    if other_partner_id:
        stmt = stmt.where(
            or_(FollowUp.to_partner_id == other_partner_id, FollowUp.from_partner_id == other_partner_id)
        )
    if since:
        stmt = stmt.where(FollowUp.due_at >= since)
    if until:
        stmt = stmt.where(FollowUp.due_at < until)
    return stmt
