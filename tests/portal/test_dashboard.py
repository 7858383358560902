from django.urls import reverse

from tests.factories import UserFactory


def test_dashboard_needs_sign_in(client, db):
    resp = client.get(reverse("dashboard"))
    assert resp.status_code == 302
    assert resp["Location"].startswith(reverse("account_login"))


def test_dashboard_shows_alices_organization(alice_client, acme):
    html = alice_client.get(reverse("dashboard")).content.decode()
    assert "<h1>Acme Health Plan</h1>" in html
    assert f"GPID {acme.gpid}" in html
    assert "(Owner)" in html


def test_bob_never_sees_alices_organization(bob_client, acme, beta):
    html = bob_client.get(reverse("dashboard")).content.decode()
    assert "Beta Labs" in html
    assert "Acme Health Plan" not in html
    assert acme.gpid not in html


def test_a_user_without_organization_is_told_how_to_join(client, db):
    client.force_login(UserFactory())
    html = client.get(reverse("dashboard")).content.decode()
    assert "not a member of any partner organization" in html
