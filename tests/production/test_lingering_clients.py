"""A partner system that is slow to close its connection must not hold up anyone else.

Many HTTP clients close a finished connection late (Python's urllib when its
response is garbage-collected, for one). gunicorn 26 and 27 close such a
connection "gracefully" from the gthread worker's main loop, waiting up to two
seconds for the client's FIN, and accept nothing else meanwhile: under load,
requests queued for seconds. gunicorn is pinned below that; this holds it.
"""

import socket
import time

import pytest
import requests

from tests.production.conftest import gunicorn


@pytest.fixture
def one_worker(app, free_port):
    """gunicorn as in production, with a single worker: one main loop."""
    with gunicorn(free_port, WEB_CONCURRENCY="1"):
        yield free_port


def test_a_client_that_keeps_its_socket_open_does_not_hold_up_the_next(one_worker):
    lingering = []
    for _ in range(4):
        # Asks for the connection to be closed, reads the answer, and keeps its end open.
        sock = socket.create_connection(("127.0.0.1", one_worker), timeout=5)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        lingering.append(sock)
    try:
        started = time.monotonic()
        response = requests.get(f"http://127.0.0.1:{one_worker}/healthz", timeout=10)
        waited = time.monotonic() - started
    finally:
        for sock in lingering:
            sock.close()

    assert response.status_code == 200
    # Not a speed target: with the main loop lingering on each closed connection it took 2 s or more.
    assert waited < 1.0
