from django.urls import re_path

from sandbox import views

app_name = "sandbox"

TYPE = r"(?P<resource_type>[A-Z][A-Za-z]{1,63})"
ID = r"(?P<logical_id>[A-Za-z0-9\-.]{1,64})"

urlpatterns = [
    re_path(r"^fhir/R4/metadata/?$", views.metadata, name="metadata"),
    re_path(rf"^fhir/R4/{TYPE}/?$", views.search_type, name="search"),
    re_path(rf"^fhir/R4/{TYPE}/_search/?$", views.search_post, name="search-post"),
    re_path(rf"^fhir/R4/{TYPE}/{ID}/_history/?$", views.instance_history, name="history"),
    re_path(rf"^fhir/R4/{TYPE}/{ID}/_history/(?P<version_id>[^/]+)/?$", views.vread, name="vread"),
    re_path(rf"^fhir/R4/{TYPE}/{ID}/?$", views.read, name="read"),
    re_path(r"^fhir/.*$", views.unknown, name="unknown"),
]
