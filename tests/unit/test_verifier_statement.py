"""The standalone statement verifier (verifier/loyalty_statement.py) agrees with eth_account and
with the service's signer: its keccak-256 is eth_utils', its EIP-712 digest is eth_account's, it
recovers the signer of random statements signed by random keys and no one else's, and its test
vectors still hold under eth_account."""

from __future__ import annotations

import json
from pathlib import Path

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils.crypto import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty.domain.statement import COMMITTED, PUBLISHED, Statement, as_json, typed_data
from loyalty.statement_signer import StatementSigner, recover_signer
from verifier import loyalty_statement as ls

VECTORS = Path(__file__).resolve().parents[2] / "verifier" / "test_statement_vectors.json"


@given(st.binary(max_size=600))
def test_keccak_is_eth_utils(data: bytes) -> None:
    assert ls.keccak256(data) == keccak(data)


hex32 = st.binary(min_size=32, max_size=32).map(lambda b: "0x" + b.hex())
statements = st.builds(
    Statement,
    member_id=st.text(min_size=1, max_size=40),
    account=st.one_of(st.none(), st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())),
    balance=st.integers(0, 2**256 - 1),
    held_points=st.integers(0, 10**12),
    debt=st.integers(0, 10**12),
    root=hex32,
    root_status=st.sampled_from([COMMITTED, PUBLISHED]),
    root_block=st.one_of(st.none(), st.integers(1, 10**9)),
    published_root=hex32,
    ledger_entry=st.one_of(st.none(), st.integers(1, 10**12)),
    issued_at=st.integers(0, 2**40),
)


@settings(max_examples=25, deadline=None)
@given(statements, st.integers(1, ls._N - 1), st.integers(1, 2**40))
def test_it_recovers_what_the_service_signed(s: Statement, key: int, chain_id: int) -> None:
    signer = StatementSigner("0x" + key.to_bytes(32, "big").hex())
    document = typed_data(s, chain_id, "0x" + "34" * 20)
    signature = signer.sign(document)
    wire = json.loads(json.dumps(as_json(document)))  # what the reply carries
    digest = ls.typed_data_digest(wire)
    signable = encode_typed_data(full_message=document)
    assert digest == keccak(b"\x19" + signable.version + signable.header + signable.body)
    assert ls.check(wire, signature, signer.address) == signer.address
    assert recover_signer(wire, signature) == signer.address
    other = {**wire, "message": {**wire["message"], "balance": str(s.balance ^ 1)}}
    assert ls.recover(ls.typed_data_digest(other), signature) != signer.address


def test_the_vectors_hold_under_eth_account() -> None:
    vectors = json.loads(VECTORS.read_text("utf-8"))
    for text, digest in vectors["keccak"].items():
        assert "0x" + keccak(text.encode()).hex() == digest
    reply = vectors["statement"]["data"]["memberStatement"]
    typed = json.loads(reply["typedData"])
    recovered = Account.recover_message(
        encode_typed_data(full_message=typed), signature=reply["signature"]
    )
    assert recovered == reply["signer"] == Account.from_key("0x" + "5a" * 32).address
