"""The OAuth2 client-credentials door partner systems come in through."""

from tests.builders import TEST_SECRET


def test_a_partner_system_trades_its_credentials_for_a_bearer_token(client, build):
    api_client = build.api_client(build.partner("Acme"))

    response = client.post(
        "/api/v1/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": api_client.client_id,
            "client_secret": TEST_SECRET,
        },
    )

    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert "leads:write" in body["scope"].split()
    me = client.get("/api/v1/partners/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.get_json()["name"] == "Acme"


def test_credentials_may_come_as_http_basic_and_json(client, build):
    api_client = build.api_client(build.partner())

    response = client.post(
        "/api/v1/oauth/token",
        json={"grant_type": "client_credentials"},
        auth=(api_client.client_id, TEST_SECRET),
    )

    assert response.status_code == 200


def test_a_wrong_secret_is_401_invalid_client(client, build):
    api_client = build.api_client(build.partner())

    response = client.post(
        "/api/v1/oauth/token",
        data={"grant_type": "client_credentials", "client_id": api_client.client_id, "client_secret": "nope"},
    )

    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_an_unknown_client_is_401_invalid_client(client):
    response = client.post(
        "/api/v1/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "phc_nobody", "client_secret": "x"},
    )

    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_other_grant_types_are_400_unsupported_grant_type(client, build):
    api_client = build.api_client(build.partner())

    response = client.post(
        "/api/v1/oauth/token",
        data={"grant_type": "password", "client_id": api_client.client_id, "client_secret": TEST_SECRET},
    )

    assert response.status_code == 400
    assert response.get_json()["error"] == "unsupported_grant_type"


def test_a_pending_partner_gets_no_token(client, build):
    api_client = build.api_client(build.partner(status="pending"))

    response = client.post(
        "/api/v1/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": api_client.client_id,
            "client_secret": TEST_SECRET,
        },
    )

    assert response.status_code == 401


def test_missing_and_malformed_tokens_are_401_problems(client):
    missing = client.get("/api/v1/partners/me")
    malformed = client.get("/api/v1/partners/me", headers={"Authorization": "Bearer not.a.jwt"})

    for response in (missing, malformed):
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["status"] == 401


def test_an_expired_token_is_401(app, client, build):
    from datetime import timedelta

    from flask_jwt_extended import create_access_token

    api_client = build.api_client(build.partner())
    with app.test_request_context():
        token = create_access_token(
            identity=str(api_client.id),
            additional_claims={"partner_id": api_client.partner_id, "scope": "directory:read"},
            expires_delta=timedelta(seconds=-60),
        )

    response = client.get("/api/v1/partners/me", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401
    assert "expired" in response.get_json()["detail"]


def test_a_token_that_worked_is_refused_once_it_expires(app, client, build, monkeypatch):
    import time
    from datetime import timedelta

    from flask_jwt_extended import create_access_token

    # Without the 5 s of grace the config gives a clock a partner's system may be behind on.
    monkeypatch.setitem(app.config, "JWT_DECODE_LEEWAY", 0)
    api_client = build.api_client(build.partner())
    with app.test_request_context():
        token = create_access_token(
            identity=str(api_client.id),
            additional_claims={"partner_id": api_client.partner_id, "scope": "directory:read"},
            expires_delta=timedelta(seconds=2),
        )
    headers = {"Authorization": f"Bearer {token}"}
    before = client.get("/api/v1/partners/me", headers=headers).status_code
    time.sleep(2.1)

    response = client.get("/api/v1/partners/me", headers=headers)

    assert (before, response.status_code) == (200, 401)
    assert "expired" in response.get_json()["detail"]


def test_a_token_without_the_scope_is_403(client, build):
    headers = build.headers(build.partner(), scopes=["leads:read"])

    response = client.get("/api/v1/partners/me", headers=headers)

    assert response.status_code == 403
    assert "directory:read" in response.get_json()["detail"]


def test_a_revoked_clients_tokens_stop_working_at_once(client, build, session):
    from partnerhub.core.db import utcnow

    partner = build.partner()
    headers = build.headers(partner)
    assert client.get("/api/v1/partners/me", headers=headers).status_code == 200
    for api_client in partner_clients(session, partner):
        api_client.revoked_at = utcnow()
    session.commit()

    response = client.get("/api/v1/partners/me", headers=headers)

    assert response.status_code == 401


def partner_clients(session, partner):
    from sqlalchemy import select

    from partnerhub.models import ApiClient

    return session.scalars(select(ApiClient).where(ApiClient.partner_id == partner.id)).all()


def test_a_missing_grant_type_is_400_invalid_request(client):
    response = client.post("/api/v1/oauth/token", data={"client_id": "x", "client_secret": "y"})

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_a_token_signed_with_another_key_is_401(client, build):
    import jwt

    api_client = build.api_client(build.partner())
    claims = {"sub": str(api_client.id), "scope": "directory:read", "type": "access", "exp": 4102444800}
    forged = jwt.encode(claims, "not-our-signing-key-" * 3, algorithm="HS256")

    response = client.get("/api/v1/partners/me", headers={"Authorization": f"Bearer {forged}"})

    assert response.status_code == 401
    assert "signature" in response.get_json()["detail"]


def test_a_token_naming_no_algorithm_is_401(client, build):
    import jwt

    api_client = build.api_client(build.partner())
    claims = {"sub": str(api_client.id), "scope": "directory:read", "type": "access", "exp": 4102444800}
    unsigned = jwt.encode(claims, None, algorithm="none")

    response = client.get("/api/v1/partners/me", headers={"Authorization": f"Bearer {unsigned}"})

    assert response.status_code == 401


def test_a_suspended_partners_live_tokens_stop_working_at_once(client, build, session):
    partner = build.partner()
    headers = build.headers(partner)
    assert client.get("/api/v1/partners/me", headers=headers).status_code == 200
    partner.status = "suspended"
    session.commit()

    response = client.get("/api/v1/partners/me", headers=headers)

    assert response.status_code == 401
    assert "suspended" in response.get_json()["detail"]
