"""Webhook delivery when things break: a receiver that hangs, a worker killed in the
middle of a POST, a broker that is down, duplicated messages, an endpoint that never
recovers, and the retry schedule itself.

Real parts only: the HTTP receiver of tests/webhooks/receiver.py, a real Celery worker
(in this process, or a prefork worker in a subprocess) on the configured broker, and the
test database.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from portal.celery import app
from tests.webhooks.worker_process import pool_children, prefork_worker, wait_for_new_child
from tokens import services as token_services
from webhooks import services
from webhooks.delivery import INTERRUPTED, attempt
from webhooks.models import Delivery, Endpoint
from webhooks.tasks import deliver, sweep


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


def wait_status(delivery: Delivery, status: str, timeout: float = 30.0) -> Delivery:
    def reached() -> bool:
        delivery.refresh_from_db()
        return delivery.status == status

    wait_until(reached, f"delivery {delivery.public_id} to be {status}", timeout)
    return delivery


def outcomes(delivery: Delivery) -> list[tuple[int | None, str]]:
    return [(a.status_code, a.error) for a in delivery.attempts.order_by("number")]


@contextmanager
def broker_unreachable(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Messages published inside go to a broker address that refuses connections (a
    bound socket that does not listen), as when Redis is down. The app's connection
    pools are cached once used, so they are set aside for the duration and put back
    afterwards, with the real broker URL."""
    with socket.socket() as closed, monkeypatch.context() as patch:
        closed.bind(("127.0.0.1", 0))
        url = f"redis://127.0.0.1:{closed.getsockname()[1]}/0"
        patch.delenv("CELERY_BROKER_URL", raising=False)  # Celery reads it before its own config
        patch.setitem(app.conf, "broker_url", url)
        patch.setattr(app, "_pool", None)
        patch.setattr(app.amqp, "_producer_pool", None)
        yield url


# --- 1. A receiver that hangs, or is merely slow ----------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_receiver_that_hangs_past_the_timeout_is_retried_with_the_same_webhook_id(
    receiver, endpoint_for, fast_retries, settings, celery_worker
):
    # Production waits 15 s for an answer; 1 s keeps the test short, same code path.
    settings.WEBHOOKS_TIMEOUT = 1
    hook = endpoint_for(receiver.url)
    receiver.answer((200, 3.0), (200, 0))  # answers 200, but only after 3 s; then at once
    delivery = services.send_test(endpoint=hook.endpoint, by=None)

    first, second = receiver.wait_for(2, timeout=30)
    wait_status(delivery, Delivery.Status.SUCCEEDED)

    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.event.public_id
    assert first.body == second.body
    Webhook(hook.secret).verify(second.body, second.headers)
    timed_out, answered = delivery.attempts.order_by("number")
    assert timed_out.status_code is None
    assert timed_out.error == "Timed out: no complete response within 1 s."
    # Gave up at the timeout, not when the receiver finally answered 3 s later.
    assert 900 <= timed_out.latency_ms < 3000
    assert answered.status_code == 200 and answered.error == ""
    assert delivery.attempt_count == 2 and delivery.last_error == ""


@pytest.mark.django_db(transaction=True)
def test_a_slow_receiver_gets_the_event_once_while_its_answer_is_awaited(receiver, endpoint_for, celery_worker):
    """The drain loop must not take back, as if its worker had died, a delivery whose
    request it is itself still waiting on. (A draft of webhooks.delivery.drain() did, at
    every 0.25 s turn, because claim() took back rows leased to the same owner.)"""
    hook = endpoint_for(receiver.url)
    receiver.answer((200, 2.0))  # slow, but well within the timeout (15 s)
    delivery = services.send_test(endpoint=hook.endpoint, by=None)

    receiver.wait_for(1, timeout=30)
    wait_status(delivery, Delivery.Status.SUCCEEDED)

    assert [r.headers["webhook-id"] for r in receiver.requests] == [delivery.event.public_id]
    assert outcomes(delivery) == [(200, "")]
    assert delivery.attempt_count == 1


