"""The pages wired into the app: every page blueprint under one "web" parent, the session
cookie, the languages and template filters, and the headers every page carries.

A module of its own, not the package's __init__: api/errors.py renders a page's errors with
api/web/errors.py, and importing that must not import every page, which import api/errors.py.
"""

from flask import Blueprint, Flask, request

from api.doors import for_api
from api.extensions import db
from api.web import (
    account,
    admin,
    audit,
    balance,
    customers,
    follow_ups,
    i18n,
    inbox,
    integrations,
    leads,
    lines,
    notifications,
    partnerships,
    passwords,
    profile,
    signup,
    statements,
    team,
)
from api.web.session import CookieSessionInterface, current_user
from partnerhub.people.notifications import unread_count

# Pages load only what the app serves itself: no CDN, no inline script, never framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def _unread_notifications() -> int:
    """The bell's number: one count over an index, on every page a partner's person sees."""
    return unread_count(db.session, current_user().id)


def init_app(app: Flask) -> None:
    """Register the pages, the session cookie and the headers every page carries."""
    app.session_interface = CookieSessionInterface()
    # The parent of every page blueprint (endpoints read "web.lines.index"), holding the
    # templates and static files they share; made per app, as a registered blueprint is frozen.
    web = Blueprint(
        "web", __name__, template_folder="templates", static_folder="static", static_url_path="/assets"
    )
    for blueprint in (
        account.bp,
        inbox.bp,
        leads.bp,
        follow_ups.bp,
        balance.bp,
        profile.bp,
        customers.bp,
        team.bp,
        integrations.bp,
        lines.bp,
        partnerships.bp,
        statements.bp,
        admin.bp,
        audit.bp,
        signup.bp,
        passwords.bp,
        notifications.bp,
        i18n.bp,
    ):
        web.register_blueprint(blueprint)
    app.register_blueprint(web)

    i18n.init_app(app)

    @app.context_processor
    def signed_in():
        return {"current_user": current_user, "unread_notifications": _unread_notifications}

    @app.after_request
    def page_headers(response):
        if not for_api() and not request.path.startswith("/healthz"):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Referrer-Policy", "same-origin")
            if response.mimetype == "text/html":
                response.headers.setdefault("Cache-Control", "no-store")
        return response
