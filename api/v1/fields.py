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


class JsonBoolean(fields.Boolean):
    """JSON's true or false, nothing else.

    marshmallow's Boolean also takes "yes", "on", "f" or 1; for a partner system's consent
    flag that guesses, where the partner should hear its value is not a boolean.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value
