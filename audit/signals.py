"""Account events (sign-in, sign-out, failed sign-in, password and MFA changes) in the audit trail."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import email_confirmed, password_changed, password_reset
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from audit import services
from audit.models import AuditEvent
from lib.request_context import RequestMeta


def _meta(request: HttpRequest | None) -> RequestMeta | None:
    return RequestMeta.of(request) if request is not None else None


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    services.record(action="account.login", actor=user, obj=user, meta=_meta(request))


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        services.record(action="account.logout", actor=user, obj=user, meta=_meta(request))


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    # Django already masks passwords in ``credentials``; keep only the identifier tried.
    tried = str(credentials.get("email") or credentials.get("username") or "")[:254]
    services.record(
        action="account.login_failed",
        meta=_meta(request),
        outcome=AuditEvent.Outcome.FAILURE,
        details={"login": tried},
    )


@receiver(password_changed)
@receiver(password_reset)
def _password(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    services.record(action="account.password_changed", actor=user, obj=user, meta=_meta(request))


@receiver(email_confirmed)
def _email_confirmed(sender: Any, request: HttpRequest | None, email_address: Any, **kwargs: Any) -> None:
    services.record(
        action="account.email_verified",
        actor=email_address.user,
        obj=email_address.user,
        meta=_meta(request),
        details={"email": email_address.email},
    )


@receiver(authenticator_added)
@receiver(authenticator_removed)
def _mfa(sender: Any, request: HttpRequest | None, user: Any, authenticator: Any, **kwargs: Any) -> None:
    added = kwargs.get("signal") is authenticator_added
    services.record(
        action="account.mfa_added" if added else "account.mfa_removed",
        actor=user,
        obj=user,
        meta=_meta(request),
        details={"type": authenticator.type},
    )
