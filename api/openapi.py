"""The OpenAPI document, derived from the schemas and the routes so it says exactly what the API takes.

Three apispec hooks, registered once on the Api (api/extensions.py):
- `Converter` states in each request schema what its marshmallow fields enforce beyond what apispec
  writes by itself (which already covers Range, Length, OneOf, Regexp, required fields and unknown
  fields refused): the bounds of a DecimalString as a pattern, and minProperties 1 on a PATCH body.
- `ContractPlugin` declares every response an operation can give, as the app gives it (problem+json,
  429 and 503 with Retry-After), names each operation, and turns flask-smorest's "json_or_form"
  parameters into a request body of either type.
- `LinksPlugin` links each response to the operations that take an id it carries, for clients and for
  schemathesis' stateful tests.
"""

import re

from apispec import BasePlugin
from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from marshmallow import fields, validate

from api.schemas import PROBLEM, DecimalString, KeyedDict, NarrowingSchema, PatchSchema

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }
}
# Every response the app's error handlers (api/errors.py, api/auth.py) can give, and when.
ERRORS = {
    "400": "The body is not valid JSON, or a required header is missing",
    "401": "A missing, malformed or expired token, a revoked client, or a partner not active",
    "403": "The token lacks the scope, or the move belongs to the other side",
    "404": "No such object, or it belongs to another partner",
    "409": "The current state refuses the change: a duplicate, an impossible move, a lost race",
    "413": "The body is larger than 1 MiB",
    "422": "A field is invalid: `errors` names each field path and the reasons",
    "429": "Too many requests from this client; retry after Retry-After seconds",
    "503": "The database is unavailable; retry after Retry-After seconds",
}
SUCCESS = ("200", "201", "202", "204")


class Converter(OpenAPIConverter):
    def init_attribute_functions(self):
        super().init_attribute_functions()
        self.attribute_functions += [
            self.decimal2pattern,
            self.range2exclusive,
            self.dict_keys2properties,
            self.nested2null_only,
        ]

    def decimal2pattern(self, field, **kwargs) -> dict:
        """A DecimalString's bounds as its pattern (JSON Schema's minimum applies to numbers only)."""
        return {"pattern": field.pattern} if isinstance(field, DecimalString) else {}

    def range2exclusive(self, field, ret, **kwargs) -> dict:
        """A Range that leaves out its bounds (apispec writes minimum and maximum as if it kept them)."""
        exclusive = {}
        for v in field.validators:
            if not isinstance(v, validate.Range):
                continue
            for bound, inclusive, keyword in (
                (v.min, v.min_inclusive, "minimum"),
                (v.max, v.max_inclusive, "maximum"),
            ):
                if keyword in ret and bound is not None and not inclusive:
                    exclusive[f"exclusive{keyword.capitalize()}"] = True
        return exclusive

    def nested2null_only(self, field, ret, **kwargs) -> dict:
        """A nullable Nested: the object or null (apispec's other branch takes any object at all)."""
        branches = ret.get("anyOf", [])
        if not isinstance(field, fields.Nested) or {"type": "object", "nullable": True} not in branches:
            return {}
        null = {"type": "object", "nullable": True, "enum": [None]}
        return {"anyOf": [null if b == {"type": "object", "nullable": True} else b for b in branches]}

    def dict_keys2properties(self, field, **kwargs) -> dict:
        """A Dict whose keys are one of a set: one property per key (OpenAPI 3.0 has no propertyNames)."""
        if isinstance(field, KeyedDict):
            return {
                "properties": {key: self.field2property(value) for key, value in field.value_fields.items()},
                "additionalProperties": False,
            }
        if not isinstance(field, fields.Dict) or field.key_field is None:
            return {}
        choices = [v.choices for v in field.key_field.validators if isinstance(v, validate.OneOf)]
        if not choices:
            return {}
        value = self.field2property(field.value_field) if field.value_field else {}
        return {"properties": {key: value for key in choices[0]}, "additionalProperties": False}

    def schema2jsonschema(self, schema) -> dict:
        jsonschema = super().schema2jsonschema(schema)
        if isinstance(schema, PatchSchema):
            jsonschema["minProperties"] = 1
        if isinstance(schema, NarrowingSchema):
            jsonschema["anyOf"] = [
                {"properties": {key: {"not": {"enum": list(cases)}}}}
                for key, cases in schema.narrowed_when.items()
            ] + [
                {
                    "required": [key],
                    "properties": {key: {"enum": [value]}}
                    | {name: self.field2property(field) for name, field in narrowed.items()},
                }
                for key, cases in schema.narrowed_when.items()
                for value, narrowed in cases.items()
            ]
        return jsonschema


class ContractMarshmallowPlugin(MarshmallowPlugin):
    Converter = Converter


class ContractPlugin(BasePlugin):
    """Responses, operation ids and request bodies, per operation as flask-smorest registers it."""

    def init_spec(self, spec):
        self.spec = spec

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in operations.items():
            operation["operationId"] = operation_id(method, path)
            _form_or_json_body(operation)
            self._optional_body(operation)
            _declare_errors(operation, method, path)

    def _optional_body(self, operation: dict) -> None:
        """A body with nothing required may be left out: the API reads no body as {}."""
        body = operation.get("requestBody")
        schema = (body or {}).get("content", {}).get("application/json", {}).get("schema", {})
        if "$ref" in schema:
            schema = self.spec.components.schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
        if body and "properties" in schema and not schema.get("required") and not schema.get("minProperties"):
            body["required"] = False


