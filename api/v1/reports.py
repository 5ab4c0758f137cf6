"""What partner managers read: the balance with its funnel, the flags, and exports of a period."""

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

from flask import Response, g, stream_with_context
from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from api.auth import current_partner, require
from api.csvfile import csv_response
from api.extensions import db
from api.parsing import Blueprint
from api.schemas import PartnerRef
from partnerhub.core.db import utcnow
from partnerhub.exchange.rollups import COUNTED
from partnerhub.models import Partner
from partnerhub.reports import balance, exports, flags

blp = Blueprint("reports", __name__, url_prefix="/api/v1", description="Balance, flags and exports")

MONEY_FIELDS = ("deal_value", "rewards_invoiced", "rewards_paid", "rewards_owed", "rep_shares_paid")
MONEY_ITEM = {
    "type": "object",
    "properties": {"amount": {"type": "string", "example": "1250.00"}, "currency": {"type": "string"}},
}
RATE_FIELDS = ("median_hours_to_accept", "accept_rate", "conversion_rate", "expiry_rate")


class PeriodArgs(Schema):
    period_days = fields.Integer(
        load_default=balance.DEFAULT_PERIOD_DAYS, validate=validate.Range(min=1, max=730)
    )


def _money(direction: balance.Direction, name: str) -> list[dict]:
    """One Money object per currency, formatted here: a schema built per value costs more than the query."""
    return _amounts(direction.rewards_owed if name == "rewards_owed" else direction.money[name])


FUNNEL_ITEM = {
    "type": "object",
    "properties": {
        "stage": {"type": "string"},
        "count": {"type": "integer"},
        "drop": {"type": "integer", "description": "How many of the previous stage did not reach this one"},
        "drop_rate": {"type": "number", "nullable": True},
    },
}


def _funnel(direction: balance.Direction) -> list[dict]:
    # A literal dict: dataclasses.asdict deep-copies and costs milliseconds per balance.
    return [
        {"stage": link.stage, "count": link.count, "drop": link.drop, "drop_rate": link.drop_rate}
        for link in direction.funnel
    ]


def _direction_fields() -> dict:
    attrs: dict = {
        c: fields.Function(lambda d, c=c: d.counts[c], metadata={"type": "integer"}) for c in COUNTED
    }
    for name in MONEY_FIELDS:
        attrs[name] = fields.Function(
            lambda d, name=name: _money(d, name),
            metadata={"type": "array", "items": MONEY_ITEM, "description": "One amount per currency"},
        )
    for name in RATE_FIELDS:
        attrs[name] = fields.Float(allow_none=True)
    attrs["funnel"] = fields.Function(
        _funnel,
        metadata={"type": "array", "items": FUNNEL_ITEM, "description": "The chain of doubt, link by link"},
    )
    return attrs


DirectionOut = Schema.from_dict(_direction_fields(), name="BalanceDirection")


def _amounts(by_currency: dict) -> list[dict]:
    return [
        {"amount": f"{amount:.2f}", "currency": currency} for currency, amount in sorted(by_currency.items())
    ]


def _money_list(description: str) -> dict:
    return {"type": "array", "items": MONEY_ITEM, "description": description}


class SizedPartner(PartnerRef):
    size = fields.Function(
        lambda p: {
            "sales_reps": p.sales_reps,
            "revenue_band": p.revenue_band,
            "monthly_leads": p.monthly_leads,
        },
        metadata={"type": "object", "description": "The size profile the size_mismatch flag compares"},
    )


class UnpaidOut(Schema):
    count = fields.Integer()
    amount = fields.Function(lambda u: _amounts(u.amount), metadata=_money_list("One amount per currency"))
    oldest_invoiced_at = fields.DateTime(allow_none=True)
    oldest_days = fields.Function(
        lambda u: u.oldest_days(utcnow()),
        metadata={"type": "integer", "nullable": True, "description": "Age of the oldest unpaid invoice"},
    )


