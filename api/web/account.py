"""Signing in and out, and the home page each role starts from."""

import math

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from api.extensions import db, limiter
from api.ratelimit import address_key, login_account_key, login_address_limit, login_limit
from api.web.audit import base_url
from api.web.forms import LoginForm
from api.web.session import current_user, log_in, log_out, role_required, safe_next
from partnerhub.core.actors import Actor
from partnerhub.core.db import utcnow
from partnerhub.core.errors import InvalidCredentials, SignInPaused
from partnerhub.core.i18n import N_
from partnerhub.directory import partners as directory
from partnerhub.exchange import inbox, partnerships
from partnerhub.people import credentials
from partnerhub.reports import flags

bp = Blueprint("account", __name__)


@bp.route("/login", methods=["GET", "POST"])
# Both: one address guessing at many accounts, and many addresses guessing at one, each reach a limit.
@limiter.limit(
    login_limit,
    key_func=login_account_key,
    methods=["POST"],
    error_message=N_("Too many sign-in attempts for this account"),
)
@limiter.limit(
    login_address_limit,
    key_func=address_key,
    methods=["POST"],
    error_message=N_("Too many sign-in attempts from your address"),
)
def login():
    """Sign in with email and password."""
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = credentials.authenticate_user(
                db.session, email=form.email.data, password=form.password.data, base_url=base_url()
            )
        except InvalidCredentials as refused:
            # Refused, yet the wrong password counts towards the account's slow-down.
            db.session.commit()
            if isinstance(refused, SignInPaused):
                return _paused_page(form, refused)
            raise
        log_in(user)
        return redirect(safe_next(form.next.data) or url_for("web.account.home"), 303)
    if request.method == "GET" and current_user() is not None:
        return redirect(url_for("web.account.home"))
    return render_template("account/login.html", form=form), 422 if form.errors else 200


def _paused_page(form: LoginForm, paused: SignInPaused):
    seconds = max((paused.until - utcnow()).total_seconds(), 1)
    page = render_template("account/login.html", form=form, paused_minutes=math.ceil(seconds / 60))
    return page, 429, {"Retry-After": str(math.ceil(seconds))}


@bp.post("/logout")
def logout():
    """Sign out and forget the session."""
    log_out()
    flash(_("You are signed out."), "info")
    return redirect(url_for("web.account.login"), 303)


def _unseen_flags(partner_id: int) -> int:
    shown = flags.flags_for_period(db.session, partner_id=partner_id, now=utcnow())
    return sum(1 for s in shown if not s.seen)


@bp.get("/")
@role_required("admin", "manager", "rep")
def home():
    """The start page of the signed-in role."""
    user = current_user()
    if user.role == "admin":
        pending = db.session.scalars(directory.partners_by_status("pending")).all()
        managers: dict[int, list] = {}
        for manager in db.session.scalars(directory.managers_of(*(p.id for p in pending))):
            managers.setdefault(manager.partner_id, []).append(manager)
        return render_template(
            "account/home_admin.html",
            counts=directory.count_partners_by_status(db.session),
            pending=pending,
            managers=managers,
        )
    partner = user.partner
    actor = Actor.user(partner_id=partner.id, user_id=user.id)
    return render_template(
        "account/home_partner.html",
        todos=inbox.to_dos(db.session, actor=actor),
        flags=_unseen_flags(partner.id) if user.role == "manager" else None,
        partner=partner,
        partners=partnerships.partners_of(db.session, partner_id=partner.id, status="active"),
        proposals=partnerships.partners_of(db.session, partner_id=partner.id, status="proposed"),
    )
