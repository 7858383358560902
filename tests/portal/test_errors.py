import pytest
from django.test import Client, override_settings
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from tests.conftest import bearer
from tests.contract import assert_documented


class _Body(serializers.Serializer):
    name = serializers.CharField(max_length=10)
    count = serializers.IntegerField(min_value=1)


class _EchoView(APIView):
    permission_classes = (AllowAny,)

    def post(self, request):
        body = _Body(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(body.validated_data)


def test_validation_errors_name_the_field_and_keep_the_shape():
    request = APIRequestFactory().post("/api/x", {"name": "far too long a name", "count": 0}, format="json")
    resp = _EchoView.as_view()(request)
    assert resp.status_code == 400
    assert resp.data["code"] == "invalid"
    assert resp.data["detail"].startswith("Invalid input. name:")
    assert set(resp.data["errors"]) == {"name", "count"}


def test_malformed_json_is_a_400_with_the_error_shape():
    request = APIRequestFactory().post("/api/x", b'{"name": ', content_type="application/json")
    resp = _EchoView.as_view()(request)
    assert resp.status_code == 400
    assert resp.data["code"] == "parse_error"
    assert "JSON parse error" in resp.data["detail"]


def test_form_bodies_are_refused_because_the_api_is_json_only():
    request = APIRequestFactory().post("/api/x", {"name": "x", "count": 1})  # multipart
    resp = _EchoView.as_view()(request)
    assert resp.status_code == 415
    assert resp.data["code"] == "unsupported_media_type"


def test_unknown_api_path_is_json_404(client, db):
    resp = client.get("/cms/no-such-thing")
    assert resp.status_code == 404
    assert resp.json() == {"detail": "Not found.", "code": "not_found"}


def test_unknown_page_is_a_friendly_html_404(client, db):
    resp = client.get("/no-such-page/")
    assert resp.status_code == 404
    html = resp.content.decode()
    assert "<h1>Page not found</h1>" in html and 'lang="en"' in html


def test_wrong_method_on_api_is_json_405(client, db):
    resp = client.post("/api/scopes", {}, content_type="application/json")
    assert resp.status_code == 405
    assert resp.json()["code"] == "method_not_allowed"


def test_csrf_failure_is_a_friendly_403(alice, db):
    client = Client(enforce_csrf_checks=True)
    resp = client.post("/accounts/login/", {"login": "alice@acme-health.example", "password": "x"})
    assert resp.status_code == 403
    assert "Form expired" in resp.content.decode()


@pytest.mark.django_db
def test_server_errors_are_a_page_not_a_traceback(client):
    client.raise_request_exception = False
    with override_settings(ROOT_URLCONF="tests.portal.urls_boom"):
        resp = client.get("/boom/")
        api = client.get("/cms/boom")
    assert resp.status_code == 500
    assert "Something went wrong on our side" in resp.content.decode()
    assert "Traceback" not in resp.content.decode()
    assert api.status_code == 500
    assert api.json()["code"] == "server_error"


@pytest.mark.parametrize(
    ("method", "path", "template"),
    [
        ("get", "/webhooks/we_a%00b", "/webhooks/{endpoint_id}"),
        ("patch", "/webhooks/we_%00", "/webhooks/{endpoint_id}"),
        ("get", "/webhooks/we_%00/deliveries", "/webhooks/{endpoint_id}/deliveries"),
        ("post", "/webhooks/we_%00/test", "/webhooks/{endpoint_id}/test"),
        ("get", "/webhooks/deliveries/dlv_%00", "/webhooks/deliveries/{delivery_id}"),
        ("post", "/webhooks/deliveries/dlv_%00/replay", "/webhooks/deliveries/{delivery_id}/replay"),
        ("delete", "/cms/tokens/tok_%00", "/cms/tokens/{token_id}"),
        ("get", "/cms/oauth/register/a%00b", "/cms/oauth/register/{client_id}"),
        ("delete", "/cms/tokens/tok_caf%C3%A9", "/cms/tokens/{token_id}"),
        ("post", "/webhooks/deliveries/test", "/webhooks/{endpoint_id}/test"),
        ("post", "/webhooks/deliveries/rotate-secret", "/webhooks/{endpoint_id}/rotate-secret"),
        ("delete", "/cms/tokens/we_contract", "/cms/tokens/{token_id}"),
    ],
)
def test_ids_of_another_kind_or_with_odd_characters_are_a_documented_404(api, issue, method, path, template):
    """Ids in URLs have their kind's prefix and URL-safe characters (the schema gives the
    pattern). A NUL character used to reach the database and fail there with a 500 on
    PostgreSQL; "deliveries" taken for an endpoint id answered 405."""
    bearer(api, issue().secret)
    resp = getattr(api, method)(path, {}, format="json")
    assert resp.status_code == 404
    assert resp.json() == {"detail": "Not found.", "code": "not_found"}
    assert_documented(resp, method, template)
