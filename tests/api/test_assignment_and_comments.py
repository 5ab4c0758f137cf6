"""Through the API: who owns a handoff, the acting side having it, and the two sides' comments."""

from sqlalchemy import select

from partnerhub.core.db import utcnow
from partnerhub.delivery import egress
from partnerhub.delivery import sending as delivery
from partnerhub.models import Delivery
from tests.api.test_handoffs import _routed, move
from tests.api.test_leads import _exchange, lead_body, post_lead


def test_a_handoff_names_its_assignee_and_the_receiver_lists_by_assignee(client, build):
    sender, fitter = _exchange(build)
    rep = build.user(fitter, "rep")
    handoff_id = post_lead(client, build.headers(sender), lead_body()).get_json()["handoffs"][0]["id"]
    as_fitter = build.headers(fitter)

    shown = client.get(f"/api/v1/handoffs/{handoff_id}", headers=as_fitter).get_json()
    mine = client.get(f"/api/v1/handoffs?assignee={rep.id}", headers=as_fitter).get_json()["items"]
    others = client.get(f"/api/v1/handoffs?assignee={rep.id + 1}", headers=as_fitter).get_json()["items"]
    me = client.get("/api/v1/handoffs?assignee=me", headers=as_fitter)
    nonsense = client.get("/api/v1/handoffs?assignee=someone", headers=as_fitter)

    assert shown["assignee"] == {"id": rep.id, "name": rep.name}
    assert [h["id"] for h in mine] == [handoff_id]
    assert others == []
    assert me.status_code == 422
    assert "assignee" in me.get_json()["errors"]
    assert nonsense.status_code == 422


def test_the_receivers_system_reassigns_a_handoff_to_another_rep(client, build):
    _sender, fitter, handoff_id = _routed(client, build)
    other = build.user(fitter, "rep")

    moved = client.post(
        f"/api/v1/handoffs/{handoff_id}/assign", json={"user_id": other.id}, headers=build.headers(fitter)
    )
    unknown = client.post(
        f"/api/v1/handoffs/{handoff_id}/assign",
        json={"user_id": other.id, "why": "x"},
        headers=build.headers(fitter),
    )

    assert moved.status_code == 200
    assert moved.get_json()["assignee"] == {"id": other.id, "name": other.name}
    assert unknown.status_code == 422


def test_the_sender_may_not_reassign_a_handoff_and_to_outsiders_it_is_not_found(client, build):
    sender, fitter, handoff_id = _routed(client, build)
    other = build.user(fitter, "rep")

    def assign(headers):
        body = {"user_id": other.id}
        return client.post(f"/api/v1/handoffs/{handoff_id}/assign", json=body, headers=headers)

    assert assign(build.headers(sender)).status_code == 403
    assert assign(build.headers(build.partner("Outsider"))).status_code == 404


def test_a_receiver_accepting_a_sent_handoff_gets_it_with_delivered_recorded_first(client, build):
    _sender, fitter, handoff_id = _routed(client, build)

    accepted = move(client, build.headers(fitter), handoff_id, "accepted")

    assert accepted.status_code == 200
    assert [(e["from"], e["to"]) for e in accepted.get_json()["events"]] == [
        (None, "sent"),
        ("sent", "delivered"),
        ("delivered", "accepted"),
    ]


def test_the_two_sides_comment_on_a_handoff_and_the_other_side_hears_of_it(client, build, session):
    sender, fitter, handoff_id = _routed(client, build)
    build.endpoint(sender)
    build.endpoint(fitter)

    said = client.post(
        f"/api/v1/handoffs/{handoff_id}/comments",
        json={"text": " Called twice, no answer. "},
        headers=build.headers(fitter),
    )
    replied = client.post(
        f"/api/v1/handoffs/{handoff_id}/comments",
        json={"text": "Try after 4 pm."},
        headers=build.headers(sender),
    )
    listed = client.get(f"/api/v1/handoffs/{handoff_id}/comments", headers=build.headers(sender)).get_json()

    assert said.status_code == 201
    comment = said.get_json()
    assert comment["text"] == "Called twice, no answer."
    assert comment["author"]["partner"] == {"id": fitter.id, "name": "Fitters Co"}
    assert replied.status_code == 201
    assert [c["text"] for c in listed] == ["Called twice, no answer.", "Try after 4 pm."]
    heard = session.scalars(select(Delivery).where(Delivery.event_type == "handoff.commented")).all()
    assert [(d.partner_id, d.payload["data"]["text"]) for d in heard] == [
        (sender.id, "Called twice, no answer."),
        (fitter.id, "Try after 4 pm."),
    ]


def test_comments_are_404_for_a_partner_outside_the_handoff(client, build):
    _sender, _fitter, handoff_id = _routed(client, build)
    outsider = build.headers(build.partner("Outsider"))

    read = client.get(f"/api/v1/handoffs/{handoff_id}/comments", headers=outsider)
    written = client.post(f"/api/v1/handoffs/{handoff_id}/comments", json={"text": "hello"}, headers=outsider)

    assert read.status_code == 404
    assert written.status_code == 404


