"""Errors on pages: an HTML page with the status, or back to the form with the reason."""

from flask import flash, g, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from api.extensions import db
from api.web.i18n import sentence
from api.web.session import back_to
from partnerhub.core.i18n import N_, Phrase

# The titles an error page may carry (HTTP's names and the domain's), for the catalogs: the page
# looks its title up, as it does the domain's fixed sentences (marked N_ where they are raised).
TITLES = (
    N_("Bad Request"),
    N_("Unauthorized"),
    N_("Forbidden"),
    N_("Not Found"),
    N_("Method Not Allowed"),
    N_("Conflict"),
    N_("Gone"),
    N_("Request Entity Too Large"),
    N_("Unsupported Media Type"),
    N_("Unprocessable Content"),
    N_("Too many attempts"),
    N_("Internal Server Error"),
    N_("Service Unavailable"),
)


def error_page(status: int, title: str, detail: Phrase | str):
    db.session.rollback()
    if status >= 500:
        # The database may be what failed: render without touching it for the signed-in user.
        g.user = None
    page = render_template("error.html", status=status, title=_(title), detail=sentence(detail))
    return make_response(page, status)


def refused_form(
    message: Phrase | str, errors: dict[str, list[Phrase | str]] | None = None, reasons: list[str] = ()
):
    """Send a refused form post back where it came from, with the domain's reasons shown (in the
    reader's language where the domain gave Phrases or marked them for the catalogs)."""
    db.session.rollback()
    flash(sentence(message), "error")
    for reason in reasons:
        flash(_(reason), "error")
    for field, field_reasons in (errors or {}).items():
        # A field the pages name with a label of the catalogs reads in the reader's language.
        named = _(field.replace("_", " ").capitalize())
        flash(
            _("%(field)s: %(reason)s", field=named, reason="; ".join(map(sentence, field_reasons))), "error"
        )
    return redirect(back_to(url_for("web.account.home")), 303)


def too_many_tries(reason: str | None, retry_after: int) -> str:
    """The 429 page's sentence: whose tries were too many and how long to wait, in the reader's language."""
    reason = _(reason) if reason else _("Too many tries from your address")
    return ngettext(
        "%(reason)s in a short time. Try again in %(num)s second.",
        "%(reason)s in a short time. Try again in %(num)s seconds.",
        retry_after,
        reason=reason,
    )
