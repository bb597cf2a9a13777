"""Serving a page of static files (the dashboard, the console) from the API's own app: only
the files named in its table, each with its media type and headers that forbid loading anything
from another origin."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, Router

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


def static_routes(
    prefix: str,
    directory: Path,
    assets: Mapping[str, str],
    *,
    headers: Mapping[str, str] = HEADERS,
) -> list[Route | Mount]:
    """`Route(prefix)` (a redirect to `prefix/`, against which the page's relative URLs
    resolve) and `Mount(prefix, …)` serving `index.html` at `/` and the other names of `assets`
    (name → media type; nothing outside it is served: no directory walking)."""

    def asset(name: str) -> Response:
        return FileResponse(directory / name, media_type=assets[name], headers=dict(headers))

    async def index(_request: Request) -> Response:
        return asset("index.html")

    async def file(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in assets:
            return Response("not found", status_code=404, media_type="text/plain")
        return asset(name)

    async def to_slash(_request: Request) -> Response:
        return RedirectResponse(f"{prefix}/", status_code=308)

    inner = Router(routes=[Route("/", index), Route("/{name:path}", file)])
    return [Route(prefix, to_slash), Mount(prefix, app=inner)]
