"""The member's verification page (issue 17, item 3): three static files served at /verify/ by
the API's own app. The page checks a member proof in the browser as verifier/loyalty_verify.py
does (SHA-256 by WebCrypto; the committed root and balanceOf read from the JSON-RPC node the
member names), so it needs no server-side code. Scripts and styles come only from this package;
unlike the dashboard, the page may connect to another origin: the node it reads the chain from."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Mount, Route

from api.static_pages import HEADERS, static_routes

HERE = Path(__file__).parent

# name -> media type; nothing outside this table is served (no directory walking).
ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "verify.js": "text/javascript; charset=utf-8",
    "verify.css": "text/css; charset=utf-8",
}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' https: http:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


def verify_routes() -> list[Route | Mount]:
    """`Route("/verify")` (redirect) and `Mount("/verify", …)`, to add to the app."""
    return static_routes(
        "/verify", HERE, ASSETS, headers={**HEADERS, "Content-Security-Policy": CSP}
    )


__all__ = ["ASSETS", "CSP", "verify_routes"]
