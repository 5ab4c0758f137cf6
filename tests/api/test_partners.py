"""Registration, the own profile, and the shape of errors."""

from sqlalchemy import func, select

from partnerhub.models import Partner, User

REGISTRATION = {
    "name": "Glas & Rahmen GmbH",
    "business": "Window fitting in Brandenburg",
    "regions": ["DE-BB"],
    "size": {"sales_reps": 3, "revenue_band": "1m_10m", "monthly_leads": 20},
}


def test_a_company_registers_and_waits_for_approval(client):
    response = client.post("/api/v1/partners", json=REGISTRATION)

    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "pending"
    assert body["size"] == {
        "sales_reps": 3,
        "revenue_band": "1m_10m",
        "monthly_leads": 20,
        "monthly_won_value": None,
    }


def test_registration_with_a_manager_creates_the_first_web_login(client, session):
    payload = {**REGISTRATION, "manager": {"email": "Boss@Example.test", "password": "long enough pw"}}

    response = client.post("/api/v1/partners", json=payload)

    assert response.status_code == 201
    user = session.scalar(select(User).where(User.email == "boss@example.test"))
    assert user.role == "manager"
    assert user.partner_id == response.get_json()["id"]


def test_a_bad_payload_gets_422_naming_each_field_and_reason(client):
    payload = {**REGISTRATION, "regions": ["berlin"], "size": {"sales_reps": 0}, "colour": "red"}

    response = client.post("/api/v1/partners", json=payload)

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert errors["regions.0"] == ["must be an ISO 3166 code such as DE or DE-BE"]
    assert "sales_reps" in " ".join(errors)
    assert "size.sales_reps" in errors
    assert errors["colour"] == ["Unknown field."]


def test_a_failed_request_leaves_no_rows(client, session):
    taken = {**REGISTRATION, "name": "Taken"}
    assert client.post("/api/v1/partners", json=taken).status_code == 201
    before = (
        session.scalar(select(func.count()).select_from(Partner)),
        session.scalar(select(func.count()).select_from(User)),
    )

    # The manager login is valid, but the partner name is taken: nothing of it may stay.
    response = client.post(
        "/api/v1/partners",
        json={**taken, "manager": {"email": "new@example.test", "password": "long enough pw"}},
    )

    assert response.status_code == 409
    after = (
        session.scalar(select(func.count()).select_from(Partner)),
        session.scalar(select(func.count()).select_from(User)),
    )
    assert after == before


def test_a_half_done_request_is_rolled_back_whole(client, session):
    # The manager's password is refused by the domain, after the schema let it through.
    payload = {**REGISTRATION, "manager": {"email": "m@example.test", "password": "short"}}

    response = client.post("/api/v1/partners", json=payload)

    assert response.status_code == 422
    assert session.scalar(select(func.count()).select_from(Partner)) == 0


def test_a_partner_updates_its_own_size(client, build):
    partner = build.partner()

    response = client.patch(
        "/api/v1/partners/me", json={"size": {"sales_reps": 12}}, headers=build.headers(partner)
    )

    assert response.status_code == 200
    assert response.get_json()["size"]["sales_reps"] == 12


def test_a_partner_declares_the_deal_value_it_wins_a_month_in_euros(client, build):
    partner = build.partner()
    headers = build.headers(partner)
    declared = {"amount": "20000.00", "currency": "EUR"}

    saved = client.patch(
        "/api/v1/partners/me", json={"size": {"monthly_won_value": declared}}, headers=headers
    )
    refused = client.patch(
        "/api/v1/partners/me",
        json={"size": {"monthly_won_value": {"amount": "5.00", "currency": "USD"}}},
        headers=headers,
    )

    assert saved.get_json()["size"]["monthly_won_value"] == declared
    assert refused.status_code == 422
    assert "size.monthly_won_value.currency" in refused.get_json()["errors"]


def test_unknown_routes_and_methods_answer_problem_json(client):
    assert client.get("/api/v1/nothing-here").mimetype == "application/problem+json"
    assert client.delete("/api/v1/partners").status_code == 405


def test_the_openapi_document_describes_the_directory_and_its_security(client):
    spec = client.get("/api/v1/openapi.json").get_json()

    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/v1/oauth/token",
        "/api/v1/partners/me",
        "/api/v1/product-lines/{line_id}",
        "/api/v1/partnerships/{partnership_id}/accept",
        "/api/v1/categories",
    ):
        assert path in spec["paths"], path
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["paths"]["/api/v1/partners/me"]["get"]["security"] == [{"bearerAuth": ["directory:read"]}]


def test_the_docs_page_needs_no_internet(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)

    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in page
    assert "https://" not in page
    asset = client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    asset.close()
    assert asset.status_code == 200


def test_the_api_refuses_what_the_pages_refuse_with_the_domains_reasons(client):
    payload = {**REGISTRATION, "name": "   ", "website": "javascript:alert(1)", "contact_email": "nope"}

    response = client.post("/api/v1/partners", json=payload)

    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "name": ["must not be blank"],
        "website": ["must be a web address starting with http:// or https://"],
        "contact_email": ["must be an email address such as name@example.com"],
    }
