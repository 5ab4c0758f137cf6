"""The partner's own leads: added by hand, handed off in one click, and why each went where it went."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from api.extensions import db
from api.web.forms import HandOffForm, LeadForm, ListFilterForm
from api.web.i18n import reader, sentence
from api.web.idempotency import once_per_form
from api.web.listing import page_of, searched
from api.web.session import PARTNER_ROLES, current_partner, current_user, role_required
from partnerhub.core.actors import Actor
from partnerhub.core.words import count_of
from partnerhub.directory import partners as directory
from partnerhub.exchange import inbox, intake, lists, routing
from partnerhub.models import Lead
from partnerhub.models.lead import LEAD_STATUSES

bp = Blueprint("leads", __name__, url_prefix="/leads")


def _actor() -> Actor:
    return Actor.user(partner_id=current_partner().id, user_id=current_user().id)


def _lead(lead_id: int):
    return intake.get_lead(db.session, partner_id=current_partner().id, lead_id=lead_id)


@bp.get("")
@role_required(*PARTNER_ROLES)
def index():
    """The partner's leads, newest first, searched and filtered, a page at a time, each with a
    one-click Hand off while nobody holds it."""
    form = ListFilterForm(request.args).with_choices(statuses=LEAD_STATUSES)
    filters = searched(form.filters(), partner_id=current_partner().id, of=Lead)
    filters.pop("other_partner_id", None)
    stmt = lists.leads_of(current_partner().id, **filters).options(selectinload(Lead.need_category))
    page = page_of(stmt, Lead.id)
    return render_template(
        "leads/index.html",
        page=page,
        form=form,
        holders=inbox.holders(db.session, [lead.id for lead in page.items]),
        may_hand_off=inbox.may_hand_off,
    )


def _new_page(form: LeadForm, status: int = 200):
    return render_template("leads/new.html", form=form), status


@bp.route("/new", methods=["GET", "POST"])
@role_required(*PARTNER_ROLES)
@once_per_form
def new():
    """Add a lead by hand; it is routed at once, like one posted by API."""
    form = LeadForm().with_categories(directory.categories(db.session))
    lead = form.submitted(lambda: intake.take_lead(db.session, actor=_actor(), source="web", **form.lead()))
    if lead is None:
        return _new_page(form, 422 if form.errors else 200)
    held = inbox.holder(lead)
    if held is not None:
        flash(_("Lead handed to %(name)s.", name=held.to_partner.name), "success")
    else:
        flash(
            _(
                "Lead kept: %(reasons)s",
                reasons=" ".join(sentence(reason) for reason in lead.reasons_to_read()),
            ),
            "info",
        )
    return redirect(url_for("web.leads.show", lead_id=lead.id), 303)


@bp.get("/<int:lead_id>")
@role_required(*PARTNER_ROLES)
def show(lead_id: int):
    """One lead with its handoffs and the explanation of each routing decision."""
    lead = _lead(lead_id)
    options = routing.options_for(db.session, lead=lead) if inbox.can_hand_off(lead) else None
    form = HandOffForm(formdata=None).with_partners(options.ranked if options else [])
    return render_template("leads/show.html", lead=lead, options=options, form=form)


@bp.post("/<int:lead_id>/hand-off")
@role_required(*PARTNER_ROLES)
def hand_off(lead_id: int):
    """Hand the lead to the best partner (or the one chosen), warm-up prefilled unless written."""
    lead = _lead(lead_id)
    form = HandOffForm()
    if not form.validate_on_submit():
        flash(_("The hand-off form was incomplete; try again."), "error")
        return redirect(url_for("web.leads.show", lead_id=lead.id), 303)
    handoff = routing.hand_off_lead(
        db.session, lead=lead, actor=_actor(), partner_id=form.partner_id.data or None, note=form.note.data
    )
    flash(_why(handoff, form.partner_id.data, who=lead.contact_name or _("the buyer")), "success")
    # The lead's page shows where it went, the score behind it and the warm-up that went out.
    return redirect(url_for("web.leads.show", lead_id=lead.id, _anchor="handoffs-heading"), 303)


def _why(handoff, chosen_id: int | None, who: str) -> str:
    """The message after a hand-off, saying why that partner: chosen, the only one, or the best of several."""
    partner = handoff.to_partner.name
    if chosen_id:
        return _("Lead of %(who)s handed to %(partner)s, as you chose.", who=who, partner=partner)
    rivals = [r for r in handoff.runners_up if "excluded" not in r]
    if not rivals:
        return _(
            "Lead of %(who)s handed to %(partner)s, the only partner that could take it.",
            who=who,
            partner=partner,
        )
    return _(
        "Lead of %(who)s handed to %(partner)s, the best fit of %(partners)s that could take it.",
        who=who,
        partner=partner,
        partners=count_of(len(rivals) + 1, "partner", reader()),
    )
