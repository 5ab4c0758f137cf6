"""Who is signed in: the session cookie, the current user and partner, and the role guard."""

import unicodedata
from functools import wraps
from ipaddress import ip_address
from urllib.parse import urlsplit

from flask import abort, g, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from api.doors import for_api
from api.extensions import db
from partnerhub.core.actors import Actor, in_good_standing
from partnerhub.models import Partner, User
from partnerhub.people import credentials

PARTNER_ROLES = ("rep", "manager")
_LOOPBACK_NAMES = ("localhost",)


def _is_loopback(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    name = name.strip("[]")
    if name in _LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ip_address(name).is_loopback
    except ValueError:
        return False


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, Secure everywhere except plain HTTP on this machine.

    SESSION_COOKIE_SECURE true or false forces the flag; left at None, a request
    over HTTPS or to any host but loopback gets a Secure cookie, so `make run` on
    http://127.0.0.1 works and a deployment never sends the session in clear.
    """

    def open_session(self, app, request):
        # The API authenticates by bearer token and never reads the page session: a browser's
        # cookie is neither decoded nor refreshed there, which cost every API call 55 us.
        if for_api():
            return self.make_null_session(app)
        return super().open_session(app, request)

    def get_cookie_secure(self, app) -> bool:
        forced = app.config.get("SESSION_COOKIE_SECURE")
        if forced is not None:
            return bool(forced)
        return request.is_secure or not _is_loopback(request.host)


def log_in(user: User) -> None:
    """Start a fresh session for `user`: nothing from before the login survives, CSRF token included."""
    session.clear()
    session["user_id"] = user.id
    session["generation"] = user.session_generation
    session.permanent = True
    g.user = user


def log_out() -> None:
    """End the session here and every copy of its cookie (the user's other sessions too)."""
    user = current_user()
    if user is not None:
        credentials.end_sessions(db.session, user)
    session.clear()
    g.user = None


def current_user() -> User | None:
    """The signed-in, still active user, loaded once per request."""
    if "user" not in g:
        user_id = session.get("user_id")
        user = db.session.get(User, user_id) if user_id is not None else None
        live = user is not None and user.active and session.get("generation") == user.session_generation
        g.user = user if live else None
    return g.user


def current_partner() -> Partner:
    """The signed-in user's partner; only views guarded by a partner role call this."""
    user = current_user()
    if user is None or user.partner is None:
        abort(404)
    return user.partner


def safe_next(target: str | None) -> str | None:
    """A path of this site to go back to, or None: never another site.

    Browsers drop tabs and line breaks inside a URL and read a backslash as a slash,
    so `/<tab>/evil.example` is `//evil.example` to them, another site; a line break
    cannot go into a header at all. A target holding any of them, or any other control
    character or space, is refused outright rather than cleaned. What is left must be
    a path: one slash first, so no scheme and no host.
    """
    if not target or any(c.isspace() or c == "\\" or unicodedata.category(c) == "Cc" for c in target):
        return None
    if target.startswith("/") and not target.startswith("//"):
        return target
    return None


def role_required(*roles: str):
    """Guard a page: sign-in first, then a partner in good standing, then one of `roles`, else 403.

    A pending or suspended partner's people see only a page saying so, on every page at once:
    the partner's status is read afresh on each request, so an open session loses access too.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user()
            if user is None:
                back = request.full_path.rstrip("?") if request.method == "GET" else None
                return redirect(url_for("web.account.login", next=back))
            if user.partner is not None and not in_good_standing(user.partner):
                return render_template("account/standing.html", partner=user.partner), 403
            if user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def back_to(default: str) -> str:
    """The page the form was posted from, when it is one of ours; else `default`."""
    referrer = urlsplit(request.referrer or "")
    path = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    if referrer.netloc == request.host and safe_next(path):
        return path
    return default


def current_actor() -> Actor:
    """The signed-in partner user as the domain's Actor."""
    user = current_user()
    return Actor.user(partner_id=user.partner_id, user_id=user.id)
