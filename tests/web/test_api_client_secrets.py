"""A new API client's secret: shown once after the redirect, and a reload creates nothing."""

import re

from sqlalchemy import func, select

from partnerhub.models import ApiClient
from partnerhub.people import credentials
from tests.web.conftest import csrf_token

SECRET_FIELD = re.compile(r'id="new-secret"[^>]*value="([^"]+)"')


def _clients_of(session, partner) -> int:
    session.expire_all()
    return session.scalar(
        select(func.count()).select_from(ApiClient).where(ApiClient.partner_id == partner.id)
    )


def test_creating_an_api_client_redirects_to_its_secret_which_a_reload_neither_shows_nor_creates_again(
    app, build, client, sign_in, session
):
    sign_in(build.user(None, "admin"))
    partner = build.partner("Glasklar Montage")
    page = f"/admin/partners/{partner.id}"
    token = csrf_token(client.get(page).text)

    created = client.post(f"{page}/clients", data={"name": "CRM sync", "csrf_token": token})
    shown = client.get(created.headers["Location"])
    reloaded = client.get(created.headers["Location"])

    assert created.status_code == 303
    assert created.headers["Location"] == page
    secret = SECRET_FIELD.search(shown.text).group(1)
    new_client = session.scalars(credentials.api_clients_of(partner.id)).one()
    assert credentials.authenticate_client(
        session,
        client_id=new_client.client_id,
        client_secret=secret,
        hmac_key=app.config["CLIENT_SECRET_HMAC_KEY"],
    )
    assert new_client.client_id in shown.text
    assert secret not in reloaded.text
    assert "new-secret" not in reloaded.text
    assert _clients_of(session, partner) == 1


def test_a_new_secret_is_shown_only_on_its_own_partners_page(build, client, sign_in, session):
    sign_in(build.user(None, "admin"))
    partner, other = build.partner("Glasklar Montage"), build.partner("Acme")
    token = csrf_token(client.get(f"/admin/partners/{partner.id}").text)

    client.post(f"/admin/partners/{partner.id}/clients", data={"name": "CRM sync", "csrf_token": token})
    elsewhere = client.get(f"/admin/partners/{other.id}")
    back = client.get(f"/admin/partners/{partner.id}")

    assert "new-secret" not in elsewhere.text
    assert "new-secret" not in back.text
