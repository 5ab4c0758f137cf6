"""The account pages: sign-up, the sign-in slow-down, password reset, one's own account, reject and audit."""

import html
from datetime import timedelta

from sqlalchemy import select, update

from partnerhub.core.db import utcnow
from partnerhub.models import AuditEntry, Email, Partner, PasswordReset, User
from tests.builders import TEST_PASSWORD
from tests.web.conftest import OwnContextClient, csrf_token

SIGNUP = {
    "name": "Fensterbau Ost",
    "business": "Windows fitted across Brandenburg",
    "regions": "DE-BB, DE-BE",
    "sales_reps": "4",
    "revenue_band": "1m_10m",
    "monthly_leads": "25",
    "manager_name": "Mia Manager",
    "manager_email": "mia@fensterbau.example",
    "password": "a long and rare phrase",
}


def _post(client, path: str, data: dict, *, form_from: str | None = None):
    token = csrf_token(client.get(form_from or path).text)
    return client.post(path, data={**data, "csrf_token": token})


def _messages(response_text: str) -> list[str]:
    return [
        html.unescape(p.split(">", 1)[1].split("</p>")[0])
        for p in response_text.split('<p class="message')[1:]
    ]


def _emails(session, kind: str) -> list[Email]:
    session.expire_all()
    return session.scalars(select(Email).where(Email.kind == kind).order_by(Email.id)).all()


def _link(email: Email, path: str) -> str:
    return path + email.text_body.split(path, 1)[1].split()[0]


# --- sign-up ------------------------------------------------------------------


def test_a_company_signs_up_pending_and_is_sent_to_sign_in_with_a_message(client, session):
    response = _post(client, "/signup", SIGNUP)
    login = client.get(response.headers["Location"])

    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    assert "Fensterbau Ost is registered and waits for an operator's approval" in html.unescape(login.text)
    partner = session.scalar(select(Partner).where(Partner.name == "Fensterbau Ost"))
    assert (partner.status, partner.regions, partner.sales_reps) == ("pending", ["DE-BB", "DE-BE"], 4)
    manager = session.scalar(select(User).where(User.email == "mia@fensterbau.example"))
    assert (manager.role, manager.name, manager.partner_id) == ("manager", "Mia Manager", partner.id)


def test_sign_up_answers_alike_whether_or_not_the_address_has_a_login(client, build, session):
    build.user(build.partner("Existing GmbH"), "rep", email="taken@fensterbau.example")

    fresh = _post(client, "/signup", {**SIGNUP, "name": "Fresh", "manager_email": "new@fensterbau.example"})
    fresh_page = client.get("/login").text
    taken = _post(client, "/signup", {**SIGNUP, "name": "Taken", "manager_email": "taken@fensterbau.example"})
    taken_page = client.get("/login").text

    assert (fresh.status_code, fresh.headers["Location"]) == (taken.status_code, taken.headers["Location"])
    said_to_fresh = _messages(fresh_page)[0].replace("Fresh", "X").replace("new@", "?@")
    said_to_taken = _messages(taken_page)[0].replace("Taken", "X").replace("taken@", "?@")
    assert said_to_fresh == said_to_taken
    assert [e.to_address for e in _emails(session, "registration_address_taken")] == [
        "taken@fensterbau.example"
    ]


def test_a_refused_sign_up_keeps_what_was_typed_and_says_why_in_words(client, session):
    response = _post(client, "/signup", {**SIGNUP, "password": "1234567890", "regions": "Berlin"})

    assert response.status_code == 422
    assert 'value="Fensterbau Ost"' in response.text
    assert 'value="mia@fensterbau.example"' in response.text
    assert "Windows fitted across Brandenburg" in response.text
    assert "The password is one of the most common passwords" in response.text
    assert "Not ISO 3166 codes such as DE or DE-BE: BERLIN." in response.text
    assert session.scalars(select(Partner)).all() == []


# --- the sign-in slow-down ----------------------------------------------------


def test_five_wrong_passwords_pause_sign_in_with_a_page_in_words_and_one_email(client, build, session):
    user = build.user(build.partner(), "rep")
    wrong = {"email": user.email, "password": "not the password"}

    first_four = [_post(client, "/login", wrong).status_code for _ in range(4)]
    fifth = _post(client, "/login", wrong)
    right_meanwhile = _post(client, "/login", {**wrong, "password": TEST_PASSWORD})

    assert first_four == [303] * 4
    assert fifth.status_code == right_meanwhile.status_code == 429
    assert "signing in to it is paused for about 1 minute" in " ".join(fifth.text.split())
    assert 'href="/password-reset"' in fifth.text
    assert 0 < int(fifth.headers["Retry-After"]) <= 60
    [notice] = _emails(session, "sign_in_paused")
    assert notice.to_address == user.email
    assert "http://" in notice.text_body


