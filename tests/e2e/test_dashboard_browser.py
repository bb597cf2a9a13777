"""The admin dashboard in a real headless Chromium (Debian's `chromium`, driven by Playwright)
against a real `loyalty serve` process on loopback.

What is checked: the page loads with no console errors and fetches nothing outside the server;
every section settles ("ready" when the API has its field, "not available yet" when the schema
lacks it); the token facts are the API's; a wrong admin key is refused with a message and is
kept in sessionStorage, never in the URL; the charts draw the answered data (bar for bar); a
screenshot is saved to tests/e2e/artifacts/dashboard.png.

Without /usr/bin/chromium (or Playwright) these tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import missing

CHROMIUM = os.environ.get("LOYALTY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
ADMIN_KEY = "dashboard-test-admin-key-0123456789"
SETTLE_MS = 30_000  # a ceiling for waits on the page, never an assertion about speed

# Section id -> the root fields the page looks for (first present wins), per the dashboard.
SECTION_FIELDS = {
    "token": ["token"],
    "indexer": ["indexerStatus", "indexer", "indexerState"],
    "minting": ["mintingStatus", "minterStatus", "minting", "minter", "outboxStatus", "outbox"],
    "audit": ["lastAudit", "latestAudit", "audit"],
    "transfers": ["recentTransfers", "transfers", "tokenTransfers"],
}


# ------------------------------------------------------------------------------- the server


@dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]
    log: Path

    def graphql(
        self, query: str, variables: dict[str, Any] | None = None, key: str | None = ADMIN_KEY
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        body = {"query": query, "variables": variables or {}}
        reply = httpx.post(f"{self.base}/graphql", json=body, headers=headers, timeout=30)
        answer: dict[str, Any] = reply.json()
        return answer

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = self.graphql(query, variables)
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def query_fields(self) -> set[str]:
        body = self.graphql("{ __schema { queryType { fields { name } } } }")
        return {f["name"] for f in body["data"]["__schema"]["queryType"]["fields"]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _serve(work: Path, **extra_env: str) -> Iterator[Server]:
    """`loyalty serve` (API + minter + indexer on the embedded chain) on a free loopback port."""
    port = _free_port()
    env = {
        **os.environ,
        "LOYALTY_DATABASE_URL": f"sqlite:///{work}/loyalty.db",
        "LOYALTY_CHAIN_STATE": str(work / "chain.state"),
        "LOYALTY_ADMIN_API_KEY": ADMIN_KEY,
        "LOYALTY_HOST": "127.0.0.1",
        "LOYALTY_PORT": str(port),
        "LOYALTY_LOG_LEVEL": "WARNING",
        "LOYALTY_FINALITY_DEPTH": "1",  # the embedded chain only moves when the minter sends
        "LOYALTY_MINTER_BATCH_AGE": "0",
        **extra_env,
    }
    log = work / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "serve"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    srv = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_for(srv)
        yield srv
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with _serve(tmp_path_factory.mktemp("dashboard")) as srv:
        yield srv


def _wait_for(srv: Server) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if srv.process.poll() is not None:
            pytest.fail(f"loyalty serve exited: {srv.log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{srv.base}/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    pytest.fail(f"loyalty serve did not answer /healthz: {srv.log.read_text()[-3000:]}")


# ------------------------------------------------------------------------------- the browser


@dataclass
class PageWatch:
    """What the page said and fetched: console errors, uncaught exceptions, failed requests,
    and every request URL (to prove nothing left the server)."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on(
            "console",
            lambda m: (
                self.errors.append(f"console.{m.type}: {m.text}")
                if m.type in ("error", "assert")
                else None
            ),
        )
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on(
            "requestfailed", lambda r: self.errors.append(f"requestfailed: {r.url} {r.failure}")
        )
        page.on("request", lambda r: self.requests.append(r.url))


