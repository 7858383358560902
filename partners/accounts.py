"""Creating a person's account: the one path for signup and invitations alike."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.utils import generate_unique_username
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from audit import services as audit
from lib.request_context import RequestMeta


def email_taken(email: str) -> bool:
    return (
        User.objects.filter(email__iexact=email).exists() or EmailAddress.objects.filter(email__iexact=email).exists()
    )


def create_account(
    *, email: str, password: str, full_name: str, email_verified: bool, meta: RequestMeta | None = None
) -> User:
    """A user signing in with ``email``. ``email_verified`` when the address was just
    proven (an emailed invitation link); otherwise allauth asks to confirm it."""
    email = email.strip().lower()
    first, _, last = full_name.strip().partition(" ")
    with transaction.atomic():
        if email_taken(email):
            raise ValidationError({"email": "An account with this email already exists. Sign in instead."})
        user = User(
            username=generate_unique_username([email, full_name]),
            email=email,
            first_name=first[:150],
            last_name=last[:150],
        )
        user.set_password(password)
        user.save()
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=email_verified)
        audit.record(
            action="account.created", actor=user, obj=user, meta=meta, details={"email_verified": email_verified}
        )
    return user
