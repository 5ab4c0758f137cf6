"""Page fixtures: sign-in through the test client, and Debian's Chromium driving the live server."""

import os
import re
import tempfile
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient

from api.extensions import db
from partnerhub.core.i18n import translator
from tests.builders import TEST_PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
# No GPU, no network of its own, nothing fetched at start: the browser talks only to our server.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# `make screenshots` refreshes the committed pictures; an ordinary run keeps its own
# out of the work tree, so `make test` leaves no changed files behind.
SCREENSHOTS = (
    Path(__file__).parent.parent.parent / "docs" / "screenshots"
    if os.environ.get("PARTNERHUB_SCREENSHOTS")
    else Path(tempfile.gettempdir()) / "partnerhub-screenshots"
)
_TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def csrf_token(html: str) -> str:
    return _TOKEN.search(html).group(1)


def _leave_the_test_transaction(session) -> None:
    """Let the server work while the test keeps its arranged objects.

    On SQLite every transaction takes the write lock (BEGIN IMMEDIATE), so the test
    must not sit in one while a request runs; objects stay loaded after the commit.
    """
    session().expire_on_commit = False
    session.commit()


class OwnContextClient(FlaskClient):
    """A test client whose every request gets its own app context, as under a real server.

    The test's app context would otherwise be shared by its requests, and with it `g`,
    where the signed-in user and Flask-WTF's token are cached per request.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            _leave_the_test_transaction(db.session)
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    return OwnContextClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def sign_in(client):
    """Sign the test client in as `user`, through the login form."""

    def sign(user, **kwargs):
        token = csrf_token(client.get("/login", **kwargs).text)
        response = client.post(
            "/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token}, **kwargs
        )
        assert response.status_code == 303, response.text
        return response

    return sign


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole run; each test opens its own contexts (clean cookies)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make install` installs Debian's chromium package.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_as(browser, live_server, session):
    """A signed-in page for `user` (or a signed-out one for None), at `width` pixels."""
    contexts = []
    # Set before the test arranges anything, so its objects never reload mid-browsing.
    session().expire_on_commit = False

    def open_page(user=None, *, width: int = 1280, height: int = 860, locale: str | None = None):
        """`locale` is the browser's language (Accept-Language), which the pages follow."""
        email = user.email if user is not None else None
        words = translator(locale)
        _leave_the_test_transaction(session)
        context = browser.new_context(
            base_url=live_server, viewport={"width": width, "height": height}, locale=locale or "en-US"
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        if user is not None:
            page.goto("/login")
            page.get_by_label(words.gettext("Email"), exact=True).fill(email)
            page.get_by_label(words.gettext("Password"), exact=True).fill(TEST_PASSWORD)
            page.get_by_role("button", name=words.gettext("Sign in")).click()
            page.wait_for_url(f"{live_server}/")
        return page

    yield open_page
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> None:
    """Keep a picture of this screen for docs/screenshots/ (and the README)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