@pytest.fixture(scope="module")
def chromium() -> Iterator[Callable[[], Any]]:
    """A factory of fresh browser contexts (own profile directory each) on Debian's chromium."""
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
            profile = tempfile.mkdtemp(prefix="dashboard-chromium-")
            profiles.append(profile)
            ctx = p.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_ARGS,
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


def _settled(page: Any, after: int) -> None:
    """Waits until the page has finished its refresh number `after + 1` (or later)."""
    page.wait_for_function(
        "n => { const m = document.getElementById('sections');"
        " return m.dataset.state === 'ready' && Number(m.dataset.refreshes || 0) > n; }",
        arg=after,
        timeout=SETTLE_MS,
    )


def _refreshes(page: Any) -> int:
    return int(page.get_attribute("#sections", "data-refreshes") or 0)


def _states(page: Any) -> dict[str, str]:
    states: dict[str, str] = page.eval_on_selector_all(
        "main > section",
        "els => Object.fromEntries(els.map(e => [e.id.replace('section-', ''), e.dataset.state]))",
    )
    return states


def _enter_key(page: Any, key: str) -> None:
    before = _refreshes(page)
    page.fill("#admin-key", key)
    page.click("#key-save")
    _settled(page, before)


def _only_local(watch: PageWatch, base: str) -> None:
    foreign = [u for u in watch.requests if not (u.startswith(base + "/") or u.startswith("data:"))]
    assert foreign == [], foreign


# ------------------------------------------------------------------------------- the tests


def test_dashboard_loads_and_every_section_settles(chromium: Any, server: Server) -> None:
    ctx = chromium()
    page = ctx.new_page()
    watch = PageWatch()
    watch.attach(page)
    page.goto(f"{server.base}/dashboard")
    _settled(page, 0)
    _enter_key(page, ADMIN_KEY)

    states = _states(page)
    assert set(states) == {"token", "issued", "tiers", "minting", "indexer", "audit", "transfers"}
    # Nothing is left loading, refused or broken.
    assert set(states.values()) <= {"ready", "empty", "missing"}, states
    # Shown (with data, or "nothing yet") exactly where the API has the section's field;
    # "not available yet" elsewhere.
    fields = server.query_fields()
    for section, names in SECTION_FIELDS.items():
        present = bool(fields & set(names))
        assert (states[section] != "missing") == present, (section, states[section], fields)
        if not present:
            text = page.inner_text(f"#section-{section}")
            assert "Not available yet" in text

    # The token facts are the API's own.
    token = server.graphql("{ token { address chainId symbol decimals } }")["data"]["token"]
    assert page.inner_text("#section-token dd[data-field=address]") == token["address"]
    assert page.inner_text("#section-token dd[data-field=symbol]") == token["symbol"]
    assert page.inner_text("#section-token dd[data-field=chainId]") == str(token["chainId"])

    # The key lives in sessionStorage, never in the URL.
    assert page.evaluate("sessionStorage.getItem('loyalty.adminKey')") == ADMIN_KEY
    assert ADMIN_KEY not in page.url

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000

    assert watch.errors == []
    _only_local(watch, server.base)


def test_a_wrong_admin_key_is_refused_with_a_message(chromium: Any, server: Server) -> None:
    ctx = chromium()
    page = ctx.new_page()
    watch = PageWatch()
    watch.attach(page)
    page.goto(f"{server.base}/dashboard/")
    _settled(page, 0)
    # Without a key: public facts show; sections the API keeps for admins ask for the key.
    anonymous = _states(page)
    assert anonymous["token"] == "ready"
    if "refused" in anonymous.values():
        assert "need an admin API key" in page.inner_text("#banner")
    else:
        assert page.is_hidden("#banner")

    _enter_key(page, "not-the-admin-key")
    banner = page.inner_text("#banner")
    assert "refused" in banner.lower() and "admin API key" in banner
    states = _states(page)
    assert set(states.values()) == {"refused"}, states
    assert "Refused by the API" in page.inner_text("#section-token")
    assert "not-the-admin-key" not in page.url

    # Forgetting the key brings the public sections back.
    before = _refreshes(page)
    page.click("#key-forget")
    _settled(page, before)
    assert _states(page)["token"] == "ready"
    assert page.evaluate("sessionStorage.getItem('loyalty.adminKey')") is None

    assert watch.errors == []
    _only_local(watch, server.base)


