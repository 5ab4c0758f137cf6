"""The server the browser tests drive: what a real browser does to it must not fail a test."""

import gc
import socket
import struct
import time
from urllib.parse import urlsplit


def test_a_browser_resetting_the_connection_while_an_asset_loads_leaves_no_file_open(live_server):
    """As Chromium does when a page closes mid-load. A static file left open would fail this test
    (or a later one) as an unraisable ResourceWarning."""
    server = urlsplit(live_server)
    for _ in range(20):
        with socket.create_connection((server.hostname, server.port)) as conn:
            conn.sendall(b"GET /assets/favicon.svg HTTP/1.1\r\nHost: partnerhub.test\r\n\r\n")
            time.sleep(0.005)
            # Lingering zero seconds, close() resets the connection instead of ending it cleanly.
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    time.sleep(0.5)
    gc.collect()
