"""Rate limits per API client and on the token endpoint: 429 problem+json with Retry-After."""

import threading
import time

import redis
import requests

import bench.common
from api.extensions import limiter
from api.ratelimit import SweptMemoryStorage
from tests.builders import TEST_SECRET
from tests.conftest import on_postgres
from tests.production.conftest import gunicorn

# A Redis database of the tests' own, flushed by the test that uses it: one per pass, as `make test`
# runs the SQLite and PostgreSQL passes at once.
TEST_REDIS_URL = f"redis://127.0.0.1:6379/{14 if on_postgres() else 13}"


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


def ask_token(client, client_id: str, secret: str = "phs_a-guess", address: str = "203.0.113.7") -> int:
    data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return client.post("/api/v1/oauth/token", data=data, environ_base={"REMOTE_ADDR": address}).status_code


def test_the_token_endpoint_is_limited_per_address_whatever_client_ids_it_names(
    app, client, build, monkeypatch
):
    monkeypatch.setitem(app.config, "RATE_LIMIT_TOKEN_ADDRESS", "3 per minute")
    honest = build.api_client(build.partner())

    guesses = [ask_token(client, f"phc_random{n}") for n in range(4)]
    refused = client.post(
        "/api/v1/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "phc_another"},
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )

    assert guesses == [401, 401, 401, 429]
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["detail"].startswith("Too many token requests from your address")
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    assert ask_token(client, honest.client_id, TEST_SECRET, address="198.51.100.2") == 200


def test_the_token_endpoint_is_limited_per_client_id_from_whatever_address(app, client, build, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_TOKEN", "3 per minute")
    guessed = build.api_client(build.partner())

    guesses = [ask_token(client, guessed.client_id, address=f"198.51.100.{n}") for n in range(1, 5)]

    assert guesses == [401, 401, 401, 429]
    assert ask_token(client, guessed.client_id, TEST_SECRET, address="192.0.2.1") == 429


def test_an_ipv6_caller_counts_as_its_whole_64_not_as_each_address_in_it(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_TOKEN_ADDRESS", "2 per minute")

    same_64 = [ask_token(client, f"phc_random{n}", address=f"2001:db8:1:2::{n}") for n in range(1, 4)]
    next_64 = ask_token(client, "phc_random9", address="2001:db8:1:3::1")

    assert same_64 == [401, 401, 429]
    assert next_64 == 401


def test_two_processes_behind_a_proxy_share_their_counts_through_redis(app, free_port):
    shared = redis.Redis.from_url(TEST_REDIS_URL)
    shared.flushdb()
    limits = {"RATE_LIMIT_TOKEN_ADDRESS": "4 per minute", "PROXY_COUNT": "1", "WEB_CONCURRENCY": "1"}
    # A worker slow to boot leaves the readiness probe's abandoned connections open, and gunicorn
    # then waits its whole graceful timeout on them when stopped: longer than the fixture waits.
    limits["WEB_GRACEFUL_TIMEOUT"] = "5"

    def ask(base: str, n: int, caller: str) -> requests.Response:
        data = {"grant_type": "client_credentials", "client_id": f"phc_random{n}", "client_secret": "x"}
        return requests.post(
            f"{base}/api/v1/oauth/token", data=data, headers={"X-Forwarded-For": caller}, timeout=10
        )

    try:
        with (
            gunicorn(free_port, REDIS_URL=TEST_REDIS_URL, **limits) as a,
            # Chosen once the first listens, so it cannot be the same port.
            gunicorn(bench.common.free_port(), REDIS_URL=TEST_REDIS_URL, **limits) as b,
        ):
            answers = [ask((a, b)[n % 2], n, "203.0.113.9") for n in range(6)]
            another_caller = ask(b, 6, "198.51.100.4")
    finally:
        shared.flushdb()
        shared.close()

    assert [r.status_code for r in answers] == [401, 401, 401, 401, 429, 429]
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert another_caller.status_code == 401


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
