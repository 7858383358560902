from django.urls import path, re_path
from oauth2_provider import views as oauth

from tokens import api, client_views, introspection, registration, views
from tokens.oauth import TokenView

app_name = "tokens"

urlpatterns = [
    path("cms/partner-login", api.PartnerLogin.as_view(), name="partner-login"),
    path("cms/tokens", api.TokenList.as_view(), name="api-list"),
    path("cms/oauth/register", registration.Register.as_view(), name="register"),
    path("cms/oauth/register/<str:client_id>", registration.ClientConfiguration.as_view(), name="register-client"),
    path("cms/tokens/<str:token_id>", api.TokenDetail.as_view(), name="api-detail"),
    path("dashboard/tokens/", views.token_list, name="list"),
    path("dashboard/tokens/<str:token_id>/revoke/", views.token_revoke, name="revoke"),
    path("dashboard/apps/", client_views.client_list, name="clients"),
    path("dashboard/apps/<str:client_id>/disable/", client_views.client_disable, name="client-disable"),
    path("dashboard/apps/<str:client_id>/rotate/", client_views.client_rotate, name="client-rotate"),
    # The OAuth 2.0 endpoints answer with and without a trailing slash (a POST never redirects).
    re_path(r"^oauth/token/?$", TokenView.as_view(), name="oauth-token"),
    re_path(r"^oauth/revoke/?$", oauth.RevokeTokenView.as_view(), name="oauth-revoke"),
    re_path(r"^oauth/introspect/?$", introspection.Introspect.as_view(), name="oauth-introspect"),
]
