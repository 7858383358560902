from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal import api_views, views

# Staff sign in like everyone else: allauth's login with its two-factor step and its rate
# limits, never Django's password-only admin form.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "CMS Health Tech Ecosystem — staff"
admin.site.site_title = "CMS Health Tech Ecosystem staff"
admin.site.index_title = "Partner programme administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("scopes/", views.scope_reference, name="scopes"),
    path("sdks/", views.sdk_catalog, name="sdks"),
    path("status/", views.status_page, name="status"),
    path("healthz", views.healthz, name="healthz"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("", include("legal.urls")),
    path("", include("onboarding.urls")),
    path("", include("partners.urls")),
    path("", include("tokens.urls")),
    path("", include("webhooks.urls")),
    path("", include("sandbox.urls")),
    # Signing up means applying for an organization: allauth's own form leads to the wizard.
    path("accounts/signup/", RedirectView.as_view(pattern_name="onboarding:signup", permanent=False)),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/scopes", api_views.ScopeList.as_view(), name="api-scopes"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
