"""`loyalty serve --demo`: the demo program, loaded through the services, seen through GraphQL;
loaded only into an empty program, so a second load adds nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cli import demo
from cli.demo import DAYS, load_demo_into
from tests.integration._rules_client import Api, running_api

TODAY = datetime.now(UTC).date()
PROGRAM = """query($from: Date, $to: Date) {
  tiers { name requiredPoints }
  rewards { name }
  earningRules(first: 100) { edges { node { title kind } } }
  analytics(from: $from, to: $to) {
    pointsIssuedPerDay { day issued redeemed refunded reversed adjusted }
    membersPerTier { tierName members }
    liability { pointsOutstanding } } }"""
DEMO_RULES = {"Shop and earn", "Write a review", "Join the club", "RSVP to an event"}


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(database_url, tmp_path) as a:
        yield a


async def _load(api: Api) -> demo.DemoReport:
    settings = api.runtime.settings
    return await load_demo_into(
        api.runtime.async_engine,
        custody_mnemonic=settings.custody_mnemonic_or_dev(),
        currency=settings.currency,
        today=TODAY,
    )


async def _program(api: Api) -> dict[str, Any]:
    start = TODAY - timedelta(days=DAYS - 1)
    return await api.ok(PROGRAM, {"from": start.isoformat(), "to": TODAY.isoformat()})


async def test_demo_fills_every_screen_once(api: Api) -> None:
    report = await _load(api)
    assert report.loaded, report
    data = await _program(api)

    assert [(t["name"], t["requiredPoints"]) for t in data["tiers"]] == [
        ("Bronze", 0),
        ("Silver", 300),
        ("Gold", 900),
    ]
    assert len(data["rewards"]) == 3
    custom = {e["node"]["title"] for e in data["earningRules"]["edges"]}
    assert custom >= DEMO_RULES

    a = data["analytics"]
    per_tier = {t["tierName"]: t["members"] for t in a["membersPerTier"]}
    assert sum(per_tier.values()) == 25 == report.counts["members"]
    # Bronze needs 0 points, so nobody stays in the unnamed base tier; some reach Silver, Gold.
    assert per_tier[None] == 0
    assert per_tier["Bronze"] > 0 and per_tier["Silver"] > 0 and per_tier["Gold"] > 0

    days = a["pointsIssuedPerDay"]
    assert len(days) == DAYS
    issuing_days = [d for d in days if d["issued"] > 0]
    assert len(issuing_days) >= 15, "the activities are spread over the four weeks"
    assert sum(d["issued"] for d in days) == report.counts["points"]
    # Refunds, a redemption, a cancelled one, an adjustment: each shows on some day.
    for figure in ("redeemed", "refunded", "reversed", "adjusted"):
        assert any(d[figure] for d in days), figure
    outstanding = a["liability"]["pointsOutstanding"]
    assert outstanding == sum(
        d["issued"] + d["adjusted"] + d["refunded"] - d["redeemed"] - d["reversed"] for d in days
    )

    # A second load finds the program non-empty and changes nothing.
    again = await _load(api)
    assert not again.loaded and "not empty" in again.reason
    assert await _program(api) == data


async def test_demo_leaves_a_program_with_data_alone(api: Api) -> None:
    await api.ok('mutation { createTier(tier: {name: "Platinum", requiredPoints: 5000}) { id } }')
    report = await _load(api)
    assert not report.loaded and "1 tiers" in report.reason
    data = await _program(api)
    assert [t["name"] for t in data["tiers"]] == ["Platinum"]
    assert sum(t["members"] for t in data["analytics"]["membersPerTier"]) == 0
