import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from partners.models import Membership
from tests.factories import UserFactory, add_member
from tokens import keys, services
from tokens.models import ApiToken
from webhooks.models import Event


def test_format_is_recognisable_and_checksummed(issue):
    secret = issue().secret
    assert re.fullmatch(r"cms_sk_sandbox_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}", secret)
    assert keys.parse(secret) is not None
    typo = secret[:20] + ("a" if secret[20] != "a" else "b") + secret[21:]
    assert keys.parse(typo) is None
    assert keys.parse(secret[:-1]) is None


def test_only_a_keyed_hash_is_stored(issue):
    issued = issue()
    row = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.secret not in (row.secret_hash, row.prefix, row.lookup)
    assert len(row.secret_hash) == 64 and keys.matches(issued.secret, row.secret_hash)
    assert row.prefix == f"cms_sk_sandbox_{row.lookup[:4]}…"


def test_scopes_are_checked_against_the_catalog_and_allowance(issue, acme):
    with pytest.raises(ValidationError) as refused:
        issue(scopes=["patient/*.read", "identity.merge", "velocity.clearinghouse.eligibility", "nope.scope"])
    messages = refused.value.message_dict["scopes"]
    assert "patient/*.read: not available to API tokens (needs SMART on FHIR)." in messages
    assert "identity.merge: not available to API tokens (needs Service Key or OAuth 2.0)." in messages
    assert "velocity.clearinghouse.eligibility: not available to API tokens (needs OAuth 2.0)." in messages
    assert "nope.scope: unknown scope (see /scopes/)." in messages
    acme.allowed_categories = ["cms-partners", "partner-management"]
    acme.save()
    with pytest.raises(ValidationError, match="the FHIR Platform category is not in your organization's allowance"):
        issue(scopes=["cms.fhir.r4.read"])


def test_production_needs_current_agreements_then_go_live(issue, acme):
    from legal import services as legal_services
    from legal.models import LegalDocument

    with pytest.raises(legal_services.AgreementsOutstanding):
        issue(environment="production")
    owner = acme.memberships.get(role="owner").user
    for document in legal_services.required_documents(acme, for_production=True):
        legal_services.accept_document(
            partner=acme, document=document, signer=owner, signer_name="A A", signer_title="CEO"
        )
    assert LegalDocument.objects.exists()
    with pytest.raises(ValidationError, match="after go-live approval"):
        issue(environment="production")


def test_expiry_is_bounded(issue):
    with pytest.raises(ValidationError, match="between 1 and 365 days"):
        issue(days=400)
    assert issue(days=None).token.expires_at is None  # sandbox may never expire


def test_active_token_limit(issue, monkeypatch):
    monkeypatch.setattr(services, "MAX_ACTIVE_TOKENS", 2)
    issue()
    issue()
    with pytest.raises(ValidationError, match="already has 2 active API tokens"):
        issue()


def test_revocation_emits_the_seed_payload_once(issue, acme):
    token = issue().token
    services.revoke_api_token(token=token, by=None, reason="compromised")
    services.revoke_api_token(token=token, by=None, reason="user_request")
    event = Event.objects.get(type="partner.token.revoked")
    token.refresh_from_db()
    assert event.payload == {
        "event": "partner.token.revoked",
        "token_id": token.public_id,
        "partner_gpid": acme.gpid,
        "revoked_at": token.revoked_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "reason": "compromised",
    }
    assert list(event.payload) == ["event", "token_id", "partner_gpid", "revoked_at", "reason"]
    assert AuditEvent.objects.filter(action="token.revoked").count() == 1


def test_rejection_revokes_every_credential_as_admin_action(issue, acme, staff):
    from partners import services as partner_services

    token = issue().token
    acme.status = "pending"
    acme.save()
    partner_services.review_application(partner=acme, decision="rejected", by=staff, message="Not eligible.")
    token.refresh_from_db()
    assert token.revoked_reason == "admin_action"
    with pytest.raises(Exception, match="declined"):
        issue()


def test_removing_a_member_revokes_the_tokens_they_created(issue, acme):
    dev = UserFactory()
    membership = add_member(acme, dev, Membership.Role.DEVELOPER)
    theirs, owners = issue(by=dev).token, issue().token
    from partners import team

    team.remove_member(membership=membership, by=acme.memberships.get(role="owner").user)
    theirs.refresh_from_db()
    owners.refresh_from_db()
    assert theirs.revoked_reason == "admin_action" and owners.revoked_at is None


