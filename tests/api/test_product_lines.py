"""A partner's product lines: its own to manage, nobody else's to see."""


def test_a_partner_adds_a_line_with_its_warmup_script(client, build):
    build.category("window-installation")
    partner = build.partner()

    response = client.post(
        "/api/v1/product-lines",
        json={"category": "window-installation", "regions": ["DE-BE"], "warmup_script": "Fitted in one day."},
        headers=build.headers(partner),
    )

    assert response.status_code == 201
    assert response.get_json()["category"] == "window-installation"
    listed = client.get("/api/v1/product-lines", headers=build.headers(partner)).get_json()
    assert [line["warmup_script"] for line in listed["items"]] == ["Fitted in one day."]
    assert listed["next_cursor"] is None


def test_an_unknown_category_is_422_on_the_category_field(client, build):
    response = client.post(
        "/api/v1/product-lines", json={"category": "time-travel"}, headers=build.headers(build.partner())
    )

    assert response.status_code == 422
    assert response.get_json()["errors"] == {"category": ["unknown category 'time-travel'"]}


def test_partner_a_cannot_read_change_or_delete_bs_lines(client, build):
    a, b = build.partner("A"), build.partner("B")
    line = build.line(b, "windows")
    as_a = build.headers(a)

    assert client.get(f"/api/v1/product-lines/{line.id}", headers=as_a).status_code == 404
    assert (
        client.patch(f"/api/v1/product-lines/{line.id}", json={"name": "x"}, headers=as_a).status_code == 404
    )
    assert client.delete(f"/api/v1/product-lines/{line.id}", headers=as_a).status_code == 404
    assert client.get("/api/v1/product-lines", headers=as_a).get_json()["items"] == []
    assert client.get(f"/api/v1/product-lines/{line.id}", headers=build.headers(b)).status_code == 200


def test_a_deleted_line_is_gone_from_the_list(client, build):
    partner = build.partner()
    line = build.line(partner, "windows")
    headers = build.headers(partner)

    assert client.delete(f"/api/v1/product-lines/{line.id}", headers=headers).status_code == 204

    assert client.get(f"/api/v1/product-lines/{line.id}", headers=headers).status_code == 404
    assert client.get("/api/v1/product-lines", headers=headers).get_json()["items"] == []


def test_lists_page_with_a_cursor(client, build):
    partner = build.partner()
    for _ in range(5):
        build.line(partner, "windows")
    headers = build.headers(partner)

    first = client.get("/api/v1/product-lines?limit=2", headers=headers).get_json()
    second = client.get(
        f"/api/v1/product-lines?limit=2&cursor={first['next_cursor']}", headers=headers
    ).get_json()
    third = client.get(
        f"/api/v1/product-lines?limit=2&cursor={second['next_cursor']}", headers=headers
    ).get_json()

    ids = [line["id"] for page in (first, second, third) for line in page["items"]]
    assert len(ids) == 5 == len(set(ids))
    assert third["next_cursor"] is None
    assert client.get("/api/v1/product-lines?limit=500", headers=headers).status_code == 422
    assert client.get("/api/v1/product-lines?cursor=!!", headers=headers).get_json()["errors"] == {
        "cursor": ["not a cursor this API returned"]
    }
