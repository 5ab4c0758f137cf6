"""A company joins on its own; a person resets a forgotten password. In Chromium, with a real mail server."""

import pytest

from partnerhub.core import mail
from tests.builders import TEST_PASSWORD
from tests.mailbox import Mailbox
from tests.web.conftest import screenshot

NEW_PASSWORD = "window frames in winter"


@pytest.fixture
def mailbox(app, live_server, monkeypatch):
    # Links in the emails lead to the server the browser reaches.
    monkeypatch.setitem(app.config, "BASE_URL", live_server)
    with Mailbox() as listening:
        yield listening


def _deliver(session, mailbox: Mailbox) -> list:
    """Send what the outbox holds through the real SMTP server; the mails that arrived so far."""
    session.commit()
    mail.send_due_emails(session, smtp=mail.SmtpSettings(host="127.0.0.1", port=mailbox.port))
    return mailbox.mails


def _text(message) -> str:
    return message.get_payload()[0].get_payload(decode=True).decode()


def _link(message, path: str) -> str:
    text = _text(message)
    start = text.index("http://")
    link = text[start:].split()[0]
    assert path in link
    return link


def test_a_company_signs_up_is_approved_by_email_and_its_manager_signs_in(
    build, open_as, live_server, session, mailbox
):
    admin = build.user(None, "admin")
    visitor = open_as(None)

    visitor.goto("/login")
    visitor.get_by_role("link", name="Register your company").click()
    visitor.get_by_label("Company name").fill("Fensterbau Ost")
    visitor.get_by_label("What the business does").fill("Windows fitted across Brandenburg")
    visitor.get_by_label("Regions served").fill("DE-BB, DE-BE")
    visitor.get_by_label("Sales reps").fill("4")
    visitor.get_by_label("Annual revenue").select_option(label="1 to 10 million")
    visitor.get_by_label("Expected leads per month").fill("25")
    visitor.get_by_label("Your name").fill("Mia Manager")
    visitor.get_by_label("Your email").fill("mia@fensterbau.example")
    visitor.get_by_label("Choose a password").fill("password123")
    visitor.get_by_role("button", name="Register").click()
    refusal = visitor.locator(".field.has-error .error").inner_text()
    kept = visitor.get_by_label("Company name").input_value()
    visitor.get_by_label("Choose a password").fill(NEW_PASSWORD)
    screenshot(visitor, "signup")
    visitor.get_by_role("button", name="Register").click()
    visitor.wait_for_url(f"{live_server}/login")
    told = visitor.get_by_role("status").inner_text()
    [received] = _deliver(session, mailbox)

    operator = open_as(admin)
    queue = operator.get_by_role("region", name="Waiting for approval").inner_text()
    operator.get_by_role("button", name="Approve Fensterbau Ost").click()
    approved_message = operator.get_by_role("status").inner_text()
    [_, approval] = _deliver(session, mailbox)
    operator.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    operator.get_by_label("Action").select_option(label="Partner approved")
    operator.get_by_role("button", name="Show").click()
    screenshot(operator, "admin-audit")
    logged = operator.get_by_role("table").inner_text()

    visitor.goto(_link(approval.message, "/login"))
    visitor.get_by_label("Email").fill("mia@fensterbau.example")
    visitor.get_by_label("Password").fill(NEW_PASSWORD)
    visitor.get_by_role("button", name="Sign in").click()
    visitor.wait_for_url(f"{live_server}/")

    assert "one of the most common passwords" in refusal
    assert kept == "Fensterbau Ost"
    assert "Fensterbau Ost is registered and waits for an operator's approval" in told
    assert received.recipients == ["mia@fensterbau.example"]
    assert "Fensterbau Ost" in queue
    assert approved_message == "Fensterbau Ost is active."
    assert approval.recipients == ["mia@fensterbau.example"]
    assert "Fensterbau Ost" in logged
    assert admin.email in logged
    assert approval.message["Subject"] == "Fensterbau Ost is approved on PartnerHub"
    assert "Mia Manager" in visitor.locator(".who").inner_text()


def test_a_forgotten_password_is_reset_by_the_emailed_link_ending_a_session_elsewhere(
    build, open_as, live_server, session, mailbox
):
    user = build.user(build.partner("Nordlicht Fenster"), "manager", email="manager@nordlicht.test")
    laptop = open_as(user)
    phone = open_as(None, width=375, height=740)

    phone.goto("/login")
    phone.get_by_role("link", name="Forgot your password?").click()
    phone.get_by_label("Email").fill(user.email)
    phone.get_by_role("button", name="Email me a link").click()
    sent_page = phone.get_by_role("status").inner_text()
    [reset] = _deliver(session, mailbox)
    link = _link(reset.message, "/password-reset/")
    phone.goto(link)
    phone.get_by_label("New password").fill(NEW_PASSWORD)
    screenshot(phone, "password-reset")
    phone.get_by_role("button", name="Set the new password").click()
    phone.wait_for_url(f"{live_server}/login")
    phone.get_by_label("Email").fill(user.email)
    phone.get_by_label("Password").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Sign in").click()
    phone.wait_for_url(f"{live_server}/")
    laptop.goto("/balance")
    used = phone.goto(link)

    assert f"If {user.email} is the address of a PartnerHub login" in sent_page
    assert reset.recipients == [user.email]
    assert "within the hour" in _text(reset.message)
    assert laptop.url.startswith(f"{live_server}/login")
    assert used.status == 410
    assert "This link has been used already" in phone.get_by_role("alert").inner_text()
    # The old password opens nothing any more.
    laptop.get_by_label("Email").fill(user.email)
    laptop.get_by_label("Password").fill(TEST_PASSWORD)
    laptop.get_by_role("button", name="Sign in").click()
    assert "Wrong email or password." in laptop.get_by_role("alert").inner_text()
