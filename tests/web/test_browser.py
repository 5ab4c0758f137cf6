"""The pages in a real browser: Chromium against the app served on a free port."""

from sqlalchemy import select

from partnerhub.core import outbox
from partnerhub.delivery import notices
from partnerhub.models import Partner, Partnership, ProductLine
from partnerhub.people import credentials
from tests.web.conftest import screenshot


def test_a_user_signs_in_from_a_guarded_page_lands_on_it_and_signs_out(build, open_as, live_server):
    partner = build.partner("Nordlicht Fenster")
    manager = build.user(partner, "manager", email="manager@nordlicht.test")
    page = open_as(None)

    page.goto("/lines")
    screenshot(page, "login")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/lines")
    heading = page.get_by_role("heading", level=1).inner_text()
    page.keyboard.press("Tab")
    skip_link_first = page.evaluate("document.activeElement.textContent")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server}/login")
    signed_out_message = page.get_by_role("status").inner_text()
    page.goto("/lines")

    assert skip_link_first == "Skip to content"
    assert heading == "Product lines"
    assert signed_out_message == "You are signed out."
    assert page.url.startswith(f"{live_server}/login?next=")


def test_a_form_posted_without_its_csrf_token_is_refused(build, open_as, session):
    partner = build.partner()
    build.category("windows")
    page = open_as(build.user(partner, "manager"))
    page.goto("/lines/new")
    page.get_by_label("Name").fill("Forged line")
    page.evaluate("document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())")

    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Add line").click()

    assert navigation.value.status == 400
    assert page.get_by_role("heading", level=1).inner_text() == "Bad Request"
    assert session.scalars(select(ProductLine)).all() == []


def test_a_user_of_one_partner_opening_another_partners_pages_gets_404(build, open_as):
    mine, theirs, third = build.partner(), build.partner(), build.partner()
    their_line = build.line(theirs, "windows")
    their_partnership = build.partnership(theirs, third)
    page = open_as(build.user(mine, "manager"))

    line_response = page.goto(f"/lines/{their_line.id}")
    partnership_response = page.goto(f"/partnerships/{their_partnership.id}")

    assert line_response.status == 404
    assert partnership_response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Not Found"


def test_an_admin_approves_a_pending_partner_and_issues_it_an_api_client(app, build, open_as, session):
    build.partner("Montagewerk Berlin", lines=["window-installation"])
    build.complement("windows", "window-installation")
    pending = build.partner("Glasklar Montage", status="pending", sales_reps=1, monthly_leads=8)
    page = open_as(build.user(None, "admin"))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Partners").click()
    page.get_by_label("Status").select_option(label="Pending")
    page.get_by_role("button", name="Search").click()
    screenshot(page, "admin-partners")
    page.get_by_role("button", name="Approve Glasklar Montage").click()
    page.get_by_text("Glasklar Montage is active.").wait_for()
    page.goto(f"/admin/partners/{pending.id}")
    page.get_by_label("Name").fill("CRM sync")
    page.get_by_role("button", name="Create client").click()
    secret = page.get_by_label("Client secret").input_value()
    screenshot(page, "admin-api-client")
    page.reload()
    reloaded_secret_fields = page.get_by_label("Client secret").count()
    page.goto("/admin/taxonomy")
    screenshot(page, "admin-taxonomy")

    session.expire_all()
    assert session.get(Partner, pending.id).status == "active"
    assert reloaded_secret_fields == 0
    client = session.scalars(credentials.api_clients_of(pending.id)).one()
    signed_in = credentials.authenticate_client(
        session,
        client_id=client.client_id,
        client_secret=secret,
        hmac_key=app.config["CLIENT_SECRET_HMAC_KEY"],
    )
    assert signed_in == client


