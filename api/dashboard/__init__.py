"""The admin dashboard: three static files served at /dashboard/ by the API's own app.

The page reads only the public GraphQL API (with the admin key the operator types in, kept in
sessionStorage), so it needs no server-side code of its own. Everything is served from this
package: the page loads no external resource, and its Content-Security-Policy forbids any."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, Router

HERE = Path(__file__).parent

# name -> media type; nothing outside this table is served (no directory walking).
ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
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
    # Relative asset and API URLs in the page resolve against /dashboard/.
    return RedirectResponse("/dashboard/", status_code=308)


def dashboard_routes() -> list[Route | Mount]:
    """`Route("/dashboard")` (redirect) and `Mount("/dashboard", …)`, to add to the app."""
    inner = Router(routes=[Route("/", _index), Route("/{name}", _file)])
    return [Route("/dashboard", _to_slash), Mount("/dashboard", app=inner)]
