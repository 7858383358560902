from django.urls import path

from tokens import api, views

app_name = "tokens"

urlpatterns = [
    path("cms/partner-login", api.PartnerLogin.as_view(), name="partner-login"),
    path("cms/tokens", api.TokenList.as_view(), name="api-list"),
    path("cms/tokens/<str:token_id>", api.TokenDetail.as_view(), name="api-detail"),
    path("dashboard/tokens/", views.token_list, name="list"),
    path("dashboard/tokens/<str:token_id>/revoke/", views.token_revoke, name="revoke"),
]
