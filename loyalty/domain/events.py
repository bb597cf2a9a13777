"""Domain events: facts a use case records on its unit of work (loyalty.services.uow), whose
handlers (loyalty.services.handlers) run in the same transaction. Plain data, no behaviour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from loyalty.domain.ledger import PostedEntry
from loyalty.domain.members import Member
from loyalty.domain.tiers import MemberTier


@dataclass(frozen=True)
class EntryPosted:
    """A ledger entry was appended: `member` carries the totals after it."""

    member: Member
    entry: PostedEntry
    at: datetime


@dataclass(frozen=True)
class TierChanged:
    """A member's stored tier changed (a posting, a tier edit or the periodic roll)."""

    change: MemberTier
    at: datetime
    member_id: str | None = None  # when the raiser knows it (saves the handler a read)


@dataclass(frozen=True)
class InboundAccepted:
    """A webhook event was stored PENDING (committed): the inbox has work."""

    event_id: int
    source: str
