"""The Idempotency-Key contract of API.md for POST routes, applied once as a decorator."""

import re
from functools import wraps

from flask import current_app, json, request

from api.auth import current_actor
from api.errors import problem
from api.extensions import db
from partnerhub.exchange import intake

HEADER = "Idempotency-Key"
# 1 to 200 printable ASCII characters, no spaces: a UUID fits, and nothing a proxy might rewrite.
KEY_PATTERN = "^[!-~]{1,200}$"
_KEY = re.compile(KEY_PATTERN)
_DOC = {
    "in": "header",
    "name": HEADER,
    "required": True,
    "schema": {"type": "string", "pattern": KEY_PATTERN, "example": "5f0c2b8e-3d4a-4f7e-9a51-0c6f1d2e7b93"},
    "description": "Unique per request; the same key and body replay the first response for 24 hours, "
    "the same key with another body is 422.",
}


def idempotent(view):
    """Require an Idempotency-Key; replay the first response, refuse reuse and requests in flight."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        key = request.headers.get(HEADER, "")
        if not _KEY.fullmatch(key):
            return problem(
                400,
                "Bad Request",
                f"This request needs an {HEADER} header of 1 to 200 printable characters, no spaces.",
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