# ------------------------------------------------------------------------------- the charts
#
# The page's GraphQL requests are answered here by graphql-core over a small stand-in schema
# (introspection included), so the charts are checked bar for bar against known data and in
# two different field shapes, whatever the real API offers yet. The page, its assets and the
# browser are the real ones, served by `loyalty serve`.

STAND_IN_A = """
type Query { token: Token! analytics: Analytics! }
type Token { address: String! symbol: String! decimals: Int! }
type Analytics {
  pointsIssuedPerDay(days: Int = 30): [DayPoints!]!
  membersPerTier: [TierCount!]!
}
type DayPoints { day: String! points: Int! }
type TierCount { tier: Tier members: Int! }
type Tier { id: ID! name: String! }
"""

STAND_IN_B = """
type Query { token: Token! dailyPoints(from: String!, to: String!): [Daily!]! tiers: [Tier!]! }
type Token { address: String! symbol: String! decimals: Int! }
type Daily { date: String! issued: String! redeemed: String! }
type Tier { name: String! requiredPoints: Int! memberCount: Int! }
"""

DAYS = [("2026-01-03", 120), ("2026-01-04", 0), ("2026-01-06", 75), ("2026-01-07", 310)]
TIERS = [("Base", 40), ("Silver", 12), ("Gold", 3)]


def _root_a() -> dict[str, Any]:
    return {
        "token": {"address": "0x" + "ab" * 20, "symbol": "LOYAL", "decimals": 0},
        "analytics": {
            "pointsIssuedPerDay": lambda _info, days=30: [{"day": d, "points": p} for d, p in DAYS],
            "membersPerTier": [
                {"tier": None if n == "Base" else {"id": n.lower(), "name": n}, "members": c}
                for n, c in TIERS
            ],
        },
    }


def _root_b() -> dict[str, Any]:
    return {
        "token": {"address": "0x" + "cd" * 20, "symbol": "LOYAL", "decimals": 0},
        "dailyPoints": lambda _info, **_range: [
            {"date": d, "issued": str(p), "redeemed": "5"} for d, p in reversed(DAYS)
        ],
        "tiers": [
            {"name": n, "requiredPoints": i * 100, "memberCount": c}
            for i, (n, c) in enumerate(TIERS)
        ],
    }


def _stand_in(sdl: str, root: dict[str, Any]) -> Callable[[Any], None]:
    from graphql import build_schema, graphql_sync

    schema = build_schema(sdl)

    def resolve(source: Any, info: Any, **args: Any) -> Any:
        value = source.get(info.field_name) if isinstance(source, dict) else None
        return value(info, **args) if callable(value) else value

    def handle(route: Any) -> None:
        body = json.loads(route.request.post_data or "{}")
        result = graphql_sync(
            schema,
            body["query"],
            root_value=root,
            variable_values=body.get("variables"),
            field_resolver=resolve,
        )
        out: dict[str, Any] = {"data": result.data}
        if result.errors:
            out["errors"] = [e.formatted for e in result.errors]
        route.fulfill(status=200, content_type="application/json", body=json.dumps(out))

    return handle


