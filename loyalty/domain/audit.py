"""The admin audit log (issue 16, item 7), as pure data: what changed (AdminChanged, the domain
event each configuration use case publishes), its JSON snapshot and diff, and the hash chain.

Each entry's hash is SHA-256 over the canonical JSON of everything stored in it, including
`prev_hash`, the hash of the entry before it (GENESIS for the first), and its chain position
`seq` (1, 2, 3 … without gaps). Changing, removing or reordering any entry breaks the chain at
that entry; `first_break` names it.

Erasing a member (GDPR) must take their id, e-mail and name out of every table, this one too,
while the chain still verifies. An entry that names them is redacted in place: the personal
values are replaced (the member id by the member's row reference `member:<id>`), its `hash` and
`prev_hash` stay as they were, so the links before and after it hold, and the erasure's own
entry, appended to the chain, records each redacted entry's `seq` and the hash of its content
as redacted (`redaction` below). A redacted entry is then checked against that recorded hash
instead of its own: editing it afterwards still breaks the chain at it, and so does editing the
erasure's record (its own hash). What can no longer be checked is the erased value itself,
which is the point. An entry that did not match its hash already when it was redacted is
recorded as such (`intact: false`) and stays a break.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class AdminChanged:
    """A change of configuration or an adjustment: `kind` (rule, tier, reward, campaign,
    program, api_key, adjustment), the changed object's id, `action` (create, update, delete,
    revoke, adjust) and its snapshots before and after (None: it did not exist)."""

    kind: str
    entity_id: str
    action: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    at: datetime


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        return sorted((_plain(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def snapshot(value: Any, *, drop: Iterable[str] = ()) -> dict[str, Any]:
    """A JSON-ready copy of a dataclass (or mapping): Decimals and datetimes as strings, sets
    sorted; the `drop`ped fields (secrets) left out."""
    plain = _plain(value)
    if not isinstance(plain, dict):
        raise TypeError(f"cannot snapshot {type(value).__name__}")
    for name in drop:
        plain.pop(name, None)
    return plain


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, Any]:
    """{field: {"before": …, "after": …}} for each top-level field that differs."""
    old, new = before or {}, after or {}
    changed: dict[str, Any] = {}
    for name in sorted(set(old) | set(new)):
        if canonical(old.get(name)) != canonical(new.get(name)):
            changed[name] = {"before": old.get(name), "after": new.get(name)}
    return changed


@dataclass(frozen=True)
class AuditEntry:
    """One stored entry; the JSON fields as stored text (their hash covers the text)."""

    seq: int
    at: datetime
    actor_key_id: str | None
    actor_name: str
    kind: str
    entity_id: str
    action: str
    before: str | None
    after: str | None
    diff: str
    prev_hash: str
    hash: str


def entry_hash(e: AuditEntry) -> str:
    body = canonical(
        {
            "seq": e.seq,
            "at": e.at.astimezone(UTC).isoformat(),
            "actor_key_id": e.actor_key_id,
            "actor_name": e.actor_name,
            "kind": e.kind,
            "entity_id": e.entity_id,
            "action": e.action,
            "before": e.before,
            "after": e.after,
            "diff": e.diff,
            "prev_hash": e.prev_hash,
        }
    )
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    seq: int | None  # the first bad entry's position (None: the head record itself)
    reason: str


@dataclass(frozen=True)
class Redacted:
    """What an erasure records of an entry it redacted."""

    seq: int
    content_hash: str  # entry_hash of the entry as redacted
    intact: bool  # the entry matched its own hash when it was redacted

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.content_hash, "intact": self.intact}


def redaction(
    before: AuditEntry, redacted: AuditEntry, previous: Redacted | None = None
) -> Redacted:
    """The record of redacting `before` into `redacted` (same seq, prev_hash and hash);
    `previous`: an earlier erasure's record of the same entry (it named two members)."""
    if previous is None:
        intact = entry_hash(before) == before.hash
    else:
        intact = previous.intact and entry_hash(before) == previous.content_hash
    return Redacted(before.seq, entry_hash(redacted), intact)


def redactions_in(after: str | None) -> list[Redacted]:
    """The redactions an erasure entry's `after` records (none if it cannot be read: then its
    own hash check fails)."""
    try:
        found = json.loads(after or "{}").get("redacted", [])
        return [Redacted(int(r["seq"]), str(r["hash"]), bool(r["intact"])) for r in found]
    except (ValueError, TypeError, KeyError, AttributeError):
        return []


class ChainChecker:
    """Walks the entries in `seq` order, one at a time (constant memory): `check` returns the
    first break, `finish` compares the end of the chain with the head (the last position and
    hash, kept apart), which catches entries removed from the end. `redacted`: the redactions
    the erasure entries record, in chain order (a later one of the same entry wins)."""

    def __init__(self, redacted: Iterable[Redacted] = ()) -> None:
        self.expected_seq = 1
        self.prev = GENESIS
        self.checked = 0
        self.redacted = {r.seq: r for r in redacted}

    def check(self, e: AuditEntry) -> ChainBreak | None:
        self.checked += 1
        if e.seq != self.expected_seq:
            return ChainBreak(
                e.seq, f"entry {e.seq} follows entry {self.expected_seq - 1}: entries are missing"
            )
        if e.prev_hash != self.prev:
            return ChainBreak(e.seq, "its prev_hash is not the previous entry's hash")
        record = self.redacted.get(e.seq)
        if record is not None:
            if not record.intact:
                return ChainBreak(e.seq, "it did not match its hash when an erasure redacted it")
            if entry_hash(e) != record.content_hash:
                return ChainBreak(
                    e.seq, "redacted by an erasure, its content no longer matches what it recorded"
                )
        elif entry_hash(e) != e.hash:
            return ChainBreak(e.seq, "its content does not match its hash")
        self.prev, self.expected_seq = e.hash, e.seq + 1
        return None

    def finish(self, *, head_seq: int, head_hash: str) -> ChainBreak | None:
        last = self.expected_seq - 1
        if head_seq != last or head_hash != self.prev:
            return ChainBreak(
                None,
                f"the chain ends at entry {last} but the head records entry {head_seq} "
                "(or another hash): entries were removed from the end, or the head was edited",
            )
        return None
