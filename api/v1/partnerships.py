"""Partnerships between two partners, their terms and their state changes."""

from flask import g
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from api.auth import acting, current_partner, require
from api.extensions import db
from api.pagination import paginate
from api.parsing import Blueprint
from api.schemas import DecimalString, ListArgs, NarrowingSchema, PartnerRef, Pattern, id_field, page_schema
from api.v1.fields import JsonBoolean
from partnerhub.customers import lists as customers
from partnerhub.exchange import partnerships
from partnerhub.models import Partnership
from partnerhub.models.partnership import DEFAULT_FOLLOW_UP_DAYS, PARTNERSHIP_STATUSES, REWARD_TYPES

blp = Blueprint("partnerships", __name__, url_prefix="/api/v1/partnerships", description="Partnerships")


def _bounds(name: str) -> validate.Range:
    low, high = partnerships.TERM_BOUNDS[name]
    return validate.Range(min=low, max=high)


class TermsSchema(NarrowingSchema):
    narrowed_when = {
        "reward_type": {
            "percent": {
                "reward_value": DecimalString(validate=validate.Range(min=0, max=partnerships.MAX_PERCENT))
            }
        }
    }

    reward_type = fields.String(required=True, validate=validate.OneOf(REWARD_TYPES))
    reward_value = DecimalString(
        required=True,
        validate=_bounds("reward_value"),
        metadata={"description": "Percent of the deal value, or a fixed amount", "example": "10.00"},
    )
    currency = fields.String(load_default="EUR", validate=Pattern(r"^[A-Z]{3}$"))
    rep_share_percent = DecimalString(load_default="20", validate=_bounds("rep_share_percent"))
    accept_sla_hours = fields.Integer(strict=True, load_default=48, validate=_bounds("accept_sla_hours"))
    monthly_cap = fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=_bounds("monthly_cap")
    )
    follow_up_days = fields.List(
        fields.Integer(strict=True, validate=validate.Range(*partnerships.FOLLOW_UP_DAY_BOUNDS)),
        load_default=lambda: list(DEFAULT_FOLLOW_UP_DAYS),
        validate=validate.Length(max=partnerships.MAX_FOLLOW_UPS),
        metadata={
            "uniqueItems": True,
            "description": "Days after a win on which the receiver's rep follows the customer up; kept in "
            "increasing order",
            "example": list(DEFAULT_FOLLOW_UP_DAYS),
        },
    )


class PartnershipIn(Schema):
    partner_id = id_field(required=True)
    terms = fields.Nested(TermsSchema, required=True)


class PartnershipOut(Schema):
    id = fields.Integer()
    status = fields.String()
    partner = fields.Function(
        lambda p: PartnerRef().dump(p.responder if g.actor.partner_id == p.proposer_id else p.proposer),
        metadata={"description": "The other side"},
    )
    proposed_by_me = fields.Function(lambda p: g.actor.partner_id == p.proposer_id)
    terms = fields.Function(lambda p: TermsSchema().dump(p), metadata={"type": "object"})
    created_at = fields.DateTime()
    activated_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    shares_overlap = fields.Function(
        lambda p: p.shares_overlap(g.actor.partner_id),
        metadata={"type": "boolean", "description": "Your side counts the customers both lists hold"},
    )
    other_shares_overlap = fields.Function(
        lambda p: p.shares_overlap(p.other_side(g.actor.partner_id)),
        metadata={"type": "boolean", "description": "The other side does"},
    )


class PartnershipListArgs(ListArgs):
    status = fields.String(validate=validate.OneOf(PARTNERSHIP_STATUSES))


@blp.route("")
class Partnerships(MethodView):
    @require("directory:read")
    @blp.arguments(PartnershipListArgs, location="query")
    @blp.response(200, page_schema(PartnershipOut, "PartnershipPage"))
    def get(self, args):
        """List the caller's partnerships, optionally by status."""
        stmt = partnerships.partnerships_of(current_partner().id, args.pop("status", None))
        return paginate(db.session, stmt, Partnership.id, **args)

    @require("directory:write")
    @blp.arguments(PartnershipIn)
    @blp.response(201, PartnershipOut)
    @blp.alt_response(404, description="No active partner with that id")
    @blp.alt_response(409, description="The pair already has a living partnership")
    def post(self, args):
        """Propose a partnership with terms; the other side accepts or declines."""
        return partnerships.propose_partnership(
            db.session,
            proposer=current_partner(),
            partner_id=args["partner_id"],
            terms=args["terms"],
            **acting(),
        )


@blp.route("/<int:partnership_id>")
class PartnershipById(MethodView):
    @require("directory:read")
    @blp.response(200, PartnershipOut)
    def get(self, partnership_id):
        """Show one of the caller's partnerships."""
        return partnerships.get_partnership(
            db.session, partner_id=current_partner().id, partnership_id=partnership_id
        )


