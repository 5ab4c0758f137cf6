"""Handoffs through the API: the whole chain from sent to the rep's share, and who may move what."""

import pytest
from sqlalchemy import select

from partnerhub.models import Delivery
from tests.api.test_leads import _exchange, lead_body, post_lead


def _routed(client, build, **terms):
    sender, fitter = _exchange(build)
    if terms:
        from partnerhub.models import Partnership

        partnership = build.session.scalar(select(Partnership))
        for name, value in terms.items():
            setattr(partnership, name, value)
        build.session.commit()
    lead = post_lead(client, build.headers(sender), lead_body()).get_json()
    return sender, fitter, lead["handoffs"][0]["id"]


def move(client, headers, handoff_id, to, **fields):
    return client.post(
        f"/api/v1/handoffs/{handoff_id}/transitions", json={"to": to, **fields}, headers=headers
    )


def test_the_whole_chain_from_sent_to_the_reps_share(client, build, session):
    sender, fitter, handoff_id = _routed(client, build, reward_value=10, rep_share_percent=25)
    build.endpoint(sender)
    as_sender, as_fitter = build.headers(sender), build.headers(fitter)

    steps = [
        (as_fitter, "delivered", {}),
        (as_fitter, "accepted", {}),
        (as_fitter, "contacted", {"note": "Site visit on Monday."}),
        (as_fitter, "won", {"deal_value": {"amount": "12345.67", "currency": "EUR"}}),
        (as_sender, "reward_invoiced", {}),
        (as_fitter, "reward_paid", {}),
        (as_sender, "rep_paid", {}),
    ]
    codes = [move(client, headers, handoff_id, to, **fields).status_code for headers, to, fields in steps]
    shown = client.get(f"/api/v1/handoffs/{handoff_id}", headers=as_sender).get_json()

    assert codes == [200] * 7
    assert shown["status"] == "rep_paid"
    assert shown["version"] == 8
    assert shown["deal_value"] == {"amount": "12345.67", "currency": "EUR"}
    assert shown["reward"] == {"amount": "1234.57", "currency": "EUR"}
    assert shown["rep_share"] == {"amount": "308.64", "currency": "EUR"}
    assert [(e["from"], e["to"]) for e in shown["events"]] == [
        (None, "sent"),
        ("sent", "delivered"),
        ("delivered", "accepted"),
        ("accepted", "contacted"),
        ("contacted", "won"),
        ("won", "reward_invoiced"),
        ("reward_invoiced", "reward_paid"),
        ("reward_paid", "rep_paid"),
    ]
    assert shown["events"][3]["note"] == "Site visit on Monday."
    assert set(shown["timestamps"]) == {
        "sent",
        "delivered",
        "accepted",
        "contacted",
        "won",
        "reward_invoiced",
        "reward_paid",
        "rep_paid",
    }
    assert shown["sla_due_at"] > shown["timestamps"]["sent"]
    assert shown["score"]["total"] == pytest.approx(sum(shown["score"]["parts"].values()), abs=1e-5)
    assert "Ada Buyer" in shown["warmup_note"]
    # The sender hears of each move the receiver made, and of none of its own.
    heard = [d.payload["data"]["status"] for d in session.scalars(select(Delivery).order_by(Delivery.id))]
    assert heard == ["delivered", "accepted", "contacted", "won", "reward_paid"]


def test_a_fixed_reward_ignores_the_deal_value(client, build):
    _sender, fitter, handoff_id = _routed(
        client, build, reward_type="fixed", reward_value=500, rep_share_percent=10
    )
    as_fitter = build.headers(fitter)
    for to in ("delivered", "accepted", "contacted"):
        move(client, as_fitter, handoff_id, to)

    won = move(
        client, as_fitter, handoff_id, "won", deal_value={"amount": "99999", "currency": "EUR"}
    ).get_json()

    assert won["reward"]["amount"] == "500.00"
    assert won["rep_share"]["amount"] == "50.00"


def test_an_impossible_move_is_409_and_changes_nothing(client, build):
    _sender, fitter, handoff_id = _routed(client, build)

    response = move(
        client, build.headers(fitter), handoff_id, "won", deal_value={"amount": "1", "currency": "EUR"}
    )
    shown = client.get(f"/api/v1/handoffs/{handoff_id}", headers=build.headers(fitter)).get_json()

    assert response.status_code == 409
    assert response.get_json()["current_status"] == "sent"
    assert response.get_json()["allowed"] == ["delivered", "declined"]
    assert shown["status"] == "sent"
    assert shown["version"] == 1
    assert len(shown["events"]) == 1


def test_only_the_receiver_moves_a_handoff_forward(client, build):
    sender, _fitter, handoff_id = _routed(client, build)

    response = move(client, build.headers(sender), handoff_id, "delivered")

    assert response.status_code == 403


@pytest.mark.parametrize(("to", "field"), [("declined", "reason")])
def test_declining_needs_a_reason(client, build, to, field):
    _sender, fitter, handoff_id = _routed(client, build)

    without = move(client, build.headers(fitter), handoff_id, to)
    with_reason = move(client, build.headers(fitter), handoff_id, to, reason="We do not fit in Berlin.")

    assert without.status_code == 422
    assert field in without.get_json()["errors"]
    assert with_reason.status_code == 200
    assert with_reason.get_json()["reason"] == "We do not fit in Berlin."


