"""The operator's pages: partners to approve or suspend, the taxonomy, API clients, the emails sent,
every partner's webhook deliveries and notices."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from api.extensions import db
from api.observability import request_origin
from api.web.audit import acting, base_url
from api.web.forms import (
    EVENT_WORDS,
    ApiClientForm,
    CategoryForm,
    ComplementForm,
    ListFilterForm,
    RejectForm,
    thresholds_form,
)
from api.web.listing import page_of
from api.web.session import back_to, current_actor, role_required
from partnerhub.core import mail
from partnerhub.core.i18n import N_
from partnerhub.delivery import integrations
from partnerhub.directory import partners as directory
from partnerhub.exchange import lists
from partnerhub.models import Delivery, Email, Notice, Partner
from partnerhub.models.delivery import DELIVERY_STATUSES
from partnerhub.models.partner import PARTNER_STATUSES
from partnerhub.people import credentials
from partnerhub.reports import thresholds

bp = Blueprint("admin", __name__, url_prefix="/admin")
NEW_CLIENT_SECRET = "new_api_client_secret"
PARTNER_SEARCH = N_("The beginning of a partner's name or email address.")


def _admin_filters(form: ListFilterForm) -> dict:
    """The filters of an operator's list: the partner filter names the partner itself."""
    filters = form.filters()
    filters.pop("assignee_id", None)
    if "other_partner_id" in filters:
        filters["partner_id"] = filters.pop("other_partner_id")
    return filters


def _every_partner() -> list[tuple[int, str]]:
    return list(db.session.execute(select(Partner.id, Partner.name).order_by(Partner.name)).tuples())


@bp.get("/partners")
@role_required("admin")
def partners():
    """Every partner, newest first, searched by name or email and filtered by status and the time it
    registered, a page at a time."""
    form = ListFilterForm(request.args).with_choices(statuses=PARTNER_STATUSES)
    form.q.description = _(PARTNER_SEARCH)
    form.since.label.text, form.until.label.text = _("Registered from"), _("Registered to")
    return render_template(
        "admin/partners.html",
        page=page_of(lists.partners_listed(**_admin_filters(form)), Partner.id),
        form=form,
    )


@bp.get("/deliveries")
@role_required("admin")
def deliveries():
    """Every partner's webhook deliveries, newest first, by partner, status and time, a page at a time."""
    partners = _every_partner()
    form = ListFilterForm(request.args).with_choices(statuses=DELIVERY_STATUSES, partners=partners)
    form.q.description = _(PARTNER_SEARCH)
    stmt = lists.deliveries_listed(**_admin_filters(form)).options(joinedload(Delivery.endpoint))
    return render_template(
        "admin/deliveries.html",
        page=page_of(stmt, Delivery.id),
        form=form,
        names=dict(partners),
        event_words=EVENT_WORDS,
    )


@bp.get("/notices")
@role_required("admin")
def notices():
    """Every partner's notices, newest first, by partner, subject and time, a page at a time."""
    partners = _every_partner()
    form = ListFilterForm(request.args).with_choices(partners=partners)
    form.q.description = _("The beginning of a partner's name or email, or of the notice's subject.")
    return render_template(
        "admin/notices.html",
        page=page_of(lists.notices_listed(**_admin_filters(form)), Notice.id),
        form=form,
        names=dict(partners),
    )


def _partner_page(partner_id: int, *, form: ApiClientForm, new_secret: dict | None = None, status=200):
    partner = directory.find_partner(db.session, partner_id)
    clients = db.session.scalars(credentials.api_clients_of(partner.id)).all()
    page = render_template(
        "admin/partner.html",
        partner=partner,
        clients=clients,
        form=form,
        new_secret=new_secret if new_secret and new_secret["partner_id"] == partner.id else None,
        reject_form=RejectForm(formdata=None),
        managers=db.session.scalars(directory.managers_of(partner.id)).all(),
    )
    return page, status


@bp.get("/partners/<int:partner_id>")
@role_required("admin")
def partner(partner_id: int):
    """Show a partner with its profile and API clients, and a new client's secret this once."""
    # Taken out of the session as it is shown: a reload of the page shows it no more.
    return _partner_page(partner_id, form=ApiClientForm(), new_secret=session.pop(NEW_CLIENT_SECRET, None))


@bp.post("/partners/<int:partner_id>/approve")
@role_required("admin")
def approve(partner_id: int):
    """Approve a pending (or suspended, or rejected) partner; the first approval emails its managers."""
    approved = directory.approve_partner(
        db.session, partner=directory.find_partner(db.session, partner_id), base_url=base_url(), **acting()
    )
    flash(_("%(name)s is active.", name=approved.name), "success")
    return redirect(back_to(url_for("web.admin.partners")), 303)


@bp.post("/partners/<int:partner_id>/suspend")
@role_required("admin")
def suspend(partner_id: int):
    """Suspend an active partner: its tokens and leads stop."""
    suspended = directory.suspend_partner(
        db.session, partner=directory.find_partner(db.session, partner_id), **acting()
    )
    flash(_("%(name)s is suspended.", name=suspended.name), "success")
    return redirect(back_to(url_for("web.admin.partners")), 303)


