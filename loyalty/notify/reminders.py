"""The e-mail text of reminders (points about to expire, a tier about to end): fixed wording
with the member's figures, since the owner's template is a thank-you for earning."""

from __future__ import annotations

from collections.abc import Mapping

REMINDERS: dict[str, tuple[str, str]] = {
    "points.expiring": (
        "{points} of your points expire on {date}",
        "Hello {name},\n\n{points} of your points expire on {date}. Any purchase or other "
        "activity before then keeps them.\n\nSee you soon.",
    ),
    "tier.will_downgrade": (
        "Your {tier} tier ends on {date}",
        "Hello {name},\n\nunless you earn more points, your {tier} tier ends on {date} and you "
        "move to {new_tier}.\n\nSee you soon.",
    ),
}


def reminder_message(event_type: str, values: Mapping[str, object]) -> tuple[str, str] | None:
    """(subject, body) of a reminder e-mail, or None for other events."""
    found = REMINDERS.get(event_type)
    if found is None:
        return None
    subject, body = found
    return subject.format_map(values), body.format_map(values)
