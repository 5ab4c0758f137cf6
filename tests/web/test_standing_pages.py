"""A pending or suspended partner's people reach one page, saying so; an operator's pages stay open."""

from sqlalchemy import func, select

from partnerhub.core.actors import Actor
from partnerhub.directory import partners as directory
from partnerhub.models import Handoff, Lead
from tests.web.conftest import csrf_token

NEED = "window-installation"
PARTNER_PAGES = ("/", "/inbox", "/leads", "/leads/new", "/lines", "/partnerships", "/balance", "/profile")


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _exchange(build):
    """A window maker with a lead to hand off, and an active fitter partner to take it."""
    maker = build.partner("Nordlicht Fenster", lines=["windows"])
    build.partnership(maker, build.partner("Montagewerk", lines=[NEED]))
    return maker, build.lead(maker, category=NEED)


def test_an_open_session_loses_every_page_and_action_the_moment_its_partner_is_suspended(
    build, client, sign_in, session
):
    maker, lead = _exchange(build)
    sign_in(build.user(maker, "manager"))
    token = csrf_token(client.get(f"/leads/{lead.id}").text)
    directory.suspend_partner(session, partner=maker, actor=Actor.system())
    session.commit()

    pages = [client.get(path) for path in PARTNER_PAGES]
    hand_off = client.post(f"/leads/{lead.id}/hand-off", data={"csrf_token": token, "note": ""})

    assert {page.status_code for page in pages} == {403}
    assert all("Your company is suspended" in page.text for page in pages)
    assert 'href="/leads"' not in pages[0].text
    assert hand_off.status_code == 403
    assert _count(session, Handoff) == 0


def test_a_suspended_partners_rep_who_signs_in_again_sees_only_that_the_company_is_suspended(
    build, client, sign_in, session
):
    maker = build.partner("Nordlicht Fenster", status="suspended")
    rep = build.user(maker, "rep")

    landed = client.get(sign_in(rep).location)
    new_lead = client.get("/leads/new")

    assert landed.status_code == 403
    assert "PartnerHub has suspended Nordlicht Fenster" in landed.text
    assert "Sign out" in landed.text
    assert new_lead.status_code == 403


def test_a_pending_partners_manager_signs_in_to_a_page_saying_the_company_awaits_approval(
    build, client, sign_in, session
):
    pending = build.partner("Glasklar Montage", status="pending")
    build.category(NEED)
    manager = build.user(pending, "manager")

    landed = client.get(sign_in(manager).location)
    created = client.post(
        "/leads/new",
        data={
            "csrf_token": csrf_token(landed.text),
            "name": "Ada Buyer",
            "email": "ada@example.test",
            "category": NEED,
            "consent": "y",
        },
    )

    assert landed.status_code == 403
    assert "Your company awaits approval" in landed.text
    assert "Glasklar Montage has registered with PartnerHub" in landed.text
    assert created.status_code == 403
    assert _count(session, Lead) == 0


def test_pages_open_again_once_the_partner_is_approved(build, client, sign_in, session):
    pending = build.partner("Glasklar Montage", status="pending")
    sign_in(build.user(pending, "rep"))
    directory.approve_partner(session, partner=pending, actor=Actor.system())
    session.commit()

    assert client.get("/inbox").status_code == 200


def test_an_operator_suspends_a_partner_and_keeps_every_admin_page(build, client, sign_in, session):
    partner = build.partner("Nordlicht Fenster")
    sign_in(build.user(None, "admin"))
    token = csrf_token(client.get(f"/admin/partners/{partner.id}").text)

    suspended = client.post(f"/admin/partners/{partner.id}/suspend", data={"csrf_token": token})
    shown = client.get(f"/admin/partners/{partner.id}")

    assert suspended.status_code == 303
    assert shown.status_code == 200
    assert "API clients are issued to active partners only" in shown.text
    assert client.get("/admin/partners").status_code == 200
