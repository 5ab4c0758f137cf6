"""The taxonomy: everyone reads it, operators write it."""


def test_everyone_reads_categories_with_their_complements(client, build):
    build.complement("windows", "window-installation", weight=1.0)

    response = client.get("/api/v1/categories", headers=build.headers(build.partner()))

    items = {c["slug"]: c for c in response.get_json()["items"]}
    assert items["windows"]["complements"] == [{"category": "window-installation", "weight": 1.0}]
    assert items["window-installation"]["complements"] == [{"category": "windows", "weight": 1.0}]


def test_an_operator_adds_categories_and_complements(client, build):
    admin = build.headers(None)

    created = client.post(
        "/api/v1/categories", json={"slug": "crm-software", "name": "CRM software"}, headers=admin
    )
    client.post("/api/v1/categories", json={"slug": "crm-support", "name": "CRM support"}, headers=admin)
    paired = client.post(
        "/api/v1/categories/crm-software/complements",
        json={"complement": "crm-support", "weight": 0.8},
        headers=admin,
    )

    assert created.status_code == 201
    assert paired.status_code == 201
    assert len(paired.get_json()) == 2


def test_a_partner_cannot_write_the_taxonomy(client, build):
    response = client.post(
        "/api/v1/categories", json={"slug": "x", "name": "X"}, headers=build.headers(build.partner())
    )

    assert response.status_code == 403


def test_a_category_named_only_with_spaces_is_refused(client, build):
    admin = build.headers(None)

    response = client.post("/api/v1/categories", json={"slug": "doors", "name": "   "}, headers=admin)

    assert response.status_code == 422
    assert response.get_json()["errors"] == {"name": ["must not be blank"]}
