"""The admin console in a real headless Chromium against a real `loyalty serve` process (API,
minter and indexer on the embedded chain): a shop owner signs in with the admin key, creates a
conversion rule and a campaign in the forms and sees the preview add them up, gets the API's
typed validation error next to the field and a revision conflict instead of an overwrite; a
member's purchase arrives as a signed webhook, and the member page shows its points pending,
then final with the transaction hash, after the owner adjusts the points (the ledger entry
appears); a CSV with one bad row shows that row's error and imports nothing. Every page settles
with no console error, no request outside the server and no serious or critical axe-core
finding, and is saved at desktop (1280 px) and phone (390 px) widths to tests/e2e/artifacts/;
an auditor key gets every page read-only; numbers follow the program's locale (de-DE here).

Without /usr/bin/chromium (or Playwright) these tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.e2e._console import (
    applied,
    auditor_key,
    axe_findings,
    open_page,
    ready,
    screenshots,
    sign_in,
    webhook_purchase,
    with_axe,
)
from tests.e2e.test_dashboard_browser import (
    ADMIN_KEY,
    SETTLE_MS,
    PageWatch,
    Server,
    _only_local,
    _serve,
    chromium,
)
from tests.support.webhooks import SECRET_NEW

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
# Chromium logs every 4xx answer as a console error: the refused upload's 422 is expected.
REFUSED_UPLOAD = "status of 422"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with _serve(
        tmp_path_factory.mktemp("console"),
        LOYALTY_WEBHOOK_SECRETS=SECRET_NEW,
        LOYALTY_LOCALE="de-DE",
        # The embedded chain makes a block only when the minter sends; at depth 2 a batch is
        # final once one more block follows it: the next batch, which the test sends.
        LOYALTY_FINALITY_DEPTH="2",
    ) as srv:
        yield srv


def _chain_of(page: Any, kind: str) -> str:
    """The chain cell of the member's newest ledger entry of this type."""
    text: str = page.evaluate(
        "kind => { const row = [...document.querySelectorAll('#ledger tbody tr')]"
        ".find(r => r.cells[1].textContent === kind);"
        " return row ? row.cells[5].textContent : ''; }",
        kind,
    )
    return text


