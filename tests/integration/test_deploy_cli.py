"""`loyalty deploy`: the happy path against anvil on both databases, and every mistake an
operator makes ending in one clear line on stderr, a non-zero exit, no traceback, and no
transaction sent. Most cases call the CLI's main() in this process (a fresh interpreter per case
cost seconds of imports each); two run the real console script, where the process boundary (the
entry point, its exit status and streams) is the point."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from eth_account import Account

from loyalty.db.engine import make_engine
from loyalty.deploy import current_deployment
from tests.support.anvil import ANVIL_KEYS, AnvilNode, free_port
from tests.support.cli import Result, run_cli
from tests.support.token import Token, anvil_test_chain

LOYALTY = Path(sys.executable).with_name("loyalty")
DEPLOYER, MINTER = ANVIL_KEYS[0], ANVIL_KEYS[1]


def run_deploy(cwd: Path, env: dict[str, str], *args: str, process: bool = False) -> Result:
    """`loyalty deploy` with only the given LOYALTY_* variables set, in cwd: main() in this
    process, or the installed console script in a child process when `process` is true."""
    return run_cli(cwd, env, "deploy", *args, process=process)


def assert_one_clear_line(result: Result, *fragments: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("loyalty deploy: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert result.stdout == ""
    return lines[0]


def keys(deployer: str = DEPLOYER, minter: str = MINTER) -> dict[str, str]:
    return {"LOYALTY_DEPLOYER_KEY": deployer, "LOYALTY_MINTER_KEY": minter}


def block_number(node: AnvilNode) -> int:
    return int(node.rpc("eth_blockNumber"), 16)


# --- keys: refused before anything connects -------------------------------------------------

UNREACHABLE = "http://127.0.0.1:1"


@pytest.mark.parametrize(
    ("env", "fragments"),
    [
        ({"LOYALTY_MINTER_KEY": MINTER}, ["LOYALTY_DEPLOYER_KEY is not set"]),
        ({"LOYALTY_DEPLOYER_KEY": DEPLOYER}, ["LOYALTY_MINTER_KEY is not set"]),
        (keys(deployer="0x1234"), ["LOYALTY_DEPLOYER_KEY is malformed"]),
        (keys(minter=MINTER[:-1] + "z"), ["LOYALTY_MINTER_KEY is malformed"]),
        (keys(minter=DEPLOYER), ["same key as LOYALTY_DEPLOYER_KEY"]),
    ],
    ids=["no-deployer-key", "no-minter-key", "short-key", "non-hex-key", "same-keys"],
)
def test_missing_or_malformed_keys(
    tmp_path: Path, env: dict[str, str], fragments: list[str]
) -> None:
    result = run_deploy(tmp_path, {"LOYALTY_RPC_URL": UNREACHABLE, **env})
    line = assert_one_clear_line(result, *fragments)
    # Checked before connecting (the URL is unreachable, so it would say so otherwise), and
    # a key, even a broken one, is never echoed.
    assert "reach" not in line
    for value in env.values():
        assert value.removeprefix("0x") not in line


def test_embedded_chain_in_memory_is_refused(tmp_path: Path) -> None:
    # The real console script: its exit status and one stderr line across a process boundary.
    result = run_deploy(tmp_path, {"LOYALTY_CHAIN_STATE": ""}, process=True)
    assert_one_clear_line(result, "LOYALTY_CHAIN_STATE is empty", "would vanish")


# --- the node ---------------------------------------------------------------------------------


def test_unreachable_rpc_url(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/v2/secret-api-key"
    result = run_deploy(tmp_path, {"LOYALTY_RPC_URL": url, **keys()})
    line = assert_one_clear_line(result, "cannot reach the node", "LOYALTY_RPC_URL")
    assert "secret-api-key" not in line  # hosted RPC URLs carry their key in the path


def test_rpc_url_that_is_not_a_url(tmp_path: Path) -> None:
    result = run_deploy(tmp_path, {"LOYALTY_RPC_URL": "localhost:8545", **keys()})
    assert_one_clear_line(result, "LOYALTY_RPC_URL must be an http(s):// URL")


def test_wrong_chain_id(tmp_path: Path, anvil: AnvilNode) -> None:
    env = {"LOYALTY_RPC_URL": anvil.url, "LOYALTY_CHAIN_ID": "137", **keys()}
    result = run_deploy(tmp_path, env)
    assert_one_clear_line(result, "chain id 31337", "LOYALTY_CHAIN_ID is 137")
    assert block_number(anvil) == 0


def test_deployer_without_funds(tmp_path: Path, anvil: AnvilNode) -> None:
    poor = "0x" + "ab" * 32
    result = run_deploy(tmp_path, {"LOYALTY_RPC_URL": anvil.url, **keys(deployer=poor)})
    address = Account.from_key(poor).address
    assert_one_clear_line(result, f"the deployer {address} has no funds", "fund it")
    assert block_number(anvil) == 0


def test_deployer_with_too_little_funds(tmp_path: Path, anvil: AnvilNode) -> None:
    poor = "0x" + "cd" * 32
    anvil.rpc("anvil_setBalance", [Account.from_key(poor).address, hex(10**9)])
    result = run_deploy(tmp_path, {"LOYALTY_RPC_URL": anvil.url, **keys(deployer=poor)})
    line = assert_one_clear_line(result, "deploying the token", "refused")
    assert "funds" in line.lower()
    assert block_number(anvil) == 0


def test_unusable_database_sends_nothing(tmp_path: Path, anvil: AnvilNode) -> None:
    env = {
        "LOYALTY_RPC_URL": anvil.url,
        "LOYALTY_DATABASE_URL": f"postgresql://postgres:hunter2@127.0.0.1:{free_port()}/x",
        **keys(),
    }
    line = assert_one_clear_line(run_deploy(tmp_path, env), "cannot use the database")
    assert "hunter2" not in line
    assert block_number(anvil) == 0


class _FakeServer(BaseHTTPRequestHandler):
    """Answers like the wrong kind of server: an HTML page, an error status, or a JSON-RPC
    service that knows no Ethereum methods."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        kind = self.path.strip("/")
        if kind == "status":
            self.send_error(404)
            return
        if kind == "html":
            body, ctype = b"<html><body>Welcome</body></html>", "text/html"
        else:
            error = {"code": -32601, "message": "Method not found"}
            body = json.dumps({"jsonrpc": "2.0", "id": 1, "error": error}).encode()
            ctype = "application/json"
        self.send_response(200)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("path", "fragments"),
    [
        ("html", ["is not an EVM JSON-RPC node", "not JSON"]),
        ("status", ["answered HTTP 404 instead of JSON-RPC"]),
        ("jsonrpc", ["is not an EVM JSON-RPC node", "eth_chainId failed"]),
    ],
)
def test_server_that_is_not_an_evm_node(
    tmp_path: Path, fake_server: str, path: str, fragments: list[str]
) -> None:
    result = run_deploy(tmp_path, {"LOYALTY_RPC_URL": f"{fake_server}/{path}", **keys()})
    assert_one_clear_line(result, *fragments)


