"""The thank-you e-mail template: `{placeholders}` the site owner may use, checked when saved
so that a typo is refused at once rather than failing every delivery later."""

from __future__ import annotations

import string
from collections.abc import Mapping

from loyalty.domain.errors import InvalidInput

PLACEHOLDERS = ("name", "member_id", "points", "balance", "event", "tier")
TEMPLATE_MAX = 10_000


def validate_template(text: str, *, field: str) -> str:
    if not text.strip() or len(text) > TEMPLATE_MAX:
        raise InvalidInput(f"{field} must be 1 to {TEMPLATE_MAX} characters", field=field)
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise InvalidInput(f"{field} is not a valid template: {exc}", field=field) from None
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            raise InvalidInput(
                f"{field} uses {{{name}}}; the placeholders are "
                + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
                + " (write {{ and }} for literal braces)",
                field=field,
            )
        # A known placeholder with a conversion or a format spec: name what is wrong, which
        # is the `!r` or `:>10`, not the placeholder the owner spelled right.
        if conversion:
            raise InvalidInput(
                f"{field} uses {{{name}!{conversion}}}; conversions (!{conversion}) are not "
                f"supported: write {{{name}}}",
                field=field,
            )
        if spec:
            raise InvalidInput(
                f"{field} uses {{{name}:{spec}}}; format specs (:{spec}) are not supported: "
                f"write {{{name}}}",
                field=field,
            )
    return text


def render(text: str, values: Mapping[str, object]) -> str:
    """Fills a validated template; unknown placeholders cannot occur (validated on save)."""
    return text.format_map({p: values.get(p, "") for p in PLACEHOLDERS})
