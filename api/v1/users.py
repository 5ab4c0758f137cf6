"""A partner's people, for partner systems that keep their staff in step."""

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from api.auth import current_actor, current_partner, require
from api.extensions import db
from api.observability import request_origin
from api.pagination import paginate
from api.parsing import Blueprint
from api.schemas import ListArgs, PatchSchema, page_schema
from api.v1.fields import JsonBoolean, email_field, name_field
from partnerhub.models import User
from partnerhub.models.partner import TEAM_ROLES, USER_STATUSES
from partnerhub.people import team

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="People")

WRITE = "users:write"
# People are part of the partner's own directory: any client that reads it may list them.
READ = ("directory:read", WRITE)
_role = fields.String(validate=validate.OneOf(TEAM_ROLES), metadata={"description": "rep or manager"})


class UserIn(Schema):
    email = email_field(required=True, empty_ok=False)
    name = name_field(blank_ok=True, validate=[validate.Length(max=200)], load_default="")
    role = fields.String(
        validate=validate.OneOf(TEAM_ROLES), load_default="rep", metadata={"description": "rep or manager"}
    )


class UserPatch(PatchSchema):
    role = _role
    active = JsonBoolean(metadata={"description": "false ends every session of the person at once"})
    away = JsonBoolean(metadata={"description": "an away person gets no new assignments"})


class UserOut(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = _role
    status = fields.String(metadata={"enum": list(USER_STATUSES)})
    away = fields.Boolean()
    created_at = fields.DateTime()


@blp.route("")
class Users(MethodView):
    @require(*READ)
    @blp.arguments(ListArgs, location="query")
    @blp.response(200, page_schema(UserOut, "UserPage"))
    def get(self, args):
        """List the caller's people, invited and deactivated ones included."""
        return paginate(db.session, team.people_of(current_partner().id), User.id, **args)

    @require(WRITE)
    @blp.arguments(UserIn)
    @blp.response(201, UserOut)
    def post(self, args):
        """Invite a person: the link to choose a name and password goes out by email, valid seven days."""
        invitation = team.invite(
            db.session,
            partner=current_partner(),
            actor=current_actor(),
            base_url=current_app.config["BASE_URL"],
            origin=request_origin(),
            **args,
        )
        return invitation.user


@blp.route("/<int:user_id>")
class UserById(MethodView):
    @require(*READ)
    @blp.response(200, UserOut)
    def get(self, user_id):
        """Show one of the caller's people."""
        return team.get_person(db.session, partner_id=current_partner().id, user_id=user_id)

    @require(WRITE)
    @blp.arguments(UserPatch)
    @blp.response(200, UserOut)
    def patch(self, args, user_id):
        """Change a person's role, whether they may sign in, or whether they are away."""
        person = team.get_person(db.session, partner_id=current_partner().id, user_id=user_id)
        return team.change_person(
            db.session, person=person, actor=current_actor(), origin=request_origin(), **args
        )
