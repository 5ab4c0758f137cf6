"""GET /follow-ups and POST /follow-ups/{id}: after-sale follow-ups a win schedules for the receiver."""

from datetime import datetime, timedelta

from sqlalchemy import select

from partnerhub.models import Partnership
from tests.api.test_referrals import _exchange, won_handoff


def _follow_ups(client, headers, query=""):
    return client.get(f"/api/v1/follow-ups{query}", headers=headers).get_json()


def record(client, headers, follow_up_id, **body):
    return client.post(f"/api/v1/follow-ups/{follow_up_id}", json=body, headers=headers)


def test_a_win_schedules_follow_ups_7_14_30_and_60_days_after_it_by_default(client, build):
    sender, fitter, _glazier = _exchange(build)
    handoff_id = won_handoff(client, build, sender, fitter)
    won_at = client.get(f"/api/v1/handoffs/{handoff_id}", headers=build.headers(fitter)).get_json()[
        "timestamps"
    ]["won"]

    items = _follow_ups(client, build.headers(fitter), "?status=due")["items"]

    assert sorted(f["day"] for f in items) == [7, 14, 30, 60]
    assert {(f["handoff_id"], f["status"], f["outcome"], f["direction"]) for f in items} == {
        (handoff_id, "due", None, "incoming")
    }
    for f in items:
        due = datetime.fromisoformat(f["due_at"]) - datetime.fromisoformat(won_at)
        assert due == timedelta(days=f["day"])


def test_a_partnership_follows_up_on_its_own_days(client, build, session):
    sender, fitter, _glazier = _exchange(build)
    partnership = session.scalar(select(Partnership).where(Partnership.proposer_id == sender.id))
    partnership.follow_up_days = [3, 90]
    session.commit()

    won_handoff(client, build, sender, fitter)

    items = _follow_ups(client, build.headers(fitter))["items"]
    assert sorted(f["day"] for f in items) == [3, 90]


def test_a_handoff_not_won_has_no_follow_ups(client, build):
    sender, fitter, _glazier = _exchange(build)
    won_handoff(client, build, sender, fitter, to="contacted")

    assert _follow_ups(client, build.headers(fitter))["items"] == []


def test_the_receiver_records_a_follow_up_done_with_its_outcome_once(client, build):
    sender, fitter, _glazier = _exchange(build)
    won_handoff(client, build, sender, fitter)
    as_fitter = build.headers(fitter)
    first = _follow_ups(client, as_fitter)["items"][-1]

    done = record(client, as_fitter, first["id"], status="done", outcome="satisfied")
    again = record(client, as_fitter, first["id"], status="skipped")

    assert done.status_code == 200
    assert (done.get_json()["status"], done.get_json()["outcome"]) == ("done", "satisfied")
    assert done.get_json()["done_at"] is not None
    assert again.status_code == 409
    assert again.get_json()["current_status"] == "done"
    remaining = _follow_ups(client, as_fitter, "?status=due")["items"]
    assert first["id"] not in [f["id"] for f in remaining]
    assert len(remaining) == 3


def test_a_skipped_follow_up_has_no_outcome_and_a_done_one_needs_one(client, build):
    sender, fitter, _glazier = _exchange(build)
    won_handoff(client, build, sender, fitter)
    as_fitter = build.headers(fitter)
    first, second, *_ = _follow_ups(client, as_fitter)["items"]

    skipped = record(client, as_fitter, first["id"], status="skipped")
    skipped_with_outcome = record(client, as_fitter, second["id"], status="skipped", outcome="issue")
    done_without = record(client, as_fitter, second["id"], status="done")
    back_to_due = record(client, as_fitter, second["id"], status="due")

    assert (skipped.status_code, skipped.get_json()["outcome"]) == (200, None)
    assert skipped_with_outcome.status_code == 422
    assert "outcome" in skipped_with_outcome.get_json()["errors"]
    assert done_without.status_code == 422
    assert "outcome" in done_without.get_json()["errors"]
    assert back_to_due.status_code == 422


