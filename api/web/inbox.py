"""The rep's inbox: handoffs to accept and work on, rewards to confirm, and what the partner sent out."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from api.extensions import db
from api.observability import request_origin
from api.web.forms import AssignForm, CommentForm, LeadForm, ListFilterForm, MoveForm
from api.web.i18n import reader, sentence
from api.web.idempotency import once_per_form
from api.web.listing import page_of, searched
from api.web.session import PARTNER_ROLES, back_to, current_partner, current_user, role_required
from partnerhub.core.actors import Actor
from partnerhub.core.db import utcnow
from partnerhub.core.i18n import N_
from partnerhub.directory import partners as directory
from partnerhub.exchange import comments, follow_ups, inbox, lifecycle, partnerships, referrals, rerouting
from partnerhub.models import Handoff
from partnerhub.models.handoff import HANDOFF_STATUSES
from partnerhub.people import assignment

bp = Blueprint("inbox", __name__)

# The button for each move, and the message after it.
# Each move's button, and what the page says once it is done.
MOVE_LABELS = {
    "accepted": (N_("Accept"), N_("Lead of %(who)s accepted.")),
    "declined": (N_("Decline"), N_("Lead of %(who)s declined.")),
    "contacted": (N_("Contacted"), N_("Lead of %(who)s marked contacted.")),
    "won": (N_("Won"), N_("Lead of %(who)s marked won.")),
    "lost": (N_("Lost"), N_("Lead of %(who)s marked lost.")),
    "recalled": (N_("Recall"), N_("Lead of %(who)s recalled.")),
    "reward_invoiced": (N_("Reward invoiced"), N_("Lead of %(who)s marked reward invoiced.")),
    "reward_paid": (N_("Reward paid"), N_("Lead of %(who)s marked reward paid.")),
    "rep_paid": (N_("Rep's share paid"), N_("Lead of %(who)s marked rep's share paid.")),
}


def _actor() -> Actor:
    return Actor.user(partner_id=current_partner().id, user_id=current_user().id)


@bp.app_template_filter("time_left")
def time_left(left) -> str:
    return inbox.describe_time_left(left, reader())


@bp.get("/inbox")
@role_required(*PARTNER_ROLES)
def index():
    """The handoffs waiting for this partner's reps, in progress, and sent out (a page at a time),
    narrowed by the search and filters above them."""
    actor, now = _actor(), utcnow()
    partners = [(p.id, p.name) for _, p in partnerships.partners_of(db.session, partner_id=actor.partner_id)]
    search = ListFilterForm(request.args).with_choices(partners=partners)
    filters = searched(search.filters(user_id=actor.user_id), partner_id=actor.partner_id)
    sent = page_of(inbox.sent_out(actor.partner_id, **filters), Handoff.id, size=inbox.SECTION_SIZE)
    return render_template(
        "inbox/index.html",
        inbox=inbox.inbox_of(db.session, actor=actor, now=now, **filters),
        sent=[inbox.Item.of(h, actor, now) for h in sent.items],
        sent_page=sent,
        search=search,
        labels=MOVE_LABELS,
        form=MoveForm(formdata=None),
    )


@bp.get("/handoffs/<int:handoff_id>")
@role_required(*PARTNER_ROLES)
def show(handoff_id: int):
    """One handoff with its contact, note, timeline, comments and the moves open to this side."""
    return _page(handoff_id)


def _page(
    handoff_id: int,
    *,
    comment_form: CommentForm | None = None,
    referral_form: LeadForm | None = None,
    status: int = 200,
):
    handoff = lifecycle.get_handoff(db.session, partner_id=current_partner().id, handoff_id=handoff_id)
    actor = _actor()
    user = current_user()
    incoming = handoff.to_partner_id == actor.partner_id
    # The receiver of a won handoff records what its customer referred; the form keeps what was typed.
    if incoming and handoff.status in lifecycle.WON_STATUSES and referral_form is None:
        referral_form = LeadForm(formdata=None)
    if referral_form is not None:
        referral_form.with_categories(directory.categories(db.session))
    assign_form = None
    if handoff.to_partner_id == actor.partner_id and (
        user.role == "manager" or handoff.assignee_id == user.id
    ):
        assign_form = AssignForm(formdata=None, user_id=handoff.assignee_id)
        assign_form.user_id.choices = [
            (rep.id, rep.name or rep.email) for rep in assignment.reps_of(db.session, actor.partner_id)
        ]
    return render_template(
        "inbox/show.html",
        handoff=handoff,
        item=inbox.Item.of(handoff, actor, utcnow()),
        incoming=incoming,
        withheld=lifecycle.lead_withheld(handoff, partner_id=actor.partner_id),
        labels=MOVE_LABELS,
        form=MoveForm(formdata=None),
        timeline=comments.timeline(db.session, handoff=handoff),
        comment_form=comment_form or CommentForm(formdata=None),
        assign_form=assign_form,
        follow_ups=follow_ups.of_handoff(db.session, handoff=handoff),
        referral_form=referral_form,
        now=utcnow(),
    ), status


@bp.post("/handoffs/<int:handoff_id>/comments")
@role_required(*PARTNER_ROLES)
@once_per_form
def comment(handoff_id: int):
    """Say something to the other side of the handoff; a refused comment is shown again as typed."""
    handoff = lifecycle.get_handoff(db.session, partner_id=current_partner().id, handoff_id=handoff_id)
    form = CommentForm()
    if form.submitted(
        lambda: comments.add_comment(db.session, handoff=handoff, actor=_actor(), text=form.text.data)
    ):
        flash(_("Comment sent."), "success")
        return redirect(url_for("web.inbox.show", handoff_id=handoff_id), 303)
    return _page(handoff_id, comment_form=form, status=422)


@bp.post("/handoffs/<int:handoff_id>/referrals")
@role_required(*PARTNER_ROLES)
@once_per_form
def refer(handoff_id: int):
    """Record the lead a won customer referred: the team's own lead, routed at once like any other."""
    handoff = lifecycle.get_handoff(db.session, partner_id=current_partner().id, handoff_id=handoff_id)
    form = LeadForm().with_categories(directory.categories(db.session))
    lead = form.submitted(
        lambda: referrals.record_referral(db.session, handoff=handoff, actor=_actor(), **form.lead())
    )
    if lead is None:
        return _page(handoff_id, referral_form=form, status=422)
    held = inbox.holder(lead)
    who = lead.contact_name or _("a buyer")
    if held is not None:
        flash(
            _(
                "Referral of %(who)s recorded and handed to %(partner)s.",
                who=who,
                partner=held.to_partner.name,
            ),
            "success",
        )
    else:
        reasons = " ".join(sentence(reason) for reason in lead.reasons_to_read())
        flash(_("Referral of %(who)s recorded and kept: %(reasons)s", who=who, reasons=reasons), "success")
    return redirect(url_for("web.leads.show", lead_id=lead.id), 303)


