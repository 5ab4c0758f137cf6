"""Errors on pages: an HTML page with the status, or back to the form with the reason."""

from flask import flash, g, make_response, redirect, render_template, url_for

from api.extensions import db
from api.web.session import back_to


def error_page(status: int, title: str, detail: str):
    db.session.rollback()
    if status >= 500:
        # The database may be what failed: render without touching it for the signed-in user.
        g.user = None
    return make_response(render_template("error.html", status=status, title=title, detail=detail), status)


def refused_form(message: str, errors: dict[str, list[str]] | None = None, reasons: list[str] = ()):
    """Send a refused form post back where it came from, with the domain's reasons shown."""
    db.session.rollback()
    flash(message, "error")
    for reason in reasons:
        flash(reason, "error")
    for field, field_reasons in (errors or {}).items():
        flash(f"{field.replace('_', ' ').capitalize()}: {'; '.join(field_reasons)}", "error")
    return redirect(back_to(url_for("web.account.home")), 303)