@bp.post("/partners/<int:partner_id>/reject")
@role_required("admin")
def reject(partner_id: int):
    """Turn a pending registration down; its managers are emailed the reason."""
    partner = directory.find_partner(db.session, partner_id)
    form = RejectForm()
    if not form.validate_on_submit():
        flash(
            _("Say why %(name)s is rejected: the company reads the reason in its email.", name=partner.name),
            "error",
        )
        return redirect(back_to(url_for("web.admin.partner", partner_id=partner_id)), 303)
    rejected = directory.reject_partner(db.session, partner=partner, reason=form.reason.data, **acting())
    flash(_("%(name)s is rejected; its managers are told why by email.", name=rejected.name), "success")
    return redirect(back_to(url_for("web.admin.partners")), 303)


@bp.post("/partners/<int:partner_id>/clients")
@role_required("admin")
def create_client(partner_id: int):
    """Issue API credentials; the partner's page shows the secret once, and never again."""
    form = ApiClientForm()
    if not form.validate_on_submit():
        return _partner_page(partner_id, form=form, status=422)
    client, secret = integrations.create_client(
        db.session,
        partner=directory.find_partner(db.session, partner_id),
        name=form.name.data or "",
        actor=current_actor(),
        origin=request_origin(),
        hmac_key=current_app.config["CLIENT_SECRET_HMAC_KEY"],
    )
    # Shown by the page this redirects to, not on this response: reloading a POST's
    # response posts again, which created a second client.
    session[NEW_CLIENT_SECRET] = {"partner_id": partner_id, "client_id": client.client_id, "secret": secret}
    return redirect(url_for("web.admin.partner", partner_id=partner_id), 303)


@bp.post("/clients/<client_id>/revoke")
@role_required("admin")
def revoke_client(client_id: str):
    """Revoke an API client at once."""
    client = integrations.revoke_client(
        db.session, client_id=client_id, of_partner=None, actor=current_actor(), origin=request_origin()
    )
    flash(_("Client %(id)s revoked.", id=client.client_id), "success")
    return redirect(url_for("web.admin.partner", partner_id=client.partner_id), 303)


def _taxonomy_page(category_form=None, complement_form=None, status=200):
    categories = directory.categories(db.session)
    page = render_template(
        "admin/taxonomy.html",
        categories=categories,
        complements=directory.complements_by_category(db.session),
        category_form=(category_form or CategoryForm(formdata=None)).with_categories(categories),
        complement_form=(complement_form or ComplementForm(formdata=None)).with_categories(categories),
    )
    return page, status


@bp.get("/taxonomy")
@role_required("admin")
def taxonomy():
    """Show the categories and which ones help each other sell."""
    return _taxonomy_page()


@bp.post("/categories")
@role_required("admin")
def add_category():
    """Add a category to the taxonomy."""
    form = CategoryForm().with_categories(directory.categories(db.session))
    category = form.submitted(
        lambda: directory.add_category(
            db.session, slug=form.slug.data, name=form.name.data, parent=form.parent.data or None, **acting()
        )
    )
    if category is None:
        return _taxonomy_page(category_form=form, status=422)
    flash(_("Category %(slug)s added.", slug=category.slug), "success")
    return redirect(url_for("web.admin.taxonomy"), 303)


@bp.post("/complements")
@role_required("admin")
def declare_complement():
    """Declare that lines of one category help sell another."""
    form = ComplementForm().with_categories(directory.categories(db.session))
    declared = form.submitted(
        lambda: directory.declare_complement(
            db.session,
            category=form.category.data,
            complement=form.complement.data,
            weight=form.weight.data,
            symmetric=form.symmetric.data,
            **acting(),
        )
    )
    if declared is None:
        return _taxonomy_page(complement_form=form, status=422)
    flash(
        _(
            "%(complement)s now helps sell %(category)s.",
            complement=form.complement.data,
            category=form.category.data,
        ),
        "success",
    )
    return redirect(url_for("web.admin.taxonomy"), 303)


@bp.post("/complements/remove")
@role_required("admin")
def remove_complement():
    """Remove a complement, both directions."""
    category, complement = request.form.get("category", ""), request.form.get("complement", "")
    directory.remove_complement(db.session, category=category, complement=complement, **acting())
    flash(
        _("%(complement)s no longer complements %(category)s.", complement=complement, category=category),
        "success",
    )
    return redirect(url_for("web.admin.taxonomy"), 303)


@bp.route("/thresholds", methods=["GET", "POST"])
@role_required("admin")
def flag_thresholds():
    """Read and tune the numbers the flags compare against."""
    form = thresholds_form(thresholds.thresholds(db.session))
    if form.submitted(lambda: thresholds.set_thresholds(db.session, values=form.values(), **acting())):
        flash(_("Thresholds saved; flags follow them on the next refresh."), "success")
        return redirect(url_for("web.admin.flag_thresholds"), 303)
    page = render_template("admin/thresholds.html", form=form, defaults=thresholds.DEFAULTS)
    return page, 422 if form.errors else 200


@bp.get("/emails")
@role_required("admin")
def emails():
    """List the emails the platform wrote, newest first, a page at a time: with no SMTP server, where
    to read them."""
    to = request.args.get("to", "").strip()
    return render_template(
        "admin/emails.html",
        page=page_of(mail.emails_newest_first(to=to or None), Email.id),
        to=to,
        smtp_configured=bool(current_app.config.get("SMTP_HOST")),
    )


@bp.get("/emails/<int:email_id>")
@role_required("admin")
def email(email_id: int):
    """Show one email as its recipient reads it, text and HTML."""
    found = db.session.get(Email, email_id)
    if found is None:
        abort(404)
    return render_template("admin/email.html", email=found)
