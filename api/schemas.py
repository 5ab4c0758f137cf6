"""Schemas shared by every part of the API: tokens, money, lists."""

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

MAX_PAGE = 200


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
    amount = fields.Decimal(as_string=True, places=2, required=True, metadata={"example": "1250.00"})
    currency = fields.String(required=True, validate=validate.Length(equal=3), metadata={"example": "EUR"})


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


class Cursor(fields.Field):
    """The last id of the previous page, in base 36 so clients treat it as opaque."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        out = ""
        while True:
            value, rem = divmod(value, 36)
            out = _DIGITS[rem] + out
            if value == 0:
                return out

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return int(str(value), 36)
        except ValueError:
            raise ValidationError("not a cursor this API returned") from None


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
