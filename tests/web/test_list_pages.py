"""Long lists on pages: searched, filtered, newest first a page at a time, and spoken in words."""

import re
from datetime import timedelta

import pytest

from partnerhub.core.db import utcnow


def _names(html: str) -> list[str]:
    return re.findall(r'<h[23][^>]*><a href="/(?:leads|handoffs)/\d+">([^<]+)</a>', html)


@pytest.mark.usefixtures("either_search_way")
def test_the_leads_page_finds_a_lead_by_the_beginning_of_its_company_in_any_case(build, client, sign_in):
    partner = build.partner()
    build.lead(partner, name="Greta Wolf", company="Hausverwaltung Spree")
    build.lead(partner, name="Hans Berg", company="Berg Bau")
    sign_in(build.user(partner, "rep"))

    page = client.get("/leads?q=HAUSVERW")

    assert _names(page.text) == ["Greta Wolf"]
    assert 'value="HAUSVERW"' in page.text


def test_the_leads_page_filters_by_status_and_date_and_says_when_nothing_matches(build, client, sign_in):
    partner = build.partner()
    now = utcnow()
    build.lead(partner, name="Old Kept", status="not_qualified", created_at=now - timedelta(days=30))
    build.lead(partner, name="New Kept", status="not_qualified", created_at=now)
    build.lead(partner, name="New Routed", status="routed", created_at=now)
    sign_in(build.user(partner, "rep"))
    week_ago = (now - timedelta(days=7)).date().isoformat()

    kept = client.get(f"/leads?status=not_qualified&since={week_ago}")
    none = client.get("/leads?q=nobody")

    assert _names(kept.text) == ["New Kept"]
    assert "No lead matches." in none.text


@pytest.mark.usefixtures("either_search_way")
def test_the_leads_page_shows_fifty_newest_first_and_the_older_ones_behind_a_link_keeping_the_search(
    build, client, sign_in
):
    partner = build.partner()
    leads = [build.lead(partner, name=f"Dora {n:02}") for n in range(51)]
    build.lead(partner, name="Eve")
    sign_in(build.user(partner, "rep"))

    first = client.get("/leads?q=dora")
    older = re.search(r'href="([^"]+)" rel="next"', first.text).group(1).replace("&amp;", "&")
    second = client.get(older)

    assert _names(first.text) == [f"Dora {n:02}" for n in range(50, 0, -1)]
    assert "q=dora" in older
    assert _names(second.text) == [leads[0].contact_name]
    assert 'rel="next"' not in second.text


def test_a_date_the_list_cannot_read_is_named_and_kept_and_the_list_shown_unfiltered(build, client, sign_in):
    partner = build.partner()
    build.lead(partner, name="Greta Wolf")
    sign_in(build.user(partner, "rep"))

    page = client.get("/leads?since=last+week")

    assert page.status_code == 200
    assert "Not a valid date value." in page.text
    assert 'value="last week"' in page.text
    assert _names(page.text) == ["Greta Wolf"]


@pytest.mark.usefixtures("either_search_way")
def test_the_inbox_search_narrows_every_part_and_counts_what_it_found(build, client, sign_in):
    sender, receiver = build.partner("Nordlicht"), build.partner("Montagewerk")
    build.handoff(sender, receiver, name="Greta Wolf")
    build.handoff(sender, receiver, name="Hans Berg")
    build.handoff(sender, receiver, name="Gustav Wolf", status="accepted")
    sign_in(build.user(receiver, "rep"))

    page = client.get("/inbox?q=g")

    assert _names(page.text) == ["Greta Wolf", "Gustav Wolf"]
    assert re.search(r'Waiting for you <span class="count">1</span>', page.text)
    assert re.search(r'In progress <span class="count">1</span>', page.text)


@pytest.mark.usefixtures("either_search_way")
def test_a_searched_inbox_part_says_when_it_found_more_than_it_shows(build, client, sign_in):
    sender, receiver = build.partner("Nordlicht"), build.partner("Montagewerk")
    for n in range(21):
        build.handoff(sender, receiver, name=f"Dora {n:02}")
    build.handoff(sender, receiver, name="Dora Late", status="accepted")
    sign_in(build.user(receiver, "rep"))

    page = client.get("/inbox?q=dora")

    assert re.search(r'Waiting for you <span class="count">20\+</span>', page.text)
    assert re.search(r'In progress <span class="count">1</span>', page.text)
    assert len(_names(page.text)) == 21