@pytest.mark.parametrize(
    ("sdl", "root", "tier_names"),
    [
        (STAND_IN_A, _root_a, ["(no tier)", "Silver", "Gold"]),
        (STAND_IN_B, _root_b, ["Base", "Silver", "Gold"]),
    ],
    ids=["analytics-object", "root-fields-with-required-range"],
)
def test_charts_draw_the_answered_data(
    chromium: Any,
    server: Server,
    sdl: str,
    root: Callable[[], dict[str, Any]],
    tier_names: list[str],
) -> None:
    ctx = chromium()
    page = ctx.new_page()
    watch = PageWatch()
    watch.attach(page)
    page.route("**/graphql", _stand_in(sdl, root()))
    page.goto(f"{server.base}/dashboard/")
    _settled(page, 0)

    states = _states(page)
    assert states["issued"] == "ready" and states["tiers"] == "ready", states
    assert states["indexer"] == "missing"  # the stand-in schema has no such field

    bars = page.eval_on_selector_all(
        "#section-issued svg rect.bar",
        "rs => rs.map(r => [r.dataset.x, Number(r.dataset.y), Number(r.getAttribute('height'))])",
    )
    # One bar per day from the first to the last, days without data drawn as zero, in order.
    expected = dict(DAYS)
    days = ["2026-01-03", "2026-01-04", "2026-01-05", "2026-01-06", "2026-01-07"]
    assert [b[0] for b in bars] == days
    assert [b[1] for b in bars] == [expected.get(d, 0) for d in days]
    # Heights are proportional to the values (the tallest bar is the largest value).
    tallest = max(bars, key=lambda b: b[2])
    assert tallest[1] == max(p for _, p in DAYS)
    for _day, value, height in bars:
        assert height == pytest.approx(tallest[2] * value / tallest[1], abs=0.05)
    assert "505 points" in page.inner_text("#section-issued")  # 120 + 75 + 310

    tier_bars = page.eval_on_selector_all(
        "#section-tiers svg rect.bar", "rs => rs.map(r => [r.dataset.x, Number(r.dataset.y)])"
    )
    assert tier_bars == [[n, c] for n, (_, c) in zip(tier_names, TIERS, strict=True)]

    ARTIFACTS.mkdir(exist_ok=True)
    shape = "a" if sdl is STAND_IN_A else "b"
    page.screenshot(path=str(ARTIFACTS / f"dashboard-charts-{shape}.png"), full_page=True)
    assert watch.errors == []
    _only_local(watch, server.base)


# ------------------------------------------------------------------------------- seeded data

MEMBERS = {f"dash-member-{i}": 100 * i + 7 for i in range(1, 6)}


def _seed_points(server: Server) -> dict[str, int]:
    """Members and point adjustments through the API; returns receiving address -> points."""
    expected: dict[str, int] = {}
    for member, points in MEMBERS.items():
        account = server.data(
            "mutation($m: String!) { createMember(memberId: $m) { receivingAddress } }",
            {"m": member},
        )["createMember"]
        server.data(
            "mutation($i: AdjustPointsInput!) { adjustPoints(input: $i) { amount } }",
            {
                "i": {
                    "memberId": member,
                    "idempotencyKey": f"seed-{member}",
                    "reason": "seed",
                    "amount": points,
                }
            },
        )
        expected[account["receivingAddress"].lower()] = points
    return expected


def _seed_earnings(server: Server) -> dict[str, int]:
    """A fixed-amount earning rule and one activity through the API, so that points are issued
    (EARN) and the issued chart has a bar to draw; returns receiving address -> points."""
    rule = {
        "title": "Dashboard review",
        "triggerAppId": "reviews",
        "triggerActivityType": "reviews/ReviewPosted",
        "fixedAmount": {"configs": [{"points": 33}]},
    }
    server.data(
        "mutation($r: EarningRuleInput!) { createEarningRule(earningRule: $r) { id } }", {"r": rule}
    )
    address = server.data('mutation { createMember(memberId: "dash-buyer") { receivingAddress } }')[
        "createMember"
    ]["receivingAddress"]
    activity = {
        "idempotencyKey": "dash-review-1",
        "memberId": "dash-buyer",
        "activityType": "reviews/ReviewPosted",
        "triggerAppId": "reviews",
    }
    awards = server.data(
        "mutation($i: RecordActivityInput!) { recordActivity(input: $i) { awards { points } } }",
        {"i": activity},
    )["recordActivity"]["awards"]
    return {address.lower(): sum(a["points"] for a in awards)}


