"""A company runs its own team in a real browser: invitations by real email, and deactivation."""

import re

import pytest
from sqlalchemy import select

from partnerhub.core import mail
from partnerhub.models import ApiClient, User
from tests.mailbox import Mailbox
from tests.web.conftest import screenshot

LINK = re.compile(r"https?://\S+/invitations/\S+")


@pytest.fixture
def links_to(app, live_server, monkeypatch):
    """Emailed links point at the server the browser uses."""
    monkeypatch.setitem(app.config, "BASE_URL", live_server)


def test_a_manager_invites_a_colleague_who_joins_through_the_emailed_link_and_sees_the_inbox(
    build, open_as, session, live_server, links_to
):
    partner = build.partner("Montagewerk Berlin")
    manager = build.user(partner, "manager")
    page = open_as(manager)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
    page.get_by_label("Email").fill("clara@montagewerk.test")
    page.get_by_label("Role").select_option(label="Sales rep")
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text("Invitation sent to clara@montagewerk.test").wait_for()
    screenshot(page, "manager-team")
    with Mailbox() as mailbox:
        sent = mail.send_due_emails(
            session, smtp=mail.SmtpSettings(host="127.0.0.1", port=mailbox.port, sender="hub@example.test")
        )
    [message] = mailbox.mails
    text = message.message.get_payload()[0].get_payload(decode=True).decode()
    link = LINK.search(text).group(0)

    invitee = open_as(None)
    invitee.goto(link)
    invitee.get_by_label("Your name").fill("Clara Schmidt")
    invitee.get_by_label("Password", exact=True).fill("window fitting 2026")
    invitee.get_by_label("Password again").fill("window fitting 2026")
    invitee.get_by_role("button", name="Join Montagewerk Berlin").click()
    invitee.get_by_text("Welcome to Montagewerk Berlin").wait_for()
    invitee.get_by_label("Email").fill("clara@montagewerk.test")
    invitee.get_by_label("Password").fill("window fitting 2026")
    invitee.get_by_role("button", name="Sign in").click()
    invitee.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
    heading = invitee.get_by_role("heading", level=1).inner_text()
    invitee.goto(link)
    second_use = invitee.get_by_role("alert").inner_text()

    assert sent == 1
    assert message.recipients == ["clara@montagewerk.test"]
    assert heading == "Inbox"
    assert "used already" in second_use
    joined = session.scalar(select(User).where(User.email == "clara@montagewerk.test"))
    assert (joined.name, joined.role, joined.status) == ("Clara Schmidt", "rep", "active")


def test_a_deactivated_rep_is_signed_out_at_their_next_page_load(build, open_as, live_server):
    partner = build.partner()
    manager = build.user(partner, "manager")
    rep = build.user(partner, "rep")
    rep_page = open_as(rep)
    rep_page.goto("/inbox")
    manager_page = open_as(manager)

    manager_page.goto("/team")
    row = manager_page.get_by_role("row").filter(has_text=rep.email)
    row.get_by_text("Deactivate…").click()
    row.get_by_role("button", name="Yes, deactivate").click()
    manager_page.get_by_text(f"{rep.name} is deactivated and signed out everywhere.").wait_for()
    rep_page.goto("/inbox")

    assert rep_page.url.startswith(f"{live_server}/login")


def test_a_new_clients_secret_survives_no_reload_and_the_reload_creates_no_second_client(
    build, open_as, session
):
    partner = build.partner("Pipeline CRM")
    page = open_as(build.user(partner, "manager"))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Integrations").click()
    page.get_by_label("Name").fill("CRM sync")
    page.get_by_role("button", name="Create client").click()
    secret = page.get_by_label("Client secret").input_value()
    screenshot(page, "manager-integrations")
    page.reload()
    after_reload = page.get_by_label("Client secret").count()

    assert secret.startswith("phs_")
    assert after_reload == 0
    assert session.scalars(select(ApiClient.name).where(ApiClient.partner_id == partner.id)).all() == [
        "CRM sync"
    ]
