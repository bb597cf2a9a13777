"""Decodes revert data (a custom error's selector and arguments) with a contract's ABI.

web3 raises `ContractCustomError` with the raw revert data as a hex string (`exc.data`) and no
names; callers that must tell `BatchAlreadyProcessed` from `EnforcedPause` decode it here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_utils.abi import abi_to_signature, get_abi_input_types
from eth_utils.crypto import keccak

# Solidity's built-in `Error(string)` and `Panic(uint256)`, which are not in any ABI.
_BUILTIN = {
    bytes.fromhex("08c379a0"): ("Error", ["string"]),
    bytes.fromhex("4e487b71"): ("Panic", ["uint256"]),
}


@dataclass(frozen=True)
class DecodedError:
    name: str
    args: tuple[Any, ...]

    def __str__(self) -> str:
        return f"{self.name}({', '.join(map(repr, self.args))})"


class ErrorDecoder:
    """Selector → (name, argument types) for every `error` in an ABI, plus the built-ins."""

    def __init__(self, abi: list[dict[str, Any]]) -> None:
        self._errors: dict[bytes, tuple[str, list[str]]] = dict(_BUILTIN)
        for entry in abi:
            if entry.get("type") == "error":
                selector = keccak(text=abi_to_signature(entry))[:4]  # type: ignore[arg-type]
                types = get_abi_input_types(entry)  # type: ignore[arg-type]
                self._errors[selector] = (entry["name"], types)

    def decode(self, data: str | bytes | None) -> DecodedError | None:
        """The error the data encodes; None for empty data or a selector the ABI does not know."""
        raw = _as_bytes(data)
        if raw is None or len(raw) < 4:
            return None
        known = self._errors.get(raw[:4])
        if known is None:
            return None
        name, types = known
        try:
            args = abi_decode(types, raw[4:])
        except Exception:  # truncated or malformed arguments: not this error after all
            return None
        return DecodedError(name, tuple(args))


def _as_bytes(data: str | bytes | None) -> bytes | None:
    if data is None:
        return None
    if isinstance(data, bytes):
        return data
    text = data.strip()
    if text.startswith("Reverted "):  # eth-tester's prefix
        text = text.removeprefix("Reverted ")
    text = text.removeprefix("0x")
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None