def _move_view(move: str):
    @require("directory:write")
    @blp.response(200, PartnershipOut)
    @blp.alt_response(409, description="Impossible in the partnership's current state")
    def view(partnership_id):
        partner_id = current_partner().id
        partnership = partnerships.get_partnership(
            db.session, partner_id=partner_id, partnership_id=partnership_id
        )
        return partnerships.change_partnership(
            db.session, partnership=partnership, partner_id=partner_id, move=move, **acting()
        )

    view.__name__ = f"{move}_partnership"
    view.__doc__ = f"{move.capitalize()} the partnership."
    return view


for _move in partnerships.MOVES:
    blp.route(f"/<int:partnership_id>/{_move}", methods=["POST"])(_move_view(_move))


class TermsVersionOut(TermsSchema):
    version = fields.Integer()
    status = fields.String(metadata={"description": "proposed, accepted, declined or withdrawn"})
    note = fields.String()
    proposed_by_me = fields.Function(lambda t: g.actor.partner_id == t.proposed_by_id)
    proposed_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)


class TermsHistoryOut(Schema):
    terms_version = fields.Integer(metadata={"description": "The version in force"})
    items = fields.List(fields.Nested(TermsVersionOut))


class AmendIn(Schema):
    terms = fields.Nested(TermsSchema, required=True)
    note = fields.String(load_default="", validate=validate.Length(max=2000))


def _mine(partnership_id: int) -> Partnership:
    return partnerships.get_partnership(
        db.session, partner_id=current_partner().id, partnership_id=partnership_id
    )


@blp.route("/<int:partnership_id>/terms")
class PartnershipTerms(MethodView):
    @require("directory:read")
    @blp.response(200, TermsHistoryOut)
    def get(self, partnership_id):
        """Every version of the partnership's terms, the first one first."""
        partnership = _mine(partnership_id)
        return {
            "terms_version": partnership.terms_version,
            "items": partnerships.terms_history(db.session, partnership=partnership),
        }

    @require("directory:write")
    @blp.arguments(AmendIn)
    @blp.response(201, TermsVersionOut)
    @blp.alt_response(409, description="Not living, or other terms are already proposed")
    def post(self, args, partnership_id):
        """Propose new terms; they apply to handoffs sent after the other side accepts them."""
        return partnerships.propose_terms(
            db.session,
            partnership=_mine(partnership_id),
            partner_id=current_partner().id,
            terms=args["terms"],
            note=args["note"],
            **acting(),
        )


def _answer_view(answer: str):
    @require("directory:write")
    @blp.response(200, TermsVersionOut)
    @blp.alt_response(409, description="These terms are not proposed")
    def view(partnership_id, version):
        return partnerships.answer_terms(
            db.session,
            partnership=_mine(partnership_id),
            partner_id=current_partner().id,
            version=version,
            answer=answer,
            **acting(),
        )

    view.__name__ = f"{answer}_terms"
    view.__doc__ = (
        f"{answer.capitalize()} proposed terms (accept and decline: the other side; withdraw: the proposer)."
    )
    return view


for _answer in ("accept", "decline", "withdraw"):
    blp.route(f"/<int:partnership_id>/terms/<int:version>/{_answer}", methods=["POST"])(_answer_view(_answer))


class OverlapSharingIn(Schema):
    share = JsonBoolean(
        required=True, metadata={"description": "true: count the customers both lists hold; false: stop"}
    )


class OverlapOut(Schema):
    shared_customers = fields.Integer(
        metadata={"description": "Hashed contacts (emails, phones, domains) on both sides' customer lists"}
    )


@blp.route("/<int:partnership_id>/overlap-sharing", methods=["PUT"])
@require("directory:write")
@blp.arguments(OverlapSharingIn)
@blp.response(200, PartnershipOut)
def share_overlap(args, partnership_id):
    """Consent, or stop consenting, to count the customers both sides' lists hold (off by default)."""
    return customers.set_overlap_sharing(
        db.session,
        partnership=_mine(partnership_id),
        partner_id=current_partner().id,
        share=args["share"],
        **acting(),
    )


@blp.route("/<int:partnership_id>/overlap")
@require("directory:read")
@blp.response(200, OverlapOut)
@blp.alt_response(409, description="Not both sides share their overlap on this partnership")
def overlap(partnership_id):
    """How many customers both sides' lists hold; only while both sides share it. Never which."""
    count = customers.shared_customers(
        db.session, partnership=_mine(partnership_id), partner_id=current_partner().id
    )
    return {"shared_customers": count}
