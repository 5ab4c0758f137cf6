"""Every request carries an id, echoed back and logged as one JSON line."""

import json
import logging

from api.observability import JsonFormatter


def test_a_sane_incoming_request_id_is_kept_and_echoed(client):
    response = client.get("/healthz", headers={"X-Request-ID": "crm-7f3a.42"})

    assert response.headers["X-Request-ID"] == "crm-7f3a.42"


def test_an_insane_request_id_is_replaced_by_a_fresh_one(client):
    response = client.get("/healthz", headers={"X-Request-ID": "evil\tid; " + "x" * 300})

    assert response.headers["X-Request-ID"] != ""
    assert len(response.headers["X-Request-ID"]) == 32


def test_problem_bodies_carry_the_request_id(client):
    response = client.get("/api/v1/partners/me", headers={"X-Request-ID": "abc-123"})

    assert response.status_code == 401
    assert response.get_json()["request_id"] == "abc-123"


def test_each_request_is_logged_as_one_json_line_with_its_id_and_client(client, build, caplog):
    partner = build.partner()
    headers = build.headers(partner) | {"X-Request-ID": "trace-1"}

    with caplog.at_level(logging.INFO, logger="api.request"):
        client.get("/api/v1/partners/me", headers=headers)

    [record] = [r for r in caplog.records if r.name == "api.request"]
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "trace-1"
    assert line["method"] == "GET"
    assert line["path"] == "/api/v1/partners/me"
    assert line["status"] == 200
    assert line["client_id"].startswith("phc_test")
    assert line["duration_ms"] >= 0