def test_the_sign_in_page_answers_alike_for_an_address_without_a_login(app, client, build):
    user = build.user(build.partner(), "rep", email="someone@example.test")
    # From another address, so the per-address limit on sign-in stays out of the comparison.
    elsewhere = OwnContextClient(app, app.response_class, use_cookies=True)
    elsewhere.environ_base["REMOTE_ADDR"] = "127.0.0.2"

    def answers(browser, email):
        return [_post(browser, "/login", {"email": email, "password": "not the password"}) for _ in range(6)]

    known, unknown = answers(client, user.email), answers(elsewhere, "nobody@example.test")

    assert [a.status_code for a in known] == [a.status_code for a in unknown] == [303] * 4 + [429] * 2
    assert known[5].text.replace(csrf_token(known[5].text), "").replace(user.email, "?") == unknown[
        5
    ].text.replace(csrf_token(unknown[5].text), "").replace("nobody@example.test", "?")


def test_once_the_pause_is_over_the_right_password_signs_in(client, build, session):
    user = build.user(build.partner(), "rep")
    for _ in range(5):
        _post(client, "/login", {"email": user.email, "password": "not the password"})
    session.execute(update(User).where(User.id == user.id).values(login_paused_until=utcnow()))
    session.commit()

    response = _post(client, "/login", {"email": user.email, "password": TEST_PASSWORD})

    assert response.status_code == 303
    assert client.get("/").status_code == 200


# --- password reset -------------------------------------------------------------


def test_the_reset_request_answers_alike_for_a_known_and_an_unknown_address(client, build, session):
    user = build.user(build.partner(), "rep", email="known@example.test")

    known = _post(client, "/password-reset", {"email": user.email})
    unknown = _post(client, "/password-reset", {"email": "unknown@example.test"})

    assert known.status_code == unknown.status_code == 200
    assert known.text.replace("known@", "?@") == unknown.text.replace("unknown@", "?@")
    [email] = _emails(session, "password_reset")
    assert email.to_address == "known@example.test"
    assert session.scalar(select(PasswordReset.token_hash)) not in email.text_body


def test_asking_again_within_a_minute_sends_no_second_link(client, build, session):
    user = build.user(build.partner(), "rep")

    first = _post(client, "/password-reset", {"email": user.email})
    again = _post(client, "/password-reset", {"email": user.email})

    assert first.status_code == again.status_code == 200
    assert len(_emails(session, "password_reset")) == 1


def test_one_address_asking_for_links_for_many_people_is_stopped_after_ten_a_minute(client):
    answers = [_post(client, "/password-reset", {"email": f"person{i}@example.test"}) for i in range(11)]

    assert [a.status_code for a in answers[:10]] == [200] * 10
    assert answers[10].status_code == 429
    assert "Too many tries from your address" in answers[10].text


def test_a_reset_link_sets_a_new_password_once_and_ends_every_other_session(app, client, build, session):
    user = build.user(build.partner(), "rep")
    elsewhere = OwnContextClient(app, app.response_class, use_cookies=True)
    _post(elsewhere, "/login", {"email": user.email, "password": TEST_PASSWORD})
    assert elsewhere.get("/account").status_code == 200
    _post(client, "/password-reset", {"email": user.email})
    link = _link(_emails(session, "password_reset")[0], "/password-reset/")

    done = _post(client, link, {"password": "a brand new passphrase"})
    again = client.get(link)

    assert done.status_code == 303
    assert elsewhere.get("/account").status_code == 302
    assert (
        _post(client, "/login", {"email": user.email, "password": "a brand new passphrase"}).status_code
        == 303
    )
    assert again.status_code == 410
    assert "This link has been used already" in again.text
    assert 'href="/password-reset"' in again.text


def test_an_expired_reset_link_says_so_and_offers_a_new_one(client, build, session):
    user = build.user(build.partner(), "rep")
    _post(client, "/password-reset", {"email": user.email})
    link = _link(_emails(session, "password_reset")[0], "/password-reset/")
    session.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()

    page = client.get(link)
    token = csrf_token(client.get("/password-reset").text)
    posted = client.post(link, data={"password": "a brand new passphrase", "csrf_token": token})

    assert page.status_code == posted.status_code == 410
    assert "This link has expired: each works for one hour." in page.text
    assert "Ask for a new link" in page.text
    session.expire_all()
    assert session.get(User, user.id).password_hash == user.password_hash


def test_a_reset_refuses_a_common_password_and_keeps_the_link_usable(client, build, session):
    user = build.user(build.partner(), "rep")
    _post(client, "/password-reset", {"email": user.email})
    link = _link(_emails(session, "password_reset")[0], "/password-reset/")

    refused = _post(client, link, {"password": "qwertyuiop"})

    assert refused.status_code == 422
    assert "most common passwords" in refused.text
    assert client.get(link).status_code == 200


# --- one's own account ----------------------------------------------------------


def test_changing_ones_password_asks_the_current_one_and_ends_other_sessions(app, client, sign_in, build):
    user = build.user(build.partner(), "rep")
    sign_in(user)
    elsewhere = OwnContextClient(app, app.response_class, use_cookies=True)
    _post(elsewhere, "/login", {"email": user.email, "password": TEST_PASSWORD})

    wrong = _post(
        client,
        "/account/password",
        {"current_password": "a guess", "password": "new and long enough"},
        form_from="/account",
    )
    changed = _post(
        client,
        "/account/password",
        {"current_password": TEST_PASSWORD, "password": "new and long enough"},
        form_from="/account",
    )

    assert wrong.status_code == 422
    assert "This is not your current password." in wrong.text
    assert changed.status_code == 303
    assert client.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 302


