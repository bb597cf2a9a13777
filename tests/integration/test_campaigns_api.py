"""Campaigns over GraphQL on SQLite and PostgreSQL: every operation, typed errors naming the
field, revisions, cursor pages, the program's time zone, and who may do what."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.services.api_keys import create_key
from tests.integration._rules_client import ADMIN_KEY, Api, member_jwt, running_api

CAMPAIGN_FIELDS = """
  id revision title description status priority combination createdDate updatedDate
  window { startsAt endsAt daysOfWeek hours { start end } }
  conditions { activityTypes triggerAppIds tierIds minimumAmount }
  effect { kind multiplier bonusPoints conversionRate { moneyAmount points } }
"""
CREATE = (
    f"""mutation($c: CampaignInput!) {{ createCampaign(campaign: $c) {{ {CAMPAIGN_FIELDS} }} }}"""
)
GET = f"""query($id: ID!) {{ campaign(id: $id) {{ {CAMPAIGN_FIELDS} }} }}"""
UPDATE = f"""mutation($id: ID!, $rev: Long!, $u: CampaignUpdate!) {{
  updateCampaign(id: $id, revision: $rev, campaign: $u) {{ {CAMPAIGN_FIELDS} }} }}"""
DELETE = """mutation($id: ID!, $rev: Long!) { deleteCampaign(id: $id, revision: $rev) { id } }"""
LIST = f"""query($f: CampaignFilter, $first: Int, $after: String) {{
  campaigns(filter: $f, first: $first, after: $after) {{
    edges {{ cursor node {{ {CAMPAIGN_FIELDS} }} }}
    pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }} }}"""
PROGRAM = "{ loyaltyProgram { revision timeZone } }"
SET_ZONE = """mutation($rev: Long!, $tz: String!) {
  updateLoyaltyProgram(revision: $rev, program: { timeZone: $tz }) { revision timeZone } }"""


def weekend(title: str = "Double weekend", **changes: Any) -> dict[str, Any]:
    campaign: dict[str, Any] = {
        "title": title,
        "window": {
            "startsAt": "2026-12-05T00:00:00+01:00",
            "endsAt": "2026-12-07T00:00:00+01:00",
            "daysOfWeek": ["SATURDAY", "SUNDAY"],
            "hours": {"start": "18:00", "end": "02:00"},
        },
        "conditions": {
            "activityTypes": ["stores/OrderPaid"],
            "triggerAppIds": ["stores"],
            "minimumAmount": "10.50",
        },
        "effect": {"multiplier": "2.0"},
        "status": "ACTIVE",
        "combination": "BEST",
        "priority": 5,
    }
    campaign.update(changes)
    return campaign


@pytest.fixture
async def api(database_url: str, tmp_path) -> Any:
    async with running_api(database_url, tmp_path) as running:
        yield running


async def test_create_get_update_delete(api: Api) -> None:
    gold = await api.add_tier(1000)
    spec = weekend(conditions={"tierIds": [gold], "minimumAmount": "10.50"})
    created = (await api.ok(CREATE, {"c": spec}))["createCampaign"]
    assert created["revision"] == 1 and created["status"] == "ACTIVE"
    assert created["window"] == {
        "startsAt": "2026-12-04T23:00:00+00:00",  # kept as the instant, in UTC
        "endsAt": "2026-12-06T23:00:00+00:00",
        "daysOfWeek": ["SATURDAY", "SUNDAY"],
        "hours": {"start": "18:00", "end": "02:00"},
    }
    assert created["conditions"] == {
        "activityTypes": [],
        "triggerAppIds": [],
        "tierIds": [gold],
        "minimumAmount": "10.5",
    }
    assert created["effect"] == {
        "kind": "MULTIPLIER",
        "multiplier": "2",
        "bonusPoints": None,
        "conversionRate": None,
    }
    assert (created["combination"], created["priority"]) == ("BEST", 5)
    fetched = (await api.ok(GET, {"id": created["id"]}))["campaign"]
    assert fetched == created  # exactly the same values back from the database

    updated = (
        await api.ok(
            UPDATE,
            {
                "id": created["id"],
                "rev": 1,
                "u": {
                    "status": "PAUSED",
                    "effect": {"conversionRate": {"moneyAmount": "0.50", "points": 3}},
                    "window": {"startsAt": "2026-12-01T00:00:00Z"},
                },
            },
        )
    )["updateCampaign"]
    assert updated["revision"] == 2 and updated["status"] == "PAUSED"
    assert updated["effect"]["conversionRate"] == {"moneyAmount": "0.5", "points": 3}
    assert updated["effect"]["kind"] == "CONVERSION_RATE"
    assert updated["window"] == {
        "startsAt": "2026-12-01T00:00:00+00:00",
        "endsAt": None,
        "daysOfWeek": None,
        "hours": None,
    }
    assert updated["conditions"] == created["conditions"]  # not given: unchanged
    assert updated["title"] == created["title"]

    stale = await api.error(UPDATE, {"id": created["id"], "rev": 1, "u": {"priority": 1}})
    assert stale["extensions"] == {"code": "INVALID_REVISION", "field": "revision"}
    stale = await api.error(DELETE, {"id": created["id"], "rev": 1})
    assert stale["extensions"]["code"] == "INVALID_REVISION"

    deleted = await api.ok(DELETE, {"id": created["id"], "rev": 2})
    assert deleted["deleteCampaign"]["id"] == created["id"]
    gone = await api.error(GET, {"id": created["id"]})
    assert gone["extensions"] == {"code": "NOT_FOUND", "field": "id"}
    assert (await api.error(DELETE, {"id": created["id"], "rev": 3}))["extensions"][
        "code"
    ] == "NOT_FOUND"
    # The title is free again once deleted.
    assert (await api.ok(CREATE, {"c": weekend()}))["createCampaign"]["revision"] == 1


async def test_an_ended_campaign_is_final_and_draft_is_the_default(api: Api) -> None:
    spec = weekend(status=None)
    spec.pop("status")
    draft = (await api.ok(CREATE, {"c": spec}))["createCampaign"]
    assert draft["status"] == "DRAFT"
    ended = (await api.ok(UPDATE, {"id": draft["id"], "rev": 1, "u": {"status": "ENDED"}}))[
        "updateCampaign"
    ]
    error = await api.error(UPDATE, {"id": draft["id"], "rev": 2, "u": {"status": "ACTIVE"}})
    assert error["extensions"] == {"code": "VALIDATION", "field": "status"}
    assert (await api.ok(GET, {"id": draft["id"]}))["campaign"] == ended


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"effect": {"multiplier": "1"}}, "effect.multiplier"),
        ({"effect": {"multiplier": "2", "bonusPoints": 5}}, "effect"),
        ({"effect": {}}, "effect"),
        ({"effect": {"bonusPoints": 0}}, "effect.bonusPoints"),
        (
            {"effect": {"conversionRate": {"moneyAmount": "0", "points": 1}}},
            "effect.conversionRate.moneyAmount",
        ),
        (
            {"window": {"startsAt": "2026-12-05T00:00:00Z", "endsAt": "2026-12-04T00:00:00Z"}},
            "window.endsAt",
        ),
        (
            {
                "window": {
                    "startsAt": "2026-12-05T00:00:00Z",
                    "hours": {"start": "25:00", "end": "02:00"},
                }
            },
            "window.hours.start",
        ),
        (
            {
                "window": {
                    "startsAt": "2026-12-05T00:00:00Z",
                    "hours": {"start": "18:00", "end": "18:00"},
                }
            },
            "window.hours.end",
        ),
        ({"window": {"startsAt": "2026-12-05T00:00:00Z", "daysOfWeek": []}}, "window.daysOfWeek"),
        ({"conditions": {"tierIds": ["no-such-tier"]}}, "conditions.tierIds"),
        ({"conditions": {"minimumAmount": "-1"}}, "conditions.minimumAmount"),
        ({"priority": 1001}, "priority"),
        ({"status": "ENDED"}, "status"),
    ],
)
async def test_bad_input_is_a_validation_error_naming_the_field_and_stores_nothing(
    api: Api, change: dict[str, Any], field: str
) -> None:
    error = await api.error(CREATE, {"c": weekend(**change)})
    assert error["extensions"] == {"code": "VALIDATION", "field": field}, error
    assert (await api.ok(LIST, {}))["campaigns"]["edges"] == []


async def test_a_double_submitted_create_is_a_duplicate(api: Api) -> None:
    await api.ok(CREATE, {"c": weekend()})
    error = await api.error(CREATE, {"c": weekend(title="DOUBLE weekend")})
    assert error["extensions"] == {"code": "DUPLICATE", "field": "title"}
    assert len((await api.ok(LIST, {}))["campaigns"]["edges"]) == 1


async def test_pages_and_filter(api: Api) -> None:
    ids = []
    for i in range(5):
        status = "ACTIVE" if i % 2 == 0 else "PAUSED"
        made = await api.ok(CREATE, {"c": weekend(f"campaign {i}", status=status)})
        ids.append(made["createCampaign"]["id"])
    first = (await api.ok(LIST, {"first": 2}))["campaigns"]
    assert [e["node"]["id"] for e in first["edges"]] == ids[:2]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["hasPreviousPage"] is False
    rest = (await api.ok(LIST, {"first": 10, "after": first["pageInfo"]["endCursor"]}))["campaigns"]
    assert [e["node"]["id"] for e in rest["edges"]] == ids[2:]
    assert rest["pageInfo"]["hasNextPage"] is False
    active = (await api.ok(LIST, {"f": {"status": "ACTIVE"}}))["campaigns"]["edges"]
    assert [e["node"]["id"] for e in active] == [ids[0], ids[2], ids[4]]
    assert (await api.error(LIST, {"first": 101}))["extensions"] == {
        "code": "VALIDATION",
        "field": "first",
    }
    assert (await api.error(LIST, {"after": "bm90LWEtY3Vyc29y"}))["extensions"] == {
        "code": "VALIDATION",
        "field": "after",
    }
    rule_cursor = "cnVsZToy"  # "rule:2": a cursor of another list
    assert (await api.error(LIST, {"after": rule_cursor}))["extensions"]["field"] == "after"


async def test_the_program_time_zone(api: Api) -> None:
    program = (await api.ok(PROGRAM))["loyaltyProgram"]
    assert program["timeZone"] == "UTC"
    set_ = await api.ok(SET_ZONE, {"rev": program["revision"], "tz": "Europe/Paris"})
    assert set_["updateLoyaltyProgram"]["timeZone"] == "Europe/Paris"
    error = await api.error(SET_ZONE, {"rev": program["revision"] + 1, "tz": "Mars/Olympus"})
    assert error["extensions"] == {"code": "VALIDATION", "field": "timeZone"}
    assert (await api.ok(PROGRAM))["loyaltyProgram"]["timeZone"] == "Europe/Paris"


async def test_who_may_read_and_write_campaigns(api: Api) -> None:
    with api.runtime.engine.begin() as conn:
        auditor_key, _ = create_key(conn, role="auditor", name="audit")
    target = (await api.ok(CREATE, {"c": weekend("read me")}))["createCampaign"]
    callers: dict[str, str | None] = {
        "auditor": auditor_key,
        "member": member_jwt("m-1"),
        "anonymous": None,
        "expired": member_jwt("m-1", ttl=-120),
    }
    read_code = {
        "auditor": None,
        "member": None,
        "anonymous": "UNAUTHENTICATED",
        "expired": "UNAUTHENTICATED",
    }
    write_code = {
        "auditor": "FORBIDDEN",
        "member": "FORBIDDEN",
        "anonymous": "UNAUTHENTICATED",
        "expired": "UNAUTHENTICATED",
    }
    for caller, token in callers.items():
        for query, variables in ((GET, {"id": target["id"]}), (LIST, {})):
            body = await api.gql(query, variables, token=token)
            code = body["errors"][0]["extensions"]["code"] if body.get("errors") else None
            assert code == read_code[caller], (caller, body)
        writes = (
            (CREATE, {"c": weekend(f"by {caller}")}),
            (UPDATE, {"id": target["id"], "rev": 1, "u": {"title": "hit"}}),
            (DELETE, {"id": target["id"], "rev": 1}),
        )
        for query, variables in writes:
            body = await api.gql(query, variables, token=token)
            assert body["errors"][0]["extensions"]["code"] == write_code[caller], (caller, body)
    # Nothing the refused callers sent changed anything.
    assert (await api.ok(GET, {"id": target["id"]}, token=ADMIN_KEY))["campaign"] == target
    titles = [e["node"]["title"] for e in (await api.ok(LIST, {}))["campaigns"]["edges"]]
    assert titles == ["read me"]