class NetPositionOut(Schema):
    sent = fields.Integer(metadata={"description": "Leads the caller sent in the period"})
    received = fields.Integer(metadata={"description": "Leads the caller received in the period"})
    won_from_yours = fields.Function(
        lambda n: _amounts(n.won_from_yours), metadata=_money_list("Deal value others won from your leads")
    )
    won_from_theirs = fields.Function(
        lambda n: _amounts(n.won_from_theirs), metadata=_money_list("Deal value you won from their leads")
    )
    won_from_yours_count = fields.Integer()
    won_from_theirs_count = fields.Integer()
    rewards_owed_to_you = fields.Function(
        lambda n: _amounts(n.rewards_owed_to_you), metadata=_money_list("Invoiced to others and not paid yet")
    )
    rewards_owed_by_you = fields.Function(
        lambda n: _amounts(n.rewards_owed_by_you), metadata=_money_list("Invoiced to you and not paid yet")
    )
    net_owed = fields.Function(
        lambda n: _amounts(n.net_owed),
        metadata=_money_list("Owed to you minus owed by you: positive, the others owe you"),
    )
    unpaid_to_you = fields.Nested(UnpaidOut, metadata={"description": "Every unpaid invoice, any period"})
    unpaid_by_you = fields.Nested(UnpaidOut, metadata={"description": "Every unpaid invoice, any period"})
    open_received = fields.Integer(metadata={"description": "Handoffs waiting on your reps now"})


class BalanceRowOut(Schema):
    partnership_id = fields.Function(lambda r: r.partnership.id, metadata={"type": "integer"})
    status = fields.Function(lambda r: r.partnership.status, metadata={"type": "string"})
    partner = fields.Nested(SizedPartner, attribute="other", metadata={"description": "The other side"})
    days_quiet = fields.Integer(metadata={"description": "Whole days without a handoff either way"})
    period_days = fields.Integer()
    sent = fields.Function(lambda r: r.outgoing.sent, metadata={"type": "integer"})
    received = fields.Function(lambda r: r.incoming.sent, metadata={"type": "integer"})
    outgoing = fields.Nested(
        DirectionOut, metadata={"description": "What the caller sent and what became of it"}
    )
    incoming = fields.Nested(DirectionOut, metadata={"description": "What the caller received"})


class BalanceOut(Schema):
    period_days = fields.Integer()
    as_of = fields.DateTime()
    partner = fields.Nested(SizedPartner, metadata={"description": "The caller"})
    net_position = fields.Nested(NetPositionOut)
    items = fields.List(fields.Nested(BalanceRowOut))


class AcknowledgementOut(Schema):
    at = fields.DateTime()
    note = fields.String()
    snooze_until = fields.DateTime(allow_none=True)
    numbers = fields.Dict(metadata={"description": "The numbers it was acknowledged with"})


class FlagOut(Schema):
    id = fields.Integer(attribute="flag.id")
    kind = fields.String(attribute="flag.kind")
    partners = fields.Function(
        lambda s: [
            {"id": p, "name": g.partner_names[p].name}
            for p in (s.flag.partner_id, s.flag.other_partner_id)
            if p is not None
        ],
        metadata={"type": "array", "items": {"type": "object"}},
    )
    numbers = fields.Dict(attribute="flag.numbers")
    sentence = fields.String(attribute="flag.sentence")
    action = fields.String(metadata={"description": "What to do about it, in one sentence"})
    period_days = fields.Integer(attribute="flag.period_days")
    as_of = fields.DateTime(metadata={"description": "When the numbers were computed"})
    raised_at = fields.DateTime(attribute="flag.raised_at")
    seen = fields.Boolean(
        metadata={"description": "Acknowledged by the caller with these numbers, and not past its snooze"}
    )
    acknowledgement = fields.Nested(AcknowledgementOut, allow_none=True)


class FlagsOut(Schema):
    period_days = fields.Integer()
    as_of = fields.DateTime()
    items = fields.List(fields.Nested(FlagOut))


class AcknowledgeIn(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=flags.MAX_NOTE))
    snooze_days = fields.Integer(
        strict=True,
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=flags.MAX_SNOOZE_DAYS),
        metadata={"description": "Show it as seen for this many days even if its numbers change"},
    )


