"""Operator settings: the flag thresholds."""

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from api.auth import acting, require
from api.extensions import db
from api.parsing import Blueprint
from api.schemas import KeyedDict
from partnerhub.reports import thresholds

blp = Blueprint("settings", __name__, url_prefix="/api/v1/settings", description="Operator settings")


class ThresholdsSchema(Schema):
    # Each threshold with the domain's bounds for it: the document states them one by one.
    thresholds = KeyedDict(
        {
            key: fields.Float(
                allow_nan=False, validate=validate.Range(min=low, max=high, min_inclusive=not above)
            )
            for key, (low, high, above) in thresholds.BOUNDS.items()
        },
        error="not a flag threshold",
        required=True,
        metadata={"example": {"flags.one_sided.ratio": 3, "flags.dormant.days": 30}},
    )


@blp.route("/flags")
class FlagThresholds(MethodView):
    @require("admin")
    @blp.response(200, ThresholdsSchema)
    def get(self):
        """Every flag threshold in force, defaults included."""
        return {"thresholds": thresholds.thresholds(db.session)}

    @require("admin")
    @blp.arguments(ThresholdsSchema)
    @blp.response(200, ThresholdsSchema)
    def put(self, args):
        """Tune some thresholds; the keys left out keep their values."""
        return {"thresholds": thresholds.set_thresholds(db.session, values=args["thresholds"], **acting())}
