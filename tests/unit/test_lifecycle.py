"""The program's lifecycle (pure): which transitions exist, what a paused program refuses, the
point definition's checks, and expiry's inactivity clock restarting at reactivation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from loyalty.domain.errors import InvalidInput
from loyalty.domain.expiry import ExpirationPolicy, ExpirationStatus, MemberActivity, due, upcoming
from loyalty.domain.lifecycle import (
    PointDefinition,
    ProgramNotActive,
    ProgramStatus,
    activated,
    paused,
    require_active,
    validate_point_definition,
)

DRAFT, ACTIVE, PAUSED = ProgramStatus.DRAFT, ProgramStatus.ACTIVE, ProgramStatus.PAUSED


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def test_draft_and_paused_activate_and_only_active_pauses() -> None:
    assert activated(DRAFT) is ACTIVE and activated(PAUSED) is ACTIVE
    assert paused(ACTIVE) is PAUSED
    for bad in (lambda: activated(ACTIVE), lambda: paused(PAUSED), lambda: paused(DRAFT)):
        with pytest.raises(InvalidInput):
            bad()


def test_only_an_active_program_earns_or_spends() -> None:
    require_active(ACTIVE, "x")
    for status in (DRAFT, PAUSED):
        with pytest.raises(ProgramNotActive) as caught:
            require_active(status, "redeeming a reward")
        assert caught.value.code == "PROGRAM_NOT_ACTIVE"
        assert status.value in str(caught.value)


def test_point_definition_is_trimmed_and_checked() -> None:
    assert validate_point_definition(PointDefinition(" Stars ", " ")) == PointDefinition("Stars")
    ok = validate_point_definition(PointDefinition("Stars", "https://a.example/s.png"))
    assert ok.icon_url == "https://a.example/s.png"
    for bad in (
        PointDefinition(""),
        PointDefinition("x" * 51),
        PointDefinition("a\nb"),
        PointDefinition("Stars", "javascript:alert(1)"),
        PointDefinition("Stars", "https://"),
    ):
        with pytest.raises(InvalidInput):
            validate_point_definition(bad)


def test_inactivity_counts_from_the_reactivation_at_the_earliest() -> None:
    policy = ExpirationPolicy(ExpirationStatus.ENABLED, 6, 100)
    member = MemberActivity("ann", 100, at(2026, 1, 10), None)
    assert upcoming(policy, member) is not None
    assert upcoming(policy, member).expiration_date == at(2026, 7, 10)  # type: ignore[union-attr]
    # Paused from March to May: the six months start again at the reactivation.
    later = upcoming(policy, member, resumed_at=at(2026, 5, 1))
    assert later is not None and later.expiration_date == at(2026, 11, 1)
    # A reactivation before the last activity changes nothing.
    same = upcoming(policy, member, resumed_at=at(2025, 12, 1))
    assert same is not None and same.expiration_date == at(2026, 7, 10)
    assert due(policy, [member], now=at(2026, 8, 1), resumed_at=at(2026, 5, 1)) == []
    assert len(due(policy, [member], now=at(2026, 8, 1))) == 1
