"""Faults under load: `python -m bench.faults` (make bench-faults).

gunicorn (3 workers) and two job workers on PostgreSQL (partnerhub_bench_load,
recreated) and Redis (db 14), partner systems posting leads from client
threads. Three rounds, one fault in the middle of each: a gunicorn worker
SIGKILLed, a job worker SIGKILLed (and another started), and the app's
connections to PostgreSQL cut for a few seconds. The cut goes through a TCP
proxy rather than restarting the PostgreSQL server, which other suites on this
machine share. With BENCH_PG_RESTART set to a command (e.g. `pg_ctlcluster
--skip-systemctl-redirect 15 faults restart` for a cluster of the bench's own,
named by BENCH_LOAD_PG_URL), a fourth round restarts the server for real.
After each round: leads sent, acknowledged, stored, duplicated, lost, and the
deliveries the local receiver got by webhook-id.
"""

import json
import os
import shlex
import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import load_average, machine
from bench.rig import Load, Stack, audit, wait_for_deliveries
from bench.session import prepared

THREADS = int(os.environ.get("BENCH_THREADS", "6"))
BEFORE, AFTER = float(os.environ.get("BENCH_BEFORE", "5")), float(os.environ.get("BENCH_AFTER", "8"))
OUTAGE_SECONDS = 3


def main() -> None:
    print(f"# Faults under load — {machine()}; load average before the run: {load_average()}")
    with (
        tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_WORKDIR")) as tmp,
        prepared(Path(tmp)) as (database_url, redis_url, session, receiver, systems),
    ):
        faults = {
            "SIGKILL a gunicorn worker": lambda stack: stack.kill_web_worker(),
            "SIGKILL a job worker, start another": lambda stack: stack.kill_job_worker(),
            f"PostgreSQL unreachable for {OUTAGE_SECONDS} s (proxy cut)": lambda stack: stack.cut_database(
                OUTAGE_SECONDS
            ),
        }
        results = {}
        seen: set[str] = set()

        def run(stack: Stack, rounds: dict) -> None:
            load = Load(stack.base, systems, threads=THREADS)
            for fault, act in rounds.items():
                tag = f"f{len(results)}"
                load.start(tag)
                time.sleep(BEFORE)
                act(stack)
                time.sleep(AFTER)
                load.stop()
                expected = wait_for_deliveries(session, receiver, timeout=60) - seen
                found = audit(session, load.of(tag), expected_ids=expected, received_ids=receiver.ids())
                results[fault] = found
                seen.update(expected)
                print(f"\n## {fault}\n{json.dumps(found.__dict__, indent=2, default=str)}", flush=True)

        with Stack(database_url, redis_url=redis_url, through_proxy=True) as stack:
            run(stack, faults)
        restart = os.environ.get("BENCH_PG_RESTART")
        if restart:
            # Straight to the server, no proxy: the restart itself must close the app's connections.
            command = shlex.split(restart)
            with Stack(database_url, redis_url=redis_url) as stack:
                run(stack, {"PostgreSQL server restarted": lambda stack: subprocess.run(command, check=True)})
    print("\n| fault | sent | acknowledged | stored | duplicated | lost | deliveries expected / received |")
    print("|---|---|---|---|---|---|---|")
    for fault, a in results.items():
        print(
            f"| {fault} | {a.sent} | {a.acknowledged} | {a.stored} | {a.duplicated} | {a.lost} "
            f"| {a.deliveries_expected} / {a.deliveries_received} |"
        )


if __name__ == "__main__":
    main()
