"""Staff access (issue 11 §3.2, §3.3, §2): the admin signs in through allauth with its
two-factor step, admin actions need their permission (checked again in the services),
and staff change partners and clients only through the services."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.test import Client
from oauth2_provider.models import AccessToken

from audit.models import AuditEvent
from partners import services as partner_services
from partners.models import Partner
from tests.admin_forms import form_data
from tests.factories import PASSWORD, PartnerFactory, UserFactory
from tokens import services as token_services
from tokens.models import ApiToken, OAuthClient


@pytest.fixture
def viewer_staff(db):
    """A reviewer who may only look."""
    user = UserFactory(username="vera", email="vera@portal.localhost")
    user.is_staff = True
    user.save()
    for codename in ("view_partner", "view_apitoken", "view_oauthclient"):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.fixture
def pending(db):
    return PartnerFactory(legal_name="Pending Org", status=Partner.Status.PENDING)


def test_admin_login_is_allauths_login(client, staff):
    resp = client.get("/admin/login/?next=/admin/")
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/?next=")
    resp = client.post("/admin/login/", {"username": "staff", "password": PASSWORD})
    assert resp.status_code == 302 and "_auth_user_id" not in client.session  # the password form is gone


def test_staff_with_totp_needs_the_code_to_reach_the_admin(client, staff):
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    resp = client.post("/admin/login/?next=/admin/", follow=True)
    resp = client.post("/accounts/login/?next=/admin/", {"login": staff.email, "password": PASSWORD}, follow=False)
    assert resp.status_code == 302 and "/accounts/2fa/authenticate/" in resp["Location"]
    assert client.get("/admin/").status_code == 302  # the password alone gives no session
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    resp = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert resp.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_partners_cannot_use_the_admin(alice_client):
    assert alice_client.get("/admin/login/").status_code == 403


def test_view_only_staff_see_no_review_actions_and_cannot_decide(viewer_staff, pending):
    client = Client()
    client.force_login(viewer_staff)
    page = client.get("/admin/partners/partner/").content.decode()
    assert "Approve selected" not in page and "Reject selected" not in page
    resp = client.post(
        "/admin/partners/partner/",
        {"action": "reject_selected", "_selected_action": [pending.pk], "apply": "1", "message": "no"},
    )
    assert resp.status_code in (200, 302)
    client.post(f"/admin/partners/partner/{pending.pk}/decide/approved/", {"apply": "1"})
    pending.refresh_from_db()
    assert pending.status == Partner.Status.PENDING
    with pytest.raises(PermissionDenied):
        partner_services.review_application(partner=pending, decision="approved", by=viewer_staff)


def test_view_only_staff_cannot_revoke_or_disable(viewer_staff, issue, acme):
    token = issue().token
    owner = acme.memberships.get(role="owner").user
    oauth = token_services.create_oauth_client(partner=acme, name="c", scopes=["cms.sdk.read"], by=owner).client
    client = Client()
    client.force_login(viewer_staff)
    assert "Revoke selected" not in client.get("/admin/tokens/apitoken/").content.decode()
    client.post("/admin/tokens/apitoken/", {"action": "revoke_selected", "_selected_action": [token.pk]})
    client.post("/admin/tokens/oauthclient/", {"action": "disable_selected", "_selected_action": [oauth.pk]})
    token.refresh_from_db()
    oauth.refresh_from_db()
    assert token.revoked_at is None and oauth.disabled_at is None
    with pytest.raises(PermissionDenied):
        token_services.revoke_api_token(token=token, by=viewer_staff, reason="admin_action")


def test_staff_edit_of_the_allowance_goes_through_the_service(staff_client, acme, issue):
    token = issue(scopes=["cms.partner.read", "cms.fhir.r4.read"]).token
    kept = [c for c in acme.allowed_categories if c != "fhir-platform"]
    form = {**form_data(staff_client, f"/admin/partners/partner/{acme.pk}/change/"), "allowed_categories": kept}
    resp = staff_client.post(f"/admin/partners/partner/{acme.pk}/change/", form)
    assert resp.status_code == 302
    token.refresh_from_db()
    assert token.scopes == ["cms.partner.read"]
    event = AuditEvent.objects.get(action="partner.updated", partner=acme)
    assert "fhir-platform" in event.details["allowed_categories"]["from"]
    assert "fhir-platform" not in event.details["allowed_categories"]["to"]


def test_client_fields_are_read_only_and_scopes_change_through_the_service(staff_client, acme, client):
    owner = acme.memberships.get(role="owner").user
    issued = token_services.create_oauth_client(
        partner=acme, name="c", scopes=["cms.fhir.r4.read", "cms.sdk.read"], by=owner
    )
    client.post(
        "/oauth/token",
        {"grant_type": "client_credentials", "client_id": issued.client.client_id, "client_secret": issued.secret},
    )
    change_url = f"/admin/tokens/oauthclient/{issued.client.pk}/change/"
    page = staff_client.get(change_url).content.decode()
    assert 'name="scopes"' not in page and "Change scopes" in page
    staff_client.post(change_url, {"name": "renamed", "is_resource_server": "on", "scopes": '["cms.partner.write"]'})
    issued.client.refresh_from_db()
    assert issued.client.name == "c" and not issued.client.is_resource_server
    resp = staff_client.post(f"/admin/tokens/oauthclient/{issued.client.pk}/scopes/", {"scopes": ["cms.sdk.read"]})
    assert resp.status_code == 302
    issued.client.refresh_from_db()
    assert issued.client.scopes == ["cms.sdk.read"]
    assert not AccessToken.objects.filter(application=issued.client).exists()  # a scope was removed
    assert AuditEvent.objects.filter(action="oauth_client.scopes_changed").exists()
    refused = staff_client.post(
        f"/admin/tokens/oauthclient/{issued.client.pk}/scopes/", {"scopes": ["launch/patient"]}
    ).content.decode()
    assert "Select a valid choice" in refused or "not available" in refused


def test_resource_server_designation_is_an_audited_staff_action(staff_client, acme):
    owner = acme.memberships.get(role="owner").user
    oauth = token_services.create_oauth_client(partner=acme, name="gw", scopes=["cms.sdk.read"], by=owner).client
    staff_client.post("/admin/tokens/oauthclient/", {"action": "make_resource_server", "_selected_action": [oauth.pk]})
    assert OAuthClient.objects.get(pk=oauth.pk).is_resource_server
    assert AuditEvent.objects.filter(action="oauth_client.resource_server_set", object_id=str(oauth.pk)).exists()
    with pytest.raises(PermissionDenied):
        token_services.set_resource_server(client=oauth, resource_server=False, by=owner)


def test_staff_revocation_is_announced_as_admin_action(staff_client, issue):
    token = issue().token
    staff_client.post("/admin/tokens/apitoken/", {"action": "revoke_selected", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_reason == ApiToken.RevokeReason.ADMIN_ACTION


def test_a_refused_partner_edit_is_an_error_on_the_form(staff_client, acme):
    PartnerFactory(legal_name="Holder Org", npi="1234567893")
    form = {**form_data(staff_client, f"/admin/partners/partner/{acme.pk}/change/"), "legal_name": "Holder Org"}
    form["npi"] = "1234567893"
    resp = staff_client.post(f"/admin/partners/partner/{acme.pk}/change/", form)
    assert (
        resp.status_code == 200 and "Another live application holds this legal name and NPI." in resp.content.decode()
    )
    acme.refresh_from_db()
    assert acme.legal_name == "Acme Health Plan"


def test_members_cannot_reenable_what_staff_disabled(acme, staff):
    from webhooks import services as webhooks
    from webhooks.models import Endpoint

    owner = acme.memberships.get(role="owner").user
    endpoint = webhooks.create_endpoint(
        partner=acme, url="https://93.184.215.14/hooks", event_types=["webhook.test"], by=owner
    ).endpoint
    webhooks.disable_endpoint(endpoint=endpoint, reason=Endpoint.DisabledReason.STAFF, by=staff)
    endpoint.refresh_from_db()
    with pytest.raises(PermissionDenied, match="Staff disabled"):
        webhooks.update_endpoint(endpoint=endpoint, active=True, by=owner)
    webhooks.update_endpoint(endpoint=endpoint, active=True, by=staff)
    endpoint.refresh_from_db()
    assert endpoint.is_active
