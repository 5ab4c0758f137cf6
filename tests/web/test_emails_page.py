"""The admin's Emails page: with no mail server, where a newcomer reads what the platform wrote."""

import re

from partnerhub.core.db import utcnow
from partnerhub.delivery import notices
from partnerhub.delivery.jobs import email_notices
from partnerhub.models import Email


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


def _subjects(html: str) -> list[str]:
    return re.findall(r'<a href="/admin/emails/\d+">([^<]+)</a>', html)


def test_the_emails_show_fifty_newest_first_and_the_older_ones_behind_a_cursor_keeping_the_search(
    client, sign_in, session, build
):
    for n in range(52):
        for to, subject in (
            ("boss@glasklar.example", f"Week {n:02}"),
            ("rep@glasklar.example", f"Other {n:02}"),
        ):
            session.add(Email(to_address=to, kind="notice", subject=subject, text_body="", html_body=""))
    admin = build.user(None, "admin")
    session.commit()
    sign_in(admin)

    first = client.get("/admin/emails?to=boss@glasklar.example").text
    older = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = client.get(older).text

    assert _subjects(first) == [f"Week {n:02}" for n in range(51, 1, -1)]
    assert "cursor=" in older
    assert "to=boss@glasklar.example" in older
    assert _subjects(second) == ["Week 01", "Week 00"]
    assert 'value="boss@glasklar.example"' in second
    assert 'rel="next"' not in second
    assert 'href="/admin/emails?to=boss@glasklar.example"' in second
