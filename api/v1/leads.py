"""Leads a partner brings: intake with automatic routing, and hand-off by hand."""

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from api.auth import current_actor, current_partner, require
from api.extensions import db
from api.idempotency import idempotent
from api.pagination import paginate
from api.parsing import Blueprint
from api.schemas import ListArgs, id_field, page_schema
from api.sqlite import reads_first
from api.v1.fields import REGION, JsonBoolean, category_field, email_field, name_field, phone_field
from api.v1.handoffs import HandoffOut, HandoffSummary, LeadOfHandoff
from partnerhub.exchange import intake, routing
from partnerhub.models import Lead
from partnerhub.models.lead import LEAD_SOURCES, LEAD_STATUSES, POSTED_SOURCES

blp = Blueprint("leads", __name__, url_prefix="/api/v1/leads", description="Leads")


class ContactSchema(Schema):
    """What a name, an email and a phone must look like is the domain's rule, stated here as patterns."""

    name = name_field(blank_ok=True, load_default="", validate=[validate.Length(max=200)])
    email = email_field(load_default=None, allow_none=True)
    phone = phone_field(load_default=None, allow_none=True)
    company = name_field(
        blank_ok=True, load_default=None, allow_none=True, validate=[validate.Length(max=200)]
    )


class NeedSchema(Schema):
    category = category_field(load_default=None, allow_none=True, metadata={"example": "window-installation"})
    text = fields.String(load_default="", validate=validate.Length(max=5000))


class LeadIn(Schema):
    external_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))
    contact = fields.Nested(ContactSchema, required=True)
    need = fields.Nested(NeedSchema, required=True)
    region = fields.String(load_default=None, allow_none=True, validate=REGION)
    consent = JsonBoolean(load_default=False)
    source = fields.String(load_default="api", validate=validate.OneOf(POSTED_SOURCES))


class LeadOut(LeadOfHandoff):
    external_id = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": list(LEAD_STATUSES)})
    reasons = fields.List(fields.String())
    consent = fields.Boolean()
    source = fields.String(metadata={"enum": list(LEAD_SOURCES)})
    referred_from = fields.Integer(
        attribute="referred_from_handoff_id",
        allow_none=True,
        metadata={"description": "The won handoff whose customer referred this lead; null for others"},
    )
    handoffs = fields.List(fields.Nested(HandoffSummary))
    created_at = fields.DateTime()


class LeadListArgs(ListArgs):
    status = fields.String(validate=validate.OneOf(LEAD_STATUSES))


class HandOffIn(Schema):
    partner_id = id_field(metadata={"description": "Leave out to hand it to the best partner"})
    note = fields.String(
        validate=validate.Length(max=5000), metadata={"description": "Warm-up; prefilled otherwise"}
    )


@blp.route("")
class Leads(MethodView):
    @require("leads:read")
    @blp.arguments(LeadListArgs, location="query")
    @blp.response(200, page_schema(LeadOut, "LeadPage"))
    def get(self, args):
        """List the leads the caller brought."""
        stmt = intake.leads_of(current_partner().id, args.pop("status", None))
        return paginate(db.session, stmt, Lead.id, **args)

    @reads_first
    @require("leads:write")
    @idempotent
    # An instance, not the class: webargs would build the schema and its nested ones per request.
    @blp.arguments(LeadIn())
    @blp.response(201, LeadOut)
    @blp.alt_response(400, description="No Idempotency-Key header")
    @blp.alt_response(
        409, description="Same external_id again (with the existing lead_id), or the key in flight"
    )
    def post(self, args):
        """Take a lead in and route it to the best complementary partner, with no human step."""
        return intake.take_lead(db.session, actor=current_actor(), **args)


@blp.route("/<int:lead_id>")
class LeadById(MethodView):
    @require("leads:read")
    @blp.response(200, LeadOut)
    def get(self, lead_id):
        """Show one of the caller's leads with its handoffs."""
        return intake.get_lead(db.session, partner_id=current_partner().id, lead_id=lead_id)


@blp.route("/<int:lead_id>/handoffs", methods=["POST"])
@require("leads:write")
@blp.arguments(HandOffIn)
@blp.response(201, HandoffOut)
@blp.alt_response(404, description="No such lead of the caller's, or no such partner")
@blp.alt_response(409, description="The lead is held already, not qualified, or nobody can take it")
def hand_off(args, lead_id):
    """Hand a lead off by hand: to a chosen partner or the best one, warm-up prefilled."""
    lead = intake.get_lead(db.session, partner_id=current_partner().id, lead_id=lead_id)
    return routing.hand_off_lead(db.session, lead=lead, actor=current_actor(), **args)
