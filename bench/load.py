"""POST /leads in the production shape: `python -m bench.load` (make bench-load).

gunicorn (gunicorn.conf.py, 3 workers x 4 threads) and two job workers on
PostgreSQL (partnerhub_bench_load, recreated) and Redis (db 14), webhooks to a
receiver on localhost. Client threads, each a partner system with its own
token, post leads for a fixed time with Idempotency-Keys, retrying errors with
the same key; then the same threads GET /healthz on the same server for the
same time, as its hello-world rate. Reports leads per second, median and p99,
the ratio to hello-world, RSS per process, and what became of every lead.
"""

import json
import os
import tempfile
import time
from pathlib import Path

from bench.common import load_average, machine, median, percentile
from bench.rig import Load, Stack, audit, hammer, wait_for_deliveries
from bench.session import prepared

THREADS = int(os.environ.get("BENCH_THREADS", "8"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
WEB_WORKERS = 3


def _row(name: str, count: int, latencies: list[float]) -> str:
    return f"| {name} | {count / SECONDS:.0f} | {median(latencies):.1f} | {percentile(latencies, 99):.1f} |"


def main() -> None:
    print(f"# POST /leads, production shape — {machine()}")
    print(f"load average before the run: {load_average()}")
    print(f"gunicorn.conf.py, {WEB_WORKERS} workers x 4 threads, 2 job workers; ", end="")
    print(f"{THREADS} clients, {SECONDS:.0f} s")
    with (
        tempfile.TemporaryDirectory() as tmp,
        prepared(Path(tmp)) as (url, redis_url, session, receiver, systems),
        Stack(url, web_workers=WEB_WORKERS, redis_url=redis_url) as stack,
    ):
        # A few leads first, so every worker has imported and connected before the clock runs.
        Load(stack.base, systems, threads=THREADS).start("warmup", max_leads=3 * THREADS).stop()
        load = Load(stack.base, systems, threads=THREADS).start("load")
        time.sleep(SECONDS)
        memory = stack.memory()
        load.stop()
        hello = hammer(stack.base + "/healthz", threads=THREADS, seconds=SECONDS)
        expected = wait_for_deliveries(session, receiver, timeout=120)
        sent = load.of("load")
        result = audit(session, sent, expected_ids=expected, received_ids=receiver.ids())
    latencies = [ms for s in sent for ms in s.latencies_ms]
    print("| target | per second | median ms | p99 ms |")
    print("|---|---|---|---|")
    print(_row("POST /api/v1/leads (acknowledged leads)", result.acknowledged, latencies))
    print(_row("GET /healthz (hello-world)", len(hello), hello))
    print(f"\nleads / hello-world: {result.acknowledged / len(hello):.0%}")
    print("\n| process | RSS MiB |\n|---|---|")
    for role, sizes in memory.items():
        print(f"| {role} | {', '.join(f'{mib:.0f}' for mib in sizes)} |")
    print(f"\n{json.dumps(result.__dict__, default=str)}")


if __name__ == "__main__":
    main()
