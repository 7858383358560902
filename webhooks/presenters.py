"""What the API and the dashboard show about a delivery."""

from __future__ import annotations

from typing import Any

from webhooks.models import Delivery


def delivery_detail(delivery: Delivery) -> dict[str, Any]:
    attempts = list(delivery.attempts.all())
    return {
        **delivery.as_json(),
        "payload": delivery.event.payload,
        "body": delivery.event.body,
        "attempt_log": [a.as_json() for a in attempts],
    }
