"""The manager's dashboard: balance per partnership, flags, the funnel, suggestions, webhooks and notices."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from api.extensions import db
from api.v1.reports import balance_csv
from api.web import charts
from api.web.session import current_partner, role_required
from partnerhub import balance, flags, suggestions, webhooks
from partnerhub.db import utcnow
from partnerhub.models import Delivery, Notice, Partner
from partnerhub.notices import notices_of
from partnerhub.rollups import FUNNEL

bp = Blueprint("balance", __name__)

PERIODS = (30, 90, 180, 365)
FLAG_TITLES = {
    "size_mismatch": "Size mismatch",
    "one_sided": "One-sided",
    "overloaded": "Overloaded",
    "dormant": "Dormant",
    "agent_like": "Agent-like",
    "leaky": "Leaky",
}
STAGE_LABELS = {
    "sent": "Sent",
    "delivered": "Delivered",
    "accepted": "Accepted",
    "contacted": "Contacted",
    "won": "Won",
    "reward_invoiced": "Reward invoiced",
    "reward_paid": "Reward paid",
    "rep_paid": "Rep paid",
}
RECENT = 10


def _period() -> int:
    period = request.args.get("period", type=int)
    return period if period in PERIODS else balance.DEFAULT_PERIOD_DAYS


def _balances(period: int) -> list[balance.PartnershipBalance]:
    return balance.balance_of(db.session, partner_id=current_partner().id, now=utcnow(), period_days=period)


@bp.get("/balance")
@role_required("manager")
def index():
    """The balance of every partnership over a period, with flags, charts and what to do next."""
    partner = current_partner()
    period = _period()
    rows = _balances(period)
    funnel = balance.combined([r.outgoing for r in rows], from_partner_id=partner.id).funnel
    raised = flags.flags_of(db.session, partner_id=partner.id)
    named = {f.other_partner_id for f in raised} | {f.partner_id for f in raised}
    endpoints = db.session.scalars(webhooks.endpoints_of(partner.id)).all()
    deliveries = db.session.scalars(
        webhooks.deliveries_of(partner.id).order_by(Delivery.id.desc()).limit(RECENT)
    ).all()
    balance_rows, balance_height = charts.paired_bars(
        [(r.other.name, r.outgoing.sent, r.incoming.sent) for r in rows]
    )
    funnel_rows, funnel_height = charts.funnel_bars(funnel)
    return render_template(
        "balance/index.html",
        partner=partner,
        period=period,
        periods=PERIODS,
        rows=rows,
        funnel=funnel,
        flags=raised,
        names={p.id: p.name for p in db.session.scalars(select(Partner).where(Partner.id.in_(named)))},
        flag_titles=FLAG_TITLES,
        stage_labels=STAGE_LABELS,
        suggestions=suggestions.suggest_partners(db.session, partner=partner, limit=5),
        endpoints=endpoints,
        deliveries=deliveries,
        notices=db.session.scalars(
            notices_of(partner.id).order_by(Notice.created_at.desc()).limit(RECENT)
        ).all(),
        chart={
            "width": charts.WIDTH,
            "balance": balance_rows,
            "balance_height": balance_height,
            "funnel": funnel_rows,
            "funnel_height": funnel_height,
        },
        stages=FUNNEL,
    )


@bp.get("/balance.csv")
@role_required("manager")
def export():
    """The balance of the period as CSV, the same file GET /api/v1/balance.csv gives."""
    return balance_csv(_balances(_period()))


@bp.post("/deliveries/<int:delivery_id>/redeliver")
@role_required("manager")
def redeliver(delivery_id: int):
    """Queue a webhook delivery again, with the same webhook-id."""
    delivery = webhooks.get_delivery(db.session, partner_id=current_partner().id, delivery_id=delivery_id)
    webhooks.redeliver(db.session, delivery=delivery)
    flash(f"Delivery {delivery.id} queued again.", "success")
    return redirect(url_for("web.balance.index", _anchor="webhooks-heading"), 303)
