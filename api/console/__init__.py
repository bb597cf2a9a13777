"""The admin console: the pages a shop owner runs the program from, at /console/.

The console is a Preact + TypeScript app (sources in web/, see web/README.md) built by Vite
into dist/, which is committed: `loyalty serve` needs no Node, and
tests/integration/test_console_build.py rebuilds dist/ from the sources with the pinned npm
packages and compares the bytes (as the contract artifact is checked). Like the operator
dashboard (api.dashboard), it has no server-side code of its own: it reads and writes through
the public GraphQL API with the key typed in (kept in sessionStorage, this tab only), so every
rule the API enforces (roles, revisions, typed errors) holds for it too. Only the files of
dist/ named in ASSETS are served, under a Content-Security-Policy that allows nothing but this
origin (no external resource: fonts are the system's, the chart is drawn on a canvas).
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Mount, Route

from api.static_pages import CSP, static_routes

HERE = Path(__file__).parent
DIST = HERE / "dist"

ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}

__all__ = ["ASSETS", "CSP", "DIST", "console_routes"]


def console_routes() -> list[Route | Mount]:
    """`Route("/console")` (redirect) and `Mount("/console", …)`, to add to the app."""
    return static_routes("/console", DIST, ASSETS)
