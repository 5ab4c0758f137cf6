"""A partner's machine access as its managers run it: API clients and webhook endpoints, audited.

The rules stay where they are (`credentials`, `webhooks`); this module holds a
partner to its own clients and endpoints and writes each change to the audit
log with the change.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerhub import audit, credentials, webhooks
from partnerhub.actors import Actor
from partnerhub.errors import NotFound
from partnerhub.models import ApiClient, Delivery, Partner, WebhookEndpoint


def _note(session: Session, actor: Actor, action: str, target: str, origin: str, **details) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        partner_id=actor.partner_id,
        target=target,
        details=details,
        origin=origin,
    )


def create_client(
    session: Session, *, partner: Partner, name: str, actor: Actor, origin: str = ""
) -> tuple[ApiClient, str]:
    """Credentials with every partner scope; the secret is returned in clear this once."""
    client, secret = credentials.create_api_client(session, partner=partner, name=name)
    _note(session, actor, "api_client.created", client.client_id, origin, name=name, scopes=client.scopes)
    return client, secret


def revoke_client(
    session: Session, *, partner_id: int, client_id: str, actor: Actor, origin: str = ""
) -> ApiClient:
    """Revoke one of the partner's clients; another partner's is not found."""
    owner = session.scalar(select(ApiClient.partner_id).where(ApiClient.client_id == client_id))
    if owner != partner_id:
        raise NotFound(f"No API client {client_id}.")
    client = credentials.revoke_api_client(session, client_id=client_id)
    _note(session, actor, "api_client.revoked", client.client_id, origin)
    return client


def add_endpoint(
    session: Session,
    *,
    partner: Partner,
    url: str,
    events: list[str],
    description: str,
    private_ok: bool,
    actor: Actor,
    origin: str = "",
) -> WebhookEndpoint:
    """Register an endpoint; its secret is readable on the returned object this once."""
    endpoint = webhooks.add_endpoint(
        session, partner=partner, url=url, events=events, description=description, private_ok=private_ok
    )
    _note(
        session,
        actor,
        "webhook_endpoint.created",
        endpoint.url,
        origin,
        endpoint_id=endpoint.id,
        events=events,
    )
    return endpoint


def rotate_secret(session: Session, *, endpoint: WebhookEndpoint, actor: Actor, origin: str = "") -> str:
    secret = webhooks.rotate_secret(session, endpoint=endpoint)
    _note(session, actor, "webhook_endpoint.rotated", endpoint.url, origin, endpoint_id=endpoint.id)
    return secret


def set_enabled(
    session: Session, *, endpoint: WebhookEndpoint, enabled: bool, actor: Actor, origin: str = ""
) -> WebhookEndpoint:
    webhooks.update_endpoint(session, endpoint=endpoint, enabled=enabled)
    action = "webhook_endpoint.enabled" if enabled else "webhook_endpoint.disabled"
    _note(session, actor, action, endpoint.url, origin, endpoint_id=endpoint.id)
    return endpoint


def delete_endpoint(session: Session, *, endpoint: WebhookEndpoint, actor: Actor, origin: str = "") -> None:
    webhooks.delete_endpoint(session, endpoint=endpoint)
    _note(session, actor, "webhook_endpoint.deleted", endpoint.url, origin, endpoint_id=endpoint.id)


def recent_deliveries(session: Session, *, partner_id: int, limit: int = 50) -> list[Delivery]:
    """The partner's newest deliveries, for the page that shows what left and what failed."""
    stmt = webhooks.deliveries_of(partner_id).order_by(Delivery.id.desc()).limit(limit)
    return list(session.scalars(stmt))
