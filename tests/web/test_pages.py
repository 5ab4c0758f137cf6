"""Pages through the test client: sessions, CSRF, roles, partner scoping and error formats."""

from sqlalchemy import select

from partnerhub.models import Partner, Partnership
from partnerhub.reports import thresholds
from tests.builders import TEST_PASSWORD
from tests.web.conftest import OwnContextClient, csrf_token


def _session_cookie(response) -> str:
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("partnerhub_session="))


def test_the_session_cookie_is_httponly_lax_and_secure_except_on_plain_http_loopback(build, client, sign_in):
    user = build.user(build.partner(), "manager")

    # Over HTTPS, Flask-WTF also wants a same-site Referer (WTF_CSRF_SSL_STRICT).
    deployed = sign_in(
        user, base_url="https://partners.example", headers={"Referer": "https://partners.example/login"}
    )
    local = sign_in(user, base_url="http://127.0.0.1:8000")

    assert deployed.status_code == 303
    assert "; Secure" in _session_cookie(deployed)
    assert "; HttpOnly" in _session_cookie(deployed)
    assert "; SameSite=Lax" in _session_cookie(deployed)
    assert "; Secure" not in _session_cookie(local)


def test_an_api_call_from_a_signed_in_browser_leaves_the_page_session_alone(build, client, sign_in):
    partner = build.partner()
    user = build.user(partner, "manager")
    sign_in(user)

    api = client.get("/api/v1/partners/me", headers=build.headers(partner))
    page = client.get("/lines")

    assert api.status_code == 200
    # The page session is permanent and refreshed on every page; the API neither reads nor sets it.
    assert not any(c.startswith("partnerhub_session=") for c in api.headers.getlist("Set-Cookie"))
    assert page.status_code == 200
    assert _session_cookie(page)


def test_signing_in_starts_a_new_session_with_a_new_csrf_token(build, client, sign_in):
    user = build.user(build.partner(), "rep")
    before = csrf_token(client.get("/login").text)

    sign_in(user)

    with client.session_transaction() as cookie:
        assert cookie.get("csrf_token") not in (None, before) or "csrf_token" not in cookie
        assert cookie["user_id"] == user.id
    assert csrf_token(client.get("/lines").text) != before


def test_a_wrong_password_and_an_unknown_email_are_refused_alike(build, client):
    user = build.user(build.partner(), "rep")
    token = csrf_token(client.get("/login").text)

    form = {"password": "nope-nope", "csrf_token": token}
    back = {"Referer": "http://localhost/login"}
    wrong = client.post("/login", data={**form, "email": user.email}, headers=back)
    wrong_page = client.get(wrong.headers["Location"]).text
    unknown = client.post("/login", data={**form, "email": "x@y.test"}, headers=back)
    unknown_page = client.get(unknown.headers["Location"]).text

    assert "Wrong email or password." in wrong_page
    assert "Wrong email or password." in unknown_page
    with client.session_transaction() as cookie:
        assert "user_id" not in cookie


def test_a_signed_out_visitor_is_sent_to_sign_in_and_back_never_off_site(build, client):
    user = build.user(build.partner(), "rep")

    guarded = client.get("/partnerships?x=1")
    token = csrf_token(client.get("/login").text)
    off_site = client.post(
        "/login",
        data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token, "next": "//evil.example/"},
    )

    assert guarded.status_code == 302
    assert guarded.headers["Location"] == "/login?next=/partnerships?x%3D1"
    assert off_site.headers["Location"] == "/"


def test_signing_out_needs_a_post_with_the_csrf_token(build, client, sign_in):
    sign_in(build.user(build.partner(), "rep"))

    by_link = client.get("/logout")
    forged = client.post("/logout")

    assert by_link.status_code == 405
    assert forged.status_code == 400
    assert client.get("/lines").status_code == 200


