"""Custodial receiving addresses: one per member, derived from LOYALTY_CUSTODY_MNEMONIC.

Member n (the members table's id, never reused) receives at BIP-44 path m/44'/60'/0'/0/n. The
mnemonic lives in the environment only; the database stores the derived addresses, never keys.
Anyone holding the mnemonic can later move a member's custodial points (e.g. to recover them).
"""

from __future__ import annotations

import functools
from typing import Protocol

from eth_account import Account
from eth_account.hdaccount import key_from_seed, seed_from_mnemonic

from loyalty.errors import ConfigError

PATH = "m/44'/60'/0'/0/{index}"


class AddressBook(Protocol):
    def address_for(self, index: int) -> str:
        """The lower-case 0x address of custodial account `index`."""
        ...


class Custody:
    def __init__(self, mnemonic: str) -> None:
        words = " ".join(mnemonic.split())
        try:
            self._seed = seed_from_mnemonic(words, "")
        except Exception:
            raise ConfigError(
                "LOYALTY_CUSTODY_MNEMONIC is not a valid BIP-39 mnemonic (12 or 24 words)"
            ) from None
        # The address of an index never changes, so deriving it once is enough.
        self.address_for = functools.lru_cache(maxsize=65536)(self._derive)  # type: ignore[method-assign]

    def _derive(self, index: int) -> str:
        if index < 0 or index >= 2**31:
            raise ValueError(f"custody index out of range: {index}")
        key = key_from_seed(self._seed, PATH.format(index=index))
        return str(Account.from_key(key).address).lower()

    def address_for(self, index: int) -> str:  # replaced by the cached derivation
        return self._derive(index)


@functools.lru_cache(maxsize=4)
def custody_for(mnemonic: str) -> Custody:
    """One Custody per mnemonic per process (deriving the seed costs a PBKDF2 run)."""
    return Custody(mnemonic)
