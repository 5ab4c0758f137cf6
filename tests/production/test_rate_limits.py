"""Rate limits per API client and on the token endpoint: 429 problem+json with Retry-After."""

import threading
import time

from api.extensions import limiter
from api.ratelimit import SweptMemoryStorage
from tests.builders import TEST_SECRET


def test_a_client_over_its_limit_gets_429_with_retry_after(app, client, build, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_DEFAULT", "3 per minute")
    headers = build.headers(build.partner())

    statuses = [client.get("/api/v1/partners/me", headers=headers).status_code for _ in range(4)]
    refused = client.get("/api/v1/partners/me", headers=headers)

    assert statuses == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["title"] == "Too Many Requests"
    assert 1 <= int(refused.headers["Retry-After"]) <= 61


def test_one_clients_limit_does_not_touch_another_client(app, client, build, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_DEFAULT", "2 per minute")
    busy, quiet = build.headers(build.partner()), build.headers(build.partner())
    for _ in range(3):
        client.get("/api/v1/partners/me", headers=busy)

    response = client.get("/api/v1/partners/me", headers=quiet)

    assert client.get("/api/v1/partners/me", headers=busy).status_code == 429
    assert response.status_code == 200


def test_a_forged_token_counts_against_the_address_not_a_fresh_bucket(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_DEFAULT", "2 per minute")

    statuses = [
        client.get("/api/v1/partners/me", headers={"Authorization": f"Bearer forged.{n}.token"}).status_code
        for n in range(3)
    ]

    assert statuses == [401, 401, 429]


def test_the_token_endpoint_is_limited_per_client_id(app, client, build, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_TOKEN", "2 per minute")
    guessed, honest = build.api_client(build.partner()), build.api_client(build.partner())

    def ask(api_client, secret):
        data = {"grant_type": "client_credentials", "client_id": api_client.client_id}
        return client.post("/api/v1/oauth/token", data=data | {"client_secret": secret}).status_code

    guesses = [ask(guessed, f"guess-{n}") for n in range(3)]

    assert guesses == [401, 401, 429]
    assert ask(guessed, TEST_SECRET) == 429
    assert ask(honest, TEST_SECRET) == 200


def test_counting_in_memory_starts_no_thread_per_request_and_still_drops_expired_counters(
    app, client, build, monkeypatch
):
    timers = []

    class CountedTimer(threading.Timer):
        def start(self):
            timers.append(self)
            super().start()

    monkeypatch.setattr(threading, "Timer", CountedTimer)
    storage = limiter.storage
    headers = build.headers(build.partner())
    storage.incr("a-caller-gone-quiet", expiry=0.01)
    # Past the counter's expiry and the next sweep, whenever an earlier test's requests swept.
    time.sleep(SweptMemoryStorage.SWEEP_SECONDS + 0.05)

    for _ in range(5):
        assert client.get("/api/v1/partners/me", headers=headers).status_code == 200
        # Longer than the 10 ms after which limits' own MemoryStorage starts another Timer thread.
        time.sleep(0.02)

    assert timers == []
    assert "a-caller-gone-quiet" not in storage.storage
