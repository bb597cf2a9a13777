"""GraphiQL served by the app itself (/graphiql, and GET /graphql for a browser): the page and
its allow-listed assets, their security headers, the switches, and what GraphQL tells a caller
when introspection is off. The page running in a browser is tests/e2e/test_graphiql_browser.py.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api import dashboard, graphiql
from api.app import create_app
from loyalty.settings import Settings
from tests.conftest import missing
from tests.integration._rules_client import Api, running_api
from tests.support.databases import SqliteDatabases

ROOT = Path(__file__).resolve().parents[2]


def _client(**changes: Any) -> httpx.AsyncClient:
    # Static routes only: the lifespan (and so the runtime) is never started.
    app = create_app(Settings().with_(**changes))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


def _installed() -> None:
    if not graphiql.installed():
        missing("GraphiQL's bundles are not installed: run ./scripts/setup")


def _strict(reply: httpx.Response) -> None:
    csp = reply.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"  # no inline script, no eval
    assert directives["frame-ancestors"] == "'none'"
    assert directives["connect-src"] == "'self'"
    assert "unsafe" not in csp and "*" not in csp and "http" not in csp
    assert reply.headers["x-content-type-options"] == "nosniff"


async def test_the_page_loads_only_its_own_assets() -> None:
    _installed()
    async with _client() as client:
        for path in ("/graphiql", "/graphiql/"):
            reply = await client.get(path)
            assert reply.status_code == 200
            assert reply.headers["content-type"].startswith("text/html")
            _strict(reply)
        page = reply.text
        urls = re.findall(r'(?:src|href)="([^"]+)"', page)
        assert urls and all(u.startswith("/graphiql/") for u in urls), urls
        assert {u.removeprefix("/graphiql/") for u in urls} <= set(graphiql.ASSETS)
        assert "://" not in page  # nothing from another origin
        assert "<script>" not in page and "style=" not in page  # nothing inline for the CSP

        # Every asset the page names is served with its own type and the same headers.
        for name, (_path, media_type) in graphiql.ASSETS.items():
            reply = await client.get(f"/graphiql/{name}")
            assert reply.status_code == 200, name
            assert reply.headers["content-type"] == media_type
            assert len(reply.content) > 100
            _strict(reply)


async def test_a_browser_opening_graphql_gets_the_local_page(apis: dict[str, Api]) -> None:
    _installed()
    reply = await apis["on"].client.get("/graphql", headers={"Accept": "text/html"})
    assert reply.status_code == 200
    _strict(reply)
    assert reply.text == graphiql.INDEX.read_text()
    assert "://" not in reply.text


@pytest.mark.parametrize(
    "path",
    [
        "/graphiql/package.json",
        "/graphiql/__init__.py",
        "/graphiql/index.html",
        "/graphiql/graphiql.min.js.map",
        "/graphiql/node_modules/graphiql/graphiql.min.js",
        "/graphiql/..%2F..%2Fpyproject.toml",
        "/graphiql/%2e%2e%2fapp.py",
        "/graphiql/..%5C__init__.py",
        "/graphiql/%2Fetc%2Fpasswd",
        "/graphiql/graphiql-page.js%00.html",
    ],
)
async def test_nothing_outside_the_allow_list_is_served(path: str) -> None:
    async with _client() as client:
        reply = await client.get(path)
        assert reply.status_code == 404, (path, reply.text[:200])
        assert reply.headers["content-type"].startswith(("text/plain", "application/json"))


async def test_graphiql_off_serves_no_page_and_no_assets(apis: dict[str, Api]) -> None:
    client = apis["off"].client  # LOYALTY_GRAPHIQL=false (and LOYALTY_INTROSPECTION=false)
    for path in ("/graphiql", "/graphiql/", "/graphiql/graphiql-page.js"):
        assert (await client.get(path)).status_code == 404, path
    reply = await client.get("/graphql", headers={"Accept": "text/html"})
    assert reply.status_code == 404


async def test_without_the_installed_bundles_the_page_says_what_to_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(graphiql.ASSETS, "graphiql.min.js", (tmp_path / "absent.js", graphiql.JS))
    async with _client() as client:
        reply = await client.get("/graphiql")
        assert reply.status_code == 503
        assert "./scripts/setup" in reply.text and "LOYALTY_GRAPHIQL=false" in reply.text
        assert (await client.get("/graphiql/graphiql.min.js")).status_code == 404


def test_the_bundles_are_pinned_installed_by_setup_and_shipped() -> None:
    package = json.loads((graphiql.HERE / "package.json").read_text())
    assert package["dependencies"] == {
        "graphiql": "3.8.3",
        "react": "18.3.1",
        "react-dom": "18.3.1",
    }
    setup = (ROOT / "scripts" / "setup").read_text()
    assert "cd api/graphiql && npm install --no-package-lock" in setup
    ignored = {line.rstrip("/") for line in (ROOT / ".gitignore").read_text().split()}
    assert {"api/graphiql/node_modules", "api/graphiql/package-lock.json"} <= ignored


def test_every_static_file_the_api_serves_is_package_data() -> None:
    """So that an installed (non-editable) API, as in the Docker image, has them."""
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]
    served = {str(p.relative_to(graphiql.HERE)) for p, _ in graphiql.ASSETS.values()}
    assert served | {"index.html"} <= set(package_data["api.graphiql"])
    assert set(dashboard.ASSETS) <= set(package_data["api.dashboard"])


# --------------------------------------------------------------- what GraphQL says to a caller


@pytest.fixture
async def apis(sqlite_databases: SqliteDatabases, tmp_path: Path) -> AsyncIterator[dict[str, Api]]:
    """One runtime, two apps: the defaults ("on"), and GraphiQL and introspection off ("off"),
    as docker-compose runs the API."""
    async with running_api(sqlite_databases.fresh(), tmp_path) as on:
        settings = on.runtime.settings.with_(graphiql=False, introspection=False)
        app = create_app(settings, on.runtime)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield {"on": on, "off": Api(client, on.runtime)}


TYPOS = [
    ("{ tokn { symbol } }", None, "'token'"),
    ("{ token { symbl } }", None, "'symbol'"),
    ("query($a: EarningRuleInpt) { token { symbol } }", None, "'EarningRuleInput'"),
    ("{ token { ...F } } fragment F on Tokn { symbol }", None, "'Token'"),
    (
        "mutation($r: EarningRuleInput!) { createEarningRule(earningRule: $r) { id } }",
        {"r": {"title": "x", "triggerAppId": "a", "triggerActivityType": "b", "fixedAmont": {}}},
        "'fixedAmount'",
    ),
]


@pytest.mark.parametrize(("query", "variables", "hint"), TYPOS)
async def test_without_introspection_errors_suggest_no_names(
    apis: dict[str, Api], query: str, variables: dict[str, Any] | None, hint: str
) -> None:
    with_hints = await apis["on"].gql(query, variables)
    assert any(
        "Did you mean" in e["message"] and hint in e["message"] for e in with_hints["errors"]
    ), with_hints
    without = await apis["off"].gql(query, variables)
    assert without["data"] is None
    for error in without["errors"]:
        assert "Did you mean" not in error["message"] and hint not in error["message"]
        assert error["extensions"]["code"] == "VALIDATION"
    # The rest of each message is kept: the caller still learns what is wrong.
    assert [re.sub(r" Did you mean [^?]*\?", "", e["message"]) for e in with_hints["errors"]] == [
        e["message"] for e in without["errors"]
    ]


@pytest.mark.parametrize("mode", ["on", "off"])
async def test_an_unknown_fragment_is_a_validation_error(apis: dict[str, Api], mode: str) -> None:
    for query in (
        "{ ...Nope }",
        "{ token { ...Nope } }",
        "query { ...A } fragment A on Query { ...B }",
    ):
        body = await apis[mode].gql(query)
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["VALIDATION"], body
        assert "Unknown fragment" in body["errors"][0]["message"]
    # Known fragments are still depth-counted.
    deep = "{ ...F } fragment F on Query { token " + "{ a " * 12 + "}" * 13
    body = await apis[mode].gql(deep)
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]
