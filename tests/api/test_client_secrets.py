"""Client secrets are checked by one HMAC under the server's key; argon2 is for people's passwords.

Speed belongs in bench/token.py; what these tests pin down is the work each path does:
how many argon2 verifications it runs, and which form of a secret it leaves stored.
"""

import json

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from partnerhub.demo import seeding as demo
from partnerhub.models import ApiClient, User
from partnerhub.people import credentials
from tests.builders import TEST_PASSWORD, TEST_SECRET


class CountingHasher(PasswordHasher):
    """argon2 as the app uses it, counting the verifications it runs."""

    def __init__(self):
        super().__init__()
        self.verifications = 0

    def verify(self, hash, password):
        self.verifications += 1
        return super().verify(hash, password)


@pytest.fixture
def argon2(monkeypatch) -> CountingHasher:
    hasher = CountingHasher()
    monkeypatch.setattr(credentials, "_hasher", hasher)
    return hasher


def ask_token(client, client_id: str, secret: str) -> int:
    data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return client.post("/api/v1/oauth/token", data=data).status_code


def test_unknown_clients_wrong_secrets_and_right_ones_are_all_answered_without_argon2(client, build, argon2):
    known = build.api_client(build.partner())

    unknown = ask_token(client, "phc_nobody", TEST_SECRET)
    wrong = ask_token(client, known.client_id, "phs_a-guess")
    right = ask_token(client, known.client_id, TEST_SECRET)

    assert (unknown, wrong, right) == (401, 401, 200)
    assert argon2.verifications == 0


def test_a_new_client_secret_is_stored_as_an_hmac_under_the_server_key(app, runner, build, session):
    build.partner("Acme")

    created = runner.invoke(args=["partnerhub", "create-client", "Acme", "--json"])

    secret = json.loads(created.output)["client_secret"]
    stored = session.scalar(select(ApiClient.secret_hash))
    assert stored == credentials.hash_client_secret(secret, key=app.config["CLIENT_SECRET_HMAC_KEY"])
    assert stored.startswith("hmac-sha256$")


def test_a_secret_still_stored_as_argon2_works_once_slowly_and_is_stored_as_an_hmac_from_then_on(
    app, client, build, session, argon2
):
    api_client = build.api_client(build.partner())
    api_client.secret_hash = credentials.hash_password(TEST_SECRET)
    session.commit()

    first = ask_token(client, api_client.client_id, TEST_SECRET)
    second = ask_token(client, api_client.client_id, TEST_SECRET)

    assert (first, second) == (200, 200)
    assert argon2.verifications == 1
    session.expire_all()
    assert api_client.secret_hash == credentials.hash_client_secret(
        TEST_SECRET, key=app.config["CLIENT_SECRET_HMAC_KEY"]
    )


def test_a_wrong_secret_leaves_a_secret_stored_as_argon2_as_it_was(client, build, session):
    api_client = build.api_client(build.partner())
    api_client.secret_hash = argon2_hash = credentials.hash_password(TEST_SECRET)
    session.commit()

    response = ask_token(client, api_client.client_id, "phs_a-guess")

    assert response == 401
    session.expire_all()
    assert api_client.secret_hash == argon2_hash


def test_a_secret_stored_under_another_server_key_is_refused(client, build, session):
    api_client = build.api_client(build.partner())
    api_client.secret_hash = credentials.hash_client_secret(TEST_SECRET, key="another-servers-key")
    session.commit()

    assert ask_token(client, api_client.client_id, TEST_SECRET) == 401


def test_the_demo_clients_are_stored_as_hmacs_and_its_people_as_argon2(app, session):
    demo.seed(
        session, hmac_key=app.config["CLIENT_SECRET_HMAC_KEY"], base_url="http://hub.test", history=False
    )

    clients = session.scalars(select(ApiClient.secret_hash)).all()
    people = session.scalars(select(User.password_hash)).all()
    assert clients
    assert all(stored.startswith("hmac-sha256$") for stored in clients)
    assert people
    assert all(stored.startswith("$argon2id$") for stored in people)


def test_a_persons_password_is_stored_and_checked_with_argon2(build, session, argon2):
    user = build.user(build.partner())

    signed_in = credentials.authenticate_user(session, email=user.email, password=TEST_PASSWORD)

    assert signed_in == user
    assert user.password_hash.startswith("$argon2id$")
    assert argon2.verifications == 1


def test_an_unknown_email_costs_the_same_argon2_as_a_known_one(session, argon2):
    with pytest.raises(credentials.InvalidCredentials):
        credentials.authenticate_user(session, email="nobody@example.test", password=TEST_PASSWORD)

    assert argon2.verifications == 1
