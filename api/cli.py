"""`flask --app wsgi partnerhub ...`: the operator's commands.

Each command is its own unit of work: it commits once at the end, and a
command that creates or changes something prints one JSON object with --json.
"""

import csv
import json
import random
import sys
import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError

from api import worker as worker_loop
from api.errors import flatten_messages
from api.extensions import db
from api.v1.leads import LeadIn
from partnerhub.core.actors import Actor, refuse_unless_active
from partnerhub.core.db import utcnow
from partnerhub.core.errors import DomainError
from partnerhub.delivery import integrations
from partnerhub.demo import seeding as demo
from partnerhub.demo import simulation
from partnerhub.directory import partners as directory
from partnerhub.exchange import intake, rollups
from partnerhub.models.partner import TEAM_ROLES
from partnerhub.people import credentials, team
from partnerhub.reports import flags, thresholds

group = AppGroup("partnerhub", help="Operate PartnerHub.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
# Where an operator's command came from, in the audit log.
CLI_ORIGIN = "cli"


def _done(as_json: bool, payload: dict, text: str) -> None:
    db.session.commit()
    click.echo(json.dumps(payload) if as_json else text)


def _fail(exc: DomainError):
    db.session.rollback()
    # An InvalidInput's message is generic: the reasons per field are what the operator must read.
    reasons = [f"{field}: {'; '.join(why)}." for field, why in getattr(exc, "errors", {}).items()]
    raise click.ClickException(" ".join([exc.message, *reasons]))


@group.command("create-admin")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", default="")
@json_option
def create_admin(email, password, name, as_json):
    """Create an operator (admin) user."""
    try:
        user = credentials.create_user(
            db.session, email=email, password=password, role="admin", partner=None, name=name
        )
    except DomainError as exc:
        _fail(exc)
    _done(as_json, {"id": user.id, "email": user.email, "role": user.role}, f"Admin {user.email} created.")


def _change_status(ref: str, as_json: bool, change, **kwargs) -> None:
    """Find partner `ref`, apply the domain's status `change` on the record as the platform, report it."""
    try:
        partner = change(
            db.session,
            partner=directory.find_partner(db.session, ref),
            actor=Actor.system(),
            origin=CLI_ORIGIN,
            **kwargs,
        )
    except DomainError as exc:
        _fail(exc)
    _done(
        as_json,
        {"id": partner.id, "name": partner.name, "status": partner.status},
        f"{partner.name} is {partner.status}.",
    )


@group.command("approve")
@click.argument("partner")
@json_option
def approve(partner, as_json):
    """Approve a pending partner (by id or exact name); the first approval emails its managers."""
    _change_status(partner, as_json, directory.approve_partner, base_url=current_app.config["BASE_URL"])


@group.command("reject")
@click.argument("partner")
@click.option("--reason", required=True, help="Why, in a sentence the company reads in its email.")
@json_option
def reject(partner, reason, as_json):
    """Reject a pending registration (by id or exact name), with the reason its managers are emailed."""
    _change_status(partner, as_json, directory.reject_partner, reason=reason)


@group.command("suspend")
@click.argument("partner")
@json_option
def suspend(partner, as_json):
    """Suspend an active partner (by id or exact name): its tokens, pages and leads stop."""
    _change_status(partner, as_json, directory.suspend_partner)


@group.command("create-client")
@click.argument("partner", required=False)
@click.option("--scopes", default="", help="Space- or comma-separated; default: every partner scope.")
@click.option("--name", default="")
@click.option("--admin", is_flag=True, help="An operator client (admin scope) instead of a partner's.")
@json_option
def create_client(partner, scopes, name, admin, as_json):
    """Issue API credentials; the secret is shown this once."""
    try:
        if admin == bool(partner):
            raise click.UsageError("Name a PARTNER, or pass --admin for an operator client.")
        owner = None if admin else directory.find_partner(db.session, partner)
        scope_list = [s for s in scopes.replace(",", " ").split() if s]
        client, secret = integrations.create_client(
            db.session,
            partner=owner,
            scopes=scope_list,
            name=name,
            hmac_key=current_app.config["CLIENT_SECRET_HMAC_KEY"],
            actor=Actor.system(owner.id if owner else None),
            origin="cli",
        )
    except DomainError as exc:
        _fail(exc)
    payload = {"client_id": client.client_id, "client_secret": secret, "scopes": client.scopes}
    _done(
        as_json,
        payload,
        f"client_id:     {client.client_id}\nclient_secret: {secret}\n(the secret is not shown again)",
    )


@group.command("revoke-client")
@click.argument("client_id")
@json_option
def revoke_client(client_id, as_json):
    """Revoke API credentials; tokens already issued stop working at once."""
    try:
        client = integrations.revoke_client(
            db.session, client_id=client_id, of_partner=None, actor=Actor.system(), origin="cli"
        )
    except DomainError as exc:
        _fail(exc)
    _done(as_json, {"client_id": client.client_id, "revoked_at": client.revoked_at.isoformat()}, "Revoked.")


@group.command("invite")
@click.argument("partner")
@click.argument("email")
@click.option("--role", type=click.Choice(TEAM_ROLES), default="rep", show_default=True)
@click.option("--name", default="")
@json_option
def invite(partner, email, role, name, as_json):
    """Invite a person to a partner; prints the link too, for a platform without SMTP."""
    try:
        owner = directory.find_partner(db.session, partner)
        invitation = team.invite(
            db.session,
            partner=owner,
            email=email,
            role=role,
            name=name,
            actor=Actor.system(owner.id),
            base_url=current_app.config["BASE_URL"],
            origin="cli",
        )
    except DomainError as exc:
        _fail(exc)
    user = invitation.user
    _done(
        as_json,
        {"user_id": user.id, "email": user.email, "invite_url": invitation.url},
        f"Invited {user.email} to {owner.name}; the link, valid seven days:\n{invitation.url}",
    )


@group.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when partners already exist.")
@json_option
def seed_demo(if_empty, as_json):
    """Fill an empty database with a small, believable exchange."""
    if demo.has_data(db.session):
        if if_empty:
            click.echo(json.dumps({"seeded": False}) if as_json else "Database not empty; demo not seeded.")
            return
        raise click.ClickException("The database already has partners; seed-demo wants an empty one.")
    result = demo.seed(
        db.session,
        hmac_key=current_app.config["CLIENT_SECRET_HMAC_KEY"],
        base_url=current_app.config["BASE_URL"],
    )
    _done(as_json, {"seeded": True, **result}, demo.describe(result))


@group.command("simulate")
@click.option("--interval", default=5.0, help="Seconds between beats.")
@click.option("--count", default=0, help="Stop after this many beats (0: run until stopped).")
@click.option("--once", is_flag=True, help="One beat, then exit.")
@click.option("--seed", "rng_seed", type=int, default=None, help="Seed the randomness, for repeatable runs.")
def simulate(interval, count, once, rng_seed):
    """Keep the demo alive: every few seconds a new lead arrives and some handoffs move on."""
    rng = random.Random(rng_seed)
    beats = 1 if once else count
    done = 0
    while True:
        beat = simulation.tick(db.session, rng=rng)
        lead = beat.lead
        # Read before the commit: afterwards the lead is expired, and reading it would open a
        # new transaction, which on SQLite (BEGIN IMMEDIATE) holds the write lock through the sleep.
        where = f"lead {lead.id} {lead.status}" if lead is not None else "no new lead"
        db.session.commit()
        db.session.close()
        click.echo(f"simulate: {where}; moved {', '.join(f'{h} {to}' for h, to in beat.moved) or 'nothing'}")
        done += 1
        if beats and done >= beats:
            return
        time.sleep(interval)


@group.command("worker")
@click.option("--once", is_flag=True, help="Send what is due now, run the due timed jobs, and exit.")
@click.option("--interval", default=1.0, help="Seconds between polls of the outbox when idle.")
def worker(once, interval):
    """Run the delivery and timed-jobs worker."""
    app = current_app._get_current_object()
    if once:
        sent = worker_loop.run_once(app)
        click.echo(f"worker: {sent} sent")
        return
    click.echo("worker: started", err=True)
    worker_loop.run_forever(app, interval=interval)


CSV_COLUMNS = ("external_id", "name", "email", "phone", "company", "category", "need", "region", "consent")
# A spreadsheet's consent column says yes or no; POST /leads takes JSON's true or false only.
CSV_YES = {"yes", "y", "true", "t", "on", "1", "x"}
CSV_NO = {"no", "n", "false", "f", "off", "0", ""}


def _csv_boolean(text: str) -> bool | str:
    """The cell as a boolean; anything else stays text, for the row's 422-style report."""
    word = text.lower()
    return True if word in CSV_YES else False if word in CSV_NO else text


def _lead_from_row(row: dict) -> dict:
    """A CSV row as the body POST /leads takes; empty cells count as absent."""
    cell = {key: (row.get(key) or "").strip() for key in CSV_COLUMNS}
    return {
        "external_id": cell["external_id"] or None,
        "contact": {
            "name": cell["name"],
            "email": cell["email"] or None,
            "phone": cell["phone"] or None,
            "company": cell["company"] or None,
        },
        "need": {"category": cell["category"] or None, "text": cell["need"]},
        "region": cell["region"] or None,
        "consent": _csv_boolean(cell["consent"]),
        "source": "csv",
    }


@group.command("import-leads")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--partner", "partner_ref", required=True, help="The partner the leads belong to (id or name).")
@json_option
def import_leads(file, partner_ref, as_json):
    """Take in leads from a CSV file and route each one, as POST /leads would.

    Columns: external_id, name, email, phone, company, category, need, region, consent (yes or no).
    Each row commits on its own, so a bad row is reported and never stops the good ones.
    """
    try:
        # Refused before the first row: every row would be refused alike.
        partner = refuse_unless_active(directory.find_partner(db.session, partner_ref))
    except DomainError as exc:
        _fail(exc)
    actor = Actor.system(partner.id)
    rows = list(csv.DictReader(file))
    counts = {"routed": 0, "unrouted": 0, "not_qualified": 0}
    rejected = []
    # On stderr, so --json output on stdout stays one clean object.
    with click.progressbar(
        enumerate(rows, start=2),
        length=len(rows),
        label="Importing leads",
        file=sys.stderr,
    ) as progress:
        for line_number, row in progress:
            try:
                lead = intake.take_lead(db.session, actor=actor, **LeadIn().load(_lead_from_row(row)))
                db.session.commit()
                counts[lead.status] += 1
            except ValidationError as exc:
                db.session.rollback()
                rejected.append({"row": line_number, "errors": flatten_messages(exc.messages)})
            except DomainError as exc:
                db.session.rollback()
                errors = getattr(exc, "errors", None) or {"_row": [exc.message]}
                rejected.append({"row": line_number, "errors": errors})
            except IntegrityError:
                db.session.rollback()
                rejected.append(
                    {"row": line_number, "errors": {"_row": ["conflicts with a lead stored meanwhile"]}}
                )
    report = {"rows": len(rows), **counts, "rejected": rejected}
    if as_json:
        click.echo(json.dumps(report))
        return
    click.echo(
        f"{len(rows)} rows: {counts['routed']} routed, {counts['unrouted']} unrouted, "
        f"{counts['not_qualified']} not qualified, {len(rejected)} rejected."
    )
    for item in rejected:
        reasons = "; ".join(f"{field}: {', '.join(msgs)}" for field, msgs in item["errors"].items())
        click.echo(f"  row {item['row']}: {reasons}")


@group.command("rebuild-rollups")
@json_option
def rebuild_rollups(as_json):
    """Recompute the balance rollups from every handoff (after a bulk load or a repair)."""
    rows = rollups.rebuild(db.session)
    _done(as_json, {"rollup_rows": rows}, f"{rows} rollup rows rebuilt.")


@group.command("thresholds")
@json_option
def show_thresholds(as_json):
    """Show every flag threshold in force."""
    values = thresholds.thresholds(db.session)
    click.echo(json.dumps(values) if as_json else "\n".join(f"{k} = {v:g}" for k, v in values.items()))


@group.command("set-threshold")
@click.argument("key")
@click.argument("value", type=float)
@json_option
def set_threshold(key, value, as_json):
    """Tune one flag threshold, e.g. flags.one_sided.ratio 4."""
    try:
        values = thresholds.set_thresholds(
            db.session, values={key: value}, actor=Actor.system(), origin=CLI_ORIGIN
        )
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(f"{key}: {', '.join(exc.errors.get(key, [exc.message]))}") from None
    _done(as_json, {"key": key, "value": values[key]}, f"{key} = {values[key]:g}")


@group.command("refresh-flags")
@json_option
def refresh_flags(as_json):
    """Raise and clear the flags now (the worker does this on a schedule)."""
    raised = flags.refresh_flags(db.session, now=utcnow())
    _done(as_json, {"raised": len(raised)}, f"{len(raised)} flags raised.")


def register(app: Flask) -> None:
    app.cli.add_command(group)