@bp.post("/handoffs/<int:handoff_id>/assign")
@role_required(*PARTNER_ROLES)
def assign(handoff_id: int):
    """Give a received handoff to another rep of the team."""
    handoff = lifecycle.get_handoff(db.session, partner_id=current_partner().id, handoff_id=handoff_id)
    form = AssignForm()
    done = form.submitted(
        lambda: assignment.reassign(
            db.session, handoff=handoff, user_id=form.user_id.data, actor=_actor(), origin=request_origin()
        )
    )
    if done is None:
        for reason in form.user_id.errors:
            flash(_("Assigned to: %(reason)s", reason=_(reason)), "error")
    else:
        flash(_("Handoff given to %(name)s.", name=done.assignee.name or done.assignee.email), "success")
    return redirect(url_for("web.inbox.show", handoff_id=handoff_id), 303)


@bp.post("/handoffs/<int:handoff_id>/<to>")
@role_required(*PARTNER_ROLES)
def move(handoff_id: int, to: str):
    """Make one move on a handoff: accept, decline, contacted, won, lost, recall or a reward step."""
    if to not in HANDOFF_STATUSES or to not in MOVE_LABELS:
        abort(404)
    handoff = lifecycle.get_handoff(db.session, partner_id=current_partner().id, handoff_id=handoff_id)
    form = MoveForm()
    moved = form.submitted(
        lambda: rerouting.move_handoff(
            db.session,
            handoff=handoff,
            to=to,
            actor=_actor(),
            deal_value=form.deal_value.data,
            reason=form.move_reason(),
        )
    )
    if moved is None:
        # Each move's form is a few inputs inside a list: the reasons go above it, by field.
        for field in form:
            for reason in field.errors:
                flash(_("%(field)s: %(reason)s", field=field.label.text, reason=reason), "error")
        return redirect(back_to(url_for("web.inbox.index")), 303)
    who = handoff.lead.contact_name or _("the buyer")
    flash(_(MOVE_LABELS[to][1], who=who), "success")
    return redirect(back_to(url_for("web.inbox.index")), 303)
