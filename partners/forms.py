"""The three signup steps. Each validates on the server; the submit service re-checks."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.html import format_html

from legal.models import LegalDocument
from partners.models import Partner
from partners.npi import validate_npi
from partners.types import BASELINE, PARTNER_TYPES, TYPES_BY_CODE
from tokens.scopes import CATEGORIES_BY_SLUG


class OrganizationForm(forms.Form):
    legal_name = forms.CharField(label="Legal name of the organization", max_length=200)
    partner_type = forms.ChoiceField(
        label="Partner type", choices=[("", "Choose a type…")] + [(t.code, t.name) for t in PARTNER_TYPES]
    )
    contact_name = forms.CharField(
        label="Contact name", max_length=150, widget=forms.TextInput({"autocomplete": "name"})
    )
    contact_email = forms.EmailField(label="Contact email", widget=forms.EmailInput({"autocomplete": "email"}))
    phone = forms.RegexField(
        label="Phone",
        regex=r"^\+?[0-9 ()./-]{7,24}$",
        error_messages={"invalid": "Enter a phone number with 7 to 24 digits, e.g. +1 202 555 0142."},
        widget=forms.TextInput({"autocomplete": "tel", "inputmode": "tel"}),
    )
    npi = forms.CharField(
        label="NPI",
        required=False,
        max_length=10,
        help_text="10-digit National Provider Identifier, if your organization has one.",
        validators=[validate_npi],
        widget=forms.TextInput({"inputmode": "numeric"}),
    )
    website = forms.URLField(label="Website", required=False, assume_scheme="https")

    def __init__(self, *args: Any, exclude_partner_pk: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.exclude_partner_pk = exclude_partner_pk

    def clean_npi(self) -> str:
        return "".join(self.cleaned_data.get("npi", "").split())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name, npi = data.get("legal_name", "").strip(), data.get("npi")
        duplicates = Partner.objects.filter(legal_name__iexact=name, npi=npi)
        if self.exclude_partner_pk is not None:
            duplicates = duplicates.exclude(pk=self.exclude_partner_pk)
        if name and npi and duplicates.exists():
            self.add_error("legal_name", "This organization (same legal name and NPI) has already applied.")
        return data


class IntegrationForm(forms.Form):
    use_case = forms.CharField(
        label="Use case",
        min_length=20,
        max_length=2000,
        widget=forms.Textarea({"rows": 5}),
        help_text="What you will build and for whom (20 to 2,000 characters).",
    )
    capabilities = forms.MultipleChoiceField(
        label="Capabilities",
        widget=forms.CheckboxSelectMultiple,
        help_text="The scope categories you need. Partner management scopes are always included.",
        error_messages={"required": "Choose at least one capability."},
    )
    data_direction = forms.ChoiceField(
        label="Data direction", choices=Partner.DataDirection.choices, widget=forms.RadioSelect
    )
    expected_volume = forms.ChoiceField(label="Expected volume", choices=Partner.Volume.choices)
    handles_phi = forms.BooleanField(
        label="Our integration creates, receives, stores or transmits protected health information (PHI)",
        required=False,
        help_text="If so, your organization signs the HIPAA Business Associate Agreement in the next step.",
    )

    def __init__(self, *args: Any, partner_type: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        type_def = TYPES_BY_CODE.get(partner_type or "")
        slugs = [s for s in type_def.allowance if s not in BASELINE] if type_def else []
        capabilities = self.fields["capabilities"]
        assert isinstance(capabilities, forms.MultipleChoiceField)  # noqa: S101 - declared above
        capabilities.choices = [(s, CATEGORIES_BY_SLUG[s].name) for s in slugs]
        if type_def:
            capabilities.help_text = (
                f"Scope categories available to a {type_def.name}. Partner management scopes are always included."
            )


def _current_url(kind: str) -> str:
    document = LegalDocument.objects.current().get(kind=kind)
    return reverse("legal:detail", args=[document.slug, document.version])


class AccountForm(forms.Form):
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
    accept_mnda = forms.BooleanField(
        error_messages={"required": "Accept the Mutual Non-Disclosure Agreement to continue."}
    )
    accept_terms = forms.BooleanField(error_messages={"required": "Accept the Terms of Use to continue."})
    accept_baa = forms.BooleanField(required=False)

    def __init__(self, *args: Any, handles_phi: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.handles_phi = handles_phi
        self.fields["accept_mnda"].label = format_html(
            'I agree to the <a href="{}" target="_blank" rel="noopener">Mutual Non-Disclosure Agreement</a> '
            "for my organization",
            _current_url("mnda"),
        )
        self.fields["accept_terms"].label = format_html(
            'I agree to the <a href="{}" target="_blank" rel="noopener">Developer Portal Terms of Use</a>',
            _current_url("terms"),
        )
        self.fields["accept_baa"].label = format_html(
            'I agree to the <a href="{}" target="_blank" rel="noopener">HIPAA Business Associate Agreement</a> '
            "for my organization{}",
            _current_url("baa"),
            " (required: your integration handles PHI)" if handles_phi else "",
        )
        if not handles_phi:
            del self.fields["accept_baa"]

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip().lower()
        if (
            User.objects.filter(email__iexact=email).exists()
            or EmailAddress.objects.filter(email__iexact=email).exists()
        ):
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
        if self.handles_phi and not data.get("accept_baa"):
            self.add_error("accept_baa", "The BAA is required because your integration handles PHI.")
        return data
