"""Checks a loyalty member's signed statement, trusting nothing of the service.

Standalone like loyalty_verify.py: Python's standard library only (3.9 or later), one file to
read and copy. It recomputes the EIP-712 digest of the statement's typed data (keccak-256, which
the standard library lacks, is written out below), recovers the secp256k1 key that signed it,
and compares that address with the signer you expect, or with the one the token records
(`statementSigner()`, read from any JSON-RPC node):

    python loyalty_statement.py statement.json --rpc http://node:8545
    python loyalty_statement.py statement.json --signer 0x<address>

The input is the reply of the service's memberStatement query (or the object inside it, with
`typedData` and `signature`), a file or "-" for stdin. With --rpc the token is the typed data's
`verifyingContract` (or --token, which must be the same). Only flat structs of string, address,
bool, bytes32 and uint/int types are read (what a statement is); anything else is refused.

Exit status: 0 the signature is the expected signer's, 1 it is not (the reason on stderr),
2 bad usage or input, or the node did not answer.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.request
from typing import Any

# -- keccak-256 (the original Keccak padding, as Ethereum uses; not SHA3-256) -----------------

_RC = [
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]  # fmt: skip
_ROT = [
    0,
    1,
    62,
    28,
    27,
    36,
    44,
    6,
    55,
    20,
    3,
    10,
    43,
    25,
    39,
    41,
    45,
    15,
    21,
    8,
    18,
    2,
    61,
    56,
    14,
]
_MASK = (1 << 64) - 1


def _rol(x: int, n: int) -> int:
    return ((x << n) | (x >> (64 - n))) & _MASK if n else x


def _keccak_f(a: list[int]) -> None:
    """The Keccak-f[1600] permutation on 25 lanes, a[x + 5y]."""
    for rc in _RC:
        c = [a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rol(c[(x + 1) % 5], 1) for x in range(5)]
        b = [0] * 25
        for i in range(25):
            x, y = i % 5, i // 5
            b[y + 5 * ((2 * x + 3 * y) % 5)] = _rol(a[i] ^ d[x], _ROT[i])
        for i in range(25):
            x, y = i % 5, i // 5
            a[i] = b[i] ^ (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y])
        a[0] ^= rc


def keccak256(data: bytes) -> bytes:
    rate = 136
    room = rate - len(data) % rate  # 1..rate bytes of padding
    pad = b"\x81" if room == 1 else b"\x01" + bytes(room - 2) + b"\x80"  # one byte: both bits
    padded = bytes(data) + pad
    state = [0] * 25
    for start in range(0, len(padded), rate):
        block = padded[start : start + rate]
        for i in range(rate // 8):
            state[i] ^= int.from_bytes(block[8 * i : 8 * i + 8], "little")
        _keccak_f(state)
    return b"".join(lane.to_bytes(8, "little") for lane in state[:4])


# -- EIP-712 ------------------------------------------------------------------------------------

_ATOMIC = re.compile(r"^(string|address|bool|bytes32|u?int(8|16|32|64|128|256)?)$")


class BadInput(Exception):
    """The statement or an argument is not well formed."""


class StatementInvalid(Exception):
    """The signature is not the expected signer's."""


class NodeError(Exception):
    """The JSON-RPC node did not answer, or answered with an error."""


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise BadInput(f"{what} is not an integer: {value!r}")
    try:
        return int(value, 0) if isinstance(value, str) and value.startswith("0x") else int(value)
    except ValueError:
        raise BadInput(f"{what} is not an integer: {value!r}") from None


