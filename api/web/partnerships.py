"""The partner's partnerships: proposing one with terms, and answering or changing it."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from api.extensions import db
from api.web import charts
from api.web.audit import acting
from api.web.balance import FLAG_TITLES
from api.web.forms import AmendTermsForm, HandoffSearchForm, PartnershipForm
from api.web.i18n import reader
from api.web.session import PARTNER_ROLES, current_partner, role_required
from partnerhub.core.db import utcnow
from partnerhub.core.i18n import N_
from partnerhub.customers import lists as customers
from partnerhub.directory import partners as directory
from partnerhub.exchange import partnerships
from partnerhub.models import Partnership
from partnerhub.models.handoff import HANDOFF_STATUSES

bp = Blueprint("partnerships", __name__, url_prefix="/partnerships")


# Each move's button, and the message after it.
MOVE_WORDS = {
    "accept": N_("Accept"),
    "decline": N_("Decline"),
    "pause": N_("Pause"),
    "resume": N_("Resume"),
    "end": N_("End"),
}
MOVE_DONE = {
    "accept": N_("Partnership accepted."),
    "decline": N_("Partnership declined."),
    "pause": N_("Partnership paused."),
    "resume": N_("Partnership resumed."),
    "end": N_("Partnership ended."),
}
TERMS_DONE = {
    "accept": N_("Terms accepted: they apply to handoffs sent from now on."),
    "decline": N_("Terms declined."),
    "withdraw": N_("Terms withdrawn."),
}
STATUS_WORDS = {
    "sent": N_("sent"),
    "delivered": N_("received"),
    "accepted": N_("accepted"),
    "contacted": N_("buyer contacted"),
    "won": N_("won"),
    "lost": N_("lost"),
    "declined": N_("declined"),
    "expired": N_("expired"),
    "recalled": N_("recalled"),
    "reward_invoiced": N_("reward invoiced"),
    "reward_paid": N_("reward paid"),
    "rep_paid": N_("rep's share paid"),
}


@bp.get("")
@role_required(*PARTNER_ROLES)
def index():
    """List the partner's partnerships, newest first."""
    partner = current_partner()
    stmt = partnerships.partnerships_of(partner.id).order_by(Partnership.id.desc())
    return render_template("partnerships/index.html", partnerships=db.session.scalars(stmt).all(), me=partner)


@bp.get("/<int:partnership_id>")
@role_required(*PARTNER_ROLES)
def show(partnership_id: int):
    """One partnership's story: terms and their history, its months, its handoffs, its flags."""
    return _show(partnership_id, AmendTermsForm(obj=_partnership(partnership_id)))


def _partnership(partnership_id: int) -> Partnership:
    return partnerships.get_partnership(
        db.session, partner_id=current_partner().id, partnership_id=partnership_id
    )


def _show(partnership_id: int, amend_form: AmendTermsForm, status: int = 200):
    partner = current_partner()
    partnership = _partnership(partnership_id)
    search = HandoffSearchForm(request.args)
    search.status.choices = [SelectChoice("", _("any status"))] + [
        SelectChoice(s, _(STATUS_WORDS[s]) if s in STATUS_WORDS else s) for s in HANDOFF_STATUSES
    ]
    search.validate()
    months = partnerships.monthly_numbers(
        db.session, partnership=partnership, partner_id=partner.id, now=utcnow()
    )
    chart_rows, chart_height = charts.paired_bars(
        [(reader().month(m.month, short=True), m.sent, m.received) for m in months], row_height=40
    )
    history = partnerships.terms_history(db.session, partnership=partnership)
    return render_template(
        "partnerships/show.html",
        partnership=partnership,
        me=partner,
        other=partnership.responder if partnership.proposer_id == partner.id else partnership.proposer,
        moves=partnerships.moves_open_to(partnership, partner_id=partner.id),
        move_words=MOVE_WORDS,
        months=months,
        chart={"width": charts.WIDTH, "rows": chart_rows, "height": chart_height},
        handoffs=partnerships.search_handoffs(
            db.session,
            partnership=partnership,
            query=search.q.data or "",
            status=search.status.data if not search.status.errors else "",
        ),
        search=search,
        flags=partnerships.flags_between(db.session, partnership=partnership),
        flag_titles=FLAG_TITLES,
        terms_history=history,
        proposal=next((t for t in history if t.status == "proposed" and t.version > 1), None),
        amend_form=amend_form,
        status_words=STATUS_WORDS,
        overlap=customers.count_shared(db.session, a=partnership.proposer_id, b=partnership.responder_id)
        if partnership.overlap_shared
        else None,
    ), status


