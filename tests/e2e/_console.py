"""Helpers of the console's browser tests: waiting for a page to settle, signing in, an
auditor key, a signed Standard Webhooks delivery, axe-core's serious and critical findings, and
desktop (1280 px) and phone (390 px) screenshots into tests/e2e/artifacts/ (git-ignored)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

import httpx

from api.console import DIST
from tests.conftest import missing
from tests.e2e.test_dashboard_browser import ARTIFACTS, SETTLE_MS, Server
from tests.support.webhooks import SECRET_NEW, standard_request

AXE = DIST.parent / "web" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def ready(page: Any, name: str) -> str:
    page.wait_for_function(
        "name => { const m = document.getElementById('page');"
        " return m && m.dataset.page === name && m.dataset.state !== 'loading'; }",
        arg=name,
        timeout=SETTLE_MS,
    )
    state: str = page.get_attribute("#page", "data-state")
    return state


def open_page(page: Any, server: Server, name: str, arg: str = "") -> None:
    page.goto(f"{server.base}/console/#/{name}{'/' + arg if arg else ''}")
    assert ready(page, name) == "ready", (name, page.inner_text("#page"))


def sign_in(page: Any, server: Server, key: str) -> None:
    page.goto(f"{server.base}/console/")
    ready(page, "overview")
    page.fill("#key", key)
    page.click("#key-form button[type=submit]")
    page.wait_for_function(
        "() => !['', 'no key', 'checking…'].includes(document.getElementById('who').textContent)",
        timeout=SETTLE_MS,
    )
    assert ready(page, "overview") == "ready", page.inner_text("#page")


def auditor_key(server: Server) -> str:
    env = {
        **os.environ,
        "LOYALTY_DATABASE_URL": f"sqlite:///{server.log.parent}/loyalty.db",
        "LOYALTY_CHAIN_STATE": str(server.log.parent / "chain.state"),
    }
    out = subprocess.run(
        [sys.executable, "-m", "cli.main", "keys", "create", "--role", "auditor", "--name", "a"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    return next(word for word in out.split() if word.startswith("lk_"))


def webhook_purchase(server: Server, member: str, order: str, dollars: str) -> None:
    """A shop's signed Standard Webhooks delivery of a paid order (docs/webhooks.md)."""
    body, headers = standard_request(
        {
            "type": "stores/OrderPaid",
            "data": {
                "memberId": member,
                "triggerAppId": "stores",
                "orderId": order,
                "amount": {"value": dollars, "currency": "USD"},
            },
        },
        secret=SECRET_NEW,
    )
    reply = httpx.post(f"{server.base}/webhooks/events", content=body, headers=headers, timeout=30)
    assert reply.status_code == 200, reply.text
    assert reply.json()["status"] == "ACCEPTED"


def with_axe(page: Any) -> Any:
    """The page, with the pinned axe-core (api/console/web/node_modules) in every document it
    loads. Not page.add_script_tag: that writes an inline <script>, which the console's CSP
    refuses (as it must); an init script comes in through DevTools and leaves the CSP as is."""
    if not AXE.is_file():
        missing("axe-core is not installed: run ./scripts/setup (npm ci in api/console/web)")
    page.add_init_script(path=str(AXE))
    return page


def applied(server: Server, member: str) -> None:
    """Waits until the inbox has applied the member's first webhook (it is applied just after
    the 200 answer): a wait on the state, bounded, never an assertion about speed."""
    page_deadline = time.monotonic() + SETTLE_MS / 1000
    while time.monotonic() < page_deadline:
        reply = server.graphql(
            "query($m: String!) { account(memberId: $m) { memberId } }", {"m": member}
        )
        if not reply.get("errors"):
            return
        time.sleep(0.2)
    raise AssertionError(f"the webhook for {member} was never applied")


def axe_findings(page: Any) -> list[tuple[str, str, list[Any]]]:
    """axe-core's serious and critical violations on the page as it is now."""
    assert page.evaluate("() => typeof window.axe === 'object'"), "with_axe(page) first"
    result = page.evaluate("() => axe.run(document, { resultTypes: ['violations'] })")
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def screenshots(page: Any, name: str) -> None:
    """The page at desktop and phone width (full page), then back to desktop width."""
    ARTIFACTS.mkdir(exist_ok=True)
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(100)  # one layout pass after the resize; not an assertion
        path = ARTIFACTS / f"console-{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 5_000, path
        # Responsive: nothing wider than the screen (wide tables scroll inside their box).
        wide = page.evaluate("() => document.documentElement.scrollWidth")
        assert wide <= width, (name, label, wide)
    page.set_viewport_size({"width": 1280, "height": 900})
