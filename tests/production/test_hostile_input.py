"""Bodies no schema was written for: hostile on purpose, on every route that takes a JSON body.

Schemathesis over every operation, with every check, is tests/api/test_openapi.py.
"""

import json
import re

import pytest

DEEP = "[" * 5000 + "]" * 5000
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def _body_routes(client):
    """(method, path, JSON schema of the body, whether only an operator may call it) per API route
    that takes a JSON body, from our own OpenAPI document."""
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            if method not in HTTP_METHODS:
                continue
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            security = operation.get("security") or []
            admin_only = bool(security) and all(s.get("bearerAuth") == ["admin"] for s in security)
            # Every id in a path is 1, a category's slug "windows": the body is read before either is.
            url = re.sub(r"\{(\w+)\}", lambda m: "windows" if m[1] == "slug" else "1", path)
            schema = content["application/json"]["schema"]
            yield method.upper(), url, schema, spec, admin_only


def _resolve(schema, spec):
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _filled(schema, spec, text, number):
    """A body with every field of `schema` present: strings `text`, numbers `number`."""
    schema = _resolve(schema, spec)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if "properties" not in schema:
            return {text: _filled(schema.get("additionalProperties", {}), spec, text, number)}
        return {name: _filled(prop, spec, text, number) for name, prop in schema["properties"].items()}
    if kind == "array":
        return [_filled(schema.get("items", {}), spec, text, number)]
    if kind in ("integer", "number"):
        return number
    if kind == "boolean":
        return True
    return text


def _send(client, method, url, body, *, callers, admin):
    return client.open(
        url,
        method=method,
        data=body,
        content_type="application/json",
        headers={**callers["admin" if admin else "partner"], "Idempotency-Key": "hostile"},
    )


@pytest.fixture
def callers(build):
    build.category("windows")
    return {"partner": build.headers(build.partner("Acme")), "admin": build.headers(None)}


def _problem(response) -> bool:
    return response.status_code in (400, 422) and response.mimetype == "application/problem+json"


def test_a_body_nested_five_thousand_levels_deep_is_a_400_on_every_route(client, callers):
    answers = {
        f"{method} {url}": _send(client, method, url, DEEP, callers=callers, admin=admin)
        for method, url, _, _, admin in _body_routes(client)
    }

    wrong = {route: r.status_code for route, r in answers.items() if r.status_code != 400 or not _problem(r)}
    assert len(answers) >= 12
    assert not wrong, wrong
    assert "nested deeper than" in answers["POST /api/v1/leads"].get_json()["detail"]


@pytest.mark.parametrize(
    "text",
    ["\\ud800", "\\udfff half", "nul \\u0000 inside"],
    ids=["lone high surrogate", "lone low surrogate", "NUL"],
)
def test_text_that_cannot_be_stored_is_a_422_naming_the_field_on_every_route(client, callers, text):
    answers = {}
    for method, url, schema, spec, admin in _body_routes(client):
        body = json.dumps(_filled(schema, spec, "__TEXT__", 1))
        # A body of numbers only (the flag thresholds) has no text to spoil.
        if "__TEXT__" in body:
            body = body.replace("__TEXT__", text)
            answers[f"{method} {url}"] = _send(client, method, url, body, callers=callers, admin=admin)

    wrong = {route: r.status_code for route, r in answers.items() if not _problem(r)}
    assert not wrong, wrong
    lead = answers["POST /api/v1/leads"].get_json()
    assert "not text" in lead["errors"]["contact.name"][0]


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "1e308", "1e20", "-1e20"])
def test_numbers_out_of_every_bound_are_a_400_or_422_on_every_route(client, callers, number):
    answers = {}
    for method, url, schema, spec, admin in _body_routes(client):
        body = json.dumps(_filled(schema, spec, "x", "__NUMBER__"))
        # A body of text only (the token request) has no number to spoil.
        if '"__NUMBER__"' in body:
            body = body.replace('"__NUMBER__"', number)
            answers[f"{method} {url}"] = _send(client, method, url, body, callers=callers, admin=admin)

    wrong = {route: r.status_code for route, r in answers.items() if not _problem(r)}
    assert not wrong, wrong


def test_every_number_a_client_sends_has_a_lower_and_an_upper_bound(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    unbounded = []

    def walk(schema, where, seen=()):
        schema = _resolve(schema, spec) if "$ref" in schema else schema
        if schema.get("type") in ("integer", "number") and not {"minimum", "maximum"} <= schema.keys():
            unbounded.append(where)
        for name, prop in schema.get("properties", {}).items():
            walk(prop, f"{where}.{name}")
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                walk(schema[key], f"{where}[]")

    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            if method not in HTTP_METHODS:
                continue
            for parameter in operation.get("parameters", []):
                walk(parameter.get("schema", {}), f"{method.upper()} {path} ?{parameter['name']}")
            for content in operation.get("requestBody", {}).get("content", {}).values():
                walk(content["schema"], f"{method.upper()} {path} body")

    assert not unbounded, unbounded


JSON, FORM = "application/json", "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (DEEP, JSON),
        ('{"grant_type": "client_credentials", "client_id": "\\ud800", "client_secret": "x"}', JSON),
        ('{"grant_type": "client_credentials", "client_id": NaN, "client_secret": "x"}', JSON),
        ("grant_type=client_credentials&client_id=a%00b&client_secret=x", FORM),
    ],
    ids=["deep JSON", "lone surrogate", "NaN", "NUL in a form"],
)
def test_the_token_endpoint_answers_a_hostile_body_with_a_problem(client, body, content_type):
    response = client.post("/api/v1/oauth/token", data=body, content_type=content_type)

    assert _problem(response), response.get_data(as_text=True)
