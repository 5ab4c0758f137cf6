"""GET /handoffs narrowed by the buyer's contact and by the time handoffs were sent, page by page."""

from datetime import timedelta

import pytest

from partnerhub.core.db import utcnow
from tests.api.test_handoffs import _routed
from tests.api.test_leads import recorded_statements


@pytest.fixture
def pair(build):
    sender = build.partner("Windows Co")
    fitter = build.partner("Fitters Co")
    return sender, fitter


def _ids(client, headers, query):
    response = client.get(f"/api/v1/handoffs?{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return [h["id"] for h in response.get_json()["items"]]


@pytest.mark.usefixtures("either_search_way")
def test_q_finds_handoffs_by_the_beginning_of_the_contacts_name_company_email_or_phone_in_any_case(
    client, build, pair
):
    sender, fitter = pair
    ada = build.handoff(sender, fitter, name="Ada  Lovelace", company="Engines Ltd", email="ada@calc.test")
    bob = build.handoff(sender, fitter, name="Bob Builder", company="Ada Homes", phone="+49 30 555 01")
    carl = build.handoff(sender, fitter, name="Carl", email="CARL@Example.test", phone="+49 40 777")
    headers = build.headers(fitter)

    assert _ids(client, headers, "q=ada") == [bob.id, ada.id]
    assert _ids(client, headers, "q=ADA%20lovelace") == [ada.id]
    assert _ids(client, headers, "q=engines") == [ada.id]
    assert _ids(client, headers, "q=carl@example") == [carl.id]
    assert _ids(client, headers, "q=4930%20555") == [bob.id]
    assert _ids(client, headers, "q=lovelace") == []


@pytest.mark.usefixtures("either_search_way")
def test_a_lead_posted_by_api_is_found_at_once_by_both_sides_by_its_contact(client, build):
    sender, fitter, handoff_id = _routed(client, build)

    for side in (sender, fitter):
        assert _ids(client, build.headers(side), "q=ada%20buyer") == [handoff_id]
        assert _ids(client, build.headers(side), "q=ADA%20gmbh") == [handoff_id]
        assert _ids(client, build.headers(side), "q=ada@example") == [handoff_id]
        assert _ids(client, build.headers(side), "q=4930%2012") == [handoff_id]
    assert _ids(client, build.headers(build.partner("Outsider")), "q=ada") == []


def test_since_and_until_keep_the_handoffs_sent_inside_the_window(client, build, pair):
    sender, fitter = pair
    now = utcnow()
    old = build.handoff(sender, fitter, sent_at=now - timedelta(days=10))
    recent = build.handoff(sender, fitter, sent_at=now - timedelta(days=2))
    headers = build.headers(sender)
    week_ago = (now - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")

    assert _ids(client, headers, f"since={week_ago}") == [recent.id]
    assert _ids(client, headers, f"until={week_ago}") == [old.id]
    # A time without a zone is UTC.
    assert _ids(client, headers, f"since={week_ago[:-1]}") == [recent.id]


@pytest.mark.usefixtures("either_search_way")
def test_a_search_pages_with_the_cursor_it_returns(client, build, pair):
    sender, fitter = pair
    found = [build.handoff(sender, fitter, name=f"Dora {n}") for n in range(3)]
    build.handoff(sender, fitter, name="Eve")
    headers = build.headers(fitter)

    first = client.get("/api/v1/handoffs?q=dora&limit=2", headers=headers).get_json()
    second = client.get(f"/api/v1/handoffs?q=dora&limit=2&cursor={first['next_cursor']}", headers=headers)

    assert [h["id"] for h in first["items"]] == [found[2].id, found[1].id]
    assert [h["id"] for h in second.get_json()["items"]] == [found[0].id]
    assert second.get_json()["next_cursor"] is None


@pytest.mark.parametrize(("query", "field"), [("since=yesterday", "since"), ("q=" + "a" * 201, "q")])
def test_a_time_or_search_it_cannot_read_is_422_naming_the_field(client, build, pair, query, field):
    response = client.get(f"/api/v1/handoffs?{query}", headers=build.headers(pair[0]))

    assert response.status_code == 422
    assert field in str(response.get_json())


@pytest.mark.usefixtures("either_search_way")
def test_after_a_recall_only_the_sender_finds_the_handoff_by_its_contact(client, build, pair):
    sender, fitter = pair
    handoff = build.handoff(sender, fitter, name="Ada Lovelace", phone="+49 30 555 01")
    recalled = client.post(
        f"/api/v1/handoffs/{handoff.id}/transitions", json={"to": "recalled"}, headers=build.headers(sender)
    )

    assert recalled.status_code == 200
    assert _ids(client, build.headers(sender), "q=ada") == [handoff.id]
    assert _ids(client, build.headers(fitter), "q=ada") == []
    assert _ids(client, build.headers(fitter), "q=4930555") == []
    # It is still in the receiver's list, as a recalled handoff with no contact.
    assert _ids(client, build.headers(fitter), "status=recalled") == [handoff.id]


@pytest.mark.usefixtures("either_search_way")
def test_search_never_reaches_another_partners_handoffs(client, build, pair):
    sender, fitter = pair
    build.handoff(sender, fitter, name="Ada")

    assert _ids(client, build.headers(build.partner("Outsider")), "q=ada") == []


def test_a_page_of_handoffs_reads_its_reps_with_it_whatever_their_number(client, build, pair, session):
    sender, fitter = pair
    for n in range(6):
        handoff = build.handoff(sender, fitter, name=f"Dora {n}")
        handoff.assignee_id = build.user(fitter, "rep").id
    session.commit()
    headers = build.headers(fitter)
    client.get("/api/v1/handoffs", headers=headers)

    with recorded_statements() as sent:
        page = client.get("/api/v1/handoffs", headers=headers).get_json()

    assert len({h["assignee"]["id"] for h in page["items"]}) == 6
    assert not [statement for _, statement in sent if statement.lstrip().startswith("SELECT users.")]
