import json

from django.contrib.auth import get_user_model
from django.core.management import call_command

from partners.models import Partner
from portal import demo


def test_seed_demo_json_is_the_contract_and_alone_on_stdout(db, capsys):
    call_command("seed_demo", "--json")
    out = capsys.readouterr().out
    data = json.loads(out)  # nothing but the JSON object on stdout
    assert data["staff"] == {"username": "staff", "email": demo.STAFF_EMAIL, "password": demo.STAFF_PASSWORD}
    assert data["partner"] == {"gpid": "CMS-00000001", "email": demo.PARTNER_EMAIL, "password": demo.PARTNER_PASSWORD}
    assert data["api_token"].startswith("cms_sk_sandbox_")
    assert data["oauth_client"]["client_id"] == "demo-client-credentials"
    assert {"cms.fhir.r4.read", "cms.sdk.read"} <= set(data["oauth_client"]["scope"].split())


def test_seed_demo_oauth_client_obtains_a_token(db, capsys, client):
    import base64

    call_command("seed_demo", "--json")
    oauth = json.loads(capsys.readouterr().out)["oauth_client"]
    auth = base64.b64encode(f"{oauth['client_id']}:{oauth['client_secret']}".encode()).decode()
    resp = client.post("/oauth/token", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {auth}")
    assert resp.status_code == 200 and set(resp.json()["scope"].split()) == set(oauth["scope"].split())


def test_seed_demo_api_token_is_stable_and_works(db, capsys):
    from rest_framework.test import APIClient

    from tokens.models import ApiToken

    call_command("seed_demo", "--json")
    first = json.loads(capsys.readouterr().out)["api_token"]
    call_command("seed_demo", "--json")
    assert json.loads(capsys.readouterr().out)["api_token"] == first
    token = ApiToken.objects.get(name="demo token")
    assert token.scopes == [
        "cms.fhir.r4.read",
        "cms.pipeline.read",
        "cms.sdk.read",
        "cms.partner.read",
        "cms.partner.write",
    ]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {first}")
    assert api.get("/cms/tokens").status_code == 200


def test_seed_demo_is_idempotent(db, capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    assert Partner.objects.count() == 3
    partner = Partner.objects.get(gpid="CMS-00000001")
    assert (partner.legal_name, partner.status, partner.partner_type) == ("Acme Health Plan", "approved", "payer")
    assert partner.memberships.get().user.email == demo.PARTNER_EMAIL
    assert set(partner.acceptances.values_list("document__kind", flat=True)) >= {"mnda", "baa"}
    assert Partner.objects.filter(status="pending").count() == 1
    rejected = Partner.objects.get(status="rejected")
    assert rejected.review_message.startswith("Reselling patient data")
    assert get_user_model().objects.filter(username__in=["staff", "alice"]).count() == 2


def test_demo_logins_work(client, db):
    call_command("seed_demo")
    assert client.login(username="staff", password=demo.STAFF_PASSWORD)
    assert client.get("/admin/").status_code == 200
    client.logout()
    resp = client.post("/accounts/login/", {"login": demo.PARTNER_EMAIL, "password": demo.PARTNER_PASSWORD})
    assert resp.status_code == 302
    assert "Acme Health Plan" in client.get("/dashboard/").content.decode()


def test_seed_demo_refuses_production(db, settings):
    import pytest
    from django.core.management.base import CommandError

    settings.PRODUCTION, settings.DEBUG = True, False
    with pytest.raises(CommandError, match="refuses to run"):
        call_command("seed_demo")


def test_seed_demo_resource_server_can_introspect(db, capsys, client):
    import base64

    call_command("seed_demo", "--json")
    data = json.loads(capsys.readouterr().out)
    rs = data["resource_server"]
    auth = base64.b64encode(f"{rs['client_id']}:{rs['client_secret']}".encode()).decode()
    body = client.post("/oauth/introspect", {"token": data["api_token"]}, HTTP_AUTHORIZATION=f"Basic {auth}").json()
    assert body["active"] is True and "cms.partner.read" in body["scope"]
