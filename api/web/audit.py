"""The audit log's pages (all of it for the operator, a company's own for its managers), and who acts."""

from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, current_app, render_template, request

from api.extensions import db
from api.observability import request_origin
from api.web.i18n import reader
from api.web.session import current_actor, current_user, role_required
from partnerhub.core import audit
from partnerhub.core.i18n import N_
from partnerhub.directory import partners as directory
from partnerhub.models import AuditEntry

bp = Blueprint("audit", __name__)


def acting() -> dict:
    """The signed-in person and the request's address: the `actor` and `origin` the domain records."""
    return {"actor": current_actor(), "origin": request_origin()}


def base_url() -> str:
    """Where people reach the pages, for the links in emails."""
    return current_app.config["BASE_URL"].rstrip("/")


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _log_page(*, partner_id: int | None, companies=()):
    since, until = _day("from"), _day("to")
    action = request.args.get("action", "").strip()
    stmt = audit.entries(
        partner_id=partner_id,
        action=action or None,
        since=datetime.combine(since, time(), UTC) if since else None,
        # The whole of the last day named.
        until=datetime.combine(until + timedelta(days=1), time(), UTC) if until else None,
    )
    actions = db.session.scalars(
        audit.entries(partner_id=partner_id).with_only_columns(AuditEntry.action).order_by(None).distinct()
    ).all()
    return render_template(
        "audit/index.html",
        page=db.paginate(stmt, per_page=50, error_out=False),
        actions=sorted(actions),
        action=action,
        since=since,
        until=until,
        companies=companies,
        partner_id=partner_id,
    )


@bp.get("/admin/audit")
@role_required("admin")
def everything():
    """Every recorded action, narrowed to one company, one action or a range of days."""
    partner_id = request.args.get("partner", type=int)
    companies = db.session.scalars(directory.partners_by_status()).all()
    return _log_page(partner_id=partner_id, companies=companies)


@bp.get("/audit")
@role_required("manager")
def own():
    """The actions recorded about the manager's own company."""
    return _log_page(partner_id=current_user().partner_id)


# Every action and detail the log records, in words for the catalogs; the page reads them in the
# reader's language. A key not named here (a newer action) is shown spaced out, in English.
AUDIT_WORDS = {
    "api_client.created": N_("API client created"),
    "api_client.revoked": N_("API client revoked"),
    "category.added": N_("Category added"),
    "complement.declared": N_("Complement declared"),
    "complement.removed": N_("Complement removed"),
    "handoff.reassigned": N_("Handoff reassigned"),
    "manager.password": N_("Manager's password set"),
    "partner.approved": N_("Partner approved"),
    "partner.rejected": N_("Partner rejected"),
    "partner.suspended": N_("Partner suspended"),
    "partnership.proposed": N_("Partnership proposed"),
    "partnership.accepted": N_("Partnership accepted"),
    "partnership.declined": N_("Partnership declined"),
    "partnership.paused": N_("Partnership paused"),
    "partnership.resumed": N_("Partnership resumed"),
    "partnership.ended": N_("Partnership ended"),
    "profile.changed": N_("Profile changed"),
    "team.away_changed": N_("Away mark changed"),
    "team.deactivated": N_("Person deactivated"),
    "team.invitation_resent": N_("Invitation re-sent"),
    "team.invitation_revoked": N_("Invitation withdrawn"),
    "team.invited": N_("Person invited"),
    "team.joined": N_("Person joined"),
    "team.reactivated": N_("Person reactivated"),
    "team.role_changed": N_("Role changed"),
    "thresholds.changed": N_("Thresholds changed"),
    "webhook_endpoint.changed": N_("Webhook endpoint changed"),
    "webhook_endpoint.created": N_("Webhook endpoint created"),
    "webhook_endpoint.deleted": N_("Webhook endpoint deleted"),
    "webhook_endpoint.disabled": N_("Webhook endpoint disabled"),
    "webhook_endpoint.enabled": N_("Webhook endpoint enabled"),
    "webhook_endpoint.rotated": N_("Webhook secret rotated"),
    "after": N_("After"),
    "before": N_("Before"),
    "both_ways": N_("Both ways"),
    "from": N_("From"),
    "parent": N_("Parent"),
    "reason": N_("Reason"),
    "user_id": N_("User id"),
    "weight": N_("Weight"),
    "role": N_("Role"),
    "away": N_("Away"),
    "name": N_("Name"),
    "scopes": N_("Scopes"),
    "url": N_("URL"),
    "events": N_("Events"),
}


@bp.app_template_filter("in_words")
def in_words(key: str) -> str:
    """An action or detail key as words: "partner.approved" reads "Partner approved"."""
    if key in AUDIT_WORDS:
        return reader().gettext(AUDIT_WORDS[key])
    words = key.replace(".", " ").replace("_", " ")
    return words[:1].upper() + words[1:]
