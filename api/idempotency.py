"""The Idempotency-Key contract of API.md for POST routes, applied once as a decorator."""

from functools import wraps

from flask import current_app, json, request

from api.auth import current_actor
from api.errors import problem
from api.extensions import db
from partnerhub import intake

HEADER = "Idempotency-Key"
_DOC = {
    "in": "header",
    "name": HEADER,
    "required": True,
    "schema": {"type": "string", "maxLength": 200},
    "description": "Unique per request; the same key and body replay the first response for 24 hours.",
}


def idempotent(view):
    """Require an Idempotency-Key; replay the first response, refuse reuse and requests in flight."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key or len(key) > 200:
            return problem(
                400, "Bad Request", f"This request needs an {HEADER} header (1 to 200 characters)."
            )
        partner_id = current_actor().partner_id
        fingerprint = intake.request_fingerprint(request.get_data())
        replay = intake.check_idempotency_key(
            db.session, partner_id=partner_id, key=key, fingerprint=fingerprint
        )
        if replay is not None:
            response = current_app.response_class(
                json.dumps(replay.body), status=replay.status, mimetype="application/json"
            )
            response.headers["Idempotent-Replayed"] = "true"
            return response
        # The key is stored with the response in the request's transaction: an error response or
        # an exception rolls it back with the work, so the partner may retry with the same key.
        response = view(*args, **kwargs)
        if response.status_code < 400:
            intake.keep_response(
                db.session,
                partner_id=partner_id,
                key=key,
                fingerprint=fingerprint,
                status=response.status_code,
                body=response.get_json(),
            )
        return response

    wrapped._apidoc = getattr(view, "_apidoc", {})
    wrapped._apidoc.setdefault("manual_doc", {}).setdefault("parameters", []).append(_DOC)
    return wrapped
