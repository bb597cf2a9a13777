"""What campaigns add to an activity's points and how they combine (STACK, BEST, EXCLUSIVE by
priority): see loyalty.domain.campaigns for the rules."""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from loyalty.domain.campaigns.model import Campaign, CampaignStatus, Combination, Effect, EffectKind
from loyalty.domain.points import conversion_points


@dataclass(frozen=True)
class CampaignActivity:
    """What a campaign looks at: the activity, the member's tier, when it happened, and the
    points the matching rules award for it (R) and how many rules matched."""

    activity_type: str
    trigger_app_id: str
    amount: Decimal | None  # in the program's currency, checked by the rules' path already
    tier_id: str | None
    at: datetime
    rule_points: int
    rules_matched: int


@dataclass(frozen=True)
class CampaignOutcome:
    campaign_id: str
    campaign_revision: int
    title: str
    combination: Combination
    priority: int
    points: int  # the extra points it adds (0 unless applied)
    applied: bool
    reason: str  # what it adds and how, or why it does not apply


@dataclass(frozen=True)
class CampaignResult:
    outcomes: tuple[CampaignOutcome, ...]  # every campaign given, in `ranked` order

    @property
    def applied(self) -> tuple[CampaignOutcome, ...]:
        return tuple(o for o in self.outcomes if o.applied and o.points > 0)

    @property
    def extra_points(self) -> int:
        return sum(o.points for o in self.outcomes if o.applied)


def ranked(campaigns: Iterable[Campaign]) -> list[Campaign]:
    """Priority descending, then startsAt ascending, then id: the order every tie is broken by."""
    return sorted(campaigns, key=lambda c: (-c.priority, c.window.starts_at, c.id))


def unmet_condition(campaign: Campaign, activity: CampaignActivity) -> str | None:
    """None when every condition holds, else the first one that does not."""
    cond = campaign.conditions
    if cond.activity_types and activity.activity_type not in cond.activity_types:
        return f"activity type {activity.activity_type!r} is not one of the campaign's"
    if cond.trigger_app_ids and activity.trigger_app_id not in cond.trigger_app_ids:
        return f"trigger app {activity.trigger_app_id!r} is not one of the campaign's"
    if cond.tier_ids and (activity.tier_id is None or activity.tier_id not in cond.tier_ids):
        which = "the base tier" if activity.tier_id is None else f"tier {activity.tier_id}"
        return f"the member is in {which}, not one of the campaign's tiers"
    if cond.minimum_amount is not None:
        if activity.amount is None:
            return (
                f"the campaign needs an amount of at least {format(cond.minimum_amount, 'f')}; "
                "the activity has none"
            )
        if activity.amount < cond.minimum_amount:
            return (
                f"amount {format(activity.amount, 'f')} is below the campaign's minimum "
                f"{format(cond.minimum_amount, 'f')}"
            )
    if campaign.effect.kind is EffectKind.CONVERSION_RATE and activity.amount is None:
        return "a conversion-rate campaign needs an amount spent; the activity has none"
    return None


def not_applying(campaign: Campaign, activity: CampaignActivity, *, zone: ZoneInfo) -> str | None:
    """Why `campaign` adds nothing to `activity` whatever the rules award (its status, no rule
    matched, its window, its conditions), or None when it may add points."""
    if campaign.status is not CampaignStatus.ACTIVE:
        return f"the campaign is {campaign.status.value}"
    if activity.rules_matched == 0:
        return "no active earning rule matches the activity"
    return campaign.window.closed_reason(activity.at, zone) or unmet_condition(campaign, activity)


def extra_points(effect: Effect, activity: CampaignActivity) -> tuple[int, str]:
    """The extra points of `effect` on top of the rules' R, and how they were worked out."""
    base = activity.rule_points
    if effect.kind is EffectKind.MULTIPLIER:
        assert effect.multiplier is not None
        with decimal.localcontext() as ctx:
            ctx.prec = 60
            total = int(
                (Decimal(base) * effect.multiplier).to_integral_value(rounding=decimal.ROUND_FLOOR)
            )
        m = format(effect.multiplier, "f")
        return (
            total - base,
            f"x{m}: floor({base} x {m}) = {total}, {total - base} more than the rules",
        )
    if effect.kind is EffectKind.BONUS_POINTS:
        assert effect.bonus_points is not None
        return effect.bonus_points, f"bonus: +{effect.bonus_points} points"
    assert (
        effect.money_amount is not None
        and effect.points is not None
        and activity.amount is not None
    )
    own = conversion_points(activity.amount, effect.money_amount, effect.points)
    extra = max(0, own - base)
    return extra, (
        f"own rate: floor({format(activity.amount, 'f')} / {format(effect.money_amount, 'f')} x "
        f"{effect.points}) = {own} in place of the rules' {base}: {extra} more"
    )


def _outcome(c: Campaign, points: int, applied: bool, reason: str) -> CampaignOutcome:
    return CampaignOutcome(
        c.id, c.revision, c.title, c.combination, c.priority, points, applied, reason
    )


def apply_campaigns(
    campaigns: Iterable[Campaign], activity: CampaignActivity, *, zone: ZoneInfo
) -> CampaignResult:
    """Every campaign's outcome for `activity` (see the module doc for how they combine)."""
    order = ranked(campaigns)
    outcomes: dict[str, CampaignOutcome] = {}
    candidates: list[tuple[Campaign, int, str]] = []
    for c in order:
        why_not = not_applying(c, activity, zone=zone)
        if why_not is not None:
            outcomes[c.id] = _outcome(c, 0, False, why_not)
            continue
        points, how = extra_points(c.effect, activity)
        candidates.append((c, points, how))
    exclusive = [x for x in candidates if x[0].combination is Combination.EXCLUSIVE]
    if exclusive:
        winner = exclusive[0][0]
        for c, points, how in candidates:
            if c is winner:
                outcomes[c.id] = _outcome(
                    c, points, True, f"{how} (EXCLUSIVE, priority {c.priority})"
                )
            else:
                outcomes[c.id] = _outcome(
                    c,
                    0,
                    False,
                    f"excluded by EXCLUSIVE campaign {winner.id} ({winner.title!r}); "
                    f"alone it would add {points}",
                )
    else:
        best = [x for x in candidates if x[0].combination is Combination.BEST]
        best_winner = max(best, key=lambda x: x[1], default=None)  # first of equals wins
        for c, points, how in candidates:
            if c.combination is Combination.STACK:
                outcomes[c.id] = _outcome(c, points, True, f"{how} (STACK)")
            elif best_winner is not None and c is best_winner[0]:
                outcomes[c.id] = _outcome(c, points, True, f"{how} (BEST of {len(best)})")
            else:
                assert best_winner is not None
                w = best_winner[0]
                outcomes[c.id] = _outcome(
                    c,
                    0,
                    False,
                    f"outdone by BEST campaign {w.id} ({w.title!r}, {best_winner[1]} points); "
                    f"this one would add {points}",
                )
    return CampaignResult(tuple(outcomes[c.id] for c in order))


def active_now(campaigns: Sequence[Campaign]) -> list[Campaign]:
    """The ACTIVE ones (windows are checked per activity, at its time)."""
    return [c for c in campaigns if c.status is CampaignStatus.ACTIVE]
