"""The partner's product lines and their warm-up scripts."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from api.extensions import db
from api.web.forms import ProductLineForm
from api.web.idempotency import once_per_form
from api.web.session import PARTNER_ROLES, current_partner, role_required
from partnerhub.directory import partners as directory
from partnerhub.models import ProductLine

bp = Blueprint("lines", __name__, url_prefix="/lines")


@bp.get("")
@role_required(*PARTNER_ROLES)
def index():
    """List the partner's live product lines."""
    stmt = directory.product_lines_of(current_partner().id).order_by(ProductLine.id)
    return render_template("lines/index.html", lines=db.session.scalars(stmt).all())


@bp.route("/new", methods=["GET", "POST"])
@role_required("manager")
@once_per_form
def new():
    """Add a product line."""
    form = ProductLineForm().with_categories(directory.categories(db.session))
    if form.validate_on_submit():
        line = directory.add_product_line(db.session, partner=current_partner(), **form.fields())
        flash(_("Product line “%(name)s” added.", name=line.name), "success")
        return redirect(url_for("web.lines.index"), 303)
    return render_template("lines/form.html", form=form, line=None), 422 if form.errors else 200


@bp.route("/<int:line_id>", methods=["GET", "POST"])
@role_required("manager")
def edit(line_id: int):
    """Change a product line."""
    line = directory.get_product_line(db.session, partner_id=current_partner().id, line_id=line_id)
    form = ProductLineForm(obj=line, category=line.category.slug).with_categories(
        directory.categories(db.session)
    )
    if form.validate_on_submit():
        directory.update_product_line(db.session, line=line, **form.fields())
        flash(_("Product line “%(name)s” saved.", name=line.name), "success")
        return redirect(url_for("web.lines.index"), 303)
    return render_template("lines/form.html", form=form, line=line), 422 if form.errors else 200


@bp.post("/<int:line_id>/archive")
@role_required("manager")
def archive(line_id: int):
    """Archive a product line; handoffs that point at it keep it."""
    line = directory.get_product_line(db.session, partner_id=current_partner().id, line_id=line_id)
    directory.archive_product_line(db.session, line=line)
    flash(_("Product line “%(name)s” archived.", name=line.name), "success")
    return redirect(url_for("web.lines.index"), 303)
