"""The standalone verifier (verifier/loyalty_verify.py) agrees with the domain's tree: the test
vectors its own tests read are what the tree produces today, every proof of a random tree passes
it and a tampered one fails, and a copy of the folder runs alone in an isolated interpreter."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty.domain.merkle import Leaf, MerkleSumTree, commitment, proof_document
from loyalty.domain.merkle_pack import pack
from tests.unit import verifier_vectors
from verifier import loyalty_verify as lv

ROOT = Path(__file__).resolve().parents[2]


def test_the_verifiers_vectors_are_what_the_tree_produces() -> None:
    assert verifier_vectors.PATH.read_text("utf-8") == verifier_vectors.text(), (
        "regenerate with: python -m tests.unit.verifier_vectors"
    )


members = st.lists(
    st.tuples(
        st.text(min_size=1, max_size=12),
        st.binary(min_size=32, max_size=32),
        st.none() | st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex()),
        st.integers(0, 2**53 - 1),
        st.integers(0, 10**7),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(members, st.data())
def test_every_domain_proof_passes_the_verifier_and_a_tampered_one_fails(people, data) -> None:
    tree = MerkleSumTree.build(
        (slot, Leaf(commitment(salt, member), address, balance, debt))
        for slot, (member, salt, address, balance, debt) in enumerate(people)
    )
    root = tree.root
    for slot, (member, salt, *_rest) in enumerate(people):
        document = proof_document(tree.proof(slot), member, salt, root)
        json.dumps(document)  # plain JSON
        result = lv.check(document, "0x" + root.hash.hex())
        assert (result.total_balance, result.total_debt) == (root.balance, root.debt)
    slot = data.draw(st.integers(0, len(people) - 1))
    member, salt, *_rest = people[slot]
    document = proof_document(tree.proof(slot), member, salt, root)
    document["leaf"]["balance"] = str(int(document["leaf"]["balance"]) + 1)
    try:
        lv.check(document, "0x" + root.hash.hex())
    except lv.ProofInvalid:
        pass
    else:
        raise AssertionError("a proof claiming one more point passed")


@settings(max_examples=60, deadline=None)
@given(members, st.booleans())
def test_a_packed_domain_proof_unpacks_in_the_verifier_to_the_same_proof(people, placed) -> None:
    tree = MerkleSumTree.build(
        (slot, Leaf(commitment(salt, member), address, balance, debt))
        for slot, (member, salt, address, balance, debt) in enumerate(people)
    )
    where = {"batchId": "0x" + "12" * 32, "txHash": "0x" + "34" * 32, "block": 2**40 + 3}
    for slot, (member, salt, *_rest) in enumerate(people):
        document = proof_document(tree.proof(slot), member, salt, tree.root)
        if placed:
            document["committed"] = where
        unpacked = lv.unpack(pack(document))
        for key in ("memberId", "salt", "slot", "path"):
            assert unpacked[key] == document[key]
        leaf = document["leaf"]
        assert unpacked["leaf"] == {k: leaf[k] for k in ("address", "balance", "debt")}  # type: ignore[index]
        assert unpacked.get("committed") == (where if placed else None)
        assert lv.check(unpacked, "0x" + tree.root.hash.hex()).balance == int(leaf["balance"])  # type: ignore[index]


def test_a_packed_proof_at_a_million_members_is_under_one_and_a_half_kilobytes() -> None:
    """Depth 20 (1,000,000 members), sums as large as a programme of 10^12 points and 10^9 of
    debt makes, a 64-byte member id and where the root was committed: 1,414 characters. (The
    service takes member ids up to 256 characters: such a proof is 1,670.)"""
    siblings = [{"hash": "0x" + "ab" * 32, "balance": str(10**12), "debt": str(10**9)}] * 20
    document = {
        "memberId": "m" * 64,
        "salt": "0x" + "cd" * 32,
        "slot": 999_999,
        "leaf": {"address": "0x" + "ef" * 20, "balance": str(10**9), "debt": "0"},
        "path": siblings,
        "committed": {"batchId": "0x" + "12" * 32, "txHash": "0x" + "34" * 32, "block": 10**9},
    }
    assert len(pack(document)) <= 1536


def test_a_copy_of_the_verifier_runs_alone(tmp_path: Path) -> None:
    for name in ("loyalty_verify.py", "test_loyalty_verify.py", "test_vectors.json"):
        shutil.copy(ROOT / "verifier" / name, tmp_path / name)
    # -I: isolated (no PYTHONPATH, no user site, not even the script's folder): no project code.
    tests = subprocess.run(
        [sys.executable, "-I", "test_loyalty_verify.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert tests.returncode == 0, tests.stderr
    vectors = json.loads((tmp_path / "test_vectors.json").read_text("utf-8"))
    (tmp_path / "proof.json").write_text(json.dumps(vectors["proofs"][1]))
    run = subprocess.run(
        [sys.executable, "-I", "loyalty_verify.py", "proof.json", "--root", vectors["root"]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "OK: member 'bob'" in run.stdout
