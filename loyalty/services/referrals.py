"""Referrals (issue 15) on the exactly-once pipe: recording one (`recordReferral`, or a webhook
event carrying `referralCode`), its qualification by the friend's activity, its rejection by a
refund of the qualifying order, and the rewards, posted to both sides in one transaction once
the hold has passed. The rules are in loyalty.domain.referrals.

Exactly once: a friend has one referral row (a unique friend_pk), its rewards are ledger entries
under the business keys `referral:<id>:referrer` / `referral:<id>:friend`, and the row moves to
REWARDED in the transaction that posts them; a grant that finds the row no longer QUALIFIED does
nothing. The weekly limits count under the referrer's row lock, so concurrent referrals from one
referrer cannot both pass the last free place.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.custody import AddressBook
from loyalty.db.ledger import insert_or_skip, orders
from loyalty.db.program import member_contacts
from loyalty.db.referrals import add_code, referral_codes, referrals
from loyalty.domain.errors import DomainError, InvalidInput
from loyalty.domain.members import Member
from loyalty.domain.referrals import (
    WEEK,
    AlreadyReferred,
    Candidate,
    ProgramNotActive,
    ProgramStatus,
    Reason,
    Settings,
    Status,
    Trigger,
    UnknownCode,
    normalise_code,
    qualifies,
    reward_due,
    screen,
)
from loyalty.services.members import check_member_id, ensure_member, get_member
from loyalty.services.referral_program import get_settings
from loyalty.services.referral_rewards import grant, lock_member
from loyalty.services.uow import AbstractUnitOfWork

EMAIL_MAX = 254


@dataclass(frozen=True)
class ReferralInput:
    code: str
    friend_member_id: str
    email: str | None = None  # the friend's, as they signed up (for the same-e-mail check)
    ip: str | None = None  # the sender's IP address (for the weekly per-IP limit)


@dataclass(frozen=True)
class Recorded:
    referral_id: int
    status: Status
    reason: Reason | None
    duplicate: bool  # the same referral was recorded before: nothing changed

    def to_json(self) -> dict[str, Any]:
        return {
            "referralId": self.referral_id,
            "status": self.status.value,
            "reason": None if self.reason is None else self.reason.value,
            "duplicate": self.duplicate,
        }


def check_input(inp: ReferralInput) -> str:
    """The code as stored; everything that needs no database checked (InvalidInput /
    UnknownCode), before anything is written."""
    check_member_id(inp.friend_member_id)
    check_sender(inp.email, inp.ip)
    code = normalise_code(inp.code) if isinstance(inp.code, str) else None
    if code is None:
        raise UnknownCode("no member has this referral code", field="code")
    return code


def check_sender(email: str | None, ip: str | None) -> None:
    """The friend's e-mail and the sender's IP, when given, are what they claim to be."""
    if email is not None and (len(email) > EMAIL_MAX or "@" not in email):
        raise InvalidInput(f"email must be an e-mail address (at most {EMAIL_MAX})", field="email")
    if ip is not None:
        ip_hash(ip)


def ip_hash(ip: str) -> str:
    try:
        canonical = ipaddress.ip_address(ip.strip()).compressed
    except ValueError:
        raise InvalidInput("ip must be an IPv4 or IPv6 address", field="ip") from None
    return hashlib.sha256(canonical.encode()).hexdigest()


async def record_referral(
    uow: AbstractUnitOfWork, inp: ReferralInput, *, custody: AddressBook
) -> Recorded:
    """Records a referral (the friend created if new): REJECTED with its reason, or PENDING (or
    QUALIFIED/REWARDED at once when signing up qualifies). Recording the same referral again
    answers it as it is (duplicate); another referrer for the same friend is ALREADY_REFERRED."""
    check_input(inp)
    async with uow:
        settings = await get_settings(uow.conn)
        return await arrive(uow, inp, settings=settings, custody=custody, now=uow.clock.now())


async def arrive(
    uow: AbstractUnitOfWork,
    inp: ReferralInput,
    *,
    settings: Settings,
    custody: AddressBook,
    now: datetime,
    current_order: str | None = None,
) -> Recorded:
    """The referral recorded in the caller's unit of work. `current_order`: the order of the
    event that carries the code (it does not make the friend "not new")."""
    code = check_input(inp)
    if settings.status is not ProgramStatus.ACTIVE:
        raise ProgramNotActive(
            f"the referral program is {settings.status.value}: no referral is recorded",
            field="code",
        )
    conn = uow.conn
    referrer_pk = await conn.scalar(
        select(referral_codes.c.member_pk).where(
            referral_codes.c.code == code, referral_codes.c.active.is_(True)
        )
    )
    if referrer_pk is None:
        raise UnknownCode("no member has this referral code", field="code")
    friend, _ = await ensure_member(conn, inp.friend_member_id, custody, now=now)
    existing = await _referral_of_friend(conn, friend.pk)
    if existing is not None:
        return _again(existing, int(referrer_pk))
    referrer = await lock_member(conn, int(referrer_pk))
    hashed = None if inp.ip is None else ip_hash(inp.ip)
    candidate = Candidate(
        referrer_pk=referrer.pk,
        friend_pk=friend.pk,
        referrer_email=await _email(conn, referrer.member_id),
        friend_email=inp.email or await _email(conn, friend.member_id),
        referrer_wallet=referrer.wallet_address,
        friend_wallet=friend.wallet_address,
        friend_had_order=await _had_order(conn, friend.pk, besides=current_order),
        referrer_this_week=await _count_week(conn, referrals.c.referrer_pk == referrer.pk, now),
        ip_this_week=None
        if hashed is None
        else await _count_week(conn, referrals.c.ip_hash == hashed, now),
    )
    reason = screen(candidate, settings.limits)
    status = Status.PENDING if reason is None else Status.REJECTED
    new_id = await conn.scalar(
        insert_or_skip(conn.dialect.name, referrals, ["friend_pk"])
        .values(
            referrer_pk=referrer.pk,
            friend_pk=friend.pk,
            code=code,
            status=status.value,
            reason=None if reason is None else reason.value,
            ip_hash=hashed,
            created_at=now,
            updated_at=now,
        )
        .returning(referrals.c.id)
    )
    if new_id is None:  # a concurrent transaction referred this friend first
        raced = await _referral_of_friend(conn, friend.pk)
        assert raced is not None
        return _again(raced, referrer.pk)
    recorded = Recorded(int(new_id), status, reason, duplicate=False)
    if status is Status.PENDING and settings.trigger is Trigger.SIGN_UP:
        return await _qualify(uow, int(new_id), settings, now=now, order_key=None)
    return recorded


def _again(row: Any, referrer_pk: int) -> Recorded:
    if int(row.referrer_pk) != referrer_pk:
        raise AlreadyReferred(
            "this friend was already referred by another member (a friend is referred once)",
            field="friendMemberId",
        )
    reason = None if row.reason is None else Reason(row.reason)
    return Recorded(int(row.id), Status(row.status), reason, duplicate=True)


async def on_activity(
    uow: AbstractUnitOfWork,
    settings: Settings,
    friend: Member,
    *,
    details: Mapping[str, Any],
    order_key: str | None,
    amount: Decimal | None,
    custody: AddressBook,
    now: datetime,
) -> tuple[Member, dict[str, Any] | None]:
    """The referral part of applying an activity (loyalty.services.activities): a code the
    event carries is recorded (a refusal — unknown code, program not active, referred before —
    goes into the answer and fails nothing), then the member's pending referral qualifies if
    this activity does. Returns the member as it is now and the answer's `referral` part."""
    answer: dict[str, Any] | None = None
    code = details.get("referralCode")
    if isinstance(code, str):
        inp = ReferralInput(code, friend.member_id, details.get("email"), details.get("ip"))
        try:
            recorded = await arrive(
                uow, inp, settings=settings, custody=custody, now=now, current_order=order_key
            )
        except DomainError as exc:
            answer = {"error": {"code": exc.code, "message": str(exc)}}
        else:
            answer = recorded.to_json()
            if recorded.status is Status.REWARDED:
                friend = await get_member(uow.conn, friend.member_id)
    friend, moved = await after_activity(
        uow, settings, friend, order_key=order_key, amount=amount, now=now
    )
    if moved is not None:
        answer = moved.to_json()
    return friend, answer


