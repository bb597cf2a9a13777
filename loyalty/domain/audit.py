"""The admin audit log (issue 16, item 7), as pure data: what changed (AdminChanged, the domain
event each configuration use case publishes), its JSON snapshot and diff, and the hash chain.

Each entry's hash is SHA-256 over the canonical JSON of everything stored in it, including
`prev_hash`, the hash of the entry before it (GENESIS for the first), and its chain position
`seq` (1, 2, 3 … without gaps). Changing, removing or reordering any entry breaks the chain at
that entry; `first_break` names it.
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


class ChainChecker:
    """Walks the entries in `seq` order, one at a time (constant memory): `check` returns the
    first break, `finish` compares the end of the chain with the head (the last position and
    hash, kept apart), which catches entries removed from the end."""

    def __init__(self) -> None:
        self.expected_seq = 1
        self.prev = GENESIS
        self.checked = 0

    def check(self, e: AuditEntry) -> ChainBreak | None:
        self.checked += 1
        if e.seq != self.expected_seq:
            return ChainBreak(
                e.seq, f"entry {e.seq} follows entry {self.expected_seq - 1}: entries are missing"
            )
        if e.prev_hash != self.prev:
            return ChainBreak(e.seq, "its prev_hash is not the previous entry's hash")
        if entry_hash(e) != e.hash:
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
