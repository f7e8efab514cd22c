r"""JSON that keeps what TMDB sent: integers of any size exactly, undecodable strings repaired.

orjson is the fast path everywhere. It has two blind spots, each handled here only when a
cheap check says the body needs it:

- **Integers beyond 64 bits** are valid JSON; orjson reads them as floats, silently, and
  refuses to write them. A body with a run of 19 or more digits (found in about 1 ns a
  byte) is parsed by the stdlib instead, and every integer that does not fit in 64 bits
  becomes an `orjson.Fragment` of its own digits: orjson writes it back verbatim, so the
  lake holds the exact number and the fast writer still works. `loads_exact` (reading a
  lake file back) gives plain Python ints.
- **Undecodable strings.** One lone UTF-16 surrogate escape (`\ud800` with no partner)
  or one byte that is not UTF-8 makes orjson refuse the whole body, and TMDB sends the
  same body on every retry. `loads_body` repairs such a body so that the bad code unit
  survives as visible text: the escape keeps its six characters (the string holds a
  backslash, `u`, `d800`), an invalid byte becomes the four characters `\xNN`. Nothing
  else in the record changes, and each repair is counted. A body that still does not
  parse after the repair (truncated, not JSON) is left to the caller to retry.

The repaired text cannot be told from a string that really contained `\ud800` or `\xff`;
the count (`strings_repaired`) says how often it happened.
"""

from __future__ import annotations

import codecs
import json
import math
import re
import threading
from typing import Any

import orjson

_LONG_DIGITS = b"0" * 19
"""19 digits: the shortest integer that may not fit in 64 bits (2**63 has 19)."""

_DIGITS_AS_ZERO = bytes(48 if 48 <= i <= 57 else 32 for i in range(256))
_I64_MIN, _U64_MAX = -(2**63), 2**64 - 1
_INT_MAX_DIGITS = 4_000

_ESCAPE = re.compile(
    r"\\(?:u([dD][89abAB][0-9a-fA-F]{2})(\\u[dD][c-fC-F][0-9a-fA-F]{2})?"
    r"|u([dD][c-fC-F][0-9a-fA-F]{2})|.)",
    re.DOTALL,
)
"""Every escape in JSON text, so that an escaped backslash is never read as one that escapes.

Groups: 1 a high surrogate, 2 its low partner (absent: lone), 3 a lone low surrogate.
"""

_BYTES_HANDLER = "tmdb-lake-json-bytes"
_bad_sequences = threading.local()
"""Invalid UTF-8 sequences the handler replaced in this thread's current decode."""


def _escape_bad_bytes(error: UnicodeError) -> tuple[str, int]:
    r"""Give JSON text for bytes that are not UTF-8: each byte as the escaped text `\xNN`."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    _bad_sequences.count = getattr(_bad_sequences, "count", 0) + 1
    bad = error.object[error.start : error.end]
    return "".join(f"\\\\x{byte:02x}" for byte in bad), error.end


codecs.register_error(_BYTES_HANDLER, _escape_bad_bytes)


def has_long_integers(data: bytes) -> bool:
    """Tell whether `data` may hold an integer beyond 64 bits (a run of 19+ digits)."""
    return _LONG_DIGITS in data.translate(_DIGITS_AS_ZERO)


def loads_body(body: bytes) -> tuple[Any, int]:
    """Parse a TMDB body; give the value and how many bad code units were repaired.

    Raises `ValueError` (orjson's and json's decode errors are ones) when the body is not
    JSON even after the repair.
    """
    exact = has_long_integers(body)
    if not exact:
        try:
            return orjson.loads(body), 0
        except orjson.JSONDecodeError:
            pass
    text, repairs = _repaired_text(body)
    if exact:
        return _stdlib_loads(text, _int_or_fragment), repairs
    return orjson.loads(text), repairs


def loads_exact(data: bytes) -> Any:
    """Parse JSON we wrote, with every integer exact (as a Python int)."""
    if not has_long_integers(data):
        return orjson.loads(data)
    return _stdlib_loads(data.decode("utf-8"), _int_or_digits)


def dumps_exact(value: Any, *, indent: bool = False) -> bytes:
    """Serialise like `orjson.dumps`, writing integers beyond 64 bits exactly."""
    option = orjson.OPT_INDENT_2 if indent else 0
    try:
        return orjson.dumps(value, option=option)
    except orjson.JSONEncodeError as error:
        if "64-bit" not in str(error):
            raise
    return orjson.dumps(_with_fragments(value), option=option)


def _repaired_text(body: bytes) -> tuple[str, int]:
    """Give the body as text with bad bytes and lone surrogate escapes made literal."""
    _bad_sequences.count = 0
    text = body.decode("utf-8", errors=_BYTES_HANDLER)  # linear: the handler runs per error
    repairs = int(_bad_sequences.count)

    def fix(match: re.Match[str]) -> str:
        nonlocal repairs
        if match[3] is None and (match[1] is None or match[2] is not None):
            return match[0]  # any other escape, or a valid surrogate pair
        repairs += 1
        return "\\" + match[0]  # escape its backslash: the six characters stay as text

    return _ESCAPE.sub(fix, text), repairs


def _stdlib_loads(text: str, parse_int: Any) -> Any:
    """Parse with the stdlib, as strictly as orjson (no NaN, Infinity or overflowing float)."""
    try:
        return json.loads(text, parse_int=parse_int, parse_float=_finite, parse_constant=_refuse)
    except RecursionError:  # orjson stops at depth 1024 with a decode error; so do we
        raise ValueError("JSON nested too deeply") from None


def _int_or_fragment(digits: str) -> int | orjson.Fragment:
    """Give a JSON integer as an int when orjson can write it, else verbatim."""
    if len(digits) <= 20:  # never hand int() 4,300+ digits (Python refuses, slowly)
        value = int(digits)
        if _I64_MIN <= value <= _U64_MAX:
            return value
    return orjson.Fragment(digits.encode("ascii"))


def _int_or_digits(digits: str) -> int | orjson.Fragment:
    """Give a JSON integer as an int; one too long for `int()` (4,300 digits) verbatim."""
    return int(digits) if len(digits) <= _INT_MAX_DIGITS else orjson.Fragment(digits.encode())


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:40]} is out of range")
    return value


def _refuse(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _with_fragments(value: Any) -> Any:
    """Give `value` with each integer beyond orjson's range replaced by its exact digits."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if _I64_MIN <= value <= _U64_MAX else orjson.Fragment(str(value).encode())
    if isinstance(value, dict):
        return {key: _with_fragments(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_with_fragments(item) for item in value]
    return value
