"""Checks a loyalty member's proof against a published root, trusting nothing of the service.

Standalone on purpose: it imports only Python's standard library (3.9 or later), so an auditor or
a member can read it in ten minutes, copy this one file anywhere and run it:

    python loyalty_verify.py proof.json --root 0x<root hash>
    python -m verifier.loyalty_verify proof.json --root 0x<root hash>      (from the repository)
    python loyalty_verify.py proof.json --root 0x… --rpc http://node:8545 --token 0x<token>
        [--block N]   also checks that balanceOf(leaf address) equals the leaf's balance
    python loyalty_verify.py proof.json --rpc http://node:8545 --token 0x<token>
        a proof against a committed root (it says where: "committed": batch id, transaction,
        block): the root and supply are read from the token's BatchSettled log at that block,
        never from the proof; the root's total must be that supply, and balanceOf(leaf address)
        at that block the leaf's balance (--no-balance skips this on a transferable token,
        where a holder's own transfers move their balance away from the leaf)

The proof is the JSON that the service's memberProof query returns (or a file holding it, or
"-" for stdin), or its `packed` form (base64url of the bytes below, ~1.2 KB at a million
members), as a file holding that one string or as {"packed": "…"}:

    0x01, varint n + n bytes memberId (UTF-8), salt (32), varint slot,
    0x00 | 0x01 + address (20), varint balance, varint debt, depth d (1 byte),
    d x (hash (32), varint balance, varint debt), 0x00 | 0x01 + batchId (32) + txHash (32)
    + varint block                          (varint: unsigned LEB128)

The encodings (SHA-256; u256 = 32 bytes big-endian):

    commitment = sha256(salt ‖ utf8(memberId))
    leaf       = sha256(0x00 ‖ commitment ‖ address(20 bytes, zero if none)
                              ‖ u256(balance) ‖ u256(debt))
    node       = sha256(0x01 ‖ left ‖ u256(left balance) ‖ u256(left debt)
                              ‖ right ‖ u256(right balance) ‖ u256(right debt))

The path lists the sibling of each node from the leaf up; bit i of `slot` says whether the node
at level i is a right child (1) or a left one (0). The root hash commits to the totals, so
matching it proves the member's figures *and* the book's totals (printed) at once.

Exit status: 0 the proof holds, 1 it does not (the reason on stderr), 2 bad usage or input.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import sys
import urllib.request
from dataclasses import dataclass
from typing import Any

U256_MAX = 2**256 - 1
MAX_DEPTH = 64
_HEX32 = re.compile(r"^0x[0-9a-fA-F]{64}$")
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
BALANCE_OF = "0x70a08231"  # balanceOf(address)
# keccak256("BatchSettled(bytes32,uint256,uint256,uint256,bytes32,uint256)"): the token's event
# carrying the committed root (topic 1: the batch id; data: count, minted, burned, root, supply).
BATCH_SETTLED = "0x3c0ed97500cd8045fad4a03d4f1cf97b04a6e5f0e8b02af09276fc3d9ebb3218"


class ProofInvalid(Exception):
    """The proof does not hold against the root (or the chain)."""


class BadInput(Exception):
    """The proof or an argument is not well formed."""


class NodeError(Exception):
    """The JSON-RPC node did not answer, or answered with an error."""


@dataclass(frozen=True)
class Result:
    member_id: str
    address: str | None
    balance: int
    debt: int
    root: str
    total_balance: int
    total_debt: int


def _hex32(value: Any, what: str) -> bytes:
    if not isinstance(value, str) or not _HEX32.match(value):
        raise BadInput(f"{what} must be 0x and 64 hex digits, not {value!r}")
    return bytes.fromhex(value[2:])


def _figure(value: Any, what: str) -> int:
    """A figure: an integer (or its decimal string) from 0 to 2**256-1. No floats."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,78}", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= U256_MAX:
        raise BadInput(f"{what} must be a whole number from 0 to 2**256-1, not {value!r}")
    return value


def _address(value: Any) -> bytes:
    if value is None:
        return bytes(20)
    if not isinstance(value, str) or not _ADDRESS.match(value):
        raise BadInput(f"leaf.address must be null or 0x and 40 hex digits, not {value!r}")
    return bytes.fromhex(value[2:])


