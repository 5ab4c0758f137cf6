"""A rep's after-sale follow-ups: the won customers to call, searched and filtered, recorded in a click."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from api.extensions import db
from api.web.forms import FollowUpForm, ListFilterForm
from api.web.i18n import reader
from api.web.listing import page_of, searched
from api.web.session import PARTNER_ROLES, back_to, current_actor, role_required
from partnerhub.core.db import utcnow
from partnerhub.exchange import follow_ups, lists, partnerships
from partnerhub.models import FollowUp, Handoff, Lead
from partnerhub.models.follow_up import FOLLOW_UP_STATUSES

bp = Blueprint("follow_ups", __name__, url_prefix="/follow-ups")


@bp.get("")
@role_required(*PARTNER_ROLES)
def index():
    """The follow-ups of the partner's won customers and of those it sent, newest first, a page at a time."""
    actor = current_actor()
    partners = [(p.id, p.name) for _, p in partnerships.partners_of(db.session, partner_id=actor.partner_id)]
    form = ListFilterForm(request.args).with_choices(statuses=FOLLOW_UP_STATUSES, partners=partners)
    stmt = lists.follow_ups_of(
        actor.partner_id, **searched(form.filters(user_id=actor.user_id), partner_id=actor.partner_id)
    ).options(
        joinedload(FollowUp.handoff).joinedload(Handoff.lead).joinedload(Lead.need_category),
        joinedload(FollowUp.handoff).joinedload(Handoff.from_partner),
        joinedload(FollowUp.handoff).joinedload(Handoff.to_partner),
    )
    return render_template(
        "follow_ups/index.html",
        page=page_of(stmt, FollowUp.id),
        form=form,
        partner_id=actor.partner_id,
        now=utcnow(),
    )


@bp.post("/<int:follow_up_id>")
@role_required(*PARTNER_ROLES)
def record(follow_up_id: int):
    """Record a due follow-up done, with how it went, or skipped; a referral goes on to its form."""
    actor = current_actor()
    follow_up = follow_ups.get_follow_up(db.session, partner_id=actor.partner_id, follow_up_id=follow_up_id)
    form = FollowUpForm()
    done = form.submitted(
        lambda: follow_ups.record_follow_up(
            db.session,
            follow_up=follow_up,
            actor=actor,
            status=form.status.data,
            outcome=form.outcome.data or None,
        )
    )
    if done is None:
        for field in form:
            for reason in field.errors:
                flash(_("%(field)s: %(reason)s", field=field.label.text, reason=reason), "error")
        return redirect(back_to(url_for("web.follow_ups.index")), 303)
    flash(_("%(fact)s.", fact=reader().phrase(follow_ups.fact(done))), "success")
    if done.outcome == "referral":
        # The customer named someone: their details go on the won handoff's referral form now.
        flash(_("Record the lead the customer referred below."), "info")
        return redirect(url_for("web.inbox.show", handoff_id=done.handoff_id, _anchor="referral"), 303)
    return redirect(back_to(url_for("web.follow_ups.index")), 303)
