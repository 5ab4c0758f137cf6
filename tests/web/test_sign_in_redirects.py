"""Where signing in leads: back to a page of this site, never to another one."""

import pytest

from tests.builders import TEST_PASSWORD
from tests.web.conftest import csrf_token

# Each is a way a browser would read the target as another site (or a header would break).
OFF_SITE = [
    "//evil.example/",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "\t//evil.example",
    "/\\evil.example",
    "/ /evil.example",
    "///evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "/partnerships\r\nSet-Cookie: stolen=1",
    "/partnerships\x00",
]


def _sign_in_with_next(client, user, target):
    token = csrf_token(client.get("/login", query_string={"next": target}).text)
    return client.post(
        "/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token, "next": target}
    )


@pytest.mark.parametrize("target", OFF_SITE, ids=repr)
def test_signing_in_with_a_next_that_leaves_the_site_goes_home(build, client, target):
    user = build.user(build.partner(), "rep")

    signed_in = _sign_in_with_next(client, user, target)

    assert signed_in.status_code == 303
    assert signed_in.headers["Location"] == "/"


def test_signing_in_goes_back_to_the_page_of_this_site_it_was_asked_for(build, client):
    user = build.user(build.partner(), "rep")

    signed_in = _sign_in_with_next(client, user, "/partnerships?x=1")

    assert signed_in.headers["Location"] == "/partnerships?x=1"


def test_a_refused_form_goes_back_to_its_page_only_when_that_page_is_of_this_site(build, client, sign_in):
    admin = build.user(None, "admin")
    sign_in(admin)
    partner = build.partner(status="pending")
    token = csrf_token(client.get("/admin/partners").text)

    ours = client.post(
        f"/admin/partners/{partner.id}/approve",
        data={"csrf_token": token},
        headers={"Referer": "http://localhost/admin/partners?status=pending"},
    )
    theirs = client.post(
        f"/admin/partners/{partner.id}/suspend",
        data={"csrf_token": token},
        headers={"Referer": "http://localhost/\t/evil.example"},
    )

    assert ours.headers["Location"] == "/admin/partners?status=pending"
    assert theirs.headers["Location"] == "/admin/partners"
