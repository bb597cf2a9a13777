"""GraphiQL, served by the API itself at /graphiql (and at GET /graphql for a browser): no CDN.

The page (index.html, graphiql-page.js, graphiql-page.css) is in this package; the pinned
browser bundles of graphiql, react and react-dom (exact versions in package.json) are installed
into node_modules/ here by ./scripts/setup. Only the files named in ASSETS are served (no path
is ever joined from the request), under a Content-Security-Policy that allows nothing but this
origin. The page keeps no pasted Authorization header in localStorage unless the user turns on
"Persist headers" (see graphiql-page.js).
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

HERE = Path(__file__).parent
VENDOR = HERE / "node_modules"

JS = "text/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"

# name under /graphiql/ -> (file, media type). Nothing outside this table is served.
ASSETS: dict[str, tuple[Path, str]] = {
    "graphiql-page.js": (HERE / "graphiql-page.js", JS),
    "graphiql-page.css": (HERE / "graphiql-page.css", CSS),
    "graphiql.min.js": (VENDOR / "graphiql" / "graphiql.min.js", JS),
    "graphiql.min.css": (VENDOR / "graphiql" / "graphiql.min.css", CSS),
    "react.production.min.js": (VENDOR / "react" / "umd" / "react.production.min.js", JS),
    "react-dom.production.min.js": (
        VENDOR / "react-dom" / "umd" / "react-dom.production.min.js",
        JS,
    ),
}
INDEX = HERE / "index.html"

# The one inline <style> GraphiQL writes: react-remove-scroll-bar's scroll lock while a dialog
# (settings, short keys) is open. Its text depends only on the body's scrollbar width and
# margins, which this page fixes at 0 (graphiql-page.css), so one hash allows it; the browser
# test opens a dialog and fails on any CSP violation.
SCROLL_LOCK_STYLE = "'sha256-Y/huXlwoYkVyQlxwSVcCi1RCDGDCSVBzDt0hYP9qlTc='"

# GraphiQL's stylesheet embeds its fonts and icons as data: URLs; everything else is this origin
# ('self' covers the same-origin ws:// of subscriptions). No inline script, no eval, no framing.
CSP = (
    "default-src 'self'; script-src 'self'; "
    f"style-src 'self' {SCROLL_LOCK_STYLE}; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

NOT_INSTALLED = (
    "GraphiQL's files are not installed: run ./scripts/setup (it runs npm install in "
    "api/graphiql), or set LOYALTY_GRAPHIQL=false.\n"
)


def installed() -> bool:
    return all(path.is_file() for path, _ in ASSETS.values())


def page() -> Response:
    """The GraphiQL page (503 with what to do when the bundles were never installed)."""
    if not installed():
        return PlainTextResponse(NOT_INSTALLED, status_code=503, headers=HEADERS)
    return FileResponse(INDEX, media_type="text/html; charset=utf-8", headers=HEADERS)


async def _index(_request: Request) -> Response:
    return page()


async def _asset(request: Request) -> Response:
    entry = ASSETS.get(request.path_params["name"])
    if entry is None or not entry[0].is_file():
        return PlainTextResponse("not found", status_code=404, headers=HEADERS)
    path, media_type = entry
    return FileResponse(path, media_type=media_type, headers=HEADERS)


def graphiql_routes() -> list[Route]:
    """/graphiql (the page) and /graphiql/{name} (an allow-listed asset); `{name}` never
    matches a `/`, so nothing below this folder can be reached."""
    return [
        Route("/graphiql", _index, methods=["GET", "HEAD"]),
        Route("/graphiql/", _index, methods=["GET", "HEAD"]),
        Route("/graphiql/{name}", _asset, methods=["GET", "HEAD"]),
    ]
