"""The client's address behind reverse proxies (issue 11 §3.4): the right-most hop no
trusted proxy wrote, so per-address limits and audit rows see clients, not the proxy."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from audit.models import AuditEvent
from lib.request_context import client_ip

PROXY = "10.0.0.5"


def request(forwarded: str | None, remote: str = PROXY):
    req = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded is not None:
        req.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return req


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "203.0.113.7", PROXY),  # no proxy configured: the header proves nothing
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the client wrote 6.6.6.6 itself
        (2, "6.6.6.6, 203.0.113.7, 198.51.100.2", "203.0.113.7"),  # CDN then load balancer
        (2, "203.0.113.7", PROXY),  # fewer hops than proxies: misrouted, fall back
        (1, "not-an-address", PROXY),
        (1, None, PROXY),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_takes_the_hop_left_of_the_trusted_proxies(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(request(forwarded)) == expected


def test_allauth_is_told_the_same_count():
    from django.conf import settings

    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == settings.TRUSTED_PROXY_COUNT


def test_behind_a_proxy_each_client_has_its_own_login_bucket(api, alice, acme, settings, monkeypatch):
    from tokens import login

    settings.TRUSTED_PROXY_COUNT = 1
    monkeypatch.setattr(login, "ATTEMPTS_PER_IP", 3)
    for _ in range(4):
        api.post(
            "/cms/partner-login",
            {"email": "nobody@example.org", "password": "x"},
            format="json",
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
    blocked = api.post(
        "/cms/partner-login",
        {"email": "other@example.org", "password": "x"},
        format="json",
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert blocked.status_code == 429 and blocked["Retry-After"]
    spoofed = api.post(  # the attacker cannot escape by writing its own hop
        "/cms/partner-login",
        {"email": "third@example.org", "password": "x"},
        format="json",
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7",
    )
    assert spoofed.status_code == 429
    other_client = api.post(
        "/cms/partner-login",
        {"email": "fourth@example.org", "password": "x"},
        format="json",
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.9",
    )
    assert other_client.status_code == 401


def test_audit_rows_record_the_client_not_the_proxy(client, alice, acme, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client.post(
        "/accounts/login/",
        {"login": alice.email, "password": "wrong-password-1"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert AuditEvent.objects.filter(action="account.login_failed").latest("id").source_ip == "203.0.113.7"
