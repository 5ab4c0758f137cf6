"""The product taxonomy and which categories complement which."""

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from api.auth import acting, require
from api.extensions import db
from api.parsing import Blueprint
from api.v1.fields import JsonBoolean, category_field, name_field, slug_field
from partnerhub.directory import partners as directory

blp = Blueprint("categories", __name__, url_prefix="/api/v1/categories", description="Taxonomy")


class ComplementOut(Schema):
    category = fields.Function(lambda c: c.complement.slug)
    weight = fields.Float()


class CategoryOut(Schema):
    slug = fields.String()
    name = fields.String()
    parent = fields.Function(lambda c: c.parent.slug if c.parent else None, allow_none=True)
    complements = fields.List(fields.Nested(ComplementOut))


class CategoryList(Schema):
    items = fields.List(fields.Nested(CategoryOut))
    next_cursor = fields.String(allow_none=True)


class CategoryIn(Schema):
    slug = slug_field(required=True)
    name = name_field(required=True, validate=[validate.Length(min=1, max=200)])
    parent = category_field(load_default=None)


class ComplementIn(Schema):
    complement = category_field(required=True)
    weight = fields.Float(load_default=1.0, validate=validate.Range(min=0, min_inclusive=False, max=1))
    symmetric = JsonBoolean(load_default=True)


class CategoryView:
    """A category with the complements routing will follow from it."""

    def __init__(self, category, complements):
        self.slug = category.slug
        self.name = category.name
        self.parent = category.parent
        self.complements = complements


def _taxonomy():
    complements = directory.complements_by_category(db.session)
    return [CategoryView(c, complements.get(c.id, [])) for c in directory.categories(db.session)]


@blp.route("")
class Categories(MethodView):
    @require("directory:read", "admin")
    @blp.response(200, CategoryList)
    def get(self):
        """List the taxonomy, each category with the categories that complement it."""
        return {"items": _taxonomy(), "next_cursor": None}

    @require("admin")
    @blp.arguments(CategoryIn)
    @blp.response(201, CategoryOut)
    def post(self, args):
        """Add a category (operators only)."""
        category = directory.add_category(db.session, **args, **acting())
        return CategoryView(category, [])


@blp.route("/<slug>/complements")
class Complements(MethodView):
    @require("admin")
    @blp.arguments(ComplementIn)
    @blp.response(201, ComplementOut(many=True))
    def post(self, args, slug):
        """Declare that another category complements this one (operators only)."""
        return directory.declare_complement(db.session, category=slug, **args, **acting())


@blp.route("/<slug>/complements/<other>")
class Complement(MethodView):
    @require("admin")
    @blp.response(204)
    def delete(self, slug, other):
        """Remove a complement pair, both directions (operators only)."""
        directory.remove_complement(db.session, category=slug, complement=other, **acting())