def _encode_value(kind: str, value: Any, what: str) -> bytes:
    if kind == "string":
        if not isinstance(value, str):
            raise BadInput(f"{what} is not a string")
        return keccak256(value.encode())
    if kind == "address":
        if not isinstance(value, str) or not re.match(r"^0x[0-9a-fA-F]{40}$", value):
            raise BadInput(f"{what} is not an address: {value!r}")
        return bytes(12) + bytes.fromhex(value[2:])
    if kind == "bytes32":
        if not isinstance(value, str) or not re.match(r"^0x[0-9a-fA-F]{64}$", value):
            raise BadInput(f"{what} is not 32 bytes of hex: {value!r}")
        return bytes.fromhex(value[2:])
    if kind == "bool":
        if not isinstance(value, bool):
            raise BadInput(f"{what} is not a boolean")
        return int(value).to_bytes(32, "big")
    number = _int(value, what)
    bits = int(kind.lstrip("uint") or 256)
    if kind.startswith("uint"):
        if not 0 <= number < 2**bits:
            raise BadInput(f"{what} is out of range for {kind}")
        return number.to_bytes(32, "big")
    if not -(2 ** (bits - 1)) <= number < 2 ** (bits - 1):
        raise BadInput(f"{what} is out of range for {kind}")
    return (number % 2**256).to_bytes(32, "big")


def hash_struct(types: dict[str, Any], name: str, data: Any) -> bytes:
    fields = types.get(name)
    if not isinstance(fields, list) or not isinstance(data, dict):
        raise BadInput(f"no type {name!r}, or its data is not an object")
    for f in fields:
        if not isinstance(f, dict) or not _ATOMIC.match(str(f.get("type"))):
            raise BadInput(f"type {name} has a field this verifier does not read: {f!r}")
    signature = f"{name}(" + ",".join(f"{f['type']} {f['name']}" for f in fields) + ")"
    encoded = keccak256(signature.encode())
    for f in fields:
        if f["name"] not in data:
            raise BadInput(f"{name}.{f['name']} is missing")
        encoded += _encode_value(f["type"], data[f["name"]], f"{name}.{f['name']}")
    return keccak256(encoded)


def typed_data_digest(document: Any) -> bytes:
    """keccak256(0x19 0x01 ‖ hashStruct(domain) ‖ hashStruct(message))."""
    if not isinstance(document, dict):
        raise BadInput("the typed data is not an object")
    types = document.get("types")
    if not isinstance(types, dict):
        raise BadInput("the typed data has no types")
    domain = hash_struct(types, "EIP712Domain", document.get("domain"))
    message = hash_struct(types, str(document.get("primaryType")), document.get("message"))
    return keccak256(b"\x19\x01" + domain + message)


# -- secp256k1 public key recovery ---------------------------------------------------------------

_P = 2**256 - 2**32 - 977
_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_G = (
    0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
    0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8,
)
Point = tuple[int, int] | None


def _add(a: Point, b: Point) -> Point:
    if a is None:
        return b
    if b is None:
        return a
    if a[0] == b[0] and (a[1] + b[1]) % _P == 0:
        return None
    if a == b:
        slope = 3 * a[0] * a[0] * pow(2 * a[1], -1, _P) % _P
    else:
        slope = (b[1] - a[1]) * pow(b[0] - a[0], -1, _P) % _P
    x = (slope * slope - a[0] - b[0]) % _P
    return x, (slope * (a[0] - x) - a[1]) % _P


def _mul(k: int, point: Point) -> Point:
    result: Point = None
    while k:
        if k & 1:
            result = _add(result, point)
        point = _add(point, point)
        k >>= 1
    return result


def checksum(address: bytes) -> str:
    """EIP-55 mixed-case hex of a 20-byte address."""
    hexed = address.hex()
    digest = keccak256(hexed.encode()).hex()
    return "0x" + "".join(c.upper() if int(digest[i], 16) >= 8 else c for i, c in enumerate(hexed))


