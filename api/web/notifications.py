"""A person's notifications: the list behind the header's bell, and their choices of how to hear."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from api.extensions import db
from api.web.session import current_user, role_required
from partnerhub.people import notifications

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
@role_required("manager", "rep")
def index():
    """The person's notifications, newest first, twenty a page."""
    user = current_user()
    page = db.paginate(notifications.notifications_of(user.id), per_page=20, error_out=False)
    return render_template("notifications/index.html", page=page, kinds=notifications.KINDS)


@bp.post("/notifications/<int:notification_id>/open")
@role_required("manager", "rep")
def open_one(notification_id: int):
    """Mark it read and go to what it is about."""
    notification = notifications.mark_read(db.session, user=current_user(), notification_id=notification_id)
    return redirect(notification.link or url_for("web.notifications.index"), 303)


@bp.post("/notifications/<int:notification_id>/read")
@role_required("manager", "rep")
def read(notification_id: int):
    notifications.mark_read(db.session, user=current_user(), notification_id=notification_id)
    return redirect(url_for("web.notifications.index", page=request.args.get("page", type=int)), 303)


@bp.post("/notifications/read-all")
@role_required("manager", "rep")
def read_all():
    marked = notifications.mark_all_read(db.session, user=current_user())
    flash(
        ngettext("%(num)s notification marked read.", "%(num)s notifications marked read.", marked), "success"
    )
    return redirect(url_for("web.notifications.index"), 303)


@bp.route("/account/notifications", methods=["GET", "POST"])
@role_required("manager", "rep")
def settings():
    """Which kinds come in the app and by email, and whether emails come as one daily digest."""
    user = current_user()
    if request.method == "POST":
        notifications.save_settings(
            db.session,
            user=user,
            on=set(request.form.getlist("on")),
            daily_digest=request.form.get("delivery") == "digest",
        )
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for("web.notifications.settings"), 303)
    return render_template(
        "notifications/settings.html",
        kinds=[(kind, _(notifications.KINDS[kind].words)) for kind in notifications.kinds_for(user)],
        chosen=notifications.settings_of(db.session, user.id),
    )
