"""Notices the platform left for the caller's people: reminders, digests, warnings."""

from marshmallow import Schema, fields

from api.auth import current_partner, require
from api.extensions import db
from api.pagination import paginate
from api.parsing import Blueprint
from api.schemas import ListArgs, page_schema
from partnerhub.delivery.notices import notices_of
from partnerhub.models import Notice

blp = Blueprint("notices", __name__, url_prefix="/api/v1/notices", description="Notices")


class NoticeOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    audience = fields.String()
    subject = fields.String()
    body = fields.String()
    data = fields.Dict()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


@blp.route("", methods=["GET"])
@require("reports:read")
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(NoticeOut, "NoticePage"))
def list_notices(args):
    """List the notices stored for the caller, newest first."""
    return paginate(db.session, notices_of(current_partner().id), Notice.id, **args)
