"""Member actions rewarded once (loyalty.domain.member_actions): the business key of a sign-up
(per member) and of a social follow (per member and channel, any case), and bad channels."""

from __future__ import annotations

import pytest

from loyalty.domain.errors import InvalidInput
from loyalty.domain.member_actions import SIGN_UP, SOCIAL_FOLLOW, check_channel, once_ref


def test_each_action_has_one_key_per_member_and_channel() -> None:
    assert once_ref(SIGN_UP, "ann", None) == "signup:ann" != once_ref(SIGN_UP, "bob", None)
    assert once_ref(SOCIAL_FOLLOW, "ann", " Instagram ") == "social:ann:instagram"
    assert once_ref(SOCIAL_FOLLOW, "ann", "tiktok") == "social:ann:tiktok"
    assert once_ref("stores/OrderPaid", "ann", None) is None
    assert check_channel("x.com") == "x.com"


@pytest.mark.parametrize(
    ("activity_type", "channel"),
    [
        (SOCIAL_FOLLOW, None),
        (SOCIAL_FOLLOW, ""),
        (SOCIAL_FOLLOW, "two words"),
        (SOCIAL_FOLLOW, "-dash"),
        (SOCIAL_FOLLOW, "a" * 65),
        ("reviews/ReviewCreated", "instagram"),  # a channel where none is read
    ],
)
def test_a_bad_or_misplaced_channel_is_refused(activity_type: str, channel: str | None) -> None:
    with pytest.raises(InvalidInput) as raised:
        once_ref(activity_type, "ann", channel)
    assert raised.value.field == "channel"
