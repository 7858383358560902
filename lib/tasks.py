"""Queueing Celery work from services: only after the transaction commits, never failing
the caller, with one retry schedule for tasks that talk to the outside."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Protocol

from django.db import transaction

logger = logging.getLogger(__name__)


class _Task(Protocol):
    name: str

    def delay(self, *args: Any, **kwargs: Any) -> Any: ...


def queue_now(task: _Task, *args: Any) -> None:
    """Queue ``task(*args)``; a broker outage is logged, never raised: callers use this
    after their change committed, and the change must stand."""
    try:
        task.delay(*args)
    except Exception:
        logger.exception("Could not queue %s%r", task.name, args)


def queue_after_commit(task: _Task, *args: Any) -> None:
    """Queue ``task(*args)`` once the current transaction commits (at once outside one).
    A rollback queues nothing."""
    transaction.on_commit(lambda: queue_now(task, *args))


def countdown(retries: int, delays: Sequence[float]) -> float:
    """Seconds before retry number ``retries + 1``: the schedule's entry, its last one
    once the schedule is used up."""
    return delays[min(retries, len(delays) - 1)]
