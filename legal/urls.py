from django.urls import path

from legal import views

app_name = "legal"

urlpatterns = [
    path("legal/", views.index, name="index"),
    path("legal/<slug:slug>/<str:version>/", views.detail, name="detail"),
    path("legal/<slug:slug>/<str:version>/download.txt", views.download_txt, name="download-txt"),
    path("legal/<slug:slug>/<str:version>/download.pdf", views.download_pdf, name="download-pdf"),
    path("dashboard/legal/", views.dashboard, name="dashboard"),
    path("dashboard/legal/<slug:slug>/<str:version>/sign/", views.sign, name="sign"),
    path("dashboard/legal/executed/<str:public_id>.pdf", views.acceptance_pdf, name="acceptance-pdf"),
]