def test_a_shop_owner_runs_the_program_from_the_console(chromium: Any, server: Server) -> None:
    page = with_axe(chromium().new_page())
    watch = PageWatch()
    watch.attach(page)
    page.goto(f"{server.base}/console/")
    ready(page, "overview")
    assert "Type an admin key" in page.inner_text("#page")
    sign_in(page, server, ADMIN_KEY)
    assert page.inner_text("#who") == "admin"
    assert page.evaluate("sessionStorage.getItem('loyalty.console.key')") == ADMIN_KEY
    assert ADMIN_KEY not in page.url

    # A conversion rule from the form: two points per dollar.
    open_page(page, server, "rules")
    page.fill("#rule-form [name=title]", "2 points per dollar")
    page.fill("#rule-form [name=points-base]", "2")
    page.fill("#rule-form [name=money-base]", "1")
    page.click("#rule-form button[type=submit]")
    page.wait_for_function(
        "() => document.querySelector('#page table')?.textContent.includes('2 points per dollar')",
        timeout=SETTLE_MS,
    )
    rules = server.data("{ earningRules { edges { node { id revision title status } } } }")
    mine = [e["node"] for e in rules["earningRules"]["edges"]]
    (rule,) = [r for r in mine if r["title"] == "2 points per dollar"]
    assert rule["status"] == "ACTIVE"

    # A bad value: the API's typed error next to the field it names, and nothing created.
    page.fill("#rule-form [name=title]", "x" * 51)
    page.eval_on_selector("#rule-form [name=title]", "el => el.removeAttribute('maxlength')")
    page.fill("#rule-form [name=title]", "x" * 51)
    page.click("#rule-form button[type=submit]")
    page.wait_for_selector("#rule-form [name=title][aria-invalid=true]", timeout=SETTLE_MS)
    assert "VALIDATION" in page.inner_text("#rule-form-title-error")
    described = page.get_attribute("#rule-form [name=title]", "aria-describedby")
    assert described == "rule-form-title-error"
    after = server.data("{ earningRules { edges { node { id } } } }")["earningRules"]["edges"]
    assert len(after) == len(mine)

    # A campaign from its form: double points, active from now.
    open_page(page, server, "campaigns")
    assert "No campaigns yet" in page.inner_text("#page")
    page.fill("#campaign-form [name=title]", "Double points")
    page.select_option("#campaign-form [name=status]", "ACTIVE")
    page.fill("#campaign-form [name=multiplier]", "2")
    page.fill("#campaign-form [name=startsAt]", "2020-01-01T00:00:00Z")
    page.click("#campaign-form button[type=submit]")
    page.wait_for_function(
        "() => document.querySelector('#page table')?.textContent.includes('Double points')",
        timeout=SETTLE_MS,
    )
    campaigns = server.data("{ campaigns { edges { node { title status } } } }")
    assert campaigns["campaigns"]["edges"] == [
        {"node": {"title": "Double points", "status": "ACTIVE"}}
    ]

    # The preview beside the rule form: a $40 order earns the rule's 80 and the campaign's 80.
    open_page(page, server, "rules")
    page.fill("#preview-form [name=amount]", "40")
    page.wait_for_function(
        "() => document.getElementById('preview-total')?.textContent.includes('160 points')",
        timeout=SETTLE_MS,
    )
    preview = page.inner_text("#preview-result")
    assert "rules 80, campaigns 80" in preview and "Double points" in preview
    assert "null" not in preview and "undefined" not in preview

    # A revision conflict: someone else changes the rule while the form is open.
    open_page(page, server, "rules", f"/{rule['id']}")
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

    # A member's purchase arrives by webhook; their page shows the points on their way.
    webhook_purchase(server, "ann", "1001", "40")
    applied(server, "ann")
    # Members active from a day on (the program's clock, UTC here): ann today, nobody tomorrow.
    today = datetime.now(UTC).date()
    open_page(page, server, "members")
    page.fill("#member-search [name=activeFrom]", str(today + timedelta(days=1)))
    page.click("#member-search button[type=submit]")
    ready(page, "members")
    page.wait_for_selector("#page .empty", timeout=SETTLE_MS)
    assert "No member matches" in page.inner_text("#page")
    open_page(page, server, "members")
    page.fill("#member-search [name=activeFrom]", str(today))
    page.fill("#member-search [name=search]", "an")
    page.click("#member-search button[type=submit]")
    page.wait_for_selector("#page a[href='#/members/ann']", timeout=SETTLE_MS)
    page.click("#page a[href='#/members/ann']")
    ready(page, "members")
    page.wait_for_function(
        "() => document.querySelector('#account [data-figure=Balance]')?.textContent === '160'",
        timeout=SETTLE_MS,
    )
    # Mined in the newest block, so not final yet (finality depth 2: the next block makes it).
    assert "final" not in _chain_of(page, "EARN")
    assert page.query_selector("#ledger [data-chain=pending]") is not None

    # The owner adjusts the points: the entry appears; its mint's block makes the EARN final.
    page.fill("#adjust-form [name=amount]", "25")
    page.fill("#adjust-form [name=reason]", "Sorry for the late parcel")
    page.click("#adjust-form button[type=submit]")
    page.wait_for_function(
        "() => document.querySelector('#account [data-figure=Balance]')?.textContent === '185'",
        timeout=SETTLE_MS,
    )
    assert "Sorry for the late parcel" in page.inner_text("#ledger")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#ledger tbody tr')].some(r =>"
        " r.cells[1].textContent === 'EARN' && r.querySelector('[data-chain=final] code.tx'))",
        timeout=SETTLE_MS,
    )
    entry = server.data(
        '{ transactions(filter: {memberId: "ann", types: [EARN]}) { edges { node {'
        " chain { final txHash } } } } }"
    )["transactions"]["edges"][0]["node"]["chain"]
    assert entry["final"] and entry["txHash"] in _chain_of(page, "EARN")
    account = server.data('{ account(memberId: "ann") { points { balance adjusted } } }')
    assert account["account"]["points"] == {"balance": 185, "adjusted": 25}

    # Program settings: a bad time zone is refused next to its field; the e-mail renders.
    open_page(page, server, "program")
    assert "you earned 120 points" in page.inner_text("#email-preview")
    page.fill("#program-form [name=timeZone]", "Mars/Olympus")
    page.click("#program-form button[type=submit]")
    page.wait_for_selector("#program-form [name=timeZone][aria-invalid=true]", timeout=SETTLE_MS)
    assert "VALIDATION" in page.inner_text("#program-form-timeZone-error")

    # A CSV with one bad row: that row's error, and nothing imported.
    open_page(page, server, "imports")
    page.set_input_files(
        "#import-form [name=file]",
        files=[
            {
                "name": "members.csv",
                "mimeType": "text/csv",
                "buffer": b"externalId,email,balance\nimp-1,a@x.org,10\nimp-2,b@x.org,-5\n",
            }
        ],
    )
    page.uncheck("#import-form [name=dryRun]")
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-result table", timeout=SETTLE_MS)
    text = page.inner_text("#import-result")
    assert "Nothing was imported" in text
    rows = page.eval_on_selector_all(
        "#import-result tbody tr", "trs => trs.map(tr => [...tr.cells].map(c => c.textContent))"
    )
    assert rows == [["2", "balance", "balance must not be negative (-5)"]]
    refused = server.graphql('{ account(memberId: "imp-1") { memberId } }')
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    # Every page: settled, accessible (axe-core), screenshots at desktop and phone widths.
    for name in PAGES:
        open_page(page, server, name)
        assert axe_findings(page) == [], name
        screenshots(page, name)
    open_page(page, server, "members", "ann")
    assert axe_findings(page) == [], "member page"
    screenshots(page, "member")
    open_page(page, server, "overview")
    assert page.inner_text("#totals [data-figure=Members]") == "1"
    assert page.query_selector("#page .chart canvas") is not None  # the per-day chart
    assert [e for e in watch.errors if REFUSED_UPLOAD not in e] == []
    assert len(watch.errors) == 1
    _only_local(watch, server.base)


