"""POST /handoffs/{id}/referrals: a won customer's referral is the receiver's new lead, routed like any."""

from sqlalchemy import select

from partnerhub.models import Lead
from tests.api.test_handoffs import move
from tests.api.test_leads import NEED, lead_body, post_lead

WON = {"deal_value": {"amount": "1000", "currency": "EUR"}}


def _exchange(build):
    """A window maker sends leads to a fitter; the fitter sends glazing work on to a glazier."""
    sender = build.partner("Windows Co", lines=["windows"])
    fitter = build.partner("Fitters Co", lines=[NEED])
    glazier = build.partner("Glass Co", lines=["glazing"])
    build.partnership(sender, fitter)
    build.partnership(fitter, glazier)
    return sender, fitter, glazier


def won_handoff(client, build, sender, fitter, *, to="won"):
    """A lead of the sender's, handed to the fitter and moved up to `to` by the fitter."""
    lead = post_lead(client, build.headers(sender), lead_body()).get_json()
    handoff_id = lead["handoffs"][0]["id"]
    as_fitter = build.headers(fitter)
    for step in ("delivered", "accepted", "contacted", "won"):
        move(client, as_fitter, handoff_id, step, **(WON if step == "won" else {}))
        if step == to:
            break
    return handoff_id


def referral_body(**overrides):
    body = lead_body(
        external_id="ref-1",
        contact={"name": "Ben Neighbour", "email": "ben@example.test", "phone": None, "company": None},
        need={"category": "glazing", "text": "Wants the same glass as Ada."},
    )
    del body["source"]
    body.update(overrides)
    return body


def refer(client, headers, handoff_id, body=None, key="ref-key-1"):
    return client.post(
        f"/api/v1/handoffs/{handoff_id}/referrals",
        json=body or referral_body(),
        headers={**headers, "Idempotency-Key": key},
    )


def test_a_referral_on_a_won_handoff_is_a_lead_of_the_receiver_routed_like_any_other(client, build):
    sender, fitter, glazier = _exchange(build)
    handoff_id = won_handoff(client, build, sender, fitter)

    response = refer(client, build.headers(fitter), handoff_id)

    assert response.status_code == 201
    lead = response.get_json()
    assert lead["source"] == "referral"
    assert lead["referred_from"] == handoff_id
    assert lead["status"] == "routed"
    assert [h["partner"]["id"] for h in lead["handoffs"]] == [glazier.id]
    shown = client.get(f"/api/v1/leads/{lead['id']}", headers=build.headers(fitter)).get_json()
    assert (shown["source"], shown["referred_from"]) == ("referral", handoff_id)


def test_a_referral_nobody_can_take_is_kept_unrouted_with_the_reasons_as_any_lead(client, build):
    sender, fitter, _glazier = _exchange(build)
    build.category("roofing")
    handoff_id = won_handoff(client, build, sender, fitter)

    lead = refer(
        client, build.headers(fitter), handoff_id, referral_body(need={"category": "roofing", "text": ""})
    ).get_json()

    assert lead["status"] == "unrouted"
    assert lead["reasons"]
    assert lead["referred_from"] == handoff_id


def test_an_ordinary_lead_was_referred_by_nobody_and_cannot_claim_to_be_a_referral(client, build):
    sender, _fitter, _glazier = _exchange(build)

    ordinary = post_lead(client, build.headers(sender), lead_body()).get_json()
    claimed = post_lead(
        client, build.headers(sender), lead_body(external_id="x", source="referral"), key="k2"
    )

    assert (ordinary["source"], ordinary["referred_from"]) == ("api", None)
    assert claimed.status_code == 422
    assert "source" in claimed.get_json()["errors"]


def test_a_referral_on_a_handoff_not_won_is_409_naming_the_statuses_that_allow_it(client, build, session):
    sender, fitter, _glazier = _exchange(build)
    handoff_id = won_handoff(client, build, sender, fitter, to="contacted")

    response = refer(client, build.headers(fitter), handoff_id)

    assert response.status_code == 409
    problem = response.get_json()
    assert problem["current_status"] == "contacted"
    assert problem["allowed_statuses"] == ["won", "reward_invoiced", "reward_paid", "rep_paid"]
    assert session.scalars(select(Lead).where(Lead.partner_id == fitter.id)).all() == []


