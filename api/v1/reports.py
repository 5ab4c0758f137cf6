"""What partner managers read: the balance with its funnel, the flags, and exports of a period."""

import json
from collections.abc import Iterable, Iterator
from datetime import timedelta

from flask import Response, g, stream_with_context
from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from api.auth import current_partner, require
from api.extensions import db
from api.parsing import Blueprint
from api.schemas import PartnerRef
from partnerhub import balance, exports, flags
from partnerhub.db import utcnow
from partnerhub.models import Flag, Partner
from partnerhub.rollups import COUNTERS

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
    amounts = direction.rewards_owed if name == "rewards_owed" else direction.money[name]
    return [{"amount": f"{amount:.2f}", "currency": currency} for currency, amount in sorted(amounts.items())]


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
        c: fields.Function(lambda d, c=c: d.counts[c], metadata={"type": "integer"}) for c in COUNTERS
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


class BalanceRowOut(Schema):
    partnership_id = fields.Function(lambda r: r.partnership.id, metadata={"type": "integer"})
    status = fields.Function(lambda r: r.partnership.status, metadata={"type": "string"})
    partner = fields.Nested(PartnerRef, attribute="other", metadata={"description": "The other side"})
    period_days = fields.Integer()
    sent = fields.Function(lambda r: r.outgoing.sent, metadata={"type": "integer"})
    received = fields.Function(lambda r: r.incoming.sent, metadata={"type": "integer"})
    outgoing = fields.Nested(
        DirectionOut, metadata={"description": "What the caller sent and what became of it"}
    )
    incoming = fields.Nested(DirectionOut, metadata={"description": "What the caller received"})


class BalanceOut(Schema):
    period_days = fields.Integer()
    items = fields.List(fields.Nested(BalanceRowOut))


class FlagOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    partners = fields.Function(
        lambda f: [
            {"id": p, "name": g.partner_names[p].name}
            for p in (f.partner_id, f.other_partner_id)
            if p is not None
        ],
        metadata={"type": "array", "items": {"type": "object"}},
    )
    numbers = fields.Dict()
    sentence = fields.String()
    raised_at = fields.DateTime()


class FlagsOut(Schema):
    items = fields.List(fields.Nested(FlagOut))


def _balance(period_days: int) -> list[balance.PartnershipBalance]:
    return balance.balance_of(
        db.session, partner_id=current_partner().id, now=utcnow(), period_days=period_days
    )


def _flags() -> list[Flag]:
    partner = current_partner()
    raised = flags.flags_of(db.session, partner_id=partner.id if partner else None)
    ids = {p for f in raised for p in (f.partner_id, f.other_partner_id) if p}
    g.partner_names = {p.id: p for p in db.session.scalars(select(Partner).where(Partner.id.in_(ids)))}
    return raised


@blp.route("/balance")
class BalanceView(MethodView):
    @require("reports:read")
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200, BalanceOut)
    def get(self, args):
        """The balance of each of the caller's partnerships, both directions, with the funnel."""
        return {"period_days": args["period_days"], "items": _balance(args["period_days"])}


@blp.route("/flags")
class FlagsView(MethodView):
    @require("reports:read", "admin")
    @blp.response(200, FlagsOut)
    def get(self):
        """The raised flags that name the caller (an operator sees all of them)."""
        return {"items": _flags()}


def csv_response(header: list[str], rows: Iterable[list], filename: str) -> Response:
    """A streamed CSV download, written by the one CSV writer (exports.csv_lines)."""
    response = Response(stream_with_context(exports.csv_lines(header, rows)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _money_cell(direction: balance.Direction, name: str) -> str:
    return "; ".join(f"{m['amount']} {m['currency']}" for m in _money(direction, name))


BALANCE_COLUMNS = [
    "partnership_id",
    "partner_id",
    "partner",
    "direction",
    *COUNTERS,
    *MONEY_FIELDS,
    *RATE_FIELDS,
]


def balance_csv(balances: list[balance.PartnershipBalance]) -> Response:
    """The balance as a CSV download, one line per partnership and direction (the pages export it too)."""
    rows = []
    for row in balances:
        for name, d in (("outgoing", row.outgoing), ("incoming", row.incoming)):
            rows.append(
                [row.partnership.id, row.other.id, row.other.name, name]
                + [d.counts[c] for c in COUNTERS]
                + [_money_cell(d, m) for m in MONEY_FIELDS]
                + ["" if getattr(d, r) is None else getattr(d, r) for r in RATE_FIELDS]
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


@blp.route("/flags.csv")
class FlagsCsv(MethodView):
    @require("reports:read", "admin")
    @blp.response(200, content_type="text/csv")
    def get(self):
        """The flags as CSV."""
        rows = []
        for f in _flags():
            names = [g.partner_names[p].name for p in (f.partner_id, f.other_partner_id) if p]
            rows.append(
                [f.id, f.kind, " / ".join(names), f.sentence, json.dumps(f.numbers), f.raised_at.isoformat()]
            )
        return csv_response(["id", "kind", "partners", "sentence", "numbers", "raised_at"], rows, "flags.csv")


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
    values = []
    for column in HANDOFF_COLUMNS:
        value = getattr(handoff, column)
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif value is not None and column in ("deal_value", "reward_amount", "rep_share_amount"):
            value = f"{value:.2f}"
        values.append(value)
    return values


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
                    dict(zip(HANDOFF_COLUMNS, _handoff_values(handoff), strict=True))
                )
            yield "]"

        return Response(stream_with_context(generate()), mimetype="application/json")
