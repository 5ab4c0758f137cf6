"""The manager's customer list: upload a CSV file, see how many customers it holds. Never the customers."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from api.csvfile import UPLOAD_LIMIT, csv_upload
from api.extensions import csrf, db
from api.web.audit import acting
from api.web.i18n import reader
from api.web.session import current_partner, role_required
from partnerhub.core.words import count_of
from partnerhub.customers import lists as customers

bp = Blueprint("customers", __name__, url_prefix="/customers")
# Rejected lines named on the page after an upload; the rest are counted.
SHOWN_REJECTED = 20


@bp.route("")
@role_required("manager")
def index():
    """How many customers the list holds and when it came, and the form to replace it."""
    partner = current_partner()
    summary = customers.customer_list(db.session, partner_id=partner.id)
    return render_template(
        "customers/index.html", summary=summary, partner=partner, limit_mb=UPLOAD_LIMIT // 2**20
    )


@bp.route("", methods=["POST"])
# The token is checked below, once the body may be as large as a list is: the app-wide check would
# read the form under the app's 1 MiB limit and refuse a large file before this view could raise it.
@csrf.exempt
@role_required("manager")
def upload():
    """Replace the list with an uploaded CSV file; the file is read as it arrives, in one transaction."""
    request.max_content_length = UPLOAD_LIMIT
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        flash(_("The form had expired; upload the file again."), "error")
        return redirect(url_for("web.customers.index"), 303)
    file = request.files.get("file")
    if file is None or not file.filename:
        flash(_("Choose a CSV file to upload."), "error")
        return redirect(url_for("web.customers.index"), 303)
    done = customers.replace_customer_list(
        db.session,
        partner=current_partner(),
        entries=customers.csv_entries(csv_upload(file.stream)),
        allow_empty=request.form.get("allow_empty") == "y",
        **acting(),
    )
    replaced = count_of(done.count, "customer", reader())
    flash(_("Customer list replaced: %(customers)s.", customers=replaced), "success")
    if done.rejected_count:
        left_out = ngettext("%(num)s row was left out:", "%(num)s rows were left out:", done.rejected_count)
        flash(left_out, "error")
        for refused in done.rejected[:SHOWN_REJECTED]:
            reasons = "; ".join(
                _("the row %(why)s", why="; ".join(map(_, why)))
                if column == "_row"
                else _("%(column)s %(why)s", column=column, why="; ".join(map(_, why)))
                for column, why in refused["errors"].items()
            )
            flash(_("Line %(line)s: %(reasons)s.", line=refused["line"], reasons=reasons), "error")
    return redirect(url_for("web.customers.index"), 303)
