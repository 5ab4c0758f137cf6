"""Handoffs a partner sends or receives: the decision behind each, its history and its moves."""

import re
from datetime import UTC

from flask import g
from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy.orm import joinedload, selectinload

from api.auth import current_actor, current_partner, require
from api.extensions import db
from api.observability import request_origin
from api.pagination import paginate
from api.parsing import Blueprint
from api.schemas import Flat, ListArgs, Money, PartnerRef, id_field, page_schema
from partnerhub.core.handoff_payload import assignee_of
from partnerhub.exchange import comments, lifecycle, lists, rerouting
from partnerhub.models import Category, Handoff, Lead, Partner, User
from partnerhub.models.handoff import CUSTOMER_CLAIMS, HANDOFF_STATUSES
from partnerhub.people import assignment

blp = Blueprint("handoffs", __name__, url_prefix="/api/v1/handoffs", description="Handoffs")


def _money(amount_attr: str):
    def dump(handoff):
        amount = getattr(handoff, amount_attr)
        return None if amount is None else Money().dump({"amount": amount, "currency": handoff.currency})

    return fields.Function(dump, allow_none=True, metadata={"type": "object", "description": "Money"})


class ScoreOut(Schema):
    total = fields.Float(allow_none=True, attribute="score_total")
    parts = fields.Dict(keys=fields.String(), values=fields.Float(), attribute="score_parts")


# One instance for every dump: building a schema costs more than dumping two fields with it.
_SCORE = ScoreOut()


class HandoffSummary(Schema):
    id = fields.Integer()
    partner = Flat(PartnerRef, attribute="to_partner", metadata={"description": "The receiver"})
    status = fields.String()
    score = fields.Function(_SCORE.dump, metadata={"type": "object"})


class EventOut(Schema):
    at = fields.DateTime()
    actor_type = fields.String()
    actor_user_id = fields.Integer(allow_none=True)
    actor_client_id = fields.Integer(allow_none=True)
    from_status = fields.String(allow_none=True, data_key="from")
    to_status = fields.String(data_key="to")
    note = fields.String()
    version = fields.Integer()


class LeadOfHandoff(Schema):
    """The lead as a handoff shows it: who to contact, for what, where."""

    id = fields.Integer()
    contact = fields.Function(
        lambda lead: {
            "name": lead.contact_name,
            "email": lead.contact_email,
            "phone": lead.contact_phone,
            "company": lead.contact_company,
        },
        metadata={"type": "object"},
    )
    need = fields.Function(
        lambda lead: {
            "category": lead.need_category.slug if lead.need_category else None,
            "text": lead.need_text,
        },
        metadata={"type": "object"},
    )
    region = fields.String(allow_none=True)


_LEAD = LeadOfHandoff()
# The lead's columns LeadOfHandoff shows (its id comes with it).
_LEAD_SHOWN = (
    Lead.contact_name,
    Lead.contact_email,
    Lead.contact_phone,
    Lead.contact_company,
    Lead.need_category_id,
    Lead.need_text,
    Lead.region,
)


# Each status with the column saying when the handoff reached it, named once rather than per row.
_STEPS = tuple((status, f"{status}_at") for status in HANDOFF_STATUSES)


def _withheld(handoff) -> bool:
    return lifecycle.lead_withheld(handoff, partner_id=g.actor.partner_id)


