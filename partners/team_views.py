"""Team pages: members, roles, invitations, and accepting an invitation."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, login, password_validation
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from lib.errors import message_of
from lib.request_context import RequestMeta
from partners import accounts, team
from partners.context import SESSION_KEY, partner_view
from partners.models import Invitation, Membership
from partners.permissions import ROLE_ACTIONS, Action, can


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254)
    role = forms.ChoiceField(label="Role", choices=Membership.Role.choices, initial=Membership.Role.DEVELOPER)


class NewAccountForm(forms.Form):
    full_name = forms.CharField(label="Your full name", max_length=150)
    password1 = forms.CharField(
        label="Choose a password", strip=False, widget=forms.PasswordInput({"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label="Repeat the password", strip=False, widget=forms.PasswordInput({"autocomplete": "new-password"})
    )

    def __init__(self, *args: object, email: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.email = email

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords differ.")
        elif isinstance(p1, str):
            try:
                password_validation.validate_password(p1, User(email=self.email))
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


@require_http_methods(["GET", "POST"])
@partner_view(Action.VIEW)
def team_page(request: HttpRequest, membership: Membership) -> HttpResponse:
    partner = membership.partner
    manage = can(membership.role, Action.MANAGE_TEAM)
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        if not manage:
            raise PermissionDenied("Only an owner or admin can invite members.")
        if form.is_valid():
            try:
                invitation = team.invite_member(
                    partner=partner,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    by=membership.user,
                    meta=RequestMeta.of(request),
                )
            except (ValidationError, PermissionDenied) as exc:
                form.add_error("email" if isinstance(exc, ValidationError) else None, message_of(exc))
            else:
                messages.success(request, f"Invitation sent to {invitation.email}; the link works for 7 days.")
                return redirect("partners:team")
    return render(
        request,
        "partners/team.html",
        {
            "partner": partner,
            "me": membership,
            "manage": manage,
            "form": form,
            "members": partner.memberships.select_related("user").order_by("created_at"),
            "invitations": partner.invitations.pending().select_related("invited_by"),
            "matrix": [(role, label, ROLE_ACTIONS[role]) for role, label in Membership.Role.choices],
            "actions": list(Action),
            "roles": Membership.Role.choices,
        },
    )


@require_POST
@partner_view(Action.VIEW)
def member_role(request: HttpRequest, membership: Membership, member_id: int) -> HttpResponse:
    target = get_object_or_404(membership.partner.memberships, pk=member_id)
    try:
        team.change_role(
            membership=target, role=request.POST.get("role", ""), by=membership.user, meta=RequestMeta.of(request)
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, message_of(exc))
    else:
        messages.success(request, f"{target.user.email} is now {target.get_role_display().lower()}.")
    return redirect("partners:team")


@require_http_methods(["GET", "POST"])
@partner_view(Action.VIEW)
def member_remove(request: HttpRequest, membership: Membership, member_id: int) -> HttpResponse:
    target = get_object_or_404(membership.partner.memberships.select_related("user"), pk=member_id)
    leaving = target.pk == membership.pk
    if not leaving and not can(membership.role, Action.MANAGE_TEAM):
        raise PermissionDenied("Only an owner or admin can remove members.")
    if request.method == "GET":
        return render(
            request,
            "partners/member_remove.html",
            {"target": target, "leaving": leaving, "partner": membership.partner},
        )
    try:
        team.remove_member(membership=target, by=membership.user, meta=RequestMeta.of(request))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, message_of(exc))
        return redirect("partners:team")
    if leaving:
        request.session.pop(SESSION_KEY, None)
        messages.success(request, f"You left {membership.partner.legal_name}.")
        return redirect("dashboard")
    messages.success(request, f"{target.user.email} was removed from {membership.partner.legal_name}.")
    return redirect("partners:team")


@require_POST
@partner_view(Action.MANAGE_TEAM)
def invitation_revoke(request: HttpRequest, membership: Membership, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(membership.partner.invitations, pk=invitation_id)
    team.revoke_invitation(invitation=invitation, by=membership.user, meta=RequestMeta.of(request))
    messages.success(request, f"Invitation to {invitation.email} withdrawn.")
    return redirect("partners:team")


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = team.invitation_from_token(token)
    except ValidationError as exc:
        return render(request, "partners/invitation_invalid.html", {"reason": message_of(exc)}, status=410)
    has_account = get_user_model().objects.filter(email__iexact=invitation.email).exists()
    form = None
    if request.user.is_authenticated:
        if request.method == "POST":
            user = request.user
            assert isinstance(user, User)  # noqa: S101 - authenticated users are Users
            return _join(request, invitation, user)
    elif not has_account:
        form = NewAccountForm(request.POST or None, email=invitation.email)
        if request.method == "POST" and form.is_valid():
            return _create_account_and_join(request, invitation, form)
    return render(
        request,
        "partners/invitation.html",
        {
            "invitation": invitation,
            "form": form,
            "has_account": has_account,
            "login_url": f"{reverse('account_login')}?next={request.path}",
        },
    )


def _join(request: HttpRequest, invitation: Invitation, user: User) -> HttpResponse:
    try:
        membership = team.accept_invitation(invitation=invitation, user=user, meta=RequestMeta.of(request))
    except ValidationError as exc:
        return render(request, "partners/invitation_invalid.html", {"reason": message_of(exc)}, status=403)
    request.session[SESSION_KEY] = membership.partner_id
    messages.success(request, f"Welcome to {membership.partner.legal_name}.")
    return redirect("dashboard")


def _create_account_and_join(request: HttpRequest, invitation: Invitation, form: NewAccountForm) -> HttpResponse:
    meta = RequestMeta.of(request)
    try:
        with transaction.atomic():
            user = accounts.create_account(
                email=invitation.email,
                password=form.cleaned_data["password1"],
                full_name=form.cleaned_data["full_name"],
                email_verified=True,  # following the emailed link proves the address
                meta=meta,
            )
            membership = team.accept_invitation(invitation=invitation, user=user, meta=meta)
    except ValidationError as exc:  # nothing was created
        return render(request, "partners/invitation_invalid.html", {"reason": message_of(exc)}, status=403)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_KEY] = membership.partner_id
    messages.success(request, f"Welcome to {membership.partner.legal_name}.")
    return redirect("dashboard")
