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
