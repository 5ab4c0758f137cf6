"""Schemas shared by every part of the API: tokens, money, lists."""

import re
from decimal import Decimal
from typing import ClassVar

from marshmallow import (
    EXCLUDE,
    INCLUDE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

from api.pagination import MAX_ID, encode_cursor
from partnerhub.exchange.lifecycle import MAX_DEAL_VALUE
from partnerhub.reports.statements import MONTH

MAX_PAGE = 200
PROBLEM = "application/problem+json"


def id_field(**kwargs) -> fields.Integer:
    """An object id in a body or query: a positive integer the database can hold."""
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def decimal_pattern(
    places: int,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
    *,
    above_minimum: bool = False,
) -> str:
    """The regular expression of the decimal strings from `minimum` (or, `above_minimum`, more than it)
    to `maximum` with up to `places` places.

    Written out in full (no leading zeros, no sign or exponent), so the OpenAPI document states the
    bounds a client must keep to, and the API refuses exactly what the pattern refuses. Bounds other
    than none or zero below, and none, a whole number or a number of only nines above, raise.
    """
    # Zeros past the last place change nothing ("1000.000" is 1000.00): any number of them.
    fraction = rf"(\.[0-9]{{1,{places}}}0*)?"
    if minimum is None and not above_minimum:
        sign = "-?"
    elif minimum is not None and Decimal(minimum) == 0:
        sign = ""
    else:
        raise ValueError(f"no pattern for a lower bound of {minimum}")
    if maximum is None:
        wholes, top = ["0", "[1-9][0-9]*"], ""
    else:
        maximum = Decimal(maximum)
        whole = int(maximum)
        if maximum == whole:
            top = rf"|{whole}(\.0+)?"
        elif maximum == whole + 1 - Decimal(1).scaleb(-places):
            whole, top = whole + 1, ""
        else:
            raise ValueError(f"no pattern for an upper bound of {maximum} with {places} places")
        wholes = _below(whole)
    zero = ""
    if above_minimum:
        # Zero itself is out: a whole part of 0 needs a digit other than 0 among the places.
        wholes = wholes[1:]
        nonzero = "|".join(f"{'0' * i}[1-9][0-9]{{0,{places - i - 1}}}" for i in range(places))
        zero = rf"|0\.({nonzero})0*"
    return rf"^{sign}(({'|'.join(wholes)}){fraction}{zero}{top})$"


def _below(number: int) -> list[str]:
    """Alternatives matching the whole numbers from 0 to `number` - 1, without leading zeros; "0" first."""
    digits = str(number)
    # Fewer digits than `number`: any of them.
    alternatives = ["0"]
    if len(digits) > 1:
        alternatives.append(f"[1-9][0-9]{{0,{len(digits) - 2}}}")
    # As many digits: the same first i digits, then a smaller one, then any.
    for i, digit in enumerate(digits):
        lowest = 1 if i == 0 else 0
        if int(digit) > lowest:
            rest = len(digits) - i - 1
            alternatives.append(f"{digits[:i]}[{lowest}-{int(digit) - 1}]" + "[0-9]" * rest)
    return alternatives


class Pattern(validate.Regexp):
    """A Regexp the whole string must match, as the document's pattern says (Python's `$` would also
    let a final newline through, which JSON Schema's does not)."""

    def __call__(self, value):
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class DecimalString(fields.Decimal):
    """A decimal carried as a string ("1250.00"), never a float; documented as such in OpenAPI.

    The string must match `pattern`, built from the field's Range validator: more decimal places
    than `places` (bar trailing zeros) are refused, not rounded, so the amount stored, and the reward
    computed from it, are always the ones the partner's system sent.
    """

    default_error_messages = {
        "pattern": ("must be a decimal string with at most {places} decimal places, {minimum} to {maximum}")
    }

    def __init__(self, places: int = 2, **kwargs):
        super().__init__(places=places, as_string=True, **kwargs)
        bounds = [v for v in self.validators if isinstance(v, validate.Range)]
        self.minimum = bounds[0].min if bounds else None
        self.maximum = bounds[0].max if bounds else None
        self.above_minimum = bool(bounds) and not bounds[0].min_inclusive
        self.decimal_places = places
        self.pattern = decimal_pattern(places, self.minimum, self.maximum, above_minimum=self.above_minimum)
        self._regex = re.compile(self.pattern)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not self._regex.fullmatch(value):
            raise self.make_error(
                "pattern",
                places=self.decimal_places,
                minimum=f"{'more than' if self.above_minimum else 'from'} {self.minimum}",
                maximum="any" if self.maximum is None else self.maximum,
            )
        return super()._deserialize(value, attr, data, **kwargs)


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

    # Optional here so a missing one gets RFC 6749's invalid_request, not a 422; required in the document.
    grant_type = fields.String(metadata={"enum": ["client_credentials"], "x-required": True})
    client_id = fields.String()
    client_secret = fields.String()
    scope = fields.String(metadata={"description": "Space-separated subset of the client's scopes"})


class TokenOut(Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True)
    scope = fields.String(required=True)


class Money(Schema):
    amount = DecimalString(
        required=True,
        validate=validate.Range(min=0, min_inclusive=False, max=MAX_DEAL_VALUE),
        metadata={"example": "1250.00"},
    )
    currency = fields.String(required=True, validate=validate.Length(equal=3), metadata={"example": "EUR"})


# Base 36 of ids up to MAX_ID ("zik0zj"), or empty: the first page, as when there is no cursor.
CURSOR_PATTERN = "^[0-9a-z]{0,6}$"


class Cursor(fields.String):
    """The last id of the previous page, in base 36 so clients treat it as opaque."""

    default_error_messages = {"invalid": "not a cursor this API returned"}
    _regex = re.compile(CURSOR_PATTERN)

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("pattern", CURSOR_PATTERN)
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else encode_cursor(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not self._regex.fullmatch(value):
            raise self.make_error("invalid")
        # Above every id there is: the same as starting from the top, and no number SQL cannot hold.
        cursor = int(value, 36) if value else None
        return None if cursor is not None and cursor > MAX_ID else cursor


class ListArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))
    cursor = Cursor(
        metadata={"description": "next_cursor of the previous page; empty or left out: the first"}
    )


