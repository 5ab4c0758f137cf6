"""The manager's team page, and the page where an invited person joins."""

from flask import Blueprint, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _

from api.extensions import db
from api.observability import request_origin
from api.web.forms import InviteForm, JoinForm, refusal_into
from api.web.session import current_actor, current_partner, current_user, role_required
from partnerhub.core.db import utcnow
from partnerhub.core.errors import Conflict, InvalidInput, NotFound
from partnerhub.core.i18n import N_
from partnerhub.core.words import ROLE_WORDS
from partnerhub.models import User
from partnerhub.people import team

bp = Blueprint("team", __name__)


def _base_url() -> str:
    return current_app.config["BASE_URL"]


def _person(user_id: int) -> User:
    return team.get_person(db.session, partner_id=current_partner().id, user_id=user_id)


def _team_page(form: InviteForm, status: int = 200):
    partner = current_partner()
    page = render_template(
        "team/index.html",
        partner=partner,
        people=team.team_of(db.session, partner.id),
        form=form,
        me=current_user(),
        roles=ROLE_WORDS,
        now=utcnow(),
    )
    return page, status


@bp.get("/team")
@role_required("manager")
def index():
    """The partner's people: who is active, invited or deactivated, and an invitation form."""
    return _team_page(InviteForm(formdata=None))


@bp.post("/team/invitations")
@role_required("manager")
def invite():
    """Invite a person by email; the link goes out in the same transaction or not at all."""
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitation = team.invite(
                db.session,
                partner=current_partner(),
                email=form.email.data,
                name=form.name.data or "",
                role=form.role.data,
                actor=current_actor(),
                base_url=_base_url(),
                origin=request_origin(),
            )
        except InvalidInput as exc:
            refusal_into(form, exc)
        else:
            flash(
                _(
                    "Invitation sent to %(email)s; the link works for seven days.",
                    email=invitation.user.email,
                ),
                "success",
            )
            return redirect(url_for("web.team.index"), 303)
    return _team_page(form, 422)


@bp.post("/team/<int:user_id>/resend")
@role_required("manager")
def resend(user_id: int):
    """Send a new link; the one sent before stops working."""
    invitation = team.resend_invitation(
        db.session,
        person=_person(user_id),
        actor=current_actor(),
        base_url=_base_url(),
        origin=request_origin(),
    )
    flash(
        _(
            "A new invitation went to %(email)s; the earlier link no longer works.",
            email=invitation.user.email,
        ),
        "success",
    )
    return redirect(url_for("web.team.index"), 303)


@bp.post("/team/<int:user_id>/revoke")
@role_required("manager")
def revoke(user_id: int):
    """Withdraw an invitation."""
    person = _person(user_id)
    email = person.email
    team.revoke_invitation(db.session, person=person, actor=current_actor(), origin=request_origin())
    flash(_("The invitation to %(email)s is withdrawn; its link no longer works.", email=email), "success")
    return redirect(url_for("web.team.index"), 303)


_CHANGES = {
    "manager": ({"role": "manager"}, N_("%(who)s is now a manager.")),
    "rep": ({"role": "rep"}, N_("%(who)s is now a sales rep.")),
    "away": ({"away": True}, N_("%(who)s is marked away and gets no new assignments.")),
    "back": ({"away": False}, N_("%(who)s is back.")),
    "deactivate": ({"active": False}, N_("%(who)s is deactivated and signed out everywhere.")),
    "reactivate": ({"active": True}, N_("%(who)s can sign in again.")),
}


@bp.post("/team/<int:user_id>/<any(manager, rep, away, back, deactivate, reactivate):change>")
@role_required("manager")
def change(user_id: int, change: str):
    """Change a person's role, away mark or whether they may sign in."""
    person = _person(user_id)
    values, done = _CHANGES[change]
    team.change_person(db.session, person=person, actor=current_actor(), origin=request_origin(), **values)
    flash(_(done, who=person.name or person.email), "success")
    return redirect(url_for("web.team.index"), 303)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def join(token: str):
    """The emailed link: the invited person chooses a name and password, then signs in."""
    try:
        person = team.invitation_for(db.session, token=token)
    except (NotFound, Conflict) as exc:
        page = render_template("team/link_unusable.html", reason=exc.words)
        return page, 404 if isinstance(exc, NotFound) else 410
    form = JoinForm(name=person.name)
    if form.validate_on_submit():
        try:
            joined = team.accept_invitation(
                db.session, token=token, name=form.name.data, password=form.password.data
            )
        except InvalidInput as exc:
            refusal_into(form, exc)
        else:
            # Whoever was signed in on this browser is not the person who just joined.
            session.clear()
            flash(
                _("Welcome to %(name)s. Sign in with your email and new password.", name=joined.partner.name),
                "success",
            )
            return redirect(url_for("web.account.login"), 303)
    page = render_template("team/join.html", form=form, person=person, role=ROLE_WORDS[person.role])
    return page, 422 if form.errors or form.form_errors else 200
