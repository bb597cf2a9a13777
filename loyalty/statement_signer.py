"""The statement key (LOYALTY_STATEMENT_KEY): signs members' statements as EIP-712 typed data
(loyalty.domain.statement) and recovers a signer from one, with eth_account, which implements
the standard (`encode_typed_data`) as every wallet library does."""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data


class StatementSigner:
    def __init__(self, private_key: str) -> None:
        self._account = Account.from_key(private_key)

    @property
    def address(self) -> str:
        """The signer's checksummed address (what the token records as `statementSigner`)."""
        return str(self._account.address)

    def sign(self, document: dict[str, Any]) -> str:
        """The 65-byte signature (r ‖ s ‖ v), 0x-hex, of an EIP-712 document."""
        signed = self._account.sign_message(encode_typed_data(full_message=document))
        return "0x" + bytes(signed.signature).hex()


def recover_signer(document: dict[str, Any], signature: str) -> str:
    """The checksummed address that signed `document` (integers as ints or decimal strings)."""
    return str(
        Account.recover_message(encode_typed_data(full_message=document), signature=signature)
    )
