"""The admin's Emails page: with no mail server, where a newcomer reads what the platform wrote."""

from partnerhub.core.db import utcnow
from partnerhub.delivery import notices
from partnerhub.delivery.jobs import email_notices


def test_with_no_smtp_the_admin_reads_every_email_with_its_text_and_html(client, sign_in, session, build):
    partner = build.partner("Glasklar")
    build.user(partner, "manager", email="boss@glasklar.example")
    notices.notify(
        session, partner_id=partner.id, kind="dormant", subject="Quiet for 31 days", body="Pass a lead"
    )
    email_notices(session, now=utcnow(), smtp=None)
    admin = build.user(None, "admin")
    session.commit()
    sign_in(admin)

    listing = client.get("/admin/emails?to=boss@glasklar.example")
    email_id = int(listing.text.split("/admin/emails/")[1].split('"')[0])
    shown = client.get(f"/admin/emails/{email_id}")

    assert listing.status_code == 200
    assert "Kept here (no mail server)" in listing.text
    assert "Quiet for 31 days" in listing.text
    assert "Pass a lead" in shown.text
    assert "srcdoc=" in shown.text


def test_a_partner_manager_cannot_read_the_emails(client, sign_in, session, build):
    manager = build.user(build.partner(), "manager")
    session.commit()
    sign_in(manager)

    assert client.get("/admin/emails").status_code == 403
