"""Reading an import file of members (issue 16, item 4): CSV or NDJSON, one member a row.

Columns (CSV header, or NDJSON keys; case, `_` and `-` do not matter): externalId (required;
the member id here), email, walletAddress, balance (required), earned (default: the balance),
tier (a tier's id or name), lastActivity (ISO 8601 with a zone, or a date: midnight UTC).

`read_rows` yields each row either parsed (ImportRow) or with the reasons it is refused
(RowError: row, field, reason), never stopping at the first: the operator gets every problem of
the file in one report. Row 1 is the first data row (the CSV header is row 0). A UTF-8 byte
order mark is skipped; CRLF and LF line ends, quoted fields with commas, quotes and newlines are
read as CSV says (RFC 4180); a row with a stray quote or the wrong number of fields is refused.
Checks that need the database (a member or wallet already known, a tier by name) are the
service's (loyalty.services.importing); the address checksum is handed in (keccak is not in the
standard library).
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from loyalty.domain.errors import InvalidInput
from loyalty.domain.values import BALANCE_MAX, check_identifier, check_instant

EXTERNAL_ID_MAX = 256
EMAIL_MAX = 254
TIER_MAX = 100
FIELD_MAX = 100_000  # a CSV field longer than this is refused (and the row with it)
COLUMNS = ("externalId", "email", "walletAddress", "balance", "earned", "tier", "lastActivity")
REQUIRED = ("externalId", "balance")
_KEYS = {c.lower(): c for c in COLUMNS}
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_INTEGER = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True)
class ImportRow:
    row: int
    external_id: str
    email: str | None
    wallet_address: str | None  # lower-case
    balance: int
    earned: int
    tier: str | None  # as given: an id or a name
    last_activity_at: datetime | None


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    reason: str
    external_id: str | None = None


def column_key(name: str) -> str | None:
    return _KEYS.get(name.strip().lower().replace("_", "").replace("-", "").replace(" ", ""))


def _integer(field: str, value: object) -> int:
    if isinstance(value, (bool, float)):
        raise InvalidInput(f"{field} must be a whole number of points", field=field)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        shown = str(value)[:40]
        raise InvalidInput(f"{field} must be a whole number of points, not {shown!r}", field=field)
    if number < 0:
        raise InvalidInput(f"{field} must not be negative ({number})", field=field)
    if number > BALANCE_MAX:
        raise InvalidInput(f"{field} must be at most {BALANCE_MAX:,}", field=field)
    return number


def _optional(value: object) -> object:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def _text(field: str, value: object, maximum: int) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text", field=field)
    text = value.strip()
    if len(text) > maximum:
        raise InvalidInput(
            f"{field} must be at most {maximum} characters ({len(text)})", field=field
        )
    if any(ord(ch) < 32 or ch == "\x7f" for ch in text):
        raise InvalidInput(f"{field} must not contain control characters", field=field)
    return text


def _instant(field: str, value: object, now: datetime) -> datetime:
    text = _text(field, value, 64)
    try:
        if len(text) == 10:
            parsed = datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        else:
            parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{field} must be an ISO 8601 date-time such as 2025-01-31T12:00:00Z or a date "
            "such as 2025-01-31",
            field=field,
        ) from None
    return check_instant(field, parsed, now=now).astimezone(UTC)


def parse_row(
    row: int, values: dict[str, object], *, now: datetime, checksum_ok: Callable[[str], bool]
) -> ImportRow | list[RowError]:
    """One row's values by column (COLUMNS) checked and converted, or every reason it is not."""
    errors: list[RowError] = []
    parsed: dict[str, Any] = {}
    raw_id = values.get("externalId")
    external_id = raw_id.strip()[:EXTERNAL_ID_MAX] if isinstance(raw_id, str) else None

    def check(field: str, convert: Callable[[object], Any]) -> None:
        try:
            parsed[field] = convert(values.get(field))
        except InvalidInput as exc:
            errors.append(RowError(row, field, str(exc), external_id))

    def address(v: object) -> str | None:
        v = _optional(v)
        if v is None:
            return None
        text = _text("walletAddress", v, 42)
        if not _ADDRESS.fullmatch(text):
            raise InvalidInput("walletAddress must be 0x and 40 hex digits", field="walletAddress")
        mixed = text[2:] != text[2:].lower() and text[2:] != text[2:].upper()
        if mixed and not checksum_ok(text):
            raise InvalidInput(
                "walletAddress has mixed case but a wrong EIP-55 checksum (a typo?)",
                field="walletAddress",
            )
        if int(text, 16) == 0:
            raise InvalidInput("walletAddress must not be the zero address", field="walletAddress")
        return text.lower()

    def email(v: object) -> str | None:
        v = _optional(v)
        if v is None:
            return None
        text = _text("email", v, EMAIL_MAX)
        if not _EMAIL.fullmatch(text):
            raise InvalidInput(f"email is not an e-mail address: {text[:60]!r}", field="email")
        return text

    check("externalId", lambda v: check_identifier("externalId", v, EXTERNAL_ID_MAX))
    check("email", email)
    check("walletAddress", address)
    check("balance", lambda v: _integer("balance", v))
    check("earned", lambda v: None if _optional(v) is None else _integer("earned", v))
    check("tier", lambda v: None if _optional(v) is None else _text("tier", v, TIER_MAX))
    check(
        "lastActivity",
        lambda v: None if _optional(v) is None else _instant("lastActivity", v, now),
    )
    if errors:
        return errors
    return ImportRow(
        row=row,
        external_id=parsed["externalId"],
        email=parsed["email"],
        wallet_address=parsed["walletAddress"],
        balance=parsed["balance"],
        earned=parsed["balance"] if parsed["earned"] is None else parsed["earned"],
        tier=parsed["tier"],
        last_activity_at=parsed["lastActivity"],
    )


