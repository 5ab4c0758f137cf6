"""A fresh PostgreSQL database and Redis db for the load and fault runs, seeded, with a receiver listening."""

import contextlib
import os
from pathlib import Path

import redis

from bench.common import make_app
from bench.rig import seed
from tests.conftest import recreate_postgres_database
from tests.receiver import Receiver

DATABASE_URL = os.environ.get(
    "BENCH_LOAD_PG_URL", "postgresql://postgres@127.0.0.1:5432/partnerhub_bench_load"
)
REDIS_URL = os.environ.get("BENCH_LOAD_REDIS_URL", "redis://127.0.0.1:6379/14")


@contextlib.contextmanager
def prepared(workdir: Path):
    """Yield (database url, redis url, session, receiver, partner systems) on a recreated database."""
    from api.extensions import db

    recreate_postgres_database(DATABASE_URL)
    # Only this db is flushed: the wake-up queue and rate-limit counters of an earlier run.
    redis.Redis.from_url(REDIS_URL).flushdb()
    app = make_app(DATABASE_URL, workdir)
    with Receiver() as receiver, app.app_context():
        systems = seed(db.session, receiver_url=receiver.url)
        yield DATABASE_URL, REDIS_URL, db.session, receiver, systems
        db.session.remove()
        db.engine.dispose()
    redis.Redis.from_url(REDIS_URL).flushdb()
