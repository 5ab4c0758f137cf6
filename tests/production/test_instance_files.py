"""The instance folder holds secrets, contacts and password hashes: only its owner reads it.

Real processes, as `make run` and gunicorn start them, each test on a fresh folder.
"""

import json
import multiprocessing
import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from api.config import load_secrets

ROOT = Path(__file__).parent.parent.parent
SECRETS = ("SECRET_KEY", "JWT_SECRET_KEY", "CLIENT_SECRET_HMAC_KEY", "CUSTOMER_HASH_KEY")

# Imports first (the slow part), then waits for the starting signal, so the processes
# create the app at the same moment. umask 0: the modes must not depend on the shell's.
START = textwrap.dedent(
    """
    import json, os, sys, time
    from pathlib import Path

    os.umask(0)
    from flask_migrate import upgrade

    from api import create_app
    from api.worker import queue_of

    go, migrations, use = Path(sys.argv[1]), sys.argv[2], sys.argv[3] == "use"
    instance = Path(os.environ["PARTNERHUB_INSTANCE_PATH"])
    while not go.exists():
        time.sleep(0.001)
    app = create_app()
    generated = ("SECRET_KEY", "JWT_SECRET_KEY", "CLIENT_SECRET_HMAC_KEY", "CUSTOMER_HASH_KEY")
    report = {"secrets": {key: app.config[key] for key in generated}}
    if use:
        with app.app_context():
            upgrade(directory=migrations)
            queue_of(app).wake()
            # While the connections are open: SQLite removes its -wal file with the last one.
            report["modes"] = {p.name: oct(p.stat().st_mode & 0o777) for p in instance.iterdir()}
    print(json.dumps(report))
    """
)


def _start_together(instance: Path, go: Path, count: int, *, use: bool = False) -> list[dict]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", *SECRETS)}
    env |= {"PARTNERHUB_INSTANCE_PATH": str(instance), "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-c", START, str(go), str(ROOT / "migrations"), "use" if use else "start"]
    processes = [
        subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) for _ in range(count)
    ]
    time.sleep(3)  # long enough for every one to have imported the app and be waiting
    go.touch()
    reports = []
    for process in processes:
        out, _ = process.communicate(timeout=120)
        assert process.returncode == 0
        reports.append(json.loads(out))
    return reports


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_processes_starting_at_once_on_a_fresh_instance_end_with_the_same_secrets(tmp_path):
    instance = tmp_path / "instance"

    reports = _start_together(instance, tmp_path / "go", 4)

    stored = json.loads((instance / "secrets.json").read_text())
    assert all(report["secrets"] == {key: stored[key] for key in SECRETS} for report in reports)
    assert _mode(instance / "secrets.json") == 0o600
    assert _mode(instance) == 0o700


def _load_in_rounds(barrier, root: str, rounds: int, results) -> None:
    loaded = []
    for number in range(rounds):
        barrier.wait()
        try:
            loaded.append(load_secrets(f"{root}/{number}"))
        except OSError as exc:
            loaded.append(repr(exc))
    results.put(loaded)


def test_two_processes_creating_the_secrets_at_the_same_instant_agree_round_after_round(tmp_path):
    # Starting a whole app takes too long for its processes to meet often in the instant the
    # file is created; two processes meeting at a barrier before each try meet there every round.
    rounds = 200
    for number in range(rounds):
        (tmp_path / str(number)).mkdir()
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(2), spawn.Queue()
    processes = [
        spawn.Process(target=_load_in_rounds, args=(barrier, str(tmp_path), rounds, results))
        for _ in range(2)
    ]
    for process in processes:
        process.start()

    first, second = results.get(timeout=120), results.get(timeout=120)
    for process in processes:
        process.join(timeout=30)

    assert [n for n in range(rounds) if first[n] != second[n]] == []
    assert all(isinstance(loaded, dict) for loaded in first)


def test_the_instance_folder_and_its_databases_are_readable_by_their_owner_only(tmp_path):
    instance = tmp_path / "instance"

    [report] = _start_together(instance, tmp_path / "go", 1, use=True)

    assert _mode(instance) == 0o700
    assert {"partnerhub.db", "partnerhub.db-wal", "partnerhub.db-shm", "queue.db", "secrets.json"} <= set(
        report["modes"]
    )
    assert set(report["modes"].values()) == {"0o600"}, report["modes"]


def test_a_secrets_file_from_an_older_release_gains_the_client_secret_key_and_keeps_its_others(tmp_path):
    older = {"SECRET_KEY": "kept-session-key", "JWT_SECRET_KEY": "kept-jwt-key"}
    (tmp_path / "secrets.json").write_text(json.dumps(older))

    loaded = load_secrets(str(tmp_path))

    assert loaded["SECRET_KEY"] == "kept-session-key"
    assert loaded["JWT_SECRET_KEY"] == "kept-jwt-key"
    assert len(loaded["CLIENT_SECRET_HMAC_KEY"]) >= 48
    assert len(loaded["CUSTOMER_HASH_KEY"]) >= 48
    assert json.loads((tmp_path / "secrets.json").read_text()) == loaded
