"""Taking the requests the token refuses for one address out of a batch. Pure: the simulation
is a function handed in.

A batch is one transaction: one address the token refuses (its balance moved away from a linked
wallet, so `ERC20InsufficientBalance`; an invalid receiver) makes the whole `burnBatch` or
`mintBatch` revert, and retrying it would hold every other address of the batch with it.
`isolate` finds the addresses to blame and the entries that go through without them:

- a decoded error that names an address of the batch (OpenZeppelin's ERC20 errors do) blames
  that address at once;
- an error about the batch or the contract as a whole (paused, a role revoked, a used batch id)
  blames nobody: the batch waits, as before;
- any other contract error is bisected by simulation: the halves of the batch are simulated until
  one entry fails alone. An error every entry gets is the contract's, not an address's: when
  nothing but refused entries would be left and no subset ever went through, nobody is blamed.

A failure that is not the contract speaking (the node, gas, funds: `SimulationUnclear`) stops the
search: nothing is concluded from it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from contracts.revert import DecodedError

Entry = tuple[str, int]  # (lower-case 0x-hex address, positive amount)

# Errors that name the one address of the batch the token refuses (OpenZeppelin 5 ERC20).
PER_ADDRESS_ERRORS = frozenset(
    {
        "ERC20InsufficientBalance",  # (sender, balance, needed): a burn the address cannot cover
        "ERC20InvalidSender",
        "ERC20InvalidReceiver",
    }
)
# Errors about the batch or the whole contract: never blamed on an address.
BATCH_ERRORS = frozenset(
    {
        "EnforcedPause",
        "ExpectedPause",
        "AccessControlUnauthorizedAccount",
        "AccessControlBadConfirmation",
        "BatchAlreadyProcessed",
        "BatchLengthMismatch",
        "CommittedSupplyMismatch",  # the batch's committed supply, not any one address
        "MintCountTooLarge",
        "EmptyBatch",
        "TransfersDisabled",
        "ZeroAdmin",
    }
)
# Simulations one isolation may spend (each is an eth_call): enough to bisect out several
# addresses of a 200-entry batch; past it the rest waits for the next round.
MAX_SIMULATIONS = 64


class SimulationUnclear(Exception):
    """A simulation failed without a contract error (node, gas, funds): nothing to conclude."""


# entries → None (would succeed) or the contract's error; raises SimulationUnclear.
Simulate = Callable[[Sequence[Entry]], DecodedError | None]


@dataclass
class Isolation:
    refused: dict[str, str] = field(default_factory=dict)  # address → the decoded reason
    rest: list[Entry] = field(default_factory=list)  # the entries left in the batch
    # Why the rest still cannot go (a batch-wide or unattributable error); None: it simulates
    # cleanly (or nothing is left).
    error: DecodedError | None = None
    unclear: str | None = None  # the search stopped on a SimulationUnclear


def named_address(error: DecodedError, addresses: Sequence[str]) -> str | None:
    """The batch's address a contract error names, if it is about one address."""
    if error.name in BATCH_ERRORS:
        return None
    wanted = {a.lower() for a in addresses}
    for arg in error.args:
        if isinstance(arg, str) and arg.lower() in wanted:
            return arg.lower()
    return None


class _Budget:
    def __init__(self, simulate: Simulate, limit: int) -> None:
        self._simulate, self.left = simulate, limit

    def __call__(self, entries: Sequence[Entry]) -> DecodedError | None:
        if self.left <= 0:
            raise _OutOfSimulations
        self.left -= 1
        return self._simulate(entries)


class _OutOfSimulations(Exception):
    pass


def _bisect(
    entries: list[Entry], simulate: _Budget
) -> tuple[tuple[str, DecodedError] | None, bool]:
    """One entry that fails alone, and whether some subset went through on the way."""
    group, passed = entries, False
    error: DecodedError | None = None
    while len(group) > 1:
        half = len(group) // 2
        left, right = group[:half], group[half:]
        error = simulate(left)
        if error is not None:
            if error.name in BATCH_ERRORS:
                return None, passed
            group = left
            continue
        passed = True
        error = simulate(right)
        if error is None or error.name in BATCH_ERRORS:
            return None, True  # neither half fails alone: a combination, nobody to blame
        group = right
    if error is None:  # a batch of one entry: its own simulation
        error = simulate(group)
        if error is None:
            return None, True
    return (group[0][0], error), passed


def isolate(
    entries: Sequence[Entry],
    error: DecodedError,
    simulate: Simulate,
    *,
    max_simulations: int = MAX_SIMULATIONS,
) -> Isolation:
    """Splits a batch whose simulation failed with `error` into the refused addresses (with the
    reason the token gave for each) and the rest, which simulates cleanly when `error` is None."""
    budget = _Budget(simulate, max_simulations)
    rest = list(entries)
    refused: dict[str, str] = {}
    bisected: set[str] = set()
    passed = False  # some subset of the batch simulated cleanly
    current: DecodedError | None = error
    unclear: str | None = None
    try:
        while current is not None and rest:
            if current.name in BATCH_ERRORS:
                break
            address = named_address(current, [a for a, _ in rest])
            reason = current
            if address is None:
                found, saw_pass = _bisect(rest, budget)
                passed = passed or saw_pass
                if found is None:
                    break
                address, reason = found
                bisected.add(address)
            refused[address] = str(reason)
            rest = [e for e in rest if e[0] != address]
            current = budget(rest) if rest else None
            passed = passed or (bool(rest) and current is None)
    except SimulationUnclear as exc:
        unclear = str(exc) or type(exc).__name__
    except _OutOfSimulations:
        unclear = f"gave up after {max_simulations} simulations"
    if bisected and not passed:
        # Every entry tried failed the same unattributable way and nothing ever went through:
        # that is the contract refusing everything, not these addresses. Blame only the named.
        refused = {a: r for a, r in refused.items() if a not in bisected}
        rest = [e for e in entries if e[0] not in refused]
        current = error
    return Isolation(refused=refused, rest=rest, error=current, unclear=unclear)
