"""The program's lifecycle (Wix: a program is a draft until it is activated, and may be paused):
`DRAFT | ACTIVE | PAUSED`, and what each allows.

Only an ACTIVE program earns and spends: while DRAFT or PAUSED, activities (GraphQL) and
redemptions and adjustments are refused with PROGRAM_NOT_ACTIVE, and webhooks are still stored
(nothing is lost) but processed as IGNORED with the reason. An event ignored during a pause stays
ignored after the program is activated again: replaying it later would award points for a period
in which the shop had said nothing is earned, and a shop that wants them can record the
activities again (or adjust). Refunds keep taking points back while paused.

Expiry while paused: nothing expires, and the inactivity clock starts again when the program is
activated (`resumed_at`), so the pause never counts as a member's inactivity (see
loyalty.domain.expiry.upcoming).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from loyalty.domain.errors import DomainError, InvalidInput

POINT_NAME_MAX = 50
ICON_URL_MAX = 2000
DEFAULT_POINT_NAME = "Points"


class ProgramStatus(StrEnum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"


class ProgramNotActive(DomainError):
    """The program is DRAFT or PAUSED: nothing is earned or spent until it is activated."""

    code = "PROGRAM_NOT_ACTIVE"


@dataclass(frozen=True)
class PointDefinition:
    """What the shop calls its points (Wix `pointDefinition`): shown to members, e.g. "Stars"."""

    name: str = DEFAULT_POINT_NAME
    icon_url: str | None = None


def require_active(status: ProgramStatus, doing: str) -> None:
    if status is not ProgramStatus.ACTIVE:
        raise ProgramNotActive(
            f"the loyalty program is {status.value}: {doing} is refused until it is activated "
            "(activateLoyaltyProgram)"
        )


def ignored_reason(status: ProgramStatus) -> str:
    """What a webhook processed while the program is not ACTIVE is answered with."""
    return f"program {status.value}: nothing is earned until the program is activated"


def activated(current: ProgramStatus) -> ProgramStatus:
    if current is ProgramStatus.ACTIVE:
        raise InvalidInput("the loyalty program is ACTIVE already", field="status")
    return ProgramStatus.ACTIVE


def paused(current: ProgramStatus) -> ProgramStatus:
    if current is not ProgramStatus.ACTIVE:
        raise InvalidInput(
            f"only an ACTIVE program can be paused; this one is {current.value}", field="status"
        )
    return ProgramStatus.PAUSED


def validate_point_definition(data: PointDefinition) -> PointDefinition:
    name = data.name.strip() if isinstance(data.name, str) else ""
    if not 1 <= len(name) <= POINT_NAME_MAX or any(ord(c) < 32 for c in name):
        raise InvalidInput(
            f"pointDefinition.name must be 1 to {POINT_NAME_MAX} characters",
            field="pointDefinition.name",
        )
    icon = (data.icon_url or "").strip() or None
    if icon is not None:
        parts = urlsplit(icon)
        if parts.scheme not in {"http", "https"} or not parts.hostname or len(icon) > ICON_URL_MAX:
            raise InvalidInput(
                "pointDefinition.iconUrl must be an http(s) URL with a host ('' removes it)",
                field="pointDefinition.iconUrl",
            )
    return PointDefinition(name, icon)
