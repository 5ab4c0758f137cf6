"""Referrals: a won handoff's customer names someone else, who becomes the receiver's new lead."""

from api.auth import current_actor, current_partner, require
from api.extensions import db
from api.idempotency import idempotent
from api.parsing import Blueprint
from api.v1.leads import LeadIn, LeadOut
from partnerhub.exchange import lifecycle, referrals

blp = Blueprint("referrals", __name__, url_prefix="/api/v1/handoffs", description="Referrals")


class ReferralIn(LeadIn):
    """The body of POST /leads but its source: a referral's is always "referral"."""

    class Meta:
        exclude = ("source",)


@blp.route("/<int:handoff_id>/referrals", methods=["POST"])
@require("leads:write")
@idempotent
@blp.arguments(ReferralIn())
@blp.response(201, LeadOut)
@blp.alt_response(400, description="No Idempotency-Key header")
@blp.alt_response(403, description="The sender of the handoff: only its receiver records referrals")
@blp.alt_response(
    409,
    description="The handoff is not won (with current_status and allowed_statuses), the same external_id "
    "again, or the key in flight",
)
def record_referral(args, handoff_id):
    """Record a lead the won handoff's customer referred: the receiver's lead, routed like any other."""
    handoff = lifecycle.get_handoff(db.session, partner_id=current_partner().id, handoff_id=handoff_id)
    return referrals.record_referral(db.session, handoff=handoff, actor=current_actor(), **args)
