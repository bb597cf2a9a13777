"""One thing the audit found wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Finding:
    check: str  # BALANCE | SUPPLY | LEDGER | MEMBER
    code: str
    message: str
    detail: dict[str, Any] = field(default_factory=dict)
