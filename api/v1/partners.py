"""Registration and a partner's own profile."""

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from api.auth import acting, current_partner, require
from api.extensions import db
from api.pagination import paginate
from api.parsing import Blueprint
from api.schemas import DecimalString, ListArgs, PatchSchema, page_schema
from api.v1.fields import email_field, name_field, regions, url_field
from partnerhub.customers import lists as customers
from partnerhub.directory import partners as directory
from partnerhub.directory.partners import DECLARED_CURRENCY
from partnerhub.exchange.lifecycle import MAX_DEAL_VALUE
from partnerhub.models import Partner
from partnerhub.models.partner import REVENUE_BANDS
from partnerhub.people import accounts
from partnerhub.people.credentials import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

blp = Blueprint("partners", __name__, url_prefix="/api/v1/partners", description="Partners")


def _size_bounds(name: str) -> validate.Range:
    low, high = directory.SIZE_BOUNDS[name]
    return validate.Range(min=low, max=high)


class DeclaredWonValue(Schema):
    """Money as the domain takes a declared won value: zero or more, in the currency flags compare in."""

    amount = DecimalString(required=True, validate=validate.Range(min=0, max=MAX_DEAL_VALUE))
    currency = fields.String(load_default=DECLARED_CURRENCY, validate=validate.OneOf([DECLARED_CURRENCY]))


class SizeSchema(Schema):
    sales_reps = fields.Integer(strict=True, validate=_size_bounds("sales_reps"), metadata={"example": 4})
    revenue_band = fields.String(validate=validate.OneOf(REVENUE_BANDS), metadata={"example": "1m_10m"})
    monthly_leads = fields.Integer(
        strict=True, validate=_size_bounds("monthly_leads"), metadata={"example": 40}
    )
    monthly_won_value = fields.Nested(
        DeclaredWonValue,
        allow_none=True,
        metadata={
            "description": "Deal value won a month, all channels, in EUR (optional): the agent_like flag "
            "divides by it when it is larger than what the partner reports here"
        },
    )


class ManagerIn(Schema):
    email = email_field(required=True, empty_ok=False)
    name = fields.String(validate=validate.Length(max=200), load_default="")
    password = fields.String(
        required=True,
        load_only=True,
        # The lengths the domain's rule has, with its words; which passwords are too common only it knows.
        validate=[
            validate.Length(
                min=MIN_PASSWORD_LENGTH, error=f"must be at least {MIN_PASSWORD_LENGTH} characters"
            ),
            validate.Length(
                max=MAX_PASSWORD_LENGTH, error=f"must be at most {MAX_PASSWORD_LENGTH} characters"
            ),
        ],
        metadata={"description": "Not one of the most common passwords (422 on password then)"},
    )


class ProfileFields(Schema):
    name = name_field(validate=[validate.Length(min=2, max=200)])
    business = fields.String(validate=validate.Length(max=5000))
    # The domain's shapes (partnerhub/core/validation.py), stated here so the document states them too.
    website = url_field(Partner.website, allow_none=True)
    regions = regions()
    contact_email = email_field(allow_none=True)
    country = fields.String(
        validate=validate.OneOf(customers.COUNTRIES),
        metadata={"description": "ISO 3166: customers' phone numbers without a country code are read in it"},
    )
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
    country = fields.String()
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
