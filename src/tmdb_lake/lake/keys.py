"""Lake keys: the one check every storage applies before touching a path or an object.

Keys are relative to the lake root and `/`-separated. An invalid key is a bug in our own
code, not user input, so it raises `ValueError`.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Sequence

from tmdb_lake.errors import ConfigError

# Temp files of an unfinished LocalStorage.put: hidden, and a segment no valid key may use, so
# `list` can never mistake one for data. Named `.~tmp-<pid>-<random>-<name>`: a writer killed
# mid-put (SIGKILL, power loss) leaves its temp file behind; `list`, and the first `put` into
# each folder, remove the temp files of writers that are gone, so a resumed run's commit and
# clean-up sweep what a crash left.
TEMP_MARKER = ".~tmp-"
_MAX_NAME_IN_MESSAGE = 80


def check_segments(text: str, what: str, *, allow_trailing_slash: bool) -> None:
    """Raise ValueError unless every `/`-separated segment of `text` is a safe key segment."""
    if "\\" in text:
        raise ValueError(f"{what} must use '/' separators, not backslashes: {text!r}")
    if text.startswith("/"):
        raise ValueError(f"{what} must be relative to the lake root: {text!r}")
    if any(ord(ch) < 0x20 or ch == "\x7f" for ch in text):
        raise ValueError(f"{what} must not contain control characters: {text!r}")
    segments = text.split("/")
    if allow_trailing_slash and len(segments) > 1 and segments[-1] == "":
        segments = segments[:-1]
    for segment in segments:
        if segment == "":
            raise ValueError(f"{what} has an empty segment: {text!r}")
        if segment in (".", ".."):
            raise ValueError(f"{what} has a {segment!r} segment: {text!r}")
        if segment.startswith(TEMP_MARKER):
            raise ValueError(f"{what} uses the reserved {TEMP_MARKER!r} name prefix: {text!r}")


def check_key(key: str) -> str:
    """Return `key` if it is a valid lake key, else raise ValueError (a bug in the caller)."""
    if not isinstance(key, str) or key == "":
        raise ValueError(f"a key must be a non-empty string, got {key!r}")
    check_segments(key, "key", allow_trailing_slash=False)
    return key


def check_prefix(prefix: str) -> str:
    """Return `prefix` if it is a valid key prefix ("" or ending in '/' allowed)."""
    if not isinstance(prefix, str):
        raise ValueError(f"a prefix must be a string, got {prefix!r}")
    if prefix:
        check_segments(prefix, "prefix", allow_trailing_slash=True)
    return prefix


def check_keys(keys: Sequence[str]) -> builtins.list[str]:
    """Give the valid keys of a sequence, each once, in order (a bare string is a bug)."""
    if isinstance(keys, str):
        raise TypeError("delete() takes a sequence of keys, not a single string")
    return builtins.list(dict.fromkeys(check_key(key) for key in keys))


_BUCKET_CHARS = re.compile(r"[a-z0-9.-]+")
_IP_LIKE = re.compile(r"\d+\.\d+\.\d+\.\d+")
_RESERVED_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def validate_bucket_name(name: str) -> None:
    """Raise ConfigError unless `name` follows S3's general-purpose bucket naming rules.

    3-63 characters of lowercase letters, digits, '.' and '-'; starts and ends with a letter or
    digit; no '..'; not an IP address; none of the prefixes and suffixes S3 reserves.
    """
    shown = repr(name if len(name) <= _MAX_NAME_IN_MESSAGE else name[:_MAX_NAME_IN_MESSAGE] + "…")

    def invalid(reason: str) -> ConfigError:
        return ConfigError(f"invalid S3 bucket name {shown}: {reason}")

    if not 3 <= len(name) <= 63:
        raise invalid("must be 3 to 63 characters long")
    if not _BUCKET_CHARS.fullmatch(name):
        raise invalid("only lowercase letters, digits, '.' and '-' are allowed")
    if not (name[0].isalnum() and name[-1].isalnum()):
        raise invalid("must start and end with a letter or digit")
    if ".." in name:
        raise invalid("must not contain '..'")
    if _IP_LIKE.fullmatch(name):
        raise invalid("must not be formatted as an IP address")
    for reserved in _RESERVED_BUCKET_PREFIXES:
        if name.startswith(reserved):
            raise invalid(f"the prefix {reserved!r} is reserved by S3")
    for reserved in _RESERVED_BUCKET_SUFFIXES:
        if name.endswith(reserved):
            raise invalid(f"the suffix {reserved!r} is reserved by S3")
