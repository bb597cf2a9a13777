"""The program's webhookUrl cannot point webhooks at internal services: refused with VALIDATION
when set through GraphQL (unless LOYALTY_NOTIFY_WEBHOOK_ALLOW_PRIVATE allows loopback and
private receivers), and again at delivery after resolving the name, the request going to the
address that was checked."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from loyalty import webhook_targets
from loyalty.notify.webhook import HttpWebhookSender
from loyalty.webhook_targets import UnsafeTarget
from tests.integration._rules_client import running_api
from tests.support.databases import SqliteDatabases

UPDATE = """mutation($rev: Long!, $url: String!) {
  updateLoyaltyProgram(revision: $rev, program: { webhookUrl: $url }) { revision webhookUrl } }"""
REVISION = "{ loyaltyProgram { revision } }"

INTERNAL = [
    "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1:9000/hooks",
    "http://localhost:9000/hooks",
    "http://[::1]/hooks",
    "http://[::ffff:10.0.0.1]/hooks",
    "http://10.0.0.8/hooks",
    "http://2130706433/hooks",  # 127.0.0.1 as one number: caught once resolved
    "http://0.0.0.0/",
    "http://224.0.0.1/",
]


async def _set(api: Any, url: str) -> dict[str, Any]:
    revision = (await api.ok(REVISION))["loyaltyProgram"]["revision"]
    body: dict[str, Any] = await api.gql(UPDATE, {"rev": revision, "url": url})
    return body


async def test_internal_webhook_urls_are_refused_when_set(
    sqlite_databases: SqliteDatabases, tmp_path: Path
) -> None:
    async with running_api(sqlite_databases.fresh(), tmp_path) as api:
        for url in INTERNAL:
            body = await _set(api, url)
            [error] = body["errors"]
            assert error["extensions"]["code"] == "VALIDATION", (url, error)
            assert error["extensions"].get("field") == "webhookUrl"
            assert "public address" in error["message"]
        assert (await api.ok("{ loyaltyProgram { webhookUrl } }"))["loyaltyProgram"] == {
            "webhookUrl": None
        }
        # A public receiver is taken (a literal address: nothing to look up).
        body = await _set(api, "https://93.184.216.34/hooks")
        assert body["data"]["updateLoyaltyProgram"]["webhookUrl"] == "https://93.184.216.34/hooks"


async def test_the_setting_allows_loopback_and_private_receivers_only(
    sqlite_databases: SqliteDatabases, tmp_path: Path
) -> None:
    async with running_api(
        sqlite_databases.fresh(), tmp_path, notify_webhook_allow_private=True
    ) as api:
        for url in ("http://127.0.0.1:9000/hooks", "http://localhost/h", "http://10.0.0.8/h"):
            body = await _set(api, url)
            assert body["data"]["updateLoyaltyProgram"]["webhookUrl"] == url, body
        for url in ("http://169.254.169.254/", "http://[fe80::1]/", "http://0.0.0.0/"):
            [error] = (await _set(api, url))["errors"]
            assert error["extensions"]["code"] == "VALIDATION", (url, error)


class Receiver:
    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["content-length"]))
                receiver.requests.append({k.lower(): v for k, v in self.headers.items()})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def _dns(monkeypatch: pytest.MonkeyPatch, answers: list[list[str]]) -> None:
    """`hooks.test` resolves to answers[0], then answers[1] … (a name re-pointed between looks)."""
    queue = list(answers)

    async def resolve(host: str, port: int) -> list[Any]:
        assert host == "hooks.test"
        return [ipaddress.ip_address(a) for a in (queue.pop(0) if len(queue) > 1 else queue[0])]

    monkeypatch.setattr(webhook_targets, "resolve", resolve)


async def test_delivery_goes_to_the_address_that_was_checked(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`hooks.test` exists only in the stubbed resolver: reaching the receiver proves the
    request went to the resolved, checked address, with the URL's own Host."""
    _dns(monkeypatch, [["127.0.0.1"]])
    url = f"http://hooks.test:{receiver.port}/hooks"
    await HttpWebhookSender(allow_private=True).send(url, {"webhook-id": "e1"}, b"{}")
    assert [(r["host"], r["webhook-id"]) for r in receiver.requests] == [
        (f"hooks.test:{receiver.port}", "e1")
    ]
    # Without the setting the same name is refused before anything is sent.
    with pytest.raises(UnsafeTarget, match=r"loopback hooks\.test \(127\.0\.0\.1\)"):
        await HttpWebhookSender().send(url, {"webhook-id": "e2"}, b"{}")
    assert len(receiver.requests) == 1


async def test_a_name_re_pointed_after_it_was_set_reaches_nothing(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Public when the URL is set; the receiver's loopback address at delivery (DNS rebinding).
    _dns(monkeypatch, [["93.184.216.34"], ["127.0.0.1"]])
    url = f"http://hooks.test:{receiver.port}/hooks"
    await webhook_targets.check_target(url)  # accepted when set
    with pytest.raises(UnsafeTarget, match=r"127\.0\.0\.1"):
        await HttpWebhookSender().send(url, {"webhook-id": "e1"}, b"{}")
    assert receiver.requests == []
