"""Machine auth: the OAuth2 token endpoint and the checks every API route makes."""

from functools import wraps

from flask import current_app, g, jsonify, request
from flask_jwt_extended import create_access_token
from sqlalchemy import bindparam, select

from api.errors import problem
from api.extensions import db, jwt, limiter
from api.parsing import Blueprint
from api.ratelimit import address_key, token_address_limit, token_claims, token_client_key, token_limit
from api.schemas import PROBLEM, OAuthError, Problem, TokenIn, TokenOut
from partnerhub.core.actors import Actor
from partnerhub.core.db import adopt, columns_of
from partnerhub.core.errors import InvalidCredentials
from partnerhub.models import ApiClient, Partner
from partnerhub.people import credentials

blp = Blueprint("oauth", __name__, url_prefix="/api/v1/oauth", description="OAuth2 client credentials")


def _oauth_error(status: int, error: str, description: str):
    # RFC 6749 5.2 bodies, not problem+json: OAuth client libraries parse these.
    response = jsonify(error=error, error_description=description)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="partnerhub"'
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/token", methods=["POST"])
@blp.arguments(TokenIn, location="json_or_form", unknown="exclude")
@blp.response(200, TokenOut)
@blp.alt_response(400, schema=OAuthError, description="unsupported_grant_type")
@blp.alt_response(401, schema=OAuthError, description="invalid_client")
@blp.alt_response(
    429,
    schema=Problem,
    content_type=PROBLEM,
    description="Too many token requests for this client_id, or from this address",
)
# Both: random client ids from one address, and one client id from many, each reach a limit.
@limiter.limit(
    token_limit, key_func=token_client_key, error_message="Too many token requests for this client_id"
)
@limiter.limit(
    token_address_limit, key_func=address_key, error_message="Too many token requests from your address"
)
def issue_token(args):
    """Trade a client id and secret for a short-lived access token."""
    if request.authorization and request.authorization.type == "basic":
        args.setdefault("client_id", request.authorization.username)
        args.setdefault("client_secret", request.authorization.password)
    if not args.get("grant_type"):
        return _oauth_error(400, "invalid_request", "grant_type is required.")
    if args["grant_type"] != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "Only client_credentials is supported.")
    if not args.get("client_id") or not args.get("client_secret"):
        return _oauth_error(401, "invalid_client", "client_id and client_secret are required.")
    try:
        client = credentials.authenticate_client(
            db.session,
            client_id=args["client_id"],
            client_secret=args["client_secret"],
            hmac_key=current_app.config["CLIENT_SECRET_HMAC_KEY"],
        )
    except InvalidCredentials as exc:
        return _oauth_error(401, "invalid_client", exc.message)
    scopes = client.scopes
    if args.get("scope"):
        scopes = [s for s in args["scope"].split() if s in client.scopes]
    expires = int(current_app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds())
    return {
        "access_token": mint_token(client, scopes),
        "token_type": "Bearer",
        "expires_in": expires,
        "scope": " ".join(scopes),
    }


def mint_token(client: ApiClient, scopes: list[str]) -> str:
    """A signed access token for `client`, carrying its partner and granted scopes."""
    return create_access_token(
        identity=str(client.id),
        additional_claims={"partner_id": client.partner_id, "scope": " ".join(scopes)},
    )


def current_partner() -> Partner | None:
    """The caller's partner (found in the session: `require` put it there); None for a platform client."""
    partner_id = g.actor.partner_id
    return None if partner_id is None else db.session.get(Partner, partner_id)


# The client and its partner in one query, as a plain row: every guarded request reads both.
_CLIENT_WITH_PARTNER = (
    select(
        ApiClient.id,
        ApiClient.client_id,
        ApiClient.revoked_at,
        *columns_of(Partner, prefix="partner_"),
    )
    .outerjoin(Partner, Partner.id == ApiClient.partner_id)
    .where(ApiClient.id == bindparam("id"))
)


def require(*scopes: str):
    """Guard a view: a valid token, from a live client, holding one of `scopes`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            # Verified once per request: the rate limiter did it already when it counted this one.
            claims = token_claims()
            if not set(scopes) & set(claims.get("scope", "").split()):
                wanted = " or ".join(repr(s) for s in scopes)
                return problem(403, "Forbidden", f"This token lacks the {wanted} scope.")
            row = db.session.connection().execute(_CLIENT_WITH_PARTNER, {"id": int(claims["sub"])}).first()
            if row is None or row.revoked_at is not None:
                return _unauthorized("This client has been revoked.")
            # The partner's own id, labelled partner_id; None for a client of no partner.
            partner_id = row.partner_id
            if partner_id is not None:
                partner = adopt(db.session, Partner, row._mapping, prefix="partner_")
                if partner.status != "active":
                    return _unauthorized(f"The partner behind this token is {partner.status}.")
            # Plain values for the request log and the domain.
            g.actor = Actor.client(partner_id=partner_id, client_id=row.id)
            g.client_id = row.client_id
            return view(*args, **kwargs)

        # Document the requirement in OpenAPI beside what flask-smorest collected.
        wrapped._apidoc = getattr(view, "_apidoc", {})
        wrapped._apidoc.setdefault("manual_doc", {})["security"] = [{"bearerAuth": list(scopes)}]
        return wrapped

    return decorator


def _unauthorized(reason: str):
    response = problem(401, "Unauthorized", reason)
    response.headers["WWW-Authenticate"] = 'Bearer realm="partnerhub"'
    return response


@jwt.unauthorized_loader
def _missing_token(reason):
    return _unauthorized("A bearer token is required: " + reason)


@jwt.invalid_token_loader
def _invalid_token(reason):
    return _unauthorized("The token is malformed or its signature is wrong: " + reason)


@jwt.expired_token_loader
def _expired_token(header, payload):
    return _unauthorized("The token has expired; request a new one.")


def current_actor() -> Actor:
    """The caller as the domain's Actor: the API client acting for its partner."""
    return g.actor


def acting() -> dict:
    """The calling client and the request's address: the `actor` and `origin` the domain records."""
    return {"actor": g.actor, "origin": request.remote_addr or ""}
