"""Partners worth proposing a partnership to."""

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from api.auth import current_partner, require
from api.extensions import db
from api.parsing import Blueprint
from partnerhub.reports import suggestions

blp = Blueprint("suggestions", __name__, url_prefix="/api/v1/suggestions", description="Suggestions")


class SuggestionArgs(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class SuggestedPartner(Schema):
    id = fields.Integer()
    name = fields.String()
    sales_reps = fields.Integer()
    monthly_leads = fields.Integer()


class SuggestionOut(Schema):
    partner = fields.Nested(SuggestedPartner)
    score = fields.Float(metadata={"description": "0..1, higher is better"})
    parts = fields.Dict(keys=fields.String(), values=fields.Float())
    categories = fields.List(fields.String(), metadata={"description": "Their complementary lines"})
    regions = fields.List(fields.String(), metadata={"description": "Regions both serve"})
    sentence = fields.String()


class SuggestionList(Schema):
    items = fields.List(fields.Nested(SuggestionOut))


@blp.route("")
class Suggestions(MethodView):
    @require("directory:read")
    @blp.arguments(SuggestionArgs, location="query")
    @blp.response(200, SuggestionList)
    def get(self, args):
        """Partners worth proposing to: complementary line, shared region, similar size, not yet partners."""
        return {
            "items": suggestions.suggest_partners(db.session, partner=current_partner(), limit=args["limit"])
        }
