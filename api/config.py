"""Configuration from the environment, with secrets generated on first run."""

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path

_GENERATED_SECRETS = ("SECRET_KEY", "JWT_SECRET_KEY")


def database_url(instance_path: str) -> str:
    """DATABASE_URL, or a SQLite file in the instance folder."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'partnerhub.db'}"
    # Heroku-style URLs name no driver; we speak psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_secrets(instance_path: str) -> dict[str, str]:
    """Secrets from the environment, else from instance/secrets.json, created once."""
    path = Path(instance_path) / "secrets.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    missing = [k for k in _GENERATED_SECRETS if k not in stored]
    if missing:
        stored.update({k: secrets.token_urlsafe(48) for k in missing})
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(stored, indent=2))
        tmp.chmod(0o600)
        # Atomic, so two processes starting together agree on one set of secrets.
        if not path.exists():
            tmp.replace(path)
            return stored
        tmp.unlink()
        return json.loads(path.read_text())
    return stored


def default_config(instance_path: str) -> dict:
    url = database_url(instance_path)
    engine_options: dict = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        engine_options = {"connect_args": {"timeout": 30}}
    values = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=15),
        "JWT_TOKEN_LOCATION": ["headers"],
        "JWT_ALGORITHM": "HS256",
        "JWT_DECODE_LEEWAY": 5,
        "API_TITLE": "PartnerHub API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/api/v1/docs/assets/",
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        # The worker: deliveries claimed per pass, how long a claim keeps other workers off, timeouts.
        "DELIVERY_BATCH": 10,
        "DELIVERY_LEASE_SECONDS": 60,
        "DELIVERY_CONNECT_TIMEOUT": 3.05,
        "DELIVERY_READ_TIMEOUT": 10,
        # No SMTP_HOST: notices are stored and shown, never emailed.
        "SMTP_HOST": None,
        "SMTP_PORT": 25,
        "SMTP_SENDER": "partnerhub@localhost",
        "SMTP_USERNAME": None,
        "SMTP_PASSWORD": None,
        "SMTP_STARTTLS": False,
    }
    for key in _GENERATED_SECRETS:
        if os.environ.get(key):
            values[key] = os.environ[key]
    return values
