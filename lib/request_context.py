"""Per-request context (request id, client address) shared with logging and audit."""

from __future__ import annotations

import ipaddress
import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from django.http import HttpRequest

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

# An incoming X-Request-ID is kept only when it is short and plainly printable, so
# it cannot inject anything into logs or headers.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def new_request_id(incoming: str | None) -> str:
    if incoming and _SAFE_REQUEST_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind ``TRUSTED_PROXY_COUNT`` proxies that each append the
    address they saw to ``X-Forwarded-For``, the client is the right-most hop that no
    trusted proxy wrote: the ``count``-th from the right. Anything to its left was sent
    by the client and proves nothing. Without trusted proxies (or when the header is
    missing, short or malformed) it is the socket's peer, ``REMOTE_ADDR``."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",")]
    if len(hops) < count:
        return remote
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


@dataclass(frozen=True)
class RequestMeta:
    """What an audit record wants to know about the request that caused it."""

    request_id: str = ""
    ip: str | None = None
    user_agent: str = ""

    @classmethod
    def of(cls, request: HttpRequest) -> RequestMeta:
        return cls(
            request_id=getattr(request, "request_id", "") or request_id_var.get(),
            ip=client_ip(request) or None,
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:512],
        )

    @classmethod
    def system(cls) -> RequestMeta:
        """For actions with no HTTP request (commands, tasks): keep the ambient id if any."""
        rid = request_id_var.get()
        return cls(request_id="" if rid == "-" else rid)
