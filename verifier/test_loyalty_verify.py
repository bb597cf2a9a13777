"""The verifier's own tests: standard library only (unittest), so that a copy of this folder runs
them with `python -m unittest test_loyalty_verify` and pytest collects them in the repository.
test_vectors.json holds proofs that the service's tree produced (the repository's
tests/unit/test_verifier.py checks the service still produces exactly those)."""

from __future__ import annotations

import copy
import importlib.util
import io
import json
import sys
import tempfile
import threading
import unittest
from contextlib import redirect_stderr, redirect_stdout
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# The file beside this one, loaded by path: the same way in the repository and in a copy.
_spec = importlib.util.spec_from_file_location("loyalty_verify", HERE / "loyalty_verify.py")
assert _spec is not None and _spec.loader is not None
lv = importlib.util.module_from_spec(_spec)
sys.modules["loyalty_verify"] = lv
_spec.loader.exec_module(lv)

VECTORS = json.loads((HERE / "test_vectors.json").read_text("utf-8"))
ROOT = VECTORS["root"]


def proof(index: int = 0) -> dict[str, Any]:
    return copy.deepcopy(VECTORS["proofs"][index])


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = lv.main(list(argv))
    return status, out.getvalue(), err.getvalue()


class Vectors(unittest.TestCase):
    def test_every_vector_verifies_and_gives_the_totals(self) -> None:
        for document in VECTORS["proofs"]:
            result = lv.check(document, ROOT)
            self.assertEqual(result.member_id, document["memberId"])
            self.assertEqual(result.balance, int(document["leaf"]["balance"]))
            self.assertEqual(result.total_balance, int(VECTORS["totalBalance"]))
            self.assertEqual(result.total_debt, int(VECTORS["totalDebt"]))

    def test_a_changed_leaf_fails(self) -> None:
        for field, value in (
            ("balance", "1251"),
            ("debt", "1"),
            ("address", "0x" + "22" * 20),
            ("address", None),
        ):
            document = proof(0)
            document["leaf"][field] = value
            with self.assertRaises(lv.ProofInvalid, msg=field):
                lv.check(document, ROOT)

    def test_another_member_id_or_salt_fails(self) -> None:
        document = proof(0)
        document["memberId"] = "mallory"
        with self.assertRaisesRegex(lv.ProofInvalid, "commitment"):
            lv.check(document, ROOT)
        del document["leaf"]["commitment"]  # without the stated commitment, the root differs
        with self.assertRaisesRegex(lv.ProofInvalid, "root"):
            lv.check(document, ROOT)
        document = proof(0)
        document["salt"] = "0x" + "00" * 32
        with self.assertRaises(lv.ProofInvalid):
            lv.check(document, ROOT)

    def test_a_changed_sibling_sum_or_slot_fails(self) -> None:
        for level in range(len(proof()["path"])):
            for field, change in (("hash", "0x" + "ee" * 32), ("balance", "1"), ("debt", "7")):
                document = proof(1)
                document["path"][level][field] = change
                with self.assertRaises(lv.ProofInvalid, msg=(level, field)):
                    lv.check(document, ROOT)
        document = proof(1)
        document["slot"] = 2
        with self.assertRaises(lv.ProofInvalid):
            lv.check(document, ROOT)

    def test_another_root_fails(self) -> None:
        with self.assertRaisesRegex(lv.ProofInvalid, "published"):
            lv.check(proof(), "0x" + "00" * 32)

    def test_malformed_input_is_bad_input(self) -> None:
        cases = [
            ("leaf", "balance", -1),
            ("leaf", "balance", 1.5),
            ("leaf", "balance", "1e3"),
            ("leaf", "debt", True),
            ("leaf", "address", "0x12"),
            (None, "salt", "0x12"),
            (None, "slot", -1),
            (None, "slot", 2**64),
            (None, "path", []),
            (None, "memberId", 7),
        ]
        for where, field, value in cases:
            document = proof()
            (document[where] if where else document)[field] = value
            with self.assertRaises(lv.BadInput, msg=(field, value)):
                lv.check(document, ROOT)
        with self.assertRaises(lv.BadInput):
            lv.check(proof(), "not a root")


def write(case: unittest.TestCase, document: object) -> str:
    """`document` in a temporary JSON file, removed after the test."""
    handle = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)  # noqa: SIM115
    with handle:
        json.dump(document, handle)
    case.addCleanup(Path(handle.name).unlink)
    return handle.name