def test_an_auditor_sees_every_page_read_only(chromium: Any, server: Server) -> None:
    key = auditor_key(server)
    page = with_axe(chromium().new_page())
    watch = PageWatch()
    watch.attach(page)
    sign_in(page, server, key)
    assert page.inner_text("#who") == "auditor"
    assert "readonly" in (page.get_attribute("body", "class") or "")
    # By keyboard: the first Tab reaches "Skip to the page", Enter moves focus to the page;
    # the next Tab stops go through the page's own controls.
    open_page(page, server, "members")
    page.reload()  # a fresh document: focus starts at the top
    ready(page, "members")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to the page"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "page"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('#page') !== null")
    for name in PAGES:
        open_page(page, server, name)
        writable = page.eval_on_selector_all(
            ".write", "els => els.filter(e => e.offsetParent !== null).length"
        )
        assert writable == 0, name
        assert axe_findings(page) == [], name
    server.data(
        'mutation { recordActivity(input: {idempotencyKey: "aud-1", memberId: "aud-1",'
        ' activityType: "stores/OrderPaid", triggerAppId: "stores", orderId: "aud-1",'
        ' amount: {value: "10", currency: "USD"}}) { duplicate } }'
    )
    open_page(page, server, "members", "aud-1")
    assert axe_findings(page) == [], "member page"
    assert page.query_selector("#erase-start") is None
    assert page.query_selector("#adjust-form") is None or not page.is_visible("#adjust-form")
    assert watch.errors == []
    _only_local(watch, server.base)


def test_a_refused_key_says_so_and_the_dashboard_still_answers(
    chromium: Any, server: Server
) -> None:
    page = chromium().new_page()
    page.goto(f"{server.base}/console/")
    ready(page, "overview")
    page.fill("#key", "lk_not_a_real_key_0000000000000000")
    page.click("#key-form button[type=submit]")
    page.wait_for_function(
        "() => document.getElementById('who').textContent.startsWith('key refused')",
        timeout=SETTLE_MS,
    )
    assert ready(page, "overview") == "error"
    assert "UNAUTHENTICATED" in page.inner_text("#page")
    assert httpx.get(f"{server.base}/dashboard/", timeout=10).status_code == 200


