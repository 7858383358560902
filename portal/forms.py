"""Form behaviour shared across apps."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError


class ServiceForm(forms.Form):
    """A form whose data goes to a service that may still refuse it."""

    def attach(self, exc: ValidationError | PermissionDenied) -> None:
        """Show a service's refusal on the field it names, else above the form."""
        if isinstance(exc, PermissionDenied):
            self.add_error(None, str(exc))
            return
        for field, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
            self.add_error(field if field in self.fields else None, errors)
