"""Field types the resources share."""

from marshmallow import fields, validate

from api.schemas import Pattern
from partnerhub.core import validation

REGION = Pattern(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$", error="must be an ISO 3166 code such as DE or DE-BE")


def regions(**kwargs) -> fields.List:
    return fields.List(
        fields.String(validate=REGION),
        validate=validate.Length(max=200),
        metadata={"example": ["DE-BE", "DE-BB"]},
        **kwargs,
    )


SLUG = Pattern(r"^[a-z0-9]+(-[a-z0-9]+)*$", error="must be a lower-case slug such as crm-support")


def slug_field(**kwargs) -> fields.String:
    return fields.String(validate=[SLUG, validate.Length(max=100)], **kwargs)


CATEGORIES = "/api/v1/categories"


def category_field(**kwargs) -> fields.String:
    """A category's slug: one GET /api/v1/categories lists (operators add categories, so no fixed enum)."""
    metadata = kwargs.pop("metadata", {})
    metadata.setdefault("description", f"The slug of a category GET {CATEGORIES} lists")
    # Where a client finds the values: a generated client or a fuzzer can turn it into an enumeration.
    metadata["x-values-from"] = {"path": CATEGORIES, "pointer": "/items/*/slug"}
    return slug_field(metadata=metadata, **kwargs)


_H = "[0-9A-Fa-f]{1,4}"
# An IPv6 address in brackets, in every way of writing one with "::" (no zone, no embedded IPv4):
# urlsplit refuses a bracketed host that is no IPv6 address.
_IPV6 = "|".join(
    [f"({_H}:){{7}}{_H}", f"({_H}:){{1,7}}:"]
    + [f"({_H}:){{1,{7 - k}}}(:{_H}){{1,{k}}}" for k in range(1, 7)]
    + [f":((:{_H}){{1,7}}|:)"]
)
# An absolute http(s) URL: a host name, an IPv4 or a bracketed IPv6 address, an optional port, then
# printable ASCII. Stricter than RFC 3986 on purpose (no user info): what a webhook or a website
# needs, stated in the OpenAPI document as this very pattern.
HTTP_URL = Pattern(
    rf"^https?://([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[({_IPV6})\])(:[0-9]{{1,5}})?([/?#][!-~]*)?$",
    error="must be a web address starting with http:// or https://",
)


# What str.strip() strips (str.isspace), spelled out: Python's and JSON Schema's \s differ.
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_BLANK = Pattern(rf"^[{_SPACE}]*[^{_SPACE}][\s\S]*$", error="must not be blank")


def name_field(*, blank_ok: bool = False, **kwargs) -> fields.String:
    """A name the domain keeps stripped (core/validation.py): never only spaces; empty if `blank_ok`."""
    validators = kwargs.pop("validate", [])
    rule = (
        Pattern(rf"^([{_SPACE}]*[^{_SPACE}][\s\S]*)?$", error="must not be blank") if blank_ok else NOT_BLANK
    )
    return fields.String(validate=[rule, *validators], **kwargs)


def _spelled_out(regex) -> str:
    """The domain's pattern with its \\s as Python reads it, which JSON Schema's \\s does not."""
    return regex.pattern.replace(r"\s", _SPACE)


def _empty_or(regex, error: str) -> Pattern:
    # The domain reads an empty value as none given.
    return Pattern(f"^({_spelled_out(regex).removeprefix('^').removesuffix('$')})?$", error=error)


def email_field(*, empty_ok: bool = True, **kwargs) -> fields.String:
    """An email address as the domain's rule has it (core/validation.py), or empty when `empty_ok`."""
    error = "must be an email address such as name@example.com"
    return fields.String(
        validate=[
            _empty_or(validation.EMAIL, error)
            if empty_ok
            else Pattern(_spelled_out(validation.EMAIL), error=error),
            validate.Length(max=validation.MAX_EMAIL),
        ],
        **kwargs,
    )


def phone_field(**kwargs) -> fields.String:
    """A phone number as the domain's rule has it (partnerhub/core/validation.py), or empty."""
    return fields.String(validate=_empty_or(validation.PHONE, "must be a phone number"), **kwargs)


def url_field(column, **kwargs) -> fields.String:
    """A URL to be stored in `column`: as long as the column holds, at most."""
    return fields.String(validate=[HTTP_URL, validate.Length(max=column.type.length)], **kwargs)


class JsonBoolean(fields.Boolean):
    """JSON's true or false, nothing else.

    marshmallow's Boolean also takes "yes", "on", "f" or 1; for a partner system's consent
    flag that guesses, where the partner should hear its value is not a boolean.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class QueryBoolean(fields.String):
    """`true` or `false` in a query string, nothing else (not "1", "yes" or "True"), read as a bool."""

    default_error_messages = {"invalid": "Must be true or false."}

    def __init__(self, **kwargs):
        metadata = kwargs.setdefault("metadata", {})
        metadata["enum"] = ["true", "false"]
        if "load_default" in kwargs:
            metadata["default"] = "true" if kwargs["load_default"] else "false"
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if value not in ("true", "false"):
            raise self.make_error("invalid")
        return value == "true"
