"""One POST to a checked address: no redirects, no retries here, bounded reads.

Connection pools are kept per (scheme, address, port, host name) in each worker
process, so a busy endpoint reuses its keep-alive connection. HTTPS verifies the
certificate against the host name while connecting to the checked address.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError, ProtocolError, SSLError
from urllib3.exceptions import TimeoutError as UrllibTimeout

from webhooks.ssrf import Destination

RESPONSE_EXCERPT_BYTES = 2048
USER_AGENT = "CMS-Health-Tech-Webhooks/1.0 (+https://standardwebhooks.com)"

_pools: dict[tuple[str, str, int, str], urllib3.HTTPConnectionPool] = {}
_pools_lock = threading.Lock()


@dataclass(frozen=True)
class Result:
    status_code: int | None
    body: str
    error: str
    latency_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _pool(dest: Destination) -> urllib3.HTTPConnectionPool:
    key = (dest.scheme, dest.address, dest.port, dest.host)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            if dest.scheme == "https":
                pool = urllib3.HTTPSConnectionPool(
                    dest.address,
                    dest.port,
                    maxsize=4,
                    cert_reqs="CERT_REQUIRED",
                    assert_hostname=dest.host,
                    server_hostname=dest.host,
                )
            else:
                pool = urllib3.HTTPConnectionPool(dest.address, dest.port, maxsize=4)
            _pools[key] = pool
        return pool


def _describe(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, UrllibTimeout):
        return f"Timed out: no response within {timeout:g} s."
    if isinstance(exc, NewConnectionError):
        return f"Could not connect: {exc.__cause__ or exc}"[:300]
    if isinstance(exc, SSLError):
        return f"TLS failed: {exc}"[:300]
    if isinstance(exc, ProtocolError):
        return f"The connection broke: {exc}"[:300]
    return f"{type(exc).__name__}: {exc}"[:300]


def post(dest: Destination, body: bytes, headers: dict[str, str], *, timeout: float) -> Result:
    started = time.monotonic()
    try:
        response = _pool(dest).urlopen(
            "POST",
            dest.path,
            body=body,
            headers={**headers, "Host": dest.host_header, "User-Agent": USER_AGENT},
            redirect=False,
            retries=False,
            assert_same_host=False,
            preload_content=False,
            timeout=urllib3.Timeout(connect=min(5.0, timeout), read=timeout),
        )
    except (HTTPError, OSError) as exc:
        return Result(None, "", _describe(exc, timeout), _elapsed(started))
    try:
        excerpt = response.read(RESPONSE_EXCERPT_BYTES)
    except (HTTPError, OSError) as exc:
        response.close()
        return Result(response.status, "", _describe(exc, timeout), _elapsed(started))
    if response.length_remaining == 0:
        response.release_conn()  # the whole (Content-Length) body was read: reuse the connection
    else:
        response.close()  # more, or an unknown amount, follows: drop it rather than read it
    return Result(response.status, excerpt.decode("utf-8", errors="replace"), "", _elapsed(started))


def _elapsed(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
