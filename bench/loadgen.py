"""What the benchmarks share: manage.py, a gunicorn on a free port, and a bounded-load HTTP client.

The scripts in bench/ run as files (``.venv/bin/python bench/pages.py``), not as modules, so
each puts the project root on sys.path before importing this module as ``bench.loadgen``.

The client: ``concurrency`` threads, each sending one request after another over
http.client until a deadline (``seconds``) or until ``requests`` have been sent between
them. Every completed request's latency is kept; anything but a 200 (or a failed
connection, counted as status 0) is an error, and the first answer seen for each such
status is kept to show why.

``wrk_load`` does the same for a deadline with wrk (Debian's ``wrk`` package), ``concurrency``
connections on one wrk thread: written in C, it takes a fraction of the CPU the Python
threads take from the server on the same cores. wrk reports P50/P95/P99 rather than every
latency, and measures from sending the request (a new connection's set-up is not counted,
and gunicorn's sync workers close every connection).
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, NoReturn
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
STARTUP_TIMEOUT = 30.0
REQUEST_TIMEOUT = 10.0
# A keep-alive connection the server has just closed fails on first use; retrying once on
# a fresh connection is what any HTTP client does and is not a server error.
STALE_CONNECTION_ERRORS = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)

# (status, body) -> the status to count, e.g. to turn a 200 lacking something into an error.
Classify = Callable[[int, bytes], int]
# (status, body, Content-Type) -> the sample kept for the first answer with that status.
Describe = Callable[[int, bytes, str], str]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None


@dataclass
class Result:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    # The first answer seen for each non-200 status: why it failed.
    samples: dict[int, str] = field(default_factory=dict)
    # Body sizes of the answers received, in bytes.
    sizes: set[int] = field(default_factory=set)
    elapsed: float = 0.0
    # Set by wrk_load, which reports a count and P50/P95/P99 instead of every latency.
    count: int | None = None
    summary_ms: tuple[float, float, float] | None = None

    def merge(self, other: Result) -> None:
        self.latencies_ms.extend(other.latencies_ms)
        self.statuses.update(other.statuses)
        self.sizes.update(other.sizes)
        for status, sample in other.samples.items():
            self.samples.setdefault(status, sample)

    @property
    def requests(self) -> int:
        return self.count if self.count is not None else len(self.latencies_ms)

    def percentiles(self) -> tuple[float, float, float]:
        """P50, P95 and P99 in ms (NaN without data)."""
        return self.summary_ms if self.summary_ms is not None else percentiles(self.latencies_ms)

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != 200)

    @property
    def rate(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0


# --- Django ------------------------------------------------------------------------------


def manage(env: Mapping[str, str], *args: str) -> None:
    """Run a manage.py subcommand; on failure show its output and exit."""
    argv = [sys.executable, "manage.py", *args]
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"{' '.join(argv[1:])} failed with exit code {done.returncode}")


# --- HTTP --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def send(port: int, request: Request, timeout: float = REQUEST_TIMEOUT) -> tuple[int, bytes]:
    """One request on a connection of its own: (status, body)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(request.method, request.path, body=request.body, headers=request.headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def describe_response(status: int, body: bytes, content_type: str) -> str:
    if "json" in content_type:
        return body.decode(errors="replace")[:400]
    return f"{content_type or 'no Content-Type'}, {len(body)} bytes"


class Budget:
    """When the clients stop: at a deadline, after a number of requests between them, or both."""

    def __init__(self, seconds: float | None, requests: int | None) -> None:
        if seconds is None and requests is None:
            raise ValueError("a load needs seconds or requests")
        self.deadline = None if seconds is None else time.monotonic() + seconds
        self.remaining = requests
        self.lock = threading.Lock()

    def take(self) -> bool:
        """May one more request start?"""
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return False
        if self.remaining is None:
            return True
        with self.lock:
            if self.remaining <= 0:
                return False
            self.remaining -= 1
            return True


def client(
    port: int,
    request: Request,
    budget: Budget,
    result: Result,
    timeout: float = REQUEST_TIMEOUT,
    classify: Classify | None = None,
    describe: Describe = describe_response,
) -> None:
    """Sequential requests while the budget lasts; reconnects whenever the server closes."""
    conn: http.client.HTTPConnection | None = None
    while budget.take():
        start = time.perf_counter()
        status = 0
        sample = ""
        for attempt in range(2):
            reused = conn is not None
            current = conn or http.client.HTTPConnection(HOST, port, timeout=timeout)
            conn = None
            try:
                current.request(request.method, request.path, body=request.body, headers=request.headers)
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
            status = response.status if classify is None else classify(response.status, body)
            result.sizes.add(len(body))
            if status != 200 and status not in result.samples:
                sample = describe(status, body, response.getheader("Content-Type", ""))
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


def load(
    port: int,
    request: Request,
    concurrency: int,
    *,
    seconds: float | None = None,
    requests: int | None = None,
    timeout: float = REQUEST_TIMEOUT,
    classify: Classify | None = None,
    describe: Describe = describe_response,
) -> Result:
    """``concurrency`` clients sending ``request`` for ``seconds`` and/or ``requests`` in all."""
    results = [Result() for _ in range(concurrency)]
    start = time.monotonic()
    budget = Budget(seconds, requests)
    threads = [
        threading.Thread(
            target=client,
            args=(port, request, budget, r, timeout, classify, describe),
            daemon=True,
            name=f"client-{i}",
        )
        for i, r in enumerate(results)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Elapsed includes the requests still in flight at the deadline, which are counted.
    total = Result(elapsed=time.monotonic() - start)
    for r in results:
        total.merge(r)
    return total


def percentiles(
    latencies_ms: list[float], method: Literal["inclusive", "exclusive"] = "inclusive"
) -> tuple[float, float, float]:
    """P50, P95 and P99 (NaN without data)."""
    if not latencies_ms:
        return (float("nan"),) * 3
    if len(latencies_ms) == 1:
        return (latencies_ms[0],) * 3
    cuts = statistics.quantiles(latencies_ms, n=100, method=method)
    return cuts[49], cuts[94], cuts[98]


# --- wrk -------------------------------------------------------------------------------------

WRK_SCRIPT = r"""
wrk.method = %(method)s
wrk.path = %(path)s
wrk.body = %(body)s
wrk.headers = {%(headers)s}
local wanted = %(wanted)s

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  samples = {}
end

function response(status, headers, body)
  if status == 200 and wanted ~= "" and not string.find(body or "", wanted, 1, true) then
    status = -1
  end
  statuses[status] = (statuses[status] or 0) + 1
  if status ~= 200 and samples[status] == nil then
    samples[status] = string.sub(body or "", 1, 400)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK-SUMMARY %%d %%d %%d %%.1f %%.1f %%.1f\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      io.write(string.format("WRK-STATUS %%d %%d\n", status, n))
    end
    for status, sample in pairs(thread:get("samples")) do
      io.write(string.format("WRK-SAMPLE %%d %%s\n", status, (string.gsub(sample, "%%c", " "))))
    end
  end
end
"""


def _lua_string(value: str | bytes) -> str:
    raw = value.encode() if isinstance(value, str) else value
    return '"' + "".join(chr(b) if 32 <= b < 127 and b not in (34, 92) else f"\\{b:03d}" for b in raw) + '"'


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def wrk_load(
    port: int,
    request: Request,
    concurrency: int,
    *,
    seconds: float,
    timeout: float = REQUEST_TIMEOUT,
    wanted: str = "",
) -> Result:
    """``concurrency`` wrk connections sending ``request`` for ``seconds`` (whole seconds,
    at least 1). A 200 whose body lacks ``wanted`` counts as status -1; failed connections,
    reads, writes and timeouts as status 0."""
    script = WRK_SCRIPT % {
        "method": _lua_string(request.method),
        "path": _lua_string(request.path),
        "body": _lua_string(request.body) if request.body is not None else "nil",
        "headers": ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in request.headers.items()),
        "wanted": _lua_string(wanted),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        argv = [
            str(shutil.which("wrk")),
            "--threads",
            "1",
            "--connections",
            str(concurrency),
            "--duration",
            f"{max(1, round(seconds))}s",
            "--timeout",
            f"{max(1, round(timeout))}s",
            "--script",
            lua.name,
            f"http://{HOST}:{port}{request.path}",
        ]
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    result = Result()
    for line in done.stdout.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "WRK-SUMMARY":
            requests, duration_us, failed, p50, p95, p99 = rest.split()
            result.count = int(requests)
            result.elapsed = int(duration_us) / 1e6
            result.summary_ms = (float(p50) / 1000, float(p95) / 1000, float(p99) / 1000)
            if int(failed):
                result.statuses[0] += int(failed)
                result.samples.setdefault(0, "wrk: connect, read, write or timeout errors")
        elif kind == "WRK-STATUS":
            status, n = rest.split()
            result.statuses[int(status)] += int(n)
        elif kind == "WRK-SAMPLE":
            status, _, sample = rest.partition(" ")
            result.samples.setdefault(int(status), sample)
    if result.count is None:
        raise SystemExit(f"wrk printed no summary: {done.stdout.strip()[:400]}")
    return result


# --- Server ------------------------------------------------------------------------------


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    log: IO[bytes]

    def wait_until_up(
        self, probe: Request, accept: Collection[int] = (200,), timeout: float = STARTUP_TIMEOUT
    ) -> tuple[int, bytes] | None:
        """Send ``probe`` until it gets a status in ``accept``; return that answer, or once
        ``timeout`` has passed the last answer seen (None: never any). Exits (showing the
        server's output) if gunicorn does."""
        deadline = time.monotonic() + timeout
        last: tuple[int, bytes] | None = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.fail(f"gunicorn exited with code {self.proc.returncode} during start-up")
            try:
                last = send(self.port, probe, timeout=2)
            except (OSError, http.client.HTTPException):
                last = None
            if last is not None and last[0] in accept:
                return last
            time.sleep(0.2)
        return last

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server's worker processes have used so far: unlike
        latencies, hardly moved by other work on the machine. NaN without Linux's /proc."""
        from bench import procstat

        try:
            return sum(p.cpu_seconds for p in procstat.processes() if p.ppid == self.proc.pid)  # its workers
        except (OSError, ValueError, IndexError):
            return float("nan")

    def tail(self, limit: int = 4000) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-limit:]

    def fail(self, message: str) -> NoReturn:
        """Exit with ``message`` after showing the end of the server's output on stderr."""
        sys.stderr.write(self.tail())
        raise SystemExit(message)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@contextmanager
def gunicorn(env: Mapping[str, str], workers: int) -> Iterator[Server]:
    """gunicorn serving portal.wsgi on a free port of HOST, its output kept in a temporary
    file; stopped on leaving the block (stopping earlier, e.g. to read the whole log, is fine)."""
    port = free_port()
    # No control socket: its default path (~/.gunicorn/gunicorn.ctl) is shared with any other
    # gunicorn on the machine, e.g. one from `make run`, and is removed at shutdown.
    argv = [
        str(Path(sys.executable).parent / "gunicorn"),
        "portal.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--no-control-socket",
    ]
    with tempfile.TemporaryFile() as log:
        server = Server(subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT), port, log)
        try:
            yield server
        finally:
            server.stop()


POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "psql", "postgis"}


def ensure_postgres_database(url: str) -> None:
    """Create the database named in ``url`` with psql unless it exists."""
    parts = urlsplit(url)
    if parts.scheme not in POSTGRES_SCHEMES:
        raise SystemExit(f"DATABASE_URL must point to PostgreSQL (postgres://...), not {parts.scheme or url!r}")
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise SystemExit("DATABASE_URL names no database")
    psql = shutil.which("psql")
    if psql is None:
        raise SystemExit("psql is not on PATH: cannot check whether the benchmark database exists")
    argv = [psql, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-v", f"dbname={name}", "-d", "postgres"]
    if parts.hostname:
        argv += ["-h", parts.hostname]
    if parts.port:
        argv += ["-p", str(parts.port)]
    if parts.username:
        argv += ["-U", unquote(parts.username)]
    env = {**os.environ}
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)

    def run(sql: str) -> str:
        # Via stdin, because psql interpolates :'var' / :"var" only there, not in -c.
        done = subprocess.run(argv, input=sql, env=env, capture_output=True, text=True, timeout=30, check=False)
        if done.returncode != 0:
            raise SystemExit(f"psql failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout.strip()

    if run("SELECT 1 FROM pg_database WHERE datname = :'dbname';") != "1":
        run('CREATE DATABASE :"dbname";')
        print(f"created database {name}", file=sys.stderr)


def demo_partner() -> tuple[Any, Any]:
    """(owner, partner) of the demo partner seed_demo makes; after django.setup(), and only
    on PostgreSQL, which every benchmark needs."""
    from django.contrib.auth.models import User
    from django.db import connection

    from partners.models import Partner
    from portal import demo

    if connection.vendor != "postgresql":
        raise SystemExit(f"the benchmark needs PostgreSQL, DATABASE_URL gives {connection.vendor}")
    owner = User.objects.get(email=demo.PARTNER_EMAIL)
    partner = Partner.objects.filter(memberships__user=owner, legal_name=demo.PARTNER_NAME).first()
    if partner is None:
        raise SystemExit("seed_demo did not create the demo partner")
    return owner, partner
