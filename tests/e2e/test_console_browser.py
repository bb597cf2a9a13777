"""The admin console in a real headless Chromium against a real `loyalty serve` process: a shop
owner signs in with the admin key, creates an earning rule in the form and sees what a $40 order
earns beside it, meets a revision conflict instead of overwriting someone's change, gets the
API's typed validation error on the field, finds a member and adjusts their points, and every
page settles with no console error and no request outside the server; an auditor key gets the
same pages read-only. Screenshots go to tests/e2e/artifacts/console-*.png.

Without /usr/bin/chromium (or Playwright) these tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.test_dashboard_browser import (
    ADMIN_KEY,
    ARTIFACTS,
    SETTLE_MS,
    PageWatch,
    Server,
    _only_local,
    _serve,
    chromium,
)

__all__ = ["chromium"]  # the fixture, shared with the dashboard's test

PAGES = [
    "overview",
    "rules",
    "campaigns",
    "catalog",
    "program",
    "members",
    "transactions",
    "referrals",
    "imports",
    "operations",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with _serve(tmp_path_factory.mktemp("console")) as srv:
        yield srv


def _ready(page: Any, name: str) -> str:
    page.wait_for_function(
        "name => { const m = document.getElementById('page');"
        " return m.dataset.page === name && m.dataset.state !== 'loading'; }",
        arg=name,
        timeout=SETTLE_MS,
    )
    state: str = page.get_attribute("#page", "data-state")
    return state


def _open(page: Any, server: Server, name: str, arg: str = "") -> None:
    page.goto(f"{server.base}/console/#/{name}{'/' + arg if arg else ''}")
    assert _ready(page, name) == "ready", (name, page.inner_text("#page"))


def _sign_in(page: Any, server: Server, key: str) -> None:
    page.goto(f"{server.base}/console/")
    _ready(page, "overview")
    page.fill("#key", key)
    page.click("#key-form button[type=submit]")
    page.wait_for_function(
        "() => !['', 'no key'].includes(document.getElementById('who').textContent)",
        timeout=SETTLE_MS,
    )
    assert _ready(page, "overview") == "ready", page.inner_text("#page")


def _auditor_key(server: Server) -> str:
    env = {
        **os.environ,
        "LOYALTY_DATABASE_URL": f"sqlite:///{server.log.parent}/loyalty.db",
        "LOYALTY_CHAIN_STATE": str(server.log.parent / "chain.state"),
    }
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli.main",
            "keys",
            "create",
            "--role",
            "auditor",
            "--name",
            "audit",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    return next(word for word in out.split() if word.startswith("lk_"))


def test_a_shop_owner_runs_the_program_from_the_console(chromium: Any, server: Server) -> None:
    page = chromium().new_page()
    watch = PageWatch()
    watch.attach(page)
    page.goto(f"{server.base}/console/")
    _ready(page, "overview")
    assert "Type an admin key" in page.inner_text("#page")
    _sign_in(page, server, ADMIN_KEY)
    assert page.inner_text("#who") == "admin"
    assert page.evaluate("sessionStorage.getItem('loyalty.console.key')") == ADMIN_KEY
    assert ADMIN_KEY not in page.url

    # An earning rule from the form: two points per dollar.
    _open(page, server, "rules")
    page.fill("#rule-form [name=title]", "2 points per dollar")
    page.fill("#rule-form [name=points-base]", "2")
    page.fill("#rule-form [name=money-base]", "1")
    page.click("#rule-form button[type=submit]")
    page.wait_for_function(
        "() => document.querySelector('#page table') &&"
        " document.querySelector('#page table').textContent.includes('2 points per dollar')",
        timeout=SETTLE_MS,
    )
    rules = server.data("{ earningRules { edges { node { id revision title status } } } }")
    mine = [e["node"] for e in rules["earningRules"]["edges"]]
    (rule,) = [r for r in mine if r["title"] == "2 points per dollar"]
    assert rule["status"] == "ACTIVE"
    # The preview beside the form: a $40 order earns 80 points under it.
    page.fill("#preview-form [name=amount]", "40")
    page.wait_for_function(
        "() => (document.getElementById('preview-total') || {}).textContent?.includes('80 points')",
        timeout=SETTLE_MS,
    )
    assert "null" not in page.inner_text("#preview-result")

    # A bad value: the API's typed error, on the form, and nothing created.
    page.fill("#rule-form [name=title]", "Broken")
    page.fill("#rule-form [name=triggerAppId]", "")
    page.click("#rule-form button[type=submit]")
    page.wait_for_selector("#rule-form .form-error .error", timeout=SETTLE_MS)
    assert "VALIDATION" in page.inner_text("#rule-form .form-error")
    after = server.data("{ earningRules { edges { node { id } } } }")["earningRules"]["edges"]
    assert len(after) == len(rules["earningRules"]["edges"])

    # A revision conflict: someone else changes the rule while the form is open.
    _open(page, server, "rules", f"/{rule['id']}")
    server.data(
        "mutation($id: ID!, $rev: Long!) { updateEarningRule(id: $id, revision: $rev,"
        ' earningRule: {title: "Changed meanwhile"}) { revision } }',
        {"id": rule["id"], "rev": rule["revision"]},
    )
    page.fill("#rule-form [name=title]", "My edit")
    page.click("#rule-form button[type=submit]")
    page.wait_for_selector("#rule-form .conflict", timeout=SETTLE_MS)
    assert "Load the current version" in page.inner_text("#rule-form .conflict")
    again = server.data("query($id: ID!) { earningRule(id: $id) { title } }", {"id": rule["id"]})
    assert again["earningRule"]["title"] == "Changed meanwhile"  # not overwritten

    # A member's purchase, then find them and adjust their points.
    server.data(
        'mutation { recordActivity(input: {idempotencyKey: "o-1", memberId: "ann", '
        'activityType: "stores/OrderPaid", triggerAppId: "stores", orderId: "1", '
        'amount: {value: "40", currency: "USD"}}) { duplicate } }'
    )
    _open(page, server, "members")
    page.fill("#member-search [name=search]", "an")
    page.click("#member-search button[type=submit]")
    page.wait_for_selector("#page a[href='#/members/ann']", timeout=SETTLE_MS)
    page.click("#page a[href='#/members/ann']")
    _ready(page, "members")
    assert page.inner_text("#account [data-figure=Balance]") == "80"
    page.fill("#adjust-form [name=amount]", "25")
    page.fill("#adjust-form [name=reason]", "Sorry for the late parcel")
    page.click("#adjust-form button[type=submit]")
    page.wait_for_function(
        "() => document.querySelector('#account [data-figure=Balance]')?.textContent === '105'",
        timeout=SETTLE_MS,
    )
    assert "Sorry for the late parcel" in page.inner_text("#page")
    account = server.data('{ account(memberId: "ann") { points { balance adjusted } } }')
    assert account["account"]["points"] == {"balance": 105, "adjusted": 25}

    # Program settings: a bad time zone is refused on its field; the e-mail preview renders.
    _open(page, server, "program")
    # The default subject, "Thank you, you earned {points} points", for a sample member.
    assert "you earned 120 points" in page.inner_text("#email-preview")
    page.fill("#program-form [name=timeZone]", "Mars/Olympus")
    page.click("#program-form button[type=submit]")
    page.wait_for_selector("#program-form .form-error .error", timeout=SETTLE_MS)
    assert page.get_attribute("#program-form [name=timeZone]", "class") == "field-error"

    # Every page settles; nothing left the server; no console error anywhere.
    ARTIFACTS.mkdir(exist_ok=True)
    for name in PAGES:
        _open(page, server, name)
        page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=True)
    _open(page, server, "overview")
    assert page.inner_text("#totals [data-figure=Members]") == "1"
    assert watch.errors == []
    _only_local(watch, server.base)


def test_an_auditor_sees_every_page_read_only(chromium: Any, server: Server) -> None:
    key = _auditor_key(server)
    page = chromium().new_page()
    watch = PageWatch()
    watch.attach(page)
    _sign_in(page, server, key)
    assert page.inner_text("#who") == "auditor"
    assert "readonly" in (page.get_attribute("body", "class") or "")
    for name in PAGES:
        _open(page, server, name)
        writable = page.eval_on_selector_all(
            ".write", "els => els.filter(e => e.offsetParent !== null).length"
        )
        assert writable == 0, name
    assert watch.errors == []


def test_a_refused_key_says_so_and_the_dashboard_still_answers(
    chromium: Any, server: Server
) -> None:
    page = chromium().new_page()
    page.goto(f"{server.base}/console/")
    _ready(page, "overview")
    page.fill("#key", "lk_not_a_real_key_0000000000000000")
    page.click("#key-form button[type=submit]")
    page.wait_for_function(
        "() => document.getElementById('who').textContent.startsWith('key refused')",
        timeout=SETTLE_MS,
    )
    assert _ready(page, "overview") == "error"
    assert "UNAUTHENTICATED" in page.inner_text("#page")
    assert httpx.get(f"{server.base}/dashboard/", timeout=10).status_code == 200


def test_an_import_is_checked_whole_then_run_with_progress(
    chromium: Any, server: Server, tmp_path: Any
) -> None:
    page = chromium().new_page()
    watch = PageWatch()
    watch.attach(page)
    _sign_in(page, server, ADMIN_KEY)
    _open(page, server, "imports")
    bad = tmp_path / "bad.csv"
    bad.write_text("externalId,email,balance\nimp-1,a@x.org,10\nimp-2,b@x.org,-5\n")
    page.set_input_files("#import-form [name=file]", str(bad))
    page.uncheck("#import-form [name=dryRun]")
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-result table", timeout=SETTLE_MS)
    text = page.inner_text("#import-result")
    assert "Nothing was imported" in text and "balance" in text
    refused = server.graphql('{ account(memberId: "imp-1") { memberId } }')
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    good = tmp_path / "good.csv"
    good.write_text("externalId,email,balance\nimp-1,a@x.org,10\nimp-2,b@x.org,5\n")
    page.set_input_files("#import-form [name=file]", str(good))
    page.check("#import-form [name=dryRun]")
    page.click("#import-form button[type=submit]")
    page.wait_for_function(
        "() => document.getElementById('import-result').textContent.includes('The file is valid')",
        timeout=SETTLE_MS,
    )
    page.uncheck("#import-form [name=dryRun]")
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-job", timeout=SETTLE_MS)
    page.click("#import-job")
    page.wait_for_selector("#job[data-state=DONE]", timeout=SETTLE_MS)
    imported = server.data('{ account(memberId: "imp-2") { points { balance } } }')
    assert imported["account"]["points"]["balance"] == 5
    # The refused upload's 422 is the one error Chromium logs (for any 4xx answer).
    assert [e for e in watch.errors if "status of 422" not in e] == []
    assert len(watch.errors) == 1
