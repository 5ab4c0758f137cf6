"""The partner's partnerships: proposing one with terms, and answering or changing it."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from api.extensions import db
from api.web.audit import acting
from api.web.forms import PartnershipForm
from api.web.session import PARTNER_ROLES, current_partner, role_required
from partnerhub import directory, partnerships
from partnerhub.models import Partnership

bp = Blueprint("partnerships", __name__, url_prefix="/partnerships")


# Past tense for the message after each move.
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
    """Show one partnership, its terms and the moves open to this side."""
    partner = current_partner()
    partnership = partnerships.get_partnership(
        db.session, partner_id=partner.id, partnership_id=partnership_id
    )
    return render_template(
        "partnerships/show.html",
        partnership=partnership,
        me=partner,
        other=partnership.responder if partnership.proposer_id == partner.id else partnership.proposer,
        moves=partnerships.moves_open_to(partnership, partner_id=partner.id),
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
        flash(f"Partnership proposed to {partnership.responder.name}.", "success")
        return redirect(url_for("web.partnerships.show", partnership_id=partnership.id), 303)
    return render_template("partnerships/new.html", form=form), 422 if form.errors else 200


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
    flash(f"Partnership {partnerships.MOVE_DONE[move]}.", "success")
    return redirect(url_for("web.partnerships.show", partnership_id=partnership.id), 303)
