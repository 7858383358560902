"""The signup wizard and the partner's application pages."""

from __future__ import annotations

from typing import Any

from allauth.account import app_settings as allauth_settings
from allauth.account.utils import complete_signup
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from formtools.wizard.views import SessionWizardView

from partners import services
from partners.context import SESSION_KEY, partner_view
from partners.forms import AccountForm, IntegrationForm, OrganizationForm
from partners.models import Membership, Partner
from partners.permissions import Action, can
from partners.types import PARTNER_TYPES
from portal.request_context import RequestMeta
from tokens.scopes import CATEGORIES_BY_SLUG

DONE_SESSION_KEY = "signup_done_partner"


class SignupWizard(SessionWizardView):
    """Organization → Integration → Account. Every step is validated again at the end
    (formtools re-runs all forms), so skipping a step by hand-crafted POSTs fails."""

    form_list = [("organization", OrganizationForm), ("integration", IntegrationForm), ("account", AccountForm)]
    template_name = "partners/signup.html"
    step_titles = {"organization": "Organization", "integration": "Integration", "account": "Account"}

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            messages.info(request, "You are signed in already. Sign out to apply for another organization.")
            return redirect("dashboard")
        response: HttpResponse = super().dispatch(request, *args, **kwargs)
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
        context["steps_list"] = [(name, title) for name, title in self.step_titles.items()]
        context["step_title"] = self.step_titles[self.steps.current]
        return context

    def done(self, form_list: Any, form_dict: dict[str, Form], **kwargs: Any) -> HttpResponse:
        account = dict(form_dict["account"].cleaned_data)
        account["password"] = account.pop("password1")
        application = services.Application(
            organization=form_dict["organization"].cleaned_data,
            integration=form_dict["integration"].cleaned_data,
            account=account,
        )
        try:
            partner = services.submit_application(application=application, meta=RequestMeta.of(self.request))
        except ValidationError as exc:
            # Something changed since the step was validated (e.g. the email was taken meanwhile).
            form = form_dict["account"]
            for field, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                form.add_error(None if field == "__all__" or field not in form.fields else field, errors)
            self.storage.current_step = "account"
            return self.render(form)
        self.request.session[DONE_SESSION_KEY] = partner.pk
        user = partner.memberships.get().user
        response: HttpResponse = complete_signup(
            self.request, user, allauth_settings.EMAIL_VERIFICATION, reverse("partners:signup-done")
        )
        self.request.session[DONE_SESSION_KEY] = partner.pk  # survives the login's session rotation
        return response


@require_GET
def signup_done(request: HttpRequest) -> HttpResponse:
    partner_id = request.session.get(DONE_SESSION_KEY)
    partner = Partner.objects.filter(pk=partner_id).first() if isinstance(partner_id, int) else None
    if partner is None:
        return redirect("partners:signup")
    return render(request, "partners/signup_done.html", {"partner": partner})


@require_GET
def partner_types(request: HttpRequest) -> HttpResponse:
    types = [{"type": t, "categories": [CATEGORIES_BY_SLUG[s] for s in t.allowance]} for t in PARTNER_TYPES]
    return render(request, "partners/types.html", {"types": types})


@require_GET
@partner_view(Action.VIEW)
def application(request: HttpRequest, membership: Membership) -> HttpResponse:
    partner = membership.partner
    editable = partner.status == Partner.Status.CHANGES_REQUESTED and can(membership.role, Action.MANAGE_TEAM)
    return render(
        request,
        "partners/application.html",
        {
            "partner": partner,
            "editable": editable,
            "requested": [CATEGORIES_BY_SLUG[s] for s in partner.requested_categories if s in CATEGORIES_BY_SLUG],
            "allowed": [CATEGORIES_BY_SLUG[s] for s in partner.allowed_categories if s in CATEGORIES_BY_SLUG],
        },
    )


@require_http_methods(["GET", "POST"])
@partner_view(Action.MANAGE_TEAM)
def application_edit(request: HttpRequest, membership: Membership) -> HttpResponse:
    partner = membership.partner
    if partner.status != Partner.Status.CHANGES_REQUESTED:
        messages.info(request, "The application can be edited only when a reviewer asks for changes.")
        return redirect("partners:application")
    initial = {f: getattr(partner, f) for f in services.EDITABLE_FIELDS}
    initial["capabilities"] = partner.requested_categories
    data = request.POST if request.method == "POST" else None
    org = OrganizationForm(data, initial=initial, prefix="org", exclude_partner_pk=partner.pk)
    chosen_type = (data.get("org-partner_type") if data is not None else None) or partner.partner_type
    integ = IntegrationForm(data, initial=initial, prefix="integ", partner_type=chosen_type)
    if data is not None and org.is_valid() and integ.is_valid():
        try:
            services.resubmit_application(
                partner=partner,
                by=membership.user,
                changes={**org.cleaned_data, **integ.cleaned_data},
                meta=RequestMeta.of(request),
            )
        except ValidationError as exc:
            integ.add_error(None, exc)
        else:
            messages.success(request, "Application resubmitted. A reviewer will look at it again.")
            return redirect("dashboard")
    return render(request, "partners/application_edit.html", {"partner": partner, "org": org, "integ": integ})


@require_POST
@login_required
def switch_partner(request: HttpRequest) -> HttpResponse:
    """Act for another organization the user belongs to."""
    membership = Membership.objects.filter(
        user_id=request.user.pk or 0, partner__gpid=request.POST.get("partner", "")
    ).first()
    if membership is None:
        messages.error(request, "You are not a member of that organization.")
    else:
        request.session[SESSION_KEY] = membership.partner_id
        messages.success(request, f"You are now working as {membership.partner.legal_name}.")
    return redirect("dashboard")