# --- the happy path ---------------------------------------------------------------------------


def test_deploy_json_records_the_deployment_and_grants_roles(
    tmp_path: Path, anvil: AnvilNode, database_url: str
) -> None:
    env = {
        "LOYALTY_RPC_URL": anvil.url,
        "LOYALTY_CHAIN_ID": "31337",
        "LOYALTY_DATABASE_URL": database_url,
        "LOYALTY_TOKEN_SYMBOL": "SHOP",
        "LOYALTY_TRANSFERABLE": "false",
        **keys(),
    }
    result = run_deploy(tmp_path, env, "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    deployer, minter = (Account.from_key(k).address for k in (DEPLOYER, MINTER))
    assert (record["chainId"], record["deployer"], record["minter"]) == (31337, deployer, minter)
    assert record["transferable"] is False

    engine = make_engine(database_url)
    try:
        stored = current_deployment(engine, 31337)
    finally:
        engine.dispose()
    assert stored.address == record["address"]
    assert stored.deployment_block == record["deploymentBlock"]
    assert stored.tx_hash == record["txHash"]
    assert (stored.deployer, stored.minter, stored.symbol) == (deployer, minter, "SHOP")

    tc = anvil_test_chain(anvil)
    try:
        token = Token(tc.chain, record["address"])
        receipt = tc.chain.w3.eth.get_transaction_receipt(record["txHash"])
        assert receipt["contractAddress"] == record["address"]
        assert receipt["blockNumber"] == record["deploymentBlock"]
        assert token.call("symbol") == "SHOP"
        assert token.call("decimals") == 0
        assert token.call("transferable") is False
        has = token.call
        assert has("hasRole", token.role("DEFAULT_ADMIN_ROLE"), deployer)
        assert has("hasRole", token.role("PAUSER_ROLE"), deployer)
        assert has("hasRole", token.role("MINTER_ROLE"), minter)
        assert has("hasRole", token.role("BURNER_ROLE"), minter)
        assert not has("hasRole", token.role("DEFAULT_ADMIN_ROLE"), minter)
        assert not has("hasRole", token.role("MINTER_ROLE"), deployer)
    finally:
        tc.close()


def test_deploy_if_missing_keeps_the_recorded_token(tmp_path: Path, anvil: AnvilNode) -> None:
    env = {"LOYALTY_RPC_URL": anvil.url, **keys()}
    # The real console script deploys (entry point, JSON on stdout, exit 0); the in-process
    # second run then finds what the child recorded in the database.
    first = run_deploy(tmp_path, env, "--json", process=True)
    assert first.returncode == 0, first.stderr
    height = block_number(anvil)
    again = run_deploy(tmp_path, env, "--json", "--if-missing")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["address"] == json.loads(first.stdout)["address"]
    assert block_number(anvil) == height  # nothing was sent