def test_a_referral_stays_possible_once_the_reward_moves_on(client, build):
    sender, fitter, _glazier = _exchange(build)
    handoff_id = won_handoff(client, build, sender, fitter)
    move(client, build.headers(sender), handoff_id, "reward_invoiced")

    response = refer(client, build.headers(fitter), handoff_id)

    assert response.status_code == 201


def test_another_partners_handoff_is_not_found(client, build):
    sender, fitter, glazier = _exchange(build)
    handoff_id = won_handoff(client, build, sender, fitter)

    response = refer(client, build.headers(glazier), handoff_id)

    assert response.status_code == 404


def test_the_sender_cannot_record_its_receivers_referral(client, build):
    sender, fitter, _glazier = _exchange(build)
    handoff_id = won_handoff(client, build, sender, fitter)

    response = refer(client, build.headers(sender), handoff_id)

    assert response.status_code == 403


def test_the_same_idempotency_key_and_body_replay_the_same_lead(client, build, session):
    sender, fitter, _glazier = _exchange(build)
    handoff_id = won_handoff(client, build, sender, fitter)
    as_fitter = build.headers(fitter)

    first = refer(client, as_fitter, handoff_id)
    again = refer(client, as_fitter, handoff_id)
    other_body = refer(client, as_fitter, handoff_id, referral_body(external_id="ref-2"))

    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert other_body.status_code == 422
    assert len(session.scalars(select(Lead).where(Lead.source == "referral")).all()) == 1


def test_a_referral_needs_an_idempotency_key(client, build):
    sender, fitter, _glazier = _exchange(build)
    handoff_id = won_handoff(client, build, sender, fitter)

    response = client.post(
        f"/api/v1/handoffs/{handoff_id}/referrals", json=referral_body(), headers=build.headers(fitter)
    )

    assert response.status_code == 400


def test_both_sides_see_what_the_handoff_produced_and_the_sender_never_whom(client, build):
    sender, fitter, _glazier = _exchange(build)
    handoff_id = won_handoff(client, build, sender, fitter)
    lead = refer(client, build.headers(fitter), handoff_id).get_json()

    as_sender = client.get(f"/api/v1/handoffs/{handoff_id}", headers=build.headers(sender)).get_json()
    as_fitter = client.get(f"/api/v1/handoffs/{handoff_id}", headers=build.headers(fitter)).get_json()
    listed = client.get("/api/v1/handoffs?direction=outgoing", headers=build.headers(sender)).get_json()
    sender_reads_lead = client.get(f"/api/v1/leads/{lead['id']}", headers=build.headers(sender))

    assert as_sender["referrals"] == [{"lead_id": lead["id"], "status": "routed"}]
    assert as_fitter["referrals"] == as_sender["referrals"]
    assert listed["items"][0]["referrals"] == as_sender["referrals"]
    assert "Ben" not in str(as_sender)
    assert sender_reads_lead.status_code == 404


def test_the_balance_counts_the_referrals_each_direction_produced(client, build):
    sender, fitter, _glazier = _exchange(build)
    handoff_id = won_handoff(client, build, sender, fitter)
    refer(client, build.headers(fitter), handoff_id)
    refer(client, build.headers(fitter), handoff_id, referral_body(external_id="ref-2"), key="ref-key-2")

    of_sender = client.get("/api/v1/balance", headers=build.headers(sender)).get_json()
    of_fitter = client.get("/api/v1/balance", headers=build.headers(fitter)).get_json()

    [row] = of_sender["items"]
    assert (row["outgoing"]["referrals"], row["incoming"]["referrals"]) == (2, 0)
    with_sender = next(r for r in of_fitter["items"] if r["partner"]["id"] == sender.id)
    assert (with_sender["outgoing"]["referrals"], with_sender["incoming"]["referrals"]) == (0, 2)
