"""The signup wizard's last step: the account, and the agreements the organization signs.
(The first two steps are the application forms of :mod:`partners.forms`.)"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.html import format_html

from legal import services as legal_services
from legal.models import LegalDocument
from partners.accounts import email_taken


def agreement_field(document: LegalDocument) -> str:
    return f"accept_{document.kind}"


def _phi_reason(document: LegalDocument) -> str:
    return f"The {document.title} is required because your integration handles PHI."


class AccountForm(forms.Form):
    """Email and password, the e-signature, and one checkbox per document signup requires
    (``legal.services.required_for``: every partner's, plus the BAA when PHI is handled)."""

    email = forms.EmailField(
        label="Your email (sign-in)", widget=forms.EmailInput({"autocomplete": "email"}), max_length=254
    )
    password1 = forms.CharField(
        label="Portal password",
        strip=False,
        widget=forms.PasswordInput({"autocomplete": "new-password"}),
        help_text="At least 10 characters; not a common or all-numeric password.",
    )
    password2 = forms.CharField(
        label="Repeat the password", strip=False, widget=forms.PasswordInput({"autocomplete": "new-password"})
    )
    signer_name = forms.CharField(
        label="Your full name (electronic signature)", max_length=150, widget=forms.TextInput({"autocomplete": "name"})
    )
    signer_title = forms.CharField(label="Your title", max_length=150)

    def __init__(self, *args: Any, handles_phi: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.documents = list(legal_services.required_for(handles_phi=handles_phi, for_production=False))
        for document in self.documents:
            phi = document.requirement == LegalDocument.Requirement.PHI
            self.fields[agreement_field(document)] = forms.BooleanField(
                label=format_html(
                    'I agree to the <a href="{}" target="_blank" rel="noopener">{}</a> (v{}) for my organization{}',
                    reverse("legal:detail", args=[document.slug, document.version]),
                    document.title,
                    document.version,
                    " (required: your integration handles PHI)" if phi else "",
                ),
                error_messages={
                    "required": _phi_reason(document) if phi else f"Accept the {document.title} to continue."
                },
            )

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip().lower()
        if email_taken(email):
            raise forms.ValidationError("An account with this email already exists. Sign in instead.")
        return email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords differ.")
        elif p1:
            try:
                password_validation.validate_password(p1, User(email=data.get("email", "")))
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data

    @property
    def accepted(self) -> list[str]:
        """Kinds of the documents ticked (all of them, once the form is valid)."""
        return [d.kind for d in self.documents if self.cleaned_data.get(agreement_field(d))]
