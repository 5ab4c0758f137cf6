"""Proposing partnerships and moving them through their states."""

TERMS = {"reward_type": "percent", "reward_value": "10", "rep_share_percent": "25", "accept_sla_hours": 24}


def test_a_partner_proposes_and_the_other_accepts(client, build):
    a, b = build.partner("Windows Co"), build.partner("Fitters Co")

    proposed = client.post(
        "/api/v1/partnerships", json={"partner_id": b.id, "terms": TERMS}, headers=build.headers(a)
    )
    pid = proposed.get_json()["id"]
    accepted = client.post(f"/api/v1/partnerships/{pid}/accept", headers=build.headers(b))

    assert proposed.status_code == 201
    assert proposed.get_json()["status"] == "proposed"
    assert proposed.get_json()["terms"]["reward_value"] == "10.00"
    assert accepted.status_code == 200
    assert accepted.get_json()["status"] == "active"
    assert accepted.get_json()["partner"] == {"id": a.id, "name": "Windows Co"}


def test_terms_with_more_decimal_places_than_are_kept_are_422_not_rounded(client, build):
    a, b = build.partner(), build.partner()

    refused = client.post(
        "/api/v1/partnerships",
        json={"partner_id": b.id, "terms": {**TERMS, "reward_value": "10.125"}},
        headers=build.headers(a),
    )

    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {
        "terms.reward_value": ["must be a decimal string with at most 2 decimal places, from 0 to 10000000"]
    }


def test_proposing_the_same_partnership_twice_is_409_either_way_round(client, build):
    a, b = build.partner(), build.partner()
    first = client.post(
        "/api/v1/partnerships", json={"partner_id": b.id, "terms": TERMS}, headers=build.headers(a)
    )

    again = client.post(
        "/api/v1/partnerships", json={"partner_id": b.id, "terms": TERMS}, headers=build.headers(a)
    )
    reverse = client.post(
        "/api/v1/partnerships", json={"partner_id": a.id, "terms": TERMS}, headers=build.headers(b)
    )

    assert first.status_code == 201
    assert again.status_code == 409
    assert again.get_json()["partnership_id"] == first.get_json()["id"]
    assert reverse.status_code == 409


def test_an_ended_partnership_can_be_proposed_anew(client, build):
    a, b = build.partner(), build.partner()
    build.partnership(a, b, status="ended")

    response = client.post(
        "/api/v1/partnerships", json={"partner_id": b.id, "terms": TERMS}, headers=build.headers(a)
    )

    assert response.status_code == 201


def test_the_proposer_cannot_accept_its_own_proposal(client, build):
    a, b = build.partner(), build.partner()
    partnership = build.partnership(a, b, status="proposed")

    response = client.post(f"/api/v1/partnerships/{partnership.id}/accept", headers=build.headers(a))

    assert response.status_code == 403


def test_an_impossible_state_change_is_409_and_changes_nothing(client, build):
    a, b = build.partner(), build.partner()
    partnership = build.partnership(a, b, status="active")

    resumed = client.post(f"/api/v1/partnerships/{partnership.id}/resume", headers=build.headers(a))
    accepted = client.post(f"/api/v1/partnerships/{partnership.id}/accept", headers=build.headers(b))

    assert resumed.status_code == 409
    assert accepted.status_code == 409
    assert (
        client.get(f"/api/v1/partnerships/{partnership.id}", headers=build.headers(a)).get_json()["status"]
        == "active"
    )


def test_only_the_side_that_paused_resumes(client, build):
    a, b = build.partner(), build.partner()
    partnership = build.partnership(a, b)

    paused = client.post(f"/api/v1/partnerships/{partnership.id}/pause", headers=build.headers(b))
    by_other = client.post(f"/api/v1/partnerships/{partnership.id}/resume", headers=build.headers(a))
    by_pauser = client.post(f"/api/v1/partnerships/{partnership.id}/resume", headers=build.headers(b))

    assert paused.get_json()["status"] == "paused"
    assert by_other.status_code == 403
    assert by_pauser.get_json()["status"] == "active"


def test_partner_c_cannot_see_or_change_a_partnership_of_a_and_b(client, build):
    a, b, c = build.partner(), build.partner(), build.partner()
    partnership = build.partnership(a, b)
    as_c = build.headers(c)

    assert client.get(f"/api/v1/partnerships/{partnership.id}", headers=as_c).status_code == 404
    assert client.post(f"/api/v1/partnerships/{partnership.id}/end", headers=as_c).status_code == 404
    assert client.get("/api/v1/partnerships", headers=as_c).get_json()["items"] == []


def test_proposing_to_a_pending_or_unknown_partner_is_404(client, build):
    a, pending = build.partner(), build.partner(status="pending")

    for target in (pending.id, 99999):
        response = client.post(
            "/api/v1/partnerships", json={"partner_id": target, "terms": TERMS}, headers=build.headers(a)
        )
        assert response.status_code == 404


def test_terms_are_validated_field_by_field(client, build):
    a, b = build.partner(), build.partner()
    terms = {**TERMS, "reward_type": "shares", "rep_share_percent": "150"}

    response = client.post(
        "/api/v1/partnerships", json={"partner_id": b.id, "terms": terms}, headers=build.headers(a)
    )

    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"terms.reward_type", "terms.rep_share_percent"}
