"""Flask extensions, created unbound here and bound to an app in create_app."""

import math
import time

from flask import current_app
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from api.openapi import ContractMarshmallowPlugin, ContractPlugin, LinksPlugin
from api.ratelimit import api_client_key, default_limit
from api.schemas import PROBLEM, Problem
from partnerhub.core.db import Base

# Models live on the domain's own Base; Flask-SQLAlchemy only supplies engine and session.
db = SQLAlchemy(metadata=Base.metadata)
migrate = Migrate()


class RememberingJWTManager(JWTManager):
    """flask-jwt-extended's manager, remembering per process the tokens it verified, until they expire.

    A partner system sends the same token with every request for the token's lifetime,
    and verifying one parses it three times in pure Python (PyJWT checks every character
    of every part): a tenth of a lead's intake. A token's signature and claims never
    change, so one verified with this app's key stays verified until its `exp`; whether
    its client was revoked is still checked on every request (`api.auth.require`).
    """

    _REMEMBERED = 10_000

    def __init__(self):
        super().__init__()
        self._verified: dict[tuple[str, str], dict] = {}

    def remembered(self, encoded_token: str) -> dict | None:
        """The claims of an access token verified before with this app's key, while it is unexpired.

        Taken as they are by `api.ratelimit.token_claims`, which so skips flask-jwt-extended's
        per-request checks after decoding: the token type (checked here), freshness and a
        blocklist, neither of which this app uses (revocation is read by `api.auth.require`).
        """
        claims = self._verified.get(self._key(encoded_token))
        if claims is None or claims["exp"] <= time.time() or claims.get("type") != "access":
            return None
        return dict(claims)

    def _decode_jwt_from_config(self, encoded_token: str, csrf_value=None, allow_expired: bool = False):
        plain = csrf_value is None and not allow_expired
        claims = self.remembered(encoded_token) if plain else None
        if claims is not None:
            return claims
        claims = super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        if plain and "exp" in claims:
            if len(self._verified) >= self._REMEMBERED:
                self._verified.clear()
            self._verified[self._key(encoded_token)] = dict(claims)
        return claims

    @staticmethod
    def _key(encoded_token: str) -> tuple[str, str]:
        # With the key it was verified with: a token is not taken as verified after a key change.
        return encoded_token, current_app.config["JWT_SECRET_KEY"]


jwt = RememberingJWTManager()


class ProblemApi(Api):
    """flask-smorest's Api, documenting error responses as the problem+json api/errors.py sends."""

    ERROR_SCHEMA = Problem
    # No catch-all: api/openapi.py declares each error an operation can answer with its status.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_responses(self):
        # Only the error responses registered here are problem+json; success bodies stay JSON.
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM
        try:
            super()._register_responses()
        finally:
            del self.DEFAULT_RESPONSE_CONTENT_TYPE


api = ProblemApi(
    spec_kwargs={
        "marshmallow_plugin": ContractMarshmallowPlugin(),
        "extra_plugins": [ContractPlugin(), LinksPlugin()],
    }
)
# Every route gets the default limit per API client; decorate a view with
# `@limiter.limit(...)` for a tighter one (the token endpoint, the login form).
limiter = Limiter(key_func=api_client_key, default_limits=[default_limit])
csrf = CSRFProtect()


def seconds_until_reset() -> int:
    """Seconds until the breached limit's window resets (at least 1), for Retry-After."""
    breached = limiter.current_limit
    if breached is None:
        return 1
    return max(1, math.ceil(breached.reset_at - time.time()))
