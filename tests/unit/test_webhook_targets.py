"""Which addresses outbound webhooks may reach, and how a delivery is pinned to the address that
was checked. Name resolution is replaced where a name would need DNS; numeric hosts are
resolved for real (no network needed)."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from loyalty import webhook_targets
from loyalty.notify.webhook import pinned
from loyalty.webhook_targets import UnsafeTarget, check_url, checked_addresses, refused_kind

REFUSED = [
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("::1", "loopback"),
    ("::ffff:127.0.0.1", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("192.168.1.1", "private"),
    ("fd00::1", "private"),
    ("100.64.0.1", "private"),
    ("::ffff:10.0.0.1", "private"),
    ("169.254.169.254", "link-local"),
    ("fe80::1", "link-local"),
    ("224.0.0.1", "multicast"),
    ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("192.0.2.1", "reserved"),
    ("240.0.0.1", "reserved"),
]
ALWAYS = {"link-local", "multicast", "unspecified", "reserved"}


@pytest.mark.parametrize(("address", "kind"), REFUSED)
def test_non_public_addresses_are_refused(address: str, kind: str) -> None:
    ip = ipaddress.ip_address(address)
    assert refused_kind(ip) == kind
    # Allowing private receivers allows loopback and private, never the others.
    assert refused_kind(ip, allow_private=True) == (kind if kind in ALWAYS else None)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert refused_kind(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:8080/hooks",
        "http://[::1]/hooks",
        "http://[::ffff:192.168.0.1]/hooks",
        "http://localhost/hooks",
        "https://api.localhost./hooks",
        "http://0.0.0.0:80/",
    ],
)
def test_literal_and_local_hosts_are_refused_without_dns(url: str) -> None:
    with pytest.raises(UnsafeTarget, match="webhookUrl must reach a public address"):
        check_url(url)


async def test_numeric_host_forms_are_caught_once_resolved() -> None:
    for url in ("http://2130706433/hooks", "http://0x7f.1/hooks", "http://017700000001/"):
        check_url(url)  # not a literal address ipaddress knows …
        with pytest.raises(UnsafeTarget, match=r"loopback .*127\.0\.0\.1"):
            await checked_addresses(url)  # … but the resolver does


def fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> list[str]:
    asked: list[str] = []

    async def resolve(host: str, port: int) -> list[Any]:
        asked.append(host)
        if host not in answers:
            raise OSError("Name or service not known")
        return [ipaddress.ip_address(a) for a in answers[host]]

    monkeypatch.setattr(webhook_targets, "resolve", resolve)
    return asked


async def test_a_name_is_refused_if_any_of_its_addresses_is_not_public(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_dns(
        monkeypatch,
        {"hooks.example": ["93.184.216.34"], "mixed.example": ["93.184.216.34", "10.0.0.7"]},
    )
    assert await checked_addresses("https://hooks.example/x") == [
        ipaddress.ip_address("93.184.216.34")
    ]
    with pytest.raises(UnsafeTarget, match=r"private mixed\.example \(10\.0\.0\.7\)"):
        await checked_addresses("https://mixed.example/x")
    with pytest.raises(UnsafeTarget, match="LOYALTY_NOTIFY_WEBHOOK_ALLOW_PRIVATE"):
        await checked_addresses("https://mixed.example/x")
    assert len(await checked_addresses("https://mixed.example/x", allow_private=True)) == 2


async def test_when_set_an_unresolvable_name_is_accepted_and_a_bad_one_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_dns(monkeypatch, {"internal.example": ["192.168.3.4"]})
    await webhook_targets.check_target(
        "https://not-yet-in-dns.example/hooks"
    )  # delivery checks again
    with pytest.raises(UnsafeTarget):
        await webhook_targets.check_target("https://internal.example/hooks")
    await webhook_targets.check_target("https://internal.example/hooks", allow_private=True)


def test_the_request_is_pinned_to_the_checked_address() -> None:
    ip4, ip6 = ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("2606:4700::1")
    assert pinned("https://user:pw@hooks.example:8443/a/b?c=1", ip4) == (
        "https://93.184.216.34:8443/a/b?c=1",
        "hooks.example:8443",
        "hooks.example",
    )
    assert pinned("http://hooks.example/x", ip6) == (
        "http://[2606:4700::1]/x",
        "hooks.example",
        "hooks.example",
    )
