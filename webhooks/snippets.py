"""Copy-paste verification code for a partner's receiver (tested by running it)."""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string

from webhooks.models import Endpoint


@dataclass(frozen=True)
class Snippet:
    language: str
    slug: str
    code: str


def for_endpoint(endpoint: Endpoint) -> list[Snippet]:
    context = {"endpoint": endpoint}
    return [
        Snippet("Python", "python", render_to_string("webhooks/snippets/verify.py.txt", context).strip() + "\n"),
        Snippet("Node.js", "node", render_to_string("webhooks/snippets/verify.js.txt", context).strip() + "\n"),
    ]
