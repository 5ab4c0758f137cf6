"""A company signs itself up: its profile and its first manager, then it waits for approval."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from api.extensions import db, limiter
from api.ratelimit import login_limit
from api.web.audit import base_url
from api.web.forms import SignupForm
from api.web.passwords import mail_sending_key
from api.web.session import current_user
from partnerhub.people import accounts

bp = Blueprint("signup", __name__)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(login_limit, key_func=mail_sending_key, methods=["POST"])
def signup():
    """Register a company; the answer is the same whether or not the manager's address has a login."""
    if current_user() is not None:
        return redirect(url_for("web.account.home"))
    form = SignupForm()
    if form.validate_on_submit():
        partner = accounts.register_company(
            db.session, manager=form.manager(), base_url=base_url(), size=form.size(), **form.profile()
        )
        flash(
            _(
                "%(name)s is registered and waits for an operator's approval. We have written to "
                "%(email)s: you will hear from us there once it is approved.",
                name=partner.name,
                email=form.manager_email.data.strip(),
            ),
            "success",
        )
        return redirect(url_for("web.account.login"), 303)
    return render_template("account/signup.html", form=form), 422 if form.errors else 200
