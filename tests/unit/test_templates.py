"""The thank-you e-mail template check: what it accepts, and that a refusal names what is wrong."""

from __future__ import annotations

import pytest

from loyalty.domain.errors import InvalidInput
from loyalty.domain.templates import render, validate_template


def test_known_placeholders_and_literal_braces_are_accepted_and_rendered() -> None:
    text = validate_template("Hi {name}, +{points} ({balance}) {{braces}}", field="body")
    out = render(text, {"name": "Ann", "points": 5, "balance": 12})
    assert out == "Hi Ann, +5 (12) {braces}"


def test_an_unknown_placeholder_is_named_with_the_list_of_known_ones() -> None:
    with pytest.raises(InvalidInput) as err:
        validate_template("Hi {nmae}", field="body")
    assert "{nmae}" in str(err.value) and "{name}" in str(err.value)
    assert err.value.field == "body"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("{points!r}", "!r"),
        ("{points!s} pts", "!s"),
        ("{points:>10}", ":>10"),
        ("{tier:.3}", ":.3"),
    ],
)
def test_a_conversion_or_format_spec_is_named_not_the_placeholder(text: str, named: str) -> None:
    with pytest.raises(InvalidInput) as err:
        validate_template(text, field="body")
    message = str(err.value)
    assert named in message
    assert "the placeholders are" not in message  # the placeholder itself was right


@pytest.mark.parametrize("text", ["", "   ", "x" * 10_001, "{unclosed"])
def test_empty_too_long_or_malformed_templates_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        validate_template(text, field="body")
