"""A rep's notifications in a real browser: the bell's count, the list, opening one, marking all read."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from partnerhub.core.db import utcnow
from partnerhub.people import notifications
from tests.web.conftest import screenshot


def test_a_rep_follows_the_bell_to_a_waiting_lead_and_the_count_goes_down_as_they_read(
    build, open_as, session
):
    maker, fitter = build.partner("Window Maker"), build.partner("Montagewerk Berlin")
    rep = build.user(fitter, "rep")
    sent = utcnow() - timedelta(hours=47)
    handoff = build.handoff(maker, fitter, sent_at=utcnow() - timedelta(hours=25))
    build.handoff(maker, fitter, sent_at=sent)
    notifications.warn_waiting_handoffs(session, now=utcnow())
    session.commit()
    page = open_as(rep)

    bell = page.get_by_role("link", name="Notifications, 2 unread")
    expect(bell).to_be_visible()
    bell.click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Half the time to accept .+ has passed"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"expires in \d+ minutes unless accepted"))).to_be_visible()
    screenshot(page, "rep-notifications")

    page.get_by_role("button", name=re.compile(r"^Open: Half the time")).click()
    page.wait_for_url(re.compile(rf"/handoffs/{handoff.id}$"))
    expect(page.get_by_role("link", name="Notifications, 1 unread")).to_be_visible()

    page.get_by_role("link", name="Notifications, 1 unread").click()
    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_text("1 notification marked read.")).to_be_visible()
    expect(page.get_by_role("link", name="Notifications, 0 unread")).to_be_visible()


def test_a_rep_switches_a_kind_off_in_the_app_and_chooses_the_daily_digest(build, open_as, session):
    rep = build.user(build.partner("Montagewerk Berlin"), "rep")
    page = open_as(rep)

    page.get_by_role("link", name=re.compile("^Notifications")).click()
    page.get_by_role("link", name="Notification settings").click()
    page.get_by_label("A comment on my lead, in the app").uncheck()
    page.get_by_label("One email a day with all of them (daily digest)").check()
    page.get_by_role("button", name="Save the notification settings").click()

    expect(page.get_by_text("Your notification settings are saved.")).to_be_visible()
    expect(page.get_by_label("A comment on my lead, in the app")).not_to_be_checked()
    expect(page.get_by_label("A comment on my lead, by email")).to_be_checked()
    expect(page.get_by_label("One email a day with all of them (daily digest)")).to_be_checked()
    screenshot(page, "rep-notification-settings")


def test_a_comment_from_the_sender_rings_the_assignees_bell_at_once_and_leads_to_the_handoff(
    build, open_as, session
):
    maker, fitter = build.partner("Window Maker"), build.partner("Montagewerk Berlin")
    writer, owner = build.user(maker, "rep"), build.user(fitter, "rep")
    writer.name = "Sam Sender"
    handoff = build.handoff(maker, fitter, name="Ida Klein")
    handoff.assignee_id = owner.id
    session.commit()

    page = open_as(writer)
    page.goto(f"/handoffs/{handoff.id}")
    page.get_by_label("Comment to Montagewerk Berlin").fill("She prefers calls after 4 pm.")
    page.get_by_role("button", name="Send comment").click()
    expect(page.get_by_text("Comment sent.")).to_be_visible()

    # No worker runs here: the comment wrote the notification as it was saved.
    page = open_as(owner)
    page.get_by_role("link", name="Notifications, 1 unread").click()
    page.get_by_role("button", name=re.compile(r"^Open: Window Maker commented on Ida Klein")).click()
    page.wait_for_url(re.compile(rf"/handoffs/{handoff.id}$"))
    expect(page.locator(".timeline")).to_contain_text("She prefers calls after 4 pm.")
    expect(page.get_by_role("link", name="Notifications, 0 unread")).to_be_visible()
