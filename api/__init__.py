"""The web application: JSON API, OpenAPI document and pages."""

import os
from pathlib import Path

from flask import Flask, send_from_directory
from werkzeug.routing import BaseConverter, IntegerConverter

from api.config import default_config, load_secrets, private_folder
from partnerhub.reports.statements import MONTH


def create_app(test_config: dict | None = None) -> Flask:
    # PARTNERHUB_INSTANCE_PATH moves the SQLite file and generated secrets (tests, containers).
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=os.environ.get("PARTNERHUB_INSTANCE_PATH") or None,
    )
    from api.parsing import StrictJSONProvider

    # request.get_json() reads a body as the API's parser does (api/parsing.py).
    app.json = StrictJSONProvider(app)
    app.json.sort_keys = False
    # It holds the SQLite database and the generated secrets: this user's alone.
    private_folder(app.instance_path)
    app.config.update(default_config(app.instance_path))
    app.config.from_prefixed_env("PARTNERHUB")
    if test_config:
        app.config.update(test_config)
    for key, value in load_secrets(app.instance_path).items():
        if not app.config.get(key):
            app.config[key] = value
    from partnerhub.customers import lists as customers

    customers.use_hash_key(app.config["CUSTOMER_HASH_KEY"])

    from api import cli, errors, extensions, health, observability, security, sqlite, worker
    from api.auth import blp as oauth_blp
    from api.schemas import MONTH_PATTERN, DecimalString
    from api.v1 import BLUEPRINTS
    from api.web import pages

    # Before any route is added: every <int:...> in a URL is an id the database can hold, every
    # <month:...> a YYYY-MM (another is no such statement: 404).
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["month"] = MonthConverter

    # Logging first, before anything touches app.logger; the request id before the rate limiter.
    observability.configure_logging(app)
    observability.init_request_logging(app)
    sqlite.init_app(app)
    security.init_security(app)
    extensions.limiter.init_app(app)
    extensions.db.init_app(app)
    extensions.migrate.init_app(
        app, extensions.db, directory=str(Path(__file__).parent.parent / "migrations")
    )
    extensions.jwt.init_app(app)
    extensions.api.init_app(app)
    extensions.api.register_field(DecimalString, "string", "decimal")
    extensions.api.register_converter(MonthConverter, lambda _: {"type": "string", "pattern": MONTH_PATTERN})
    extensions.api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    extensions.csrf.init_app(app)
    for blueprint in [oauth_blp, *BLUEPRINTS]:
        extensions.api.register_blueprint(blueprint)
        # Bearer tokens, not cookies, authenticate the API: there is no session to forge a request with.
        extensions.csrf.exempt(blueprint)
    pages.init_app(app)
    # After flask-smorest's own handler, so one problem+json format wins everywhere.
    errors.register_error_handlers(app)
    app.register_blueprint(health.blp)
    _serve_swagger_assets(app)
    _commit_per_request(app)
    _no_content_no_type(app)
    with app.app_context():
        if extensions.db.engine.dialect.name == "sqlite":
            sqlite.configure(extensions.db.engine)
    cli.register(app)
    worker.init_app(app)
    return app


class MonthConverter(BaseConverter):
    """`<month:...>`: a month as YYYY-MM, the pattern the document states for it."""

    regex = MONTH.pattern.removeprefix("^").removesuffix("$").replace("(", "(?:")


class IdConverter(IntegerConverter):
    """`<int:id>` up to the largest primary key: a bigger number matches no route, so 404."""

    def __init__(self, map, *args, **kwargs):
        from api.schemas import MAX_ID

        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _serve_swagger_assets(app: Flask) -> None:
    """Serve Swagger UI from the installed package, so the docs work with no internet."""
    import swagger_ui_bundle

    @app.get("/api/v1/docs/assets/<path:filename>")
    def swagger_assets(filename):
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)


def _no_content_no_type(app: Flask) -> None:
    """A 204 has no body, so no Content-Type (flask-smorest's says application/json: nothing to read)."""

    @app.after_request
    def drop_content_type(response):
        if response.status_code == 204:
            response.headers.pop("Content-Type", None)
        return response


def _commit_per_request(app: Flask) -> None:
    """The request is the unit of work: domain code flushes, this commits once.

    Any error response or exception rolls everything back, so a failed request
    leaves no half-written rows.
    """
    from api.extensions import db

    @app.after_request
    def commit(response):
        if response.status_code < 400:
            session = db.session()
            # The response is built and the session ends with the request: expiring every object
            # it loaded (what a commit does by default) would be work nobody reads.
            session.expire_on_commit = False
            try:
                session.commit()
            finally:
                session.expire_on_commit = True
        else:
            db.session.rollback()
        return response
