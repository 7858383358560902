"""The signup wizard: Organization → Integration → Account, and its confirmation page."""

from __future__ import annotations

from typing import Any

from allauth.account import app_settings as allauth_settings
from allauth.account.utils import complete_signup
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET
from formtools.wizard.views import SessionWizardView

from lib.ratelimit import TooManyAttempts
from lib.request_context import RequestMeta
from onboarding import services
from onboarding.forms import AccountForm
from partners.forms import IntegrationForm, OrganizationForm
from partners.models import Partner

DONE_SESSION_KEY = "signup_done_partner"


def too_many(request: HttpRequest, exc: TooManyAttempts) -> HttpResponse:
    response = render(request, "429.html", {"detail": str(exc)}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


class SignupWizard(SessionWizardView):
    """Every step is validated again at the end (formtools re-runs all forms), so skipping
    a step by hand-crafted POSTs fails."""

    form_list = [("organization", OrganizationForm), ("integration", IntegrationForm), ("account", AccountForm)]
    template_name = "onboarding/signup.html"
    step_titles = {"organization": "Organization", "integration": "Integration", "account": "Account"}

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            messages.info(request, "You are signed in already. Sign out to apply for another organization.")
            return redirect("dashboard")
        try:
            if request.method == "POST":
                services.check_step_rate(RequestMeta.of(request))
            response: HttpResponse = super().dispatch(request, *args, **kwargs)
        except TooManyAttempts as exc:
            return too_many(request, exc)
        return response

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Reloading the page resumes the current step (formtools would start over);
        ``?restart`` starts a fresh application."""
        if "restart" in request.GET or self.storage.current_step is None:
            self.storage.reset()
            self.storage.current_step = self.steps.first
        step = self.steps.current
        response: HttpResponse = self.render(self.get_form(step=step, data=self.storage.get_step_data(step)))
        return response

    def render_goto_step(self, goto_step: str, **kwargs: Any) -> HttpResponse:
        """Back keeps what was typed on the current step (unvalidated until the end)."""
        form = self.get_form(data=self.request.POST, files=self.request.FILES)
        self.storage.set_step_data(self.steps.current, self.process_step(form))
        response: HttpResponse = super().render_goto_step(goto_step, **kwargs)
        return response

    def get_form_kwargs(self, step: str | None = None) -> dict[str, Any]:
        if step == "integration":
            organization = self.get_cleaned_data_for_step("organization") or {}
            return {"partner_type": organization.get("partner_type")}
        if step == "account":
            integration = self.get_cleaned_data_for_step("integration") or {}
            return {"handles_phi": bool(integration.get("handles_phi"))}
        return {}

    def get_context_data(self, form: Form, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(form=form, **kwargs)
        context["steps_list"] = list(self.step_titles.items())
        context["step_title"] = self.step_titles[self.steps.current]
        return context

    def done(self, form_list: Any, form_dict: dict[str, Form], **kwargs: Any) -> HttpResponse:
        account_form = form_dict["account"]
        assert isinstance(account_form, AccountForm)  # noqa: S101 - the form_list above
        account = dict(account_form.cleaned_data)
        account["password"] = account.pop("password1")
        application = services.Application(
            organization=form_dict["organization"].cleaned_data,
            integration=form_dict["integration"].cleaned_data,
            account=account,
            accepted=account_form.accepted,
        )
        try:
            partner = services.submit_application(application=application, meta=RequestMeta.of(self.request))
        except ValidationError as exc:
            # Something changed since the step was validated (e.g. the email was taken meanwhile).
            for field, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                account_form.add_error(field if field in account_form.fields else None, errors)
            self.storage.current_step = "account"
            return self.render(account_form)
        self.request.session[DONE_SESSION_KEY] = partner.pk
        user = partner.memberships.get().user
        response: HttpResponse = complete_signup(
            self.request, user, allauth_settings.EMAIL_VERIFICATION, reverse("onboarding:signup-done")
        )
        self.request.session[DONE_SESSION_KEY] = partner.pk  # survives the login's session rotation
        return response


@require_GET
def signup_done(request: HttpRequest) -> HttpResponse:
    partner_id = request.session.get(DONE_SESSION_KEY)
    partner = Partner.objects.filter(pk=partner_id).first() if isinstance(partner_id, int) else None
    if partner is None:
        return redirect("onboarding:signup")
    return render(request, "onboarding/signup_done.html", {"partner": partner})
