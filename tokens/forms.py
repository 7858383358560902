"""What the token and OAuth client forms share: the scope checkboxes and error placement."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms

from lib.forms import ServiceForm
from partners.models import Partner
from scopes.data import API_KEY
from tokens import rules


class ScopeChoiceForm(ServiceForm):
    """A ``scopes`` field offering the partner's allowed scopes for ``scope_method``, grouped by category."""

    scope_method: ClassVar[str] = API_KEY  # which credential kind the scopes must support

    scopes = forms.MultipleChoiceField(
        label="Scopes", widget=forms.CheckboxSelectMultiple, error_messages={"required": "Choose at least one scope."}
    )

    def __init__(self, *args: Any, partner: Partner, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.groups = rules.choices(partner, self.scope_method)
        field = self.fields["scopes"]
        assert isinstance(field, forms.MultipleChoiceField)  # noqa: S101 - declared above
        field.choices = [(s.code, s.code) for g in self.groups for s in g.scopes]

    @property
    def checked(self) -> set[str]:
        return set(self["scopes"].value() or [])
