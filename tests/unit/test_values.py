"""loyalty.domain.values: the rules for values from outside, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from loyalty.domain import values
from loyalty.domain.errors import InvalidInput


@pytest.mark.parametrize("text", ["a\x00b", "\ud800", "x\udfff"])
def test_text_refuses_nul_and_lone_surrogates(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        values.check_text("reason", text)
    assert caught.value.field == "reason"


def test_free_text_keeps_line_breaks_tabs_and_any_script() -> None:
    assert values.check_text("reason", "línea\n\tdos 😀") == "línea\n\tdos 😀"


@pytest.mark.parametrize("text", ["", "  ", "a\x01", "a\x7f", "a\x85", "a\nb", "x" * 11])
def test_identifiers_are_short_not_blank_and_without_control_characters(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        values.check_identifier("memberId", text, 10)
    assert caught.value.field == "memberId"


def test_an_identifier_is_returned_stripped() -> None:
    assert values.check_identifier("memberId", " ann ", 10) == "ann"


def test_check_tree_names_the_path_of_the_bad_string() -> None:
    with pytest.raises(InvalidInput) as caught:
        values.check_tree({"data": {"items": [{"ok": "x"}, {"k": "\x00"}]}}, "")
    assert caught.value.field == "data.items[1].k"
    with pytest.raises(InvalidInput) as caught:
        values.check_tree({"data": {"\x00": 1}}, "")
    assert caught.value.field == "data.<key>"


@pytest.mark.parametrize(
    "value", [1.5, True, None, "1e80", "1e400", "NaN", "Infinity", "1.0000001", "0." + "1" * 70]
)
def test_money_outside_its_limits_is_refused(value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        values.parse_money("amount", value)
    assert caught.value.field == "amount"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12.50", "12.50"), (7, "7"), (Decimal("1E+3"), "1E+3"), ("1.100000000", "1.100000000")],
)
def test_money_within_its_limits_is_exact(value: object, expected: str) -> None:
    assert values.parse_money("amount", value) == Decimal(expected)


@pytest.mark.parametrize("value", ["5", 5.0, True, 2**53, -(2**53)])
def test_a_long_is_an_integer_number_within_53_bits(value: object) -> None:
    with pytest.raises(InvalidInput):
        values.parse_long("revision", value)


def test_instants_carry_a_time_zone_and_a_sane_year() -> None:
    assert values.parse_instant("at", "2025-01-31T12:00:00Z") == datetime(
        2025, 1, 31, 12, tzinfo=UTC
    )
    for bad in ("2025-01-31T12:00:00", "9999-01-01T00:00:00Z", "1969-01-01T00:00:00Z", 5):
        with pytest.raises(InvalidInput):
            values.parse_instant("at", bad)


def test_an_instant_may_be_ahead_of_now_only_by_the_clock_skew() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    values.check_instant("at", now + values.FUTURE_SKEW, now=now)
    with pytest.raises(InvalidInput):
        values.check_instant("at", now + values.FUTURE_SKEW + timedelta(seconds=1), now=now)


def test_an_event_stored_with_a_naive_occurred_at_before_the_check_is_read_as_utc() -> None:
    """Events accepted before naive instants were refused must still apply (they failed for
    ever comparing naive and aware datetimes)."""
    from loyalty.services.activity_model import ActivityInput

    stored = ActivityInput("k", "m1", "stores/OrderPaid", "stores").to_payload()
    stored["occurredAt"] = "2025-01-31T12:00:00"
    assert ActivityInput.from_payload(stored).occurred_at == datetime(2025, 1, 31, 12, tzinfo=UTC)
