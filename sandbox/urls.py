from django.urls import re_path

from sandbox.api import bulk, r5, read, write

app_name = "sandbox"

TYPE = r"(?P<resource_type>[A-Z][A-Za-z]{1,63})"
ID_CHARS = r"[A-Za-z0-9\-.]{1,64}"
ID = rf"(?P<logical_id>{ID_CHARS})"

urlpatterns = [
    re_path(r"^fhir/R4/metadata/?$", read.metadata, name="metadata"),
    re_path(r"^fhir/R4/?$", write.system_level, name="system"),
    re_path(r"^fhir/R4/\$export/?$", bulk.export_system, name="export"),
    re_path(r"^fhir/R4/Patient/\$export/?$", bulk.export_patients, name="export-patients"),
    re_path(rf"^fhir/R4/Group/(?P<group_id>{ID_CHARS})/\$export/?$", bulk.export_group, name="export-group"),
    re_path(r"^fhir/R4/_export/(?P<job_id>exp_[A-Za-z0-9_\-]{1,40})/?$", bulk.export_status, name="export-status"),
    re_path(
        r"^fhir/R4/_export/(?P<job_id>exp_[A-Za-z0-9_\-]{1,40})/(?P<resource_type>[A-Z][A-Za-z]+)\.ndjson$",
        bulk.export_file,
        name="export-file",
    ),
    re_path(r"^fhir/R4/_async/(?P<job_id>[A-Za-z0-9_\-]{1,40})/?$", write.async_status, name="async"),
    re_path(rf"^fhir/R4/{TYPE}/?$", read.type_level, name="type"),
    re_path(rf"^fhir/R4/{TYPE}/\$validate/?$", write.validate_operation, name="validate"),
    re_path(rf"^fhir/R4/{TYPE}/_search/?$", read.search_post, name="search-post"),
    re_path(rf"^fhir/R4/{TYPE}/{ID}/_history/?$", read.instance_history, name="history"),
    re_path(rf"^fhir/R4/{TYPE}/{ID}/_history/(?P<version_id>[^/]+)/?$", read.vread, name="vread"),
    re_path(rf"^fhir/R4/{TYPE}/{ID}/?$", read.instance, name="instance"),
    re_path(r"^fhir/R5/metadata/?$", r5.metadata, name="r5-metadata"),
    re_path(rf"^fhir/R5/{TYPE}/?$", r5.search, name="r5-search"),
    re_path(rf"^fhir/R5/{TYPE}/{ID}/?$", r5.read, name="r5-read"),
    re_path(r"^fhir/.*$", read.unknown, name="unknown"),
]
