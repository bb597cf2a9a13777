"""A member's signed statement (issue 17, item 6), pure: what the service states about a member
(balance, held points, debt, and the root of the books those figures are in) as EIP-712 typed
data, the form every Ethereum wallet library signs and verifies (`eth_signTypedData_v4`,
ethers' `verifyTypedData`, eth_account's `encode_typed_data`). The service signs it with its
statement key, whose address the token records (`statementSigner`); a member who keeps it has
evidence of what they were owed that does not depend on the service staying up.

The domain binds the chain and the token (`verifyingContract`), so a statement of one programme
is not one of another's. docs/proofs.md ("Signed statements") says the same for members.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DOMAIN_NAME = "LoyaltyPoints statement"
DOMAIN_VERSION = "1"
PRIMARY_TYPE = "MemberStatement"
ZERO_ADDRESS = "0x" + "0" * 40

# Where the statement's root stands.
COMMITTED = "committed on chain"
PUBLISHED = "published by the service; not committed on chain"

TYPES: dict[str, list[dict[str, str]]] = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    PRIMARY_TYPE: [
        {"name": "memberId", "type": "string"},
        {"name": "account", "type": "address"},
        {"name": "balance", "type": "uint256"},
        {"name": "heldPoints", "type": "uint256"},
        {"name": "debt", "type": "uint256"},
        {"name": "root", "type": "bytes32"},
        {"name": "rootStatus", "type": "string"},
        {"name": "rootBlock", "type": "uint256"},
        {"name": "publishedRoot", "type": "bytes32"},
        {"name": "ledgerEntry", "type": "uint256"},
        {"name": "issuedAt", "type": "uint256"},
    ],
}


@dataclass(frozen=True)
class Statement:
    member_id: str
    account: str | None  # the receiving address (None: none yet; stated as the zero address)
    balance: int
    held_points: int
    debt: int
    root: str  # 0x + 64 hex digits: the newest root committed on chain, else published_root
    root_status: str  # COMMITTED or PUBLISHED
    root_block: int | None  # the block that committed the root (None: not on chain)
    published_root: str  # the root of the live tree the figures are in (memberProof's)
    ledger_entry: int | None  # the last ledger entry the figures include
    issued_at: int  # unix seconds

    def __post_init__(self) -> None:
        for name in ("balance", "held_points", "debt", "issued_at"):
            if getattr(self, name) < 0:
                raise ValueError(f"a statement's {name} cannot be negative")
        for root in (self.root, self.published_root):
            if len(root) != 66 or not root.startswith("0x"):
                raise ValueError(f"not a 32-byte root: {root!r}")


def typed_data(statement: Statement, chain_id: int, token: str) -> dict[str, Any]:
    """The full EIP-712 document (domain, types, primaryType, message), integers as ints."""
    s = statement
    return {
        "types": TYPES,
        "primaryType": PRIMARY_TYPE,
        "domain": {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": chain_id,
            "verifyingContract": token,
        },
        "message": {
            "memberId": s.member_id,
            "account": s.account or ZERO_ADDRESS,
            "balance": s.balance,
            "heldPoints": s.held_points,
            "debt": s.debt,
            "root": s.root,
            "rootStatus": s.root_status,
            "rootBlock": s.root_block or 0,
            "publishedRoot": s.published_root,
            "ledgerEntry": s.ledger_entry or 0,
            "issuedAt": s.issued_at,
        },
    }


def as_json(document: dict[str, Any]) -> dict[str, Any]:
    """The same document with every integer as a decimal string (JSON readers lose integers
    above 2**53; ethers and eth_account read uint256 from decimal strings too)."""
    message = {k: str(v) if isinstance(v, int) else v for k, v in document["message"].items()}
    domain = {k: str(v) if isinstance(v, int) else v for k, v in document["domain"].items()}
    return {**document, "domain": domain, "message": message}
