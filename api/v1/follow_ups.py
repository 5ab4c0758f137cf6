"""After-sale follow-ups of won handoffs: the receiver records them, the sender reads them."""

from flask import g
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from api.auth import current_actor, current_partner, require
from api.extensions import db
from api.pagination import paginate
from api.parsing import Blueprint
from api.schemas import ListArgs, page_schema
from partnerhub.exchange import follow_ups
from partnerhub.models import FollowUp
from partnerhub.models.follow_up import FOLLOW_UP_OUTCOMES, FOLLOW_UP_STATUSES

blp = Blueprint("follow_ups", __name__, url_prefix="/api/v1/follow-ups", description="Follow-ups")


class FollowUpOut(Schema):
    id = fields.Integer()
    handoff_id = fields.Integer()
    direction = fields.Function(
        lambda f: "incoming" if f.to_partner_id == g.actor.partner_id else "outgoing",
        metadata={
            "enum": ["incoming", "outgoing"],
            "description": "incoming: the caller received the handoff and makes the follow-up; "
            "outgoing: the caller sent it and reads how it went",
        },
    )
    day = fields.Integer(metadata={"description": "Days after the win"})
    due_at = fields.DateTime()
    status = fields.String(metadata={"enum": list(FOLLOW_UP_STATUSES)})
    outcome = fields.String(allow_none=True, metadata={"enum": [*FOLLOW_UP_OUTCOMES, None]})
    done_at = fields.DateTime(allow_none=True, metadata={"description": "When it was done or skipped"})


class FollowUpListArgs(ListArgs):
    status = fields.String(validate=validate.OneOf(FOLLOW_UP_STATUSES))
    direction = fields.String(validate=validate.OneOf(("incoming", "outgoing")))


class FollowUpIn(Schema):
    status = fields.String(required=True, validate=validate.OneOf(follow_ups.FINAL))
    outcome = fields.String(
        validate=validate.OneOf(FOLLOW_UP_OUTCOMES),
        metadata={"description": "Required when done; none when skipped"},
    )


@blp.route("")
class FollowUps(MethodView):
    @require("handoffs:read")
    @blp.arguments(FollowUpListArgs, location="query")
    @blp.response(200, page_schema(FollowUpOut, "FollowUpPage"))
    def get(self, args):
        """List the follow-ups of won handoffs the caller received (to make) or sent (to read)."""
        stmt = follow_ups.follow_ups_of(
            current_partner().id, direction=args.pop("direction", None), status=args.pop("status", None)
        )
        return paginate(db.session, stmt, FollowUp.id, **args)


@blp.route("/<int:follow_up_id>", methods=["POST"])
@require("handoffs:write")
@blp.arguments(FollowUpIn)
@blp.response(200, FollowUpOut)
@blp.alt_response(403, description="The sender of the handoff: only its receiver records follow-ups")
@blp.alt_response(409, description="Done or skipped already")
def record(args, follow_up_id):
    """Record a due follow-up done, with its outcome, or skipped."""
    follow_up = follow_ups.get_follow_up(
        db.session, partner_id=current_partner().id, follow_up_id=follow_up_id
    )
    return follow_ups.record_follow_up(db.session, follow_up=follow_up, actor=current_actor(), **args)
