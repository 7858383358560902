"""A real HTTP receiver on 127.0.0.1 for delivery tests: it records every request and
answers from a script (status codes, delays), verifying nothing itself — tests verify
signatures with the standardwebhooks package."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    # Answers in order; the last one repeats. (status, seconds to wait before answering)
    script: list[tuple[int, float]] = field(default_factory=lambda: [(200, 0.0)])
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def answer(self, *steps: tuple[int, float] | int) -> None:
        self.script = [s if isinstance(s, tuple) else (s, 0.0) for s in steps]

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} requests, got {len(self.requests)}")
                self.arrived.wait(left)
            return list(self.requests)


def serve(path: str = "/hooks") -> Iterator[Receiver]:
    receiver_ref: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            receiver = receiver_ref[0]
            with receiver.arrived:
                index = len(receiver.requests)
                receiver.requests.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.time())
                )
                receiver.arrived.notify_all()
            status, delay = receiver.script[min(index, len(receiver.script) - 1)]
            if delay:
                time.sleep(delay)
            reply = f'{{"received": {index + 1}}}'.encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
            except OSError:
                pass  # the sender gave up waiting

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver_ref.append(Receiver(url=f"http://127.0.0.1:{server.server_address[1]}{path}"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver_ref[0]
    finally:
        server.shutdown()
        server.server_close()
