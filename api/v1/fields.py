"""Field types the resources share."""

from marshmallow import fields, validate

REGION = validate.Regexp(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$", error="must be an ISO 3166 code such as DE or DE-BE")


def regions(**kwargs) -> fields.List:
    return fields.List(
        fields.String(validate=REGION),
        validate=validate.Length(max=200),
        metadata={"example": ["DE-BE", "DE-BB"]},
        **kwargs,
    )


SLUG = validate.Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", error="must be a lower-case slug such as crm-support")


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


# An absolute http(s) URL: a host name or IPv4 address, an optional port, then printable ASCII. Stricter
# than RFC 3986 on purpose (no user info, no IPv6 literal): what a webhook or a website needs, stated
# in the OpenAPI document as this very pattern.
HTTP_URL = validate.Regexp(
    r"^https?://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?([/?#][!-~]*)?$",
    error="must be an absolute http or https URL such as https://crm.example.com/hooks",
)


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
