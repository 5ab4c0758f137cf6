"""A partner's webhook endpoints and the outbox of deliveries to them."""

from datetime import UTC

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from api.auth import current_actor, current_partner, require
from api.extensions import db
from api.observability import request_origin
from api.pagination import paginate
from api.parsing import Blueprint
from api.schemas import ListArgs, PatchSchema, page_schema
from api.v1.fields import JsonBoolean, url_field
from partnerhub.delivery import integrations, webhooks
from partnerhub.models import Delivery, WebhookEndpoint
from partnerhub.models.delivery import DELIVERY_STATUSES, EVENT_TYPES

blp = Blueprint("webhooks", __name__, url_prefix="/api/v1", description="Webhooks")

SCOPE = "webhooks:manage"
_events = fields.List(
    fields.String(validate=validate.OneOf(EVENT_TYPES)),
    metadata={"description": "Event types to receive; empty means all of them"},
)


class EndpointIn(Schema):
    url = url_field(WebhookEndpoint.url, required=True)
    events = _events
    description = fields.String(validate=validate.Length(max=500), load_default="")
    enabled = JsonBoolean(load_default=True)


class EndpointPatch(PatchSchema):
    url = url_field(WebhookEndpoint.url)
    events = _events
    description = fields.String(validate=validate.Length(max=500))
    enabled = JsonBoolean()


class EndpointOut(Schema):
    id = fields.Integer()
    url = fields.String()
    events = fields.List(fields.String())
    description = fields.String()
    enabled = fields.Boolean()
    disabled_reason = fields.String(allow_none=True)
    previous_secret_expires_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class EndpointWithSecret(EndpointOut):
    secret = fields.String(metadata={"description": "whsec_...; shown on creation and rotation only"})


class DeliveryArgs(ListArgs):
    status = fields.String(validate=validate.OneOf(DELIVERY_STATUSES))


class DeliveryOut(Schema):
    id = fields.Integer()
    endpoint_id = fields.Integer()
    webhook_id = fields.String(attribute="message_id")
    event_type = fields.String()
    status = fields.String()
    attempt_count = fields.Integer(attribute="attempts")
    next_attempt_at = fields.DateTime(allow_none=True)
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    payload = fields.Dict()


class AttemptOut(Schema):
    at = fields.DateTime()
    status_code = fields.Integer(allow_none=True)
    duration_ms = fields.Integer()
    response_excerpt = fields.String()
    error = fields.String(allow_none=True)


class DeliveryDetail(DeliveryOut):
    attempts = fields.List(fields.Nested(AttemptOut), attribute="attempt_log")


class RedeliverSinceIn(Schema):
    since = fields.AwareDateTime(required=True, default_timezone=UTC)


class RedeliverSinceOut(Schema):
    count = fields.Integer()
    ids = fields.List(fields.Integer())


def _own_endpoint(endpoint_id: int) -> WebhookEndpoint:
    return webhooks.get_endpoint(db.session, partner_id=current_partner().id, endpoint_id=endpoint_id)


def _own_delivery(delivery_id: int) -> Delivery:
    return webhooks.get_delivery(db.session, partner_id=current_partner().id, delivery_id=delivery_id)


@blp.route("/webhook-endpoints")
class Endpoints(MethodView):
    @require(SCOPE)
    @blp.arguments(ListArgs, location="query")
    @blp.response(200, page_schema(EndpointOut, "WebhookEndpointPage"))
    def get(self, args):
        """List the caller's webhook endpoints."""
        return paginate(db.session, webhooks.endpoints_of(current_partner().id), WebhookEndpoint.id, **args)

    @require(SCOPE)
    @blp.arguments(EndpointIn)
    @blp.response(201, EndpointWithSecret)
    def post(self, args):
        """Register an endpoint; the response carries its secret, shown this once."""
        return integrations.add_endpoint(
            db.session,
            partner=current_partner(),
            private_ok=_private_ok(),
            actor=current_actor(),
            origin=request_origin(),
            **args,
        )


@blp.route("/webhook-endpoints/<int:endpoint_id>")
class EndpointById(MethodView):
    @require(SCOPE)
    @blp.response(200, EndpointOut)
    def get(self, endpoint_id):
        """Show one of the caller's endpoints (without its secret)."""
        return _own_endpoint(endpoint_id)

    @require(SCOPE)
    @blp.arguments(EndpointPatch)
    @blp.response(200, EndpointOut)
    def patch(self, args, endpoint_id):
        """Change an endpoint's URL, events, description or enabled state."""
        return integrations.update_endpoint(
            db.session,
            endpoint=_own_endpoint(endpoint_id),
            private_ok=_private_ok(),
            actor=current_actor(),
            origin=request_origin(),
            **args,
        )

    @require(SCOPE)
    @blp.response(204)
    def delete(self, endpoint_id):
        """Retire an endpoint; what was queued for it fails."""
        integrations.delete_endpoint(
            db.session, endpoint=_own_endpoint(endpoint_id), actor=current_actor(), origin=request_origin()
        )


@blp.route("/webhook-endpoints/<int:endpoint_id>/rotate-secret", methods=["POST"])
@require(SCOPE)
@blp.response(200, EndpointWithSecret)
def rotate_secret(endpoint_id):
    """Issue a new secret; the old one keeps signing beside it for 24 hours."""
    endpoint = _own_endpoint(endpoint_id)
    integrations.rotate_secret(db.session, endpoint=endpoint, actor=current_actor(), origin=request_origin())
    return endpoint


@blp.route("/deliveries")
class Deliveries(MethodView):
    @require(SCOPE)
    @blp.arguments(DeliveryArgs, location="query")
    @blp.response(200, page_schema(DeliveryOut, "DeliveryPage"))
    def get(self, args):
        """List the caller's outbox, newest first, optionally by status."""
        stmt = webhooks.deliveries_of(current_partner().id, status=args.pop("status", None))
        return paginate(db.session, stmt, Delivery.id, **args)


@blp.route("/deliveries/<int:delivery_id>")
@require(SCOPE)
@blp.response(200, DeliveryDetail)
def get_delivery(delivery_id):
    """Show one delivery with every attempt made."""
    return _own_delivery(delivery_id)


@blp.route("/deliveries/<int:delivery_id>/redeliver", methods=["POST"])
@require(SCOPE)
@blp.response(202, DeliveryOut)
def redeliver(delivery_id):
    """Queue a delivery again, with the same webhook-id."""
    return webhooks.redeliver(db.session, delivery=_own_delivery(delivery_id))


@blp.route("/deliveries/redeliver", methods=["POST"])
@require(SCOPE)
@blp.arguments(RedeliverSinceIn)
@blp.response(202, RedeliverSinceOut)
def redeliver_since(args):
    """Queue again every failed or dead delivery created since a time."""
    queued = webhooks.redeliver_failed_since(db.session, partner_id=current_partner().id, since=args["since"])
    return {"count": len(queued), "ids": [d.id for d in queued]}


def _private_ok() -> bool:
    return bool(current_app.config["WEBHOOK_PRIVATE_NETWORKS"])