class CommandLine(unittest.TestCase):
    def test_ok_prints_the_member_and_the_totals(self) -> None:
        status, out, _ = run(
            write(self, proof(2)), "--root", ROOT, "--total", VECTORS["totalBalance"]
        )
        self.assertEqual(status, 0)
        self.assertIn("'carol-ü'", out)
        self.assertIn(f"{VECTORS['totalBalance']} points", out)

    def test_a_graphql_reply_is_read_as_is(self) -> None:
        status, _, _ = run(write(self, {"data": {"memberProof": proof(1)}}), "--root", ROOT)
        self.assertEqual(status, 0)

    def test_failures_exit_1_and_bad_input_2(self) -> None:
        document = proof(0)
        document["leaf"]["balance"] = "9999"
        status, _, err = run(write(self, document), "--root", ROOT)
        self.assertEqual((status, err.split(":")[0]), (1, "FAILED"))
        status, _, _ = run(write(self, proof(0)), "--root", ROOT, "--total", "1")
        self.assertEqual(status, 1)
        status, _, err = run(write(self, [1]), "--root", ROOT)
        self.assertEqual(status, 2)
        status, _, err = run("/nonexistent/proof.json", "--root", ROOT)
        self.assertEqual(status, 2)


class FakeNode(BaseHTTPRequestHandler):
    """Answers eth_call balanceOf with the balances in `held` (keyed by lowercase address), and
    eth_getLogs with the `logs` whose block, batch id and token match."""

    held: dict[str, int] = {}
    calls: list[dict[str, Any]] = []
    logs: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeNode.calls.append(request)
        if request["method"] == "eth_getLogs":
            (query,) = request["params"]
            found = [
                log
                for log in self.logs
                if log["blockNumber"] == query["fromBlock"] == query["toBlock"]
                and log["topics"] == query["topics"]
                and log["address"] == query["address"]
            ]
            self._reply({"jsonrpc": "2.0", "id": 1, "result": found})
            return
        call, _block = request["params"]
        address = "0x" + call["data"][-40:]
        if call["data"][:10] != lv.BALANCE_OF:
            reply = {"jsonrpc": "2.0", "id": 1, "error": {"code": -32000, "message": "revert"}}
        else:
            reply = {"jsonrpc": "2.0", "id": 1, "result": hex(self.held.get(address, 0))}
        self._reply(reply)

    def _reply(self, reply: dict[str, Any]) -> None:
        body = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class OnChain(unittest.TestCase):
    server: HTTPServer
    url: str

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = HTTPServer(("127.0.0.1", 0), FakeNode)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.url = f"http://127.0.0.1:{cls.server.server_port}"

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.shutdown()
        cls.server.server_close()

    TOKEN = "0x" + "77" * 20

    def test_balance_of_matches_the_leaf_at_the_block(self) -> None:
        FakeNode.held = {"0x" + "11" * 20: 1_250}
        FakeNode.calls = []
        result = lv.check(proof(0), ROOT)
        self.assertEqual(lv.check_on_chain(result, self.url, self.TOKEN, 42), 1_250)
        call, block = FakeNode.calls[-1]["params"]
        self.assertEqual((call["to"], block), (self.TOKEN, "0x2a"))
        self.assertEqual(call["data"], lv.BALANCE_OF + "00" * 12 + "11" * 20)

    def test_a_different_balance_on_chain_fails(self) -> None:
        FakeNode.held = {"0x" + "11" * 20: 1_249}
        result = lv.check(proof(0), ROOT)
        with self.assertRaisesRegex(lv.ProofInvalid, "1249"):
            lv.check_on_chain(result, self.url, self.TOKEN)
        status, _, err = run(
            write(self, proof(0)), "--root", ROOT, "--rpc", self.url,
            "--token", self.TOKEN, "--block", "42",
        )  # fmt: skip
        self.assertEqual(status, 1, err)

    def test_a_leaf_without_address_or_an_unreachable_node(self) -> None:
        with self.assertRaisesRegex(lv.ProofInvalid, "no address"):
            lv.check_on_chain(lv.check(proof(1), ROOT), self.url, self.TOKEN)
        with self.assertRaises(lv.NodeError):
            lv.balance_of("http://127.0.0.1:9", self.TOKEN, "0x" + "11" * 20)


