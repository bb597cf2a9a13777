"""Ledger arithmetic: how an entry changes a member's totals. Integers only.

balance = earned + adjusted - redeemed - expired - reversed, and it is never negative.
Transfers a member makes on chain themselves (TRANSFER_IN / TRANSFER_OUT entries) count in
`adjusted`: corrections the chain made, not the program (tiers and analytics tell them apart by
the entry type).

An EARN made with a hold (`held=True`, loyalty.domain.holds) records the award and moves nothing:
no balance, no debt netting, no tokens; ACTIVATE later posts what is still held, as an EARN would
(netting a debt first). A REVERSE of held points (`held=True`) cancels them the same way: nothing
was in the balance, so nothing is taken and nothing is owed.

A REVERSE (points taken back after an order refund) takes what the member still holds; the rest
becomes a debt. The debt is netted against later earnings: an EARN of 100 with a debt of 30
raises the balance by 70 and counts the 30 as reversed. So `delta`, the change of the balance
(and of the tokens: mint when positive, burn when negative), can differ from the entry's points.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from loyalty.domain.errors import InvalidInput
from loyalty.domain.points import conversion_points
from loyalty.domain.values import BALANCE_MAX, POINTS_MAX


class EntryType(StrEnum):
    EARN = "EARN"  # points awarded by a rule (or an explicit earn)
    ADJUST = "ADJUST"  # an admin's correction, + or -
    REDEEM = "REDEEM"  # points spent on a reward
    REFUND = "REFUND"  # points given back for a cancelled redemption
    REVERSE = "REVERSE"  # points taken back after an order refund
    EXPIRE = "EXPIRE"  # points lost to inactivity
    # Points the member moved themselves on chain (a Transfer out of / into their receiving
    # address, final): the chain moved already, so no mint or burn follows.
    TRANSFER_OUT = "TRANSFER_OUT"
    TRANSFER_IN = "TRANSFER_IN"
    # The balance a member brought from the program this one replaced (`loyalty import`): minted
    # like an earn, counted in `earned` (and what left the old program since, see import_totals).
    IMPORT = "IMPORT"
    # Held points (loyalty.domain.holds) whose window passed: an earlier EARN made with a hold
    # moved nothing; this entry brings what is still held into the balance (and is minted).
    ACTIVATE = "ACTIVATE"


ON_CHAIN_ALREADY = frozenset({EntryType.TRANSFER_OUT, EntryType.TRANSFER_IN})


class InsufficientPoints(InvalidInput):
    """The operation would take the balance below zero."""


class NotHeldOnChain(InsufficientPoints):
    """The ledger has the points, but the member's own wallet does not hold them on chain any
    more (the member moved them, or burns already planned take them): a burn for them would be
    refused by the token, so nothing is written."""

    code = "INSUFFICIENT_POINTS"


@dataclass(frozen=True)
class Holding:
    """What a member's own (linked) wallet can cover on a transferable token: its indexed
    on-chain balance minus the burns from it still in flight (planned, not yet final)."""

    address: str
    indexed: int
    burning: int

    @property
    def covers(self) -> int:
        return max(0, self.indexed - self.burning)


def spendable(balance: int, holding: Holding | None) -> int:
    """What a member can spend: the ledger balance, and for a wallet the member controls at
    most what that wallet covers on chain (see Holding). None: a custodial address, which only
    this service moves, so the ledger is the whole truth."""
    if holding is None:
        return balance
    return max(0, min(balance, holding.covers))


@dataclass(frozen=True)
class Totals:
    earned: int = 0
    adjusted: int = 0
    redeemed: int = 0
    expired: int = 0
    reversed: int = 0
    debt: int = 0  # points still owed after reversals, netted against later earnings

    @property
    def balance(self) -> int:
        return self.earned + self.adjusted - self.redeemed - self.expired - self.reversed


@dataclass(frozen=True)
class Posting:
    """The outcome of one entry: what was asked, what the balance did, and the new totals."""

    type: EntryType
    points: int  # as asked, signed (EARN +100, REVERSE -40 …)
    delta: int  # change of the balance and of the member's tokens
    debt_change: int  # + debt incurred, - debt settled
    totals: Totals


@dataclass(frozen=True)
class PostedEntry:
    """A ledger entry as stored (its id) with what it did to the balance."""

    id: int
    type: EntryType
    points: int
    delta: int
    debt_change: int
    balance_after: int
    rule_id: str | None
    rule_revision: int | None
    available_at: datetime | None = None  # an EARN with a hold: when its points become available


def _check_held(holding: Holding | None, balance: int, needed: int, what: str) -> None:
    if holding is None or needed > balance or needed <= holding.covers:
        return  # no wallet, enough at it, or the ledger itself has too few (InsufficientPoints)
    raise NotHeldOnChain(
        f"{what} {needed} points needs that many at the member's wallet {holding.address}; it "
        f"holds {holding.indexed} on chain with {holding.burning} being burned, so "
        f"{holding.covers} can be spent (the ledger balance is {balance}): nothing was written",
        field="amount",
    )


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise InvalidInput(message, field="amount")


def _earned(totals: Totals, type_: EntryType, points: int) -> Posting:
    """EARN and ACTIVATE: a debt is settled first, the rest raises the balance."""
    settled = min(points, totals.debt)
    new = replace(
        totals,
        earned=totals.earned + points,
        reversed=totals.reversed + settled,
        debt=totals.debt - settled,
    )
    return Posting(type_, points, points - settled, -settled, new)


def post(
    totals: Totals,
    type_: EntryType,
    points: int,
    *,
    holding: Holding | None = None,
    held: bool = False,
) -> Posting:
    """Applies one entry. Raises InvalidInput for a sign that does not fit the type and
    InsufficientPoints where the balance would go below zero (ADJUST, REDEEM).

    `held`: an EARN awarded with a hold, or a REVERSE cancelling held points: recorded with its
    points, moving nothing (see the module's docstring). Other types cannot be held.

    `holding`: the member's own wallet (None for a custodial address). A burn never takes more
    than it covers: ADJUST and REDEEM beyond it raise NotHeldOnChain; REVERSE and EXPIRE take at
    most that much (a reversal owes the rest as debt, an expiry lets it go)."""
    if isinstance(points, bool) or not isinstance(points, int):
        raise InvalidInput("points must be an integer", field="amount")
    ledger_balance = totals.balance
    balance = spendable(ledger_balance, holding)
    if held and type_ not in (EntryType.EARN, EntryType.REVERSE):
        raise InvalidInput(f"a {type_.value} entry cannot be held")
    if type_ in (EntryType.EARN, EntryType.ACTIVATE):
        what = "an earn" if type_ is EntryType.EARN else "an activation"
        _require(points > 0, f"{what} must be more than 0 points")
        if points > POINTS_MAX:
            raise InvalidInput(
                f"this earns {points:,} points; one earn is at most {POINTS_MAX:,}",
                field="amount",
            )
        if ledger_balance + points > BALANCE_MAX:
            raise InvalidInput(f"a balance is at most {BALANCE_MAX:,} points", field="amount")
        if held:
            return Posting(type_, points, 0, 0, totals)
        return _earned(totals, type_, points)
    if type_ is EntryType.ADJUST:
        _require(points != 0, "an adjustment must not be 0 points")
        if abs(points) > POINTS_MAX:
            raise InvalidInput(
                f"an adjustment moves at most {POINTS_MAX:,} points, not {points:,}",
                field="amount",
            )
        if ledger_balance + points > BALANCE_MAX:
            raise InvalidInput(f"a balance is at most {BALANCE_MAX:,} points", field="amount")
        if points < 0:
            _check_held(holding, ledger_balance, -points, "an adjustment")
        if ledger_balance + points < 0:
            raise InsufficientPoints(
                f"an adjustment of {points} would take the balance of {ledger_balance} below zero",
                field="amount",
            )
        return Posting(type_, points, points, 0, replace(totals, adjusted=totals.adjusted + points))
    if type_ is EntryType.REDEEM:
        _require(points < 0, "a redemption takes points: give a negative amount")
        _check_held(holding, ledger_balance, -points, "redeeming")
        if -points > ledger_balance:
            raise InsufficientPoints(
                f"redeeming {-points} points needs that many; the balance is {ledger_balance}",
                field="amount",
            )
        return Posting(type_, points, points, 0, replace(totals, redeemed=totals.redeemed - points))
    if type_ is EntryType.REFUND:
        _require(points > 0, "a refund gives points back: give a positive amount")
        _require(points <= totals.redeemed, "a refund cannot give back more than was redeemed")
        return Posting(type_, points, points, 0, replace(totals, redeemed=totals.redeemed - points))
    if type_ is EntryType.REVERSE:
        _require(points < 0, "a reversal takes points: give a negative amount")
        if held:
            return Posting(type_, points, 0, 0, totals)
        taken = min(-points, balance)
        owed = -points - taken
        new = replace(totals, reversed=totals.reversed + taken, debt=totals.debt + owed)
        return Posting(type_, points, -taken, owed, new)
    if type_ is EntryType.EXPIRE:
        _require(points < 0, "an expiry takes points: give a negative amount")
        taken = min(-points, balance)
        return Posting(type_, points, -taken, 0, replace(totals, expired=totals.expired + taken))
    if type_ is EntryType.TRANSFER_IN:
        _require(points > 0, "a transfer in brings points: give a positive amount")
        return Posting(type_, points, points, 0, replace(totals, adjusted=totals.adjusted + points))
    if type_ is EntryType.TRANSFER_OUT:
        # A fact of the chain: never refused. It takes what the ledger still has; more can leave
        # only while a burn planned earlier is in flight, and that burn is then refused by the
        # token (the points it was for left with the transfer), so the rest is nobody's debt.
        _require(points < 0, "a transfer out takes points: give a negative amount")
        taken = min(-points, ledger_balance)
        return Posting(type_, points, -taken, 0, replace(totals, adjusted=totals.adjusted - taken))
    raise InvalidInput(f"unknown entry type {type_!r}")  # pragma: no cover - enum is closed


def import_totals(balance: int, earned: int) -> Totals:
    """The totals of a member imported with `balance` points held and `earned` points earned
    over its life in the old program: earned as given; what it earned and no longer holds
    counts as redeemed (spent or lost there, the old program does not say which), and a balance
    above what it earned (the old program's corrections) as adjusted."""
    if balance < 0 or earned < 0 or balance > BALANCE_MAX or earned > BALANCE_MAX:
        raise InvalidInput(f"balance and earned must be from 0 to {BALANCE_MAX:,}", field="balance")
    return Totals(
        earned=earned, adjusted=max(0, balance - earned), redeemed=max(0, earned - balance)
    )


def adjustment_to_balance(totals: Totals, target: int) -> int:
    """The ADJUST amount that sets the balance to `target` (0 or more): like an `amount`, it
    moves at most POINTS_MAX points."""
    if target < 0:
        raise InsufficientPoints("a balance cannot be set below zero", field="balance")
    change = target - totals.balance
    if abs(change) > POINTS_MAX:
        raise InvalidInput(
            f"setting the balance from {totals.balance:,} to {target:,} moves {change:,} "
            f"points; one adjustment moves at most {POINTS_MAX:,}",
            field="balance",
        )
    return change


def check_adjustment(amount: int | None, balance: int | None) -> None:
    """Exactly one of amount / balance, within Wix's bounds."""
    if (amount is None) == (balance is None):
        raise InvalidInput("give exactly one of amount and balance", field="amount")
    if amount is not None and (amount == 0 or abs(amount) > POINTS_MAX):
        raise InvalidInput(
            f"amount must be from -{POINTS_MAX} to {POINTS_MAX} and not 0", field="amount"
        )
    if balance is not None and not 0 <= balance <= BALANCE_MAX:
        raise InvalidInput(f"balance must be from 0 to {BALANCE_MAX:,}", field="balance")


def check_refund(order_amount: Decimal, refunded_before: Decimal, refund: Decimal) -> None:
    """A refund is more than 0 and, with the earlier refunds, at most the order's amount."""
    if not refund.is_finite() or refund <= 0:
        raise InvalidInput("a refund amount must be more than 0", field="amount")
    if refunded_before + refund > order_amount:
        left = order_amount - refunded_before
        raise InvalidInput(
            f"refund of {format(refund, 'f')} is larger than what is left of the order "
            f"({format(left, 'f')} of {format(order_amount, 'f')})",
            field="amount",
        )


def points_to_reverse(
    awarded: int, order_amount: Decimal, refunded_total: Decimal, reversed_before: int
) -> int:
    """Points to take back now for one award, in proportion to the order refunded so far.

    Cumulative: floor(awarded * refunded_total / order_amount) minus what earlier reversals took,
    so partial refunds never sum to more than the award and a full refund takes it all.
    """
    if order_amount <= 0 or refunded_total >= order_amount:
        target = awarded
    else:
        target = conversion_points(refunded_total, order_amount, awarded)
    return max(0, min(awarded, target) - reversed_before)
