from django.urls import path

from onboarding import views

app_name = "onboarding"

urlpatterns = [
    path("signup/", views.SignupWizard.as_view(), name="signup"),
    path("signup/done/", views.signup_done, name="signup-done"),
]
