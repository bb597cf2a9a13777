"""Gas per recipient of `LoyaltyPoints.mintBatch` beside a plain OpenZeppelin single `mint`, and
what `settle` (the same mints, with the ledger root and committed supply) costs beyond `mintBatch`.

Run: `python -m bench.gas [--recipients 100]` (starts its own anvil on a free port).

Both tokens are measured in the same run on the same node, from the receipts' `gasUsed` (the whole
transaction: the 21,000 base cost and calldata included), so the ratio compares like with like.
Both tokens get one warm-up mint first, so that neither figure carries the one-off cost of
writing `totalSupply` from zero.
"""

from __future__ import annotations

import argparse
import platform
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils.crypto import keccak
from web3 import Web3

from bench.figures import Figure, record
from tests.support.anvil import start_anvil
from tests.support.token import ChainUnderTest, Token, anvil_test_chain

# Targets of issue 2: gas per recipient of a 100-recipient batch.
FRESH_TARGET = 27_000
EXISTING_TARGET = 10_000
# Issue 17: what committing the ledger root with a batch may cost beyond today's mintBatch.
SETTLE_EXTRA_TARGET = 2_000
# A root is 32 random-looking bytes: a run of zero bytes would flatter the calldata figure.
SAMPLE_ROOT = keccak(b"bench-ledger-root")


@dataclass(frozen=True)
class GasFigures:
    recipients: int
    batch_fresh: int  # gasUsed of one mintBatch to `recipients` addresses holding nothing
    batch_existing: int  # the same recipients again, now holders
    single_fresh: int  # ReferenceToken.mint to an address holding nothing
    single_existing: int  # ReferenceToken.mint to a holder
    settle_fresh: int = 0  # gasUsed of one settle (same amounts, other fresh recipients)
    settle_existing: int = 0  # the settle's recipients again, now holders

    @property
    def settle_extra_fresh(self) -> int:
        return self.settle_fresh - self.batch_fresh

    @property
    def settle_extra_existing(self) -> int:
        return self.settle_existing - self.batch_existing

    @property
    def per_fresh(self) -> float:
        return self.batch_fresh / self.recipients

    @property
    def per_existing(self) -> float:
        return self.batch_existing / self.recipients

    @property
    def ratio_fresh(self) -> float:
        return self.per_fresh / self.single_fresh

    @property
    def ratio_existing(self) -> float:
        return self.per_existing / self.single_existing


def recipients(n: int, salt: bytes = b"") -> list[str]:
    """Deterministic, unfunded addresses with the usual 20 random-looking bytes (calldata cost
    depends on zero bytes, so short vanity addresses would flatter the figures)."""
    return [Web3.to_checksum_address(keccak(salt + b"recipient-%d" % i)[12:]) for i in range(n)]


def measure(tc: ChainUnderTest, n: int = 100) -> GasFigures:
    minter_key = tc.minter_key
    token = Token.deploy_loyalty(tc)
    reference = Token.deploy(tc.chain, minter_key, tc.address(1), artifact="ReferenceToken")
    warm_up, single_fresh_to, *batch_to = recipients(n + 2)
    settle_to = recipients(n, b"settle")
    amounts = [25 + 7 * i for i in range(n)]  # small, varied point amounts as in real batches

    def settle(batch: int) -> Any:
        supply = int(token.call("totalSupply")) + sum(amounts)
        bid = batch.to_bytes(32, "big")
        return token.send(minter_key, "settle", bid, settle_to, amounts, n, SAMPLE_ROOT, supply)

    token.send(minter_key, "mintBatch", (1).to_bytes(32, "big"), [warm_up], [1])
    # Interleaved, so that both calls of a pair meet the same warm/cold state of totalSupply.
    fresh = token.send(minter_key, "mintBatch", (2).to_bytes(32, "big"), batch_to, amounts)
    settle_fresh = settle(4)
    existing = token.send(minter_key, "mintBatch", (3).to_bytes(32, "big"), batch_to, amounts)
    settle_existing = settle(5)
    assert token.balance(batch_to[-1]) == 2 * amounts[-1]
    assert token.balance(settle_to[-1]) == 2 * amounts[-1]

    reference.send(minter_key, "mint", warm_up, 1)
    single_fresh = reference.send(minter_key, "mint", single_fresh_to, 100)
    single_existing = reference.send(minter_key, "mint", single_fresh_to, 100)
    return GasFigures(
        recipients=n,
        batch_fresh=int(fresh["gasUsed"]),
        batch_existing=int(existing["gasUsed"]),
        single_fresh=int(single_fresh["gasUsed"]),
        single_existing=int(single_existing["gasUsed"]),
        settle_fresh=int(settle_fresh["gasUsed"]),
        settle_existing=int(settle_existing["gasUsed"]),
    )


