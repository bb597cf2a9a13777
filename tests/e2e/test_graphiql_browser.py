"""GraphiQL in a real headless Chromium (Debian's `chromium`, driven by Playwright) against a
real `loyalty serve` process on loopback, with every other host unreachable.

What is checked: /graphiql loads and runs a query with nothing but the app's own origin
reachable (DNS for every other name fails, and any request elsewhere is aborted and recorded);
no Content-Security-Policy violation or console error; an admin key pasted in the headers
editor is sent (an admins-only field answers) but is kept nowhere in localStorage, neither in
the history, the tabs nor the headers key, and survives a reload only if the user turns on
persisting headers.

Without /usr/bin/chromium, Playwright or GraphiQL's installed bundles (./scripts/setup) these
tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from api import graphiql
from tests.conftest import missing
from tests.e2e.test_dashboard_browser import (
    ADMIN_KEY,
    CHROMIUM,
    CHROMIUM_ARGS,
    SETTLE_MS,
    PageWatch,
    Server,
    _serve,
)

# Every host name but loopback resolves to nothing: a CDN could not be reached even if asked.
OFFLINE_ARGS = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not graphiql.installed():
        missing("GraphiQL's bundles are not installed: run ./scripts/setup")
    with _serve(tmp_path_factory.mktemp("graphiql")) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser_context() -> Iterator[Callable[[], Any]]:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        missing(f"{CHROMIUM} not found: install Debian's chromium (scripts/setup does it as root)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed (pip install -e '.[dev]')")
    profiles: list[str] = []
    contexts: list[Any] = []
    with sync_playwright() as p:

        def new_context() -> Any:
            profile = tempfile.mkdtemp(prefix="graphiql-chromium-")
            profiles.append(profile)
            ctx = p.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                args=OFFLINE_ARGS,
                viewport={"width": 1280, "height": 900},
            )
            contexts.append(ctx)
            return ctx

        try:
            yield new_context
        finally:
            for ctx in contexts:
                ctx.close()
            for profile in profiles:
                shutil.rmtree(profile, ignore_errors=True)


class Offline:
    """Aborts (and records) every request that is not to the app's own origin."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.blocked: list[str] = []

    def __call__(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(self.base + "/") or url.startswith("data:"):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()


def _open(ctx: Any, server: Server) -> tuple[Any, PageWatch, Offline]:
    offline = Offline(server.base)
    ctx.route("**/*", offline)
    page = ctx.new_page()
    watch = PageWatch()
    watch.attach(page)
    page.add_init_script(
        "window.__cspViolations = [];"
        "document.addEventListener('securitypolicyviolation', e =>"
        " window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page.goto(f"{server.base}/graphiql")
    # The schema has loaded once the documentation explorer can be opened and the editor
    # knows the root types; the execute button is there from the first render.
    page.wait_for_selector(".graphiql-container .graphiql-execute-button", timeout=SETTLE_MS)
    return page, watch, offline


def _paste(page: Any, editor_selector: str, text: str) -> None:
    """Replaces an editor's content the way a paste does (no per-key bracket completion)."""
    page.click(f"{editor_selector} .CodeMirror")
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)


HEADERS_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden)"
QUERY_EDITOR = ".graphiql-query-editor"


def _run(page: Any, query: str, headers: str | None = None) -> dict[str, Any]:
    if headers is not None:
        page.click(".graphiql-editor-tools button[data-name=headers]")
        _paste(page, HEADERS_EDITOR, headers)
    _paste(page, QUERY_EDITOR, query)
    page.click(".graphiql-execute-button")
    page.wait_for_function(
        "() => { const cm = document.querySelector('.graphiql-response .CodeMirror');"
        " return cm && cm.CodeMirror.getValue().trim().startsWith('{'); }",
        timeout=SETTLE_MS,
    )
    text: str = page.evaluate(
        "document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()"
    )
    answer: dict[str, Any] = json.loads(text)
    return answer


def _storage(page: Any) -> dict[str, str]:
    stored: dict[str, str] = page.evaluate("Object.fromEntries(Object.entries(localStorage))")
    return stored


def _clean(page: Any, watch: PageWatch, offline: Offline) -> None:
    assert page.evaluate("window.__cspViolations") == []
    assert watch.errors == []
    assert offline.blocked == []