def test_the_inbox_filters_by_the_partner_on_the_other_side(build, client, sign_in):
    receiver = build.partner("Montagewerk")
    nordlicht, glasklar = build.partner("Nordlicht"), build.partner("Glasklar")
    build.handoff(nordlicht, receiver, name="Greta Wolf")
    build.handoff(glasklar, receiver, name="Hans Berg")
    sign_in(build.user(receiver, "rep"))

    page = client.get(f"/inbox?partner={glasklar.id}")

    assert _names(page.text) == ["Hans Berg"]
    assert f'<option selected value="{glasklar.id}">Glasklar</option>' in page.text


def test_statuses_are_shown_in_words_never_as_keys(build, client, sign_in):
    sender, receiver = build.partner("Nordlicht"), build.partner("Montagewerk")
    build.lead(sender, name="Kept Back", status="not_qualified")
    build.handoff(sender, receiver, name="Paid Up", status="reward_invoiced")
    sign_in(build.user(sender, "rep"))

    leads = client.get("/leads").text
    inbox = client.get("/inbox").text

    assert "Not qualified" in leads
    assert ">not_qualified<" not in leads
    assert "Reward invoiced" in inbox
    assert ">reward_invoiced<" not in inbox


def test_the_admins_partner_list_counts_reps_and_leads_in_the_right_number(build, client, sign_in):
    build.partner("Solo Montage", sales_reps=1, monthly_leads=1)
    build.partner("Many Hands", sales_reps=12, monthly_leads=300)
    sign_in(build.user(None, "admin"))

    page = client.get("/admin/partners").text

    assert "1 rep · 1 lead a month" in page
    assert "12 reps · 300 leads a month" in page
    assert "1 reps" not in page


def test_the_start_page_counts_what_waits_what_runs_out_rewards_proposals_and_flags(build, client, sign_in):
    receiver, sender = build.partner("Montagewerk"), build.partner("Nordlicht")
    build.handoff(sender, receiver, sent_at=utcnow() - timedelta(hours=46))
    build.handoff(sender, receiver)
    build.handoff(sender, receiver, status="reward_invoiced")
    build.partnership(build.partner("Glasklar"), receiver, status="proposed")
    sign_in(build.user(receiver, "manager"))

    page = client.get("/").text

    assert re.search(r'stat-number">2</span> leads wait for you', page)
    assert re.search(r'stat-number">1</span> due within 4 hours or overdue', page)
    assert re.search(r'stat-number">1</span> reward to confirm', page)
    assert re.search(r'stat-number">1</span> proposal waits for your answer', page)
    assert re.search(r'stat-number">0</span> flags to look at', page)


def test_only_mine_keeps_the_handoffs_assigned_to_the_signed_in_rep(build, client, sign_in, session):
    sender, receiver = build.partner("Nordlicht"), build.partner("Montagewerk")
    me, colleague = build.user(receiver, "rep"), build.user(receiver, "rep")
    mine = build.handoff(sender, receiver, name="Greta Wolf")
    theirs = build.handoff(sender, receiver, name="Hans Berg")
    mine.assignee_id, theirs.assignee_id = me.id, colleague.id
    session.commit()
    sign_in(me)

    page = client.get("/inbox?mine=y")

    assert _names(page.text) == ["Greta Wolf"]


def test_deliveries_are_paged_newest_first_and_their_tries_counted_in_words(build, client, sign_in, session):
    from partnerhub.models import Delivery

    partner = build.partner("Nordlicht")
    endpoint = build.endpoint(partner)
    for n in range(51):
        session.add(
            Delivery(
                partner_id=partner.id,
                endpoint_id=endpoint.id,
                event_type="handoff.created",
                message_id=f"msg_{n}",
                payload={},
                status="dead" if n == 0 else "delivered",
                attempts=1,
            )
        )
    session.commit()
    sign_in(build.user(partner, "manager"))

    first = client.get("/integrations").text
    older = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = client.get(older).text

    assert first.count('data-label="Outcome"') == 50
    assert "Given up after 1 try" in second
    assert "1 tries" not in second
