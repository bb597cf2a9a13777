"""`loyalty audit` on the embedded default reads the chain through a read-only py-evm view of the
state file (loyalty/embedded_reader.py) instead of eth-tester and web3. Its answers must be the
full embedded chain's answers on the same stored blocks, and the audit's report the same; the
audit process must load neither eth-tester nor web3 (their imports were a third of its start-up).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from eth_abi.abi import encode

import contracts
from indexer.rpc import ChainRpc
from loyalty.chain import connect
from loyalty.deploy import send_transaction
from loyalty.runtime import Runtime
from loyalty.settings import DEV_MINTER_KEY, Settings

ROOT = Path(__file__).resolve().parents[2]
LOYALTY = Path(sys.executable).with_name("loyalty")
HOLDERS = [f"0x{i:040x}" for i in range(1, 6)]
TOTAL_SUPPLY = "0x18160ddd"
BALANCE_OF = "0x70a08231"


def _env(folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "LOYALTY_DATABASE_URL": f"sqlite:///{folder}/loyalty.db",
        "LOYALTY_CHAIN_STATE": f"{folder}/loyalty-chain.state",
        "LOYALTY_RPC_URL": "",
        "LOYALTY_LOG_LEVEL": "WARNING",
    }


@pytest.fixture(scope="module")
def instance(tmp_path_factory) -> tuple[Path, str, int]:
    """An embedded instance: token deployed, five holders minted to in block `mint_block`,
    indexed. Returns its folder, the token address and the mint's block."""
    folder = tmp_path_factory.mktemp("embedded-reader")
    env = _env(folder)
    subprocess.run([str(LOYALTY), "migrate"], env=env, cwd=folder, check=True, capture_output=True)
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        rt = Runtime.start(Settings.from_env())
    finally:
        os.environ.clear()
        os.environ.update(saved)
    try:
        w3 = rt.chain.w3
        abi = contracts.load("LoyaltyPoints").abi
        token = w3.eth.contract(address=rt.deployment.address, abi=abi)
        holders = [w3.to_checksum_address(h) for h in HOLDERS]
        call = token.functions.mintBatch(os.urandom(32), holders, [100 * i for i in range(1, 6)])
        send_transaction(
            rt.chain, DEV_MINTER_KEY, call.build_transaction({"from": rt.deployment.minter})
        )
        mint_block = w3.eth.block_number
        address = rt.deployment.address.lower()
    finally:
        rt.close()
    subprocess.run(
        [str(LOYALTY), "indexer", "--once"], env=env, cwd=folder, check=True, capture_output=True
    )
    return folder, address, mint_block


def _calls(token: str, mint_block: int) -> list[tuple[str, list[object]]]:
    balance = [
        {"to": token, "data": BALANCE_OF + encode(["address"], [h]).hex()} for h in HOLDERS[:2]
    ]
    return [
        ("eth_chainId", []),
        ("eth_blockNumber", []),
        ("eth_call", [{"to": token, "data": TOTAL_SUPPLY}, "latest"]),
        ("eth_call", [{"to": token, "data": TOTAL_SUPPLY}, hex(mint_block - 1)]),
        ("eth_call", [{"to": token, "data": TOTAL_SUPPLY}, hex(mint_block)]),
        *[("eth_call", [call, hex(mint_block)]) for call in balance],
    ]


def test_the_read_only_view_answers_as_the_full_chain(instance) -> None:
    folder, token, mint_block = instance
    settings = Settings(chain_state=str(folder / "loyalty-chain.state"))
    full = connect(settings)
    try:
        # Through the transport the audit uses on the embedded chain (indexer.rpc.ChainRpc).
        expected = [ChainRpc(full).call(m, p) for m, p in _calls(token, mint_block)]
    finally:
        full.close()
    view = connect(settings, read_only=True)
    try:
        assert view.read_only
        got = [ChainRpc(view).call(m, p) for m, p in _calls(token, mint_block)]
        # A call the token refuses comes back as a node's revert (code 3), and a method the view
        # does not serve is refused by name rather than answered wrongly.
        refused = view.raw_request("eth_call", [{"to": token, "data": "0xdeadbeef"}, "latest"])
        unknown = view.raw_request("eth_sendRawTransaction", ["0x00"])
        with pytest.raises(RuntimeError, match="no web3"):
            _ = view.w3
    finally:
        view.close()
    assert got == expected
    assert int(got[2], 16) == 1500 and int(got[3], 16) == 0  # not a constant answer
    assert [int(b, 16) for b in got[5:]] == [100, 200]
    assert refused["error"]["code"] == 3
    assert (
        unknown["error"]["code"] == -32601
        and "eth_sendRawTransaction" in unknown["error"]["message"]
    )


