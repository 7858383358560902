"""What the benchmarks share: manage.py, a gunicorn on a free port, and a bounded-load HTTP client.

The scripts in bench/ run as files (``.venv/bin/python bench/pages.py``), not as modules, so
each puts the project root on sys.path before importing this module as ``bench.loadgen``.

The client: ``concurrency`` threads, each sending one request after another over
http.client until a deadline (``seconds``) or until ``requests`` have been sent between
them. Every completed request's latency is kept; anything but a 200 (or a failed
connection, counted as status 0) is an error, and the first answer seen for each such
status is kept to show why.
"""

from __future__ import annotations

import http.client
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
from typing import IO, Literal, NoReturn

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

    def merge(self, other: Result) -> None:
        self.latencies_ms.extend(other.latencies_ms)
        self.statuses.update(other.statuses)
        self.sizes.update(other.sizes)
        for status, sample in other.samples.items():
            self.samples.setdefault(status, sample)

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

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
