"""The operator's long lists (partners, webhook deliveries, notices): searched, filtered, newest first,
a page at a time, on both databases."""

import re
from datetime import timedelta

from partnerhub.core.db import utcnow
from partnerhub.models import Delivery, Notice


def _cells(html: str, label: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(rf'data-label="{label}">(.*?)</td>', html, re.S)
    ]


def _partners(html: str) -> list[str]:
    return re.findall(r'<a href="/admin/partners/\d+">([^<]+)</a>', html)


def _older(html: str) -> str:
    return re.search(r'href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")


def _admin(build, sign_in):
    sign_in(build.user(None, "admin"))


def test_the_partner_list_finds_a_partner_by_the_beginning_of_its_name_or_email_in_any_case(
    build, client, sign_in, session
):
    build.partner("Glasklar Montage")
    build.partner("Nordlicht Fenster")
    krueger = build.partner("Fensterbau Krüger")
    krueger.contact_email = "partners@krueger.example"
    session.commit()
    _admin(build, sign_in)

    by_name = client.get("/admin/partners?q=NORDL").text
    by_email = client.get("/admin/partners?q=partners@KRU").text
    not_the_beginning = client.get("/admin/partners?q=fenster").text

    assert _partners(by_name) == ["Nordlicht Fenster"]
    assert 'value="NORDL"' in by_name
    assert _partners(by_email) == ["Fensterbau Krüger"]
    assert _partners(not_the_beginning) == ["Fensterbau Krüger"]


def test_the_partner_list_filters_by_status_and_registration_and_says_when_nothing_matches(
    build, client, sign_in, session
):
    now = utcnow()
    old = build.partner("Old Pending", status="pending")
    old.created_at = now - timedelta(days=40)
    build.partner("New Pending", status="pending")
    build.partner("New Active")
    session.commit()
    _admin(build, sign_in)
    week_ago = (now - timedelta(days=7)).date().isoformat()

    pending = client.get(f"/admin/partners?status=pending&since={week_ago}").text
    nothing = client.get("/admin/partners?q=nobody").text

    assert _partners(pending) == ["New Pending"]
    assert '<option selected value="pending">' in pending or 'value="pending" selected' in pending
    assert "No partner matches." in nothing
    assert 'href="/admin/partners">Show every partner' in nothing


def test_the_partner_list_shows_fifty_newest_first_and_the_older_ones_behind_a_link_keeping_the_search(
    build, client, sign_in
):
    for n in range(51):
        build.partner(f"Dach {n:02}")
    build.partner("Zimmerei")
    _admin(build, sign_in)

    first = client.get("/admin/partners?q=dach").text
    older = _older(first)
    second = client.get(older).text

    assert _partners(first) == [f"Dach {n:02}" for n in range(50, 0, -1)]
    assert "q=dach" in older
    assert _partners(second) == ["Dach 00"]
    assert 'rel="next"' not in second


def _deliveries(session, build, partner, count, *, status="delivered", created_at=None):
    endpoint = build.endpoint(partner)
    for n in range(count):
        session.add(
            Delivery(
                partner_id=partner.id,
                endpoint_id=endpoint.id,
                event_type="handoff.created",
                message_id=f"msg_{partner.id}_{status}_{n}",
                payload={},
                status=status,
                attempts=1,
                created_at=created_at or utcnow(),
            )
        )
    session.commit()


def test_the_delivery_list_filters_every_partners_deliveries_by_partner_status_search_and_date(
    build, client, sign_in, session
):
    nordlicht, pipeline = build.partner("Nordlicht"), build.partner("Pipeline CRM")
    _deliveries(session, build, nordlicht, 2)
    _deliveries(session, build, nordlicht, 1, status="dead")
    _deliveries(session, build, pipeline, 1, status="dead", created_at=utcnow() - timedelta(days=30))
    _admin(build, sign_in)
    week_ago = (utcnow() - timedelta(days=7)).date().isoformat()

    every = client.get("/admin/deliveries").text
    dead = client.get("/admin/deliveries?status=dead").text
    theirs = client.get(f"/admin/deliveries?partner={pipeline.id}").text
    searched = client.get("/admin/deliveries?q=PIPE").text
    recent_dead = client.get(f"/admin/deliveries?status=dead&since={week_ago}").text
    nothing = client.get("/admin/deliveries?q=nobody").text

    assert _cells(every, "Partner") == ["Pipeline CRM", "Nordlicht", "Nordlicht", "Nordlicht"]
    assert _cells(dead, "Outcome") == ["Given up after 1 try", "Given up after 1 try"]
    assert _cells(theirs, "Partner") == _cells(searched, "Partner") == ["Pipeline CRM"]
    assert _cells(recent_dead, "Partner") == ["Nordlicht"]
    assert "No delivery matches." in nothing


def test_the_delivery_list_pages_through_every_delivery_newest_first_keeping_the_filter(
    build, client, sign_in, session
):
    partner = build.partner("Nordlicht")
    _deliveries(session, build, partner, 51, status="failed")
    _deliveries(session, build, partner, 3)
    _admin(build, sign_in)

    first = client.get("/admin/deliveries?status=failed").text
    older = _older(first)
    second = client.get(older).text

    assert len(_cells(first, "Outcome")) == 50
    assert "status=failed" in older
    assert _cells(second, "Outcome") == ["Failed"]
    assert 'rel="next"' not in second


def test_the_notice_list_finds_notices_by_partner_or_subject_pages_them_and_says_when_none_match(
    build, client, sign_in, session
):
    belegfix, hoffmann = build.partner("Belegfix"), build.partner("Steuerkanzlei Hoffmann")
    old = utcnow() - timedelta(days=20)
    for n in range(51):
        session.add(Notice(partner_id=belegfix.id, kind="weekly_digest", subject=f"Your week {n:02}"))
    session.add(Notice(partner_id=hoffmann.id, kind="dormant", subject="A quiet partnership", created_at=old))
    session.commit()
    _admin(build, sign_in)
    week_ago = (utcnow() - timedelta(days=7)).date().isoformat()

    by_partner = client.get(f"/admin/notices?partner={hoffmann.id}").text
    by_subject = client.get("/admin/notices?q=a+QUIET").text
    by_name = client.get("/admin/notices?q=steuer").text
    recent = client.get(f"/admin/notices?since={week_ago}").text
    second = client.get(_older(recent)).text
    nothing = client.get(f"/admin/notices?partner={hoffmann.id}&since={week_ago}").text

    assert [c.splitlines()[0] for c in _cells(by_partner, "Notice")] == ["A quiet partnership"]
    assert _cells(by_subject, "Notice") == _cells(by_name, "Notice") == _cells(by_partner, "Notice")
    assert len(_cells(recent, "Notice")) == 50
    assert _cells(recent, "Notice")[0] == "Your week 50"
    assert _cells(second, "Notice") == ["Your week 00"]
    assert "No notice matches." in nothing


def test_the_operators_lists_are_the_operators_alone(build, client, sign_in):
    partner = build.partner()
    sign_in(build.user(partner, "manager"))

    assert [client.get(f"/admin/{page}").status_code for page in ("partners", "deliveries", "notices")] == [
        403,
        403,
        403,
    ]