def test_graphiql_runs_a_query_offline_and_keeps_no_pasted_key(
    browser_context: Callable[[], Any], server: Server
) -> None:
    page, watch, offline = _open(browser_context(), server)

    public = _run(page, "{ token { symbol decimals } }")
    assert public == {"data": {"token": {"symbol": "LOYAL", "decimals": 0}}}

    # A pasted admin key is sent: an admins-only field answers.
    headers = json.dumps({"Authorization": f"Bearer {ADMIN_KEY}"})
    admin = _run(page, "{ mintingStatus { outboxDepth } }", headers)
    assert "errors" not in admin, admin
    assert isinstance(admin["data"]["mintingStatus"]["outboxDepth"], int)

    # GraphiQL stored its history and tabs (so the storage was used) but not the key.
    # (GraphiQL writes them a moment after the run.)
    page.wait_for_function(
        "() => ['graphiql:queries', 'graphiql:tabState'].every("
        " k => (localStorage.getItem(k) || '').includes('mintingStatus'))",
        timeout=SETTLE_MS,
    )
    stored = _storage(page)
    assert "graphiql:headers" not in stored
    leaked = {k: v for k, v in stored.items() if ADMIN_KEY in v}
    assert leaked == {}

    # After a reload the history is there, the key is not.
    page.wait_for_load_state("networkidle", timeout=SETTLE_MS)  # see the scrub test below
    page.reload()
    page.wait_for_selector(".graphiql-container .graphiql-execute-button", timeout=SETTLE_MS)
    stored = _storage(page)
    assert "mintingStatus" in stored.get("graphiql:queries", "")
    assert all(ADMIN_KEY not in v for v in stored.values()), stored
    _clean(page, watch, offline)
    page.screenshot(path=str(_artifacts() / "graphiql.png"))


def test_headers_persist_only_when_the_user_asks(
    browser_context: Callable[[], Any], server: Server
) -> None:
    page, watch, offline = _open(browser_context(), server)
    headers = json.dumps({"Authorization": f"Bearer {ADMIN_KEY}"})

    _persist_headers(page, True)
    answer = _run(page, "{ mintingStatus { outboxDepth } }", headers)
    assert "errors" not in answer, answer
    page.wait_for_function(
        "k => (localStorage.getItem('graphiql:headers') || '').includes(k)",
        arg=ADMIN_KEY,
        timeout=SETTLE_MS,
    )
    # Kept across a reload, as asked.
    page.wait_for_load_state("networkidle", timeout=SETTLE_MS)  # see the scrub test below
    page.reload()
    page.wait_for_selector(".graphiql-container .graphiql-execute-button", timeout=SETTLE_MS)
    assert page.evaluate("localStorage.getItem('graphiql:shouldPersistHeaders')") == "true"
    page.click(".graphiql-editor-tools button[data-name=headers]")
    shown = page.evaluate(
        "document.querySelector('.graphiql-editor-tool .graphiql-editor:not(.hidden)"
        " .CodeMirror').CodeMirror.getValue()"
    )
    assert ADMIN_KEY in shown

    # Turned off: nothing holds the key any more.
    _persist_headers(page, False)
    page.wait_for_function(
        "k => Object.values(localStorage).every(v => !v.includes(k))",
        arg=ADMIN_KEY,
        timeout=SETTLE_MS,
    )
    _clean(page, watch, offline)


def test_headers_stored_by_an_earlier_page_are_scrubbed(
    browser_context: Callable[[], Any], server: Server
) -> None:
    """History written by GraphiQL without the wrapper (strawberry's CDN page on this origin
    before) loses its headers at the first load."""
    ctx = browser_context()
    page, watch, offline = _open(ctx, server)
    item = {
        "query": "{ mintingStatus { outboxDepth } }",
        "variables": "",
        "headers": json.dumps({"Authorization": f"Bearer {ADMIN_KEY}"}),
    }
    page.evaluate(
        "([k, q, f]) => { localStorage.setItem('graphiql:queries', q);"
        " localStorage.setItem('graphiql:favorites', f);"
        " localStorage.setItem('graphiql:headers', k); }",
        [
            ADMIN_KEY,
            json.dumps({"queries": [item]}),
            json.dumps({"favorites": [{**item, "favorite": True}]}),
        ],
    )
    # A reload while the first load's schema fetch is in flight aborts it (ERR_ABORTED, which
    # the watch counts as a failed request): let the page finish first.
    page.wait_for_load_state("networkidle", timeout=SETTLE_MS)
    page.reload()
    page.wait_for_selector(".graphiql-container .graphiql-execute-button", timeout=SETTLE_MS)
    stored = _storage(page)
    assert all(ADMIN_KEY not in v for v in stored.values()), stored
    history = json.loads(stored["graphiql:queries"])["queries"]
    favorites = json.loads(stored["graphiql:favorites"])["favorites"]
    assert [q["query"] for q in history + favorites] == ["{ mintingStatus { outboxDepth } }"] * 2
    _clean(page, watch, offline)


def _persist_headers(page: Any, on: bool) -> None:
    """GraphiQL's own switch: settings dialog, Persist headers On/Off."""
    page.click("button[aria-label='Open settings dialog']")
    page.click("#enable-persist-headers" if on else "#disable-persist-headers")
    page.keyboard.press("Escape")
    page.wait_for_selector(".graphiql-dialog", state="detached", timeout=SETTLE_MS)


def _artifacts() -> Path:
    path = Path(__file__).parent / "artifacts"
    path.mkdir(exist_ok=True)
    return path
