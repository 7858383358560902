"""A real Celery worker in a separate process (prefork pool), for tests that kill
worker processes. It uses the test database and this test process's broker and queue."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

CELERY = Path(sys.executable).with_name("celery")
# Set by pytest: the worker is not a test run and must read only what we pass it.
_TEST_ONLY_VARIABLES = ("PYTEST_VERSION", "PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_CURRENT_TEST")


def database_url() -> str:
    """The URL of the database this test runs on (``test_<name>``, one per xdist worker)."""
    db = connection.settings_dict
    user = quote(db["USER"] or "")
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{db['NAME']}"


def worker_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _TEST_ONLY_VARIABLES}
    env.update(
        DATABASE_URL=database_url(),
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        REDIS_URL=settings.REDIS_URL,
        WEBHOOKS_ALLOW_LOOPBACK="1",
        DJANGO_SETTINGS_MODULE="portal.settings",
    )
    return env


@contextmanager
def prefork_worker(concurrency: int = 1) -> Iterator[subprocess.Popen[bytes]]:
    """``celery -A portal worker --pool=prefork`` consuming this test process's queue
    (outside pytest the settings would pick the ``celery`` queue, hence ``-Q``).
    Always stopped on exit: TERM, then KILL for the whole process group."""
    command = [
        str(CELERY),
        "-A",
        "portal",
        "worker",
        "--pool=prefork",
        f"--concurrency={concurrency}",
        "-Q",
        settings.CELERY_TASK_DEFAULT_QUEUE,
        "--without-heartbeat",
        "--without-mingle",
        "--without-gossip",
        "-l",
        "WARNING",
    ]
    process = subprocess.Popen(
        command,
        cwd=settings.BASE_DIR,
        env=worker_environment(),
        start_new_session=True,  # its own process group, so the pool children go with it
    )
    try:
        yield process
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # any pool child left behind
    process.wait(timeout=10)


def pool_children(parent_pid: int) -> list[int]:
    """The prefork pool processes of a worker (its direct children)."""
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(parent_pid)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return [int(pid) for pid in out.split()]


def wait_for_new_child(parent_pid: int, gone: int, timeout: float = 20.0) -> int:
    """The pool child that replaced ``gone``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = [pid for pid in pool_children(parent_pid) if pid != gone]
        if children:
            return children[0]
        time.sleep(0.1)
    raise AssertionError(f"worker {parent_pid} did not replace its killed pool process {gone}")
