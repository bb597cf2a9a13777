"""Keccak-256 (Ethereum's hash) for the light processes: checksummed addresses of the recorded
deployment, the indexer's bloom checks. safe-pysha3's C module (installed with web3[tester])
imports in ~1 ms; eth_hash's automatic backend (pycryptodome through cffi) took ~0.15 s, web3's
or eth_utils' far more."""

from __future__ import annotations


def keccak(data: bytes) -> bytes:
    try:
        from _pysha3 import keccak_256  # type: ignore[import-not-found,unused-ignore]  # here: see the module's docstring
    except ImportError:  # pragma: no cover - an install without safe-pysha3
        from eth_hash.auto import keccak as slow  # here: only without safe-pysha3

        return bytes(slow(data))
    return bytes(keccak_256(data).digest())


def to_checksum_address(address: str) -> str:
    """EIP-55 mixed-case form of a 0x-hex address (what web3's to_checksum_address gives)."""
    plain = address.lower().removeprefix("0x")
    if len(plain) != 40 or any(c not in "0123456789abcdef" for c in plain):
        raise ValueError(f"not an address: {address!r}")
    digest = keccak(plain.encode()).hex()
    return "0x" + "".join(
        c.upper() if int(d, 16) >= 8 else c for c, d in zip(plain, digest[:40], strict=True)
    )
