"""One POST to a checked address: no redirects, no retries here, a hard deadline.

``http.client`` on a socket we open to the checked address (TLS verifies the
certificate against the URL's host name). A watchdog shuts the socket when the timeout
is up, so a receiver that trickles its answer a byte at a time is cut off like one that
never answers: the timeout bounds the whole attempt, not each read. Each sending thread
keeps its connections alive between requests to the same endpoint.
"""

from __future__ import annotations

import contextlib
import http.client
import select
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from lib.ssrf import Destination

RESPONSE_EXCERPT_BYTES = 2048
USER_AGENT = "CMS-Health-Tech-Webhooks/1.0 (+https://standardwebhooks.com)"

_local = threading.local()
_tls = ssl.create_default_context()


@dataclass(frozen=True)
class Result:
    status_code: int | None
    body: str
    error: str
    latency_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _Connection(http.client.HTTPConnection):
    """HTTP(S) to ``dest.address`` on behalf of ``dest.host``."""

    def __init__(self, dest: Destination, timeout: float) -> None:
        super().__init__(dest.address, dest.port, timeout=timeout)
        self.dest = dest
        self.raw: socket.socket | None = None  # reachable by the watchdog while connecting
        self.idle_since = time.monotonic()

    def connect(self) -> None:
        family = socket.AF_INET6 if ":" in self.dest.address else socket.AF_INET
        raw = self.raw = socket.socket(family, socket.SOCK_STREAM)
        raw.settimeout(self.timeout)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        raw.connect((self.dest.address, self.dest.port))
        if self.dest.scheme == "https":
            self.sock = _tls.wrap_socket(raw, server_hostname=self.dest.host)
        else:
            self.sock = raw

    def cut(self) -> None:
        """From the watchdog thread: end whatever this connection is doing now."""
        for sock in (self.sock, self.raw):
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


MAX_KEPT = 16  # kept-alive connections per sending thread
MAX_IDLE = 30.0  # seconds a kept connection may wait for its next request


def _connections() -> dict[tuple[str, str, int, str], _Connection]:
    if not hasattr(_local, "connections"):
        _local.connections = {}
    pool: dict[tuple[str, str, int, str], _Connection] = _local.connections
    return pool


def _keep(key: tuple[str, str, int, str], conn: _Connection) -> None:
    """Keep ``conn`` for the next request to the same place, closing connections idle
    too long and, past MAX_KEPT, the longest idle."""
    pool = _connections()
    now = time.monotonic()
    conn.idle_since = now
    for old_key, old in list(pool.items()):
        if now - old.idle_since > MAX_IDLE:
            old.close()
            del pool[old_key]
    while len(pool) >= MAX_KEPT:
        oldest = min(pool, key=lambda k: pool[k].idle_since)
        pool.pop(oldest).close()
    pool[key] = conn


def _dropped(conn: _Connection) -> bool:
    """An idle kept-alive connection the server has closed (or sent junk on)."""
    if conn.sock is None:
        return True
    try:
        readable, _, _ = select.select([conn.sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _describe(exc: BaseException, timeout: float, timed_out: bool) -> str:
    if timed_out or isinstance(exc, TimeoutError | socket.timeout):
        return f"Timed out: no complete response within {timeout:g} s."
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return f"TLS failed: {exc}"[:300]
    if isinstance(exc, ConnectionRefusedError):
        return "Could not connect: connection refused."
    if isinstance(exc, http.client.RemoteDisconnected):
        return "The connection was closed without a response."
    return f"{type(exc).__name__}: {exc}"[:300]


def post(dest: Destination, body: bytes, headers: dict[str, str], *, timeout: float) -> Result:
    started = time.monotonic()
    key = (dest.scheme, dest.address, dest.port, dest.host)
    pool = _connections()
    conn = pool.pop(key, None)
    if conn is not None and (_dropped(conn) or time.monotonic() - conn.idle_since > MAX_IDLE):
        conn.close()
        conn = None
    conn = conn or _Connection(dest, timeout)
    expired = threading.Event()

    def cut_off() -> None:
        expired.set()
        conn.cut()

    watchdog = threading.Timer(timeout, cut_off)
    watchdog.daemon = True
    watchdog.start()
    try:
        conn.request(
            "POST",
            dest.path,
            body=body,
            headers={**headers, "Host": dest.host_header, "User-Agent": USER_AGENT, "Connection": "keep-alive"},
        )
        response = conn.getresponse()
        excerpt = response.read(RESPONSE_EXCERPT_BYTES)
        finished = response.isclosed() or response.length == 0
        status = response.status
        if expired.is_set():
            raise TimeoutError
    except (OSError, http.client.HTTPException, ValueError) as exc:
        watchdog.cancel()
        conn.close()
        return Result(None, "", _describe(exc, timeout, expired.is_set()), _elapsed(started))
    watchdog.cancel()
    if finished and not response.will_close:
        _keep(key, conn)  # the whole answer was read: reuse the connection
    else:
        conn.close()  # more (or an unknown amount) follows: drop it rather than read it
    return Result(status, excerpt.decode("utf-8", errors="replace"), "", _elapsed(started))


def _elapsed(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def get(dest: Destination, *, timeout: float, limit: int) -> tuple[int, bytes]:
    """GET ``dest`` on a fresh connection: (status, at most ``limit`` bytes of body).
    Raises OSError or HTTPException (a TimeoutError when the deadline passed), or
    ValueError when the body is larger than ``limit``."""
    conn = _Connection(dest, timeout)
    watchdog = threading.Timer(timeout, conn.cut)
    watchdog.daemon = True
    watchdog.start()
    try:
        conn.request("GET", dest.path, headers={"Host": dest.host_header, "User-Agent": USER_AGENT})
        response = conn.getresponse()
        body = response.read(limit + 1)
    finally:
        watchdog.cancel()
        conn.close()
    if len(body) > limit:
        raise ValueError(f"the response is larger than {limit // 1024} KB")
    return response.status, body