def test_won_needs_the_deal_value_in_the_partnerships_currency(client, build):
    _sender, fitter, handoff_id = _routed(client, build)
    for to in ("delivered", "accepted", "contacted"):
        move(client, build.headers(fitter), handoff_id, to)

    missing = move(client, build.headers(fitter), handoff_id, "won")
    dollars = move(
        client, build.headers(fitter), handoff_id, "won", deal_value={"amount": "10", "currency": "USD"}
    )
    lost = move(client, build.headers(fitter), handoff_id, "lost")

    assert missing.status_code == 422
    assert "deal_value" in missing.get_json()["errors"]
    assert dollars.status_code == 422
    assert lost.status_code == 422


@pytest.mark.parametrize("amount", ["-5", "0", "0.00", "1000000000000", "1e13"])
def test_a_deal_value_of_zero_or_less_or_beyond_what_is_stored_is_422_on_the_amount(client, build, amount):
    _sender, fitter, handoff_id = _routed(client, build)
    for to in ("delivered", "accepted", "contacted"):
        move(client, build.headers(fitter), handoff_id, to)

    response = move(
        client, build.headers(fitter), handoff_id, "won", deal_value={"amount": amount, "currency": "EUR"}
    )
    shown = client.get(f"/api/v1/handoffs/{handoff_id}", headers=build.headers(fitter)).get_json()

    assert response.status_code == 422
    refused = {
        "deal_value.amount": [
            "must be a decimal string with at most 2 decimal places, more than 0 to 999999999999.99"
        ]
    }
    assert response.get_json()["errors"] == refused
    assert shown["status"] == "contacted"


def test_a_deal_value_in_fractions_of_a_cent_is_refused_not_rounded(client, build):
    _sender, fitter, handoff_id = _routed(client, build)
    for to in ("delivered", "accepted", "contacted"):
        move(client, build.headers(fitter), handoff_id, to)

    refused = move(
        client, build.headers(fitter), handoff_id, "won", deal_value={"amount": "1000.005", "currency": "EUR"}
    )
    won = move(
        client, build.headers(fitter), handoff_id, "won", deal_value={"amount": "1000.000", "currency": "EUR"}
    )

    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {
        "deal_value.amount": [
            "must be a decimal string with at most 2 decimal places, more than 0 to 999999999999.99"
        ]
    }
    assert won.status_code == 200
    assert won.get_json()["deal_value"] == {"amount": "1000.00", "currency": "EUR"}


def test_the_sender_recalls_a_handoff_until_it_is_accepted(client, build):
    sender, _fitter, handoff_id = _routed(client, build)
    as_sender = build.headers(sender)

    recalled = move(client, as_sender, handoff_id, "recalled")
    lead_id = recalled.get_json()["lead_id"]
    rerouted = client.post(f"/api/v1/leads/{lead_id}/handoffs", json={}, headers=as_sender)

    assert recalled.status_code == 200
    # Whoever held it once is not offered it again.
    assert rerouted.status_code == 409


def test_an_accepted_handoff_cannot_be_recalled(client, build):
    sender, fitter, handoff_id = _routed(client, build)
    move(client, build.headers(fitter), handoff_id, "delivered")
    move(client, build.headers(fitter), handoff_id, "accepted")

    response = move(client, build.headers(sender), handoff_id, "recalled")

    assert response.status_code == 409


def test_each_side_lists_its_handoffs_by_direction_and_status(client, build):
    sender, fitter, handoff_id = _routed(client, build)

    outgoing = client.get("/api/v1/handoffs?direction=outgoing", headers=build.headers(sender)).get_json()
    incoming = client.get("/api/v1/handoffs?direction=incoming", headers=build.headers(sender)).get_json()
    received = client.get(
        "/api/v1/handoffs?direction=incoming&status=sent", headers=build.headers(fitter)
    ).get_json()
    none_won = client.get("/api/v1/handoffs?status=won", headers=build.headers(fitter)).get_json()

    assert [h["id"] for h in outgoing["items"]] == [handoff_id]
    assert incoming["items"] == []
    assert [(h["id"], h["direction"]) for h in received["items"]] == [(handoff_id, "incoming")]
    assert none_won["items"] == []


def test_every_handoff_route_is_404_for_a_partner_outside_it(client, build):
    _sender, _fitter, handoff_id = _routed(client, build)
    outsider = build.headers(build.partner("Outsider"))

    shown = client.get(f"/api/v1/handoffs/{handoff_id}", headers=outsider)
    moved = move(client, outsider, handoff_id, "delivered")
    listed = client.get("/api/v1/handoffs", headers=outsider).get_json()

    assert shown.status_code == 404
    assert moved.status_code == 404
    assert listed["items"] == []


def test_after_a_recall_the_receiver_sees_that_it_was_recalled_but_not_the_buyer(client, build):
    sender, fitter, handoff_id = _routed(client, build)
    as_fitter = build.headers(fitter)
    before = client.get(f"/api/v1/handoffs/{handoff_id}", headers=as_fitter).get_json()

    move(client, build.headers(sender), handoff_id, "recalled")
    shown = client.get(f"/api/v1/handoffs/{handoff_id}", headers=as_fitter).get_json()
    listed = client.get("/api/v1/handoffs?direction=incoming", headers=as_fitter).get_json()["items"]
    senders_view = client.get(f"/api/v1/handoffs/{handoff_id}", headers=build.headers(sender)).get_json()

    assert before["lead"]["contact"]["email"] == "ada@example.test"
    assert shown["status"] == "recalled"
    assert shown["lead"] == {"id": before["lead_id"], "contact": None, "need": None, "region": None}
    assert shown["warmup_note"] is None
    assert [(e["from"], e["to"]) for e in shown["events"]] == [(None, "sent"), ("sent", "recalled")]
    assert listed == [shown]
    assert senders_view["lead"]["contact"]["email"] == "ada@example.test"
    for detail in ("Ada Buyer", "ada@example.test", "1234", "Ada GmbH", "Six windows"):
        assert detail not in str(shown)
