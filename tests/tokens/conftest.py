import pytest
from rest_framework.test import APIClient

from tokens import services


@pytest.fixture
def issue(acme):
    """Issue an API token for alice's partner: issue(scopes=[...]) -> IssuedToken."""
    owner = acme.memberships.get(role="owner").user

    def make(
        scopes=("cms.partner.read", "cms.partner.write"),
        name="ci",
        environment="sandbox",
        days=90,
        partner=acme,
        by=None,
    ):
        return services.create_api_token(
            partner=partner,
            name=name,
            scopes=list(scopes),
            environment=environment,
            expires_in_days=days,
            by=by or owner,
        )

    return make


@pytest.fixture
def api():
    return APIClient()


def bearer(api, secret):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return api
