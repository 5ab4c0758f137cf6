"""Registration and a partner's own profile."""

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from api.auth import acting, current_partner, require
from api.extensions import db
from api.pagination import paginate
from api.parsing import Blueprint
from api.schemas import ListArgs, Money, page_schema
from api.v1.fields import regions
from partnerhub import accounts, directory
from partnerhub.credentials import MAX_PASSWORD_LENGTH
from partnerhub.flags import DECLARED_CURRENCY
from partnerhub.models import Partner
from partnerhub.models.partner import REVENUE_BANDS

blp = Blueprint("partners", __name__, url_prefix="/api/v1/partners", description="Partners")


def _size_bounds(name: str) -> validate.Range:
    low, high = directory.SIZE_BOUNDS[name]
    return validate.Range(min=low, max=high)


class SizeSchema(Schema):
    sales_reps = fields.Integer(validate=_size_bounds("sales_reps"), metadata={"example": 4})
    revenue_band = fields.String(validate=validate.OneOf(REVENUE_BANDS), metadata={"example": "1m_10m"})
    monthly_leads = fields.Integer(validate=_size_bounds("monthly_leads"), metadata={"example": 40})
    monthly_won_value = fields.Nested(
        Money,
        allow_none=True,
        metadata={
            "description": "Deal value won a month, all channels, in EUR (optional): the agent_like flag "
            "divides by it when it is larger than what the partner reports here"
        },
    )


class ManagerIn(Schema):
    email = fields.Email(required=True)
    name = fields.String(validate=validate.Length(max=200), load_default="")
    password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(max=MAX_PASSWORD_LENGTH),
        metadata={"description": "At least 10 characters, and not one of the most common passwords"},
    )


class ProfileIn(Schema):
    name = fields.String(validate=validate.Length(min=2, max=200))
    business = fields.String(validate=validate.Length(max=5000))
    # Shapes (an http(s) address, an email address) are the domain's rules (partnerhub/validation.py).
    website = fields.String(allow_none=True, validate=validate.Length(max=500), metadata={"format": "uri"})
    regions = regions()
    contact_email = fields.String(
        allow_none=True, validate=validate.Length(max=320), metadata={"format": "email"}
    )
    size = fields.Nested(SizeSchema)


class RegistrationIn(ProfileIn):
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
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
            "monthly_won_value": None
            if p.monthly_won_value is None
            else {"amount": f"{p.monthly_won_value:.2f}", "currency": DECLARED_CURRENCY},
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
        """Register a partner; it stays pending until an operator approves it.

        The answer is the same whether or not the manager's email already has a login: a new
        address gets its login and a confirmation, one with a login an email saying so.
        """
        manager = args.pop("manager", None)
        base_url = current_app.config["BASE_URL"].rstrip("/")
        return accounts.register_company(db.session, manager=manager, base_url=base_url, **args)

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
        return directory.update_profile(db.session, partner=current_partner(), **args, **acting())
