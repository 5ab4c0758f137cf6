"""Every error, mapped in one place: RFC 9457 problem+json under /api/, an HTML page elsewhere."""

from flask import Flask, current_app, g, json, request
from flask_limiter import RateLimitExceeded
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from api.doors import for_api
from api.extensions import seconds_until_reset
from api.parsing import UnreadableBody
from api.schemas import PROBLEM
from api.web import errors as pages
from partnerhub.core import errors as domain

_DOMAIN_STATUS = [
    (domain.NotFound, 404, "Not Found"),
    (domain.Conflict, 409, "Conflict"),
    (domain.NotAllowed, 403, "Forbidden"),
    (domain.InvalidInput, 422, "Unprocessable Content"),
    (domain.InvalidCredentials, 401, "Unauthorized"),
]


def problem(status: int, title: str, detail: str, **extra):
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body.update(extra)
    # The id the request log line carries, so a partner's bug report leads straight to it.
    if g and g.get("request_id"):
        body["request_id"] = g.request_id
    return current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM)


def _error(status: int, title: str, detail: str):
    return problem(status, title, detail) if for_api() else pages.error_page(status, title, detail)


def flatten_messages(messages, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into {"contact.email": ["reason"]}."""
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or "_schema": messages}
    flat: dict[str, list[str]] = {}
    items = messages.items() if isinstance(messages, dict) else enumerate(messages)
    for key, value in items:
        path = f"{prefix}.{key}" if prefix else str(key)
        flat.update(flatten_messages(value, path))
    return flat


def _validation_problem(errors: dict[str, list[str]], detail: str | None = None):
    fields = ", ".join(sorted(errors))
    return problem(
        422,
        "Unprocessable Content",
        detail or f"The request has invalid fields: {fields}.",
        errors=errors,
    )


def handle_http_exception(exc: HTTPException):
    if not for_api():
        return pages.error_page(exc.code or 500, exc.name, exc.description or exc.name)
    if exc.code == 422:
        messages = (getattr(exc, "data", None) or {}).get("messages", {})
        errors: dict[str, list[str]] = {}
        for location_messages in messages.values():
            errors.update(flatten_messages(location_messages))
        return _validation_problem(errors)
    # The parser answers a body it cannot read with a bare 400, raised while handling the reason:
    # say what is wrong and where.
    if exc.code == 400 and isinstance(exc.__context__, UnreadableBody):
        return problem(400, exc.name, f"The request body is not valid JSON: {exc.__context__}.")
    response = problem(exc.code or 500, exc.name, exc.description or exc.name)
    for header, value in getattr(exc, "get_headers", lambda: [])():
        if header.lower() not in ("content-type",):
            response.headers[header] = value
    return response


def _domain_status(exc: domain.DomainError) -> tuple[int, str]:
    for family, status, title in _DOMAIN_STATUS:
        if isinstance(exc, family):
            return status, title
    return 400, "Bad Request"


def handle_domain_error(exc: domain.DomainError):
    status, title = _domain_status(exc)
    if not for_api():
        if request.method == "POST" and status != 404:
            return pages.refused_form(
                exc.words, getattr(exc, "error_words", None), exc.details.get("reasons") or ()
            )
        return pages.error_page(status, title, exc.words)
    if isinstance(exc, domain.InvalidInput):
        return _validation_problem(exc.errors, exc.message if exc.message != "Invalid input." else None)
    return problem(status, title, exc.message, **exc.details)


def handle_integrity_error(exc: IntegrityError):
    # A unique key or check the domain did not foresee, usually a race lost to another request.
    return _error(409, "Conflict", "The change conflicts with the current state; retry or reload.")


def handle_data_error(exc: DataError):
    # The database refused a value's form (out of range, too long) that no schema caught.
    return _validation_problem({"_schema": ["a value is out of range for what it is stored in"]})


def handle_database_down(exc: OperationalError):
    response = _error(503, "Service Unavailable", "The database is unavailable; retry shortly.")
    response.headers["Retry-After"] = "5"
    return response


def handle_rate_limited(exc: RateLimitExceeded):
    retry_after = seconds_until_reset()
    # The sign-in and token limits say whom they count (an account, a client_id, an address);
    # the default one counts the API client, or else the address.
    reason = exc.limit.error_message
    if not for_api():
        response = pages.error_page(429, "Too many attempts", pages.too_many_tries(reason, retry_after))
    else:
        detail = (
            f"{reason}: at most {exc.limit.limit}" if reason else f"Rate limit of {exc.description} exceeded"
        )
        response = problem(429, "Too Many Requests", f"{detail}; retry later.")
    response.headers["Retry-After"] = str(retry_after)
    return response


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(RateLimitExceeded, handle_rate_limited)
    app.register_error_handler(domain.DomainError, handle_domain_error)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(DataError, handle_data_error)
    app.register_error_handler(OperationalError, handle_database_down)
