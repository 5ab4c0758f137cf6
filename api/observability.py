"""Request ids and structured JSON logs: one line per request, greppable by id across processes."""

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, request

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept only if it cannot smuggle anything into a log line or a header.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_STANDARD_RECORD_KEYS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: the message, the level, and every `extra=` field."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD_RECORD_KEYS})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure_logging(app: Flask) -> None:
    """Send the app's logs (app.logger is "api") to stderr as JSON lines."""
    logger = logging.getLogger("api")
    logger.setLevel(app.config["LOG_LEVEL"])
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    # Our handler is the app's handler: Flask then adds no plain-text default one.
    logger.propagate = False


def init_request_logging(app: Flask) -> None:
    """Give each request an id (the caller's if sane), echo it, and log the request once."""
    log = logging.getLogger("api.request")

    @app.before_request
    def start():
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _SANE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def finish(response):
        # A request refused before `start` ran (e.g. by a earlier hook) still gets an id.
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers[REQUEST_ID_HEADER] = request_id
        started = g.get("request_started")
        path = _logged_path()
        log.info(
            "%s %s %s",
            request.method,
            path,
            response.status_code,
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
                "client_id": g.get("client_id"),
                "remote_addr": request.remote_addr,
                "bytes": response.content_length,
            },
        )
        return response


def _logged_path() -> str:
    """The request's path without the secret of an emailed link (a route's `token`): logs travel further."""
    token = (request.view_args or {}).get("token")
    return request.path.replace(token, "[token]") if token else request.path


def request_origin() -> str:
    """Where the request came from, as the audit log records it."""
    return request.remote_addr or ""