def operation_id(method: str, path: str) -> str:
    """`get_leads_by_lead_id` for GET /api/v1/leads/{lead_id}: unique, stable, readable in a client."""
    words = [method]
    for segment in path.split("/")[3:]:
        words.append(f"by_{segment[1:-1]}" if segment.startswith("{") else segment)
    return re.sub(r"[^a-z0-9_]", "_", "_".join(words).lower())


def _form_or_json_body(operation: dict) -> None:
    """flask-smorest writes "json_or_form" arguments as parameters, which OpenAPI has no place for."""
    fields = [p for p in operation.get("parameters", []) if p["in"] == "json_or_form"]
    if not fields:
        return
    operation["parameters"] = [p for p in operation["parameters"] if p["in"] != "json_or_form"]
    properties = {}
    required = []
    for field in fields:
        schema = dict(field["schema"])
        if field.get("description"):
            schema["description"] = field["description"]
        # A field the view checks itself, to answer in its own words (the token endpoint's RFC 6749 errors).
        if field.get("required") or schema.pop("x-required", False):
            required.append(field["name"])
        properties[field["name"]] = schema
    body = {"type": "object", "properties": properties, "required": required}
    operation["requestBody"] = {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {"schema": body},
            "application/json": {"schema": body},
        },
    }


WRITES = ("post", "put", "patch", "delete")


def _declare_errors(operation: dict, method: str, path: str) -> None:
    # flask-smorest keys a response by the int or the str it was given; one key per status here.
    responses = operation["responses"] = {str(k): v for k, v in operation.get("responses", {}).items()}
    statuses = {"429", "503"}
    if operation.get("security"):
        statuses |= {"401", "403"}
    if "{" in path:
        statuses.add("404")
    if "requestBody" in operation:
        statuses |= {"400", "413", "422"}
    if operation.get("parameters"):
        statuses.add("422")
    if method in WRITES:
        # A duplicate, an impossible move, or a race lost to another request (a unique key).
        statuses.add("409")
    for status in sorted(statuses):
        responses.setdefault(status, {"description": ERRORS[status]})
    for status, response in responses.items():
        if status in SUCCESS or not isinstance(response, dict) or "$ref" in response:
            continue
        content = response.setdefault("content", {})
        # The app's own handlers answer these in problem+json, beside a body an operation declared itself.
        if not content or status in statuses:
            content.setdefault(PROBLEM, {"schema": PROBLEM_REF})
        if status in ("429", "503"):
            response.setdefault("headers", RETRY_AFTER)


class LinksPlugin(BasePlugin):
    """Links from each success response to the operations taking an id found in its body.

    The ids are found by the API's naming: a body's own `id` (or its first item's, in a page) names an
    object of the collection its path is in, a `lead_id` property the object a `{lead_id}` takes,
    and `handoffs: [{id}]` the objects a `{handoff_id}` takes.
    """

    def init_spec(self, spec):
        self.spec = spec
        self.operations: list[tuple[str, str, dict]] = []

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in operations.items():
            new = (path, method, operation)
            for old in self.operations:
                self._link(old, new)
                self._link(new, old)
            self._link(new, new)
            self.operations.append(new)

    def _link(self, source, target) -> None:
        source_path, source_method, source_op = source
        target_path, target_method, target_op = target
        names = re.findall(r"{(\w+)}", target_path)
        if not names or (source_path, source_method) == (target_path, target_method):
            return
        for status, response in source_op.get("responses", {}).items():
            if str(status) not in SUCCESS or not isinstance(response, dict):
                continue
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            pointers, own_id = self._pointers(schema)
            # The body is an object of the collection its path names: its id is what the collection takes.
            if own_id and _body_collection(source_path) == _collection(target_path):
                pointers.setdefault(names[0], own_id)
            if all(name in pointers for name in names):
                response.setdefault("links", {})[target_op["operationId"]] = {
                    "operationId": target_op["operationId"],
                    "parameters": {name: f"$response.body#{pointers[name]}" for name in names},
                }

    def _pointers(self, schema, prefix: str = "") -> tuple[dict[str, str], str | None]:
        """The path parameters this body names, each with the JSON pointer to its value; its own id."""
        properties = self._properties(schema)
        if "items" in properties and "next_cursor" in properties:
            return self._pointers(properties["items"].get("items"), prefix="/items/0")
        pointers = {}
        for name, prop in properties.items():
            if name.endswith("_id") or name == "slug":
                pointers[name] = f"{prefix}/{name}"
            elif prop.get("type") == "array" and "id" in self._properties(prop.get("items")):
                pointers[f"{name.removesuffix('s')}_id"] = f"{prefix}/{name}/0/id"
        return pointers, f"{prefix}/id" if "id" in properties else None

    def _properties(self, schema) -> dict:
        if not isinstance(schema, dict):
            return {}
        if "$ref" in schema:
            schema = self.spec.components.schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
        return schema.get("properties", {})


def _collection(path: str) -> str:
    """The collection a path is in: /api/v1/leads for /api/v1/leads/{lead_id}/handoffs."""
    return path.split("/{", 1)[0]


def _body_collection(path: str) -> str:
    """The collection a path's bodies belong to: the path's own for a collection or one of its objects,
    the last word's for a collection within an object (/api/v1/handoffs for /api/v1/leads/{id}/handoffs)."""
    if re.fullmatch(r"[^{}]+(/{\w+})?", path):
        return _collection(path)
    return path.split("/{", 1)[0].rsplit("/", 1)[0] + "/" + path.rsplit("/", 1)[-1]
