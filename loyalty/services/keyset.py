"""Keyset (seek) pagination for the program-wide lists: a page is `WHERE (key, id) > (:key, :id)
ORDER BY key, id LIMIT n+1` (`<` when descending), read through a (key, id) index, so page 10,000
costs what page 1 does; never OFFSET. The unique id breaks ties between equal keys.

A cursor is opaque to clients: base64url of JSON naming the list, the ordering and a fingerprint
of the filter it was made under, and the last row's (key, id). A cursor that does not decode, or
that comes from another list, ordering or filter, is refused with VALIDATION (field `after`):
seeking with it would silently skip or repeat rows.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, literal, tuple_

from loyalty.domain.errors import InvalidInput

PAGE_DEFAULT = 20
PAGE_MAX = 100
CURSOR_MAX = 1000  # characters; a real cursor is about 120


def page_size(first: int | None) -> int:
    size = PAGE_DEFAULT if first is None else first
    if not 1 <= size <= PAGE_MAX:
        raise InvalidInput(f"first must be from 1 to {PAGE_MAX} (got {size})", field="first")
    return size


def fingerprint(filters: dict[str, Any]) -> str:
    """A short digest of the filter values a page was read under (key order does not matter)."""
    canonical = json.dumps(filters, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Ordering:
    """Which list (`kind`), by which key (`name`, e.g. BALANCE), which way, under which filter."""

    kind: str
    name: str
    descending: bool
    filters: str  # fingerprint()
    key_type: type  # int or datetime

    @property
    def tag(self) -> str:
        return f"{self.kind}:{self.name}:{'DESC' if self.descending else 'ASC'}"


def encode_cursor(ordering: Ordering, key: Any, row_id: int) -> str:
    if isinstance(key, datetime):
        key = key.astimezone(UTC).isoformat()
    body = json.dumps(
        {"o": ordering.tag, "f": ordering.filters, "k": key, "i": row_id}, separators=(",", ":")
    )
    return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def _refuse(why: str) -> InvalidInput:
    return InvalidInput(f"after is not a cursor of this list: {why}", field="after")


def decode_cursor(ordering: Ordering, cursor: str) -> tuple[Any, int]:
    """The (key, id) a cursor seeks after; VALIDATION (field `after`) for anything else."""
    if not cursor or len(cursor) > CURSOR_MAX:
        raise _refuse("pass an endCursor this list returned")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        body = json.loads(raw.decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _refuse("it does not decode; pass an endCursor this list returned") from None
    if not isinstance(body, dict) or set(body) != {"o", "f", "k", "i"}:
        raise _refuse("pass an endCursor this list returned")
    if body["o"] != ordering.tag:
        raise _refuse(
            f"it was made for the ordering {body['o']!r}, not {ordering.tag!r}; "
            "start again without `after` when changing orderBy"
        )
    if body["f"] != ordering.filters:
        raise _refuse("it was made under another filter; start again without `after`")
    row_id, key = body["i"], body["k"]
    if not isinstance(row_id, int) or isinstance(row_id, bool):
        raise _refuse("pass an endCursor this list returned")
    if ordering.key_type is int:
        if not isinstance(key, int) or isinstance(key, bool):
            raise _refuse("pass an endCursor this list returned")
        return key, row_id
    try:
        when = datetime.fromisoformat(key) if isinstance(key, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise _refuse("pass an endCursor this list returned")
    return when.astimezone(UTC), row_id


def seek(
    key: ColumnElement[Any], row_id: ColumnElement[Any], ordering: Ordering, after: Any
) -> Any:
    """The condition of the rows after the cursor's (key, id), in the ordering's direction."""
    value, last_id = after
    if key is row_id:  # ordered by the unique id alone
        return row_id < last_id if ordering.descending else row_id > last_id
    left = tuple_(key, row_id)
    right = tuple_(literal(value, type_=key.type), literal(last_id, type_=row_id.type))
    return left < right if ordering.descending else left > right


def order_by(key: ColumnElement[Any], row_id: ColumnElement[Any], ordering: Ordering) -> list[Any]:
    if key is row_id:
        return [row_id.desc() if ordering.descending else row_id.asc()]
    if ordering.descending:
        return [key.desc(), row_id.desc()]
    return [key.asc(), row_id.asc()]