def test_a_comment_is_1_to_5000_characters_of_more_than_spaces(client, build):
    _sender, fitter, handoff_id = _routed(client, build)
    headers = build.headers(fitter)

    for text in ("", "   ", "x" * 5001):
        refused = client.post(f"/api/v1/handoffs/{handoff_id}/comments", json={"text": text}, headers=headers)
        assert refused.status_code == 422
        assert "text" in refused.get_json()["errors"]


def _heard(session, receiver) -> dict[str, dict]:
    """Send what is due to the real receiver; each event type it got, with its data."""
    with egress.http_session(private_ok=True) as http:
        delivery.deliver_due(session, http=http, now=utcnow())
    assert all(got.verified_by for got in receiver.received)
    return {got.body["type"]: got.body["data"] for got in receiver.received}


def test_the_webhooks_name_the_assignee_and_carry_a_comment_as_the_api_shows_them(
    client, build, session, receiver
):
    sender, fitter = _exchange(build)
    rep = build.user(fitter, "rep")
    receiver.secrets = [
        build.endpoint(fitter, receiver.url).secret,
        build.endpoint(sender, receiver.url).secret,
    ]
    as_fitter = build.headers(fitter)
    handoff_id = post_lead(client, build.headers(sender), lead_body()).get_json()["handoffs"][0]["id"]
    accepted = move(client, as_fitter, handoff_id, "accepted").get_json()
    said = client.post(
        f"/api/v1/handoffs/{handoff_id}/comments", json={"text": "Called, booked a visit."}, headers=as_fitter
    ).get_json()

    heard = _heard(session, receiver)

    assert accepted["assignee"] == {"id": rep.id, "name": rep.name}
    assert heard["handoff.created"]["assignee"] == accepted["assignee"]
    assert heard["handoff.updated"]["assignee"] == accepted["assignee"]
    assert heard["handoff.updated"]["status"] == "accepted"
    assert {k: v for k, v in heard["handoff.commented"].items() if k != "occurred_at"} == said


def _heard_by(session, receiver, sides: dict[str, str]) -> list[tuple[str, str, dict]]:
    """Send what is due to the real receiver; each message as (whose endpoint, type, data), the
    endpoint told apart by the secret that signed it (`sides`: secret -> whose)."""
    with egress.http_session(private_ok=True) as http:
        delivery.deliver_due(session, http=http, now=utcnow())
    return [
        (sides[secret], got.body["type"], got.body["data"])
        for got in receiver.received
        for secret in got.verified_by
    ]


def test_a_reassigned_handoff_tells_the_receivers_system_its_new_owner_and_the_sender_nothing(
    client, build, session, receiver
):
    sender, fitter, handoff_id = _routed(client, build)
    first, second = build.user(fitter, "rep"), build.user(fitter, "rep")
    theirs = build.endpoint(fitter, receiver.url, events=["handoff.updated"]).secret
    ours = build.endpoint(sender, receiver.url).secret
    receiver.secrets = [theirs, ours]
    as_fitter = build.headers(fitter)

    to_first = client.post(
        f"/api/v1/handoffs/{handoff_id}/assign", json={"user_id": first.id}, headers=as_fitter
    )
    to_second = client.post(
        f"/api/v1/handoffs/{handoff_id}/assign", json={"user_id": second.id}, headers=as_fitter
    ).get_json()
    heard = _heard_by(session, receiver, {theirs: "receiver", ours: "sender"})

    assert to_first.status_code == 200
    assert [(whose, kind) for whose, kind, _data in heard] == [
        ("receiver", "handoff.updated"),
        ("receiver", "handoff.updated"),
    ]
    last = max((data for _whose, _kind, data in heard), key=lambda data: data["version"])
    assert last["assignee"] == to_second["assignee"] == {"id": second.id, "name": second.name}
    assert last["version"] == to_second["version"] == 3
    assert (last["id"], last["status"]) == (handoff_id, "sent")
    assert "contact" not in last


def test_a_rep_gone_away_leaves_their_handoffs_to_a_colleague_and_the_receivers_system_hears_it(
    client, build, session, receiver
):
    sender, fitter = _exchange(build)
    owner = build.user(fitter, "rep")
    handoff_id = post_lead(client, build.headers(sender), lead_body()).get_json()["handoffs"][0]["id"]
    colleague = build.user(fitter, "rep")
    theirs = build.endpoint(fitter, receiver.url, events=["handoff.updated"]).secret
    receiver.secrets = [theirs]

    away = client.patch(f"/api/v1/users/{owner.id}", json={"away": True}, headers=build.headers(fitter))
    heard = _heard_by(session, receiver, {theirs: "receiver"})

    assert away.status_code == 200
    assert [(whose, kind, data["id"], data["assignee"]) for whose, kind, data in heard] == [
        ("receiver", "handoff.updated", handoff_id, {"id": colleague.id, "name": colleague.name})
    ]