class HandoffOut(Schema):
    id = fields.Integer()
    lead_id = fields.Integer()
    lead = fields.Function(
        lambda h: (
            {"id": h.lead_id, "contact": None, "need": None, "region": None}
            if _withheld(h)
            else _LEAD.dump(h.lead)
        ),
        metadata={
            "type": "object",
            "description": "LeadOfHandoff; after a recall the receiver gets contact, need and region null",
        },
    )
    direction = fields.Function(
        lambda h: "outgoing" if h.from_partner_id == g.actor.partner_id else "incoming",
        metadata={"enum": ["incoming", "outgoing"]},
    )
    from_partner = Flat(PartnerRef)
    to_partner = Flat(PartnerRef)
    product_line_id = fields.Integer(allow_none=True)
    assignee = fields.Function(
        assignee_of,
        allow_none=True,
        metadata={"type": "object", "description": "The receiver's rep who owns it {id, name}; null: none"},
    )
    status = fields.String()
    version = fields.Integer()
    warmup_note = fields.Function(
        lambda h: None if _withheld(h) else h.warmup_note,
        allow_none=True,
        metadata={"type": "string", "description": "null for the receiver after a recall"},
    )
    sla_due_at = fields.DateTime(allow_none=True)
    timestamps = fields.Function(
        lambda h: {
            status: at.isoformat() for status, column in _STEPS if (at := getattr(h, column)) is not None
        },
        metadata={"type": "object", "description": "When each step happened, by status"},
    )
    deal_value = _money("deal_value")
    reward = _money("reward_amount")
    rep_share = _money("rep_share_amount")
    reason = fields.String(allow_none=True)
    customer_claim = fields.String(
        allow_none=True,
        metadata={
            "enum": [*CUSTOMER_CLAIMS, None],
            "description": "Declined as `existing_customer`: whether the receiver's customer list held the "
            "lead's contact before the handoff was sent; null otherwise",
        },
    )
    score = fields.Function(_SCORE.dump, metadata={"type": "object"})
    runners_up = fields.Function(
        lambda h: [r for r in h.runners_up if "excluded" not in r],
        metadata={
            "type": "array",
            "items": {"type": "object"},
            "description": "Who came next, with their scores",
        },
    )
    excluded = fields.Function(
        lambda h: [r for r in h.runners_up if "excluded" in r],
        metadata={
            "type": "array",
            "items": {"type": "object"},
            "description": "Who could not receive it and why (conflicts included)",
        },
    )
    events = fields.List(fields.Nested(EventOut))
    referrals = fields.Function(
        lambda h: [{"lead_id": lead.id, "status": lead.status} for lead in h.referrals],
        metadata={
            "type": "array",
            "items": {"type": "object"},
            "description": "Leads the won customer referred to the receiver {lead_id, status}: never whom",
        },
    )
    updated_at = fields.DateTime()


class Assignee(fields.String):
    """`me` (the person signed in) or a user id."""

    # Nine digits at most: every id a partner's people have, and all below MAX_ID.
    PATTERN = "^(me|[1-9][0-9]{0,8})$"

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("pattern", self.PATTERN)
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if re.fullmatch(self.PATTERN, value) is None:
            raise ValidationError("Must be me or a user id.")
        return value if value == "me" else int(value)


class HandoffListArgs(ListArgs):
    direction = fields.String(validate=validate.OneOf(("incoming", "outgoing")))
    status = fields.String(validate=validate.OneOf(HANDOFF_STATUSES))
    q = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "The beginning of the contact's name, company, email or phone, any case"},
    )
    since = fields.AwareDateTime(default_timezone=UTC, metadata={"description": "Sent at or after"})
    until = fields.AwareDateTime(default_timezone=UTC, metadata={"description": "Sent before"})
    assignee = Assignee(metadata={"description": "me, or a user id: the handoffs that person owns"})


class AssignIn(Schema):
    user_id = id_field(required=True, metadata={"description": "An active sales rep of the receiver"})


class CommentIn(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=comments.MAX_TEXT))


class CommentOut(Schema):
    id = fields.Integer()
    handoff_id = fields.Integer()
    author = fields.Function(
        comments.author_of,
        metadata={"type": "object", "description": "{name, partner {id, name}}: a person or a system"},
    )
    text = fields.String()
    created_at = fields.DateTime()


class TransitionIn(Schema):
    to = fields.String(required=True, validate=validate.OneOf(HANDOFF_STATUSES))
    deal_value = fields.Nested(Money, metadata={"description": "Required to mark it won"})
    reason = fields.String(
        validate=validate.Length(max=2000),
        metadata={
            "description": "Required for lost, declined. Declining with `existing_customer` claims the buyer "
            "is already the receiver's customer: checked against its customer list (`customer_claim`)"
        },
    )
    note = fields.String(load_default="", validate=validate.Length(max=2000))


