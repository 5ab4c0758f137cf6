"""The contact keys each partner finds its handoffs by: a row per side of a handoff and key of its lead.

A search by contact reads the range of the searching partner's own keys that begins with what was
typed, so it costs what that partner's matches cost. Reached through the leads instead, it looked
up the handoffs of every lead on the platform whose contact matched: "Greta Wolf" meant 2,037 index
lookups at a million handoffs, and would mean more with every other partner's data. The receiver's
keys go when the sender recalls the lead, as its contact does.
"""

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    delete,
    insert,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery

from partnerhub.models import Handoff, HandoffSearchKey, Lead
from partnerhub.models.lead import normalize_phone, search_text

# Fewer digits than this match too many phones to be what a person meant.
MIN_PHONE_DIGITS = 3
# Above every character: "anna" up to "anna" + this holds every text that begins with "anna".
_LAST_CHARACTER = "\U0010ffff"
# A lead's keys of each kind: what a typed text, or a typed phone number, is compared with.
_LEAD_KEYS = {
    "text": (Lead.contact_name_key, Lead.contact_company_key, Lead.contact_email_norm),
    "phone": (Lead.contact_phone_norm,),
}
_TABLE = HandoffSearchKey.__table__


def begins_with(column, prefix: str) -> ColumnElement[bool]:
    return (column >= prefix) & (column < prefix + _LAST_CHARACTER)


def typed(q: str) -> list[tuple[str, str]]:
    """(kind, beginning) for each kind of key `q` is compared with: its text, and its digits when
    it has enough of them to be part of a phone number."""
    digits = normalize_phone(q)
    found = [("text", search_text(q))]
    if digits and len(digits) >= MIN_PHONE_DIGITS:
        found.append(("phone", digits))
    return found


def lead_conditions(q: str) -> list[ColumnElement[bool]]:
    """A lead's contact name, company, email or phone begins with `q`, case aside: one condition each."""
    return [begins_with(column, beginning) for kind, beginning in typed(q) for column in _LEAD_KEYS[kind]]


def matching(q: str, partner_id: int) -> CompoundSelect:
    """The ids of the partner's handoffs with a key beginning with `q`; one matching twice (its name
    and its company) is there twice. Each kind is a range of the key table's primary key."""
    return union_all(
        *(
            select(HandoffSearchKey.handoff_id).where(
                HandoffSearchKey.partner_id == partner_id,
                HandoffSearchKey.kind == kind,
                begins_with(HandoffSearchKey.key, beginning),
            )
            for kind, beginning in typed(q)
        )
    )


def newest_first(ids: CompoundSelect) -> Subquery:
    """Matching ids (`matching`'s, or a partner's leads'), each once and newest first, as `id`.
    Joined to a list read newest first, a page is the first of them, each row looked up once:
    PostgreSQL cannot tell how many a beginning matches (it guesses one), and with IN, or the
    sort after the join, it looked up every match before sorting (2,037 handoffs for "Greta Wolf"
    at a million: 9 ms instead of 1)."""
    found = ids.subquery()
    (column,) = found.c
    return select(column.label("id")).distinct().order_by(column.desc()).subquery()


def _keys_of(lead: Lead) -> set[tuple[str, str]]:
    return {
        (kind, value)
        for kind, columns in _LEAD_KEYS.items()
        for column in columns
        if (value := getattr(lead, column.key))
    }


def keep(session: Session, handoff: Handoff, lead: Lead) -> None:
    """Write the keys both sides find a new handoff by."""
    rows = [
        {"partner_id": partner_id, "kind": kind, "key": key, "handoff_id": handoff.id}
        for partner_id in (handoff.from_partner_id, handoff.to_partner_id)
        for kind, key in sorted(_keys_of(lead))
    ]
    if rows:
        session.connection().execute(insert(_TABLE), rows)


def forget_for_receiver(session: Session, handoff: Handoff) -> None:
    """The receiver of a recalled handoff no longer finds it by the contact it no longer sees."""
    session.execute(
        delete(HandoffSearchKey).where(
            HandoffSearchKey.handoff_id == handoff.id, HandoffSearchKey.partner_id == handoff.to_partner_id
        )
    )


def every_key() -> Select:
    """(partner_id, kind, key, handoff_id) of every key the handoffs written so far should have, as
    `keep` and `forget_for_receiver` leave them, for handoffs written straight to the tables; a key
    is there twice where two of a lead's keys are the same text."""
    sides = (
        (Handoff.from_partner_id, None),
        (Handoff.to_partner_id, Handoff.status != "recalled"),
    )
    parts = [
        select(side, literal(kind), column, Handoff.id)
        .join(Lead, Lead.id == Handoff.lead_id)
        .where(column.is_not(None), column != "", *([] if still_sees is None else [still_sees]))
        for side, still_sees in sides
        for kind, columns in _LEAD_KEYS.items()
        for column in columns
    ]
    return union_all(*parts).subquery().select()
