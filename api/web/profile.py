"""The manager's own partner profile and size."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from api.extensions import db
from api.web.audit import acting
from api.web.forms import ProfileForm
from api.web.session import current_partner, role_required
from partnerhub.directory import partners as directory

bp = Blueprint("profile", __name__, url_prefix="/profile")


@bp.route("", methods=["GET", "POST"])
@role_required("manager")
def edit():
    """Show and change the partner's profile and size."""
    partner = current_partner()
    form = ProfileForm(obj=partner)
    if form.submitted(
        lambda: directory.update_profile(
            db.session, partner=partner, size=form.size(), **form.profile(), **acting()
        )
    ):
        flash(_("Profile saved."), "success")
        return redirect(url_for("web.profile.edit"), 303)
    return render_template("profile/edit.html", form=form, partner=partner), 422 if form.errors else 200
