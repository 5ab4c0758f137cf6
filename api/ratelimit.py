"""Whom a rate limit counts against, and the 429 a caller gets when over it."""

import ipaddress
import threading
import time

from flask import current_app, request
from flask_jwt_extended import get_jwt, verify_jwt_in_request
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt import PyJWTError
from limits.storage import MemoryStorage

# Set in the WSGI environ to the claims of the request's token once it was verified.
TOKEN_CLAIMS = "partnerhub.token_claims"


class SweptMemoryStorage(MemoryStorage):
    """`memory://` whose expired counters are swept by the requests, at most once a second.

    limits' own starts a Timer thread whenever the last one has run, 10 ms after it
    started: with a request every 15 ms per gunicorn worker, that was a thread started,
    run and ended per request, and about a tenth of intake's throughput on SQLite.
    The counting is the library's; only when expired counters are dropped differs.
    """

    STORAGE_SCHEME = ["swept-memory"]
    SWEEP_SECONDS = 1.0

    def __init__(self, uri: str | None = None, **options) -> None:
        super().__init__(uri, **options)
        self._next_sweep = 0.0
        self._sweeping = threading.Lock()

    # The base class's hook, called before every count (its name as Python mangles it there).
    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now >= self._next_sweep and self._sweeping.acquire(blocking=False):
            try:
                self._next_sweep = now + self.SWEEP_SECONDS
                self._MemoryStorage__expire_events()
            finally:
                self._sweeping.release()


def default_limit() -> str:
    # Read per request, so the limit follows the app's config (env var or test).
    return current_app.config["RATE_LIMIT_DEFAULT"]


def token_limit() -> str:
    return current_app.config["RATE_LIMIT_TOKEN"]


def token_address_limit() -> str:
    return current_app.config["RATE_LIMIT_TOKEN_ADDRESS"]


def login_limit() -> str:
    return current_app.config["RATE_LIMIT_LOGIN"]


def login_address_limit() -> str:
    return current_app.config["RATE_LIMIT_LOGIN_ADDRESS"]


def caller_address() -> str:
    """The caller's address as limits count it; an IPv6 caller by its /64.

    Behind a reverse proxy this is the address the proxy saw, once PROXY_COUNT says how many
    to trust (api.security). One IPv6 host is usually handed a whole /64, and could take a
    fresh address from it for every request.
    """
    address = request.remote_addr or "unknown"
    if ":" in address:
        try:
            return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
        except ValueError:
            pass
    return address


def address_key() -> str:
    return "addr:" + caller_address()


def login_account_key() -> str:
    """Password guesses count per account too, from however many addresses they come."""
    return "account:" + request.form.get("email", "").strip().lower()[:320]


def token_claims() -> dict:
    """The claims of the request's bearer token, verified once per request.

    A token this process verified before comes from memory
    (`RememberingJWTManager.remembered`), without flask-jwt-extended parsing it again;
    any other goes through flask-jwt-extended, and a missing, malformed or expired one
    raises what it raises there (answered 401 by the loaders in api/auth.py).
    """
    # Per request, unlike `g`, which a test's shared app context keeps between requests.
    claims = request.environ.get(TOKEN_CLAIMS)
    if claims is None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            claims = current_app.extensions["flask-jwt-extended"].remembered(token.strip())
        if claims is None:
            verify_jwt_in_request()
            claims = get_jwt()
        request.environ[TOKEN_CLAIMS] = claims
    return claims


def api_client_key() -> str:
    """The API client a valid bearer token names; else the caller's address.

    Only a verified token counts: a forged or expired one would otherwise let a
    caller pick a fresh bucket per request. `@require` then finds the claims verified.
    """
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        try:
            return "client:" + token_claims()["sub"]
        except (PyJWTError, JWTExtendedException, KeyError):
            pass
    return address_key()


def token_client_key() -> str:
    """The client_id asking for a token (form, JSON or HTTP Basic), from whichever address."""
    client_id = request.authorization.username if request.authorization else None
    if not client_id:
        body = request.get_json(silent=True)
        client_id = body.get("client_id") if isinstance(body, dict) else request.form.get("client_id")
    return f"token:{str(client_id or '')[:100]}"
