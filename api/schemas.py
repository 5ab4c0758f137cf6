"""Schemas shared by every part of the API: tokens, money, lists."""

from decimal import Decimal

from marshmallow import EXCLUDE, INCLUDE, Schema, ValidationError, fields, validate

from api.pagination import MAX_ID, decode_cursor, encode_cursor

MAX_PAGE = 200
PROBLEM = "application/problem+json"


def id_field(**kwargs) -> fields.Integer:
    """An object id in a body or query: a positive integer the database can hold."""
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class DecimalString(fields.Decimal):
    """A decimal carried as a string ("1250.00"), never a float; documented as such in OpenAPI.

    More decimal places than `places` are refused, not rounded: the amount stored, and the
    reward computed from it, are then always the ones the partner's system sent.
    """

    default_error_messages = {"too_precise": "Must have at most {places} decimal places."}

    def __init__(self, places: int = 2, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("pattern", rf"^-?[0-9]+(\.[0-9]{{1,{places}}})?$")
        super().__init__(places=places, as_string=True, **kwargs)
        self.decimal_places = places

    def _deserialize(self, value, attr, data, **kwargs):
        # The parent has rounded to `places` already; compare with the value as sent.
        number = super()._deserialize(value, attr, data, **kwargs)
        if number != Decimal(str(value)):
            raise self.make_error("too_precise", places=self.decimal_places)
        return number


class Problem(Schema):
    """RFC 9457 problem details, as api/errors.py writes them (documentation only)."""

    class Meta:
        # Problems may add members (a conflict names the partnership it met).
        unknown = INCLUDE

    type = fields.String(required=True, metadata={"example": "about:blank"})
    title = fields.String(required=True, metadata={"example": "Not Found"})
    status = fields.Integer(required=True, metadata={"example": 404})
    detail = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "422 only: the reasons per field path"},
    )
    request_id = fields.String(metadata={"description": "The X-Request-ID of the request, for support"})


class OAuthError(Schema):
    """RFC 6749 5.2 error body of the token endpoint."""

    error = fields.String(required=True, metadata={"example": "invalid_client"})
    error_description = fields.String()


class TokenIn(Schema):
    class Meta:
        unknown = EXCLUDE

    # Optional here so a missing one gets RFC 6749's invalid_request, not a 422.
    grant_type = fields.String(metadata={"example": "client_credentials"})
    client_id = fields.String()
    client_secret = fields.String()
    scope = fields.String(metadata={"description": "Space-separated subset of the client's scopes"})


class TokenOut(Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True)
    scope = fields.String(required=True)


class Money(Schema):
    amount = DecimalString(required=True, metadata={"example": "1250.00"})
    currency = fields.String(required=True, validate=validate.Length(equal=3), metadata={"example": "EUR"})


class Cursor(fields.Field):
    """The last id of the previous page, in base 36 so clients treat it as opaque."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else encode_cursor(value)

    def _deserialize(self, value, attr, data, **kwargs):
        cursor = decode_cursor(str(value))
        if cursor is None:
            raise ValidationError("not a cursor this API returned")
        return cursor


class ListArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))
    cursor = Cursor(load_default=None, metadata={"type": "string"})


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """The list envelope of API.md: {"items": [...], "next_cursor": ...}."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "next_cursor": Cursor(allow_none=True, required=True, metadata={"type": "string"}),
        },
        name=name,
    )


class PartnerRef(Schema):
    """A partner as other records point at it: its id and name."""

    id = fields.Integer()
    name = fields.String()
