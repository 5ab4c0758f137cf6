"""How the API reads what a client sends: strict JSON, and only text and numbers the database can store.

Python's json module accepts what JSON does not (NaN, Infinity), overflows to an
infinite float on 1e400, and raises RecursionError, not a decoding error, on a
body nested a few thousand levels deep. A lone surrogate ("\\ud800") or a NUL
decodes into a str that neither SQLite's UTF-8 nor PostgreSQL's text can hold.
Every body and form the API parses goes through here, so none of them reaches
a view, the database or a traceback: an unreadable body is a 400, a value that
cannot be stored a 422 naming its field.
"""

import json
import math

import flask_smorest
from flask.json.provider import DefaultJSONProvider
from marshmallow import ValidationError
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from partnerhub.core.validation import NOT_TEXT, is_text

# Our deepest body (a lead's contact) is two levels; this leaves room and stays far from the
# interpreter's recursion limit, which the json module and marshmallow both walk into.
MAX_DEPTH = 32


class UnreadableBody(ValueError):
    """A body that is not JSON this API reads: malformed, nested too deep, or with NaN or Infinity."""


class UnstorableValues(ValueError):
    """JSON that parsed, holding values no field can take; `errors` maps field path -> reasons."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{path}: {', '.join(reasons)}" for path, reasons in errors.items()))
        self.errors = errors


def _no_constant(name: str):
    raise UnreadableBody(f"{name} is not a JSON number")


def loads(data: str | bytes):
    """Parse a JSON body strictly; raise UnreadableBody or UnstorableValues."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnreadableBody(f"it is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    try:
        value = json.loads(data, parse_constant=_no_constant)
    except RecursionError:
        raise UnreadableBody(f"it is nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise UnreadableBody(str(exc)) from None
    errors = _unstorable(value)
    if errors:
        raise UnstorableValues(errors)
    return value


def _unstorable(value) -> dict[str, list[str]]:
    """The paths of strings that are not text and numbers that are not finite; too deep is unreadable."""
    errors: dict[str, list[str]] = {}
    # Iterative: the walk must not itself run into the recursion limit it guards against.
    stack = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth >= MAX_DEPTH:
                raise UnreadableBody(f"it is nested deeper than {MAX_DEPTH} levels")
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in pairs:
                child_path = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and not is_text(key):
                    errors.setdefault(path or "_schema", []).append(f"has a key that {NOT_TEXT}")
                    continue
                stack.append((child, child_path, depth + 1))
        elif isinstance(item, str) and not is_text(item):
            errors.setdefault(path or "_schema", []).append(NOT_TEXT)
        elif isinstance(item, float) and not math.isfinite(item):
            errors.setdefault(path or "_schema", []).append("must be a finite number")
    return errors


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON with `loads` above: `request.get_json()` anywhere reads bodies as the API does."""

    def loads(self, s, **kwargs):
        return loads(s)


class BodyParser(FlaskParser):
    """webargs' Flask parser reading JSON with `loads`; form and query values must be text too."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return core.missing
        data = req.get_data(cache=True)
        if not data:
            return core.missing
        try:
            return loads(data)
        except UnstorableValues as exc:
            raise ValidationError(exc.errors) from None
        except UnreadableBody as exc:
            self._handle_invalid_json_error(exc, req)

    def load_form(self, req, schema):
        _refuse_non_text(req.form)
        return super().load_form(req, schema)

    def load_querystring(self, req, schema):
        _refuse_non_text(req.args)
        return super().load_querystring(req, schema)


def _refuse_non_text(values) -> None:
    errors = {key: [NOT_TEXT] for key, items in values.lists() if not all(is_text(v) for v in [key, *items])}
    if errors:
        raise ValidationError(errors)


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint, parsing with BodyParser: every API blueprint is one of these."""

    ARGUMENTS_PARSER = BodyParser()
