"""Payout statements on the pages: a manager's month per partnership, a rep's own shares; CSV and PDF."""

from flask import Blueprint, render_template, request

from api.extensions import db
from api.v1.statements import partnership_statement_file, statement_file
from api.web.i18n import reader
from api.web.session import PARTNER_ROLES, current_partner, current_user, role_required
from partnerhub.core.db import utcnow
from partnerhub.core.errors import InvalidInput
from partnerhub.reports import statements

bp = Blueprint("statements", __name__, url_prefix="/statements")


def _month() -> statements.Month:
    text = request.args.get("month")
    try:
        return statements.Month.parse(text) if text else statements.Month.of(utcnow())
    except InvalidInput:
        # A month typed badly in the address shows the current one rather than an error page.
        return statements.Month.of(utcnow())


@bp.get("")
@role_required(*PARTNER_ROLES)
def index():
    """The month's statements: per partnership for a manager, the rep's own deals and shares for a rep."""
    month = _month()
    user = current_user()
    if user.role == "manager":
        rows = statements.month_summary(db.session, partner_id=current_partner().id, month=month)
        return render_template("statements/index.html", month=month, rows=rows, lines=None)
    statement, lines = statements.rep_statement(db.session, rep=user, month=month)
    return render_template(
        "statements/index.html", month=month, rows=None, lines=list(lines), statement=statement
    )


@bp.get("/<int:partnership_id>/<month>.<any(csv, pdf):fmt>")
@role_required("manager")
def partnership_file(partnership_id: int, month: str, fmt: str):
    """A partnership's statement of the month as CSV or PDF, the same file the API gives."""
    return partnership_statement_file(current_partner().id, partnership_id, month, fmt, reader())


@bp.get("/mine/<month>.<any(csv, pdf):fmt>")
@role_required(*PARTNER_ROLES)
def mine(month: str, fmt: str):
    """The signed-in rep's own statement of the month as CSV or PDF."""
    statement, lines = statements.rep_statement(
        db.session, rep=current_user(), month=statements.Month.parse(month)
    )
    return statement_file(statement, lines, f"my-statement-{month}", fmt, reader())
