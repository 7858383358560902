import pytest
from django.core.cache import cache
from django.test import override_settings

from portal import health

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_healthz_reports_every_dependency_up(client, db):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "up",
        "cache": "up",
        "broker": "up",
    }
    assert resp["Cache-Control"].startswith("max-age=0")


def test_healthz_is_503_with_the_reason_when_the_cache_is_down(client, db):
    dead_cache = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD_REDIS}}
    with override_settings(CACHES=dead_cache):
        resp = client.get("/healthz")
    assert resp.status_code == 503
    body = resp.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["cache"]["status"] == "down"
    assert "ConnectionError" in body["checks"]["cache"]["error"]
    assert body["checks"]["database"]["status"] == "up"


def test_healthz_is_503_when_the_broker_is_down(client, db, settings):
    from portal.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = DEAD_REDIS
    try:
        resp = client.get("/healthz")
    finally:
        app.conf.broker_url = original
    assert resp.status_code == 503
    assert resp.json()["checks"]["broker"]["status"] == "down"


def test_worker_heartbeat_shows_in_healthz(client, db):
    assert client.get("/healthz").json()["worker"]["status"] == "unknown"
    health.record_heartbeat()
    worker = client.get("/healthz").json()["worker"]
    assert worker["status"] == "up"
    assert worker["age_s"] <= 1


def test_stale_heartbeat_is_reported_as_stale(client, db):
    cache.set(health.HEARTBEAT_KEY, "2026-01-01T00:00:00+00:00", 60)
    assert client.get("/healthz").json()["worker"]["status"] == "stale"


def test_status_page_shows_components(client, db):
    resp = client.get("/status/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "All portal components are operational." in html
    assert "Database" in html and "Broker" in html and "Background worker" in html


@pytest.mark.redis
def test_healthz_uses_redis_when_configured(client, db, settings):
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    body = client.get("/healthz").json()
    assert body["checks"]["cache"]["detail"] == "RedisCache"
    assert body["checks"]["broker"]["detail"] == "redis"
