"""A page form that creates something does it once, however often the same form is posted.

A double click or a reload posts the same form again. Each form that creates carries a one-time
key, rendered with the form (and kept when the page shows it again after a refusal); the first
post's redirect is kept under that key in the API's idempotency store (intake), and the same form
posted again goes where the first went, creating nothing. The key is stored per person and per
the form's content: a form sent back and changed is another submission, which goes through once.
"""

import json
import re
import secrets
from functools import wraps

from flask import make_response, redirect, request

from api.extensions import db
from api.web.session import current_partner, current_user
from partnerhub.exchange import intake

FIELD = "idempotency_key"
# What `new_key` makes; anything else (a form rendered before keys existed) posts as before.
_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# A redirect is the one answer a page replays: it says where the created thing is.
_REPLAYED = 303


def new_key() -> str:
    """A one-time key for a form being rendered."""
    return secrets.token_urlsafe(16)


def _fingerprint() -> str:
    # The CSRF token changes with each render and the key is the key: neither is what was submitted.
    submitted = sorted(
        (name, value)
        for name in request.form
        if name not in (FIELD, "csrf_token")
        for value in request.form.getlist(name)
    )
    return intake.request_fingerprint(json.dumps(submitted).encode())


def once_per_form(view):
    """Do a creating form's POST once per key and content; a repeat goes where the first went."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        key = request.form.get(FIELD, "")
        if request.method != "POST" or not _KEY.fullmatch(key):
            return view(*args, **kwargs)
        partner_id, fingerprint = current_partner().id, _fingerprint()
        scoped = f"page:{current_user().id}:{key}:{fingerprint[:16]}"
        # A double click's second post waits for the first to end rather than being refused.
        first = intake.check_idempotency_key(
            db.session, partner_id=partner_id, key=scoped, fingerprint=fingerprint, wait=True
        )
        if first is not None:
            return redirect(first.body["location"], _REPLAYED)
        response = make_response(view(*args, **kwargs))
        # A refusal shows the form again and keeps nothing, so the corrected form goes through.
        if response.status_code == _REPLAYED and response.location:
            intake.keep_response(
                db.session,
                partner_id=partner_id,
                key=scoped,
                fingerprint=fingerprint,
                status=_REPLAYED,
                body={"location": response.location},
            )
        return response

    return wrapped
