"""The two worlds every credential, endpoint and event belongs to."""

from __future__ import annotations

from django.db import models


class Environment(models.TextChoices):
    SANDBOX = "sandbox", "Sandbox"
    PRODUCTION = "production", "Production"
