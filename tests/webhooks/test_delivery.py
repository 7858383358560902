"""Deliveries through a real Celery worker to a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import json

import pytest
from standardwebhooks.webhooks import Webhook

from tokens import services as token_services
from webhooks import services
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db(transaction=True)


def verified(secret: str, request) -> dict:
    """What a partner's receiver does: verify with the standardwebhooks package."""
    return Webhook(secret).verify(request.body, request.headers)


def test_revoking_a_token_delivers_a_signed_seed_payload(acme, receiver, endpoint_for, issue, celery_worker):
    hook = endpoint_for(receiver.url)
    token = issue().token
    token_services.revoke_api_token(token=token, by=None, reason="compromised")

    (request,) = receiver.wait_for(1)
    payload = verified(hook.secret, request)
    assert list(payload) == ["event", "token_id", "partner_gpid", "revoked_at", "reason"]
    assert payload["token_id"] == token.public_id
    assert payload["reason"] == "compromised"
    assert payload["revoked_at"].endswith("Z")
    delivery = Delivery.objects.get(endpoint=hook.endpoint)
    assert request.headers["webhook-id"] == delivery.event.public_id
    # The row is updated after the receiver answers: wait for it.
    _wait_status(delivery, Delivery.Status.SUCCEEDED)
    attempt = delivery.attempts.get()
    assert attempt.status_code == 200 and attempt.response_body == '{"received": 1}'
    assert attempt.address == "127.0.0.1"


def test_500_then_200_retries_with_the_same_webhook_id_and_stops(receiver, endpoint_for, fast_retries, celery_worker):
    hook = endpoint_for(receiver.url)
    receiver.answer(500, 200)
    delivery = services.send_test(endpoint=hook.endpoint, by=None)

    first, second = receiver.wait_for(2)
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.event.public_id
    assert first.body == second.body
    verified(hook.secret, second)
    _wait_status(delivery, Delivery.Status.SUCCEEDED)
    assert [a.status_code for a in delivery.attempts.all()] == [500, 200]
    assert len(receiver.requests) == 2  # nothing after the success


def test_410_gone_disables_the_endpoint_at_once(acme, receiver, endpoint_for, fast_retries, celery_worker, mailoutbox):
    hook = endpoint_for(receiver.url)
    receiver.answer(410)
    delivery = services.send_test(endpoint=hook.endpoint, by=None)
    _wait_status(delivery, Delivery.Status.FAILED)
    endpoint = Endpoint.objects.get(pk=hook.endpoint.pk)
    assert endpoint.disabled_reason == Endpoint.DisabledReason.GONE
    assert len(receiver.requests) == 1
    _wait_for(lambda: len(mailoutbox) == 1)
    (email,) = mailoutbox
    assert email.to == [acme.memberships.get(role="owner").user.email]
    assert receiver.url in email.subject and "410 Gone" in email.body


def test_a_rolled_back_change_sends_nothing(acme, receiver, endpoint_for, issue, celery_worker):
    from django.db import transaction

    endpoint_for(receiver.url)
    token = issue().token
    with pytest.raises(RuntimeError), transaction.atomic():
        token_services.revoke_api_token(token=token, by=None, reason="user_request")
        raise RuntimeError("rolled back")
    services.send_test(endpoint=Endpoint.objects.get(), by=None)  # a marker that does arrive
    (only,) = receiver.wait_for(1)
    assert json.loads(only.body)["event"] == "webhook.test"
    assert not Delivery.objects.filter(event__type="partner.token.revoked").exists()


def _wait_status(delivery: Delivery, status: str, timeout: float = 20.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery.refresh_from_db()
        if delivery.status == status:
            return
        time.sleep(0.05)
    raise AssertionError(f"delivery stayed {delivery.status}, expected {status}")


def _wait_for(condition, timeout: float = 20.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition never became true")
        time.sleep(0.05)
