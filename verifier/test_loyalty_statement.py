"""The statement verifier's own tests: standard library only (unittest), like
test_loyalty_verify.py. test_statement_vectors.json holds keccak-256 digests and a statement
that eth_account produced (the repository's tests/unit/test_verifier_statement.py checks the
verifier against eth_account on many more); here: the keccak vectors, the statement's signer,
and that any change to its figures, its domain or its signature is refused."""

from __future__ import annotations

import copy
import importlib.util
import io
import json
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("loyalty_statement", HERE / "loyalty_statement.py")
assert _spec is not None and _spec.loader is not None
ls = importlib.util.module_from_spec(_spec)
sys.modules["loyalty_statement"] = ls
_spec.loader.exec_module(ls)

VECTORS = json.loads((HERE / "test_statement_vectors.json").read_text("utf-8"))
SIGNER = VECTORS["statement"]["data"]["memberStatement"]["signer"]


def statement() -> tuple[dict[str, Any], str]:
    return ls.load_statement(json.dumps(VECTORS["statement"]))  # type: ignore[no-any-return]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = ls.main(list(argv))
    return status, out.getvalue(), err.getvalue()


class Keccak(unittest.TestCase):
    def test_vectors(self) -> None:
        for text, digest in VECTORS["keccak"].items():
            self.assertEqual("0x" + ls.keccak256(text.encode()).hex(), digest, len(text))


class Statements(unittest.TestCase):
    def test_the_signer_is_recovered(self) -> None:
        typed, signature = statement()
        self.assertEqual(ls.check(typed, signature, SIGNER), SIGNER)
        self.assertEqual(ls.check(typed, signature, SIGNER.lower()), SIGNER)

    def test_a_changed_figure_domain_or_signature_is_refused(self) -> None:
        typed, signature = statement()
        for part, field, value in (
            ("message", "balance", "1251"),
            ("message", "heldPoints", "0"),
            ("message", "memberId", "bob"),
            ("message", "root", "0x" + "cd" * 32),
            ("domain", "chainId", "1"),
            ("domain", "verifyingContract", "0x" + "11" * 20),
        ):
            forged = copy.deepcopy(typed)
            forged[part][field] = value
            with self.assertRaises(ls.StatementInvalid, msg=field):
                ls.check(forged, signature, SIGNER)
        flipped = signature[:10] + ("0" if signature[10] != "0" else "1") + signature[11:]
        with self.assertRaises(ls.StatementInvalid):
            ls.check(typed, flipped, SIGNER)
        # The high-s twin of a valid signature (what EIP-2 rules out) is refused too.
        raw = bytes.fromhex(signature[2:])
        s = ls._N - int.from_bytes(raw[32:64], "big")
        twin = "0x" + (raw[:32] + s.to_bytes(32, "big") + bytes([raw[64] ^ 1])).hex()
        with self.assertRaises(ls.StatementInvalid):
            ls.check(typed, twin, SIGNER)

    def test_bad_input_is_refused(self) -> None:
        typed, _signature = statement()
        for bad in ("0x12", "not hex", 7):
            with self.assertRaises(ls.BadInput):
                ls.check(typed, bad, SIGNER)
        nested = copy.deepcopy(typed)
        nested["types"]["MemberStatement"].append({"name": "x", "type": "Other"})
        with self.assertRaises(ls.BadInput):
            ls.typed_data_digest(nested)
        with self.assertRaises(ls.BadInput):
            ls.load_statement('{"data": {}}')

    def test_the_command(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "statement.json"
            path.write_text(json.dumps(VECTORS["statement"]))
            status, out, _ = run(str(path), "--signer", SIGNER)
            self.assertEqual(status, 0)
            self.assertIn("statement valid", out)
            self.assertIn("1250", out)
            status, _, err = run(str(path), "--signer", "0x" + "22" * 20)
            self.assertEqual(status, 1)
            self.assertIn(SIGNER, err)
            status, _, err = run(str(path))
            self.assertEqual(status, 2)
            self.assertIn("--rpc", err)


if __name__ == "__main__":
    unittest.main()