async def after_activity(
    uow: AbstractUnitOfWork,
    settings: Settings,
    friend: Member,
    *,
    order_key: str | None,
    amount: Decimal | None,
    now: datetime,
) -> tuple[Member, Recorded | None]:
    """Qualifies the friend's PENDING referral when this activity does (see
    loyalty.domain.referrals.qualifies). Returns the friend with their totals after any reward
    posted here, and the referral when it moved."""
    if settings.status is ProgramStatus.DRAFT:
        return friend, None
    if settings.trigger is Trigger.FIRST_ORDER and order_key is None:
        return friend, None
    conn = uow.conn
    row = (
        await conn.execute(
            select(referrals.c.id).where(
                referrals.c.friend_pk == friend.pk, referrals.c.status == Status.PENDING.value
            )
        )
    ).first()
    if row is None or not qualifies(settings, order_amount=amount, has_order=order_key is not None):
        return friend, None
    recorded = await _qualify(uow, int(row.id), settings, now=now, order_key=order_key)
    if recorded.status is Status.REWARDED:
        friend = await get_member(conn, friend.member_id)
    return friend, recorded


async def _qualify(
    uow: AbstractUnitOfWork,
    referral_id: int,
    settings: Settings,
    *,
    now: datetime,
    order_key: str | None,
) -> Recorded:
    await uow.conn.execute(
        referrals.update()
        .where(referrals.c.id == referral_id)
        .values(
            status=Status.QUALIFIED.value,
            order_key=order_key,
            qualified_at=now,
            reward_due_at=reward_due(settings, now),
            updated_at=now,
        )
    )
    if settings.hold_days == 0:
        await grant(uow, referral_id, settings, now=now)
        return Recorded(referral_id, Status.REWARDED, None, duplicate=False)
    return Recorded(referral_id, Status.QUALIFIED, None, duplicate=False)


