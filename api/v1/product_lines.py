"""A partner's own product lines, each with the warm-up script its leads carry."""

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from api.auth import current_partner, require
from api.extensions import db
from api.pagination import paginate
from api.parsing import Blueprint
from api.schemas import ListArgs, PatchSchema, page_schema
from api.v1.fields import category_field, regions
from partnerhub.directory import partners as directory
from partnerhub.models import ProductLine

blp = Blueprint("product_lines", __name__, url_prefix="/api/v1/product-lines", description="Product lines")


class ProductLineIn(Schema):
    category = category_field(required=True, metadata={"example": "window-installation"})
    name = fields.String(validate=validate.Length(max=200), load_default="")
    description = fields.String(validate=validate.Length(max=5000), load_default="")
    regions = regions(load_default=list)
    warmup_script = fields.String(
        validate=validate.Length(max=5000),
        load_default="",
        metadata={"description": "Phrases, examples and properties that spark a buyer's interest"},
    )


class ProductLinePatch(PatchSchema):
    category = category_field()
    name = fields.String(validate=validate.Length(max=200))
    description = fields.String(validate=validate.Length(max=5000))
    regions = regions()
    warmup_script = fields.String(validate=validate.Length(max=5000))


class ProductLineOut(Schema):
    id = fields.Integer()
    category = fields.Function(lambda line: line.category.slug)
    name = fields.String()
    description = fields.String()
    regions = fields.List(fields.String())
    warmup_script = fields.String()
    created_at = fields.DateTime()


def _own_line(line_id: int):
    return directory.get_product_line(db.session, partner_id=current_partner().id, line_id=line_id)


@blp.route("")
class ProductLines(MethodView):
    @require("directory:read")
    @blp.arguments(ListArgs, location="query")
    @blp.response(200, page_schema(ProductLineOut, "ProductLinePage"))
    def get(self, args):
        """List the caller's product lines."""
        stmt = directory.product_lines_of(current_partner().id)
        return paginate(db.session, stmt, ProductLine.id, **args)

    @require("directory:write")
    @blp.arguments(ProductLineIn)
    @blp.response(201, ProductLineOut)
    def post(self, args):
        """Add a product line."""
        return directory.add_product_line(db.session, partner=current_partner(), **args)


@blp.route("/<int:line_id>")
class ProductLineById(MethodView):
    @require("directory:read")
    @blp.response(200, ProductLineOut)
    def get(self, line_id):
        """Show one of the caller's product lines."""
        return _own_line(line_id)

    @require("directory:write")
    @blp.arguments(ProductLinePatch)
    @blp.response(200, ProductLineOut)
    def patch(self, args, line_id):
        """Change one of the caller's product lines."""
        return directory.update_product_line(db.session, line=_own_line(line_id), **args)

    @require("directory:write")
    @blp.response(204)
    def delete(self, line_id):
        """Retire a product line; handoffs made through it keep pointing at it."""
        directory.archive_product_line(db.session, line=_own_line(line_id))
