"""What both benchmarks share: databases, the machine's description, percentiles."""

import os
import platform
import socket
import statistics
import subprocess
from datetime import UTC, datetime
from pathlib import Path

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
