"""Flask extensions, created unbound here and bound to an app in create_app."""

from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from api.ratelimit import api_client_key, default_limit
from api.schemas import PROBLEM, Problem
from partnerhub.db import Base

# Models live on the domain's own Base; Flask-SQLAlchemy only supplies engine and session.
db = SQLAlchemy(metadata=Base.metadata)
migrate = Migrate()
jwt = JWTManager()


class ProblemApi(Api):
    """flask-smorest's Api, documenting error responses as the problem+json api/errors.py sends."""

    ERROR_SCHEMA = Problem

    def _register_responses(self):
        # Only the error responses registered here are problem+json; success bodies stay JSON.
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM
        try:
            super()._register_responses()
        finally:
            del self.DEFAULT_RESPONSE_CONTENT_TYPE


api = ProblemApi()
# Every route gets the default limit per API client; decorate a view with
# `@limiter.limit(...)` for a tighter one (the token endpoint, the login form).
limiter = Limiter(key_func=api_client_key, default_limits=[default_limit])
csrf = CSRFProtect()
