"""Referrals: a won customer names someone else who needs what the partners sell; that is a new lead.

The receiver of a won handoff records it, and it becomes the receiver's own lead
with source "referral", taken in and routed by intake like every other lead. Both
sides see that the handoff produced it: the sender how many and how each fared,
never whom the customer referred (unless the lead was then handed to the sender).
"""

from datetime import datetime

from sqlalchemy.orm import Session

from partnerhub.core.actors import Actor
from partnerhub.core.errors import Conflict, NotAllowed, NotFound
from partnerhub.core.i18n import N_, phrase
from partnerhub.core.words import status_in_sentence
from partnerhub.exchange import intake, lifecycle, rollups
from partnerhub.models import Handoff, Lead


def record_referral(
    session: Session,
    *,
    handoff: Handoff,
    actor: Actor,
    contact: dict,
    need: dict,
    region: str | None = None,
    consent: bool = False,
    external_id: str | None = None,
    now: datetime | None = None,
) -> Lead:
    """Take in the lead the won handoff's customer referred, as the receiver's, and route it."""
    side = lifecycle.side_of(handoff, actor)
    if side not in (lifecycle.SENDER, lifecycle.RECEIVER):
        raise NotFound(phrase("No handoff %(id)s.", id=str(handoff.id)))
    if side == lifecycle.SENDER:
        raise NotAllowed(N_("Only the receiver records a referral from the customer it won."))
    if handoff.status not in lifecycle.WON_STATUSES:
        raise Conflict(
            phrase(
                "A %(status)s handoff has no customer to refer anyone: referrals come from won handoffs.",
                status=status_in_sentence(handoff.status),
            ),
            current_status=handoff.status,
            allowed_statuses=list(lifecycle.WON_STATUSES),
        )
    lead = intake.take_lead(
        session,
        actor=actor,
        contact=contact,
        need=need,
        region=region,
        consent=consent,
        source="referral",
        external_id=external_id,
        referred_from=handoff.id,
        now=now,
    )
    rollups.record_referral(session, handoff=handoff)
    return lead


def referred_from(session: Session, *, lead: Lead) -> Handoff | None:
    """The won handoff whose customer referred the lead, or None for any other lead."""
    if lead.referred_from_handoff_id is None:
        return None
    return session.get(Handoff, lead.referred_from_handoff_id)
