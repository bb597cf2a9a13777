"""The admin dashboard: three static files served at /dashboard/ by the API's own app.

The page reads only the public GraphQL API (with the admin key the operator types in, kept in
sessionStorage), so it needs no server-side code of its own. Everything is served from this
package: the page loads no external resource, and its Content-Security-Policy forbids any."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Mount, Route

from api.static_pages import CSP, static_routes

HERE = Path(__file__).parent

# name -> media type; nothing outside this table is served (no directory walking).
ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
}

__all__ = ["ASSETS", "CSP", "dashboard_routes"]


def dashboard_routes() -> list[Route | Mount]:
    """`Route("/dashboard")` (redirect) and `Mount("/dashboard", …)`, to add to the app."""
    return static_routes("/dashboard", HERE, ASSETS)
