import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

import bench.common

ROOT = Path(__file__).parent.parent.parent


@pytest.fixture
def free_port() -> int:
    """A TCP port nothing listens on (closed again before the test uses it)."""
    return bench.common.free_port()


@contextmanager
def gunicorn(port: int, **env: str):
    """gunicorn as in production (gunicorn.conf.py) on `port`, with `env` on top of ours; its base URL."""
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=os.environ | {"BIND": f"127.0.0.1:{port}"} | env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(base + "/healthz", timeout=2)
            break
        except requests.RequestException:
            time.sleep(0.1)
    try:
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