def test_dashboard_creates_a_token_and_shows_the_secret_once(alice_client, acme):
    resp = alice_client.post(
        "/dashboard/tokens/",
        {"name": "claims-sync", "scopes": ["cms.fhir.r4.read"], "environment": "sandbox", "expiry": "90"},
    )
    assert resp.status_code == 302  # Post/Redirect/Get: reloading cannot create a second token
    resp = alice_client.get(resp["Location"])
    html = resp.content.decode()
    assert resp["Cache-Control"].startswith("max-age=0") and "no-store" in resp["Cache-Control"]
    secret = re.search(r'<pre class="code" id="secret-once">(cms_sk_sandbox_\S+)</pre>', html).group(1)
    token = ApiToken.objects.get(name="claims-sync")
    assert keys.matches(secret, token.secret_hash)
    again = alice_client.get("/dashboard/tokens/").content.decode()
    assert secret not in again and token.prefix in again and "claims-sync" in again


def test_dashboard_shows_specific_scope_errors(alice_client, acme):
    resp = alice_client.post("/dashboard/tokens/", {"name": "x", "environment": "sandbox", "expiry": "never"})
    assert "Choose at least one scope." in resp.content.decode()
    resp = alice_client.post(
        "/dashboard/tokens/",
        {"name": "x", "scopes": ["cms.fhir.r4.read"], "environment": "production", "expiry": "never"},
    )
    assert "Only sandbox tokens may never expire." in resp.content.decode()
    assert not ApiToken.objects.exists()


def test_dashboard_revoke_asks_then_revokes(alice_client, issue):
    token = issue(name="old worker").token
    page = alice_client.get(f"/dashboard/tokens/{token.public_id}/revoke/").content.decode()
    assert "Revoke token “old worker”?" in page
    alice_client.post(f"/dashboard/tokens/{token.public_id}/revoke/")
    token.refresh_from_db()
    assert token.revoked_reason == "user_request"


def test_viewer_sees_tokens_but_cannot_create_or_revoke(viewer, issue):
    token = issue().token
    client = Client()
    client.force_login(viewer)
    assert client.get("/dashboard/tokens/").status_code == 200
    assert (
        client.post(
            "/dashboard/tokens/", {"name": "x", "scopes": ["cms.sdk.read"], "environment": "sandbox", "expiry": "30"}
        ).status_code
        == 403
    )
    assert client.post(f"/dashboard/tokens/{token.public_id}/revoke/").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_bob_cannot_see_or_revoke_alices_tokens(bob_client, issue, beta):
    token = issue(name="acme-secret-worker").token
    assert "acme-secret-worker" not in bob_client.get("/dashboard/tokens/").content.decode()
    assert bob_client.post(f"/dashboard/tokens/{token.public_id}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_expired_tokens_are_not_listed(issue, alice_client):
    token = issue(name="expired-one").token
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert "expired-one" not in alice_client.get("/dashboard/tokens/").content.decode()


def test_dashboard_production_request_names_the_missing_agreements(alice_client, acme):
    resp = alice_client.post(
        "/dashboard/tokens/", {"name": "prod", "scopes": ["cms.sdk.read"], "environment": "production", "expiry": "30"}
    )
    assert resp.status_code == 200
    assert "Sign the current version of: Mutual Non-Disclosure Agreement v2026-03" in resp.content.decode()
    assert not ApiToken.objects.exists()


def test_staff_revoke_from_admin_with_admin_action(staff_client, issue):
    token = issue().token
    staff_client.post("/admin/tokens/apitoken/", {"action": "revoke_selected", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_reason == "admin_action"
    assert Event.objects.get(type="partner.token.revoked").payload["reason"] == "admin_action"
    page = staff_client.get(f"/admin/tokens/apitoken/{token.pk}/change/").content.decode()
    assert token.secret_hash not in page


def test_staff_disable_clients_from_admin(staff_client, acme):
    owner = acme.memberships.get(role="owner").user
    client = services.create_oauth_client(partner=acme, name="x", scopes=["cms.sdk.read"], by=owner).client
    staff_client.post("/admin/tokens/oauthclient/", {"action": "disable_selected", "_selected_action": [client.pk]})
    client.refresh_from_db()
    assert client.disabled_at is not None
    assert (
        client.client_secret not in staff_client.get(f"/admin/tokens/oauthclient/{client.pk}/change/").content.decode()
    )
