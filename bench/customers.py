"""A million-row customer list through PUT /api/v1/customers on gunicorn and PostgreSQL:
`python -m bench.customers`.

The CSV file (email, phone and company domain on every row, so three hashes per customer)
is written to a temporary file first, then sent as the request body from that file, so
the client holds none of it. gunicorn runs the production config (gunicorn.conf.py) with
one worker, whose peak resident memory (VmHWM in /proc) is read before and after each
upload: the difference is what taking the list costs the web process. Two uploads: the
first fills an empty list, the second replaces it with the same customers (every hash
kept, with the time it was first listed). BENCH_CUSTOMERS changes the size.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from bench.common import ROOT, free_port, machine, make_app

CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "1000000"))
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/partnerhub_bench_customers")
UPLOAD_TIMEOUT = 600


def write_csv(path: Path, rows: int) -> int:
    """The list as a file: distinct customers, phones written as people write them."""
    with path.open("w") as file:
        file.write("email,phone,domain\n")
        for i in range(rows):
            file.write(f"buyer{i}@company{i}.example,+49 30 {10_000_000 + i},www.company{i}.example\n")
    return path.stat().st_size


def seed(app) -> dict[str, str]:
    from api.auth import mint_token
    from api.extensions import db
    from tests.builders import Builder

    with app.app_context():
        build = Builder(db.session)
        client = build.api_client(build.partner("Big List Co"))
        return {"Authorization": f"Bearer {mint_token(client, client.scopes)}"}


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for {pid}")


def worker_of(master: int) -> int:
    for _ in range(100):
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("gunicorn started no worker")


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="partnerhub-bench-customers-"))
    from tests.conftest import recreate_postgres_database

    recreate_postgres_database(PG_URL)
    app = make_app(PG_URL, workdir)
    headers = seed(app)
    csv_path = workdir / "customers.csv"
    size = write_csv(csv_path, CUSTOMERS)
    port = free_port()
    env = {
        **os.environ,
        "WEB_CONCURRENCY": "1",
        "RATE_LIMIT_DEFAULT": "1000000 per minute",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "gunicorn.log").open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if requests.get(base + "/api/v1/customers", headers=headers, timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        worker = worker_of(server.pid)
        print(f"{machine()}; {CUSTOMERS:,} customers, {size / 2**20:.1f} MiB of CSV, gunicorn 1 worker")
        for label in ("first upload (empty list)", "replacing it with the same list"):
            before = peak_rss_mb(worker)
            started = time.perf_counter()
            with csv_path.open("rb") as body:
                answer = requests.put(
                    base + "/api/v1/customers",
                    data=body,
                    headers={**headers, "Content-Type": "text/csv"},
                    timeout=UPLOAD_TIMEOUT,
                )
            seconds = time.perf_counter() - started
            after = peak_rss_mb(worker)
            answer.raise_for_status()
            body = answer.json()
            print(
                f"{label}: {seconds:.1f} s wall, {body['count']:,} customers kept, "
                f"{body['rejected_count']} rejected; worker peak RSS {before:.0f} MiB before, "
                f"{after:.0f} MiB after (+{after - before:.0f} MiB)"
            )
    finally:
        # SIGINT: gunicorn's quick shutdown, not waiting out the client's kept-alive connection.
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
        csv_path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
