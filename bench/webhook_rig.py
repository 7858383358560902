"""What bench/webhooks.py runs beside Django: a receiver that checks every signature, a
Celery worker subprocess, and a sampler of the worker's queue length in Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

from bench.loadgen import HOST, ROOT

CELERY_KEY_PATTERNS = ("celery*", "unacked*", "_kombu.binding*")
QUEUE = "celery"  # CELERY_TASK_DEFAULT_QUEUE outside pytest


def clear_celery_keys(broker_url: str) -> int:
    """Delete the Celery/kombu keys (queues, unacked messages, bindings) of the broker's
    Redis database: tasks an interrupted run left behind. Other keys stay."""
    import redis

    client = redis.Redis.from_url(broker_url)
    try:
        keys = {key for pattern in CELERY_KEY_PATTERNS for key in client.scan_iter(match=pattern, count=1000)}
        if keys:
            client.delete(*keys)
        return len(keys)
    finally:
        client.close()


class QueueSampler(threading.Thread):
    """The length of the Celery queue in Redis, every 100 ms: how far the worker lags."""

    def __init__(self, broker_url: str) -> None:
        super().__init__(daemon=True, name="queue-sampler")
        import redis

        self.client = redis.Redis.from_url(broker_url)
        self.samples: list[tuple[float, int]] = []
        self.missed = 0
        self.halt = threading.Event()

    def run(self) -> None:
        import redis

        while not self.halt.is_set():
            try:
                self.samples.append((time.time(), int(self.client.llen(QUEUE))))
            except redis.RedisError:
                self.missed += 1  # a missed sample is not worth stopping the run
            self.halt.wait(0.1)

    def stop(self) -> None:
        self.halt.set()
        self.join(timeout=2)
        self.client.close()

    def peak(self, since: float, until: float) -> int:
        return max((n for t, n in self.samples if since <= t <= until), default=0)


# --- Receiver ----------------------------------------------------------------------------


class Receiver(ThreadingHTTPServer):
    """Notes every request's arrival time and webhook-id and checks its signature."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, secret: str = "") -> None:
        super().__init__((HOST, 0), ReceiverHandler)
        self.secret = secret
        self.lock = threading.Lock()
        self.arrivals: dict[str, list[float]] = {}
        self.signature_failures = 0
        self.failure_sample = ""

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def record(self, arrived: float, headers: Mapping[str, str], body: bytes) -> None:
        from standardwebhooks.webhooks import Webhook

        msg_id = headers.get("webhook-id", "")
        failure = ""
        try:
            Webhook(self.secret).verify(body, dict(headers))
        except Exception as exc:  # noqa: BLE001 - whatever the reason, the request did not verify
            failure = f"{type(exc).__name__}: {exc}"
        with self.lock:
            self.arrivals.setdefault(msg_id, []).append(arrived)
            if failure:
                self.signature_failures += 1
                self.failure_sample = self.failure_sample or f"{msg_id}: {failure}"

    def first_arrivals(self) -> dict[str, float]:
        with self.lock:
            return {msg_id: times[0] for msg_id, times in self.arrivals.items()}

    def counts(self) -> dict[str, int]:
        with self.lock:
            return {msg_id: len(times) for msg_id, times in self.arrivals.items()}

    def has_all(self, ids: list[str]) -> bool:
        with self.lock:
            return all(msg_id in self.arrivals for msg_id in ids)


class ReceiverHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a partner's server would
    # The handler writes the status line and headers, then the body, in two send()s: with
    # Nagle's algorithm the body waits for the client's delayed ACK (~10-40 ms a request).
    disable_nagle_algorithm = True
    server: Receiver

    def do_POST(self) -> None:
        arrived = time.time()  # request line and headers read, body not yet
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.record(arrived, {k.lower(): v for k, v in self.headers.items()}, body)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


@contextmanager
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --- Worker ------------------------------------------------------------------------------


@dataclass
class Worker:
    proc: subprocess.Popen[bytes]
    log: IO[bytes]
    argv: list[str]

    def alive(self) -> bool:
        return self.proc.poll() is None

    def tail(self, limit: int = 3000) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-limit:]

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self) -> None:
        """Warm shutdown (SIGTERM to the main process); its whole process group is killed
        if it has not exited within 20 s."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the group of the worker this script started
                self.proc.wait()


@contextmanager
def celery_worker(env: Mapping[str, str], pool: str, concurrency: int) -> Iterator[Worker]:
    argv = [
        str(Path(sys.executable).parent / "celery"),
        "-A",
        "portal",
        "worker",
        f"--pool={pool}",
        f"--concurrency={concurrency}",
        "-l",
        "WARNING",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"bench-webhooks-{os.getpid()}@%h",
    ]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        worker = Worker(proc, log, argv)
        try:
            yield worker
        finally:
            worker.stop()
