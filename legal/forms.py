from __future__ import annotations

from django import forms


class SignatureForm(forms.Form):
    signer_name = forms.CharField(
        label="Full name",
        max_length=150,
        help_text="Type your full legal name as your electronic signature.",
        error_messages={"required": "Type your full name to sign."},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    signer_title = forms.CharField(
        label="Title",
        max_length=150,
        help_text="Your role in the organization, e.g. Chief Compliance Officer.",
        error_messages={"required": "Type your title (your role in the organization)."},
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    agree = forms.BooleanField(
        label="I have read this agreement and agree to it on behalf of my organization.",
        error_messages={"required": "Tick the box to confirm that you agree."},
    )

    def clean_signer_name(self) -> str:
        name: str = self.cleaned_data["signer_name"].strip()
        if len(name) < 2:
            raise forms.ValidationError("Type your full name to sign.")
        return name
