"""Wallet linking: the member proves control of an address by signing a server-issued nonce
(EIP-191 personal_sign); the points held at the old receiving address are moved there (a burn
and a mint through the outbox, in the same transaction as the link).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from eth_account import Account
from eth_account.messages import encode_defunct
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.ledger import members, wallet_challenges, wallet_links
from loyalty.db.outbox import BURN, MINT
from loyalty.db.times import utc
from loyalty.domain.errors import Conflict, InvalidInput
from loyalty.domain.ledger import NotHeldOnChain
from loyalty.domain.members import Member
from loyalty.services.ledger import queue_chain_request
from loyalty.services.members import get_member
from loyalty.services.spendable import holding_of
from loyalty.services.uow import AbstractUnitOfWork

CHALLENGE_TTL = timedelta(minutes=10)
OPEN_CHALLENGES_TRIED = 5
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_SIGNATURE = re.compile(r"^(0x)?[0-9a-fA-F]{130}$")


@dataclass(frozen=True)
class Challenge:
    member_id: str
    message: str
    nonce: str
    expires_at: datetime


def challenge_message(member_id: str, nonce: str, issued_at: datetime) -> str:
    return (
        f"Link this wallet to loyalty member {member_id}.\n"
        f"Nonce: {nonce}\n"
        f"Issued at: {issued_at.isoformat(timespec='seconds')}\n"
        "Signing this costs nothing and moves no funds."
    )


def check_address(address: str) -> str:
    if not isinstance(address, str) or not _ADDRESS.match(address):
        raise InvalidInput("address must be 0x followed by 40 hex digits", field="address")
    if int(address, 16) == 0:
        raise InvalidInput("the zero address cannot receive points", field="address")
    return address.lower()


def check_signature(signature: str) -> str:
    if not isinstance(signature, str) or not _SIGNATURE.match(signature):
        raise InvalidInput("signature must be 65 bytes of hex (r, s, v)", field="signature")
    return signature if signature.startswith("0x") else "0x" + signature


def signer_of(message: str, signature: str) -> str | None:
    try:
        return str(
            Account.recover_message(encode_defunct(text=message), signature=signature)
        ).lower()
    except Exception:  # malformed r/s/v: not a signature of anything
        return None


async def _check_old_wallet_covers(conn: AsyncConnection, member: Member, amount: int) -> None:
    """Moving from a wallet of the member's own burns there: never more than it covers (points
    sent away from it reach the ledger once final, while it is still the linked one)."""
    holding = await holding_of(conn, member)
    if holding is None or holding.covers >= amount:
        return
    raise NotHeldOnChain(
        f"the linked wallet {holding.address} holds {holding.indexed} on chain with "
        f"{holding.burning} being burned, but the balance to move is {amount}: transfers out of "
        "it become ledger entries once final (or a mint to it is not indexed yet); link the new "
        "wallet after that",
        field="address",
    )


async def issue_challenge(uow: AbstractUnitOfWork, member_id: str) -> Challenge:
    nonce = secrets.token_hex(16)
    async with uow:
        conn, now = uow.conn, uow.clock.now()
        member = await get_member(conn, member_id)
        message = challenge_message(member.member_id, nonce, now)
        await conn.execute(
            wallet_challenges.insert().values(
                member_pk=member.pk,
                nonce=nonce,
                message=message,
                created_at=now,
                expires_at=now + CHALLENGE_TTL,
            )
        )
    return Challenge(member.member_id, message, nonce, now + CHALLENGE_TTL)


async def link_wallet(
    uow: AbstractUnitOfWork, member_id: str, address: str, signature: str
) -> Member:
    address = check_address(address)
    signature = check_signature(signature)
    try:
        async with uow:
            conn, now = uow.conn, uow.clock.now()
            member = await get_member(conn, member_id, lock=True)
            open_challenges = (
                await conn.execute(
                    select(wallet_challenges)
                    .where(
                        wallet_challenges.c.member_pk == member.pk,
                        wallet_challenges.c.used_at.is_(None),
                    )
                    .order_by(wallet_challenges.c.id.desc())
                    .limit(OPEN_CHALLENGES_TRIED)
                )
            ).all()
            live = [c for c in open_challenges if (utc(c.expires_at) or now) > now]
            if not live:
                raise InvalidInput(
                    "no open challenge: each is single-use and lasts "
                    f"{int(CHALLENGE_TTL.total_seconds() // 60)} minutes; ask walletLinkChallenge "
                    "for a new one",
                    field="signature",
                )
            matched = next((c for c in live if signer_of(c.message, signature) == address), None)
            if matched is None:
                raise InvalidInput(
                    "the signature is not the address's personal_sign of an open challenge",
                    field="signature",
                )
            if address == member.wallet_address:
                raise Conflict("this wallet is already linked to the member", field="address")
            used = await conn.execute(
                wallet_challenges.update()
                .where(wallet_challenges.c.id == matched.id, wallet_challenges.c.used_at.is_(None))
                .values(used_at=now)
            )
            if used.rowcount != 1:
                raise InvalidInput("this challenge was used already", field="signature")
            amount = member.totals.balance
            source = member.receiving_address
            await _check_old_wallet_covers(conn, member, amount)
            if amount > 0:
                # Burn first, then mint: the minter sends one member's requests in id order.
                for kind, where in ((BURN, source), (MINT, address)):
                    await queue_chain_request(
                        conn,
                        kind=kind,
                        address=where,
                        amount=amount,
                        member_id=member.member_id,
                        ledger_entry_id=None,
                        now=now,
                    )
            await conn.execute(
                wallet_links.insert().values(
                    member_pk=member.pk,
                    challenge_id=matched.id,
                    from_address=source,
                    to_address=address,
                    amount=amount,
                    linked_at=now,
                )
            )
            await conn.execute(
                members.update()
                .where(members.c.id == member.pk)
                .values(
                    wallet_address=address,
                    wallet_linked_at=now,
                    revision=member.revision + 1,
                    updated_at=now,
                )
            )
            return await get_member(conn, member.member_id)
    except IntegrityError as exc:
        # members.wallet_address is unique; wallet_links.challenge_id too (single use).
        if "wallet_address" in str(exc.orig) or "members" in str(exc.orig):
            raise Conflict("this wallet is linked to another member", field="address") from None
        raise InvalidInput("this challenge was used already", field="signature") from None
