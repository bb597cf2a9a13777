"""Opaque cursors of the lists paged by a sequence number (rules, campaigns): `prefix` names
the list, so a cursor from one list is refused by another."""

from __future__ import annotations

import base64
import binascii

from loyalty.domain.errors import InvalidInput


def encode_seq_cursor(prefix: str, seq: int) -> str:
    return base64.urlsafe_b64encode(f"{prefix}{seq}".encode()).decode().rstrip("=")


def decode_seq_cursor(prefix: str, cursor: str) -> int:
    try:
        if len(cursor) > 64:
            raise ValueError(cursor)
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith(prefix):
            raise ValueError(raw)
        seq = int(raw.removeprefix(prefix))
        if seq < 0:
            raise ValueError(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput(
            "`after` is not a cursor from this list: pass an endCursor you were given",
            field="after",
        ) from None
    return seq
