"""Liveness of what the portal depends on: database, cache, Celery broker and worker."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.cache import cache, caches
from django.db import connection

from portal.celery import app as celery_app

HEARTBEAT_KEY = "health:worker-heartbeat"
# Beat schedules the heartbeat every 30 s; three missed beats means the worker is stale.
HEARTBEAT_STALE_AFTER = 90


@dataclass(frozen=True)
class Check:
    name: str
    up: bool
    latency_ms: float
    error: str = ""
    detail: str = ""

    def as_json(self) -> dict[str, object]:
        body: dict[str, object] = {"status": "up" if self.up else "down", "latency_ms": round(self.latency_ms, 1)}
        if self.error:
            body["error"] = self.error
        if self.detail:
            body["detail"] = self.detail
        return body


def _timed(name: str, probe: Callable[[], str]) -> Check:
    start = time.perf_counter()
    try:
        detail = probe()
    except Exception as exc:  # noqa: BLE001 - any failure means "down", reported with its reason
        return Check(name, False, (time.perf_counter() - start) * 1000, f"{type(exc).__name__}: {exc}"[:300])
    return Check(name, True, (time.perf_counter() - start) * 1000, detail=detail)


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _cache() -> str:
    # A key per probe: concurrent probes must not overwrite each other's value.
    key, nonce = f"health:probe:{secrets.token_hex(8)}", secrets.token_hex(8)
    cache.set(key, nonce, 30)
    try:
        if cache.get(key) != nonce:
            raise RuntimeError("cache did not return the value just written")
    finally:
        cache.delete(key)
    return type(caches["default"]).__name__


def _broker() -> str:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
        conn.default_channel  # noqa: B018 - opening a channel proves the transport answers
        return str(conn.transport.driver_type)


def worker() -> dict[str, object]:
    """When the worker last ran the beat-scheduled heartbeat (informational: a
    quiet worker does not make the web tier unhealthy)."""
    try:
        seen = cache.get(HEARTBEAT_KEY)
    except Exception as exc:  # noqa: BLE001
        return {"status": "unknown", "error": f"{type(exc).__name__}: {exc}"[:300]}
    if not seen:
        return {"status": "unknown", "detail": "no heartbeat recorded yet"}
    age = (datetime.now(UTC) - datetime.fromisoformat(seen)).total_seconds()
    return {"status": "up" if age <= HEARTBEAT_STALE_AFTER else "stale", "last_heartbeat": seen, "age_s": round(age)}


def run_checks() -> list[Check]:
    return [_timed("database", _database), _timed("cache", _cache), _timed("broker", _broker)]


def record_heartbeat() -> str:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    cache.set(HEARTBEAT_KEY, now, HEARTBEAT_STALE_AFTER * 10)
    return now
