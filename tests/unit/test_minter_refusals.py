"""Isolating the addresses the token refuses out of a batch (minter.refusals): pure, the
simulation is a fake that knows which addresses the token would refuse."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.revert import DecodedError
from minter.refusals import Entry, SimulationUnclear, isolate, named_address

ADDRS = ["0x" + f"{i:040x}" for i in range(1, 41)]
A, B, C, D = ADDRS[:4]


def insufficient(address: str, balance: int, needed: int) -> DecodedError:
    # eth_abi hands addresses back checksummed: compare case-insensitively.
    checksummed = "0x" + address[2:].upper()
    return DecodedError("ERC20InsufficientBalance", (checksummed, balance, needed))


class FakeToken:
    """Simulates a burn batch: `balances` says what each address holds; `blocked` addresses
    revert with an error that names no address; `paused` refuses everything."""

    def __init__(
        self,
        balances: dict[str, int] | None = None,
        *,
        blocked: Sequence[str] = (),
        paused: bool = False,
        universal: DecodedError | None = None,
    ) -> None:
        self.balances = balances or {}
        self.blocked = set(blocked)
        self.paused = paused
        self.universal = universal
        self.calls: list[list[Entry]] = []

    def __call__(self, entries: Sequence[Entry]) -> DecodedError | None:
        self.calls.append(list(entries))
        if self.paused:
            return DecodedError("EnforcedPause", ())
        if self.universal is not None:
            return self.universal
        for address, amount in entries:  # the contract stops at the first failing entry
            if address in self.blocked:
                return DecodedError("Error", ("blocked",))
            held = self.balances.get(address, 10**9)
            if held < amount:
                return insufficient(address, held, amount)
        return None


def test_the_address_a_decoded_error_names_is_refused_and_the_rest_goes_at_once() -> None:
    token = FakeToken({A: 60})
    entries = [(B, 10), (A, 100), (C, 5)]
    result = isolate(entries, token(entries) or pytest.fail("should fail"), token)
    assert result.refused == {A: str(insufficient(A, 60, 100))}
    assert "ERC20InsufficientBalance" in result.refused[A] and "60, 100" in result.refused[A]
    assert result.rest == [(B, 10), (C, 5)]
    assert result.error is None and result.unclear is None
    assert token.calls[-1] == [(B, 10), (C, 5)]  # the rest was simulated once, and passes


def test_several_refused_addresses_are_each_taken_out() -> None:
    token = FakeToken({A: 1, C: 0})
    entries = [(A, 5), (B, 5), (C, 5), (D, 5)]
    result = isolate(entries, token(entries) or pytest.fail(), token)
    assert set(result.refused) == {A, C}
    assert result.rest == [(B, 5), (D, 5)] and result.error is None


def test_an_error_naming_no_address_is_bisected_to_the_entry_that_fails_alone() -> None:
    entries = [(a, 1) for a in ADDRS[:16]]
    token = FakeToken(blocked=[ADDRS[11]])
    result = isolate(entries, token(entries) or pytest.fail(), token)
    assert result.refused == {ADDRS[11]: "Error('blocked')"}
    assert result.rest == [e for e in entries if e[0] != ADDRS[11]] and result.error is None
    assert len(token.calls) <= 1 + 2 * 4 + 1  # log2(16) levels of at most two simulations


def test_a_paused_token_blames_nobody() -> None:
    token = FakeToken(paused=True)
    entries = [(A, 1), (B, 1)]
    result = isolate(entries, DecodedError("EnforcedPause", ()), token)
    assert result.refused == {} and result.rest == entries
    assert result.error == DecodedError("EnforcedPause", ())
    assert token.calls == []


def test_an_error_every_entry_gets_blames_nobody() -> None:
    oops = DecodedError("Error", ("out of service",))
    token = FakeToken(universal=oops)
    entries = [(A, 1), (B, 1), (C, 1)]
    result = isolate(entries, oops, token)
    assert result.refused == {} and result.rest == entries and result.error == oops


def test_a_single_entry_with_an_unattributable_error_is_not_refused() -> None:
    token = FakeToken(blocked=[A])
    result = isolate([(A, 1)], DecodedError("Error", ("blocked",)), token)
    assert result.refused == {} and result.rest == [(A, 1)]


def test_a_single_entry_whose_error_names_it_is_refused() -> None:
    token = FakeToken({A: 0})
    result = isolate([(A, 7)], insufficient(A, 0, 7), token)
    assert list(result.refused) == [A] and result.rest == [] and result.error is None
    assert token.calls == []


def test_a_batch_wide_error_behind_a_refused_address_keeps_the_rest_waiting() -> None:
    calls = 0

    def simulate(entries: Sequence[Entry]) -> DecodedError | None:
        nonlocal calls
        calls += 1
        return DecodedError("EnforcedPause", ())  # paused right after the first simulation

    result = isolate([(A, 9), (B, 1)], insufficient(A, 0, 9), simulate)
    assert list(result.refused) == [A] and result.rest == [(B, 1)]
    assert result.error == DecodedError("EnforcedPause", ()) and calls == 1


def test_a_node_failure_stops_the_search_without_concluding() -> None:
    def simulate(entries: Sequence[Entry]) -> DecodedError | None:
        raise SimulationUnclear("connection reset")

    result = isolate([(A, 1), (B, 1)], DecodedError("Error", ("blocked",)), simulate)
    assert result.refused == {} and result.rest == [(A, 1), (B, 1)]
    assert result.unclear == "connection reset"


def test_the_simulation_budget_bounds_the_search() -> None:
    entries = [(a, 1) for a in ADDRS]
    token = FakeToken(blocked=ADDRS[::2])
    result = isolate(entries, token(entries) or pytest.fail(), token, max_simulations=10)
    assert len(token.calls) <= 11
    assert result.unclear is not None and "10 simulations" in result.unclear
    assert {a for a, _ in result.rest} | set(result.refused) == set(ADDRS)


def test_named_address_ignores_batch_errors_and_foreign_addresses() -> None:
    minter = "0x" + "f" * 40
    role = DecodedError("AccessControlUnauthorizedAccount", (minter, b"\x00" * 32))
    assert named_address(role, [A, minter]) is None
    assert named_address(insufficient(D, 0, 1), [A, B]) is None
    assert named_address(insufficient(B, 0, 1), [A, B]) == B


@given(
    st.lists(st.integers(0, 30), min_size=1, max_size=25, unique=True),
    st.sets(st.integers(0, 30)),
    st.sets(st.integers(0, 30)),
)
def test_exactly_the_failing_addresses_are_refused_and_the_rest_passes(
    members: list[int], short: set[int], blocked: set[int]
) -> None:
    entries = [(ADDRS[i], 5) for i in members]
    token = FakeToken({ADDRS[i]: 4 for i in short}, blocked=[ADDRS[i] for i in blocked])
    error = token(entries)
    if error is None:
        return
    result = isolate(entries, error, token, max_simulations=10_000)
    bad_short = {ADDRS[i] for i in members if i in short and i not in blocked}
    bad_blocked = {ADDRS[i] for i in members if i in blocked}
    assert set(result.refused) >= bad_short  # named: always refused
    assert {a for a, _ in result.rest} | set(result.refused) == {a for a, _ in entries}
    if len(bad_short | bad_blocked) < len(members):
        # some entry passes: every failing address is found, and the rest goes through
        assert set(result.refused) == bad_short | bad_blocked
        assert result.error is None
        assert not result.rest or token(result.rest) is None
    else:
        # nothing passes alone: an unnamed error might be the contract's; only the named go
        assert set(result.refused) == bad_short