def test_the_sender_reads_the_follow_ups_of_what_it_sent_and_changes_none(client, build):
    sender, fitter, _glazier = _exchange(build)
    won_handoff(client, build, sender, fitter)
    as_sender = build.headers(sender)
    first = _follow_ups(client, build.headers(fitter))["items"][0]
    record(client, build.headers(fitter), first["id"], status="done", outcome="referral")

    seen = _follow_ups(client, as_sender)["items"]
    outgoing = _follow_ups(client, as_sender, "?direction=outgoing&status=done")["items"]
    incoming = _follow_ups(client, as_sender, "?direction=incoming")["items"]
    response = record(client, as_sender, first["id"], status="skipped")

    assert {f["direction"] for f in seen} == {"outgoing"}
    assert [(f["id"], f["outcome"]) for f in outgoing] == [(first["id"], "referral")]
    assert incoming == []
    assert response.status_code == 403


def test_another_partners_follow_up_is_not_found(client, build):
    sender, fitter, glazier = _exchange(build)
    won_handoff(client, build, sender, fitter)
    follow_up = _follow_ups(client, build.headers(fitter))["items"][0]

    response = record(client, build.headers(glazier), follow_up["id"], status="skipped")

    assert response.status_code == 404
    assert _follow_ups(client, build.headers(glazier))["items"] == []


def test_follow_ups_come_a_page_at_a_time(client, build):
    sender, fitter, _glazier = _exchange(build)
    won_handoff(client, build, sender, fitter)
    as_fitter = build.headers(fitter)

    first = _follow_ups(client, as_fitter, "?limit=3")
    rest = _follow_ups(client, as_fitter, f"?limit=3&cursor={first['next_cursor']}")

    assert len(first["items"]) == 3
    assert len(rest["items"]) == 1
    assert rest["next_cursor"] is None


def _propose(client, headers, partner_id, days):
    terms = {"reward_type": "percent", "reward_value": "10", "follow_up_days": days}
    return client.post(
        "/api/v1/partnerships", json={"partner_id": partner_id, "terms": terms}, headers=headers
    )


def test_the_follow_up_days_are_part_of_the_terms_kept_in_order(client, build):
    a, b = build.partner("A"), build.partner("B")

    response = _propose(client, build.headers(a), b.id, [30, 5, 90])

    assert response.status_code == 201
    assert response.get_json()["terms"]["follow_up_days"] == [5, 30, 90]


def test_follow_up_days_are_each_within_a_year_at_most_six_each_once(client, build):
    a, b = build.partner("A"), build.partner("B")
    headers = build.headers(a)

    refused = {
        "zero": _propose(client, headers, b.id, [0, 7]),
        "past a year": _propose(client, headers, b.id, [366]),
        "seven": _propose(client, headers, b.id, [1, 2, 3, 4, 5, 6, 7]),
        "twice": _propose(client, headers, b.id, [7, 7]),
    }

    assert {why: r.status_code for why, r in refused.items()} == dict.fromkeys(refused, 422)
    assert all("terms.follow_up_days" in str(r.get_json()["errors"]) for r in refused.values())


def test_amended_follow_up_days_apply_to_handoffs_sent_after_they_are_accepted(client, build, session):
    sender, fitter, _glazier = _exchange(build)
    partnership = session.scalar(select(Partnership).where(Partnership.proposer_id == sender.id))
    terms = {"reward_type": "percent", "reward_value": "10", "follow_up_days": [10]}
    proposed = client.post(
        f"/api/v1/partnerships/{partnership.id}/terms", json={"terms": terms}, headers=build.headers(sender)
    )
    client.post(
        f"/api/v1/partnerships/{partnership.id}/terms/{proposed.get_json()['version']}/accept",
        headers=build.headers(fitter),
    )

    won_handoff(client, build, sender, fitter)

    assert proposed.get_json()["follow_up_days"] == [10]
    assert [f["day"] for f in _follow_ups(client, build.headers(fitter))["items"]] == [10]
