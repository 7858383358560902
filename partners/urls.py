from django.urls import path

from partners import views

app_name = "partners"

urlpatterns = [
    path("signup/", views.SignupWizard.as_view(), name="signup"),
    path("signup/done/", views.signup_done, name="signup-done"),
    path("partners/types/", views.partner_types, name="types"),
    path("dashboard/application/", views.application, name="application"),
    path("dashboard/application/edit/", views.application_edit, name="application-edit"),
    path("dashboard/switch/", views.switch_partner, name="switch"),
]
