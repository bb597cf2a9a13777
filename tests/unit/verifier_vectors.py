"""Builds verifier/test_vectors.json from the domain's tree (the verifier's own tests read the
file; tests/unit/test_verifier.py checks that the domain still produces it)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from loyalty.domain.merkle import Leaf, MerkleSumTree, commitment, proof_document
from loyalty.domain.merkle_pack import pack

PATH = Path(__file__).resolve().parents[2] / "verifier" / "test_vectors.json"
MEMBERS = [
    ("alice@example.com", "0x" + "11" * 20, 1_250, 0),
    ("bob", None, 0, 40),
    ("carol-ü", "0x" + "Ab" * 20, 9_007_199_254_740_991, 0),
]


def vectors() -> dict[str, object]:
    salts = [hashlib.sha256(f"vector salt {i}".encode()).digest() for i in range(len(MEMBERS))]
    tree = MerkleSumTree.build(
        (slot, Leaf(commitment(salts[slot], member), address, balance, debt))
        for slot, (member, address, balance, debt) in enumerate(MEMBERS)
    )
    root = tree.root
    proofs = [
        proof_document(tree.proof(slot), member, salts[slot], root)
        for slot, (member, *_rest) in enumerate(MEMBERS)
    ]
    return {
        "root": "0x" + root.hash.hex(),
        "totalBalance": str(root.balance),
        "totalDebt": str(root.debt),
        "proofs": proofs,
        # The same proofs packed (loyalty.domain.merkle_pack), the first also with where its root
        # was committed (COMMITTED below: the verifier's fake node holds that log).
        "packed": [pack(p) for p in proofs] + [pack({**proofs[0], "committed": COMMITTED})],
        "committed": COMMITTED,
    }


COMMITTED = {
    "batchId": "0x" + hashlib.sha256(b"vector batch").hexdigest(),
    "txHash": "0x" + hashlib.sha256(b"vector transaction").hexdigest(),
    "block": 4242,
}


def text() -> str:
    return json.dumps(vectors(), indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    PATH.write_text(text(), encoding="utf-8")
