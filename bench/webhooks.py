"""Webhook delivery under load: a real Celery worker, a local receiver, event -> delivered latency.

    .venv/bin/python bench/webhooks.py [--seconds 10] [--rate 100] [--pool prefork|threads]
                                       [--concurrency 4] [--emitters 4] [--warmup-seconds 1]
                                       [--drain-timeout 60]

What runs: this process sets up Django (portal.settings) and emits the events itself with
webhooks.services.emit, one transaction each as a request would, from `--emitters`
threads (concurrent requests of a web server, one database connection each); a Celery
worker (`celery -A portal worker --pool=<pool> --concurrency=<n>`, no gossip, mingle or
heartbeat; no beat, so no sweeper) delivers them; a ThreadingHTTPServer on a free port of
127.0.0.1 in this process receives them (HTTP/1.1 keep-alive, TCP_NODELAY, 200 with a
Content-Length body), noting when each request arrived (time.time(), before the body is
read) and its webhook-id, and checking every signature with the `standardwebhooks` package.

Needs PostgreSQL and Redis. DATABASE_URL defaults to
postgres://postgres@127.0.0.1:5432/portal_bench (created with psql when missing, then
migrated and seeded with seed_demo); REDIS_URL defaults to redis://127.0.0.1:6379/5, a
database of its own that serves as broker (the "celery" queue) and cache. Before the worker
starts, the Celery keys of that Redis database (celery*, unacked*, _kombu.binding*) are
deleted, so tasks left by an interrupted run are not counted; nothing else is touched. The
worker and this process share the environment: WEBHOOKS_ALLOW_LOOPBACK=1 (the receiver is
on 127.0.0.1), DEBUG=0 (unless set), LOG_LEVEL=WARNING.

Set-up: the demo partner of seed_demo and one sandbox endpoint subscribed to
pipeline.sync.completed, made with webhooks.services.create_endpoint and pointing at the
receiver (bench endpoints, with their deliveries, and bench events of earlier runs are
deleted first). The run: one event, to know the worker is up; `--warmup-seconds` of load,
drained and not counted; then `--rate` pipeline.sync.completed events per second for
`--seconds` on a fixed schedule (event i is due at i / rate; an emitter that falls behind
goes on at once), each payload as the seed example with a unique job_id. Then it waits (at
most `--drain-timeout` seconds) until the receiver has seen every event and no delivery is
pending, and one more second for late duplicates.

Measured, per event: latency = first arrival at the receiver - Event.created_at (emitter
lag is not latency: an event late to be emitted is timed from when it was). Reported:
P50/P95/P99/max latency, the emit rate achieved and how far the emitters fell behind their
schedule, delivered throughput (events over the window from the first emit to the last
first arrival), lost events (never received), duplicates (a webhook-id received more than
once), signature failures, delivery rows not `succeeded`, the peak Redis queue length;
where the time goes: emit (Event.created_at -> emit returned, i.e. committed and queued),
queue (-> DeliveryAttempt.started_at: broker, wait for a free worker, claim and load),
send (-> arrival: signing, address check, POST), record (arrival -> Delivery.completed_at:
the answer, the attempt and delivery rows); and the CPU time each party used meanwhile
(from /proc: this process, the worker's main and pool processes, the PostgreSQL backends
connected to the bench database, redis-server, and everything else on the machine). The
worker is always stopped, and the receiver shut, at the end. Everything shares the
machine: on a small or busy one the emitters, the receiver and the worker compete for the
same cores. A benchmark, not a test: it asserts nothing.

Goal (from the issue): P95 <= 2 s, zero lost, zero duplicates after success.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import procstat
from bench.loadgen import HOST, demo_partner, ensure_postgres_database, manage, percentiles
from bench.webhook_rig import QueueSampler, Receiver, Worker, celery_worker, clear_celery_keys, receiver

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/5"
EVENT_TYPE = "pipeline.sync.completed"
BENCH_NAME = "bench webhooks"  # endpoints of earlier runs are found (and deleted) by this description
JOB_PREFIX = "job_bench_"  # events of earlier runs are found (and deleted) by this job_id prefix
GOAL_P95_MS = 2000.0
WORKER_START_TIMEOUT = 60.0
DUPLICATE_GRACE = 1.0
POLL = 0.2


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured load (default 10)")
    parser.add_argument("--rate", type=float, default=100.0, help="events emitted per second (default 100)")
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes or threads (default 4)")
    parser.add_argument("--pool", choices=["prefork", "threads"], default="prefork", help="Celery pool")
    parser.add_argument(
        "--emitters", type=int, default=4, help="threads emitting events, as concurrent requests (default 4)"
    )
    parser.add_argument(
        "--warmup-seconds", type=float, default=1.0, help="load before the measurement, not counted (default 1)"
    )
    parser.add_argument(
        "--drain-timeout", type=float, default=60.0, help="longest wait for deliveries after the load (default 60)"
    )
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.rate <= 0 or args.warmup_seconds < 0 or args.drain_timeout <= 0:
        parser.error("--seconds, --rate and --drain-timeout must be > 0, --warmup-seconds >= 0")
    if args.concurrency < 1 or args.emitters < 1:
        parser.error("--concurrency and --emitters must be >= 1")
    return args


# --- Services ---------------------------------------------------------------------------


def configure_environment() -> dict[str, str]:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    os.environ.setdefault("CELERY_BROKER_URL", os.environ["REDIS_URL"])
    os.environ.setdefault("DEBUG", "0")
    os.environ.update(
        {
            "WEBHOOKS_ALLOW_LOOPBACK": "1",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "PYTHONUNBUFFERED": "1",
        }
    )
    broker = os.environ["CELERY_BROKER_URL"]
    if not broker.startswith("redis"):
        raise SystemExit(f"the benchmark needs a Redis broker, CELERY_BROKER_URL is {broker!r}")
    return dict(os.environ)


# --- Django: set-up and load -------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    partner: Any  # partners.models.Partner (imported after django.setup())
    endpoint: Any  # webhooks.models.Endpoint
    secret: str
    other_endpoints: int  # other active sandbox endpoints of the partner subscribed to the type


def prepare_target(url: str) -> Target:
    """The demo partner and a fresh endpoint at ``url``; earlier runs' endpoints and events go."""
    import django

    django.setup()

    from webhooks import services
    from webhooks.models import Endpoint, Event

    alice, partner = demo_partner()
    Endpoint.objects.filter(partner=partner, description__startswith=BENCH_NAME).delete()
    Event.objects.filter(partner=partner, type=EVENT_TYPE, body__contains=f'"job_id":"{JOB_PREFIX}').delete()
    candidates = Endpoint.objects.active().filter(partner=partner, environment="sandbox")
    others = sum(EVENT_TYPE in types for types in candidates.values_list("event_types", flat=True))
    created = services.create_endpoint(
        partner=partner, url=url, event_types=[EVENT_TYPE], description=f"{BENCH_NAME} {os.getpid()}", by=alice
    )
    return Target(partner=partner, endpoint=created.endpoint, secret=created.secret, other_endpoints=others)


