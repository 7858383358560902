"""Sign up, sign in, verification, password reset, MFA and guessing limits (django-allauth)."""

import re

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from audit.models import AuditEvent
from tests.factories import PASSWORD
from tests.onboarding.wizard import complete

ALICE = "alice@acme-health.example"


def test_signing_up_sends_a_verification_link_that_verifies(client, db):
    complete(client)
    user = get_user_model().objects.get(email="grace@gamma-health.example")
    assert EmailAddress.objects.get(user=user).verified is False
    confirmation = next(m for m in mail.outbox if "confirm-email" in m.body)
    assert confirmation.subject.startswith("[CMS Health Tech Ecosystem]")
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", confirmation.body).group(1)
    assert client.post(link).status_code == 302
    assert EmailAddress.objects.get(user=user).verified is True
    assert AuditEvent.objects.filter(action="account.email_verified", actor=user).exists()


def test_sign_in_by_email_lands_on_the_dashboard_and_is_audited(client, alice):
    resp = client.post(reverse("account_login"), {"login": ALICE, "password": PASSWORD})
    assert resp.status_code == 302
    assert resp["Location"] == reverse("dashboard")
    assert AuditEvent.objects.filter(action="account.login", actor=alice).exists()


def test_wrong_password_gives_a_form_error_and_an_audit_record(client, alice):
    resp = client.post(reverse("account_login"), {"login": ALICE, "password": "nope"})
    assert resp.status_code == 200
    assert "The email address and/or password you specified are not correct." in resp.content.decode()
    failed = AuditEvent.objects.get(action="account.login_failed")
    assert failed.outcome == "failure"
    assert failed.details == {"login": ALICE}


def test_password_guessing_is_locked_out_per_account(client, alice):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": ALICE, "password": "guess"})
    resp = client.post(reverse("account_login"), {"login": ALICE, "password": PASSWORD})
    assert resp.status_code == 200
    assert "Too many failed login attempts" in resp.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_mails_a_link_that_sets_a_new_password(client, alice):
    client.post(reverse("account_reset_password"), {"email": ALICE})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    resp = client.post(form_url, {"password1": "brand-new-secret-42", "password2": "brand-new-secret-42"})
    assert resp.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("brand-new-secret-42")


def test_totp_is_required_at_sign_in_once_enabled(client, alice):
    secret = generate_totp_secret()
    TOTP.activate(alice, secret)
    resp = client.post(reverse("account_login"), {"login": ALICE, "password": PASSWORD})
    assert resp["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    bad = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "Incorrect code." in bad.content.decode()
    import time

    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    resp = client.post(reverse("mfa_authenticate"), {"code": code})
    assert resp.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_account_pages_use_the_portal_layout(client, db):
    for path in (reverse("account_login"), reverse("account_reset_password"), "/signup/"):
        html = client.get(path).content.decode()
        assert '<html lang="en">' in html, path
        assert 'class="site-header"' in html, path
        assert html.count("<h1") == 1, path
