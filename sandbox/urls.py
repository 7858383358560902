from django.urls import re_path

from sandbox import views

app_name = "sandbox"

TYPE = r"(?P<resource_type>[A-Z][A-Za-z]{1,63})"
ID = r"(?P<logical_id>[A-Za-z0-9\-.]{1,64})"

urlpatterns = [
    re_path(r"^fhir/R4/metadata/?$", views.metadata, name="metadata"),
    re_path(r"^fhir/R4/?$", views.system_level, name="system"),
    re_path(r"^fhir/R4/_async/(?P<job_id>[A-Za-z0-9_\-]{1,40})/?$", views.async_status, name="async"),
    re_path(rf"^fhir/R4/{TYPE}/?$", views.type_level, name="type"),
    re_path(rf"^fhir/R4/{TYPE}/_search/?$", views.search_post, name="search-post"),
    re_path(rf"^fhir/R4/{TYPE}/{ID}/_history/?$", views.instance_history, name="history"),
    re_path(rf"^fhir/R4/{TYPE}/{ID}/_history/(?P<version_id>[^/]+)/?$", views.vread, name="vread"),
    re_path(rf"^fhir/R4/{TYPE}/{ID}/?$", views.instance, name="instance"),
    re_path(r"^fhir/.*$", views.unknown, name="unknown"),
]