class Emitters:
    """Threads that live for the whole run, so their database connections (and the
    PostgreSQL backends serving them, whose CPU time is counted) do too."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.pool = ThreadPoolExecutor(max_workers=count, thread_name_prefix="emitter")

    def run(self, job: Callable[[], None]) -> None:
        """``job`` once in each thread (at most); re-raises the first exception."""
        for future in [self.pool.submit(job) for _ in range(self.count)]:
            future.result()

    def close(self) -> None:
        from django.db import connection

        barrier = threading.Barrier(self.count)

        def close_connection() -> None:
            barrier.wait(timeout=10)  # every thread takes one: each closes its own connection
            connection.close()

        with contextlib.suppress(threading.BrokenBarrierError):
            self.run(close_connection)
        self.pool.shutdown()


@dataclass(frozen=True)
class Emitted:
    pk: int
    public_id: str
    created_at: float  # Event.created_at, epoch seconds
    returned_at: float  # emit() committed and its tasks queued, epoch seconds
    duration_ms: float
    lag_ms: float  # how late the emit began against its schedule


@dataclass
class Load:
    events: list[Emitted] = field(default_factory=list)
    started: float = 0.0  # epoch seconds
    elapsed: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.events) / self.elapsed if self.elapsed else 0.0

    @property
    def ids(self) -> list[str]:
        return [e.public_id for e in self.events]


def emit_paced(target: Target, rate: float, seconds: float, label: str, emitters: Emitters) -> Load:
    """``rate`` events a second for ``seconds`` on a fixed schedule (event i is due at
    i / rate), one transaction each, from the emitter threads: concurrent requests of a
    web server, each with its own database connection."""
    from django.db import transaction
    from django.utils import timezone

    from lib.ids import iso
    from webhooks import services

    count = max(1, round(rate * seconds))
    run = f"{os.getpid()}_{int(time.time())}_{label}"
    slots: list[Emitted | None] = [None] * count
    indexes = iter(range(count))
    lock = threading.Lock()
    started = time.time()
    start = time.perf_counter()

    def emit_one(i: int) -> Emitted:
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        began = time.perf_counter()
        payload = {
            "job_id": f"{JOB_PREFIX}{run}_{i:06d}",
            "partner_gpid": target.partner.gpid,
            "resource_types": ["Patient", "Observation"],
            "records_processed": 1000 + i,
            "completed_at": iso(timezone.now()),
        }
        with transaction.atomic():  # the request's transaction; the tasks are queued on commit
            event = services.emit(partner=target.partner, type=EVENT_TYPE, payload=payload)
        returned = time.time()
        done = time.perf_counter()
        return Emitted(
            event.pk,
            event.public_id,
            event.created_at.timestamp(),
            returned,
            (done - began) * 1000,
            (began - due) * 1000,
        )

    def emitter() -> None:
        while True:
            with lock:
                i = next(indexes, None)
            if i is None:
                return
            slots[i] = emit_one(i)

    emitters.run(emitter)
    elapsed = time.perf_counter() - start
    return Load(events=[e for e in slots if e is not None], started=started, elapsed=elapsed)


def pending(target: Target, pks: list[int]) -> int:
    from webhooks.models import Delivery

    return Delivery.objects.filter(endpoint=target.endpoint, event_id__in=pks, status=Delivery.Status.PENDING).count()


def wait_drained(target: Target, server: Receiver, worker: Worker, load: Load, timeout: float) -> tuple[bool, float]:
    """Until the receiver has every event and none of their deliveries is pending:
    (drained, seconds waited)."""
    began = time.monotonic()
    pks = [e.pk for e in load.events]
    while time.monotonic() - began < timeout:
        if server.has_all(load.ids) and pending(target, pks) == 0:
            return True, time.monotonic() - began
        if not worker.alive():
            break
        time.sleep(POLL)
    return False, time.monotonic() - began


# --- Analysis ----------------------------------------------------------------------------


@dataclass
class Report:
    latencies_ms: list[float]
    lost: list[str]
    duplicates: dict[str, int]
    statuses: dict[str, int]  # delivery rows of the measured events, by status
    missing_rows: int  # measured events without a delivery row to the bench endpoint
    retried: int  # deliveries that needed more than one attempt
    attempt_errors: dict[str, int]
    stages: dict[str, list[float]]  # ms per event, for the breakdown
    throughput: float
    window: float
    drain_after_load: float  # last first arrival - last emit returned, s


STAGES = (
    ("emit", "Event.created_at -> emit() returned (commit, on_commit publish)"),
    ("queue", "emit returned -> attempt started (broker, free worker, claim, load rows)"),
    ("send", "attempt started -> request at the receiver (decrypt, sign, resolve, POST)"),
    ("record", "request at receiver -> Delivery.completed_at (answer, attempt + delivery rows)"),
    ("http", "DeliveryAttempt.latency_ms (the POST round trip as the worker measured it)"),
)


def epoch(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None


def analyse(target: Target, server: Receiver, load: Load) -> Report:
    from webhooks.models import Delivery, DeliveryAttempt

    first = server.first_arrivals()
    counts = server.counts()
    by_pk = {e.pk: e for e in load.events}
    latencies = [(first[e.public_id] - e.created_at) * 1000 for e in load.events if e.public_id in first]
    lost = [e.public_id for e in load.events if e.public_id not in first]
    duplicates = {e.public_id: counts[e.public_id] for e in load.events if counts.get(e.public_id, 0) > 1}

    rows = list(
        Delivery.objects.filter(endpoint=target.endpoint, event_id__in=list(by_pk), replay_of__isnull=True).values(
            "pk", "event_id", "status", "attempt_count", "completed_at"
        )
    )
    statuses: dict[str, int] = {}
    for row in rows:
        statuses[row["status"]] = statuses.get(row["status"], 0) + 1
    attempts: dict[int, list[dict[str, Any]]] = {}
    for attempt in DeliveryAttempt.objects.filter(delivery_id__in=[r["pk"] for r in rows]).values(
        "delivery_id", "number", "started_at", "latency_ms", "status_code", "error"
    ):
        attempts.setdefault(attempt["delivery_id"], []).append(dict(attempt))
    errors: dict[str, int] = {}
    for found in attempts.values():
        for a in found:
            if a["error"] or not (a["status_code"] and 200 <= a["status_code"] < 300):
                key = a["error"] or f"HTTP {a['status_code']}"
                errors[key] = errors.get(key, 0) + 1

    stages: dict[str, list[float]] = {name: [] for name, _ in STAGES}
    for row in rows:
        event = by_pk[row["event_id"]]
        arrived = first.get(event.public_id)
        ok = [a for a in attempts.get(row["pk"], []) if a["status_code"] and 200 <= a["status_code"] < 300]
        if arrived is None or not ok or row["attempt_count"] != 1:
            continue  # the breakdown covers first-attempt successes
        started = epoch(ok[0]["started_at"]) or 0.0
        stages["emit"].append((event.returned_at - event.created_at) * 1000)
        stages["queue"].append((started - event.returned_at) * 1000)
        stages["send"].append((arrived - started) * 1000)
        completed = epoch(row["completed_at"])
        if completed is not None:
            stages["record"].append((completed - arrived) * 1000)
        if ok[0]["latency_ms"] is not None:
            stages["http"].append(float(ok[0]["latency_ms"]))

    delivered = [first[e.public_id] for e in load.events if e.public_id in first]
    window = (max(delivered) - load.events[0].created_at) if delivered else 0.0
    return Report(
        latencies_ms=latencies,
        lost=lost,
        duplicates=duplicates,
        statuses=statuses,
        missing_rows=len(by_pk) - len(rows),
        retried=sum(1 for r in rows if r["attempt_count"] > 1),
        attempt_errors=errors,
        stages=stages,
        throughput=len(delivered) / window if window > 0 else 0.0,
        window=window,
        drain_after_load=(max(delivered) - load.events[-1].returned_at) if delivered else float("nan"),
    )


# --- CPU ---------------------------------------------------------------------------------

PARTIES = ("bench (emit+receive)", "worker main process", "worker pool processes", "postgres backends", "redis")


def cpu_snapshot(worker_pgid: int, database: str) -> procstat.Cpu:
    """This process (emitters and receiver), the worker's process group, the PostgreSQL
    backends connected to ``database``, redis-server (shared with anyone else using it),
    and the whole machine."""

    def party_of(proc: procstat.ProcStat) -> str | None:
        if proc.pgrp == worker_pgid:
            return PARTIES[1] if proc.pid == worker_pgid else PARTIES[2]
        if proc.comm == "postgres" and f" {database} " in proc.cmdline():  # "postgres: user database host state"
            return PARTIES[3]
        if proc.comm.startswith("redis-server"):
            return PARTIES[4]
        return None

    return procstat.snapshot(party_of, PARTIES[0])


def print_cpu(after: procstat.Cpu, before: procstat.Cpu, delivered: int) -> None:
    wall, parties, busy = after.since(before, PARTIES)
    cores = os.cpu_count() or 1
    other = max(0.0, busy - sum(parties.values()))
    print()
    print(
        f"CPU from the first emit to the last delivery ({wall:.1f} s wall x {cores} cores = {wall * cores:.1f} CPU s; "
        f"machine busy {busy:.1f} CPU s)"
    )
    print(f"  {'party':<24}{'CPU s':>8}{'of cores':>10}{'ms/event':>10}")
    for name, used in [*parties.items(), ("everything else", other)]:
        share = used / (wall * cores) * 100 if wall else float("nan")
        per_event = used / delivered * 1000 if delivered else float("nan")
        print(f"  {name:<24}{used:>8.2f}{share:>9.0f}%{per_event:>10.1f}")


# --- Output ------------------------------------------------------------------------------


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def fmt(values: list[float]) -> str:
    p50, p95, p99 = percentiles(values)
    top = max(values) if values else float("nan")
    return f"{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}{top:>9.1f}"


def print_report(
    args: argparse.Namespace,
    env: Mapping[str, str],
    target: Target,
    server: Receiver,
    load: Load,
    report: Report,
    drained: bool,
    queue_peak: int,
    loadavg: tuple[tuple[float, float, float], tuple[float, float, float]],
) -> None:
    redis_url = env["CELERY_BROKER_URL"]
    print(
        f"pool={args.pool} concurrency={args.concurrency} emitters={args.emitters} rate={args.rate:g}/s "
        f"seconds={args.seconds:g} "
        f"warm-up={args.warmup_seconds:g} s database=postgresql broker={redis_url} debug={env['DEBUG']} "
        f"retry delays={env.get('WEBHOOKS_RETRY_DELAYS', 'default')}"
    )
    before, after = loadavg
    print(
        f"note: this process (emitter + receiver), the worker, PostgreSQL and Redis share {os.cpu_count()} cores "
        f"with whatever else runs (load average {before[0]:.2f} before, {after[0]:.2f} after): figures are noisy"
    )
    if target.other_endpoints:
        print(f"note: the partner has {target.other_endpoints} other subscribed endpoint(s); they get deliveries too")
    n = len(load.events)
    emit_ms = [e.duration_ms for e in load.events]
    p50, p95, _ = percentiles(emit_ms)
    print()
    print(f"emitted            {n:>6} events in {load.elapsed:.2f} s = {load.rate:.1f} events/s")
    print(f"emit() call        P50 {p50:.1f} ms, P95 {p95:.1f} ms, max {max(emit_ms):.1f} ms")
    lag = [e.lag_ms for e in load.events]
    lag50, lag95, _ = percentiles(lag)
    print(f"emit behind sched. P50 {lag50:.1f} ms, P95 {lag95:.1f} ms, max {max(lag):.1f} ms (the emitters' own lag)")
    print(
        f"delivered          {len(report.latencies_ms):>6} events; throughput {report.throughput:.1f} events/s "
        f"over {report.window:.2f} s (first emit -> last first arrival)"
    )
    print(f"drain after load   {report.drain_after_load:.2f} s (last emit -> last first arrival)")
    print(f"Redis queue peak   {queue_peak} messages waiting")
    print()
    print(f"{'latency ms':<34}{'P50':>9}{'P95':>9}{'P99':>9}{'max':>9}")
    print(f"{'event -> delivered':<34}{fmt(report.latencies_ms)}")
    print()
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(report.statuses.items())) or "none"
    not_succeeded = sum(v for k, v in report.statuses.items() if k != "succeeded") + report.missing_rows
    print(f"lost (never received)          {len(report.lost):>6}")
    print(f"duplicates (id received > 1)   {len(report.duplicates):>6}")
    print(f"signature failures             {server.signature_failures:>6}")
    print(f"delivery rows not succeeded    {not_succeeded:>6}   ({statuses}; without a row: {report.missing_rows})")
    print(f"deliveries with > 1 attempt    {report.retried:>6}")
    if not drained:
        print(f"  NOT DRAINED: gave up after --drain-timeout {args.drain_timeout:g} s")
    for error, count in sorted(report.attempt_errors.items(), key=lambda kv: -kv[1])[:5]:
        print(f"  failed attempts: {count} x {error}")
    if report.lost:
        print(f"  lost, first: {', '.join(report.lost[:5])}")
    if report.duplicates:
        print(f"  duplicated, first: {', '.join(f'{k} x{v}' for k, v in list(report.duplicates.items())[:5])}")
    if server.failure_sample:
        print(f"  signature failure, first: {server.failure_sample}")
    print()
    p95_latency = percentiles(report.latencies_ms)[1] if report.latencies_ms else float("inf")
    print("goals")
    p95_verdict = verdict(p95_latency <= GOAL_P95_MS)
    print(f"  P95 event -> delivered <= {GOAL_P95_MS:.0f} ms   {p95_latency:>9.1f}   {p95_verdict}")
    print(f"  zero lost                         {len(report.lost):>9}   {verdict(not report.lost)}")
    print(f"  zero duplicates after success     {len(report.duplicates):>9}   {verdict(not report.duplicates)}")
    print()
    counted = len(report.stages["emit"])
    print(f"where the time goes (ms; {counted} first-attempt successes)")
    print(f"  {'stage':<8}{'P50':>9}{'P95':>9}{'P99':>9}{'max':>9}   span")
    for name, span in STAGES:
        print(f"  {name:<8}{fmt(report.stages[name])}   {span}")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    env = configure_environment()
    ensure_postgres_database(env["DATABASE_URL"])
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    dropped = clear_celery_keys(env["CELERY_BROKER_URL"])
    if dropped:
        print(f"deleted {dropped} Celery key(s) left in {env['CELERY_BROKER_URL']}", file=sys.stderr)

    from django.db import connections

    loadavg_before = os.getloadavg()
    sampler = QueueSampler(env["CELERY_BROKER_URL"])
    sampler.start()
    emitters = Emitters(args.emitters)
    worker_log = ""
    try:
        with receiver() as server:
            target = prepare_target(f"http://{HOST}:{server.port}/hooks/bench")
            server.secret = target.secret
            with celery_worker(env, args.pool, args.concurrency) as worker:
                # One event: the worker is up (and has imported Django) once it arrives.
                probe = emit_paced(target, 1.0, 1.0, "probe", emitters)
                up, waited = wait_drained(target, server, worker, probe, WORKER_START_TIMEOUT)
                if not up:
                    sys.stderr.write(worker.tail())
                    raise SystemExit(f"the worker delivered nothing within {waited:.0f} s")
                print(f"worker up: first delivery {waited:.1f} s after the worker started", file=sys.stderr)
                if args.warmup_seconds:
                    warm = emit_paced(target, args.rate, args.warmup_seconds, "warm", emitters)
                    wait_drained(target, server, worker, warm, args.drain_timeout)
                print(f"load: {args.rate:g} events/s for {args.seconds:g} s", file=sys.stderr)
                database = unquote(urlsplit(env["DATABASE_URL"]).path.lstrip("/"))
                cpu_before = cpu_snapshot(worker.proc.pid, database)
                load = emit_paced(target, args.rate, args.seconds, "load", emitters)
                drained, _ = wait_drained(target, server, worker, load, args.drain_timeout)
                cpu_after = cpu_snapshot(worker.proc.pid, database)
                time.sleep(DUPLICATE_GRACE)  # a duplicate sent just after the last success still counts
                worker_alive = worker.alive()
                worker.stop()
                worker_log = worker.output()
            report = analyse(target, server, load)
            queue_peak = sampler.peak(load.started, load.started + load.elapsed + report.drain_after_load + 1)
    finally:
        sampler.stop()
        emitters.close()
        connections.close_all()

    print()
    print_report(args, env, target, server, load, report, drained, queue_peak, (loadavg_before, os.getloadavg()))
    print_cpu(cpu_after, cpu_before, len(report.latencies_ms))
    # Log records: Celery's "[time: LEVEL/process] message" and the portal's JSON lines
    # ({"level": "LEVEL", ...}); the banner and the running-as-root SecurityWarning are not.
    record = re.compile(r'\b(WARNING|ERROR|CRITICAL)/|"level": "(WARNING|ERROR|CRITICAL)"')
    logged = [line for line in worker_log.splitlines() if record.search(line)]
    pool_full = sum("Connection pool is full" in line for line in logged)
    print()
    print(f"worker: {' '.join(worker.argv[1:])}")
    print(
        f"worker: {'ran to the end' if worker_alive else 'EXITED DURING THE RUN'}; {len(logged)} log record(s) "
        f"at WARNING or above, {pool_full} of them urllib3 'Connection pool is full'"
    )
    if logged or not worker_alive:
        print("--- worker output (tail) ---")
        print("\n".join((logged or worker_log.splitlines())[-20:]))


if __name__ == "__main__":
    main()
