"""Golden tests: what a receiver gets is byte-for-byte the seed's example shape."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tokens import services as token_services
from webhooks import services
from webhooks.delivery import attempt
from webhooks.models import Delivery

# The seed portal page's example payloads, copied into the repository (tests/fixtures/README.md).
EXAMPLES_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "seed_webhook_examples.txt"


def seed_examples() -> dict[str, list[tuple[str, object]]]:
    """The example payloads printed on the seed portal page, as ordered pairs."""
    text = EXAMPLES_FILE.read_text()
    decoder = json.JSONDecoder(object_pairs_hook=list)
    found: dict[str, list[tuple[str, object]]] = {}
    for match in re.finditer(r'\{\s*"event"', text):
        pairs, _ = decoder.raw_decode(text, match.start())
        found[dict(pairs)["event"]] = pairs
    return found


EXAMPLES = seed_examples()


def test_the_seed_publishes_three_events():
    assert sorted(EXAMPLES) == ["partner.token.revoked", "pipeline.sync.completed", "pipeline.sync.failed"]


@pytest.mark.parametrize("event_type", sorted(EXAMPLES))
def test_the_delivered_body_is_the_seed_example(event_type, acme, endpoint_for, receiver):
    endpoint_for(receiver.url, events=[event_type])
    pairs = EXAMPLES[event_type]
    services.emit(partner=acme, type=event_type, payload={k: v for k, v in pairs if k != "event"})
    attempt(Delivery.objects.get().pk, owner="test")
    (request,) = receiver.wait_for(1)
    assert json.loads(request.body, object_pairs_hook=list) == pairs  # same keys, order, types and values
    assert request.headers["content-type"] == "application/json"


def test_a_real_revocation_has_the_seed_shape(acme, endpoint_for, receiver, issue):
    endpoint_for(receiver.url, events=["partner.token.revoked"])
    token = issue().token
    token_services.revoke_api_token(token=token, by=None, reason="admin_action")
    attempt(Delivery.objects.get().pk, owner="test")
    (request,) = receiver.wait_for(1)
    got = json.loads(request.body, object_pairs_hook=list)
    seed = EXAMPLES["partner.token.revoked"]
    assert [k for k, _ in got] == [k for k, _ in seed]
    assert [type(v) for _, v in got] == [type(v) for _, v in seed]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", dict(got)["revoked_at"])
    assert dict(got)["token_id"] == token.public_id and dict(got)["partner_gpid"] == acme.gpid