@contextmanager
def trickling_receiver(response: bytes, pause: float) -> Iterator[str]:
    """A receiver that answers one byte at a time, ``pause`` seconds apart: each read
    gets data well within the timeout, but the whole answer takes much longer."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(30)

    def serve() -> None:
        with contextlib.suppress(OSError):
            conn, _ = server.accept()
            with conn:
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    request += chunk
                for byte in response:
                    conn.sendall(bytes([byte]))
                    time.sleep(pause)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/hooks"
    finally:
        server.close()
        thread.join(timeout=10)


# The timeout bounds the whole attempt, not each socket read: a receiver sending its
# answer a byte at a time is cut off like one that never answers (and stays within the
# delivery's lease of timeout + 30 s).
def test_a_receiver_that_trickles_its_answer_is_cut_off_at_the_timeout(endpoint_for, settings):
    settings.WEBHOOKS_TIMEOUT = 1  # production: 15 s
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"  # 40 bytes, 0.1 s apart: 4 s
    with trickling_receiver(answer, pause=0.1) as url:
        hook = endpoint_for(url)
        delivery = services.send_test(endpoint=hook.endpoint, by=None)  # not transactional: we are the worker
        attempt(delivery.pk, owner="task-1")

    (first,) = delivery.attempts.all()
    assert first.status_code is None and first.error.startswith("Timed out"), (first.status_code, first.latency_ms)
    assert first.latency_ms < 3000


# --- 2. A worker killed in the middle of a POST ----------------------------------------------


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_delivery_is_redelivered_and_the_interruption_recorded(receiver, endpoint_for):
    """acks_late + reject_on_worker_lost: the message of a pool process killed during
    the POST goes back to the queue; the next process runs it under the same task id,
    takes its claim back, records the lost attempt and sends again."""
    hook = endpoint_for(receiver.url)
    receiver.answer((200, 30.0), (200, 0))  # the first request hangs until we kill its sender
    with prefork_worker(concurrency=1) as worker:
        delivery = services.send_test(endpoint=hook.endpoint, by=None)
        receiver.wait_for(1, timeout=30)
        (child,) = pool_children(worker.pid)
        os.kill(child, signal.SIGKILL)
        wait_for_new_child(worker.pid, gone=child)

        first, second = receiver.wait_for(2, timeout=30)
        wait_status(delivery, Delivery.Status.SUCCEEDED)
        assert worker.poll() is None, "the worker itself survived the loss of its pool process"

    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.event.public_id
    assert first.body == second.body
    Webhook(hook.secret).verify(second.body, second.headers)
    assert outcomes(delivery) == [(None, INTERRUPTED), (200, "")]
    assert delivery.attempt_count == 2
    assert (delivery.lease_owner, delivery.lease_expires_at) == ("", None)
    assert len(receiver.requests) == 2


# --- 3. The broker is down when the event happens --------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_event_emitted_while_the_broker_is_down_is_kept_and_sent_by_the_sweeper(
    request, receiver, endpoint_for, issue, fast_retries, monkeypatch, caplog
):
    hook = endpoint_for(receiver.url)
    token = issue().token

    with broker_unreachable(monkeypatch), caplog.at_level("WARNING", logger="webhooks.tasks"):
        # The partner's action succeeds although its webhook cannot be queued.
        token_services.revoke_api_token(token=token, by=None, reason="compromised")
    assert "the sweeper will send them" in caplog.text

    token.refresh_from_db()
    assert token.revoked_at is not None
    delivery = Delivery.objects.get(endpoint=hook.endpoint)
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.attempt_count == 0 and not receiver.requests

    # The broker is back and a worker runs; beat would call the sweeper every 15 s.
    request.getfixturevalue("celery_worker")
    assert sweep() == 1

    (received,) = receiver.wait_for(1, timeout=30)
    wait_status(delivery, Delivery.Status.SUCCEEDED)
    payload = Webhook(hook.secret).verify(received.body, received.headers)
    assert payload["token_id"] == token.public_id
    assert received.headers["webhook-id"] == delivery.event.public_id
    assert outcomes(delivery) == [(200, "")]


# --- 4. Duplicate messages --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_duplicate_messages_for_one_delivery_send_it_exactly_once(
    request, receiver, endpoint_for, fast_retries, mailoutbox
):
    hook = endpoint_for(receiver.url)
    marker = endpoint_for(receiver.url + "?marker").endpoint

    # Queued while no worker runs: the message from emit, five more, and the sweeper's.
    delivery = services.send_test(endpoint=hook.endpoint, by=None)
    for _ in range(5):
        deliver.delay(delivery.pk)
    assert sweep() == 1
    # Then a message of another kind, whose effect we can see: the email sent when an
    # endpoint is disabled. The solo worker runs messages one at a time, in order, so
    # once the email is out every duplicate before it has run.
    services.disable_endpoint(endpoint=marker, reason=Endpoint.DisabledReason.FAILING, by=None)

    request.getfixturevalue("celery_worker")
    wait_until(lambda: len(mailoutbox) == 1, "the marker email")
    wait_status(delivery, Delivery.Status.SUCCEEDED)

    assert [r.headers["webhook-id"] for r in receiver.requests] == [delivery.event.public_id]
    assert outcomes(delivery) == [(200, "")]
    assert delivery.attempt_count == 1


# --- 5. An endpoint that keeps failing -----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_endpoint_failing_for_the_whole_window_is_disabled_and_its_owners_emailed(
    request, receiver, endpoint_for, fast_retries, settings, mailoutbox
):
    # Production: five days of failures. 2 s here, with more 1 s retries than that takes.
    settings.WEBHOOKS_DISABLE_AFTER = 2
    settings.WEBHOOKS_RETRY_DELAYS = [1] * 10
    receiver.answer(500)
    hook = endpoint_for(receiver.url)
    endpoint = hook.endpoint
    # An earlier event waits for a retry an hour away when the endpoint gets disabled.
    waiting = services.send_test(endpoint=endpoint, by=None)
    Delivery.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))

    request.getfixturevalue("celery_worker")
    failing = services.send_test(endpoint=endpoint, by=None)

    def disabled() -> bool:
        endpoint.refresh_from_db()
        return not endpoint.is_active

    wait_until(disabled, "the endpoint to be disabled")
    wait_status(failing, Delivery.Status.FAILED)
    wait_status(waiting, Delivery.Status.FAILED)
    wait_until(lambda: len(mailoutbox) >= 1, "the endpoint-disabled email")

    assert endpoint.disabled_reason == Endpoint.DisabledReason.FAILING
    assert endpoint.disabled_at - endpoint.failing_since >= timedelta(seconds=2)
    # Every request carried the failing event, all of them before the endpoint was disabled.
    assert {r.headers["webhook-id"] for r in receiver.requests} == {failing.event.public_id}
    assert all(r.at <= endpoint.disabled_at.timestamp() for r in receiver.requests)
    assert [code for code, _ in outcomes(failing)] == [500] * len(receiver.requests)
    assert len(receiver.requests) >= 3  # 0 s, 1 s, 2 s: the window had passed by the third
    # The waiting delivery ends now, unsent, and says why.
    assert waiting.attempts.count() == 0
    assert waiting.last_error == "Not sent: the endpoint is disabled."
    assert waiting.completed_at is not None and waiting.next_attempt_at is None

    (email,) = mailoutbox
    assert email.to == ["alice@acme-health.example"]
    assert endpoint.url in email.subject and endpoint.url in email.body
    assert "Every delivery failed for 5 days" in email.body


# --- 6. The retry schedule -----------------------------------------------------------------------


def test_retries_are_jittered_around_the_configured_delays_and_stop_after_the_last(receiver, endpoint_for, settings):
    settings.WEBHOOKS_RETRY_DELAYS = [10, 60, 300, 3600]
    receiver.answer(500)
    hook = endpoint_for(receiver.url)
    # Not a transactional test: on_commit never fires, nothing is queued; we are the worker.
    delivery = services.send_test(endpoint=hook.endpoint, by=None)
    slack = 2.0  # seconds between the attempt starting and its next time being computed

    for number, delay in enumerate(django_settings.WEBHOOKS_RETRY_DELAYS, start=1):
        outcome = attempt(delivery.pk, owner=f"task-{number}")
        assert outcome is not None and outcome.status == Delivery.Status.PENDING
        assert 0.9 * delay <= outcome.next_in <= 1.1 * delay
        delivery.refresh_from_db()
        last = delivery.attempts.get(number=number)
        assert last.status_code == 500
        wait = (delivery.next_attempt_at - last.started_at).total_seconds()
        assert 0.9 * delay <= wait <= 1.1 * delay + slack, (number, delay, wait)
        # A worker that runs early (a duplicate message) finds it not due and sends nothing.
        assert attempt(delivery.pk, owner=f"early-{number}") is None
        assert len(receiver.requests) == number
        # Time passes.
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))

    attempts_allowed = len(django_settings.WEBHOOKS_RETRY_DELAYS) + 1
    outcome = attempt(delivery.pk, owner="task-last")
    assert outcome is not None and outcome.status == Delivery.Status.FAILED and outcome.next_in is None
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempt_count == attempts_allowed and delivery.next_attempt_at is None
    assert len(receiver.requests) == attempts_allowed

    # Nothing more is sent, whoever asks.
    assert attempt(delivery.pk, owner="task-after") is None
    assert delivery.attempts.count() == attempts_allowed
    assert len(receiver.requests) == attempts_allowed
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
