"""Where webhooks may be sent: public addresses only, checked after DNS resolution.

The same check runs when an endpoint is saved (so the partner hears the reason at
once) and again before every send, and the sender connects to the very address that
passed, so a DNS answer that changes in between (rebinding) cannot redirect a delivery
to the portal's own network.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAMED_RANGES: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "a 'this network' address"),
    ("10.0.0.0/8", "a private address (10.0.0.0/8)"),
    ("100.64.0.0/10", "a carrier-grade NAT address (100.64.0.0/10)"),
    ("127.0.0.0/8", "a loopback address"),
    ("169.254.0.0/16", "a link-local address (169.254.0.0/16, including cloud metadata services)"),
    ("172.16.0.0/12", "a private address (172.16.0.0/12)"),
    ("192.0.0.0/24", "an IETF protocol address (192.0.0.0/24)"),
    ("192.168.0.0/16", "a private address (192.168.0.0/16)"),
    ("198.18.0.0/15", "a benchmarking address (198.18.0.0/15)"),
    ("224.0.0.0/4", "a multicast address"),
    ("240.0.0.0/4", "a reserved address"),
    ("::1/128", "a loopback address"),
    ("::/128", "the unspecified address"),
    ("fc00::/7", "a private (unique local) IPv6 address"),
    ("fe80::/10", "a link-local IPv6 address"),
    ("ff00::/8", "a multicast IPv6 address"),
    ("64:ff9b:1::/48", "a local-use NAT64 address"),
    ("fec0::/10", "a site-local IPv6 address"),
    ("2002::/16", "a 6to4 address"),
    ("2001::/32", "a Teredo address"),
)
_RANGES = [(ipaddress.ip_network(net), label) for net, label in _NAMED_RANGES]
_LOOPBACK = [ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")]


class BlockedDestination(ValueError):
    """The URL must not be called; the message says why, for the partner to read."""


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str
    port: int
    address: str  # the checked IP to connect to
    path: str  # path and query, as sent in the request line

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


_EMBEDDING_IPV4 = [
    ipaddress.ip_network(net)
    for net in ("::ffff:0:0/96", "::/96", "::ffff:0:0:0/96", "64:ff9b::/96")  # mapped, compatible, translated, NAT64
]


def _embedded_ipv4(address: IPAddress) -> IPAddress:
    """The IPv4 address inside an IPv6 form that carries one, to be judged as itself."""
    if isinstance(address, ipaddress.IPv6Address) and int(address) > 1:
        for network in _EMBEDDING_IPV4:
            if address in network:
                return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def why_blocked(address: IPAddress) -> str | None:
    """None when ``address`` may be called, otherwise what kind of address it is."""
    address = _embedded_ipv4(address)
    if getattr(settings, "WEBHOOKS_ALLOW_LOOPBACK", False) and any(address in net for net in _LOOPBACK):
        return None
    for network, label in _RANGES:
        if address.version == network.version and address in network:
            return label
    if not address.is_global:
        return "not a public internet address"
    return None


def check_url(url: str, *, require_https: bool) -> SplitResult:
    """Syntax and scheme only (no DNS): the first, cheap gate. Host names come back
    IDNA-encoded (what DNS, the Host header and TLS need)."""
    if len(url) > 2000:
        raise BlockedDestination("The URL is longer than 2000 characters.")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise BlockedDestination("The URL contains spaces or control characters: percent-encode them (%20).")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BlockedDestination(f"The URL is not valid: {exc}.") from exc
    if parts.scheme not in ("http", "https"):
        raise BlockedDestination("Use an https:// URL.")
    if require_https and parts.scheme != "https":
        raise BlockedDestination("Production endpoints must use https://.")
    if not parts.hostname:
        raise BlockedDestination("The URL has no host name.")
    if parts.username or parts.password:
        raise BlockedDestination("Do not put credentials in the URL; verify our signature instead.")
    if parts.fragment:
        raise BlockedDestination("The URL must not contain a #fragment.")
    if port == 0:
        raise BlockedDestination("The URL's port must be between 1 and 65535.")
    if not (parts.path + parts.query).isascii():
        raise BlockedDestination("The URL's path or query has non-ASCII characters: percent-encode them.")
    host = parts.hostname
    if not host.isascii():
        try:
            ascii_host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise BlockedDestination(f"The host name {host!r} is not a valid internationalized name.") from exc
        netloc = ascii_host + (f":{port}" if port else "")
        parts = parts._replace(netloc=netloc)
    return parts


def resolve(url: str, *, require_https: bool) -> Destination:
    """Check the URL and every address its host resolves to; the destination to connect to."""
    parts = check_url(url, require_https=require_https)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise BlockedDestination(f"The host name {host!r} does not resolve ({exc}).") from exc
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        if not addresses:
            raise BlockedDestination(f"The host name {host!r} has no addresses.")
    for address in addresses:
        reason = why_blocked(address)
        if reason is not None:
            where = host if literal is not None else f"{host} resolves to {address}, which"
            raise BlockedDestination(f"{where} is {reason}. Webhooks go only to public internet addresses.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Destination(scheme=parts.scheme, host=host, port=port, address=str(addresses[0]), path=path)
