"""Campaigns: time-boxed extras on top of the earning rules ("double points this weekend",
"+50 points on orders over 100 between 18:00 and 22:00"). Pure: standard library only.

A campaign has
- a status: DRAFT (being prepared), ACTIVE, PAUSED, ENDED (final; never active again);
- a window: `startsAt` (inclusive) to `endsAt` (exclusive, optional) as instants, and optionally
  `daysOfWeek` (ISO 1 = Monday ... 7 = Sunday) and daily `hours` (start inclusive, end exclusive)
  read on the wall clock of the program's time zone (IANA name, zoneinfo). Hours whose end is
  not after their start cross midnight (22:00-02:00) and belong to the day they START on: a
  Friday 22:00-02:00 campaign is open on Saturday at 01:00, not on Friday at 01:00. Wall-clock
  rules make daylight saving time plain: on the day clocks go forward the skipped hour simply
  does not occur (18:00-22:00 is still 18:00-22:00), on the day they go back a repeated hour is
  in the window both times;
- conditions, all of which must hold: activity types and trigger apps (empty: any), tiers
  (empty: any member, the base tier included), a minimum amount (the activity's amount in the
  program's currency, at least this; an activity without an amount does not qualify);
- one effect, turned into the EXTRA points it adds to what the matching rules award (R, the sum
  of the rules' awards for the activity):
    MULTIPLIER m  -> floor(R * m) - R          (x2 on 35 points adds 35; x1.5 on 35 adds 17)
    BONUS_POINTS b -> b                          (fixed points per qualifying activity)
    CONVERSION_RATE (moneyAmount, points) -> max(0, floor(amount / moneyAmount * points) - R):
        the campaign's rate in place of the rules' while it gives more ("3 points per 1 this
        weekend" means 3 per 1 in all, not 3 on top of the usual 1);
- a combination mode and a priority (higher first).

A campaign applies only to an activity that at least one ACTIVE earning rule matches (a
campaign extends the program's rules, it does not invent activities that earn).

How applicable campaigns combine (deterministic; `ranked` orders by priority descending, then
startsAt ascending, then id):
1. If any applicable campaign is EXCLUSIVE, the first of them in that order applies ALONE; every
   other campaign is reported as excluded by it.
2. Otherwise every STACK campaign applies (their extras add up, each computed on R: x2 and x3
   stacked give R + R + 2R = 4R, never compounded), and of the BEST campaigns only the one with
   the most extra points (ties: the first in `ranked` order) applies; the other BEST campaigns
   are reported as outdone by it.
"""

from loyalty.domain.campaigns.combine import (
    CampaignActivity,
    CampaignOutcome,
    CampaignResult,
    active_now,
    apply_campaigns,
    extra_points,
    not_applying,
    ranked,
    unmet_condition,
)
from loyalty.domain.campaigns.model import (
    DAY_NAMES,
    Campaign,
    CampaignChanges,
    CampaignInput,
    CampaignStatus,
    Combination,
    Conditions,
    DailyHours,
    Effect,
    EffectKind,
    Window,
    parse_clock,
    time_zone,
)
from loyalty.domain.campaigns.validation import (
    CONDITION_VALUES_MAX,
    DESCRIPTION_MAX,
    MULTIPLIER_MAX,
    PRIORITY_MAX,
    check_revision,
    new_campaign,
    updated_campaign,
    validate_conditions,
    validate_effect,
    validate_window,
)

__all__ = [
    "CONDITION_VALUES_MAX",
    "DAY_NAMES",
    "DESCRIPTION_MAX",
    "MULTIPLIER_MAX",
    "PRIORITY_MAX",
    "Campaign",
    "CampaignActivity",
    "CampaignChanges",
    "CampaignInput",
    "CampaignOutcome",
    "CampaignResult",
    "CampaignStatus",
    "Combination",
    "Conditions",
    "DailyHours",
    "Effect",
    "EffectKind",
    "Window",
    "active_now",
    "apply_campaigns",
    "check_revision",
    "extra_points",
    "new_campaign",
    "not_applying",
    "parse_clock",
    "ranked",
    "time_zone",
    "unmet_condition",
    "updated_campaign",
    "validate_conditions",
    "validate_effect",
    "validate_window",
]
