"""Member actions rewarded once (issue 15, item 5), as pure rules: signing up
(`auth/register`, once per member) and following a social channel (`social/Followed`, once per
member and channel). Each is an ordinary activity that earning rules match with a fixed amount;
what makes it once is the business key its awards are posted under (the activity's
`dedupe_ref`), whatever idempotency key or event id it arrives with. Birthdays:
loyalty.domain.birthdays.
"""

from __future__ import annotations

import re

from loyalty.domain.errors import InvalidInput

SIGN_UP = "auth/register"
SOCIAL_FOLLOW = "social/Followed"
CHANNEL_MAX = 64
_CHANNEL = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def check_channel(channel: str | None) -> str:
    """The channel as stored: lower case (e.g. "instagram", "tiktok", "youtube")."""
    text = channel.strip().lower() if isinstance(channel, str) else ""
    if not text or len(text) > CHANNEL_MAX or not _CHANNEL.match(text):
        raise InvalidInput(
            f"channel must name the social channel followed (1 to {CHANNEL_MAX} of a-z, 0-9, "
            '".", "_", "-"), e.g. "instagram"',
            field="channel",
        )
    return text


def once_ref(activity_type: str, member_id: str, channel: str | None) -> str | None:
    """The business key that makes the action rewarded once, or None for other activities
    (a `channel` is refused there: it would be silently ignored)."""
    if activity_type == SOCIAL_FOLLOW:
        return f"social:{member_id}:{check_channel(channel)}"
    if channel is not None:
        raise InvalidInput(f"channel is for {SOCIAL_FOLLOW} activities only", field="channel")
    if activity_type == SIGN_UP:
        return f"signup:{member_id}"
    return None
