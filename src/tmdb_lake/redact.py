"""Keep secrets out of everything tmdb-lake prints or stores.

Secrets are wrapped in `Secret` from the moment they are read, so they cannot leak by
`repr`. This module is the second line: every line the CLI prints, every log record and
every traceback shown with `--debug` passes through `Redactor.redact`, which masks the
known secret values and any `api_key=` query value.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from tmdb_lake.secret import Secret

_API_KEY_IN_URL = re.compile(r"(api_key=)[^&\s\"']+")
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+")
MASK = "***"


class Redactor(logging.Filter):
    """Masks known secret values in text and in log records."""

    def __init__(self, secrets: Iterable[Secret | None] = ()) -> None:
        super().__init__()
        self._values: list[str] = []
        self.add(*secrets)

    def add(self, *secrets: Secret | None) -> None:
        """Remember more secret values to mask (short values are not masked)."""
        for secret in secrets:
            if secret is not None and len(secret.reveal()) >= 6:
                self._values.append(secret.reveal())
        self._values.sort(key=len, reverse=True)

    def redact(self, text: str) -> str:
        """Give the text with every known secret and api_key value masked."""
        for value in self._values:
            text = text.replace(value, MASK)
        text = _API_KEY_IN_URL.sub(r"\1" + MASK, text)
        return _BEARER.sub(r"\1" + MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact a log record in place; never drops it."""
        record.msg = self.redact(record.getMessage())
        record.args = None
        return True
