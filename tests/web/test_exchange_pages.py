"""The exchange in a real browser: one-click hand-off, accepting in the inbox, the manager's dashboard."""

from datetime import timedelta

from sqlalchemy import select

from partnerhub.core.db import utcnow
from partnerhub.models import Handoff
from partnerhub.reports import flags
from tests.web.conftest import screenshot


def _history(build, partnership, sender, days_ago: int, *steps: str, deal_value: str | None = None):
    sent = utcnow() - timedelta(days=days_ago)
    timeline = [("sent", sent)] + [(s, sent + timedelta(hours=6 * (i + 1))) for i, s in enumerate(steps)]
    reward = None if deal_value is None else f"{float(deal_value) * 0.05:.2f}"
    build.handoff_through(partnership, sender, timeline, deal_value=deal_value, reward_amount=reward)


def test_a_rep_hands_off_in_one_click_the_receiver_accepts_and_the_manager_sees_balance_and_flag(
    build, open_as, session, live_server
):
    build.complement("windows", "window-installation")
    nordlicht = build.partner("Nordlicht Fenster", sales_reps=40, monthly_leads=400, lines=["windows"])
    montagewerk = build.partner("Montagewerk Berlin", sales_reps=5, monthly_leads=50)
    build.line(montagewerk, "window-installation", warmup_script="RAL-compliant sealing; done in one day.")
    glasklar = build.partner("Glasklar Montage", sales_reps=1, monthly_leads=8, lines=["window-installation"])
    with_montagewerk = build.partnership(nordlicht, montagewerk)
    with_glasklar = build.partnership(nordlicht, glasklar, accept_sla_hours=1)
    for days in (80, 60, 40, 20):
        _history(
            build,
            with_montagewerk,
            nordlicht,
            days,
            "delivered",
            "accepted",
            "contacted",
            "won",
            deal_value="4200",
        )
        _history(build, with_montagewerk, montagewerk, days + 3, "delivered", "accepted")
    for days in range(5, 60, 5):
        _history(build, with_glasklar, nordlicht, days, "expired")
    lead = build.lead(nordlicht, category="window-installation", region="DE-BE")
    lead.contact_name, lead.contact_company = "Greta Wolf", "Hausverwaltung Spree"
    flags.refresh_flags(session, now=utcnow())
    session.commit()
    nordlicht_rep = build.user(nordlicht, "rep")
    receiving_rep = build.user(montagewerk, "rep")
    manager = build.user(nordlicht, "manager")

    sender = open_as(nordlicht_rep)
    sender.get_by_role("navigation", name="Main").get_by_role("link", name="Leads").click()
    screenshot(sender, "rep-leads")
    sender.get_by_role("button", name="Hand off Greta Wolf").click()
    handed = sender.get_by_role("status").first.inner_text()
    warmup_shown = sender.get_by_role("heading", name="Warm-up sent to Montagewerk Berlin").is_visible()
    receiver = open_as(receiving_rep)
    receiver.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
    note = receiver.locator(".handoff .script").first.inner_text()
    time_left = receiver.locator(".sla").first.inner_text()
    screenshot(receiver, "rep-inbox")
    receiver.get_by_role("button", name="Accept: Greta Wolf").click()
    accepted = receiver.get_by_role("status").first.inner_text()
    dashboard = open_as(manager)
    dashboard.get_by_role("navigation", name="Main").get_by_role("link", name="Balance").click()
    sent_to_montagewerk = (
        dashboard.locator("tr", has_text="Montagewerk Berlin").locator("td[data-label=Sent]").inner_text()
    )
    flag_sentences = dashboard.locator(".flag-sentence").all_inner_texts()
    chart = dashboard.get_by_role("img", name="Leads sent and received per partnership")
    screenshot(dashboard, "manager-dashboard")
    csv = dashboard.request.get(f"{live_server}/balance.csv?period=90")

    session.expire_all()
    handoff = session.scalars(select(Handoff).where(Handoff.lead_id == lead.id)).one()
    assert handed == (
        "Lead of Greta Wolf handed to Montagewerk Berlin, the best fit of 2 partners that could take it."
    )
    assert warmup_shown
    assert "Greta Wolf (Hausverwaltung Spree) is looking for" in note
    assert "RAL-compliant sealing" in note
    assert time_left.endswith("left")
    assert accepted == "Lead of Greta Wolf accepted."
    assert (handoff.to_partner_id, handoff.status, handoff.passed_by_user_id) == (
        montagewerk.id,
        "accepted",
        nordlicht_rep.id,
    )
    assert sent_to_montagewerk == "5"
    assert chart.count() == 1
    assert any(
        "Nordlicht Fenster has 40 sales reps and expects 400 leads a month; Glasklar Montage has 1" in s
        for s in flag_sentences
    )
    assert (
        "Nordlicht Fenster sent 11 leads to Glasklar Montage in 90 days, Glasklar Montage sent 0 back."
        in (flag_sentences)
    )
    assert csv.status == 200
    assert "Montagewerk Berlin,outgoing,90,5" in csv.text()


