"""Liveness and readiness, for load balancers and orchestrators."""

import redis
from flask import Blueprint, current_app
from sqlalchemy import text

from api.extensions import db, limiter

blp = Blueprint("health", __name__)
# Readiness must answer before a balancer gives up on it (they wait a few seconds).
CHECK_TIMEOUT_SECONDS = 2


@blp.get("/healthz")
@limiter.exempt
def healthz():
    """Answer while the process can serve at all; restart it when this fails."""
    return {"status": "ok"}


@blp.get("/readyz")
@limiter.exempt
def readyz():
    """Answer 200 when the database (and Redis, if configured) answer; else 503 naming what is down."""
    checks = {"database": _check_database()}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _check_redis(current_app.config["REDIS_URL"])
    ready = all(result == "ok" for result in checks.values())
    body = {"status": "ready" if ready else "unavailable", "checks": checks}
    if ready:
        return body
    return body, 503, {"Retry-After": "5", "Cache-Control": "no-store"}


def _check_database() -> str:
    try:
        with db.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text(f"SET statement_timeout = {CHECK_TIMEOUT_SECONDS * 1000}"))
            conn.execute(text("SELECT 1"))
            if conn.dialect.name == "postgresql":
                conn.execute(text("RESET statement_timeout"))
    except Exception as exc:  # any failure means not ready, and the reason goes in the body
        return f"unavailable: {type(exc).__name__}"
    return "ok"


def _check_redis(url: str) -> str:
    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=CHECK_TIMEOUT_SECONDS, socket_timeout=CHECK_TIMEOUT_SECONDS
        )
        try:
            client.ping()
        finally:
            client.close()
    except redis.RedisError as exc:
        return f"unavailable: {type(exc).__name__}"
    return "ok"
