"""Real worker processes for the tests (`flask partnerhub worker`), started and stopped from a test."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).parent.parent
FLASK = str(Path(sys.executable).parent / "flask")


def start_worker(*, batch: int, connect_timeout: float, read_timeout: float, output=subprocess.DEVNULL):
    """A worker on the tests' database, writing what it prints to `output` (an open file)."""
    # DATABASE_URL and PARTNERHUB_INSTANCE_PATH come from the environment conftest set up.
    env = {
        **os.environ,
        "PARTNERHUB_DELIVERY_BATCH": str(batch),
        "PARTNERHUB_DELIVERY_CONNECT_TIMEOUT": str(connect_timeout),
        "PARTNERHUB_DELIVERY_READ_TIMEOUT": str(read_timeout),
    }
    return subprocess.Popen(
        [FLASK, "--app", "wsgi", "partnerhub", "worker"], cwd=ROOT, env=env, stdout=output, stderr=output
    )


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def stop(worker: subprocess.Popen) -> None:
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
