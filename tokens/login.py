"""/cms/partner-login as a service: password, verified email, two-factor code, lockout."""

from __future__ import annotations

from allauth.account import app_settings as allauth_settings
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import authenticate
from django.http import HttpRequest

from lib import ratelimit
from lib.request_context import RequestMeta
from partners.models import Membership
from tokens.services import IssuedToken, LoginRefused, issue_management_token

FAILURES_PER_EMAIL = 5  # between successful sign-ins
ATTEMPTS_PER_IP = 20  # per client address, every attempt counts
LOCKOUT_SECONDS = 300


def management_login(
    *, request: HttpRequest, email: str, password: str, otp: str = "", partner_gpid: str = ""
) -> IssuedToken:
    """A 15-minute management token for a member who proves who they are. Every refusal
    is a :class:`LoginRefused` saying why (wrong credentials get one uniform answer).

    Attempts are counted before the password is checked, atomically, so parallel guesses
    cannot slip past the limit: per email, failures since the last success; per address,
    every attempt (an attacker's own successful logins must not reset it)."""
    email = email.strip().lower()
    meta = RequestMeta.of(request)
    email_key, ip_key = f"partner-login:email:{email}", f"partner-login:ip:{meta.ip}"
    for key, limit in ((email_key, FAILURES_PER_EMAIL), (ip_key, ATTEMPTS_PER_IP)):
        if ratelimit.hit(key, limit=limit, period=LOCKOUT_SECONDS) > limit:
            raise LoginRefused(
                "Too many sign-in attempts; wait and try again.",
                status_code=429,
                code="throttled",
                retry_after=LOCKOUT_SECONDS,
            )
    user = authenticate(request, email=email, password=password)
    if user is None or not user.is_active:
        raise LoginRefused("Wrong email or password.")
    if allauth_settings.EMAIL_VERIFICATION == allauth_settings.EmailVerificationMethod.MANDATORY and not (
        EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()
    ):
        raise LoginRefused(
            "Verify your email address first (use the link we emailed you).", status_code=403, code="email_not_verified"
        )
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is not None:
        if not otp:
            raise LoginRefused("This account uses two-factor authentication: send “otp”.", code="mfa_required")
        if not TOTP(totp).validate_code(otp):
            raise LoginRefused("Wrong two-factor code.")
    memberships = Membership.objects.filter(user=user).select_related("partner", "user").order_by("partner__gpid")
    membership = next((m for m in memberships if not partner_gpid or m.partner.gpid == partner_gpid), None)
    if membership is None:
        raise LoginRefused(
            "This account is not a member of that partner organization.", status_code=403, code="permission_denied"
        )
    if not membership.partner.sandbox_open:
        raise LoginRefused(
            f"{membership.partner.legal_name}'s application was declined; its management API is closed.",
            status_code=403,
            code="sandbox_closed",
        )
    ratelimit.reset(email_key)
    return issue_management_token(membership=membership, meta=meta)
