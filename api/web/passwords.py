"""Forgotten passwords (a single-use link by email) and one's own account: name and password."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from api.extensions import db, limiter
from api.ratelimit import login_limit
from api.web.audit import base_url
from api.web.forms import ChangePasswordForm, LanguageForm, NameForm, NewPasswordForm, ResetRequestForm
from api.web.i18n import language_changed
from api.web.session import current_user, log_in, role_required
from partnerhub.core.errors import Conflict, InvalidInput
from partnerhub.people import accounts

bp = Blueprint("passwords", __name__)


def mail_sending_key() -> str:
    """Forms that email whatever address is typed count per address of the sender, as sign-in does:
    nobody fills strangers' inboxes from one machine."""
    return "mailing:" + (request.remote_addr or "unknown")


@bp.route("/password-reset", methods=["GET", "POST"])
@limiter.limit(login_limit, key_func=mail_sending_key, methods=["POST"])
def request_reset():
    """Ask for a reset link; the answer never tells whether the address has a login."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        accounts.request_password_reset(db.session, email=form.email.data, base_url=base_url())
        return render_template("account/reset_sent.html", email=form.email.data.strip())
    return render_template("account/reset_request.html", form=form), 422 if form.errors else 200


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    """Choose a new password through the emailed link; every other session of the person ends."""
    try:
        accounts.usable_reset(db.session, token=token)
    except Conflict as unusable:
        # 410: the link is gone for good; the page offers a new one.
        return render_template("account/reset_unusable.html", reason=unusable.words), 410
    form = NewPasswordForm()
    if form.validate_on_submit():
        accounts.reset_password(db.session, token=token, password=form.password.data)
        flash(
            _("Your new password is set, and every other session of yours has ended. Sign in with it."),
            "success",
        )
        return redirect(url_for("web.account.login"), 303)
    return render_template("account/reset.html", form=form, token=token), 422 if form.errors else 200


def _account_page(name_form=None, password_form=None, language_form=None, status=200):
    user = current_user()
    page = render_template(
        "account/account.html",
        name_form=name_form or NameForm(formdata=None, obj=user),
        password_form=password_form or ChangePasswordForm(formdata=None),
        language_form=language_form or LanguageForm(formdata=None, language=user.language or ""),
    )
    return page, status


@bp.get("/account")
@role_required("admin", "manager", "rep")
def account():
    """One's own name and password."""
    return _account_page()


@bp.post("/account/name")
@role_required("admin", "manager", "rep")
def rename():
    form = NameForm()
    if not form.validate_on_submit():
        return _account_page(name_form=form, status=422)
    accounts.rename(db.session, user=current_user(), name=form.name.data)
    flash(_("Your name is saved."), "success")
    return redirect(url_for("web.passwords.account"), 303)


@bp.post("/account/language")
@role_required("admin", "manager", "rep")
def choose_language():
    """The language one reads the pages and one's emails in, or the browser's again."""
    form = LanguageForm()
    if not form.submitted(
        lambda: accounts.choose_language(db.session, user=current_user(), language=form.language.data)
    ):
        return _account_page(language_form=form, status=422)
    # Already in the language just chosen: Flask-Babel asked for this request's before the change.
    language_changed()
    flash(_("Your language is saved."), "success")
    return redirect(url_for("web.passwords.account"), 303)


@bp.post("/account/password")
@role_required("admin", "manager", "rep")
def change_password():
    """A new password, the current one asked first; other sessions end, this one goes on."""
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _account_page(password_form=form, status=422)
    user = current_user()
    try:
        accounts.change_password(
            db.session,
            user=user,
            current=form.current_password.data,
            new=form.password.data,
            base_url=base_url(),
        )
    except InvalidInput as refused:
        # Nothing changed but the count of wrong passwords, which must stay.
        db.session.commit()
        for name, reasons in refused.errors.items():
            form[name].errors = [f"This {'; '.join(reasons)}."]
        return _account_page(password_form=form, status=422)
    log_in(user)
    flash(_("Your new password is set; every other session of yours has ended."), "success")
    return redirect(url_for("web.passwords.account"), 303)
