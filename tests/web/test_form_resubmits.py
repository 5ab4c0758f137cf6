"""Forms that create something, posted twice (a double click, a reload): the same form creates once
and both answers lead to it; the form rendered twice creates twice."""

import re
import threading

import pytest
from sqlalchemy import func, select

from partnerhub.models import ApiClient, HandoffComment, Lead, ProductLine, WebhookEndpoint
from tests.domain.test_follow_ups import _won
from tests.web.conftest import csrf_token

_KEY = re.compile(r'name="idempotency_key" type="hidden" value="([^"]+)"')
REFERRAL = {"name": "Ben Neighbour", "email": "ben@example.test", "category": "windows", "consent": "y"}


def _form(html: str, action: str = "") -> dict:
    """The hidden fields of a rendered form (the one posting to `action`, on a page of several): its
    CSRF token and its one-time key."""
    html = html[html.index(f'action="{action}"') :] if action else html
    return {"csrf_token": csrf_token(html), "idempotency_key": _KEY.search(html).group(1)}


def _referrals(session, handoff) -> int:
    return session.scalar(
        select(func.count()).select_from(Lead).where(Lead.referred_from_handoff_id == handoff.id)
    )


def test_a_referral_form_posted_twice_records_one_lead_and_both_answers_lead_to_it(
    build, client, sign_in, session
):
    handoff, owner, _other, _actor = _won(session, build)
    build.category("windows")
    sign_in(owner)
    form = _form(client.get(f"/handoffs/{handoff.id}").text)

    first = client.post(f"/handoffs/{handoff.id}/referrals", data={**REFERRAL, **form})
    again = client.post(f"/handoffs/{handoff.id}/referrals", data={**REFERRAL, **form})

    assert first.status_code == again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert _referrals(session, handoff) == 1


def test_a_referral_refused_keeps_its_key_and_goes_through_once_corrected(build, client, sign_in, session):
    handoff, owner, _other, _actor = _won(session, build)
    build.category("windows")
    sign_in(owner)
    form = _form(client.get(f"/handoffs/{handoff.id}").text)

    refused = client.post(f"/handoffs/{handoff.id}/referrals", data={**REFERRAL, **form, "email": "ben@"})
    corrected = client.post(f"/handoffs/{handoff.id}/referrals", data={**REFERRAL, **form})
    again = client.post(f"/handoffs/{handoff.id}/referrals", data={**REFERRAL, **form})

    assert refused.status_code == 422
    assert _form(refused.text)["idempotency_key"] == form["idempotency_key"]
    assert corrected.status_code == again.status_code == 303
    assert again.headers["Location"] == corrected.headers["Location"]
    assert _referrals(session, handoff) == 1


def test_the_referral_form_rendered_twice_records_two_referrals(build, client, sign_in, session):
    handoff, owner, _other, _actor = _won(session, build)
    build.category("windows")
    sign_in(owner)

    answers = [
        client.post(
            f"/handoffs/{handoff.id}/referrals",
            data={**REFERRAL, **_form(client.get(f"/handoffs/{handoff.id}").text)},
        )
        for _ in range(2)
    ]

    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["Location"] != answers[1].headers["Location"]
    assert _referrals(session, handoff) == 2


def test_the_same_rendered_form_sent_back_and_changed_records_the_change_once(
    build, client, sign_in, session
):
    handoff, owner, _other, _actor = _won(session, build)
    build.category("windows")
    sign_in(owner)
    form = _form(client.get(f"/handoffs/{handoff.id}").text)
    changed = {**REFERRAL, **form, "name": "Cleo Neighbour", "email": "cleo@example.test"}

    first = client.post(f"/handoffs/{handoff.id}/referrals", data={**REFERRAL, **form})
    other = client.post(f"/handoffs/{handoff.id}/referrals", data=changed)
    other_again = client.post(f"/handoffs/{handoff.id}/referrals", data=changed)

    assert first.headers["Location"] != other.headers["Location"]
    assert other_again.headers["Location"] == other.headers["Location"]
    assert _referrals(session, handoff) == 2


