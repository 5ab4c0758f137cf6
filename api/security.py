"""Headers every response carries, and trusting the reverse proxy in front when told to."""

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

# Nothing from elsewhere: the API and the pages serve their own assets.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# flask-smorest's Swagger UI page starts the bundle from an inline script and Swagger UI styles inline.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


def init_security(app: Flask) -> None:
    """Add the security headers to every response; honour X-Forwarded-* from PROXY_COUNT proxies."""
    proxies = app.config["PROXY_COUNT"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    docs_path = app.config["OPENAPI_URL_PREFIX"].rstrip("/") + "/" + app.config["OPENAPI_SWAGGER_UI_PATH"]

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        policy = DOCS_CONTENT_SECURITY_POLICY if request.path == docs_path else CONTENT_SECURITY_POLICY
        headers.setdefault("Content-Security-Policy", policy)
        # Only over HTTPS: on plain HTTP the browser ignores it, and localhost must stay reachable.
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response
