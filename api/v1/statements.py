"""Payout statements: the month's summary per partnership, and each partnership's statement as CSV and PDF."""

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from api.auth import current_partner, require
from api.csvfile import csv_response
from api.extensions import db
from api.schemas import MONTH_PATTERN, PartnerRef, Pattern
from partnerhub.core.db import utcnow
from partnerhub.core.i18n import Translator
from partnerhub.reports import statement_pdf, statements

blp = Blueprint("statements", __name__, url_prefix="/api/v1", description="Payout statements")

SUMMARY_MONEY = (
    "deal_value",
    "deal_value_from_yours",
    "deal_value_from_theirs",
    "rewards_owed_to_you",
    "rewards_owed_by_you",
    "rep_shares",
    "rewards_invoiced_to_them",
    "rewards_invoiced_to_you",
    "rewards_paid_to_you",
    "rewards_paid_by_you",
    "rep_shares_paid",
)
MONEY = {
    "type": "object",
    "properties": {"amount": {"type": "string", "example": "1250.00"}, "currency": {"type": "string"}},
}


class MonthArgs(Schema):
    month = fields.String(
        validate=Pattern(MONTH_PATTERN, error="must be a month as YYYY-MM, such as 2026-11"),
        metadata={"description": "YYYY-MM; the current UTC month when absent"},
    )


def _money_field(name: str):
    return fields.Function(
        lambda r: {"amount": f"{getattr(r, name):.2f}", "currency": r.currency}, metadata=MONEY
    )


StatementRowOut = Schema.from_dict(
    {
        "partnership_id": fields.Integer(),
        "partner": fields.Nested(PartnerRef, attribute="other", metadata={"description": "The other side"}),
        "currency": fields.String(),
        "won": fields.Integer(metadata={"description": "Handoffs won in the month, both directions"}),
        "won_from_yours": fields.Integer(),
        "won_from_theirs": fields.Integer(),
        **{name: _money_field(name) for name in SUMMARY_MONEY},
    },
    name="StatementRow",
)


class StatementsOut(Schema):
    month = fields.String()
    items = fields.List(fields.Nested(StatementRowOut))


def _month(text: str | None) -> statements.Month:
    return statements.Month.parse(text) if text else statements.Month.of(utcnow())


@blp.route("/statements")
class Statements(MethodView):
    @require("reports:read")
    @blp.arguments(MonthArgs, location="query")
    @blp.response(200, StatementsOut)
    def get(self, args):
        """The month's payouts: one row per partnership and currency with a deal won in it."""
        month = _month(args.get("month"))
        rows = statements.month_summary(db.session, partner_id=current_partner().id, month=month)
        return {"month": str(month), "items": rows}


LINE_COLUMNS = [
    "handoff_id",
    "lead_id",
    "buyer",
    "sent_by",
    "received_by",
    "rep",
    "status",
    "currency",
    "deal_value",
    "reward",
    "rep_share",
    "sent_at",
    "won_at",
    "reward_invoiced_at",
    "reward_paid_at",
    "rep_paid_at",
]
TOTAL_COLUMNS = [
    "won",
    "deal_value",
    "rewards",
    "rewards_invoiced",
    "rewards_paid",
    "rewards_unpaid",
    "rep_shares",
    "rep_shares_paid",
]
# Lines first, then one total line per direction and currency: `line` tells them apart.
STATEMENT_COLUMNS = ["line", *LINE_COLUMNS, *(f"total_{c}" for c in TOTAL_COLUMNS)]


def statement_csv(statement: statements.Statement, lines, filename: str) -> Response:
    """The statement as CSV (the pages serve the same file)."""

    def rows():
        for line in lines:
            yield ["handoff", *(getattr(line, c) for c in LINE_COLUMNS), *[None] * len(TOTAL_COLUMNS)]
        names = {statement.partner.id: statement.partner.name}
        if statement.other is not None:
            names[statement.other.id] = statement.other.name
        for (sender_id, currency), t in sorted(statement.totals.items(), key=lambda i: (i[0][1], i[0][0])):
            blank = dict.fromkeys(LINE_COLUMNS)
            blank |= {"sent_by": names.get(sender_id, ""), "currency": currency}
            yield ["total", *blank.values(), *(getattr(t, c) for c in TOTAL_COLUMNS)]

    return csv_response(STATEMENT_COLUMNS, rows(), filename)


def statement_pdf_response(
    statement: statements.Statement, lines, filename: str, tr: Translator | None = None
) -> Response:
    body = statement_pdf.render(statement, lines, prepared_at=utcnow(), tr=tr)
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def statement_file(
    statement: statements.Statement, lines, name: str, fmt: str, tr: Translator | None = None
) -> Response:
    """The statement as the file `fmt` names ("csv" or "pdf"), called `name`.`fmt`: the CSV is
    locale-free, the PDF is for people and reads in `tr`'s language (the API's: English)."""
    if fmt == "pdf":
        return statement_pdf_response(statement, lines, f"{name}.{fmt}", tr)
    return statement_csv(statement, lines, f"{name}.{fmt}")


def partnership_statement_file(
    partner_id: int, partnership_id: int, month: str, fmt: str, tr: Translator | None = None
) -> Response:
    """A partnership's statement of `month` (YYYY-MM) as CSV or PDF, for either side (the pages' too)."""
    statement, lines = statements.statement_of(
        db.session, partner_id=partner_id, partnership_id=partnership_id, month=statements.Month.parse(month)
    )
    return statement_file(statement, lines, f"statement-{partnership_id}-{month}", fmt, tr)


@blp.route("/statements/<int:partnership_id>/<month:month>.csv")
class StatementCsv(MethodView):
    @require("reports:read")
    @blp.response(200, content_type="text/csv", description="One line per won handoff, then the totals")
    def get(self, partnership_id, month):
        """A partnership's payout statement of a month as CSV, for either side."""
        return partnership_statement_file(current_partner().id, partnership_id, month, "csv")


@blp.route("/statements/<int:partnership_id>/<month:month>.pdf")
class StatementPdf(MethodView):
    @require("reports:read")
    @blp.response(200, content_type="application/pdf", description="The statement as a document to file")
    def get(self, partnership_id, month):
        """A partnership's payout statement of a month as PDF, for either side."""
        return partnership_statement_file(current_partner().id, partnership_id, month, "pdf")
