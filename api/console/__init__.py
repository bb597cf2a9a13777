"""The admin console: the static pages a shop owner runs the program from, at /console/.

Like the operator dashboard (api.dashboard), the console is only static files that read and
write through the public GraphQL API with the key typed in (kept in sessionStorage, this tab
only), so it has no server-side code of its own and every rule the API enforces (roles,
revisions, typed errors) holds for it too. Everything is served from this package: no external
resource, and a Content-Security-Policy that forbids any. Only the files in ASSETS are served.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, Router

HERE = Path(__file__).parent
PAGES = (
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
)

ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "ui.js": "text/javascript; charset=utf-8",
    **{f"pages/{name}.js": "text/javascript; charset=utf-8" for name in PAGES},
}

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def _asset(name: str) -> Response:
    return FileResponse(HERE / name, media_type=ASSETS[name], headers=HEADERS)


async def _index(_request: Request) -> Response:
    return _asset("index.html")


async def _file(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in ASSETS:
        return Response("not found", status_code=404, media_type="text/plain")
    return _asset(name)


async def _to_slash(_request: Request) -> Response:
    return RedirectResponse("/console/", status_code=308)


def console_routes() -> list[Route | Mount]:
    """`Route("/console")` (redirect) and `Mount("/console", …)`, to add to the app."""
    inner = Router(routes=[Route("/", _index), Route("/{name:path}", _file)])
    return [Route("/console", _to_slash), Mount("/console", app=inner)]
