"""Erasing a member (GDPR, issue 16): what stands in for them afterwards, and how their personal
data is taken out of stored text. Pure: the use case (loyalty.services.erasure) reads and
writes the rows.

The pseudonym is random (`erased-` and 32 hex digits), never derived from the member id, so no
one holding the old id can recompute it and find the account: the ledger keeps its entries and
totals under the pseudonym, and nothing links it back to the person.

`Redaction.text` replaces every occurrence of the member id with the pseudonym and of the e-mail
and name with ERASED (case-insensitively for the e-mail), longest first, so that a name that
contains the id is still taken out whole. `Redaction.json` does the same inside each string of
a JSON document (keys and numbers untouched, so the document stays valid); text that is not
JSON is treated as plain text.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

PSEUDONYM_PREFIX = "erased-"
ERASED = "[erased]"


def new_pseudonym() -> str:
    return PSEUDONYM_PREFIX + secrets.token_hex(16)


def is_pseudonym(member_id: str) -> bool:
    return member_id.startswith(PSEUDONYM_PREFIX) and len(member_id) == len(PSEUDONYM_PREFIX) + 32


@dataclass(frozen=True)
class Redaction:
    member_id: str
    pseudonym: str
    personal: tuple[str, ...] = ()  # e-mail, name: replaced by ERASED

    def _pattern(self) -> re.Pattern[str]:
        values = sorted({self.member_id, *(p for p in self.personal if p)}, key=len, reverse=True)
        return re.compile("|".join(re.escape(v) for v in values), re.IGNORECASE)

    def _replace(self, match: re.Match[str]) -> str:
        found = match.group(0)
        return self.pseudonym if found == self.member_id else ERASED

    def text(self, value: str | None) -> str | None:
        if value is None:
            return None
        return self._pattern().sub(self._replace, value)

    def holds(self, value: str | None) -> bool:
        return value is not None and self._pattern().search(value) is not None

    def json(self, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            document = json.loads(value)
        except ValueError:
            return self.text(value)
        return json.dumps(self._walk(document), ensure_ascii=False, separators=(",", ":"))

    def _walk(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self._walk(v) for v in value]
        if isinstance(value, dict):
            return {k: self._walk(v) for k, v in value.items()}
        return value