async def regenerate_code(uow: AbstractUnitOfWork, member_id: str) -> str:
    """A new code for the member; the old one refers nobody from now on."""
    async with uow:
        conn = uow.conn
        member = await get_member(conn, member_id, lock=True)
        await conn.execute(
            referral_codes.update()
            .where(referral_codes.c.member_pk == member.pk, referral_codes.c.active.is_(True))
            .values(active=False)
        )
        return await add_code(conn, member.pk, now=uow.clock.now())


# --- reads used above ------------------------------------------------------------------------


async def _referral_of_friend(conn: AsyncConnection, friend_pk: int) -> Any:
    return (await conn.execute(select(referrals).where(referrals.c.friend_pk == friend_pk))).first()


async def _email(conn: AsyncConnection, member_id: str) -> str | None:
    found = await conn.scalar(
        select(member_contacts.c.email).where(member_contacts.c.member_id == member_id)
    )
    return None if found is None else str(found)


async def _had_order(conn: AsyncConnection, member_pk: int, *, besides: str | None) -> bool:
    query = select(orders.c.id).where(orders.c.member_pk == member_pk)
    if besides is not None:
        query = query.where(orders.c.order_key != besides)
    return await conn.scalar(query.limit(1)) is not None


async def _count_week(conn: AsyncConnection, who: Any, now: datetime) -> int:
    """Referrals (not rejected) matching `who` recorded in the 7 days before `now`."""
    return int(
        await conn.scalar(
            select(func.count()).where(
                who,
                referrals.c.created_at > now - WEEK,
                referrals.c.status != Status.REJECTED.value,
            )
        )
        or 0
    )