@blp.route("")
class Handoffs(MethodView):
    @require("handoffs:read")
    @blp.arguments(HandoffListArgs, location="query")
    @blp.response(200, page_schema(HandoffOut, "HandoffPage"))
    def get(self, args):
        """List the handoffs the caller sends or receives."""
        limit, cursor, assignee = args.pop("limit"), args.pop("cursor", None), args.pop("assignee", None)
        # All that HandoffOut reads, in three queries for the page rather than four per handoff (and
        # one per rep owning one); of the lead, its category, both partners and the rep only the
        # columns it shows, not every row's partners whole (their regions decoded twice a row)
        # nor the lead's search keys and reasons.
        partner_id = current_partner().id
        args["q"] = lists.search(db.session, args.get("q"), partner_id=partner_id, of=Handoff)
        stmt = lists.handoffs_of(partner_id, **args).options(
            joinedload(Handoff.lead)
            .load_only(*_LEAD_SHOWN)
            .joinedload(Lead.need_category)
            .load_only(Category.slug),
            joinedload(Handoff.from_partner).load_only(Partner.name),
            joinedload(Handoff.to_partner).load_only(Partner.name),
            joinedload(Handoff.assignee).load_only(User.name),
            selectinload(Handoff.events),
            selectinload(Handoff.referrals).load_only(Lead.status),
        )
        if assignee is not None:
            stmt = stmt.where(Handoff.assignee_id == assignment.whose(current_actor(), assignee))
        return paginate(db.session, stmt, Handoff.id, limit=limit, cursor=cursor)


@blp.route("/<int:handoff_id>")
class HandoffById(MethodView):
    @require("handoffs:read")
    @blp.response(200, HandoffOut)
    def get(self, handoff_id):
        """Show a handoff with its steps, its history and the routing decision behind it."""
        return lifecycle.get_handoff(db.session, partner_id=current_partner().id, handoff_id=handoff_id)


@blp.route("/<int:handoff_id>/transitions", methods=["POST"])
@require("handoffs:write")
@blp.arguments(TransitionIn)
@blp.response(200, HandoffOut)
@blp.alt_response(409, description="The move is impossible from the handoff's current status")
def transition(args, handoff_id):
    """Move a handoff to its next status; won needs deal_value, lost and declined a reason."""
    handoff = lifecycle.get_handoff(db.session, partner_id=current_partner().id, handoff_id=handoff_id)
    deal = args.get("deal_value") or {}
    return rerouting.move_handoff(
        db.session,
        handoff=handoff,
        to=args["to"],
        actor=current_actor(),
        note=args["note"],
        deal_value=deal.get("amount"),
        currency=deal.get("currency"),
        reason=args.get("reason"),
    )


@blp.route("/<int:handoff_id>/assign", methods=["POST"])
@require("handoffs:write")
@blp.arguments(AssignIn)
@blp.response(200, HandoffOut)
@blp.alt_response(403, description="Only the receiver's managers or the assignee reassign")
def assign(args, handoff_id):
    """Give a received handoff to another rep of the receiver."""
    handoff = lifecycle.get_handoff(db.session, partner_id=current_partner().id, handoff_id=handoff_id)
    return assignment.reassign(
        db.session, handoff=handoff, user_id=args["user_id"], actor=current_actor(), origin=request_origin()
    )


@blp.route("/<int:handoff_id>/comments")
class HandoffComments(MethodView):
    @require("handoffs:read")
    @blp.response(200, CommentOut(many=True))
    def get(self, handoff_id):
        """The comments both sides wrote on the handoff, oldest first."""
        handoff = lifecycle.get_handoff(db.session, partner_id=current_partner().id, handoff_id=handoff_id)
        return comments.comments_on(db.session, handoff=handoff)

    @require("handoffs:write")
    @blp.arguments(CommentIn)
    @blp.response(201, CommentOut)
    def post(self, args, handoff_id):
        """Say something to the other side; its webhooks hear handoff.commented."""
        handoff = lifecycle.get_handoff(db.session, partner_id=current_partner().id, handoff_id=handoff_id)
        return comments.add_comment(db.session, handoff=handoff, actor=current_actor(), text=args["text"])
