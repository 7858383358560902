"""The application forms: signup's first two steps, and editing after a change request.
Each validates on the server; the services re-check."""

from __future__ import annotations

from typing import Any

from django import forms

from partners.models import Partner
from partners.npi import validate_npi
from partners.types import BASELINE, PARTNER_TYPES, TYPES_BY_CODE
from scopes.catalog import CATEGORIES_BY_SLUG


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
        duplicates = Partner.objects.holding_name(name, npi or "")
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
