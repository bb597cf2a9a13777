"""The console is served by the API's own app: its page and the two files it loads (the built
app.js and app.css of api/console/dist) are in ASSETS, with their types and a CSP that allows
no foreign origin; nothing else is served, and no built file loads anything from elsewhere."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from api.console import ASSETS, CSP, DIST
from loyalty.settings import Settings

# XML namespace names inside Preact's DOM code: identifiers, never fetched.
NAMESPACES = {
    "http://www.w3.org/1998/Math/MathML",
    "http://www.w3.org/1999/xhtml",
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/1999/xlink",
    "http://www.w3.org/XML/1998/namespace",
}


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/unused.db", chain_state="")
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


def test_the_table_is_exactly_the_built_files() -> None:
    assert {p.name for p in DIST.iterdir()} == set(ASSETS)
    page = (DIST / "index.html").read_text()
    refs = sorted(re.findall(r'(?:src|href)="([^"#]+)"', page))
    assert [r for r in refs if not r.startswith("data:")] == ["./app.css", "./app.js"]


async def test_page_and_files_are_served_with_their_types_and_csp(
    client: httpx.AsyncClient,
) -> None:
    bare = await client.get("/console")
    assert bare.status_code in (307, 308) and bare.headers["location"].endswith("/console/")
    page = await client.get("/console/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == CSP
    assert page.text == (DIST / "index.html").read_text()
    for name, media in ASSETS.items():
        reply = await client.get(f"/console/{name}")
        assert reply.status_code == 200, name
        assert reply.headers["content-type"].startswith(media.split(";")[0])
        assert reply.headers["content-security-policy"] == CSP
        assert reply.content == (DIST / name).read_bytes()
    for bad in (
        "/console/__init__.py",
        "/console/web/src/main.tsx",
        "/console/web/package.json",
        "/console/../app.py",
        "/console/dist/app.js",
        "/console/x.js",
    ):
        assert (await client.get(bad)).status_code == 404, bad


def test_csp_allows_no_foreign_origin() -> None:
    for directive in CSP.split(";"):
        assert all(s in ("'self'", "'none'", "data:") for s in directive.split()[1:]), directive


@pytest.mark.parametrize("name", sorted(ASSETS))
def test_no_built_file_loads_elsewhere_or_evaluates_strings(name: str) -> None:
    text = (DIST / name).read_text()
    urls = set(re.findall(r"https?://[^\s\"'`)]+", text))
    assert urls <= NAMESPACES, (name, urls - NAMESPACES)
    assert "eval(" not in text and "new Function(" not in text, name
    assert "@import" not in text and "url(http" not in text, name
