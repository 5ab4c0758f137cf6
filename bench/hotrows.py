"""Intake from one sender to one receiver beside intake spread over 20: `python -m bench.hotrows`.

Every lead from one sender to one receiver on one day adds to the same rollup
row. Both senders post to the same gunicorn (the settings of bench.intake),
taking turns round after round: "one receiver" has a single partnership, so
all its leads meet on one row; "20 receivers" has twenty, and routing spreads
its leads over them. The ratio of the two rates is what the hot row costs.
"""

import json
import multiprocessing
import os
import sys
import tempfile
from pathlib import Path

from bench.common import fresh_database, machine, make_app, median
from bench.intake import BENCH_ENV, DATABASES, ROOT, ROUNDS, SECONDS, load, serve, stop

SPREAD = 20


def seed(app) -> dict[str, str]:
    """Two senders, one with a single fitter to send to and one with twenty; their tokens."""
    from api.auth import mint_token
    from api.extensions import db
    from tests.builders import Builder

    tokens = {}
    with app.app_context():
        build = Builder(db.session)
        for name, receivers in (("one receiver", 1), (f"{SPREAD} receivers", SPREAD)):
            sender = build.partner(f"Sender to {name}", lines=["windows"], sales_reps=5)
            for i in range(receivers):
                fitter = build.partner(
                    f"Fitter {i} of {name}", lines=["window-installation"], sales_reps=100_000
                )
                build.partnership(sender, fitter)
            client = build.api_client(sender)
            tokens[name] = mint_token(client, client.scopes)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return tokens


def main() -> None:
    print(f"# The hot rollup row: one receiver beside {SPREAD} — {machine()}")
    print(f"{ROUNDS} rounds of {SECONDS:.0f} s per sender in turn, 16 clients, one gunicorn per database\n")
    print("| database | leads/s, one receiver | leads/s, 20 receivers | one / 20 | each round |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp, multiprocessing.get_context("spawn").Pool(4) as pool:
        log = Path(tmp) / "gunicorn.log"
        for kind in DATABASES:
            app = make_app(fresh_database(kind, Path(tmp)), Path(tmp))
            tokens = seed(app)
            env = {**os.environ, **BENCH_ENV, "PYTHONPATH": str(ROOT)}
            proc, port = serve("wsgi:app", env, log)
            try:
                rounds = [
                    {name: load(pool, port, "/api/v1/leads", token)["rps"] for name, token in tokens.items()}
                    for _ in range(ROUNDS)
                ]
            finally:
                stop(proc)
            one, spread = ([r[name] for r in rounds] for name in ("one receiver", f"{SPREAD} receivers"))
            ratios = [a / b for a, b in zip(one, spread, strict=True)]
            print(
                f"| {kind} | {median(one):.0f} | {median(spread):.0f} | **{median(ratios):.0%}** "
                f"| {', '.join(f'{r:.0%}' for r in ratios)} |"
            )
            sys.stdout.flush()
    if os.environ.get("BENCH_JSON"):
        print(json.dumps({"rounds": rounds}))


if __name__ == "__main__":
    main()
