"""Liveness and readiness, as a load balancer sees them."""


def test_liveness_answers_without_touching_anything(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readiness_checks_the_database(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "checks": {"database": "ok"}}


def test_readiness_checks_redis_when_configured(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/0")

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.get_json()["checks"]["redis"] == "ok"


def test_readiness_is_503_naming_what_is_down(app, client, monkeypatch, free_port):
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{free_port}/0")

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("unavailable: ")


def test_health_endpoints_are_never_rate_limited(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_DEFAULT", "2 per minute")

    statuses = {client.get(path).status_code for path in ["/healthz", "/readyz"] * 3}

    assert statuses == {200}
