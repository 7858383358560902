"""Throughput and latency of the public pages under a real gunicorn, printed as a table.

    .venv/bin/python bench/pages.py [--seconds 5] [--concurrency 4] [--workers 2]

Uses whatever DATABASE_URL / REDIS_URL the environment has (the SQLite file in var/ by
default, like `make run`). Migrates, creates the cache table and loads the demo data,
then starts gunicorn on a free port of 127.0.0.1 with RATE_LIMITS_ENABLED=0 and
LOG_LEVEL=WARNING. For each URL: a 1 s warm-up, then `--seconds` of load from
`--concurrency` threads, each sending GETs one after another over http.client.
Latency percentiles cover every completed request; anything but a 200 (or a failed
connection, shown as status 0) counts as an error. The server is always stopped at
the end. This is a benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
URLS = ["/", "/scopes/", "/api/scopes", "/healthz", "/status/"]
WARMUP_SECONDS = 1.0
STARTUP_TIMEOUT = 30.0
REQUEST_TIMEOUT = 10.0
# A keep-alive connection the server has just closed fails on first use; retrying once on
# a fresh connection is what any HTTP client does and is not a server error.
STALE_CONNECTION_ERRORS = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)

VENDOR_PROBE = """
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django.setup()
from django.conf import settings
from django.db import connection
print(connection.vendor, settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1])
"""


@dataclass
class Result:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    # The first answer seen for each non-200 status: why it failed.
    samples: dict[int, str] = field(default_factory=dict)
    elapsed: float = 0.0

    def merge(self, other: Result) -> None:
        self.latencies_ms.extend(other.latencies_ms)
        self.statuses.update(other.statuses)
        for status, sample in other.samples.items():
            self.samples.setdefault(status, sample)

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != 200)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="measured load per URL (default 5)")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.concurrency < 1 or args.workers < 1:
        parser.error("--seconds must be > 0, --concurrency and --workers >= 1")
    return args


def server_env() -> dict[str, str]:
    return {**os.environ, "RATE_LIMITS_ENABLED": "0", "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"}


def manage(env: dict[str, str], *args: str) -> None:
    argv = [sys.executable, "manage.py", *args]
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"{' '.join(argv[1:])} failed with exit code {done.returncode}")


def describe_stores(env: dict[str, str]) -> tuple[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", VENDOR_PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit("could not load the Django settings")
    vendor, cache_backend = done.stdout.split()
    return vendor, cache_backend


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def get(port: int, path: str, timeout: float = REQUEST_TIMEOUT) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_until_healthy(proc: subprocess.Popen[bytes], port: int) -> None:
    """Wait for /healthz to answer 200; go on with a warning if it only ever answers
    something else (the errors then show in the table)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last: tuple[int, bytes] | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with code {proc.returncode} during start-up")
        try:
            last = get(port, "/healthz", timeout=2)
        except (OSError, http.client.HTTPException):
            last = None
        if last is not None and last[0] == 200:
            return
        time.sleep(0.2)
    if last is None:
        raise SystemExit(f"gunicorn did not answer /healthz within {STARTUP_TIMEOUT:.0f} s")
    body = last[1].decode(errors="replace")[:500]
    sys.stderr.write(f"warning: /healthz still answers {last[0]} after {STARTUP_TIMEOUT:.0f} s: {body}\n")