_PROBE = """
import json, sys
from cli.main import main
code = main(["audit", "--json"])
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"web3", "eth_tester", "eth_account"})
print(json.dumps({"code": code, "heavy": heavy}))
"""


def test_the_audit_reads_through_the_view_and_reports_the_same(instance) -> None:
    folder, _token, _block = instance
    env = _env(folder)
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE],
        env=env,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = probe.stdout.strip().splitlines()
    verdict = json.loads(lines[-1])
    report = json.loads("\n".join(lines[:-1]))
    assert verdict["heavy"] == [], probe.stderr
    assert report["holders"] == 5
    assert report["chainSupply"] == report["indexedSupply"] == "1500"
    # The minted points have no ledger entries here, so the ledger leg finds the batch unknown;
    # the report must say so exactly as before (exit 1, a finding, not an error).
    assert verdict["code"] == 1
    assert [f["code"] for f in report["findings"]] == ["UNKNOWN_BATCH"]


def test_a_settle_receipt_and_the_audits_commitment_leg_read_through_the_view(tmp_path) -> None:
    """The minter commits with every batch by default, and the audit reads the committed root
    from the settle's receipt: the view must answer eth_getTransactionReceipt as the full chain
    does (it answered "method not found", so `loyalty audit` failed on the embedded default)."""
    env = _env(tmp_path)
    subprocess.run(
        [str(LOYALTY), "migrate"], env=env, cwd=tmp_path, check=True, capture_output=True
    )
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        rt = Runtime.start(Settings.from_env())
    finally:
        os.environ.clear()
        os.environ.update(saved)
    root = "0x" + "5e" * 32
    try:
        w3 = rt.chain.w3
        token = w3.eth.contract(
            address=rt.deployment.address, abi=contracts.load("LoyaltyPoints").abi
        )
        holders = [w3.to_checksum_address(h) for h in HOLDERS[:2]]
        call = token.functions.settle(
            os.urandom(32), holders, [40, 60], 2, bytes.fromhex(root[2:]), 100
        )
        receipt = send_transaction(
            rt.chain, DEV_MINTER_KEY, call.build_transaction({"from": rt.deployment.minter})
        )
        tx_hash = "0x" + bytes(receipt["transactionHash"]).hex()
    finally:
        rt.close()
    subprocess.run(
        [str(LOYALTY), "indexer", "--once"], env=env, cwd=tmp_path, check=True, capture_output=True
    )
    settings = Settings(chain_state=str(tmp_path / "loyalty-chain.state"))
    full = connect(settings)
    try:
        expected = ChainRpc(full).call("eth_getTransactionReceipt", [tx_hash])
    finally:
        full.close()
    view = connect(settings, read_only=True)
    try:
        got = ChainRpc(view).call("eth_getTransactionReceipt", [tx_hash])
        missing = ChainRpc(view).call("eth_getTransactionReceipt", ["0x" + "00" * 32])
    finally:
        view.close()
    keys = ("address", "topics", "data", "logIndex", "blockNumber", "transactionHash")
    assert [{k: log[k] for k in keys} for log in got["logs"]] == [
        {k: log[k] for k in keys} for log in expected["logs"]
    ]
    assert got["status"] == expected["status"] == "0x1" and missing is None

    probe = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    report = json.loads("\n".join(probe.stdout.strip().splitlines()[:-1]))
    # The root is read from the chain; the ledger has no such batch, which the audit reports.
    assert report["commitment"]["root"] == root, probe.stderr
    assert report["commitment"]["txHash"] == tx_hash
