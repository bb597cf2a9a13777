"""The hash chain with entries an erasure redacted (loyalty.domain.audit): a redacted entry is
checked against the hash its erasure recorded, so the chain still verifies, any later edit of
it still breaks the chain at it, an entry broken before the erasure stays broken, and a second
erasure of the same entry is checked against the first one's record."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from loyalty.domain.audit import (
    GENESIS,
    AuditEntry,
    ChainChecker,
    Redacted,
    entry_hash,
    redaction,
    redactions_in,
)

AT = datetime(2026, 12, 4, 12, tzinfo=UTC)


def chain(*afters: str) -> list[AuditEntry]:
    entries, prev = [], GENESIS
    for seq, after in enumerate(afters, start=1):
        draft = AuditEntry(
            seq, AT, None, "t", "adjustment", "x", "adjust", None, after, "{}", prev, ""
        )
        entry = replace(draft, hash=entry_hash(draft))
        entries.append(entry)
        prev = entry.hash
    return entries


def first_break(entries: list[AuditEntry], redacted: list[Redacted]) -> int | None:
    checker = ChainChecker(redacted)
    for e in entries:
        broken = checker.check(e)
        if broken is not None:
            return broken.seq
    return None


def test_a_redacted_entry_verifies_against_its_record_and_edits_still_break() -> None:
    entries = chain('{"a":1}', '{"who":"ann"}', '{"a":3}')
    assert first_break(entries, []) is None
    redacted = replace(entries[1], entity_id="member:7", after='{"who":"[erased]"}')
    record = redaction(entries[1], redacted)
    assert record.intact and record.seq == 2
    assert redactions_in(json.dumps({"redacted": [record.to_json()]})) == [record]
    after = [entries[0], redacted, entries[2]]
    assert first_break(after, []) == 2  # without the record: its content no longer matches
    assert first_break(after, [record]) is None  # the links hold; the content matches the record
    edited = replace(redacted, before='{"balance":9}')
    assert first_break([entries[0], edited, entries[2]], [record]) == 2
    # its stored hash edited: the next entry's link breaks
    assert first_break([entries[0], replace(redacted, hash="0" * 64), entries[2]], [record]) == 3


def test_an_entry_broken_before_the_erasure_stays_broken() -> None:
    entries = chain('{"a":1}', '{"who":"ann"}')
    tampered = replace(entries[1], after='{"who":"ann","points":1000}')
    redacted = replace(tampered, after='{"who":"[erased]","points":1000}')
    record = redaction(tampered, redacted)
    assert not record.intact
    assert first_break([entries[0], redacted], [record]) == 2


def test_a_second_erasure_of_the_same_entry_is_checked_against_the_first() -> None:
    entries = chain('{"who":"ann and bob"}')
    once = replace(entries[0], after='{"who":"[erased] and bob"}')
    first = redaction(entries[0], once)
    twice = replace(once, after='{"who":"[erased] and [erased]"}')
    second = redaction(once, twice, first)
    assert second.intact
    assert first_break([twice], [first, second]) is None  # the later record wins
    assert not redaction(entries[0], twice, first).intact  # not what the first record says
    assert redactions_in("not json") == [] and redactions_in(None) == []