def test_an_import_is_checked_whole_then_run_with_progress(chromium: Any, server: Server) -> None:
    page = chromium().new_page()
    watch = PageWatch()
    watch.attach(page)
    sign_in(page, server, ADMIN_KEY)
    open_page(page, server, "imports")
    good = b"externalId,email,balance\nimp-1,a@x.org,12345\nimp-2,b@x.org,5\n"
    page.set_input_files(
        "#import-form [name=file]",
        files=[{"name": "good.csv", "mimeType": "text/csv", "buffer": good}],
    )
    page.click("#import-form button[type=submit]")  # dry run first
    page.wait_for_function(
        "() => document.getElementById('import-result').textContent.includes('The file is valid')",
        timeout=SETTLE_MS,
    )
    assert server.graphql('{ account(memberId: "imp-1") { memberId } }')["errors"]
    page.uncheck("#import-form [name=dryRun]")
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-job", timeout=SETTLE_MS)
    page.click("#import-job")
    page.wait_for_selector("#job[data-state=DONE]", timeout=SETTLE_MS)
    assert page.get_attribute("#job progress", "value") == "2"
    imported = server.data('{ account(memberId: "imp-1") { points { balance } } }')
    assert imported["account"]["points"]["balance"] == 12345
    # The program's locale (de-DE): 12345 points read "12.345"; dates on the program's clock.
    program = server.data("{ loyaltyProgram { revision } }")["loyaltyProgram"]
    server.data(
        "mutation($rev: Long!) { updateLoyaltyProgram(revision: $rev,"
        ' program: {timeZone: "Asia/Tokyo"}) { timeZone } }',
        {"rev": program["revision"]},
    )
    sign_in(page, server, ADMIN_KEY)  # the console reads the program's formats at sign-in
    open_page(page, server, "members", "imp-1")
    assert page.inner_text("#account [data-figure=Balance]") == "12.345"
    created = server.data('{ account(memberId: "imp-1") { createdDate } }')["account"]
    tokyo = datetime.fromisoformat(created["createdDate"]).astimezone(ZoneInfo("Asia/Tokyo"))
    assert f"joined {tokyo:%d.%m.%Y, %H:%M}" in page.inner_text("#page")

    # The program's transactions, filtered to one member and exported as CSV with the key.
    open_page(page, server, "transactions")
    page.fill("#transactions-filter [name=memberId]", "imp-1")
    page.click("#transactions-filter button[type=submit]")
    ready(page, "transactions")
    page.wait_for_function(
        "() => document.querySelector('#page tbody')?.textContent.includes('IMPORT')",
        timeout=SETTLE_MS,
    )
    with page.expect_download(timeout=SETTLE_MS) as got:
        page.click("#export-csv")
    exported = Path(got.value.path()).read_text()
    assert got.value.suggested_filename == "transactions.csv"
    assert "imp-1" in exported and "12345" in exported and "imp-2" not in exported

    # Erasing a member: the typed confirmation, refused next to its field when it is wrong.
    open_page(page, server, "members", "imp-2")
    page.click("#erase-start")
    page.fill("#erase-form [name=confirm]", "imp-3")
    page.click("#erase-form button[type=submit]")
    page.wait_for_selector("#erase-form [name=confirm][aria-invalid=true]", timeout=SETTLE_MS)
    assert "VALIDATION" in page.inner_text("#erase-form-confirm-error")
    assert not server.graphql('{ account(memberId: "imp-2") { memberId } }').get("errors")
    page.fill("#erase-form [name=confirm]", "imp-2")
    page.click("#erase-form button[type=submit]")
    ready(page, "members")
    page.wait_for_function(
        "() => document.getElementById('notice').textContent.startsWith('Member erased')",
        timeout=SETTLE_MS,
    )
    gone = server.graphql('{ account(memberId: "imp-2") { memberId } }')
    assert gone["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert watch.errors == []
    _only_local(watch, server.base)


def test_a_reward_is_priced_per_tier_and_saving_keeps_every_tier(
    chromium: Any, server: Server
) -> None:
    gold = server.data(
        'mutation { createTier(tier: {name: "Reward Gold", requiredPoints: 900}) { id } }'
    )["createTier"]["id"]
    page = with_axe(chromium().new_page())
    watch = PageWatch()
    watch.attach(page)
    sign_in(page, server, ADMIN_KEY)
    open_page(page, server, "catalog")
    form = "#reward-form"
    page.fill(f"{form} [name=name]", "Tiered coupon")
    page.fill(f"{form} [name=amount-base]", "5")
    page.fill(f"{form} [name=cost-base]", "50")
    page.fill(f"{form} [name=amount-{gold}]", "5")
    page.fill(f"{form} [name=cost-{gold}]", "30")
    page.click(f"{form} button[type=submit]")
    query = "{ rewards { id name revision configsByTier { tierId amount costInPoints } } }"

    def stored() -> dict[str, Any]:
        deadline = datetime.now(UTC) + timedelta(milliseconds=SETTLE_MS)
        while datetime.now(UTC) < deadline:
            found = [r for r in server.data(query)["rewards"] if r["name"].startswith("Tiered")]
            if found and found[0]["revision"] >= want_revision:
                return found[0]
            page.wait_for_timeout(100)  # polling the API until the form's save lands
        raise AssertionError("the reward form's save never reached the API")

    want_revision = 1
    reward = stored()
    configs = {c["tierId"]: (c["amount"], c["costInPoints"]) for c in reward["configsByTier"]}
    assert configs == {None: ("5", 50), gold: ("5", 30)}, reward
    # Editing only the name sends every tier's row back: the gold price is not dropped.
    open_page(page, server, "catalog", f"reward/{reward['id']}")
    page.fill(f"{form} [name=name]", "Tiered coupon, renamed")
    page.click(f"{form} button[type=submit]")
    want_revision = reward["revision"] + 1
    edited = stored()
    assert edited["name"] == "Tiered coupon, renamed"
    assert {c["tierId"]: c["costInPoints"] for c in edited["configsByTier"]} == {None: 50, gold: 30}
    assert axe_findings(page) == []
    assert watch.errors == []
    _only_local(watch, server.base)


def test_the_referral_program_gives_a_catalogue_reward_chosen_in_the_console(
    chromium: Any, server: Server
) -> None:
    reward = server.data(
        'mutation { createReward(reward: {name: "Friend coupon", type: COUPON_REWARD,'
        ' configsByTier: [{tierId: null, amount: "5", costInPoints: 10}]}) { id } }'
    )["createReward"]["id"]
    page = with_axe(chromium().new_page())
    watch = PageWatch()
    watch.attach(page)
    sign_in(page, server, ADMIN_KEY)
    query = "{ referralProgram { revision friendReward { rewardId } referrerReward { rewardId } } }"

    def saved(after: int) -> dict[str, Any]:
        deadline = datetime.now(UTC) + timedelta(milliseconds=SETTLE_MS)
        while datetime.now(UTC) < deadline:
            program: dict[str, Any] = server.data(query)["referralProgram"]
            if program["revision"] > after:
                return program
            page.wait_for_timeout(100)  # polling the API until the form's save lands
        raise AssertionError("the referral form's save never reached the API")

    before = server.data(query)["referralProgram"]["revision"]
    open_page(page, server, "referrals")
    page.select_option("#referral-form [name=friendRewardId]", reward)
    page.click("#referral-form button[type=submit]")
    program = saved(before)
    assert program["friendReward"]["rewardId"] == reward
    assert program["referrerReward"]["rewardId"] is None
    assert "Rewards granted" in page.inner_text("#referral-stats")
    # "none" takes the reward off again: points alone.
    open_page(page, server, "referrals")
    assert page.eval_on_selector("#referral-form [name=friendRewardId]", "e => e.value") == reward
    page.select_option("#referral-form [name=friendRewardId]", "")
    page.click("#referral-form button[type=submit]")
    assert saved(program["revision"])["friendReward"]["rewardId"] is None
    assert axe_findings(page) == []
    assert watch.errors == []
    _only_local(watch, server.base)
