"""What every response tells the browser, and how much a request may carry."""


def test_every_response_carries_the_security_headers(client):
    for response in (client.get("/healthz"), client.get("/api/v1/partners/me"), client.get("/nowhere")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert "Strict-Transport-Security" not in response.headers


def test_hsts_only_over_https(client):
    response = client.get("/healthz", base_url="https://partnerhub.example")

    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_api_docs_page_and_its_own_assets_are_allowed(client):
    page = client.get("/api/v1/docs")
    with client.get("/api/v1/docs/assets/swagger-ui-bundle.js") as asset:
        asset_status = asset.status_code

    assert page.status_code == 200
    assert "script-src 'self' 'unsafe-inline'" in page.headers["Content-Security-Policy"]
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in page.get_data(as_text=True)
    assert asset_status == 200
    assert "unsafe-inline" not in client.get("/healthz").headers["Content-Security-Policy"]


def test_a_too_large_body_is_413_problem(app, client, build):
    headers = build.headers(build.partner())
    body = b'{"name": "' + b"x" * app.config["MAX_CONTENT_LENGTH"] + b'"}'

    response = client.patch(
        "/api/v1/partners/me", data=body, headers=headers | {"Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 413
