"""Optimistic concurrency: a write names the revision it read, and is refused if that is stale."""

from __future__ import annotations

from loyalty.domain.errors import RevisionMismatch


def check_revision(what: str, current: int, given: int, *, plural: bool = False) -> None:
    """Raises RevisionMismatch unless `given` is `current`. `what` names the object in the
    message ("tier 3f…", "the program settings" with `plural`)."""
    if given != current:
        verb, it, its = ("are", "them", "the") if plural else ("is", "it", "its")
        raise RevisionMismatch(
            f"{what} {verb} at revision {current}, not {given}: read {it} again and retry with "
            f"{its} current revision",
            field="revision",
        )
