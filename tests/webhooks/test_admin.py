"""Staff see endpoints and deliveries in admin, can disable an endpoint and replay."""

from __future__ import annotations

from django.urls import reverse

from audit.models import AuditEvent
from webhooks import services
from webhooks.delivery import attempt
from webhooks.models import Delivery, Endpoint


def test_staff_disable_an_endpoint_from_admin(staff_client, endpoint_for):
    hook = endpoint_for("https://93.184.215.14/hooks")
    resp = staff_client.post(
        reverse("admin:webhooks_endpoint_changelist"),
        {"action": "disable_selected", "_selected_action": [hook.endpoint.pk]},
    )
    assert resp.status_code == 302
    endpoint = Endpoint.objects.get()
    assert endpoint.disabled_reason == Endpoint.DisabledReason.STAFF
    assert AuditEvent.objects.get(action="webhook_endpoint.disabled").actor_label.startswith("staff")


def test_staff_see_attempts_and_replay(staff_client, endpoint_for, receiver):
    hook = endpoint_for(receiver.url)
    delivery = services.send_test(endpoint=hook.endpoint, by=None)
    attempt(delivery.pk, owner="test")
    page = staff_client.get(reverse("admin:webhooks_delivery_change", args=[delivery.pk])).content.decode()
    assert "{&quot;received&quot;: 1}" in page and "127.0.0.1" in page
    staff_client.post(
        reverse("admin:webhooks_delivery_changelist"),
        {"action": "replay_selected", "_selected_action": [delivery.pk]},
    )
    assert Delivery.objects.filter(replay_of=delivery, event=delivery.event).count() == 1


def test_partners_cannot_open_webhook_admin(alice_client):
    resp = alice_client.get(reverse("admin:webhooks_endpoint_changelist"))
    assert resp.status_code == 302 and "/admin/login/" in resp["Location"]