def client(port: int, path: str, deadline: float, result: Result) -> None:
    """Sequential GETs until the deadline; reconnects whenever the server closes."""
    conn: http.client.HTTPConnection | None = None
    while time.monotonic() < deadline:
        start = time.perf_counter()
        status = 0
        sample = ""
        for attempt in range(2):
            reused = conn is not None
            current = conn or http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
            conn = None
            try:
                current.request("GET", path)
                response = current.getresponse()
                body = response.read()
            except STALE_CONNECTION_ERRORS as exc:
                current.close()
                if reused and attempt == 0:
                    continue
                sample = f"{type(exc).__name__}: {exc}"
                break
            except (OSError, http.client.HTTPException) as exc:
                current.close()
                sample = f"{type(exc).__name__}: {exc}"
                break
            status = response.status
            if status != 200 and status not in result.samples:
                content_type = response.getheader("Content-Type", "")
                if "json" in content_type:
                    sample = body.decode(errors="replace")[:400]
                else:
                    sample = f"{content_type or 'no Content-Type'}, {len(body)} bytes"
            if response.will_close:
                current.close()
            else:
                conn = current
            break
        result.latencies_ms.append((time.perf_counter() - start) * 1000)
        result.statuses[status] += 1
        if status != 200:
            result.samples.setdefault(status, sample)
    if conn is not None:
        conn.close()


def load(port: int, path: str, seconds: float, concurrency: int) -> Result:
    results = [Result() for _ in range(concurrency)]
    start = time.monotonic()
    deadline = start + seconds
    threads = [
        threading.Thread(target=client, args=(port, path, deadline, r), daemon=True, name=f"client-{i}")
        for i, r in enumerate(results)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = Result(elapsed=time.monotonic() - start)
    for r in results:
        total.merge(r)
    return total


def percentiles(latencies_ms: list[float]) -> tuple[float, float, float]:
    if not latencies_ms:
        return (float("nan"),) * 3
    if len(latencies_ms) == 1:
        return (latencies_ms[0],) * 3
    cuts = statistics.quantiles(latencies_ms, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def print_table(rows: list[tuple[str, Result]]) -> None:
    header = f"{'url':<14}{'requests':>10}{'req/s':>10}{'P50 ms':>10}{'P95 ms':>10}{'P99 ms':>10}{'errors':>8}"
    print(header)
    print("-" * len(header))
    for path, r in rows:
        p50, p95, p99 = percentiles(r.latencies_ms)
        rate = r.requests / r.elapsed if r.elapsed else 0.0
        print(f"{path:<14}{r.requests:>10}{rate:>10.1f}{p50:>10.1f}{p95:>10.1f}{p99:>10.1f}{r.errors:>8}")
    for path, r in rows:
        for status, n in sorted(r.statuses.items()):
            if status != 200:
                label = "connection failed" if status == 0 else f"HTTP {status}"
                print(f"  {path}: {n} x {label}, first: {r.samples.get(status, '')}")


def tail(log: IO[bytes], limit: int = 4000) -> str:
    log.flush()
    log.seek(0)
    return log.read().decode(errors="replace")[-limit:]


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    env = server_env()
    (ROOT / "var").mkdir(exist_ok=True)
    manage(env, "migrate", "--noinput")
    manage(env, "createcachetable")
    manage(env, "seed_demo")
    vendor, cache_backend = describe_stores(env)

    port = free_port()
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    # No control socket: its default path (~/.gunicorn/gunicorn.ctl) is shared with any other
    # gunicorn on the machine, e.g. one from `make run`, and is removed at shutdown.
    argv_server = [
        gunicorn,
        "portal.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(args.workers),
        "--no-control-socket",
    ]
    rows: list[tuple[str, Result]] = []
    server_log = ""
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(argv_server, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            try:
                wait_until_healthy(proc, port)
            except SystemExit:
                sys.stderr.write(tail(log))
                raise
            for path in URLS:
                load(port, path, WARMUP_SECONDS, args.concurrency)
                rows.append((path, load(port, path, args.seconds, args.concurrency)))
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if any(r.statuses[0] for _, r in rows):
            server_log = tail(log)

    print(
        f"database={vendor} cache={cache_backend} workers={args.workers} "
        f"concurrency={args.concurrency} seconds={args.seconds:g} server=gunicorn {HOST}:{port}"
    )
    print_table(rows)
    if server_log:
        print(f"--- gunicorn output (tail) ---\n{server_log}")


if __name__ == "__main__":
    main()