def test_signing_out_ends_every_copy_of_the_session_cookie(app, build, client, sign_in):
    user = build.user(build.partner(), "rep")
    sign_in(user)
    copied = client.get_cookie("partnerhub_session").value
    elsewhere = OwnContextClient(app, app.response_class, use_cookies=True)
    token = csrf_token(elsewhere.get("/login").text)
    elsewhere.post("/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token})

    client.post("/logout", data={"csrf_token": csrf_token(client.get("/lines").text)})
    client.set_cookie("partnerhub_session", copied)

    assert client.get("/lines").status_code == 302
    assert elsewhere.get("/lines").status_code == 302
    sign_in(user)
    assert client.get("/lines").status_code == 200


def test_each_role_sees_only_its_own_pages_and_nav(build, client, sign_in):
    partner = build.partner()
    sign_in(build.user(partner, "rep"))

    home = client.get("/").text
    refused = [
        client.get(path).status_code
        for path in ("/profile", "/lines/new", "/partnerships/new", "/admin/partners")
    ]

    assert 'href="/partnerships"' in home
    assert 'href="/profile"' not in home
    assert 'href="/admin/partners"' not in home
    assert refused == [403, 403, 403, 403]


def test_an_admin_has_no_partner_pages(build, client, sign_in):
    sign_in(build.user(None, "admin"))

    assert client.get("/lines").status_code == 403
    assert client.get("/admin/taxonomy").status_code == 200


def test_another_partners_objects_are_not_found_for_every_page_and_action(build, client, sign_in, session):
    mine, theirs, third = build.partner(), build.partner(), build.partner()
    line = build.line(theirs, "windows")
    partnership = build.partnership(theirs, third, status="proposed")
    sign_in(build.user(mine, "manager"))
    token = csrf_token(client.get("/lines").text)

    statuses = [
        client.get(f"/lines/{line.id}").status_code,
        client.post(f"/lines/{line.id}", data={"csrf_token": token}).status_code,
        client.post(f"/lines/{line.id}/archive", data={"csrf_token": token}).status_code,
        client.get(f"/partnerships/{partnership.id}").status_code,
        client.post(f"/partnerships/{partnership.id}/accept", data={"csrf_token": token}).status_code,
    ]

    assert statuses == [404] * 5
    session.expire_all()
    assert session.get(Partnership, partnership.id).status == "proposed"


def test_a_refused_move_goes_back_to_the_page_with_the_reason_and_changes_nothing(
    build, client, sign_in, session
):
    ours, other = build.partner(), build.partner()
    partnership = build.partnership(ours, other, status="proposed")
    sign_in(build.user(ours, "manager"))
    token = csrf_token(client.get(f"/partnerships/{partnership.id}").text)

    response = client.post(
        f"/partnerships/{partnership.id}/accept",
        data={"csrf_token": token},
        headers={"Referer": f"http://localhost/partnerships/{partnership.id}"},
    )

    assert response.status_code == 303
    assert response.headers["Location"] == f"/partnerships/{partnership.id}"
    assert "Only the invited partner can accept" in client.get(response.headers["Location"]).text
    session.expire_all()
    assert session.get(Partnership, partnership.id).status == "proposed"


def test_an_invalid_form_is_shown_again_with_its_errors_tied_to_the_fields(build, client, sign_in):
    partner = build.partner()
    sign_in(build.user(partner, "manager"))
    token = csrf_token(client.get("/profile").text)

    response = client.post(
        "/profile",
        data={"csrf_token": token, "name": "", "sales_reps": "0", "monthly_leads": "5", "regions": "Berlin"},
    )

    assert response.status_code == 422
    assert 'aria-describedby="name-error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert "Not ISO 3166 codes such as DE or DE-BE: BERLIN." in response.text


def test_a_manager_edits_the_profile_and_size(build, client, sign_in, session):
    partner = build.partner("Old name")
    sign_in(build.user(partner, "manager"))
    token = csrf_token(client.get("/profile").text)

    response = client.post(
        "/profile",
        data={
            "csrf_token": token,
            "name": "New name",
            "business": "Fits windows.",
            "regions": "de-be, DE-BB",
            "sales_reps": "7",
            "revenue_band": "10m_50m",
            "monthly_leads": "70",
        },
    )

    assert response.status_code == 303
    session.expire_all()
    saved = session.get(Partner, partner.id)
    assert (saved.name, saved.regions, saved.sales_reps, saved.revenue_band) == (
        "New name",
        ["DE-BE", "DE-BB"],
        7,
        "10m_50m",
    )


def test_pages_answer_errors_in_html_while_the_api_keeps_problem_json(client):
    page = client.get("/no-such-page")
    api = client.get("/api/v1/no-such-resource")

    assert page.status_code == 404
    assert page.mimetype == "text/html"
    assert "<h1>Not Found</h1>" in page.text
    assert api.status_code == 404
    assert api.mimetype == "application/problem+json"


def test_pages_carry_a_content_security_policy_that_allows_only_our_own_files(client):
    response = client.get("/login")

    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    with client.get("/assets/app.css") as stylesheet:
        assert stylesheet.status_code == 200


def test_the_api_needs_no_csrf_token_for_its_bearer_authenticated_posts(build, client):
    ours, other = build.partner(), build.partner()

    response = client.post(
        "/api/v1/partnerships",
        json={"partner_id": other.id, "terms": {"reward_type": "percent", "reward_value": "5"}},
        headers=build.headers(ours),
    )

    assert response.status_code == 201


def test_a_manager_archives_a_line_and_it_leaves_the_list(build, client, sign_in, session):
    partner = build.partner()
    line = build.line(partner, "windows")
    sign_in(build.user(partner, "manager"))
    token = csrf_token(client.get("/lines").text)

    response = client.post(f"/lines/{line.id}/archive", data={"csrf_token": token})

    assert response.status_code == 303
    assert f"/lines/{line.id}" not in client.get("/lines").text
    assert session.scalars(select(Partnership)).all() == []


def _sign_in_from(client, email: str, address: str, password: str = "wrong-guess"):
    token = csrf_token(client.get("/login").text)
    form = {"email": email, "password": password, "csrf_token": token}
    return client.post("/login", data=form, environ_base={"REMOTE_ADDR": address})


def test_sign_in_is_limited_per_account_from_however_many_addresses(app, build, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_LOGIN", "3 per minute")
    target, other = build.user(build.partner()), build.user(build.partner())

    tries = [_sign_in_from(client, target.email, f"198.51.100.{n}").status_code for n in range(1, 4)]
    refused = _sign_in_from(client, target.email.upper(), "198.51.100.4", TEST_PASSWORD)
    elsewhere = _sign_in_from(client, other.email, "198.51.100.4", TEST_PASSWORD)

    assert 429 not in tries
    assert refused.status_code == 429
    assert "Too many sign-in attempts for this account" in refused.text
    assert int(refused.headers["Retry-After"]) > 0
    assert elsewhere.status_code == 303
    assert client.get("/").status_code == 200


def test_sign_in_is_limited_per_address_whatever_accounts_it_names(app, build, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_LOGIN_ADDRESS", "3 per minute")
    user = build.user(build.partner())

    tries = [_sign_in_from(client, f"guess{n}@example.test", "203.0.113.7").status_code for n in range(3)]
    refused = _sign_in_from(client, user.email, "203.0.113.7", TEST_PASSWORD)
    elsewhere = _sign_in_from(client, user.email, "192.0.2.5", TEST_PASSWORD)

    assert 429 not in tries
    assert refused.status_code == 429
    assert "Too many sign-in attempts from your address" in refused.text
    assert elsewhere.status_code == 303
    assert client.get("/").status_code == 200


def test_an_admin_tunes_a_flag_threshold(build, client, sign_in, session):
    sign_in(build.user(None, "admin"))
    page = client.get("/admin/thresholds")
    form = {"csrf_token": csrf_token(page.text), "flags__one_sided__ratio": "4"}
    form |= {
        f"{key.replace('.', '__')}": str(value)
        for key, value in thresholds.thresholds(session).items()
        if key != "flags.one_sided.ratio"
    }

    saved = client.post("/admin/thresholds", data=form)

    assert page.status_code == 200
    assert saved.status_code == 303
    assert thresholds.thresholds(session)["flags.one_sided.ratio"] == 4


def test_the_receiver_of_a_recalled_handoff_sees_it_was_recalled_but_not_the_buyer(build, client, sign_in):
    sender, receiver = build.partner("Nordlicht"), build.partner()
    handoff = build.handoff(sender, receiver, status="recalled", phone="+49 30 5555")
    lead = handoff.lead
    sign_in(build.user(receiver, "rep"))

    page = client.get(f"/handoffs/{handoff.id}")

    assert page.status_code == 200
    assert "Nordlicht recalled this lead" in page.text
    for detail in (lead.contact_name, lead.contact_email, "+49 30 5555", lead.need_text):
        assert detail not in page.text


def test_a_partnership_page_tells_its_story_and_amends_its_terms(build, client, sign_in, app, session):
    from datetime import timedelta

    from partnerhub.core.db import utcnow

    northwind, acme = build.partner("Northwind"), build.partner("Acme")
    partnership = build.partnership(northwind, acme)
    sent = utcnow() - timedelta(days=3)
    for name in ("Greta Wolf", "Jonas Brandt"):
        handoff = build.handoff_through(partnership, northwind, [("sent", sent)], commit=False)
        handoff.lead.contact_name = name
    session.commit()
    sign_in(build.user(northwind, "manager"))
    path = f"/partnerships/{partnership.id}"

    page = client.get(path)
    searched = client.get(f"{path}?q=greta")
    terms = {
        "csrf_token": csrf_token(page.text),
        "reward_type": "percent",
        "reward_value": "15",
        "currency": "EUR",
        "rep_share_percent": "25",
        "accept_sla_hours": "48",
    }
    refused = client.post(f"{path}/terms", data={**terms, "reward_value": "150", "note": "Bigger jobs"})
    proposed = client.post(f"{path}/terms", data=terms)
    other = OwnContextClient(app, app.response_class, use_cookies=True)
    token = csrf_token(other.get("/login").text)
    other.post(
        "/login",
        data={"email": build.user(acme, "manager").email, "password": TEST_PASSWORD, "csrf_token": token},
    )
    seen_by_acme = other.get(path)
    accepted = other.post(f"{path}/terms/2/accept", data={"csrf_token": csrf_token(seen_by_acme.text)})
    after = client.get(path)

    assert "Month by month" in page.text
    assert "Greta Wolf" in searched.text
    assert "Jonas Brandt" not in searched.text
    assert refused.status_code == 422
    assert "Bigger jobs</textarea>" in refused.text
    assert 'value="150' in refused.text
    assert "A percent reward cannot exceed 100" in refused.text
    assert proposed.status_code == 303
    assert "Northwind proposes new terms" in seen_by_acme.text
    assert accepted.status_code == 303
    assert "15% of the deal value" in after.text
    assert "in force" in after.text
