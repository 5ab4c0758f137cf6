"""What both benchmarks share: databases, the machine's description, percentiles."""

import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import requests
from flask_migrate import upgrade

ROOT = Path(__file__).parent.parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/partnerhub_bench_routing")


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    nproc = subprocess.run(["nproc"], check=False, capture_output=True, text=True).stdout.strip()
    return (
        f"nproc {nproc}, "
        f"{cpu}, {mem_kb / 1024 / 1024:.1f} GiB RAM, Python {platform.python_version()}, "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_database(kind: str, workdir: Path) -> str:
    """A new, migrated, empty database of `kind` ("sqlite" or "postgresql"); returns its URL."""
    if kind == "sqlite":
        path = workdir / "bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    from tests.conftest import recreate_postgres_database

    recreate_postgres_database(PG_ADMIN_URL)
    return PG_ADMIN_URL


def make_app(url: str, workdir: Path):
    """The product app on `url`, migrated; the environment is left set so subprocesses share it."""
    os.environ["DATABASE_URL"] = url
    os.environ["PARTNERHUB_INSTANCE_PATH"] = str(workdir / "instance")
    from api import create_app

    app = create_app()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: other work on the machine skews what we measure."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# For servers running side by side: neither takes gunicorn's control socket (one path for all), and
# a stop does not wait out a keep-alive connection (it otherwise sat out the 30 s graceful timeout).
SIDE_BY_SIDE = ("--no-control-socket", "--graceful-timeout", "2")


@contextmanager
def gunicorn(workers: int = 2, *, app: str = "wsgi:app", options: tuple[str, ...] = ()) -> Iterator[str]:
    """`app` under gunicorn on a free port, with this process's environment; yields its base URL."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", *options, app],
        cwd=ROOT,
        # One client asks far more than a person would; the limiter still runs, at a ceiling no run reaches.
        env={"RATE_LIMIT_DEFAULT": "1000000 per minute", **os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if requests.get(base + "/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def bearer(base: str, client_id: str, secret: str) -> dict[str, str]:
    """Authorization headers for an API client, through the token endpoint."""
    token = requests.post(
        base + "/api/v1/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def reset_sequences(cur, tables) -> None:
    """After COPY with explicit ids: each table's id sequence continues after its largest id."""
    for table in tables:
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def migrated_postgres(server: str, database: str) -> str:
    """A new, migrated PostgreSQL database `database` on `server` (dropped first); returns its URL."""
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    url = f"{server}/{database}"
    migrate(url)
    return url


def migrate(url: str) -> None:
    """Bring the database at `url` up to the latest migration."""
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        check=True,
        capture_output=True,
    )
