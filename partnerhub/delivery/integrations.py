"""Machine access as people change it: API clients and webhook endpoints, each change audited.

The rules stay where they are (`credentials`, `webhooks`); every door that
changes a client or an endpoint for someone (the API, a manager's page, the
operator's command line) comes through here, so each change is written to the
audit log with the change.
"""

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from partnerhub.core import audit
from partnerhub.core.actors import Actor
from partnerhub.core.errors import NotFound
from partnerhub.core.i18n import phrase
from partnerhub.delivery import webhooks
from partnerhub.models import ApiClient, Delivery, Partner, WebhookEndpoint
from partnerhub.people import credentials


def _note(
    session: Session,
    actor: Actor,
    action: str,
    *,
    target: str,
    partner_id: int | None,
    origin: str,
    **details,
):
    audit.record(
        session,
        actor=actor,
        action=action,
        partner_id=partner_id,
        target=target,
        details=details,
        origin=origin,
    )


def create_client(
    session: Session,
    *,
    partner: Partner | None,
    actor: Actor,
    name: str = "",
    scopes: list[str] | None = None,
    origin: str = "",
    hmac_key: str,
) -> tuple[ApiClient, str]:
    """Credentials (every partner scope unless `scopes` narrows them); the secret in clear this once."""
    client, secret = credentials.create_api_client(
        session, partner=partner, scopes=scopes, name=name, hmac_key=hmac_key
    )
    _note(
        session,
        actor,
        "api_client.created",
        target=client.client_id,
        partner_id=client.partner_id,
        origin=origin,
        name=name,
        scopes=client.scopes,
    )
    return client, secret


def revoke_client(
    session: Session, *, client_id: str, of_partner: int | None, actor: Actor, origin: str = ""
) -> ApiClient:
    """Revoke a client at once. `of_partner`: it must be that partner's, else it is not found
    (a manager's page); None for the operator, who may revoke any."""
    owner = session.scalar(select(ApiClient.partner_id).where(ApiClient.client_id == client_id))
    if of_partner is not None and owner != of_partner:
        raise NotFound(phrase("No API client %(id)s.", id=str(client_id)))
    client = credentials.revoke_api_client(session, client_id=client_id)
    _note(
        session,
        actor,
        "api_client.revoked",
        target=client.client_id,
        partner_id=client.partner_id,
        origin=origin,
    )
    return client


def add_endpoint(
    session: Session,
    *,
    partner: Partner,
    url: str,
    actor: Actor,
    events: list[str] | None = None,
    description: str = "",
    enabled: bool = True,
    private_ok: bool = False,
    origin: str = "",
) -> WebhookEndpoint:
    """Register an endpoint; its secret is readable on the returned object this once."""
    endpoint = webhooks.add_endpoint(
        session,
        partner=partner,
        url=url,
        events=events,
        description=description,
        enabled=enabled,
        private_ok=private_ok,
    )
    _endpoint_note(session, actor, "webhook_endpoint.created", endpoint, origin, events=endpoint.events)
    return endpoint


def _endpoint_note(
    session: Session, actor: Actor, action: str, endpoint: WebhookEndpoint, origin: str, **details
) -> None:
    _note(
        session,
        actor,
        action,
        target=endpoint.url,
        partner_id=endpoint.partner_id,
        origin=origin,
        endpoint_id=endpoint.id,
        **details,
    )


def rotate_secret(session: Session, *, endpoint: WebhookEndpoint, actor: Actor, origin: str = "") -> str:
    secret = webhooks.rotate_secret(session, endpoint=endpoint)
    _endpoint_note(session, actor, "webhook_endpoint.rotated", endpoint, origin)
    return secret


def update_endpoint(
    session: Session, *, endpoint: WebhookEndpoint, actor: Actor, origin: str = "", **changes
) -> WebhookEndpoint:
    """Change an endpoint (`webhooks.update_endpoint`'s fields); enabling and disabling are noted as such."""
    was_enabled = endpoint.enabled
    webhooks.update_endpoint(session, endpoint=endpoint, **changes)
    if endpoint.enabled != was_enabled:
        action = "webhook_endpoint.enabled" if endpoint.enabled else "webhook_endpoint.disabled"
        _endpoint_note(session, actor, action, endpoint, origin)
    edited = sorted(k for k, v in changes.items() if v is not None and k not in ("enabled", "private_ok"))
    if edited:
        _endpoint_note(session, actor, "webhook_endpoint.changed", endpoint, origin, fields=edited)
    return endpoint


def delete_endpoint(session: Session, *, endpoint: WebhookEndpoint, actor: Actor, origin: str = "") -> None:
    webhooks.delete_endpoint(session, endpoint=endpoint)
    _endpoint_note(session, actor, "webhook_endpoint.deleted", endpoint, origin)


def deliveries_shown(partner_id: int) -> Select:
    """The partner's deliveries with the endpoint each went to, for the page that shows what left and
    what failed; paged newest first by the caller."""
    return webhooks.deliveries_of(partner_id).options(joinedload(Delivery.endpoint))
