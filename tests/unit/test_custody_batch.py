"""Custody.addresses_for (the import's fast path) derives exactly the addresses of the full
BIP-44 path derivation, including the first and the last index."""

from __future__ import annotations

import pytest

from loyalty.custody import Custody

MNEMONIC = "test test test test test test test test test test test junk"


def test_batch_derivation_matches_the_full_path() -> None:
    custody = Custody(MNEMONIC)
    indexes = [0, 1, 2, 77, 65_537, 2**31 - 1]
    assert custody.addresses_for(indexes) == [custody._derive(i) for i in indexes]
    # anvil's well-known account 0 is m/44'/60'/0'/0/0 of this mnemonic
    assert custody.addresses_for([0]) == ["0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"]


def test_out_of_range_indexes_are_refused() -> None:
    with pytest.raises(ValueError):
        Custody(MNEMONIC).addresses_for([2**31])
