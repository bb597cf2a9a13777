"""The committed artifacts load without Node and were built as the project pins and documents."""

from __future__ import annotations

import json
from pathlib import Path

import contracts

CONTRACTS = Path(contracts.__file__).resolve().parent


def test_loyalty_points_artifact_loads_with_the_pinned_compiler() -> None:
    artifact = contracts.load("LoyaltyPoints")
    pinned = json.loads((CONTRACTS / "package.json").read_text())["dependencies"]["solc"]
    assert artifact.compiler_version.startswith(pinned + "+")
    assert artifact.bytecode.startswith("0x") and len(artifact.bytecode) > 1000
    # The runtime code is part of the creation code that deploys it.
    assert artifact.deployed_bytecode[2:] in artifact.bytecode


def test_build_settings_are_the_documented_ones() -> None:
    data = json.loads((CONTRACTS / "artifacts" / "LoyaltyPoints.json").read_text())
    settings = data["compiler"]["settings"]
    assert settings["optimizer"]["enabled"] is True
    assert settings["evmVersion"] == "cancun"
    # Without a metadata hash the bytecode does not depend on paths, so rebuilds compare exactly.
    assert settings["metadata"] == {"bytecodeHash": "none", "appendCBOR": False}


def test_abi_exposes_the_batch_interface_and_custom_errors() -> None:
    abi = contracts.load("LoyaltyPoints").abi
    by_kind: dict[str, set[str]] = {}
    for entry in abi:
        by_kind.setdefault(entry["type"], set()).add(entry.get("name", ""))
    assert {
        "mintBatch",
        "burnBatch",
        "settle",
        "isBatchProcessed",
        "statementSigner",
        "setStatementSigner",
        "pause",
        "unpause",
        "decimals",
    } <= by_kind["function"]
    assert {
        "BatchMinted",
        "BatchBurned",
        "BatchSettled",
        "StatementSignerChanged",
        "Transfer",
    } <= by_kind["event"]
    assert {
        "BatchAlreadyProcessed",
        "CommittedSupplyMismatch",
        "MintCountTooLarge",
        "BatchLengthMismatch",
        "EmptyBatch",
        "TransfersDisabled",
        "EnforcedPause",
        "ERC20InvalidReceiver",
        "ERC20InsufficientBalance",
        "AccessControlUnauthorizedAccount",
    } <= by_kind["error"]