def report(figures: GasFigures, node_info: str) -> str:
    n = figures.recipients
    rows = [
        ("fresh recipients", figures.per_fresh, figures.single_fresh, FRESH_TARGET),
        ("existing holders", figures.per_existing, figures.single_existing, EXISTING_TARGET),
    ]
    lines = [
        f"gas on {node_info}; mintBatch of {n} recipients vs OpenZeppelin single mint",
        f"{'':18} {'mintBatch/recipient':>20} {'single mint/tx':>15} {'ratio':>7} {'target':>8}",
    ]
    for label, per, single, target in rows:
        verdict = "ok" if per <= target else "MISSED"
        lines.append(
            f"{label:18} {per:>20,.0f} {single:>15,} {per / single:>7.3f} "
            f"{'≤' + format(target, ','):>8} {verdict}"
        )
    lines.append(
        f"whole batch: {figures.batch_fresh:,} gas fresh, {figures.batch_existing:,} existing"
    )
    for label, extra in (
        ("fresh", figures.settle_extra_fresh),
        ("existing", figures.settle_extra_existing),
    ):
        verdict = "ok" if extra <= SETTLE_EXTRA_TARGET else "MISSED"
        whole = figures.settle_fresh if label == "fresh" else figures.settle_existing
        lines.append(
            f"settle (root + committed supply), {label}: {whole:,} gas, {extra:+,} vs mintBatch "
            f"(target ≤ +{SETTLE_EXTRA_TARGET:,}) {verdict}"
        )
    return "\n".join(lines)


def meets_targets(figures: GasFigures) -> bool:
    return (
        figures.per_fresh <= FRESH_TARGET
        and figures.per_existing <= EXISTING_TARGET
        and figures.settle_extra_fresh <= SETTLE_EXTRA_TARGET
        and figures.settle_extra_existing <= SETTLE_EXTRA_TARGET
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gas", description=__doc__)
    parser.add_argument("--recipients", type=int, default=100)
    args = parser.parse_args(argv)
    print("starting anvil …", flush=True)
    node = start_anvil()
    try:
        tc = anvil_test_chain(node)
        version = tc.chain.w3.client_version
        hardfork = node.rpc("anvil_nodeInfo").get("hardFork", "?")
        print(f"measuring on {version} ({hardfork}) …", flush=True)
        figures = measure(tc, args.recipients)
        tc.close()
    finally:
        node.stop()
    print(report(figures, f"anvil {hardfork}, {platform.machine()} {platform.system()}"))
    for label, per, single, target in (
        (
            "mintBatch gas per fresh recipient",
            figures.per_fresh,
            figures.single_fresh,
            FRESH_TARGET,
        ),
        (
            "mintBatch gas per existing holder",
            figures.per_existing,
            figures.single_existing,
            EXISTING_TARGET,
        ),
    ):
        record(Figure("gas", label, per, "gas", f"<= {target}", "OZ mint/tx", single))
    record(
        Figure(
            "gas",
            f"settle extra gas per batch of {args.recipients} (root + committed supply)",
            figures.settle_extra_existing,
            "gas",
            f"<= {SETTLE_EXTRA_TARGET}",
            "mintBatch/batch",
            figures.batch_existing,
        )
    )
    return 0 if meets_targets(figures) else 1


if __name__ == "__main__":
    sys.exit(main())