def _charts_match_the_api(page: Any, server: Server, issued: int) -> None:
    """The issued and tiers charts draw the API's own analytics for the page's range."""
    bars = page.eval_on_selector_all(
        "#section-issued svg rect.bar", "rs => rs.map(r => [r.dataset.x, Number(r.dataset.y)])"
    )
    assert bars, "the issued chart has no bars"
    api = server.data(
        "query($f: Date!, $t: Date!) { analytics(from: $f, to: $t) {"
        "  pointsIssuedPerDay { day issued } membersPerTier { tierName members } } }",
        {"f": bars[0][0], "t": bars[-1][0]},
    )["analytics"]
    assert bars == [[d["day"], d["issued"]] for d in api["pointsIssuedPerDay"]]
    assert sum(y for _, y in bars) == issued  # what the recorded activity awarded
    tier_bars = page.eval_on_selector_all(
        "#section-tiers svg rect.bar", "rs => rs.map(r => [r.dataset.x, Number(r.dataset.y)])"
    )
    assert tier_bars == [
        [t["tierName"] or "(no tier)", t["members"]] for t in api["membersPerTier"]
    ]


def _wait_until_final_and_indexed(server: Server, expected: dict[str, int]) -> int:
    """Polls the API until every seeded mint is indexed at a finalized block; returns that
    block. The deadline is a ceiling for a stuck pipeline, not a speed assertion."""
    deadline = time.monotonic() + 180
    last: Any = None
    while time.monotonic() < deadline:
        data = server.data(
            "{ indexerStatus { indexedBlock finalizedBlock }"
            "  transfers(first: 100) { nodes { toAddress value blockNumber } } }"
        )
        status, nodes = data["indexerStatus"], data["transfers"]["nodes"]
        minted = {n["toAddress"].lower(): int(n["value"]) for n in nodes}
        last = (status, minted)
        if all(minted.get(a) == p for a, p in expected.items()) and nodes:
            top = max(n["blockNumber"] for n in nodes)
            if (status["finalizedBlock"] or 0) >= top and (status["indexedBlock"] or 0) >= top:
                return int(min(status["finalizedBlock"], status["indexedBlock"]))
        time.sleep(0.5)
    pytest.fail(f"the seeded mints were not final and indexed: {last}")


def _wait_until_outbox_drains(server: Server) -> None:
    """The minter marks batches final on its own schedule: wait for it, so that the page and
    the API are compared on a state that no longer moves."""
    deadline = time.monotonic() + 120
    status: Any = None
    while time.monotonic() < deadline:
        status = server.data("{ mintingStatus { outboxDepth batches { status count } } }")
        if status["mintingStatus"]["outboxDepth"] == 0:
            return
        time.sleep(0.5)
    pytest.fail(f"the minter's outbox did not drain after the mints were final: {status}")