class FlagEventOut(Schema):
    at = fields.DateTime()
    action = fields.String(metadata={"description": "raised, changed, cleared or acknowledged"})
    note = fields.String()
    numbers = fields.Dict()
    sentence = fields.String()
    snooze_until = fields.DateTime(allow_none=True)


class FlagHistoryOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    period_days = fields.Integer()
    items = fields.List(fields.Nested(FlagEventOut))


class FlagPeriodArgs(Schema):
    period_days = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=730),
        metadata={
            "description": "The period the flags are computed over; the admins' default (90) if absent"
        },
    )


def _balance(period_days: int) -> list[balance.PartnershipBalance]:
    return balance.balance_of(
        db.session, partner_id=current_partner().id, now=utcnow(), period_days=period_days
    )


def _flags(period_days: int | None) -> list[flags.ShownFlag]:
    partner = current_partner()
    shown = flags.flags_for_period(
        db.session, partner_id=partner.id if partner else None, now=utcnow(), period_days=period_days
    )
    ids = {p for s in shown for p in (s.flag.partner_id, s.flag.other_partner_id) if p}
    g.partner_names = {p.id: p for p in db.session.scalars(select(Partner).where(Partner.id.in_(ids)))}
    return shown


def _flags_body(period_days: int | None) -> dict:
    shown = _flags(period_days)
    return {
        "period_days": period_days or flags.default_period_days(db.session),
        "as_of": shown[0].as_of if shown else utcnow(),
        "items": shown,
    }


@blp.route("/balance")
class BalanceView(MethodView):
    @require("reports:read")
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200, BalanceOut)
    def get(self, args):
        """The balance of each of the caller's partnerships, both directions, with the funnel."""
        partner, now = current_partner(), utcnow()
        rows = _balance(args["period_days"])
        return {
            "period_days": args["period_days"],
            "as_of": now,
            "partner": partner,
            "net_position": balance.net_position(
                db.session, partner_id=partner.id, period_days=args["period_days"], balances=rows
            ),
            "items": rows,
        }


@blp.route("/flags")
class FlagsView(MethodView):
    @require("reports:read", "admin")
    @blp.arguments(FlagPeriodArgs, location="query")
    @blp.response(200, FlagsOut)
    def get(self, args):
        """The flags that name the caller over the period, computed now (an operator sees all of them).

        Their numbers are the same as `/balance`'s for the same period.
        """
        return _flags_body(args["period_days"])


@blp.route("/flags/<int:flag_id>/acknowledge")
class FlagAcknowledge(MethodView):
    @require("reports:read")
    @blp.arguments(AcknowledgeIn)
    @blp.response(200, AcknowledgementOut)
    def post(self, args, flag_id):
        """Mark a flag as seen by the caller's side until raised with other numbers or the snooze ends."""
        return flags.acknowledge_flag(
            db.session,
            partner_id=current_partner().id,
            flag_id=flag_id,
            note=args["note"],
            snooze_days=args["snooze_days"],
            user_id=None,
            now=utcnow(),
        )


@blp.route("/flags/<int:flag_id>/history")
class FlagHistory(MethodView):
    @require("reports:read", "admin")
    @blp.response(200, FlagHistoryOut)
    def get(self, flag_id):
        """Everything that happened to the flag: raised, numbers changed, acknowledged, cleared."""
        partner = current_partner()
        flag, events = flags.flag_history(
            db.session, partner_id=partner.id if partner else None, flag_id=flag_id
        )
        return {"id": flag.id, "kind": flag.kind, "period_days": flag.period_days, "items": events}


BALANCE_COLUMNS = [
    "partnership_id",
    "partner_id",
    "partner",
    "direction",
    "period_days",
    *COUNTED,
    "currency",
    *MONEY_FIELDS,
    *RATE_FIELDS,
]


def _amount_of(direction: balance.Direction, name: str, currency: str) -> Decimal:
    amounts = direction.rewards_owed if name == "rewards_owed" else direction.money[name]
    return amounts.get(currency, Decimal(0))


