"""A real Celery worker on the configured broker (SQLite file locally, Redis in CI)."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from portal import health
from portal.celery import app
from portal.tasks import heartbeat


def test_tasks_are_not_eager_and_ack_late():
    assert not app.conf.task_always_eager
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.worker_prefetch_multiplier == 1


def test_beat_schedules_the_heartbeat():
    entry = settings.CELERY_BEAT_SCHEDULE["worker-heartbeat"]
    assert entry["task"] == heartbeat.name


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_heartbeat_and_healthz_sees_it(client):
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        heartbeat.delay()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and health.worker()["status"] != "up":
            time.sleep(0.2)
    assert client.get("/healthz").json()["worker"]["status"] == "up"
