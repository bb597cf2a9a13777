"""The admin console: the static pages a shop owner runs the program from, at /console/.

Like the operator dashboard (api.dashboard), the console is only static files that read and
write through the public GraphQL API with the key typed in (kept in sessionStorage, this tab
only), so it has no server-side code of its own and every rule the API enforces (roles,
revisions, typed errors) holds for it too. Everything is served from this package: no external
resource, and a Content-Security-Policy that forbids any. Only the files in ASSETS are served.
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Mount, Route

from api.static_pages import CSP, static_routes

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

__all__ = ["ASSETS", "CSP", "console_routes"]


def console_routes() -> list[Route | Mount]:
    """`Route("/console")` (redirect) and `Mount("/console", …)`, to add to the app."""
    return static_routes("/console", HERE, ASSETS)
