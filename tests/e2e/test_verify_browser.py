"""The member's verification page (/verify/, api/verify_page) in headless Chromium against a real
`loyalty serve`: the verifier's test vectors (made by the service's tree) verify in the browser
against their root, a tampered one fails; a packed proof that says where its root was committed
is checked against a JSON-RPC node (a fake one here, answering eth_getLogs and balanceOf with
CORS, as a public node does): the root and supply from the BatchSettled log, balanceOf at that
block; another balance or another root fails. Nothing is fetched but the page's own files and
the node the member named."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import missing
from tests.e2e.test_dashboard_browser import CHROMIUM, CHROMIUM_ARGS, PageWatch, Server, _serve

ROOT = Path(__file__).resolve().parents[2]
VECTORS = json.loads((ROOT / "verifier" / "test_vectors.json").read_text("utf-8"))
TOKEN = "0x" + "77" * 20
BATCH_SETTLED = "0x3c0ed97500cd8045fad4a03d4f1cf97b04a6e5f0e8b02af09276fc3d9ebb3218"


class Node(BaseHTTPRequestHandler):
    """eth_getLogs: the BatchSettled log of the vectors' commitment; eth_call: `held`."""

    held = 1_250
    root = VECTORS["root"]

    def _headers(self, length: int) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Headers", "content-type")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def do_OPTIONS(self) -> None:
        self.send_response(204)
        self._headers(0)

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        where = VECTORS["committed"]
        if request["method"] == "eth_getLogs":
            words = (3).to_bytes(32, "big") + (10).to_bytes(32, "big") + bytes(32)
            words += bytes.fromhex(self.root[2:]) + int(VECTORS["totalBalance"]).to_bytes(32, "big")
            (query,) = request["params"]
            ok = (
                query["fromBlock"] == hex(where["block"]) and query["topics"][1] == where["batchId"]
            )
            log = {
                "address": TOKEN,
                "topics": [BATCH_SETTLED, where["batchId"]],
                "data": "0x" + words.hex(),
                "blockNumber": hex(where["block"]),
                "transactionHash": where["txHash"],
            }
            result: Any = [log] if ok else []
        else:
            call, block = request["params"]
            assert call["data"] == "0x70a08231" + "00" * 12 + "11" * 20 and block == hex(
                where["block"]
            )
            result = hex(self.held)
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "result": result}).encode()
        self.send_response(200)
        self._headers(len(body))
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with _serve(tmp_path_factory.mktemp("verify")) as srv:
        yield srv


@pytest.fixture(scope="module")
def node() -> Iterator[str]:
    httpd = HTTPServer(("127.0.0.1", 0), Node)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    if not Path(CHROMIUM).is_file():
        missing(f"{CHROMIUM} not found: install Debian's chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed (pip install -e '.[dev]')")
    profile = tempfile.mkdtemp(prefix="verify-chromium-")
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield ctx.new_page()
        finally:
            ctx.close()
            shutil.rmtree(profile, ignore_errors=True)


def _check(page: Any, proof: str, *, root: str = "", rpc: str = "", token: str = "") -> Any:
    page.fill("#proof", proof)
    page.fill("#root", root)
    page.fill("#rpc", rpc)
    page.fill("#token", token)
    page.click("#verify")  # the handler marks the result 'working' at once
    page.wait_for_selector(
        "#result[data-state=ok], #result[data-state=failed], #result[data-state=error]"
    )
    return page.eval_on_selector("#result", "e => [e.dataset.state, e.textContent]")


def test_the_page_verifies_proofs_in_the_browser(server: Server, node: str, page: Any) -> None:
    served = httpx.get(f"{server.base}/verify/")
    assert served.status_code == 200
    csp = served.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    watch = PageWatch()
    watch.attach(page)
    page.goto(f"{server.base}/verify/")

    for document in VECTORS["proofs"]:
        state, text = _check(page, json.dumps(document), root=VECTORS["root"])
        assert state == "ok", text
        assert f"'{document['memberId']}'" in text and VECTORS["totalBalance"] in text
    tampered = json.loads(json.dumps(VECTORS["proofs"][0]))
    tampered["leaf"]["balance"] = "1251"
    assert _check(page, json.dumps(tampered), root=VECTORS["root"])[0] == "failed"
    # The GraphQL reply as is, and the packed form against the root given.
    reply = json.dumps({"data": {"memberProof": VECTORS["proofs"][2]}})
    assert _check(page, reply, root=VECTORS["root"])[0] == "ok"
    assert _check(page, VECTORS["packed"][1], root=VECTORS["root"])[0] == "ok"

    # Committed: the root is read from the node's BatchSettled log, balanceOf at its block.
    packed = VECTORS["packed"][3]
    state, text = _check(page, packed, rpc=node, token=TOKEN)
    assert state == "ok", text
    assert f"block {VECTORS['committed']['block']}" in text and "balanceOf" in text
    Node.held = 1_249
    state, text = _check(page, packed, rpc=node, token=TOKEN)
    assert state == "failed" and "1249" in text, text
    Node.held, Node.root = 1_250, "0x" + "ee" * 32
    state, text = _check(page, packed, rpc=node, token=TOKEN)
    assert state == "failed" and "not 0x" + "ee" * 32 in text, text
    Node.root = VECTORS["root"]
    # A proof that does not say where it was committed needs a root.
    assert _check(page, json.dumps(VECTORS["proofs"][0]), rpc=node, token=TOKEN)[0] == "error"

    assert watch.errors == [], watch.errors
    origins = {u.split("/")[2] for u in watch.requests if u.startswith("http")}
    assert origins <= {server.base.split("/")[2], node.split("/")[2]}, origins
