from __future__ import annotations

from celery import shared_task

from portal.health import record_heartbeat


@shared_task(acks_late=True, ignore_result=True)
def heartbeat() -> str:
    """Scheduled by beat every 30 s; /healthz reports the worker's last run."""
    return record_heartbeat()