def _csv_rows(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, object] | RowError]]:
    csv.field_size_limit(FIELD_MAX)
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        yield 0, RowError(0, "file", "the file is empty: a CSV header line is needed")
        return
    except csv.Error as exc:
        yield 0, RowError(0, "file", f"the header line is not CSV: {exc}")
        return
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    keys: list[str] = []
    for name in header:
        key = column_key(name)
        if key is None:
            yield 0, RowError(0, name[:64] or "file", f"unknown column {name[:64]!r}")
            return
        if key in keys:
            yield 0, RowError(0, key, f"column {key} appears twice")
            return
        keys.append(key)
    missing = [c for c in REQUIRED if c not in keys]
    if missing:
        yield 0, RowError(0, missing[0], f"the header has no {missing[0]} column")
        return
    row = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            row += 1
            yield row, RowError(row, "row", f"not valid CSV: {exc}")
            continue
        if not fields or fields == [""]:
            continue  # a blank line
        row += 1
        if len(fields) != len(keys):
            yield (
                row,
                RowError(
                    row, "row", f"expected {len(keys)} fields as in the header, found {len(fields)}"
                ),
            )
            continue
        yield row, dict(zip(keys, fields, strict=True))


def _ndjson_rows(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, object] | RowError]]:
    row = 0
    for line in lines:
        if row == 0 and line.startswith("\ufeff"):
            line = line[1:]
        if not line.strip():
            continue
        row += 1
        if len(line) > FIELD_MAX:
            yield row, RowError(row, "row", f"the line is longer than {FIELD_MAX:,} characters")
            continue
        try:
            data = json.loads(line)
        except ValueError as exc:
            yield row, RowError(row, "row", f"not valid JSON: {exc}")
            continue
        if not isinstance(data, dict):
            yield row, RowError(row, "row", "each line must be a JSON object")
            continue
        values: dict[str, object] = {}
        bad = None
        for name, value in data.items():
            key = column_key(str(name))
            if key is None:
                bad = RowError(row, str(name)[:64], f"unknown field {str(name)[:64]!r}")
                break
            values[key] = value
        if bad is not None:
            yield row, bad
            continue
        missing = [c for c in REQUIRED if values.get(c) is None]
        if missing:
            yield row, RowError(row, missing[0], f"{missing[0]} is required")
            continue
        # JSON has types: points are numbers there, not strings of digits.
        wrong = [
            c
            for c in ("balance", "earned")
            if values.get(c) is not None and (type(values[c]) is not int)
        ]
        if wrong:
            shown = json.dumps(values[wrong[0]])[:40]
            yield row, RowError(row, wrong[0], f"{wrong[0]} must be a JSON integer, not {shown}")
            continue
        yield row, values


def text_lines(data: Iterable[bytes]) -> Iterator[str]:
    """The lines (each with its end, LF or CRLF) of UTF-8 bytes given in chunks of any size (a
    BOM is kept for the reader to skip); undecodable bytes become U+FFFD, which the field checks
    then refuse naming the row."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    rest = ""
    for chunk in data:
        text = rest + decoder.decode(chunk)
        *lines, rest = text.split("\n")
        for line in lines:
            yield line + "\n"
    rest += decoder.decode(b"", final=True)
    if rest:
        yield rest


def read_rows(
    lines: Iterable[str],
    *,
    fmt: str,
    now: datetime,
    checksum_ok: Callable[[str], bool],
) -> Iterator[ImportRow | RowError]:
    """Every row of the file, parsed or refused (several RowErrors for one row, one per field);
    duplicate external ids and wallet addresses within the file are refused at their second
    appearance, naming the first."""
    if fmt not in ("csv", "ndjson"):
        raise InvalidInput("format must be csv or ndjson", field="format")
    source = _csv_rows(lines) if fmt == "csv" else _ndjson_rows(lines)
    seen_ids: dict[str, int] = {}
    seen_wallets: dict[str, int] = {}
    for row, values in source:
        if isinstance(values, RowError):
            yield values
            continue
        parsed = parse_row(row, values, now=now, checksum_ok=checksum_ok)
        if isinstance(parsed, list):
            yield from parsed
            continue
        first = seen_ids.setdefault(parsed.external_id, row)
        if first != row:
            yield RowError(
                row,
                "externalId",
                f"duplicate externalId (first at row {first})",
                parsed.external_id,
            )
            continue
        if parsed.wallet_address is not None:
            first = seen_wallets.setdefault(parsed.wallet_address, row)
            if first != row:
                yield RowError(
                    row,
                    "walletAddress",
                    f"duplicate walletAddress (first at row {first})",
                    parsed.external_id,
                )
                continue
        yield parsed
