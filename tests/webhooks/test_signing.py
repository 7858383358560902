"""Signatures and secrets, checked against the standardwebhooks package and by running
the verification snippets the dashboard offers for copy and paste."""

from __future__ import annotations

import json
import shutil
import subprocess
import time

import pytest
from django.conf import settings
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.conftest import _unavailable
from webhooks import services, signing, snippets
from webhooks.delivery import attempt
from webhooks.models import Endpoint


def test_our_signature_verifies_with_the_standard_library_of_the_spec():
    secret = signing.new_secret()
    body = '{"event":"webhook.test"}'
    now = int(time.time())
    headers = {
        "webhook-id": "evt_1",
        "webhook-timestamp": str(now),
        "webhook-signature": signing.sign(secret, "evt_1", now, body),
    }
    assert Webhook(secret).verify(body, headers) == {"event": "webhook.test"}
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace("test", "tset"), headers)


def test_a_ciphertext_only_decrypts_on_its_own_endpoint():
    secret = signing.new_secret()
    sealed = signing.encrypt(secret, bound_to="we_a")
    assert signing.decrypt(sealed, bound_to="we_a") == secret
    from cryptography.exceptions import InvalidTag

    with pytest.raises(InvalidTag):
        signing.decrypt(sealed, bound_to="we_b")


def _one_delivery(endpoint_for, receiver):
    hook = endpoint_for(receiver.url)
    delivery = services.send_test(endpoint=hook.endpoint, by=None)
    attempt(delivery.pk, owner="test")
    (request,) = receiver.wait_for(1)
    return hook, request


def test_the_python_snippet_verifies_a_real_delivery(endpoint_for, receiver, monkeypatch):
    hook, request = _one_delivery(endpoint_for, receiver)
    python = next(s for s in snippets.for_endpoint(hook.endpoint) if s.slug == "python")
    monkeypatch.setenv("CMS_WEBHOOK_SECRET", hook.secret)
    namespace: dict = {}
    exec(compile(python.code, "snippet.py", "exec"), namespace)  # noqa: S102 - our own published snippet
    event = namespace["verify_webhook"](request.headers, request.body)
    assert event["event"] == "webhook.test" and event["endpoint_id"] == hook.endpoint.public_id
    with pytest.raises(ValueError, match="no valid signature"):
        namespace["verify_webhook"](request.headers, request.body + b" ")


def test_the_node_snippet_verifies_a_real_delivery(endpoint_for, receiver, tmp_path):
    node = shutil.which("node")
    if node is None:
        _unavailable("Node.js (apt-get install nodejs)", settings.REQUIRE_SERVICES)
    hook, request = _one_delivery(endpoint_for, receiver)
    code = next(s for s in snippets.for_endpoint(hook.endpoint) if s.slug == "node").code
    (tmp_path / "verify.js").write_text(code)
    driver = (
        "const { verifyWebhook } = require('./verify.js');"
        "const [headers, body] = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "try { console.log(JSON.stringify(verifyWebhook(headers, Buffer.from(body, 'utf8')))); }"
        "catch (e) { console.log('REFUSED ' + e.message); }"
    )
    (tmp_path / "drive.js").write_text(driver)

    def run(body: str) -> str:
        result = subprocess.run(
            [node, "drive.js"],
            input=json.dumps([request.headers, body]),
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env={"CMS_WEBHOOK_SECRET": hook.secret, "PATH": "/usr/bin:/bin"},
            timeout=30,
            check=True,
        )
        return result.stdout.strip()

    assert json.loads(run(request.body.decode()))["event"] == "webhook.test"
    assert run(request.body.decode() + " ") == "REFUSED no valid signature"


def test_secrets_are_not_stored_in_clear(endpoint_for):
    hook = endpoint_for("https://93.184.215.14/hooks")
    row = Endpoint.objects.filter(pk=hook.endpoint.pk).values().get()
    assert all(hook.secret not in str(value) for value in row.values())


def test_a_changed_server_key_is_reported_not_crashed(endpoint_for, receiver, settings):
    hook = endpoint_for(receiver.url)
    settings.CREDENTIAL_HASH_KEY = "a-new-server-key"
    delivery = services.send_test(endpoint=hook.endpoint, by=None)
    attempt(delivery.pk, owner="test")
    delivery.refresh_from_db()
    assert "cannot be decrypted" in delivery.last_error and receiver.requests == []
    services.rotate_secret(endpoint=hook.endpoint, by=None)  # the fix the message suggests
    delivery.next_attempt_at = delivery.created_at
    delivery.save()
    attempt(delivery.pk, owner="test")
    assert len(receiver.wait_for(1)) == 1
