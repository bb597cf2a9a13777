"""Custom errors are decoded from revert data with the contract's ABI."""

from __future__ import annotations

from eth_abi.abi import encode
from eth_utils.crypto import keccak

import contracts
from contracts.revert import DecodedError, ErrorDecoder

DECODER = ErrorDecoder(contracts.load("LoyaltyPoints").abi)


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def test_decodes_a_custom_error_with_arguments_from_hex_and_bytes() -> None:
    data = selector("BatchLengthMismatch(uint256,uint256)") + encode(["uint256", "uint256"], [3, 2])
    expected = DecodedError("BatchLengthMismatch", (3, 2))
    assert DECODER.decode("0x" + data.hex()) == expected
    assert DECODER.decode(data) == expected
    assert str(expected) == "BatchLengthMismatch(3, 2)"


def test_decodes_errors_without_arguments_and_address_arguments() -> None:
    assert DECODER.decode("0x" + selector("EmptyBatch()").hex()) == DecodedError("EmptyBatch", ())
    account = "0x" + "12" * 20
    data = selector("ERC20InvalidReceiver(address)") + encode(["address"], [account])
    assert DECODER.decode(data) == DecodedError("ERC20InvalidReceiver", (account,))


def test_decodes_solidity_builtin_error_and_panic() -> None:
    reason = selector("Error(string)") + encode(["string"], ["nope"])
    assert DECODER.decode(reason) == DecodedError("Error", ("nope",))
    panic = selector("Panic(uint256)") + encode(["uint256"], [0x11])
    assert DECODER.decode(panic) == DecodedError("Panic", (0x11,))


def test_unknown_empty_or_truncated_data_decodes_to_none() -> None:
    assert DECODER.decode(None) is None
    assert DECODER.decode("0x") is None
    assert DECODER.decode("not hex") is None
    assert DECODER.decode(selector("SomethingElse()")) is None
    truncated = selector("BatchAlreadyProcessed(bytes32)") + b"\x01" * 5
    assert DECODER.decode(truncated) is None
