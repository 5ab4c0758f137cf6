"""Registration and a partner's own profile."""

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from api.auth import current_partner, require
from api.extensions import db
from api.pagination import paginate
from api.parsing import Blueprint
from api.schemas import ListArgs, PatchSchema, page_schema
from api.v1.fields import email_field, name_field, regions, url_field
from partnerhub import credentials, directory
from partnerhub.models import Partner
from partnerhub.models.partner import REVENUE_BANDS

blp = Blueprint("partners", __name__, url_prefix="/api/v1/partners", description="Partners")


def _size_bounds(name: str) -> validate.Range:
    low, high = directory.SIZE_BOUNDS[name]
    return validate.Range(min=low, max=high)


class SizeSchema(Schema):
    sales_reps = fields.Integer(strict=True, validate=_size_bounds("sales_reps"), metadata={"example": 4})
    revenue_band = fields.String(validate=validate.OneOf(REVENUE_BANDS), metadata={"example": "1m_10m"})
    monthly_leads = fields.Integer(
        strict=True, validate=_size_bounds("monthly_leads"), metadata={"example": 40}
    )


class ManagerIn(Schema):
    email = email_field(required=True, empty_ok=False)
    name = fields.String(validate=validate.Length(max=200), load_default="")
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=8, max=200))


class ProfileFields(Schema):
    name = name_field(validate=[validate.Length(min=2, max=200)])
    business = fields.String(validate=validate.Length(max=5000))
    # The domain's shapes (partnerhub/validation.py), stated here so the document states them too.
    website = url_field(Partner.website, allow_none=True)
    regions = regions()
    contact_email = email_field(allow_none=True)
    size = fields.Nested(SizeSchema)


class ProfileIn(ProfileFields, PatchSchema):
    pass


class RegistrationIn(ProfileFields):
    name = name_field(required=True, validate=[validate.Length(min=2, max=200)])
    size = fields.Nested(SizeSchema, required=True)
    manager = fields.Nested(ManagerIn, metadata={"description": "A first manager login for the web pages"})


class PartnerOut(Schema):
    id = fields.Integer()
    name = fields.String()
    business = fields.String()
    website = fields.String(allow_none=True)
    regions = fields.List(fields.String())
    contact_email = fields.String(allow_none=True)
    size = fields.Function(
        lambda p: {
            "sales_reps": p.sales_reps,
            "revenue_band": p.revenue_band,
            "monthly_leads": p.monthly_leads,
        },
        metadata={"type": "object"},
    )
    status = fields.String()
    created_at = fields.DateTime()


class PartnerSummary(Schema):
    id = fields.Integer()
    name = fields.String()
    business = fields.String()
    regions = fields.List(fields.String())
    size = PartnerOut._declared_fields["size"]
    categories = fields.Function(
        lambda p: sorted({line.category.slug for line in p.product_lines if line.archived_at is None}),
        metadata={"type": "array", "items": {"type": "string"}},
    )


@blp.route("")
class Partners(MethodView):
    @blp.arguments(RegistrationIn)
    @blp.response(201, PartnerOut)
    def post(self, args):
        """Register a partner; it stays pending until an operator approves it."""
        manager = args.pop("manager", None)
        partner = directory.register_partner(db.session, **args)
        if manager:
            credentials.create_user(db.session, role="manager", partner=partner, **manager)
        return partner

    @require("directory:read")
    @blp.arguments(ListArgs, location="query")
    @blp.response(200, page_schema(PartnerSummary, "PartnerPage"))
    def get(self, args):
        """List active partners, to find whom to propose a partnership to."""
        return paginate(db.session, directory.active_partners(), Partner.id, **args)


@blp.route("/me")
class Me(MethodView):
    @require("directory:read")
    @blp.response(200, PartnerOut)
    def get(self):
        """Show the caller's own profile and size."""
        return current_partner()

    @require("directory:write")
    @blp.arguments(ProfileIn)
    @blp.response(200, PartnerOut)
    def patch(self, args):
        """Change the caller's own profile or size."""
        return directory.update_profile(db.session, partner=current_partner(), **args)