def recover(digest: bytes, signature: str) -> str:
    """The checksummed address whose key made the 65-byte signature r ‖ s ‖ v of `digest`."""
    if not isinstance(signature, str) or not re.match(r"^0x[0-9a-fA-F]{130}$", signature):
        raise BadInput("the signature is not 65 bytes of hex")
    raw = bytes.fromhex(signature[2:])
    r, s, v = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big"), raw[64]
    v = v - 27 if v >= 27 else v
    if v not in (0, 1) or not (1 <= r < _N and 1 <= s <= _N // 2):  # EIP-2: the low s only
        raise StatementInvalid("the signature is malformed (v, r or s out of range)")
    y_squared = (pow(r, 3, _P) + 7) % _P
    y = pow(y_squared, (_P + 1) // 4, _P)
    if y * y % _P != y_squared:
        raise StatementInvalid("the signature's r is not on the curve")
    if y % 2 != v:
        y = _P - y
    e = int.from_bytes(digest, "big") % _N
    r_inv = pow(r, -1, _N)
    q = _add(_mul(s * r_inv % _N, (r, y)), _mul((-e * r_inv) % _N, _G))
    if q is None:
        raise StatementInvalid("the signature recovers no key")
    public = q[0].to_bytes(32, "big") + q[1].to_bytes(32, "big")
    return checksum(keccak256(public)[12:])


# -- the statement and the chain -----------------------------------------------------------------


def load_statement(text: str) -> tuple[dict[str, Any], str]:
    """(typed data, signature) from a memberStatement reply, the object in it, or its fields."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BadInput(f"not JSON: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("data"), dict):
        data = data["data"].get("memberStatement")
    if not isinstance(data, dict) or "typedData" not in data or "signature" not in data:
        raise BadInput("expected a memberStatement reply with typedData and signature")
    typed = data["typedData"]
    if isinstance(typed, str):
        try:
            typed = json.loads(typed)
        except ValueError as exc:
            raise BadInput(f"typedData is not JSON: {exc}") from None
    return typed, data["signature"]


def statement_signer(rpc: str, token: str) -> str:
    """`statementSigner()` of the token at the node's latest block."""
    selector = "0x" + keccak256(b"statementSigner()")[:4].hex()
    body = {"jsonrpc": "2.0", "id": 1, "method": "eth_call",
            "params": [{"to": token, "data": selector}, "latest"]}  # fmt: skip
    request = urllib.request.Request(
        rpc, json.dumps(body).encode(), {"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            answer = json.loads(reply.read())
    except (OSError, ValueError) as exc:
        raise NodeError(f"the node at {rpc} did not answer: {exc}") from None
    result = answer.get("result") if isinstance(answer, dict) else None
    if not isinstance(result, str) or len(result) != 66:
        raise NodeError(f"statementSigner() answered {answer!r} (is {token} the token?)")
    return checksum(bytes.fromhex(result[-40:]))


def check(typed: dict[str, Any], signature: str, expected: str) -> str:
    """The recovered signer if it is `expected` (any case), else StatementInvalid."""
    signer = recover(typed_data_digest(typed), signature)
    if signer.lower() != expected.lower():
        raise StatementInvalid(f"signed by {signer}, not by {expected}")
    return signer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("statement", help="the memberStatement reply (a file, or - for stdin)")
    parser.add_argument("--signer", help="the address that must have signed it")
    parser.add_argument(
        "--rpc", help="a JSON-RPC node: the signer is the token's statementSigner()"
    )
    parser.add_argument("--token", help="the token (default: the typed data's verifyingContract)")
    args = parser.parse_args(argv)
    try:
        if args.statement == "-":
            text = sys.stdin.read()
        else:
            with open(args.statement, encoding="utf-8") as file:
                text = file.read()
        typed, signature = load_statement(text)
        contract = str((typed.get("domain") or {}).get("verifyingContract", ""))
        if args.token and args.token.lower() != contract.lower():
            raise StatementInvalid(f"the statement is for the token {contract}, not {args.token}")
        if args.rpc:
            expected = statement_signer(args.rpc, args.token or contract)
        elif args.signer:
            expected = args.signer
        else:
            raise BadInput("give --rpc (the token's statementSigner) or --signer")
        signer = check(typed, signature, expected)
    except (BadInput, NodeError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except StatementInvalid as exc:
        print(f"NOT VALID: {exc}", file=sys.stderr)
        return 1
    message = typed.get("message", {})
    print(f"statement valid: signed by {signer} for token {contract}")
    for name in ("memberId", "balance", "heldPoints", "debt", "root", "rootStatus", "issuedAt"):
        if name in message:
            print(f"  {name:<11} {message[name]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
