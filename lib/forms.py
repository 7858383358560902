"""Form behaviour shared across apps."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError

from lib.errors import Refused


class ServiceForm(forms.Form):
    """A form whose data goes to a service that may still refuse it."""

    def attach(self, exc: ValidationError | PermissionDenied | Refused) -> None:
        """Show a service's refusal on the field it names, else above the form: the one
        way a service error reaches a page."""
        if isinstance(exc, PermissionDenied | Refused):
            field = getattr(exc, "field", None)
            self.add_error(field if field in self.fields else None, str(exc))
            return
        for field, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
            self.add_error(field if field in self.fields else None, errors)
