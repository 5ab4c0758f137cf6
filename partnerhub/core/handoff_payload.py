"""What a webhook says about a handoff: the body of handoff.created and handoff.updated.

Shared by the lifecycle, whose moves are announced, and by assignment, whose reassignments are:
both write the same shape, and the API shows `assignee` as it does (`assignee_of`).
"""

from datetime import datetime
from decimal import Decimal

from partnerhub.models import Handoff
from partnerhub.models.handoff import HANDOFF_STATUSES


def _money(amount: Decimal | None, currency: str) -> dict | None:
    return None if amount is None else {"amount": f"{amount:.2f}", "currency": currency}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def assignee_of(handoff: Handoff) -> dict | None:
    """The receiver's rep who owns the handoff, as the API and the webhooks both show it."""
    person = handoff.assignee
    return None if person is None else {"id": person.id, "name": person.name}


def handoff_payload(handoff: Handoff, *, with_contact: bool = False) -> dict:
    """What a webhook says about a handoff: the same shape for handoff.created and handoff.updated."""
    lead = handoff.lead
    data = {
        "id": handoff.id,
        "lead_id": handoff.lead_id,
        "status": handoff.status,
        "version": handoff.version,
        "from_partner": {"id": handoff.from_partner_id, "name": handoff.from_partner.name},
        "to_partner": {"id": handoff.to_partner_id, "name": handoff.to_partner.name},
        "product_line_id": handoff.product_line_id,
        "assignee": assignee_of(handoff),
        "warmup_note": handoff.warmup_note,
        "sla_due_at": _iso(handoff.sla_due_at),
        "timestamps": {
            status: _iso(getattr(handoff, f"{status}_at"))
            for status in HANDOFF_STATUSES
            if getattr(handoff, f"{status}_at") is not None
        },
        "deal_value": _money(handoff.deal_value, handoff.currency),
        "reward": _money(handoff.reward_amount, handoff.currency),
        "rep_share": _money(handoff.rep_share_amount, handoff.currency),
        "reason": handoff.reason,
    }
    if with_contact:
        data["contact"] = {
            "name": lead.contact_name,
            "email": lead.contact_email,
            "phone": lead.contact_phone,
            "company": lead.contact_company,
        }
        data["need"] = {
            "category": lead.need_category.slug if lead.need_category else None,
            "text": lead.need_text,
        }
        data["region"] = lead.region
    return data
