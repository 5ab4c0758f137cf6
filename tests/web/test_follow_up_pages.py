"""Follow-ups and referrals on the pages: the rep's list and to-dos, recording them, the referral form,
and what the sender reads of them."""

import re

import pytest

from partnerhub.exchange import follow_ups, referrals
from tests.domain.test_follow_ups import _won
from tests.web.conftest import csrf_token


def _names(html: str) -> list[str]:
    return re.findall(r'<h2 class="h3"><a href="/handoffs/\d+#follow-ups">([^<]+)</a>', html)


@pytest.mark.usefixtures("either_search_way")
def test_the_rep_finds_follow_ups_by_the_customers_name_and_status(build, client, sign_in, session):
    handoff, owner, _other, actor = _won(session, build)
    day_7 = follow_ups.of_handoff(session, handoff=handoff)[0]
    follow_ups.record_follow_up(session, follow_up=day_7, actor=actor, status="skipped")
    session.commit()
    sign_in(owner)
    name = handoff.lead.contact_name

    found = client.get(f"/follow-ups?q={name[:3].lower()}&status=due")
    skipped = client.get("/follow-ups?status=skipped")
    nobody = client.get("/follow-ups?q=zzz")

    assert _names(found.text) == [name] * 3
    assert _names(skipped.text) == [name]
    assert "No follow-up matches." in nobody.text


def test_the_home_page_counts_the_reps_follow_ups_due_today_or_overdue(build, client, sign_in, session):
    _handoff, owner, _other, _actor = _won(session, build)
    sign_in(owner)

    home = client.get("/")

    # Won on 2 Nov 2026: days 7, 14 and 30 have passed, day 60 has not.
    assert re.search(r'stat-number">3</span> follow-ups with won customers due today or overdue', home.text)


def test_a_follow_up_done_with_a_referral_leads_to_the_referral_form_which_keeps_what_was_typed(
    build, client, sign_in, session
):
    handoff, owner, _other, _actor = _won(session, build)
    build.category("windows")
    day_7 = follow_ups.of_handoff(session, handoff=handoff)[0]
    sign_in(owner)
    token = csrf_token(client.get(f"/handoffs/{handoff.id}").text)

    done = client.post(
        f"/follow-ups/{day_7.id}", data={"status": "done", "outcome": "referral", "csrf_token": token}
    )
    refused = client.post(
        f"/handoffs/{handoff.id}/referrals",
        data={
            "name": "Ben Neighbour",
            "email": "ben@",
            "category": "windows",
            "consent": "y",
            "csrf_token": token,
        },
    )
    recorded = client.post(
        f"/handoffs/{handoff.id}/referrals",
        data={
            "name": "Ben Neighbour",
            "email": "ben@example.test",
            "category": "windows",
            "consent": "y",
            "csrf_token": token,
        },
    )
    lead_page = client.get(recorded.headers["Location"])

    assert done.status_code == 303
    assert done.headers["Location"].endswith(f"/handoffs/{handoff.id}#referral")
    assert refused.status_code == 422
    assert 'value="Ben Neighbour"' in refused.text
    assert 'aria-invalid="true"' in refused.text
    assert recorded.status_code == 303
    assert "Referred by a won customer" in lead_page.text
    assert "from a referral" in lead_page.text


def test_the_sender_reads_how_each_follow_up_went_and_what_came_of_referrals_but_not_whom(
    build, client, sign_in, session
):
    handoff, _owner, _other, actor = _won(session, build)
    build.category("windows")
    day_14 = follow_ups.of_handoff(session, handoff=handoff)[1]
    follow_ups.record_follow_up(session, follow_up=day_14, actor=actor, status="done", outcome="satisfied")
    referrals.record_referral(
        session,
        handoff=handoff,
        actor=actor,
        contact={"name": "Ben Neighbour", "email": "ben@example.test"},
        need={"category": "windows", "text": ""},
        consent=True,
    )
    session.commit()
    sign_in(build.user(handoff.from_partner, "rep"))

    page = client.get(f"/handoffs/{handoff.id}")

    assert "Followed up on day 14: satisfied" in page.text
    assert "The customer referred 1 lead to Fitter" in page.text
    assert "Ben Neighbour" not in page.text
    assert "Record the referral" not in page.text
    assert "Done…" not in page.text


def test_follow_up_days_are_part_of_the_terms_a_manager_proposes_and_typing_them_wrong_keeps_them(
    build, client, sign_in
):
    me, other = build.partner("Me"), build.partner("Other")
    sign_in(build.user(me, "manager"))
    token = csrf_token(client.get("/partnerships/new").text)
    terms = {
        "partner_id": other.id,
        "reward_type": "percent",
        "reward_value": "10",
        "currency": "EUR",
        "rep_share_percent": "20",
        "accept_sla_hours": "48",
        "csrf_token": token,
    }

    refused = client.post("/partnerships/new", data={**terms, "follow_up_days": "7, soon"})
    out_of_range = client.post("/partnerships/new", data={**terms, "follow_up_days": "7, 400"})
    proposed = client.post("/partnerships/new", data={**terms, "follow_up_days": "30, 10"})
    shown = client.get(proposed.headers["Location"])

    assert refused.status_code == 422
    assert 'value="7, soon"' in refused.text
    assert out_of_range.status_code == 422
    assert "from 1 to 365" in out_of_range.text
    assert "on days 10 and 30" in shown.text


def test_the_balance_and_the_partnership_page_count_the_referrals_a_partnerships_customers_gave(
    build, client, sign_in, session
):
    handoff, _owner, _other, actor = _won(session, build)
    build.category("windows")
    referrals.record_referral(
        session,
        handoff=handoff,
        actor=actor,
        contact={"name": "Ben Neighbour", "email": "ben@example.test"},
        need={"category": "windows", "text": ""},
        consent=True,
    )
    session.commit()
    sign_in(build.user(handoff.from_partner, "manager"))

    balance = client.get("/balance")
    story = client.get(f"/partnerships/{handoff.partnership_id}")

    assert re.search(r"Referrals from your leads' customers\">1 <span", balance.text)
    assert re.search(r'data-label="Referrals">1 <span class="muted small">from yours, 0 from', story.text)