class KeyedDict(fields.Dict):
    """A JSON object of a fixed set of keys, each value checked by its own field (one property each
    in the document)."""

    def __init__(self, value_fields: dict[str, fields.Field], *, error: str = "not a known key", **kwargs):
        super().__init__(keys=fields.String(validate=validate.OneOf(value_fields, error=error)), **kwargs)
        self.value_fields = value_fields

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        errors = {}
        for key, item in result.items():
            try:
                result[key] = self.value_fields[key].deserialize(item)
            except ValidationError as exc:
                errors[key] = exc.messages
        if errors:
            raise ValidationError(errors)
        return result


class NarrowingSchema(Schema):
    """A body whose fields' limits depend on another field's value, declared once in `narrowed_when`.

    {"reward_type": {"percent": {"reward_value": field}}}: when reward_type is "percent", reward_value
    must also pass `field`'s validators. api/openapi.py writes the same as an anyOf.
    """

    narrowed_when: ClassVar[dict[str, dict[str, dict[str, fields.Field]]]] = {}

    @validates_schema
    def _narrowed(self, data, **kwargs):
        for key, cases in self.narrowed_when.items():
            for name, field in cases.get(data.get(key), {}).items():
                if name in data:
                    try:
                        for validator in field.validators:
                            validator(data[name])
                    except ValidationError as exc:
                        raise ValidationError({name: exc.messages}) from None


# A month as YYYY-MM, as the domain reads it.
MONTH_PATTERN = MONTH.pattern


class PatchSchema(Schema):
    """The body of a PATCH: the fields to change, at least one (documented as minProperties 1)."""

    @pre_load
    def _something_to_change(self, data, **kwargs):
        if isinstance(data, dict) and not data:
            raise ValidationError("nothing to change: send at least one field", "_schema")
        return data


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """The list envelope of API.md: {"items": [...], "next_cursor": ...}."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "next_cursor": Cursor(allow_none=True, required=True),
        },
        name=name,
    )


class PartnerRef(Schema):
    """A partner as other records point at it: its id and name."""

    id = fields.Integer()
    name = fields.String()


class Flat(fields.Nested):
    """A nested schema of plain fields (ids and names, already ints and strings), documented as the
    schema and dumped by reading each field's attribute, which gives what the schema's dump gives:
    a page of handoffs dumps two a row, and the schema's dump cost 11 µs a row more."""

    def _serialize(self, nested_obj, attr, obj, **kwargs):
        if nested_obj is None:
            return None
        return {
            field.data_key or name: getattr(nested_obj, field.attribute or name)
            for name, field in self.schema.dump_fields.items()
        }
