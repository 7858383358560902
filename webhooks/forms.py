"""Dashboard forms for webhook endpoints and the delivery log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from lib.environment import Environment
from lib.forms import ServiceForm
from webhooks import services
from webhooks.catalog import EVENT_TYPES
from webhooks.models import Delivery

EVENT_CHOICES = [(e.type, e.type) for e in EVENT_TYPES]


class EndpointForm(ServiceForm):
    url = forms.CharField(
        label="Endpoint URL",
        max_length=2000,
        help_text="Where we POST events. https:// (http:// is accepted for sandbox endpoints). "
        "Private, loopback and link-local addresses are refused.",
        widget=forms.URLInput(attrs={"placeholder": "https://example.org/webhooks/cms", "spellcheck": "false"}),
    )
    description = forms.CharField(label="Description", max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label="Events",
        choices=EVENT_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only these event types are sent to this endpoint.",
        error_messages={"required": "Subscribe to at least one event type."},
    )

    def __init__(self, *args: Any, environment: str = Environment.SANDBOX, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_environment = environment

    def clean(self) -> dict[str, Any]:
        # Check the address here too, so every problem is reported in one round trip.
        data = super().clean() or {}
        environment = data.get("environment") or self.default_environment
        if data.get("url"):
            try:
                data["url"] = services.check_destination(data["url"], environment)
            except ValidationError as exc:
                self.attach(exc)
        return data


class NewEndpointForm(EndpointForm):
    environment = forms.ChoiceField(
        label="Environment",
        choices=Environment.choices,
        initial=Environment.SANDBOX,
        widget=forms.RadioSelect,
        help_text="Which environment's events this endpoint receives.",
    )


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=[("", "Any status"), *Delivery.Status.choices], required=False)
    event_type = forms.ChoiceField(label="Event type", choices=[("", "Any event"), *EVENT_CHOICES], required=False)


class RecoverForm(ServiceForm):
    since = forms.DateTimeField(
        label="Failed since (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text="Every event whose delivery failed since then, and that has not arrived since, is sent again.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"since": (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")})
        super().__init__(*args, **kwargs)