def settled_log(token: str, root: str, supply: int, committed: dict[str, Any]) -> dict[str, Any]:
    """The token's BatchSettled log for `committed` (count, minted, burned, root, supply)."""
    words = (3).to_bytes(32, "big") + (10).to_bytes(32, "big") + bytes(32)
    words += bytes.fromhex(root[2:]) + supply.to_bytes(32, "big")
    return {
        "address": token,
        "topics": [lv.BATCH_SETTLED, committed["batchId"]],
        "data": "0x" + words.hex(),
        "blockNumber": hex(committed["block"]),
        "transactionHash": committed["txHash"],
        "removed": False,
    }


class Packed(unittest.TestCase):
    def test_every_packed_vector_unpacks_to_its_proof_and_verifies(self) -> None:
        for i, packed in enumerate(VECTORS["packed"][:3]):
            document = lv.unpack(packed)
            expected = proof(i)
            self.assertEqual(document["path"], expected["path"])
            self.assertEqual(document["slot"], expected["slot"])
            self.assertEqual(lv.check(document, ROOT).balance, int(expected["leaf"]["balance"]))
        with_place = lv.unpack(VECTORS["packed"][3])
        self.assertEqual(with_place["committed"], VECTORS["committed"])

    def test_a_changed_truncated_or_padded_packed_proof_fails(self) -> None:
        packed = VECTORS["packed"][0]
        flipped = packed[:-20] + ("A" if packed[-20] != "A" else "B") + packed[-19:]
        with self.assertRaises((lv.ProofInvalid, lv.BadInput)):
            lv.check(lv.unpack(flipped), ROOT)
        for bad in (packed[:-8], packed + "AAAA", "!" + packed):
            with self.assertRaises(lv.BadInput):
                lv.unpack(bad)

    def test_the_command_reads_a_packed_file_or_object(self) -> None:
        for content in (VECTORS["packed"][1], json.dumps({"packed": VECTORS["packed"][1]})):
            with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
                handle.write(content)
            self.addCleanup(Path(handle.name).unlink)
            status, out, err = run(handle.name, "--root", ROOT)
            self.assertEqual(status, 0, err)
            self.assertIn("'bob'", out)


class Committed(OnChain):
    """A proof that says where its root was committed, checked against the node's log."""

    def setUp(self) -> None:
        FakeNode.held = {"0x" + "11" * 20: 1_250}
        total = int(VECTORS["totalBalance"])
        FakeNode.logs = [settled_log(self.TOKEN, ROOT, total, VECTORS["committed"])]
        self.document = proof(0) | {"committed": VECTORS["committed"]}

    def test_the_root_and_supply_are_read_from_the_log_and_balance_of_at_its_block(self) -> None:
        FakeNode.calls = []
        result, on_chain = lv.check_committed(self.document, self.url, self.TOKEN)
        self.assertEqual((on_chain.root, on_chain.block, result.balance), (ROOT, 4242, 1_250))
        self.assertEqual(FakeNode.calls[-1]["params"][1], hex(4242))  # balanceOf at the block
        status, out, err = run(write(self, self.document), "--rpc", self.url, "--token", self.TOKEN)
        self.assertEqual(status, 0, err)
        self.assertIn("block 4242", out)

    def test_another_root_supply_place_or_balance_fails(self) -> None:
        total = int(VECTORS["totalBalance"])
        other = "0x" + "ee" * 32
        for logs, held in (
            ([settled_log(self.TOKEN, other, total, VECTORS["committed"])], 1_250),
            ([settled_log(self.TOKEN, ROOT, total + 1, VECTORS["committed"])], 1_250),
            ([], 1_250),
            ([settled_log(self.TOKEN, ROOT, total, VECTORS["committed"])], 1_249),
        ):
            FakeNode.logs, FakeNode.held = logs, {"0x" + "11" * 20: held}
            with self.assertRaises(lv.ProofInvalid):
                lv.check_committed(self.document, self.url, self.TOKEN)
        moved = dict(VECTORS["committed"], txHash="0x" + "ab" * 32)
        FakeNode.logs = [settled_log(self.TOKEN, ROOT, total, moved)]
        with self.assertRaisesRegex(lv.ProofInvalid, "no BatchSettled"):
            lv.check_committed(self.document, self.url, self.TOKEN)
        status, _, _ = run(write(self, proof(0)), "--rpc", self.url, "--token", self.TOKEN)
        self.assertEqual(status, 2)  # no "committed" in it, no --root: bad input


if __name__ == "__main__":
    unittest.main()