def test_wrong_current_passwords_on_the_account_page_count_towards_the_slow_down(
    client, sign_in, build, session
):
    user = build.user(build.partner(), "rep")
    sign_in(user)
    guess = {"current_password": "a guess", "password": "new and long enough"}

    answers = [_post(client, "/account/password", guess, form_from="/account") for _ in range(6)]
    right_meanwhile = _post(
        client, "/account/password", {**guess, "current_password": TEST_PASSWORD}, form_from="/account"
    )

    assert [a.status_code for a in answers] == [422] * 6
    assert "This was wrong too often: wait a few minutes, or reset your password." in answers[5].text
    assert right_meanwhile.status_code == 422
    assert len(_emails(session, "sign_in_paused")) == 1


def test_a_person_renames_themselves(client, sign_in, build, session):
    user = build.user(build.partner(), "manager")
    sign_in(user)

    response = _post(client, "/account/name", {"name": "  Mia Meier "}, form_from="/account")

    assert response.status_code == 303
    session.expire_all()
    assert session.get(User, user.id).name == "Mia Meier"
    assert "Mia Meier" in client.get("/account").text


# --- approval, rejection and the audit log --------------------------------------


def test_the_admin_rejects_a_registration_with_a_reason_the_manager_is_emailed(
    client, sign_in, build, session
):
    partner = build.partner("Dubious Deals", status="pending")
    build.user(partner, "manager", email="boss@dubious.example")
    sign_in(build.user(None, "admin"))

    without_reason = _post(client, f"/admin/partners/{partner.id}/reject", {"reason": " "}, form_from="/")
    rejected = _post(
        client,
        f"/admin/partners/{partner.id}/reject",
        {"reason": "No website, no trade register entry."},
        form_from="/",
    )

    assert without_reason.status_code == 303
    session.expire_all()
    assert session.get(Partner, partner.id).status == "rejected"
    assert rejected.status_code == 303
    [email] = _emails(session, "partner_rejected")
    assert email.to_address == "boss@dubious.example"
    assert "No website, no trade register entry." in email.text_body
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "partner.rejected"))
    assert entry.origin == "127.0.0.1"
    assert entry.details == {"reason": "No website, no trade register entry."}


def test_the_admins_home_lists_pending_companies_to_approve_or_reject(client, sign_in, build):
    waiting = build.partner("Waiting Windows", status="pending")
    build.user(waiting, "manager", email="boss@waiting.example")
    build.partner("Already Active")
    sign_in(build.user(None, "admin"))

    home = client.get("/").text

    assert "Waiting Windows" in home
    assert "Reject Waiting Windows" in home
    assert "&lt;boss@waiting.example&gt;" in home
    assert "Already Active" not in home.split("Waiting for approval")[1]


def test_the_admin_reads_the_whole_audit_log_narrowed_by_company_action_and_day(
    client, sign_in, build, session
):
    first, second = (
        build.partner("First Fenster", status="pending"),
        build.partner("Second Solar", status="pending"),
    )
    sign_in(build.user(None, "admin"))
    _post(client, f"/admin/partners/{first.id}/approve", {}, form_from="/")
    _post(client, f"/admin/partners/{second.id}/approve", {}, form_from="/")
    _post(client, f"/admin/partners/{second.id}/suspend", {}, form_from="/")
    today = utcnow().date()

    everything = client.get("/admin/audit").text
    one_company = client.get(f"/admin/audit?partner={second.id}").text
    one_action = client.get("/admin/audit?action=partner.suspended").text
    tomorrow = client.get(f"/admin/audit?from={today + timedelta(days=1)}").text
    today_only = client.get(f"/admin/audit?from={today}&to={today}").text

    assert "First Fenster" in everything
    assert "Second Solar" in everything
    assert "First Fenster" not in one_company.split("<table")[1]
    assert "Partner suspended" in one_action
    assert "Partner approved" not in one_action.split("<table")[1]
    assert "Nothing recorded that matches." in tomorrow
    assert "Second Solar" in today_only.split("<table")[1]
    assert "127.0.0.1" in everything


def test_a_manager_reads_only_their_own_companys_audit_log(client, sign_in, build, session):
    mine, other = build.partner("Mine GmbH"), build.partner("Other GmbH")
    admin = build.user(None, "admin")
    sign_in(admin)
    _post(client, f"/admin/partners/{mine.id}/suspend", {}, form_from="/")
    _post(client, f"/admin/partners/{other.id}/suspend", {}, form_from="/")
    _post(client, f"/admin/partners/{mine.id}/approve", {}, form_from="/")
    _post(client, "/logout", {}, form_from="/")
    sign_in(build.user(mine, "manager"))

    page = client.get("/audit")

    assert page.status_code == 200
    assert "Mine GmbH" in page.text
    assert "Other GmbH" not in page.text
    assert client.get("/admin/audit").status_code == 403
