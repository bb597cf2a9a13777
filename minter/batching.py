"""Grouping pending requests into batches, and batch ids. Pure: no I/O.

Requests are netted per address (mints minus burns): an address with net +7 goes into a mint
batch for 7, net -7 into a burn batch for 7. The requests of addresses that net to 0 (a
redemption cancelled at once, a refund right after its purchase) go into one netted batch of
their own, which has no on-chain entry and is never sent: it is NETTED (final) at once. All of an
address's claimed requests go into one batch, so for every (batch, address) the on-chain amount
(signed by the batch kind) equals the signed sum of the requests the batch covers, and for a
netted batch every address's sum is 0; the audit checks exactly that. Netting pending requests
only is safe: a net burn needs the same balance as the mint-then-burn it replaces.

With a committing token (issue 17, `plan_settle_batches`) a batch is a SETTLE batch instead: a
run of consecutive requests (in id order) with at most `max_recipients` addresses, minted and
burned in one `settle` call that also commits the ledger root as of that batch; its entries are
signed nets (mints positive, burns negative). A run whose addresses all net to zero is netted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from eth_abi.abi import encode
from eth_utils.crypto import keccak

MINT, BURN, SETTLE = "MINT", "BURN", "SETTLE"


@dataclass(frozen=True)
class Request:
    id: int
    kind: str  # MINT | BURN
    address: str  # lower-case 0x-hex
    amount: int
    created_at: dt.datetime

    @property
    def signed(self) -> int:
        return self.amount if self.kind == MINT else -self.amount


@dataclass
class PlannedBatch:
    kind: str  # MINT | BURN | SETTLE; a netted batch is recorded as MINT (SETTLE) and never sent
    # On-chain entries, in order of each address's first request: (address, positive amount);
    # for SETTLE (address, signed net).
    entries: list[tuple[str, int]] = field(default_factory=list)
    request_ids: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        """The points the batch moves (minted plus burned)."""
        return gross(self.entries)

    @property
    def netted(self) -> bool:
        """Every address of the batch nets to zero: nothing goes on chain."""
        return not self.entries


def is_ready(
    requests: Sequence[Request], now: dt.datetime, *, max_recipients: int, max_age: dt.timedelta
) -> bool:
    """Send now, or wait for more? Now when a batch would be full or the oldest has waited."""
    if not requests:
        return False
    if len({r.address for r in requests}) >= max_recipients:
        return True
    return now - min(r.created_at for r in requests) >= max_age


def net_by_address(requests: Iterable[Request]) -> dict[str, int]:
    """address → signed net, in order of each address's first request."""
    nets: dict[str, int] = {}
    for r in sorted(requests, key=lambda r: r.id):
        nets[r.address] = nets.get(r.address, 0) + r.signed
    return nets


def plan_batches(requests: Sequence[Request], *, max_recipients: int) -> list[PlannedBatch]:
    """Mint batches first (a burn may need the points of a mint), each at most `max_recipients`
    on-chain entries; then, if any address nets to zero, one netted batch with their requests."""
    if max_recipients < 1:
        raise ValueError("max_recipients must be at least 1")
    by_address: dict[str, list[int]] = {}
    for r in sorted(requests, key=lambda r: r.id):
        by_address.setdefault(r.address, []).append(r.id)
    nets = net_by_address(requests)
    batches: list[PlannedBatch] = []
    for kind in (MINT, BURN):
        current: PlannedBatch | None = None
        for address, net in nets.items():
            if net == 0 or (net > 0) != (kind == MINT):
                continue
            if current is None or len(current.entries) >= max_recipients:
                current = PlannedBatch(kind)
                batches.append(current)
            current.entries.append((address, abs(net)))
            current.request_ids.extend(by_address[address])
    netted = PlannedBatch(MINT)
    for address, net in nets.items():
        if net == 0:
            netted.request_ids.extend(by_address[address])
    if netted.request_ids:
        batches.append(netted)
    for b in batches:
        b.request_ids.sort()
    return batches


def gross(entries: Iterable[tuple[str, int]]) -> int:
    """Points minted plus burned by a batch's entries (SETTLE entries are signed)."""
    return sum(abs(amount) for _, amount in entries)


def plan_settle_batches(requests: Sequence[Request], *, max_recipients: int) -> list[PlannedBatch]:
    """Consecutive runs of the requests (in id order), each with at most `max_recipients`
    addresses, all of an address's requests of the run in it: SETTLE batches, or netted ones
    where every address of the run nets to zero."""
    if max_recipients < 1:
        raise ValueError("max_recipients must be at least 1")
    batches: list[PlannedBatch] = []
    run: list[Request] = []
    addresses: set[str] = set()
    for r in sorted(requests, key=lambda r: r.id):
        if r.address not in addresses and len(addresses) >= max_recipients:
            batches.append(_settle_batch(run))
            run, addresses = [], set()
        run.append(r)
        addresses.add(r.address)
    if run:
        batches.append(_settle_batch(run))
    return batches


def _settle_batch(run: Sequence[Request]) -> PlannedBatch:
    planned = PlannedBatch(SETTLE, batch_entries(SETTLE, run), [r.id for r in run])
    return planned


def settle_order(entries: Sequence[tuple[str, int]]) -> tuple[list[str], list[int], int]:
    """A SETTLE batch's call arguments: accounts and positive amounts, mints first, and the
    number of mints."""
    mints = [(a, n) for a, n in entries if n > 0]
    burns = [(a, -n) for a, n in entries if n < 0]
    ordered = mints + burns
    return [a for a, _ in ordered], [n for _, n in ordered], len(mints)


def batch_entries(kind: str, requests: Sequence[Request]) -> list[tuple[str, int]]:
    """The on-chain entries of a batch, recomputed from the requests it covers (so a re-signed
    transaction carries exactly what the first one did)."""
    entries = []
    for address, net in net_by_address(requests).items():
        if net == 0:
            continue
        if kind == SETTLE:
            entries.append((address, net))
            continue
        if (net > 0) != (kind == MINT):
            raise ValueError(f"address {address} nets {net}, which a {kind} batch cannot carry")
        entries.append((address, abs(net)))
    return entries


def derive_batch_id(chain_id: int, token_address: str, batch_pk: int) -> str:
    """bytes32 batch id (0x-hex) from the batch row id, the chain and the token: the contract
    refuses an id it has seen, so a batch can land once whatever is re-sent."""
    data = encode(
        ["string", "uint256", "address", "uint256"],
        ["loyalty-minter-batch", chain_id, token_address.lower(), batch_pk],
    )
    return "0x" + keccak(data).hex()
