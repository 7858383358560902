from django.urls import path, re_path, register_converter
from oauth2_provider import views as oauth

from lib.ids import IdConverter, id_regex
from tokens import api, client_views, introspection, registration, views
from tokens.models import TOKEN_ID_PREFIX
from tokens.oauth import TokenView


class TokenId(IdConverter):
    regex = id_regex(TOKEN_ID_PREFIX)


register_converter(TokenId, "token_id")

app_name = "tokens"

urlpatterns = [
    path("cms/partner-login", api.PartnerLogin.as_view(), name="partner-login"),
    path("cms/tokens", api.TokenList.as_view(), name="api-list"),
    path("cms/oauth/register", registration.Register.as_view(), name="register"),
    path("cms/oauth/register/<slug:client_id>", registration.ClientConfiguration.as_view(), name="register-client"),
    path("cms/tokens/<token_id:token_id>", api.TokenDetail.as_view(), name="api-detail"),
    path("dashboard/tokens/", views.token_list, name="list"),
    path("dashboard/tokens/<token_id:token_id>/revoke/", views.token_revoke, name="revoke"),
    path("dashboard/apps/", client_views.client_list, name="clients"),
    path("dashboard/apps/<slug:client_id>/disable/", client_views.client_disable, name="client-disable"),
    path("dashboard/apps/<slug:client_id>/rotate/", client_views.client_rotate, name="client-rotate"),
    # The OAuth 2.0 endpoints answer with and without a trailing slash (a POST never redirects).
    re_path(r"^oauth/token/?$", TokenView.as_view(), name="oauth-token"),
    re_path(r"^oauth/revoke/?$", oauth.RevokeTokenView.as_view(), name="oauth-revoke"),
    re_path(r"^oauth/introspect/?$", introspection.Introspect.as_view(), name="oauth-introspect"),
]