def test_the_new_lead_form_posted_twice_adds_one_lead_and_rendered_twice_adds_two(
    build, client, sign_in, session
):
    sender = build.partner("Windows Co", lines=["windows"])
    build.category("window-installation")
    sign_in(build.user(sender, "rep"))
    lead = {
        "name": "Ada Buyer",
        "email": "ada@example.test",
        "category": "window-installation",
        "consent": "y",
    }
    form = _form(client.get("/leads/new").text)

    first = client.post("/leads/new", data={**lead, **form})
    again = client.post("/leads/new", data={**lead, **form})
    rendered_again = client.post("/leads/new", data={**lead, **_form(client.get("/leads/new").text)})

    assert first.status_code == again.status_code == rendered_again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert rendered_again.headers["Location"] != first.headers["Location"]
    assert session.scalar(select(func.count()).select_from(Lead).where(Lead.partner_id == sender.id)) == 2


@pytest.mark.postgres_only
def test_a_double_click_waits_for_the_first_post_and_goes_where_it_went(build, client, sign_in, session):
    handoff, owner, _other, _actor = _won(session, build)
    build.category("windows")
    sign_in(owner)
    form = _form(client.get(f"/handoffs/{handoff.id}").text)
    both = threading.Barrier(2)
    answers: list = [None, None]

    def click(i):
        both.wait()
        answers[i] = client.post(f"/handoffs/{handoff.id}/referrals", data={**REFERRAL, **form})

    clicks = [threading.Thread(target=click, args=(i,)) for i in range(2)]
    for thread in clicks:
        thread.start()
    for thread in clicks:
        thread.join()

    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert _referrals(session, handoff) == 1


def _comment(session, build):
    maker, fitter = build.partner("Window Maker"), build.partner("Fitter", lines=["glazing"])
    handoff = build.handoff(maker, fitter)
    page = f"/handoffs/{handoff.id}"
    return build.user(maker, "rep"), page, f"{page}/comments", {"text": "Called them back."}, HandoffComment


def _api_client(session, build):
    manager = build.user(build.partner(), "manager")
    return manager, "/integrations", "/integrations/clients", {"name": "CRM sync"}, ApiClient


def _endpoint(session, build):
    manager = build.user(build.partner(), "manager")
    hook = {"url": "http://127.0.0.1:9/hook", "events": ["handoff.created"]}
    return manager, "/integrations", "/integrations/endpoints", hook, WebhookEndpoint


def _product_line(session, build):
    build.category("windows")
    manager = build.user(build.partner(), "manager")
    return manager, "/lines/new", "/lines/new", {"category": "windows", "name": "Triple glazing"}, ProductLine


@pytest.mark.parametrize("creating", [_comment, _api_client, _endpoint, _product_line])
def test_a_creating_form_posted_twice_creates_once_and_rendered_twice_creates_twice(
    creating, build, client, sign_in, session
):
    user, page, action, typed, model = creating(session, build)
    sign_in(user)
    before = session.scalar(select(func.count()).select_from(model))
    form = _form(client.get(page).text, action)

    first = client.post(action, data={**typed, **form})
    again = client.post(action, data={**typed, **form})
    rendered_again = client.post(action, data={**typed, **_form(client.get(page).text, action)})

    assert first.status_code == again.status_code == rendered_again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert session.scalar(select(func.count()).select_from(model)) == before + 2


def test_a_refused_comment_keeps_what_was_typed_and_its_key(build, client, sign_in, session):
    owner, page, action, _typed, _model = _comment(session, build)
    sign_in(owner)
    form = _form(client.get(page).text, action)

    refused = client.post(action, data={"text": "x" * 5001, **form})

    assert refused.status_code == 422
    assert _form(refused.text, action)["idempotency_key"] == form["idempotency_key"]
    assert "x" * 5001 in refused.text
