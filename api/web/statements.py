"""Payout statements on the pages: a manager's month per partnership, a rep's own shares; CSV and PDF."""

from flask import Blueprint, abort, render_template, request

from api.extensions import db
from api.v1.statements import statement_csv, statement_pdf_response
from api.web.session import PARTNER_ROLES, current_partner, current_user, role_required
from partnerhub import statements
from partnerhub.db import utcnow
from partnerhub.errors import InvalidInput

bp = Blueprint("statements", __name__, url_prefix="/statements")
FORMATS = ("csv", "pdf")


def _month() -> statements.Month:
    text = request.args.get("month")
    try:
        return statements.Month.parse(text) if text else statements.Month.of(utcnow())
    except InvalidInput:
        # A month typed badly in the address shows the current one rather than an error page.
        return statements.Month.of(utcnow())


def _download(statement, lines, name: str, fmt: str):
    if fmt == "pdf":
        return statement_pdf_response(statement, lines, f"{name}.pdf")
    return statement_csv(statement, lines, f"{name}.csv")


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


@bp.get("/<int:partnership_id>/<month>.<fmt>")
@role_required("manager")
def partnership_file(partnership_id: int, month: str, fmt: str):
    """A partnership's statement of the month as CSV or PDF, the same file the API gives."""
    if fmt not in FORMATS:
        abort(404)
    statement, lines = statements.statement_of(
        db.session,
        partner_id=current_partner().id,
        partnership_id=partnership_id,
        month=statements.Month.parse(month),
    )
    return _download(statement, lines, f"statement-{partnership_id}-{month}", fmt)


@bp.get("/mine/<month>.<fmt>")
@role_required(*PARTNER_ROLES)
def mine(month: str, fmt: str):
    """The signed-in rep's own statement of the month as CSV or PDF."""
    if fmt not in FORMATS:
        abort(404)
    statement, lines = statements.rep_statement(
        db.session, rep=current_user(), month=statements.Month.parse(month)
    )
    return _download(statement, lines, f"my-statement-{month}", fmt)
