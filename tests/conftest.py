"""Personas, service requirements and shared fixtures.

Personas: alice (owner of Acme Health Plan), bob (owner of another partner),
staff (reviewer), viewer (alice's read-only teammate).
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from partners.models import Membership, Partner
from tests.factories import PartnerFactory, UserFactory, add_member
from tokens import services as token_services

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _unavailable(what: str, required: bool) -> None:
    if required:
        pytest.fail(f"{what} is required here (REQUIRE_SERVICES/REQUIRE_BROWSER=1) but is not available")
    pytest.skip(f"needs {what}")


def redis_reachable() -> bool:
    if not settings.REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def pytest_runtest_setup(item: pytest.Item) -> None:
    names = {m.name for m in item.iter_markers()}
    if "postgres" in names and connection.vendor != "postgresql":
        _unavailable("PostgreSQL (set DATABASE_URL=postgres://...)", settings.REQUIRE_SERVICES)
    if "redis" in names and not redis_reachable():
        _unavailable("Redis (set REDIS_URL=redis://... to a running server)", settings.REQUIRE_SERVICES)
    if "browser" in names and not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        _unavailable(f"Chromium at {CHROMIUM} (apt-get install chromium)", settings.REQUIRE_BROWSER)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings: Any) -> None:
    # Human passwords use PBKDF2 in production; tests only need them to round-trip.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # seed_demo's lake with 2 beneficiaries (about 600 resources) instead of 30: the data is the
    # same generator's, and tests/sandbox covers the full 30.
    settings.SANDBOX_DEMO_PATIENTS = 2
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _published_legal_documents(request: pytest.FixtureRequest) -> None:
    """Transactional tests flush the tables after each test, including the rows the
    legal data migration published; any later database test on that worker would find
    none. Publish them again when missing (idempotent)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if transactional:
        request.getfixturevalue("transactional_db")
    elif marker is not None or "db" in request.fixturenames:
        request.getfixturevalue("db")
    else:
        return
    from legal.models import LegalDocument
    from legal.services import publish_documents

    if not LegalDocument.objects.exists():
        publish_documents()


@pytest.fixture
def alice(db: None) -> Any:
    return UserFactory(username="alice", email="alice@acme-health.example")


@pytest.fixture
def acme(alice: Any) -> Any:
    return PartnerFactory(legal_name="Acme Health Plan", owner=alice)


@pytest.fixture
def bob(db: None) -> Any:
    return UserFactory(username="bob", email="bob@beta-labs.example")


@pytest.fixture
def beta(bob: Any) -> Any:
    return PartnerFactory(legal_name="Beta Labs", partner_type=Partner.Type.LABORATORY, owner=bob)


@pytest.fixture
def viewer(acme: Partner) -> Any:
    user = UserFactory(username="victor", email="victor@acme-health.example")
    add_member(acme, user, Membership.Role.VIEWER)
    return user


@pytest.fixture
def staff(db: None) -> Any:
    user: Any = UserFactory(username="staff", email="staff@portal.localhost")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def _client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice_client(alice: Any, acme: Partner) -> Client:
    return _client_for(alice)


@pytest.fixture
def bob_client(bob: Any, beta: Partner) -> Client:
    return _client_for(bob)


@pytest.fixture
def staff_client(staff: Any) -> Client:
    return _client_for(staff)


@pytest.fixture
def celery_worker(transactional_db: None) -> Any:
    """A real Celery worker (solo pool, in this process) on the configured broker:
    tasks queued after commit run for real, and their emails land in mail.outbox."""
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


@pytest.fixture
def issue(acme):
    """Issue an API token for alice's partner: issue(scopes=[...]) -> IssuedToken."""
    owner = acme.memberships.get(role="owner").user

    def make(
        scopes=("cms.partner.read", "cms.partner.write"),
        name="ci",
        environment="sandbox",
        days=90,
        partner=acme,
        by=None,
    ):
        return token_services.create_api_token(
            partner=partner,
            name=name,
            scopes=list(scopes),
            environment=environment,
            expires_in_days=days,
            by=by or owner,
        )

    return make


@pytest.fixture
def api():
    return APIClient()


def bearer(api, secret):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return api
