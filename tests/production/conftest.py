import socket

import pytest


@pytest.fixture
def free_port() -> int:
    """A TCP port nothing listens on (closed again before the test uses it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