def test_seeded_points_show_in_transfers_indexer_audit_and_token(
    chromium: Any, server: Server
) -> None:
    fields = server.query_fields()
    mutations = {
        f["name"]
        for f in server.data("{ __schema { mutationType { fields { name } } } }")["__schema"][
            "mutationType"
        ]["fields"]
    }
    needed = {"createMember", "adjustPoints"} - mutations
    needed |= {"transfers", "indexerStatus", "audit"} - fields
    if needed:
        missing(f"the API has no {sorted(needed)} yet: cannot seed points for the dashboard")
    expected = _seed_points(server)
    earned = _seed_earnings(server) if "analytics" in fields else {}
    expected.update(earned)
    final_block = _wait_until_final_and_indexed(server, expected)
    if "mintingStatus" in fields:
        _wait_until_outbox_drains(server)

    ctx = chromium()
    page = ctx.new_page()
    watch = PageWatch()
    watch.attach(page)
    page.goto(f"{server.base}/dashboard/")
    _settled(page, 0)
    _enter_key(page, ADMIN_KEY)
    states = _states(page)
    for section in ("token", "indexer", "audit", "transfers"):
        assert states[section] == "ready", (section, states)

    # Recent transfers: one row per seeded mint, to each member's address, with its amount.
    shown = page.eval_on_selector_all(
        "#section-transfers tbody tr",
        "trs => trs.map(tr => Array.from(tr.querySelectorAll('td')).map("
        "td => { const c = td.querySelector('[title]'); return c ? c.title : td.innerText; }))",
    )
    headers = page.eval_on_selector_all(
        "#section-transfers thead th", "ths => ths.map(th => th.innerText)"
    )
    to_col, value_col = headers.index("To Address"), headers.index("Value")
    kind_col = headers.index("Kind")
    rows = {r[to_col].lower(): int(r[value_col].replace(",", "")) for r in shown}
    assert {a: rows.get(a) for a in expected} == expected
    assert {r[kind_col] for r in shown if r[to_col].lower() in expected} == {"mint"}

    # Token facts: the total supply is the sum of what was minted.
    supply = page.inner_text("#section-token dd[data-field=totalSupply]").replace(",", "")
    assert int(supply) == sum(expected.values())

    # The audit ran at a block the indexer passed, is clean, and its digest is the API's own.
    audit_block = int(page.inner_text("#section-audit dd[data-field=block]").replace(",", ""))
    assert audit_block >= final_block
    assert "Clean" in page.inner_text("#section-audit .headline")
    api_audit = server.data(
        "query($b: Long!) { audit(block: $b) { digest clean } }", {"b": audit_block}
    )["audit"]
    assert api_audit["clean"] is True
    assert page.inner_text("#section-audit dd[data-field=digest]") == api_audit["digest"]

    # Outbox and minting: once everything is final the page shows the API's own figures.
    if "mintingStatus" in fields:
        assert states["minting"] == "ready"
        status = server.data("{ mintingStatus { outboxDepth pendingRequests } }")["mintingStatus"]
        assert status["outboxDepth"] == 0
        for name, value in status.items():
            shown_value = page.inner_text(f"#section-minting dd[data-field={name}]")
            assert int(shown_value.replace(",", "")) == value, name

    # The indexer section shows its lag.
    assert "Lag:" in page.inner_text("#section-indexer .headline")

    # The charts: points issued per day and members per tier, as the API's analytics say.
    if "analytics" in fields:
        assert states["issued"] == "ready" and states["tiers"] == "ready", states
        _charts_match_the_api(page, server, sum(earned.values()))

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    assert watch.errors == []
    _only_local(watch, server.base)


def test_without_introspection_the_documented_fields_are_read(
    chromium: Any, tmp_path: Path
) -> None:
    """LOYALTY_INTROSPECTION=false: the page falls back to the documented field names."""
    with _serve(tmp_path, LOYALTY_INTROSPECTION="false") as srv:
        ctx = chromium()
        page = ctx.new_page()
        watch = PageWatch()
        watch.attach(page)
        page.goto(f"{srv.base}/dashboard/")
        _settled(page, 0)
        _enter_key(page, ADMIN_KEY)
        states = _states(page)
        # The introspection query itself was refused, so these came from the fallback names.
        intro = srv.graphql("{ __schema { queryType { name } } }")
        assert intro.get("errors") and not (intro.get("data") or {}).get("__schema")
        for section in ("token", "indexer", "minting", "transfers"):
            assert states[section] == "ready", (section, states)
        assert states["audit"] in ("ready", "empty"), states
        assert set(states.values()) <= {"ready", "empty", "missing"}, states
        token = srv.data("{ token { address } }")["token"]
        assert page.inner_text("#section-token dd[data-field=address]") == token["address"]
        assert watch.errors == []
        _only_local(watch, srv.base)
