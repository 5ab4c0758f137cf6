"""The manager's dashboard: balance per partnership, flags, the funnel, suggestions, webhooks and notices."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from api.extensions import db
from api.v1.reports import balance_csv
from api.web import charts
from api.web.forms import AcknowledgeFlagForm
from api.web.session import current_partner, current_user, role_required
from partnerhub.core.db import utcnow
from partnerhub.core.i18n import N_
from partnerhub.delivery import webhooks
from partnerhub.delivery.notices import notices_of
from partnerhub.exchange.rollups import FUNNEL
from partnerhub.models import Delivery, Notice, Partner
from partnerhub.reports import balance, flags, suggestions

bp = Blueprint("balance", __name__)

PERIODS = (30, 90, 180, 365)
FLAG_TITLES = {
    "size_mismatch": N_("Size mismatch"),
    "one_sided": N_("One-sided"),
    "overloaded": N_("Overloaded"),
    "dormant": N_("Dormant"),
    "agent_like": N_("Agent-like"),
    "leaky": N_("Leaky"),
}
# Each step named for what it measures, with what it means, for a newcomer to the chain of doubt.
STAGES = {
    "sent": (N_("Sent"), N_("You handed the lead to the partner.")),
    "delivered": (
        N_("Confirmed received"),
        N_("Their system confirmed it got the lead, or one of their reps opened it."),
    ),
    "accepted": (N_("Accepted"), N_("One of their reps took it on.")),
    "contacted": (N_("Buyer contacted"), N_("Their rep reached the buyer.")),
    "won": (N_("Deal won"), N_("The buyer bought; the deal value is known.")),
    "reward_invoiced": (N_("Reward invoiced"), N_("The agreed reward for the won deal was invoiced.")),
    "reward_paid": (N_("Reward paid"), N_("They paid the reward.")),
    "rep_paid": (N_("Rep's share paid"), N_("The rep who passed the lead got their share of the reward.")),
}
STAGE_LABELS = {stage: label for stage, (label, _meaning) in STAGES.items()}
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
    net = balance.net_position(db.session, partner_id=partner.id, period_days=period, balances=rows)
    shown = flags.flags_for_period(db.session, partner_id=partner.id, now=utcnow(), period_days=period)
    named = {s.flag.other_partner_id for s in shown} | {s.flag.partner_id for s in shown}
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
        flags=shown,
        acknowledge_form=AcknowledgeFlagForm(),
        names={p.id: p.name for p in db.session.scalars(select(Partner).where(Partner.id.in_(named)))},
        flag_titles=FLAG_TITLES,
        stage_labels=STAGE_LABELS,
        stage_meanings={stage: meaning for stage, (_label, meaning) in STAGES.items()},
        net=net,
        now=utcnow(),
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


@bp.get("/flags/<int:flag_id>")
@role_required("manager")
def flag(flag_id: int):
    """One flag: what it says, what to do, and everything that happened to it."""
    return _flag_page(flag_id, AcknowledgeFlagForm())


def _flag_page(flag_id: int, form: AcknowledgeFlagForm, status: int = 200):
    partner = current_partner()
    found, history = flags.flag_history(db.session, partner_id=partner.id, flag_id=flag_id)
    ids = [p for p in (found.partner_id, found.other_partner_id) if p]
    names = {p.id: p.name for p in db.session.scalars(select(Partner).where(Partner.id.in_(ids)))}
    return render_template(
        "balance/flag.html",
        flag=found,
        history=history,
        names=names,
        flag_titles=FLAG_TITLES,
        form=form,
        period=found.period_days,
    ), status


@bp.post("/flags/<int:flag_id>/acknowledge")
@role_required("manager")
def acknowledge(flag_id: int):
    """Acknowledge a flag for this partner's side, with a note and an optional snooze."""
    form = AcknowledgeFlagForm()
    if not form.validate_on_submit():
        return _flag_page(flag_id, form, 422)
    flags.acknowledge_flag(
        db.session,
        partner_id=current_partner().id,
        flag_id=flag_id,
        note=form.note.data or "",
        snooze_days=form.snooze(),
        user_id=current_user().id,
        now=utcnow(),
    )
    flash(_("Flag acknowledged: it shows as seen until its numbers change."), "success")
    period = request.args.get("period", type=int)
    return redirect(url_for("web.balance.index", period=period, _anchor="flags-heading"), 303)


@bp.post("/deliveries/<int:delivery_id>/redeliver")
@role_required("manager")
def redeliver(delivery_id: int):
    """Queue a webhook delivery again, with the same webhook-id."""
    delivery = webhooks.get_delivery(db.session, partner_id=current_partner().id, delivery_id=delivery_id)
    webhooks.redeliver(db.session, delivery=delivery)
    flash(_("Delivery %(id)s queued again.", id=delivery.id), "success")
    return redirect(url_for("web.balance.index", _anchor="webhooks-heading"), 303)
