"""A member as the use cases see it: identity, receiving address, totals, revision."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from loyalty.domain.ledger import Totals


@dataclass(frozen=True)
class Member:
    pk: int
    member_id: str
    custodial_address: str
    wallet_address: str | None
    wallet_linked_at: datetime | None
    totals: Totals
    revision: int
    last_activity_at: datetime | None
    created_at: datetime

    @property
    def receiving_address(self) -> str:
        """Where the member's points are minted: the linked wallet, else the custodial one."""
        return self.wallet_address or self.custodial_address

    def with_totals(self, totals: Totals) -> Member:
        return replace(self, totals=totals, revision=self.revision + 1)
