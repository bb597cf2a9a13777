"""The program-wide settings as the use cases read them (one row, revisioned)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from loyalty.domain.expiry import ExpirationPolicy
from loyalty.domain.lifecycle import PointDefinition, ProgramStatus
from loyalty.domain.tier_program import TierProgram


@dataclass(frozen=True)
class Program:
    tiers_window_months: int
    points_expiration: ExpirationPolicy
    point_value: Decimal
    email_subject: str
    email_body: str
    email_enabled: bool
    webhook_url: str | None
    revision: int
    updated_date: datetime
    time_zone: str = "UTC"  # IANA name: campaigns' hours and limits' periods are read in it
    status: ProgramStatus = ProgramStatus.ACTIVE  # loyalty.domain.lifecycle
    point_definition: PointDefinition = field(default_factory=PointDefinition)
    # When the program was last activated after a pause (the inactivity clock starts again).
    resumed_at: datetime | None = None
    hold_days: int = 0  # days earned points are held (loyalty.domain.holds); a rule may override
    tier_program: TierProgram = field(default_factory=TierProgram)
