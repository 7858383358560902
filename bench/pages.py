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
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loadgen import (
    HOST,
    ROOT,
    STARTUP_TIMEOUT,
    Request,
    Result,
    gunicorn,
    load,
    manage,
    percentiles,
)

URLS = ["/", "/scopes/", "/api/scopes", "/healthz", "/status/"]
WARMUP_SECONDS = 1.0

VENDOR_PROBE = """
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django.setup()
from django.conf import settings
from django.db import connection
print(connection.vendor, settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1])
"""


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


def describe_stores(env: dict[str, str]) -> tuple[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", VENDOR_PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit("could not load the Django settings")
    vendor, cache_backend = done.stdout.split()
    return vendor, cache_backend


def print_table(rows: list[tuple[str, Result]]) -> None:
    header = f"{'url':<14}{'requests':>10}{'req/s':>10}{'P50 ms':>10}{'P95 ms':>10}{'P99 ms':>10}{'errors':>8}"
    print(header)
    print("-" * len(header))
    for path, r in rows:
        p50, p95, p99 = percentiles(r.latencies_ms)
        print(f"{path:<14}{r.requests:>10}{r.rate:>10.1f}{p50:>10.1f}{p95:>10.1f}{p99:>10.1f}{r.errors:>8}")
    for path, r in rows:
        for status, n in sorted(r.statuses.items()):
            if status != 200:
                label = "connection failed" if status == 0 else f"HTTP {status}"
                print(f"  {path}: {n} x {label}, first: {r.samples.get(status, '')}")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    env = server_env()
    (ROOT / "var").mkdir(exist_ok=True)
    manage(env, "migrate", "--noinput")
    manage(env, "createcachetable")
    manage(env, "seed_demo")
    vendor, cache_backend = describe_stores(env)

    rows: list[tuple[str, Result]] = []
    server_log = ""
    with gunicorn(env, args.workers) as server:
        # Go on with a warning if /healthz only ever answers something else than 200
        # (the errors then show in the table).
        last = server.wait_until_up(Request("GET", "/healthz"))
        if last is None:
            server.fail(f"gunicorn did not answer /healthz within {STARTUP_TIMEOUT:.0f} s")
        if last[0] != 200:
            body = last[1].decode(errors="replace")[:500]
            sys.stderr.write(f"warning: /healthz still answers {last[0]} after {STARTUP_TIMEOUT:.0f} s: {body}\n")
        for path in URLS:
            request = Request("GET", path)
            load(server.port, request, args.concurrency, seconds=WARMUP_SECONDS)
            rows.append((path, load(server.port, request, args.concurrency, seconds=args.seconds)))
        server.stop()
        if any(r.statuses[0] for _, r in rows):
            server_log = server.tail()

    print(
        f"database={vendor} cache={cache_backend} workers={args.workers} "
        f"concurrency={args.concurrency} seconds={args.seconds:g} server=gunicorn {HOST}:{server.port}"
    )
    print_table(rows)
    if server_log:
        print(f"--- gunicorn output (tail) ---\n{server_log}")


if __name__ == "__main__":
    main()
