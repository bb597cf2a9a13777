"""The dashboard is served by the API's own app, loads nothing from elsewhere, and serves only
its three files."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from api.dashboard import ASSETS, CSP
from loyalty.settings import Settings

DASHBOARD = Path(__file__).resolve().parents[2] / "api" / "dashboard"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    # Static routes need no runtime; ASGITransport does not run the lifespan.
    settings = Settings(database_url=f"sqlite:///{tmp_path}/unused.db", chain_state="")
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def test_bare_path_redirects_to_the_slash_form(client: httpx.AsyncClient) -> None:
    reply = await client.get("/dashboard")
    assert reply.status_code in (307, 308)
    assert reply.headers["location"].endswith("/dashboard/")


async def test_page_and_assets_are_served_with_their_types_and_csp(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/dashboard/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == CSP
    # The page's own references, resolved against /dashboard/, are exactly the served assets.
    refs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    local = sorted(r for r in refs if not r.startswith("data:"))
    assert local == ["dashboard.css", "dashboard.js"]
    for name, media in (("dashboard.js", "text/javascript"), ("dashboard.css", "text/css")):
        reply = await client.get(f"/dashboard/{name}")
        assert reply.status_code == 200, name
        assert reply.headers["content-type"].startswith(media)
        assert reply.text == (DASHBOARD / name).read_text()


def test_csp_allows_no_foreign_origin() -> None:
    for directive in CSP.split(";"):
        sources = directive.split()[1:]
        assert all(s in ("'self'", "'none'", "data:") for s in sources), directive


@pytest.mark.parametrize("name", sorted(ASSETS))
def test_no_asset_refers_to_an_external_resource(name: str) -> None:
    text = (DASHBOARD / name).read_text()
    # The SVG namespace is an identifier, never fetched.
    urls = [
        u
        for u in re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s'\"]*", text)
        if u != "http://www.w3.org/2000/svg"
    ]
    assert urls == [], urls
    assert "@import" not in text
    assert "innerHTML" not in text  # data is written as text, never parsed as HTML


@pytest.mark.parametrize(
    "path", ["/dashboard/nope.js", "/dashboard/__init__.py", "/dashboard/..%2F__init__.py"]
)
async def test_only_the_dashboard_files_are_served(client: httpx.AsyncClient, path: str) -> None:
    reply = await client.get(path)
    assert reply.status_code == 404
