"""gunicorn in production: `gunicorn -c gunicorn.conf.py wsgi:app` (docs/production.md).

Every setting can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import multiprocessing
import os

bind = os.environ.get("BIND") or f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Requests mostly wait on PostgreSQL, so a few threads per process keep the cores busy.
workers = int(os.environ.get("WEB_CONCURRENCY") or max(2, multiprocessing.cpu_count() * 2))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS") or 4)
# A worker silent this long is killed and replaced; far above any request we expect.
timeout = int(os.environ.get("WEB_TIMEOUT") or 30)
# On SIGTERM (deploy, scale down) in-flight requests get this long to finish.
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT") or 30)
keepalive = 5
# Recycling workers now and then bounds any slow leak; the jitter keeps them from restarting together.
max_requests = 5000
max_requests_jitter = 500
# Each worker imports the app itself, so no database connection is ever shared across a fork.
preload_app = False
# The app logs every request as one JSON line with its request id (api/observability.py).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