def balance_csv(balances: list[balance.PartnershipBalance]) -> Response:
    """The balance as a CSV download, one line per partnership and direction (the pages export it too).

    Amounts are plain decimals in the line's `currency`; a direction with amounts
    in a second currency has a further line for them, its counters left empty.
    """
    rows = []
    for row in balances:
        for name, d in (("outgoing", row.outgoing), ("incoming", row.incoming)):
            currencies = sorted(set().union(*d.money.values())) or [row.partnership.currency]
            for i, currency in enumerate(currencies):
                counters = [d.counts[c] for c in COUNTED] if i == 0 else [None] * len(COUNTED)
                rates = [getattr(d, r) for r in RATE_FIELDS] if i == 0 else [None] * len(RATE_FIELDS)
                rows.append(
                    [row.partnership.id, row.other.id, row.other.name, name, row.period_days]
                    + counters
                    + [currency]
                    + [_amount_of(d, m, currency) for m in MONEY_FIELDS]
                    + rates
                )
    return csv_response(BALANCE_COLUMNS, rows, "balance.csv")


@blp.route("/balance.csv")
class BalanceCsv(MethodView):
    @require("reports:read")
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200, content_type="text/csv", description="One line per partnership and direction")
    def get(self, args):
        """The balance as CSV: one line per partnership and direction."""
        return balance_csv(_balance(args["period_days"]))


FLAG_COLUMNS = [
    "id",
    "kind",
    "partners",
    "sentence",
    "action",
    "numbers",
    "period_days",
    "as_of",
    "raised_at",
    "seen",
]


@blp.route("/flags.csv")
class FlagsCsv(MethodView):
    @require("reports:read", "admin")
    @blp.arguments(FlagPeriodArgs, location="query")
    @blp.response(200, content_type="text/csv")
    def get(self, args):
        """The flags of the period as CSV."""
        rows = []
        for s in _flags(args["period_days"]):
            f = s.flag
            names = [g.partner_names[p].name for p in (f.partner_id, f.other_partner_id) if p]
            rows.append(
                [
                    f.id,
                    f.kind,
                    " / ".join(names),
                    f.sentence,
                    s.action,
                    json.dumps(f.numbers),
                    f.period_days,
                    s.as_of,
                    f.raised_at,
                    "yes" if s.seen else "no",
                ]
            )
        return csv_response(FLAG_COLUMNS, rows, "flags.csv")


HANDOFF_COLUMNS = [
    "id",
    "lead_id",
    "partnership_id",
    "from_partner_id",
    "to_partner_id",
    "status",
    *exports.STEP_TIMESTAMPS,
    "currency",
    "deal_value",
    "reward_amount",
    "rep_share_amount",
    "reason",
]


def _handoff_values(handoff) -> list:
    # None stays null in JSON; the CSV writer turns it into an empty cell.
    return [getattr(handoff, column) for column in HANDOFF_COLUMNS]


def _json_value(value):
    # As in the CSV: times in ISO 8601, amounts as decimal strings with their cents.
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    raise TypeError(f"{type(value).__name__} is not exported")


def _export(args) -> Iterator:
    since = utcnow() - timedelta(days=args["period_days"])
    return exports.handoffs_for_export(db.session, partner_id=current_partner().id, since=since)


@blp.route("/handoffs.csv")
class HandoffsCsv(MethodView):
    @require("reports:read")
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200, content_type="text/csv")
    def get(self, args):
        """Every handoff the caller sent or received in the period, as streamed CSV."""
        rows = (_handoff_values(h) for h in _export(args))
        return csv_response(HANDOFF_COLUMNS, rows, "handoffs.csv")


@blp.route("/handoffs.json")
class HandoffsJson(MethodView):
    @require("reports:read")
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200, content_type="application/json", description="A JSON array, streamed")
    def get(self, args):
        """Every handoff the caller sent or received in the period, as a streamed JSON array."""

        def generate() -> Iterator[str]:
            yield "["
            for i, handoff in enumerate(_export(args)):
                yield ("," if i else "") + json.dumps(
                    dict(zip(HANDOFF_COLUMNS, _handoff_values(handoff), strict=True)), default=_json_value
                )
            yield "]"

        return Response(stream_with_context(generate()), mimetype="application/json")
