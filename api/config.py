"""Configuration from the environment, with secrets generated on first run."""

import fcntl
import json
import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

# CLIENT_SECRET_HMAC_KEY keys the stored form of API client secrets (partnerhub.people.credentials):
# replacing it makes every client's secret stop working.
# CUSTOMER_HASH_KEY keys the hashes partners' customer lists are kept as (partnerhub.customers.lists):
# replacing it makes every kept list match nothing until the partners upload theirs again.
_GENERATED_SECRETS = ("SECRET_KEY", "JWT_SECRET_KEY", "CLIENT_SECRET_HMAC_KEY", "CUSTOMER_HASH_KEY")


def database_url(instance_path: str) -> str:
    """DATABASE_URL, or a SQLite file in the instance folder."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'partnerhub.db'}"
    # Heroku-style URLs name no driver; we speak psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def private_folder(path: str | Path) -> None:
    """Create the folder `path` for this user only (0700), or make an existing one so."""
    Path(path).mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)


def private_file(path: str | Path) -> None:
    """Create the file `path` empty for this user only (0600), or make an existing one so.

    For a SQLite database, before SQLite opens it: SQLite creates its -wal and -shm
    files with the mode of the database file, whatever the umask.
    """
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)


def load_secrets(instance_path: str) -> dict[str, str]:
    """Secrets from instance/secrets.json, created on the first run: every process gets the same."""
    path = Path(instance_path) / "secrets.json"
    stored = _stored_secrets(path)
    if all(key in stored for key in _GENERATED_SECRETS):
        return stored
    # Processes starting together take turns: the first writes the file, the others read its secrets.
    lock = os.open(path.with_name("secrets.lock"), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stored = _stored_secrets(path)
        missing = [key for key in _GENERATED_SECRETS if key not in stored]
        if missing:
            stored.update({key: secrets.token_urlsafe(48) for key in missing})
            _replace_privately(path, json.dumps(stored, indent=2))
        return stored
    finally:
        os.close(lock)


def _stored_secrets(path: Path) -> dict[str, str]:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return {}


def _replace_privately(path: Path, text: str) -> None:
    """Write `path` whole at once, 0600 from its first byte: a reader sees the old file or the new."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w") as file:
        file.write(text)
    os.replace(temporary, path)


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def engine_options(url: str) -> dict:
    """Pool settings: each gunicorn worker holds its own pool, so size it per process."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    return {
        # A connection the server dropped (restart, idle timeout) is replaced, not handed out.
        "pool_pre_ping": True,
        "pool_size": _env_int("DB_POOL_SIZE", 5),
        "max_overflow": _env_int("DB_MAX_OVERFLOW", 5),
        "pool_recycle": _env_int("DB_POOL_RECYCLE", 1800),
        # Fail fast into a 503 rather than hold a worker while the database is away.
        "pool_timeout": _env_int("DB_POOL_TIMEOUT", 10),
        "connect_args": {"connect_timeout": _env_int("DB_CONNECT_TIMEOUT", 3)},
    }


def default_config(instance_path: str) -> dict:
    url = database_url(instance_path)
    redis_url = os.environ.get("REDIS_URL") or None
    values = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(url),
        "REDIS_URL": redis_url,
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
        # Per API client (or per address without a valid token), on every route.
        "RATE_LIMIT_DEFAULT": os.environ.get("RATE_LIMIT_DEFAULT") or "1200 per minute",
        # The token endpoint per client_id, and per address whatever client_ids it names.
        "RATE_LIMIT_TOKEN": os.environ.get("RATE_LIMIT_TOKEN") or "30 per minute",
        "RATE_LIMIT_TOKEN_ADDRESS": os.environ.get("RATE_LIMIT_TOKEN_ADDRESS") or "60 per minute",
        # Sign-in per account (email), and per address whatever accounts it names.
        "RATE_LIMIT_LOGIN": os.environ.get("RATE_LIMIT_LOGIN") or "10 per minute",
        "RATE_LIMIT_LOGIN_ADDRESS": os.environ.get("RATE_LIMIT_LOGIN_ADDRESS") or "20 per minute",
        # Shared counters across gunicorn workers need Redis; one process can count in memory
        # (api.ratelimit.SweptMemoryStorage).
        "RATELIMIT_STORAGE_URI": redis_url or "swept-memory://",
        # A Redis outage must not take the API down with it: count in memory meanwhile.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": redis_url is not None,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # Set to the number of reverse proxies in front (e.g. 1 behind nginx) to trust X-Forwarded-*.
        "PROXY_COUNT": _env_int("PROXY_COUNT", 0),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL") or "INFO",
        # Page sessions. None: Secure unless plain HTTP on loopback (api/web/session.py).
        "SESSION_COOKIE_SECURE": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "partnerhub_session",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        # The CSRF token lives as long as the session, so a form left open over lunch still posts.
        "WTF_CSRF_TIME_LIMIT": None,
        # The worker: deliveries claimed per pass, and the timeouts of a send; their sum is its
        # deadline, and a claim keeps other workers off for as long as its sends could take.
        "DELIVERY_BATCH": 10,
        "DELIVERY_CONNECT_TIMEOUT": 3.05,
        "DELIVERY_READ_TIMEOUT": 10,
        # Webhooks to loopback and private addresses (partnerhub/delivery/egress.py): for development and
        # tests, or partners' systems inside the platform's own network.
        "WEBHOOK_PRIVATE_NETWORKS": False,
        # Links in emails are absolute: the address people reach the pages at (PARTNERHUB_BASE_URL).
        "BASE_URL": f"http://{os.environ.get('HOST') or '127.0.0.1'}:{os.environ.get('PORT') or 5000}",
        # No SMTP_HOST: emails are kept, unsent, and shown to the admin (Emails page).
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
