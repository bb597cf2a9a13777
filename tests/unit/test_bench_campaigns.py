"""The campaigns benchmark's program is what it says: 20 valid ACTIVE campaigns of every
combination and effect, some with closed windows, and the same activities for both runs."""

from __future__ import annotations

from datetime import UTC, datetime

from bench.campaigns import CAMPAIGNS, activities, campaign
from loyalty.domain.campaigns import CampaignStatus, Combination, EffectKind, new_campaign


def test_twenty_valid_campaigns_of_every_kind() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    made = [new_campaign(campaign(i), campaign_id=f"c{i}", now=now) for i in range(CAMPAIGNS)]
    assert len(made) == 20 and all(c.status is CampaignStatus.ACTIVE for c in made)
    assert {c.combination for c in made} == set(Combination)
    assert {c.effect.kind for c in made} == set(EffectKind)
    at = activities(1, "x")[0].occurred_at
    assert at is not None
    closed = [c for c in made if c.window.closed_reason(at, UTC) is not None]
    assert 0 < len(closed) < len(made)


def test_both_runs_get_the_same_activities() -> None:
    assert activities(60, "run") == activities(60, "run")
    assert len({a.member_id for a in activities(60, "run")}) == 40
