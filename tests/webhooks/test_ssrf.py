"""The SSRF guard: checked after DNS resolution, at registration and again at send time,
and the sender connects to the address that was checked. DNS answers (outside this
machine) are substituted with monkeypatch; everything else is real."""

from __future__ import annotations

import socket

import pytest

from lib.ssrf import BlockedDestination, resolve
from webhooks import services
from webhooks.delivery import attempt
from webhooks.models import Delivery

_real_getaddrinfo = socket.getaddrinfo


def fake_dns(monkeypatch, answers: dict[str, str]) -> None:
    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return _real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_a_name_resolving_to_cloud_metadata_is_refused(monkeypatch, db):
    fake_dns(monkeypatch, {"hooks.partner.example": "169.254.169.254"})
    with pytest.raises(BlockedDestination, match=r"hooks.partner.example resolves to 169.254.169.254, which is a link"):
        resolve("https://hooks.partner.example/cms", require_https=False)


def test_unresolvable_names_are_refused_with_the_reason(db):
    with pytest.raises(BlockedDestination, match="does not resolve"):
        resolve("https://no-such-host.invalid/hook", require_https=False)


def test_dns_rebinding_after_registration_is_caught_at_send_time(monkeypatch, endpoint_for, receiver, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    fake_dns(monkeypatch, {"hooks.partner.example": "93.184.215.14"})
    hook = endpoint_for("https://hooks.partner.example/cms")
    fake_dns(monkeypatch, {"hooks.partner.example": "10.0.0.8"})  # the answer changes
    delivery = services.send_test(endpoint=hook.endpoint, by=None)
    attempt(delivery.pk, owner="test")
    delivery.refresh_from_db()
    (tried,) = delivery.attempts.all()
    assert tried.status_code is None and tried.address == ""
    assert "resolves to 10.0.0.8, which is a private address" in tried.error
    assert delivery.status == Delivery.Status.PENDING  # retried later, re-checked each time
    assert receiver.requests == []


def test_the_sender_connects_to_the_checked_address_with_the_original_host(monkeypatch, endpoint_for, receiver):
    port = receiver.url.split(":")[2].split("/")[0]
    fake_dns(monkeypatch, {"hooks.partner.example": "127.0.0.1"})
    hook = endpoint_for(f"http://hooks.partner.example:{port}/hooks")
    delivery = services.send_test(endpoint=hook.endpoint, by=None)
    attempt(delivery.pk, owner="test")
    (request,) = receiver.wait_for(1)
    assert request.headers["host"] == f"hooks.partner.example:{port}"
    assert request.path == "/hooks"
    assert delivery.attempts.get().address == "127.0.0.1"


def test_redirects_are_not_followed(endpoint_for, receiver):
    hook = endpoint_for(receiver.url)
    receiver.answer(302)
    delivery = services.send_test(endpoint=hook.endpoint, by=None)
    attempt(delivery.pk, owner="test")
    delivery.refresh_from_db()
    assert len(receiver.requests) == 1
    assert delivery.last_status_code == 302 and delivery.status == Delivery.Status.PENDING


def test_internationalized_host_names_are_sent_as_punycode(db):
    from lib.ssrf import check_url

    assert check_url("https://b\u00fccher.example:8443/hooks", require_https=True).hostname == "xn--bcher-kva.example"


def test_a_success_in_the_same_batch_as_a_failure_clears_the_failure_clock(endpoint_for, receiver):
    from webhooks.delivery import claim, send
    from webhooks.models import Endpoint

    hook = endpoint_for(receiver.url)
    first = services.send_test(endpoint=hook.endpoint, by=None)
    second = services.send_test(endpoint=hook.endpoint, by=None)
    receiver.answer(503, 200)
    jobs = {job.delivery_id: job for job in claim(owner="batch", limit=2)}
    send(jobs[first.pk])
    assert Endpoint.objects.get().failing_since is not None
    send(jobs[second.pk])
    assert Endpoint.objects.get().failing_since is None


def test_an_endpoint_deleted_mid_delivery_is_no_error(endpoint_for, receiver):
    from webhooks.delivery import claim, send
    from webhooks.models import DeliveryAttempt

    hook = endpoint_for(receiver.url)
    services.send_test(endpoint=hook.endpoint, by=None)
    (job,) = claim(owner="t", limit=1)
    services.delete_endpoint(endpoint=hook.endpoint, by=None)
    send(job)  # the POST happens (it was underway); nothing is recorded for a deleted delivery
    assert not DeliveryAttempt.objects.exists()
