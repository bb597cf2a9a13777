"""Where outbound webhooks may go: the program's `webhookUrl` must reach a public address.
Loopback, private, link-local, multicast, unspecified and other non-global addresses are refused
when the URL is set (its literal address, and what its name resolves to then) and again at each
delivery after resolving the name (loyalty.notify.webhook then connects to the very address that
was checked). With LOYALTY_NOTIFY_WEBHOOK_ALLOW_PRIVATE loopback and private addresses are
allowed (tests, local development); link-local (the cloud metadata service at 169.254.169.254),
multicast and unspecified ones never are. Below the use cases (setting the URL checks it) and
the notifier (delivering checks it again): standard library only."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

RESOLVE_SECONDS = 5.0
ALLOW_SETTING = "LOYALTY_NOTIFY_WEBHOOK_ALLOW_PRIVATE"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class DeliveryFailed(Exception):
    """The receiver did not take the notification; it is tried again later."""


class UnsafeTarget(DeliveryFailed):
    """The webhook URL is, or resolves to, an address webhooks must not reach."""


def refused_kind(ip: IPAddress, *, allow_private: bool = False) -> str | None:
    """Why webhooks may not go to `ip` ("loopback", "private" …), or None when they may."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_loopback:
        return None if allow_private else "loopback"
    if any(ip in network for network in _PRIVATE):
        return None if allow_private else "private"
    if not ip.is_global or ip.is_reserved:
        return "reserved"  # documentation, benchmarking, 240/4 …: never a receiver
    return None


# What LOYALTY_NOTIFY_WEBHOOK_ALLOW_PRIVATE opens (with loopback): RFC 1918, carrier-grade NAT,
# IPv6 unique local addresses.
_PRIVATE = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)


def _refuse(host: str, ip: IPAddress, kind: str, allow_private: bool) -> UnsafeTarget:
    seen = host if host == str(ip) else f"{host} ({ip})"
    hint = (
        ""
        if allow_private or kind not in ("loopback", "private")
        else (f"; set {ALLOW_SETTING}=true to allow private receivers (local development)")
    )
    return UnsafeTarget(f"webhookUrl must reach a public address, not the {kind} {seen}{hint}")


def check_url(url: str, *, allow_private: bool = False) -> None:
    """Refuses a URL whose host is a literal non-public address or a local name (no DNS)."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        if not allow_private:
            raise _refuse(host, ipaddress.ip_address("127.0.0.1"), "loopback", allow_private)
        return
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return  # a name: checked once resolved
    kind = refused_kind(ip, allow_private=allow_private)
    if kind is not None:
        raise _refuse(host, ip, kind, allow_private)


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (numeric forms such as 2130706433 included)."""
    loop = asyncio.get_running_loop()
    infos = await asyncio.wait_for(
        loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_SECONDS
    )
    seen: dict[str, IPAddress] = {}
    for *_, sockaddr in infos:
        address = str(sockaddr[0]).split("%", 1)[0]  # an IPv6 zone index is not part of it
        seen.setdefault(address, ipaddress.ip_address(address))
    return list(seen.values())


async def checked_addresses(url: str, *, allow_private: bool = False) -> list[IPAddress]:
    """The addresses `url`'s host resolves to, all of them allowed; UnsafeTarget if any is not
    (one bad record is enough: which one a connection would use is not ours to choose)."""
    check_url(url, allow_private=allow_private)
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = await resolve(host, port)
    except (OSError, TimeoutError) as exc:
        raise DeliveryFailed(f"webhookUrl host {host} does not resolve: {exc}") from None
    if not addresses:
        raise DeliveryFailed(f"webhookUrl host {host} does not resolve")
    for ip in addresses:
        kind = refused_kind(ip, allow_private=allow_private)
        if kind is not None:
            raise _refuse(host, ip, kind, allow_private)
    return addresses


async def check_target(url: str, *, allow_private: bool = False) -> None:
    """When a webhookUrl is set: UnsafeTarget for a non-public literal address or a name that
    resolves to one now; a name that does not resolve yet is accepted (delivery checks again)."""
    try:
        await checked_addresses(url, allow_private=allow_private)
    except UnsafeTarget:
        raise
    except DeliveryFailed:
        return
