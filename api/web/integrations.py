"""The manager's integrations: API clients and webhook endpoints, without asking the operator."""

from flask import Blueprint, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _

from api.extensions import db
from api.observability import request_origin
from api.web.forms import EVENT_WORDS, ApiClientForm, WebhookEndpointForm, refusal_into
from api.web.idempotency import once_per_form
from api.web.listing import page_of
from api.web.session import current_actor, current_partner, role_required
from partnerhub.core.errors import DomainError
from partnerhub.delivery import integrations, webhooks
from partnerhub.models import Delivery, WebhookEndpoint
from partnerhub.people import credentials

bp = Blueprint("integrations", __name__, url_prefix="/integrations")
# A secret waits here between the POST that made it and the page that shows it once.
NEW_SECRET = "new_integration_secret"


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    return webhooks.get_endpoint(db.session, partner_id=current_partner().id, endpoint_id=endpoint_id)


def _show_once(kind: str, name: str, secret: str) -> None:
    # Shown by the page this redirects to, not by the POST's response: reloading that would
    # post again and make a second client or rotate once more.
    session[NEW_SECRET] = {"partner_id": current_partner().id, "kind": kind, "name": name, "secret": secret}


def _page(client_form=None, endpoint_form=None, status: int = 200):
    partner = current_partner()
    shown = session.pop(NEW_SECRET, None)
    page = render_template(
        "integrations/index.html",
        partner=partner,
        clients=db.session.scalars(credentials.api_clients_of(partner.id)).all(),
        endpoints=db.session.scalars(webhooks.endpoints_of(partner.id).order_by(WebhookEndpoint.id)).all(),
        deliveries=page_of(
            integrations.deliveries_shown(partner.id), Delivery.id, endpoint="web.integrations.index"
        ),
        redeliverable=webhooks.REDELIVERABLE,
        client_form=client_form or ApiClientForm(formdata=None),
        endpoint_form=endpoint_form or WebhookEndpointForm(formdata=None),
        event_words=EVENT_WORDS,
        new_secret=shown if shown and shown["partner_id"] == partner.id else None,
    )
    return page, status


@bp.get("")
@role_required("manager")
def index():
    """API clients, webhook endpoints and recent deliveries; a new secret this once."""
    return _page()


@bp.post("/clients")
@role_required("manager")
@once_per_form
def create_client():
    """Issue API credentials with every partner scope; the secret is shown once."""
    form = ApiClientForm()
    if not form.validate_on_submit():
        return _page(client_form=form, status=422)
    client, secret = integrations.create_client(
        db.session,
        partner=current_partner(),
        name=form.name.data or "",
        actor=current_actor(),
        origin=request_origin(),
        hmac_key=current_app.config["CLIENT_SECRET_HMAC_KEY"],
    )
    _show_once("client", client.client_id, secret)
    return redirect(url_for("web.integrations.index"), 303)


@bp.post("/clients/<client_id>/revoke")
@role_required("manager")
def revoke_client(client_id: str):
    """Revoke a client: its tokens stop working at once."""
    integrations.revoke_client(
        db.session,
        of_partner=current_partner().id,
        client_id=client_id,
        actor=current_actor(),
        origin=request_origin(),
    )
    flash(_("API client %(id)s is revoked; its tokens no longer work.", id=client_id), "success")
    return redirect(url_for("web.integrations.index"), 303)


@bp.post("/endpoints")
@role_required("manager")
@once_per_form
def create_endpoint():
    """Register a webhook endpoint; its signing secret is shown once."""
    form = WebhookEndpointForm()
    if form.validate_on_submit():
        try:
            endpoint = integrations.add_endpoint(
                db.session,
                partner=current_partner(),
                url=form.url.data.strip(),
                events=form.events.data or [],
                description=form.description.data or "",
                private_ok=bool(current_app.config["WEBHOOK_PRIVATE_NETWORKS"]),
                actor=current_actor(),
                origin=request_origin(),
            )
        except DomainError as exc:
            # A whole-request refusal (too many endpoints) goes above the form; the values stay.
            refusal_into(form, exc)
        else:
            _show_once("endpoint", endpoint.url, endpoint.secret)
            return redirect(url_for("web.integrations.index"), 303)
    db.session.rollback()
    return _page(endpoint_form=form, status=422)


@bp.post("/endpoints/<int:endpoint_id>/rotate")
@role_required("manager")
def rotate(endpoint_id: int):
    """A new signing secret; the old one keeps signing for 24 hours."""
    endpoint = _endpoint(endpoint_id)
    secret = integrations.rotate_secret(
        db.session, endpoint=endpoint, actor=current_actor(), origin=request_origin()
    )
    _show_once("rotated", endpoint.url, secret)
    return redirect(url_for("web.integrations.index"), 303)


@bp.post("/endpoints/<int:endpoint_id>/<any(enable, disable):move>")
@role_required("manager")
def enable(endpoint_id: int, move: str):
    """Start or stop sending to an endpoint."""
    endpoint = integrations.update_endpoint(
        db.session,
        endpoint=_endpoint(endpoint_id),
        enabled=move == "enable",
        actor=current_actor(),
        origin=request_origin(),
    )
    flash(
        _("%(url)s is enabled.", url=endpoint.url)
        if move == "enable"
        else _("%(url)s is disabled.", url=endpoint.url),
        "success",
    )
    return redirect(url_for("web.integrations.index"), 303)


@bp.post("/endpoints/<int:endpoint_id>/test")
@role_required("manager")
def send_test(endpoint_id: int):
    """Queue a signed test event to one endpoint."""
    endpoint = _endpoint(endpoint_id)
    webhooks.send_test_event(db.session, endpoint=endpoint)
    flash(_("A test event is on its way to %(url)s; its delivery shows below.", url=endpoint.url), "success")
    return redirect(url_for("web.integrations.index"), 303)


@bp.post("/endpoints/<int:endpoint_id>/delete")
@role_required("manager")
def delete(endpoint_id: int):
    """Retire an endpoint; its deliveries stay listed."""
    endpoint = _endpoint(endpoint_id)
    integrations.delete_endpoint(
        db.session, endpoint=endpoint, actor=current_actor(), origin=request_origin()
    )
    flash(_("%(url)s is deleted; nothing more is sent to it.", url=endpoint.url), "success")
    return redirect(url_for("web.integrations.index"), 303)


@bp.post("/deliveries/<int:delivery_id>/redeliver")
@role_required("manager")
def redeliver(delivery_id: int):
    """Send a failed delivery again, with the same webhook-id."""
    delivery = webhooks.get_delivery(db.session, partner_id=current_partner().id, delivery_id=delivery_id)
    webhooks.redeliver(db.session, delivery=delivery)
    flash(_("Delivery %(id)s is queued again.", id=delivery.id), "success")
    return redirect(url_for("web.integrations.index"), 303)
