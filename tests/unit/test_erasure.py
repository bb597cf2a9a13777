"""The pure part of erasing a member (loyalty.domain.erasure): pseudonyms are random and
recognisable, and a redaction takes the id, e-mail and name out of text and out of every string
of a JSON document without breaking it."""

from __future__ import annotations

import json

from loyalty.domain.erasure import ERASED, Redaction, is_pseudonym, new_pseudonym


def test_pseudonyms_are_random_and_recognised() -> None:
    a, b = new_pseudonym(), new_pseudonym()
    assert a != b and is_pseudonym(a) and is_pseudonym(b)
    assert not is_pseudonym("erased-short") and not is_pseudonym("ann")


def test_text_and_json_lose_the_personal_data() -> None:
    r = Redaction("ann-7", "erased-x", ("Ann@Example.org", "Ann Smith"))
    assert r.text("adj-ann-7-1 for ann smith <ann@example.org>") == (
        f"adj-erased-x-1 for {ERASED} <{ERASED}>"
    )
    assert r.text(None) is None and not r.holds(None) and not r.holds("bob")
    document = json.dumps(
        {"memberId": "ann-7", "n": 7, "list": ["x", "Ann Smith"], "ann-7": {"ok": True}}
    )
    redacted = json.loads(r.json(document) or "")
    assert redacted == {
        "memberId": "erased-x",
        "n": 7,
        "list": ["x", ERASED],
        "ann-7": {"ok": True},
    }
    assert r.json("not json ann-7") == "not json erased-x"


def test_a_name_holding_the_id_goes_whole() -> None:
    r = Redaction("ann", "erased-x", ("Joanna",))  # "Joanna" contains "ann"
    assert r.text("Dear Joanna (ann)") == f"Dear {ERASED} (erased-x)"