@bp.post("/<int:partnership_id>/terms")
@role_required("manager")
def amend(partnership_id: int):
    """Propose new terms; they apply to handoffs sent after the other side accepts them."""
    form = AmendTermsForm()
    proposed = form.submitted(
        lambda: partnerships.propose_terms(
            db.session,
            partnership=_partnership(partnership_id),
            partner_id=current_partner().id,
            terms=form.terms(),
            note=form.note.data or "",
            **acting(),
        )
    )
    if proposed is None:
        return _show(partnership_id, form, 422)
    flash(_("New terms proposed; they apply once the other side accepts them."), "success")
    return redirect(
        url_for("web.partnerships.show", partnership_id=partnership_id, _anchor="terms-heading"), 303
    )


@bp.post("/<int:partnership_id>/terms/<int:version>/<answer>")
@role_required("manager")
def answer(partnership_id: int, version: int, answer: str):
    """Accept, decline or withdraw proposed terms."""
    if answer not in TERMS_DONE:
        abort(404)
    partnerships.answer_terms(
        db.session,
        partnership=_partnership(partnership_id),
        partner_id=current_partner().id,
        version=version,
        answer=answer,
        **acting(),
    )
    flash(_(TERMS_DONE[answer]), "success")
    return redirect(
        url_for("web.partnerships.show", partnership_id=partnership_id, _anchor="terms-heading"), 303
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required("manager")
def new():
    """Propose a partnership, with terms, to an active partner."""
    partner = current_partner()
    candidates = [p for p in db.session.scalars(directory.active_partners()) if p.id != partner.id]
    # A suggestion's "Propose" link names the partner; the manager still reviews the terms.
    form = PartnershipForm(partner_id=request.args.get("partner_id", type=int)).with_partners(candidates)
    partnership = form.submitted(
        lambda: partnerships.propose_partnership(
            db.session, proposer=partner, partner_id=form.partner_id.data, terms=form.terms(), **acting()
        )
    )
    if partnership is not None:
        flash(_("Partnership proposed to %(name)s.", name=partnership.responder.name), "success")
        return redirect(url_for("web.partnerships.show", partnership_id=partnership.id), 303)
    return render_template("partnerships/new.html", form=form), 422 if form.errors else 200


@bp.post("/<int:partnership_id>/overlap-sharing")
@role_required("manager")
def share_overlap(partnership_id: int):
    """Turn this side's sharing of the customers in common on (?share=true) or off."""
    share = request.args.get("share")
    if share not in ("true", "false"):
        abort(404)
    customers.set_overlap_sharing(
        db.session,
        partnership=_partnership(partnership_id),
        partner_id=current_partner().id,
        share=share == "true",
        **acting(),
    )
    flash(
        _("Customers in common shared.") if share == "true" else _("Customers in common no longer shared."),
        "success",
    )
    return redirect(
        url_for("web.partnerships.show", partnership_id=partnership_id, _anchor="overlap-heading"), 303
    )


@bp.post("/<int:partnership_id>/<move>")
@role_required("manager")
def change(partnership_id: int, move: str):
    """Accept, decline, pause, resume or end the partnership."""
    if move not in partnerships.MOVES:
        abort(404)
    partner = current_partner()
    partnership = partnerships.get_partnership(
        db.session, partner_id=partner.id, partnership_id=partnership_id
    )
    partnerships.change_partnership(
        db.session, partnership=partnership, partner_id=partner.id, move=move, **acting()
    )
    flash(_(MOVE_DONE[move]), "success")
    return redirect(url_for("web.partnerships.show", partnership_id=partnership.id), 303)
