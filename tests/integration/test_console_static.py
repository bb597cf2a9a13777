"""The console is served by the API's own app: its page and every module it imports are in
ASSETS (so nothing it needs is missing, and nothing else is served), with their types and a CSP
that allows no foreign origin; no file refers to an external resource or parses HTML from data."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from api.console import ASSETS, CSP
from loyalty.settings import Settings

CONSOLE = Path(__file__).resolve().parents[2] / "api" / "console"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/unused.db", chain_state="")
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


def _imports(name: str) -> set[str]:
    """The files a module imports, as paths relative to the console."""
    text = (CONSOLE / name).read_text()
    base = Path(name).parent
    found = set()
    for ref in re.findall(r"""(?:import|from)\s+[^'"]*['"](\.[^'"]+)['"]""", text):
        found.add(str((base / ref).as_posix()).replace("pages/../", "").lstrip("./"))
    return {str(Path(p)) for p in found}


def test_every_module_the_page_loads_is_served_and_nothing_more() -> None:
    reachable, todo = set(), ["app.js"]
    while todo:
        name = todo.pop()
        if name in reachable:
            continue
        reachable.add(name)
        todo.extend(_imports(name))
    on_disk = {str(p.relative_to(CONSOLE)) for p in CONSOLE.rglob("*.js")}
    assert reachable == on_disk
    assert {n for n in ASSETS if n.endswith(".js")} == on_disk


async def test_page_and_modules_are_served_with_their_types_and_csp(
    client: httpx.AsyncClient,
) -> None:
    bare = await client.get("/console")
    assert bare.status_code in (307, 308) and bare.headers["location"].endswith("/console/")
    page = await client.get("/console/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == CSP
    refs = sorted(re.findall(r'(?:src|href)="([^"#]+)"', page.text))
    assert [r for r in refs if not r.startswith("data:")] == ["app.js", "console.css"]
    for name, media in ASSETS.items():
        reply = await client.get(f"/console/{name}")
        assert reply.status_code == 200, name
        assert reply.headers["content-type"].startswith(media.split(";")[0])
        assert reply.text == (CONSOLE / name).read_text()
    for bad in ("/console/__init__.py", "/console/pages/", "/console/../app.py", "/console/x.js"):
        assert (await client.get(bad)).status_code == 404, bad


def test_csp_allows_no_foreign_origin() -> None:
    for directive in CSP.split(";"):
        assert all(s in ("'self'", "'none'", "data:") for s in directive.split()[1:]), directive


@pytest.mark.parametrize("name", sorted(ASSETS))
def test_no_file_loads_elsewhere_or_parses_data_as_html(name: str) -> None:
    text = (CONSOLE / name).read_text()
    assert not re.search(r"https?://", text), name
    assert "innerHTML" not in text and "insertAdjacentHTML" not in text, name
    assert "eval(" not in text, name