def test_a_manager_adds_a_line_and_proposes_a_partnership_that_the_other_manager_accepts(
    build, open_as, session, live_server
):
    build.complement("windows", "window-installation")
    nordlicht = build.partner("Nordlicht Fenster", sales_reps=8)
    montagewerk = build.partner("Montagewerk Berlin", lines=["window-installation"])
    ours = open_as(build.user(nordlicht, "manager"))
    theirs_manager = build.user(montagewerk, "manager")

    ours.get_by_role("link", name="Product lines").click()
    ours.get_by_role("link", name="Add a product line").click()
    ours.get_by_label("Category").select_option(label="Windows")
    ours.get_by_label("Name").fill("Triple-glazed PVC windows")
    ours.get_by_label("Regions served").fill("DE-BE, de-bb")
    ours.get_by_label("Warm-up script").fill("Uw 0.7 triple glazing cuts heating bills by up to a fifth.")
    ours.get_by_role("button", name="Add line").click()
    ours.get_by_text("Product line “Triple-glazed PVC windows” added.").wait_for()
    screenshot(ours, "manager-product-lines")
    ours.get_by_role("link", name="Partnerships").click()
    ours.get_by_role("link", name="Propose a partnership").click()
    ours.get_by_label("Partner").select_option(label="Montagewerk Berlin")
    ours.get_by_label("Reward value").fill("7.5")
    ours.get_by_label("Hours to accept a lead").fill("24")
    screenshot(ours, "manager-propose-partnership")
    ours.get_by_role("button", name="Send proposal").click()
    ours.get_by_text("Partnership proposed to Montagewerk Berlin.").wait_for()
    theirs = open_as(theirs_manager)
    screenshot(theirs, "manager-home-proposal")
    theirs.get_by_role("button", name="Accept the partnership with Nordlicht Fenster").click()
    theirs.get_by_text("Partnership accepted.").wait_for()
    screenshot(theirs, "partnership-active")

    line = session.scalars(select(ProductLine).where(ProductLine.partner_id == nordlicht.id)).one()
    partnership = session.scalars(select(Partnership)).one()
    assert (line.category.slug, line.regions) == ("windows", ["DE-BE", "DE-BB"])
    assert partnership.proposer_id == nordlicht.id
    assert (partnership.status, str(partnership.reward_value), partnership.accept_sla_hours) == (
        "active",
        "7.50",
        24,
    )


def test_every_page_fits_a_375_px_wide_phone_without_sideways_scrolling(build, open_as, live_server):
    build.complement("windows", "window-installation")
    ours = build.partner(
        "Küchenhaus Sommer mit einem sehr langen Firmennamen GmbH & Co. KG", lines=["windows"]
    )
    other = build.partner("Montagewerk Berlin", lines=["window-installation"])
    partnership = build.partnership(ours, other)
    build.partnership(build.partner("Pending Proposer"), ours, status="proposed")
    manager = build.user(ours, "manager")
    line_id = ours.product_lines[0].id
    build.handoff(other, ours)
    build.endpoint(ours, "https://hooks.kuechenhaus-sommer.example/partnerhub/webhooks/incoming")
    outbox.emit(build.session, partner_id=ours.id, event_type="flag.raised", data={"flag": {}})
    notices.notify(
        build.session, partner_id=ours.id, kind="dormant", subject="A quiet partnership", body="x" * 300
    )
    build.session.commit()
    manager_paths = ["/", "/lines", f"/lines/{line_id}", "/lines/new", "/lines/999999", "/profile"]
    manager_paths += ["/inbox", "/leads", "/leads/new", "/balance"]
    pages = {
        manager: [*manager_paths, "/partnerships", f"/partnerships/{partnership.id}", "/partnerships/new"],
        build.user(None, "admin"): [
            "/",
            "/admin/partners",
            f"/admin/partners/{ours.id}",
            "/admin/taxonomy",
            "/admin/thresholds",
            "/admin/deliveries",
            "/admin/notices",
        ],
    }
    overflowing = []

    for user, paths in pages.items():
        page = open_as(user, width=375, height=740)
        for path in paths:
            page.goto(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 375:
                overflowing.append((path, width))
        if user is manager:
            page.goto("/partnerships")
            screenshot(page, "phone-partnerships")
            page.goto("/")
            screenshot(page, "phone-home")
            page.goto("/inbox")
            screenshot(page, "phone-inbox")

    assert overflowing == []


def test_an_open_page_shows_that_the_company_is_suspended_the_moment_an_admin_suspends_it(
    build, open_as, session
):
    nordlicht = build.partner("Nordlicht Fenster")
    rep_page = open_as(build.user(nordlicht, "rep"))
    rep_page.get_by_role("navigation", name="Main").get_by_role("link", name="Leads").click()
    admin_page = open_as(build.user(None, "admin"))

    admin_page.goto(f"/admin/partners/{nordlicht.id}")
    admin_page.get_by_label("Suspend Nordlicht Fenster").click()
    admin_page.get_by_role("button", name="Yes, suspend").click()
    admin_page.get_by_text("Nordlicht Fenster is suspended.").wait_for()
    rep_page.reload()

    assert rep_page.get_by_role("heading", level=1).inner_text() == "Your company is suspended"
    assert rep_page.get_by_role("navigation", name="Main").count() == 0
