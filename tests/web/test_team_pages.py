"""The team page and the invitation link through the test client: refusals in words, nothing lost."""

from datetime import timedelta

from sqlalchemy import select

from partnerhub.core.actors import Actor
from partnerhub.core.db import utcnow
from partnerhub.models import Email, User
from partnerhub.people import team
from tests.web.conftest import csrf_token


def _invitation(session, manager, email="new@example.test", now=None) -> str:
    invitation = team.invite(
        session,
        partner=manager.partner,
        email=email,
        role="rep",
        actor=Actor.user(partner_id=manager.partner_id, user_id=manager.id),
        base_url="http://hub.test",
        now=now,
    )
    session.commit()
    return invitation.url.removeprefix("http://hub.test")


def _join(client, path: str):
    token = csrf_token(client.get(path).text)
    return client.post(
        path,
        data={
            "name": "Ada",
            "password": "a long password",
            "confirm": "a long password",
            "csrf_token": token,
        },
    )


def test_only_managers_see_the_team_page(build, client, sign_in):
    sign_in(build.user(build.partner(), "rep"))

    assert client.get("/team").status_code == 403


def test_an_address_of_another_company_is_refused_in_words_and_the_form_keeps_what_was_typed(
    build, client, sign_in, session
):
    build.user(build.partner(), "rep", email="taken@example.test")
    manager = build.user(build.partner(), "manager")
    sign_in(manager)
    token = csrf_token(client.get("/team").text)

    response = client.post(
        "/team/invitations",
        data={"email": "taken@example.test", "name": "Tom Taken", "role": "manager", "csrf_token": token},
    )

    assert response.status_code == 422
    assert "Belongs to a person at another company; each person joins one company only." in response.text
    assert 'value="taken@example.test"' in response.text
    assert 'value="Tom Taken"' in response.text
    assert '<option selected value="manager">' in response.text
    assert session.scalars(select(Email)).all() == []


def test_the_last_manager_is_refused_demotion_in_words(build, client, sign_in, session):
    manager = build.user(build.partner("Solo"), "manager")
    sign_in(manager)
    token = csrf_token(client.get("/team").text)

    response = client.post(f"/team/{manager.id}/rep", data={"csrf_token": token}, follow_redirects=True)

    assert "is the last active manager of Solo: make someone else a manager first." in response.text
    session.refresh(manager)
    assert manager.role == "manager"


def test_a_manager_cannot_touch_another_partners_people(build, client, sign_in):
    stranger = build.user(build.partner(), "rep")
    sign_in(build.user(build.partner(), "manager"))
    token = csrf_token(client.get("/team").text)

    response = client.post(f"/team/{stranger.id}/deactivate", data={"csrf_token": token})

    assert response.status_code == 404


def test_a_used_link_says_so_and_points_to_sign_in(build, client, session):
    path = _invitation(session, build.user(build.partner(), "manager"))
    joined = _join(client, path)

    again = client.get(path)

    assert joined.status_code == 303
    assert again.status_code == 410
    assert "This invitation was used already." in again.text
    assert "Sign in" in again.text


def test_an_expired_link_says_so_and_offers_to_ask_a_manager_for_a_new_one(build, client, session):
    path = _invitation(session, build.user(build.partner(), "manager"), now=utcnow() - timedelta(days=8))

    response = client.get(path)

    assert response.status_code == 410
    assert "This invitation expired on" in response.text
    assert "Ask a manager at your company for a new invitation" in response.text


def test_a_withdrawn_or_replaced_link_no_longer_works(build, client, sign_in, session):
    manager = build.user(build.partner(), "manager")
    withdrawn = _invitation(session, manager, email="gone@example.test")
    replaced = _invitation(session, manager, email="again@example.test")
    sign_in(manager)
    token = csrf_token(client.get("/team").text)
    gone, again = (
        session.scalar(select(User).where(User.email == e))
        for e in ("gone@example.test", "again@example.test")
    )

    client.post(f"/team/{gone.id}/revoke", data={"csrf_token": token})
    client.post(f"/team/{again.id}/resend", data={"csrf_token": token})

    for path in (withdrawn, replaced):
        response = client.get(path)
        assert response.status_code == 404
        assert "a newer invitation replaced it, or it was withdrawn" in response.text
    assert session.scalar(select(User).where(User.email == "gone@example.test")) is None


def test_a_refused_password_keeps_the_name_typed(build, client, session):
    path = _invitation(session, build.user(build.partner(), "manager"))
    token = csrf_token(client.get(path).text)

    response = client.post(
        path, data={"name": "Ada Lovelace", "password": "short", "confirm": "short", "csrf_token": token}
    )

    assert response.status_code == 422
    assert "Must be at least 10 characters." in response.text
    assert 'value="Ada Lovelace"' in response.text


def test_joining_on_a_browser_where_someone_is_signed_in_signs_them_out_here(build, client, sign_in, session):
    manager = build.user(build.partner(), "manager")
    path = _invitation(session, manager)
    sign_in(manager)

    _join(client, path)

    assert client.get("/team").headers["Location"].startswith("/login")


def test_the_request_log_keeps_no_invitation_token(build, client, session, caplog):
    path = _invitation(session, build.user(build.partner(), "manager"))
    token = path.rsplit("/", 1)[1]

    with caplog.at_level("INFO", logger="api.request"):
        client.get(path)

    [line] = [r for r in caplog.records if r.name == "api.request"]
    assert line.getMessage() == "GET /invitations/[token] 200"
    assert token not in caplog.text