def _u256(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _node(left: tuple[bytes, int, int], right: tuple[bytes, int, int]) -> tuple[bytes, int, int]:
    digest = hashlib.sha256(
        b"\x01"
        + left[0]
        + _u256(left[1])
        + _u256(left[2])
        + right[0]
        + _u256(right[1])
        + _u256(right[2])
    ).digest()
    return digest, left[1] + right[1], left[2] + right[2]


def check(proof: dict[str, Any], root: str) -> Result:
    """Verifies `proof` against the root hash `root`; raises ProofInvalid or BadInput."""
    if not isinstance(proof, dict):
        raise BadInput("a proof is a JSON object")
    expected_root = _hex32(root, "the root")
    member_id = proof.get("memberId")
    if not isinstance(member_id, str):
        raise BadInput("memberId must be a string")
    salt = _hex32(proof.get("salt"), "salt")
    leaf = proof.get("leaf")
    path = proof.get("path")
    slot = proof.get("slot")
    if not isinstance(leaf, dict):
        raise BadInput("leaf must be an object")
    if not isinstance(path, list) or not 1 <= len(path) <= MAX_DEPTH:
        raise BadInput(f"path must be a list of 1 to {MAX_DEPTH} siblings")
    if isinstance(slot, bool) or not isinstance(slot, int) or not 0 <= slot < 2 ** len(path):
        raise BadInput(f"slot must be a whole number below 2**{len(path)}, not {slot!r}")

    commitment = hashlib.sha256(salt + member_id.encode("utf-8")).digest()
    if "commitment" in leaf and _hex32(leaf["commitment"], "leaf.commitment") != commitment:
        raise ProofInvalid("the leaf's commitment is not sha256(salt ‖ memberId)")
    balance = _figure(leaf.get("balance"), "leaf.balance")
    debt = _figure(leaf.get("debt", 0), "leaf.debt")
    address = leaf.get("address")
    digest = hashlib.sha256(
        b"\x00" + commitment + _address(address) + _u256(balance) + _u256(debt)
    ).digest()
    node = (digest, balance, debt)
    for level, sibling in enumerate(path):
        if not isinstance(sibling, dict):
            raise BadInput(f"path[{level}] must be an object")
        other = (
            _hex32(sibling.get("hash"), f"path[{level}].hash"),
            _figure(sibling.get("balance"), f"path[{level}].balance"),
            _figure(sibling.get("debt", 0), f"path[{level}].debt"),
        )
        node = _node(other, node) if slot >> level & 1 else _node(node, other)
    if node[1] > U256_MAX or node[2] > U256_MAX:
        raise ProofInvalid("the sums overflow 2**256")
    if node[0] != expected_root:
        raise ProofInvalid(
            f"the proof leads to root 0x{node[0].hex()}, not the published 0x{expected_root.hex()}"
        )
    return Result(member_id, address, balance, debt, "0x" + node[0].hex(), node[1], node[2])


def _rpc(url: str, method: str, params: list[Any], timeout: float = 20.0) -> Any:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            reply = json.loads(response.read())
    except (OSError, ValueError) as error:
        raise NodeError(f"{method} at {url}: {error}") from error
    if not isinstance(reply, dict) or "result" not in reply:
        detail = reply.get("error") if isinstance(reply, dict) else reply
        raise NodeError(f"{method} at {url} answered {detail!r}")
    return reply["result"]


def balance_of(url: str, token: str, address: str, block: int | str = "latest") -> int:
    """The token's balanceOf(address) at `block`, read by eth_call from any JSON-RPC node."""
    if not _ADDRESS.match(token):
        raise BadInput(f"--token must be 0x and 40 hex digits, not {token!r}")
    data = BALANCE_OF + "00" * 12 + _address(address).hex()
    tag = hex(block) if isinstance(block, int) else block
    result = _rpc(url, "eth_call", [{"to": token, "data": data}, tag])
    if not isinstance(result, str) or not re.fullmatch(r"0x[0-9a-fA-F]{1,64}", result):
        raise NodeError(f"balanceOf returned {result!r}, not a uint256")
    return int(result, 16)


def check_on_chain(result: Result, url: str, token: str, block: int | str = "latest") -> int:
    """balanceOf(the leaf's address) must equal the leaf's balance: returns it, or raises."""
    if result.address is None:
        raise ProofInvalid("the leaf has no address to check on chain")
    held = balance_of(url, token, result.address, block)
    if held != result.balance:
        raise ProofInvalid(
            f"balanceOf({result.address}) is {held} at block {block}; "
            f"the leaf says {result.balance}"
        )
    return held


@dataclass(frozen=True)
class Committed:
    """A root as the chain holds it: from the BatchSettled log of one batch."""

    batch_id: str
    tx_hash: str
    block: int
    root: str
    supply: int


def committed_root(url: str, token: str, where: Any) -> Committed:
    """Reads the root and supply committed with the batch that `where` (a proof's "committed":
    batchId, txHash, block) names, from the token's BatchSettled log at that block."""
    if not isinstance(where, dict):
        raise BadInput('the proof has no "committed" object: give --root')
    if not _ADDRESS.match(token):
        raise BadInput(f"--token must be 0x and 40 hex digits, not {token!r}")
    batch_id = "0x" + _hex32(where.get("batchId"), "committed.batchId").hex()
    tx_hash = "0x" + _hex32(where.get("txHash"), "committed.txHash").hex()
    block = where.get("block")
    if isinstance(block, str) and block.isdigit():
        block = int(block)
    if isinstance(block, bool) or not isinstance(block, int) or block < 0:
        raise BadInput(f"committed.block must be a block number, not {block!r}")
    query = {
        "address": token,
        "fromBlock": hex(block),
        "toBlock": hex(block),
        "topics": [BATCH_SETTLED, batch_id],
    }
    logs = _rpc(url, "eth_getLogs", [query])
    if not isinstance(logs, list):
        raise NodeError(f"eth_getLogs returned {logs!r}, not a list")
    for log in logs:
        if not isinstance(log, dict) or log.get("removed"):
            continue
        if str(log.get("transactionHash", "")).lower() != tx_hash:
            continue
        if str(log.get("address", "")).lower() != token.lower():
            continue
        data = str(log.get("data", ""))
        if not re.fullmatch(r"0x[0-9a-fA-F]{320}", data):
            raise NodeError(f"a BatchSettled log with data {data!r}: not five words")
        words = bytes.fromhex(data[2:])
        return Committed(
            batch_id, tx_hash, block, "0x" + words[96:128].hex(), int.from_bytes(words[128:], "big")
        )
    raise ProofInvalid(
        f"no BatchSettled log of batch {batch_id} in transaction {tx_hash} at block {block}: "
        "the root was not committed where the proof says"
    )


def check_committed(
    proof: dict[str, Any], url: str, token: str, *, balance: bool = True
) -> tuple[Result, Committed]:
    """Verifies `proof` against the root committed on chain where the proof says, that the root's
    total is the supply committed with it and (unless `balance` is False) that balanceOf(the leaf's
    address) at that block is the leaf's balance."""
    if not isinstance(proof, dict):
        raise BadInput("a proof is a JSON object")
    on_chain = committed_root(url, token, proof.get("committed"))
    result = check(proof, on_chain.root)
    if result.total_balance != on_chain.supply:
        raise ProofInvalid(
            f"the root's total is {result.total_balance}, the supply committed with it "
            f"{on_chain.supply}"
        )
    if balance:
        check_on_chain(result, url, token, on_chain.block)
    return result, on_chain


class _Reader:
    def __init__(self, raw: bytes) -> None:
        self.raw, self.at = raw, 0

    def take(self, n: int) -> bytes:
        if self.at + n > len(self.raw):
            raise BadInput("the packed proof ends too early")
        out = self.raw[self.at : self.at + n]
        self.at += n
        return out

    def varint(self) -> int:
        value = shift = 0
        while True:
            byte = self.take(1)[0]
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value
            if shift > 7 * 37:
                raise BadInput("a packed figure is longer than a uint256")

    def flag(self) -> bool:
        byte = self.take(1)[0]
        if byte > 1:
            raise BadInput(f"a packed flag is 0 or 1, not {byte}")
        return byte == 1


def unpack(text: str) -> dict[str, Any]:
    """The proof document of a packed proof (the layout above)."""
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except ValueError as error:
        raise BadInput(f"the packed proof is not base64url: {error}") from error
    r = _Reader(raw)
    if r.take(1) != b"\x01":
        raise BadInput("unknown packed proof version")
    try:
        member_id = r.take(r.varint()).decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadInput("the packed memberId is not UTF-8") from error
    salt, slot = "0x" + r.take(32).hex(), r.varint()
    address = "0x" + r.take(20).hex() if r.flag() else None
    leaf = {"address": address, "balance": str(r.varint()), "debt": str(r.varint())}
    depth = r.take(1)[0]
    path = []
    for _ in range(depth):
        digest = "0x" + r.take(32).hex()
        path.append({"hash": digest, "balance": str(r.varint()), "debt": str(r.varint())})
    document: dict[str, Any] = {
        "memberId": member_id,
        "salt": salt,
        "slot": slot,
        "leaf": leaf,
        "path": path,
    }
    if r.flag():
        document["committed"] = {
            "batchId": "0x" + r.take(32).hex(),
            "txHash": "0x" + r.take(32).hex(),
            "block": r.varint(),
        }
    if r.at != len(raw):
        raise BadInput("bytes left after the packed proof")
    return document


def _load(source: str) -> dict[str, Any]:
    try:
        if source == "-":
            text = sys.stdin.read()
        else:
            with open(source, encoding="utf-8") as handle:
                text = handle.read()
        data = unpack(text) if re.fullmatch(r"\s*[A-Za-z0-9_-]+\s*", text) else json.loads(text)
    except (OSError, ValueError) as error:
        raise BadInput(f"cannot read a proof from {source}: {error}") from error
    # The memberProof reply as GraphQL returns it ({"data": {"memberProof": …}}) is accepted too.
    if isinstance(data, dict) and isinstance(data.get("data"), dict):
        data = data["data"].get("memberProof", data)
    if not isinstance(data, dict):
        raise BadInput("a proof is a JSON object")
    if "path" not in data and isinstance(data.get("packed"), str):
        data = unpack(data["packed"])
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("proof", help="the proof JSON file (- for stdin)")
    parser.add_argument(
        "--root",
        help="the published root hash (0x + 64 hex); without it, the root committed on chain "
        "where the proof says (needs --rpc and --token)",
    )
    parser.add_argument("--total", type=int, help="the published total balance, if given apart")
    parser.add_argument("--rpc", help="a JSON-RPC node URL, to check balanceOf too")
    parser.add_argument("--token", help="the token's address (with --rpc)")
    parser.add_argument("--block", default="latest", help="the block to read (with --rpc)")
    parser.add_argument(
        "--no-balance", action="store_true", help="do not compare balanceOf with the leaf"
    )
    args = parser.parse_args(argv)
    try:
        document = _load(args.proof)
        if args.root is None:
            if not (args.rpc and args.token):
                raise BadInput("give --root, or --rpc and --token to read the committed root")
            result, on_chain = check_committed(
                document, args.rpc, args.token, balance=not args.no_balance
            )
            args.rpc = None  # checked at the commitment's block already
            committed_lines = [
                f"the root was committed on chain with batch {on_chain.batch_id} "
                f"(transaction {on_chain.tx_hash}, block {on_chain.block}), "
                f"supply {on_chain.supply}",
            ]
            if not args.no_balance:
                committed_lines.append(
                    f"balanceOf({result.address}) at block {on_chain.block} is {result.balance}"
                )
        else:
            result = check(document, args.root)
            committed_lines = []
        if args.total is not None and args.total != result.total_balance:
            raise ProofInvalid(f"the root's total is {result.total_balance}, not {args.total}")
        lines = [
            f"OK: member {result.member_id!r} (address {result.address}) holds {result.balance} "
            f"points with a debt of {result.debt}, included in root {result.root}",
            f"the root's totals: {result.total_balance} points, {result.total_debt} debt",
            *committed_lines,
        ]
        if args.rpc:
            if not args.token:
                raise BadInput("--rpc needs --token")
            block = int(args.block, 0) if args.block[:1].isdigit() else args.block
            check_on_chain(result, args.rpc, args.token, block)
            lines.append(f"balanceOf({result.address}) at {args.block} is {result.balance}")
    except BadInput as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ProofInvalid as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1
    except NodeError as error:
        print(f"error: the node: {error}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