def test_a_hand_off_nobody_can_take_shows_the_reasons(build, open_as):
    partner = build.partner("Lonely Windows", lines=["windows"])
    lead = build.lead(partner, category="roofing")
    lead.contact_name = "Ida Klein"
    page = open_as(build.user(partner, "rep"))

    page.goto("/leads")
    page.get_by_role("button", name="Hand off Ida Klein").click()
    messages = page.get_by_role("alert").all_inner_texts()

    assert messages[0] == "No partner can take this lead."
    assert messages[1].startswith("No active partnership with a partner whose product line fits")


def test_a_user_of_one_partner_gets_404_on_another_partners_handoff_and_lead(build, open_as):
    mine, theirs, third = build.partner(), build.partner(), build.partner()
    their_handoff = build.handoff(theirs, third)
    page = open_as(build.user(mine, "manager"))

    handoff_response = page.goto(f"/handoffs/{their_handoff.id}")
    lead_response = page.goto(f"/leads/{their_handoff.lead_id}")

    assert handoff_response.status == 404
    assert lead_response.status == 404


def test_a_manager_reads_the_net_position_acknowledges_a_flag_and_opens_a_partnerships_story(
    build, open_as, session
):
    nordlicht = build.partner("Nordlicht Fenster", sales_reps=40, monthly_leads=400, revenue_band="50m_250m")
    glasklar = build.partner("Glasklar Montage", sales_reps=1, monthly_leads=8, revenue_band="under_1m")
    with_glasklar = build.partnership(nordlicht, glasklar)
    for days in (50, 40, 30, 20):
        _history(
            build,
            with_glasklar,
            nordlicht,
            days,
            "delivered",
            "accepted",
            "contacted",
            "won",
            "reward_invoiced",
            deal_value="4000",
        )
    for days in range(5, 40, 5):
        _history(build, with_glasklar, nordlicht, days, "expired")
    session.commit()
    page = open_as(build.user(nordlicht, "manager"))

    page.goto("/balance?period=90")
    net = page.get_by_role("region", name="Net position, last 90 days")
    owed = net.locator("dt:text-is('Rewards owed to you') + dd").inner_text()
    unpaid = net.locator("dt:text-is('Invoiced to partners, unpaid') + dd").inner_text()
    agent_like = page.locator(".flag", has_text="Agent-like")
    sentence = agent_like.locator(".flag-sentence").inner_text()
    action = agent_like.locator(".flag-action").inner_text()
    agent_like.locator("summary", has_text="Acknowledge").click()
    agent_like.get_by_label("Note for your team").fill("Glasklar works only for us; agent contract drafted")
    agent_like.get_by_role("button", name="Acknowledge Agent-like").click()
    confirmed = page.get_by_role("status").first.inner_text()
    seen = page.locator(".flag.flag-seen", has_text="Agent-like").locator("p.small.muted").inner_text()
    screenshot(page, "manager-balance-net-position")
    page.get_by_role("link", name="Glasklar Montage").first.click()
    months = (
        page.get_by_role("table", name="Month by month with Glasklar Montage").locator("tbody tr").count()
    )
    page.get_by_label("Status").select_option(label="expired")
    page.get_by_role("button", name="Search").click()
    statuses = set(page.locator("td[data-label=Status]").all_inner_texts())
    story_flags = page.get_by_role("region", name="Flags on this partnership").inner_text()
    screenshot(page, "manager-partnership")

    assert owed == "€800.00"
    assert unpaid.startswith("4 invoices")
    assert sentence.startswith(
        "100% of Glasklar Montage's won business in 90 days (€16,000.00 of €16,000.00)"
    )
    assert action.startswith("What to do: Ask Glasklar Montage whether it sells on its own account")
    assert confirmed.startswith("Flag acknowledged")
    assert "Glasklar works only for us; agent contract drafted" in seen
    assert months == 12
    assert statuses == {"expired"}
    assert "Agent-like" in story_flags


def test_the_two_sides_comment_on_a_handoff_and_its_timeline_names_who_did_each_step(build, open_as):
    sender, receiver = build.partner("Windows Co"), build.partner("Fitters Co")
    handoff = build.handoff(sender, receiver)
    handoff.lead.contact_name = "Ida Klein"
    writer = build.user(sender, "rep")
    writer.name = "Sam Sender"
    manager, owner, other = (
        build.user(receiver, "manager"),
        build.user(receiver, "rep"),
        build.user(receiver, "rep"),
    )
    other.name = "Rita Rep"
    handoff.assignee_id = owner.id
    build.session.commit()

    page = open_as(writer)
    page.goto(f"/handoffs/{handoff.id}")
    page.get_by_label("Comment to Fitters Co").fill("She prefers calls after 4 pm.")
    page.get_by_role("button", name="Send comment").click()
    page = open_as(manager)
    page.goto(f"/handoffs/{handoff.id}")
    page.get_by_role("button", name="Accept").click()
    page.goto(f"/handoffs/{handoff.id}")
    page.get_by_label("Give it to").select_option(label="Rita Rep")
    page.get_by_role("button", name="Reassign").click()
    timeline = page.locator(".timeline").inner_text()

    assert "Sam Sender (Windows Co) wrote:" in timeline
    assert "She prefers calls after 4 pm." in timeline
    assert f"by {manager.name} (Fitters Co)" in timeline
    assert "Assigned to Rita Rep" in page.content()
