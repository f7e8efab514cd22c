"""Parsers: each turns one option's text into a value, or raises `ConfigError` naming it.

Every parser takes `(label, raw)`: the label is how the user set the option (a flag, or
the environment variable that held it), so the one-line error names what to fix.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from tmdb_lake.errors import ConfigError
from tmdb_lake.lake.layout import FileFormat, TableFormat
from tmdb_lake.lake.location import LakeLocation
from tmdb_lake.secret import Secret
from tmdb_lake.tmdb.queries import MAX_RESULTS_PER_QUERY, MediaType

RunMode = Literal["discover", "catalog", "changes"]
EngineName = Literal["duckdb", "spark"]

MAX_RECORDS_PER_FILE = 10_000
MAX_APPENDS = 20

_GENRES = re.compile(r"^\d+(?:[,|]\d+)*$")
_LANGUAGE = re.compile(r"^[a-z]{2}(?:-[A-Z]{2})?$")
_DATASET = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_APPEND = re.compile(r"^[a-z_]+$")


def parse_date(name: str, raw: str) -> date:
    """Give a YYYY-MM-DD date."""
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ConfigError(f"{name} {raw!r} is not a date (YYYY-MM-DD)") from None


def parse_optional_date(name: str, raw: str) -> date | None:
    """Give a date, or None for '' or 'none' (no bound)."""
    return None if raw.strip().lower() in ("", "none") else parse_date(name, raw)


def parse_positive_int(name: str, raw: str) -> int:
    """Give a whole number of at least 1."""
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} {raw!r} is not a whole number") from None
    if value <= 0:
        raise ConfigError(f"{name} must be at least 1, got {value}")
    return value


def parse_limit(name: str, raw: str) -> int | None:
    """Give a record limit, or None for '', 'all' or 'none'."""
    if raw.strip().lower() in ("", "all", "none"):
        return None
    value = parse_positive_int(name, raw)
    if value > MAX_RESULTS_PER_QUERY:
        raise ConfigError(limit_over_the_cap(name, value))
    return value


def limit_over_the_cap(name: str, value: int) -> str:
    """Say why a limit over one query's cap is refused, and what to do instead."""
    # One popularity-ordered query stops at 10,000; the N most popular of a bigger match
    # would need every record first, which is what a run without a limit collects.
    return (
        f"{name} {value} is over {MAX_RESULTS_PER_QUERY:,}, the most TMDB serves of one "
        f"query in popularity order; leave {name} out to collect every matching record "
        "(past the cap, in release-date windows)"
    )


def parse_records_per_file(name: str, raw: str) -> int:
    """Give records per file, 1..10000."""
    value = parse_positive_int(name, raw)
    if value > MAX_RECORDS_PER_FILE:
        raise ConfigError(f"{name} must be at most {MAX_RECORDS_PER_FILE}, got {value}")
    return value


def parse_positive_float(name: str, raw: str) -> float:
    """Give a finite number above 0."""
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} {raw!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise ConfigError(f"{name} must be a positive number, got {raw}")
    return value


def parse_media(name: str, raw: str) -> tuple[MediaType, ...]:
    """Give media types from a comma-separated list, each once, in order."""
    items = [item.strip().lower() for item in raw.split(",") if item.strip()]
    if not items:
        raise ConfigError(f"{name} is empty: use movie, tv or movie,tv")
    out: list[MediaType] = []
    for item in items:
        try:
            media = MediaType(item)
        except ValueError:
            raise ConfigError(f"{name}: unknown media {item!r} (use movie, tv)") from None
        if media not in out:
            out.append(media)
    return tuple(out)


def parse_genres(name: str, raw: str) -> str:
    """Give TMDB's genre syntax (',' for AND, '|' for OR), or '' for all."""
    value = raw.replace(" ", "")
    if value and not _GENRES.match(value):
        raise ConfigError(
            f"{name} {raw!r} is not TMDB genre syntax: ids joined by ',' (AND) or '|' (OR)"
        )
    return value


def parse_language(name: str, raw: str) -> str:
    """Give a language tag like pt-BR or en."""
    if not _LANGUAGE.match(raw):
        raise ConfigError(f"{name} {raw!r} is not a language tag like pt-BR or en")
    return raw


def _choice(name: str, raw: str, choices: tuple[str, ...], what: str) -> str:
    value = raw.strip().lower()
    if value not in choices:
        raise ConfigError(f"{name} {raw!r} is not a {what} ({', '.join(choices)})")
    return value


def parse_format(name: str, raw: str) -> FileFormat:
    """Give a raw file format: json or jsonl."""
    value = _choice(name, raw, ("json", "jsonl"), "file format")
    return "jsonl" if value == "jsonl" else "json"


def parse_dataset(name: str, raw: str) -> str:
    """Give a dataset (folder) name that is safe as a key segment."""
    if not _DATASET.match(raw):
        raise ConfigError(
            f"{name} {raw!r} is not a safe dataset name "
            "(lowercase letters, digits, '_' or '-', at most 63 characters)"
        )
    return raw


def parse_appends(name: str, raw: str) -> tuple[str, ...]:
    """Give append_to_response items (at most 20)."""
    items = tuple(item.strip() for item in raw.split(",") if item.strip())
    if len(items) > MAX_APPENDS:
        raise ConfigError(f"{name}: TMDB allows at most {MAX_APPENDS} appends, got {len(items)}")
    for item in items:
        if not _APPEND.match(item):
            raise ConfigError(f"{name}: {item!r} is not an append_to_response item")
    return items


def parse_mode(name: str, raw: str) -> RunMode:
    """Give a run mode: discover, catalog or changes."""
    value = _choice(name, raw, ("discover", "catalog", "changes"), "run mode")
    return "catalog" if value == "catalog" else "changes" if value == "changes" else "discover"


def parse_engine(name: str, raw: str) -> EngineName:
    """Give a build engine (transform, refine): duckdb or spark."""
    engines: dict[str, EngineName] = {"duckdb": "duckdb", "spark": "spark"}
    found = engines.get(raw.strip().lower())
    if found is None:
        raise ConfigError(f"{name} {raw!r} is not an engine (duckdb or spark)")
    return found


def parse_seconds(name: str, raw: str) -> float:
    """Give a number of seconds, zero or more."""
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} {raw!r} is not a number of seconds") from None
    if not value >= 0 or value == float("inf"):
        raise ConfigError(f"{name} must be zero or more seconds, got {raw}")
    return value


def parse_optional_float(name: str, raw: str) -> float | None:
    """Give a number, zero or more, or None for ''."""
    if not raw.strip():
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} {raw!r} is not a number") from None
    if not value >= 0 or value == float("inf"):
        raise ConfigError(f"{name} must be zero or more, got {raw}")
    return value


def parse_bool(name: str, raw: str) -> bool:
    """Give true or false from 1/0, true/false, yes/no, on/off ('' is false)."""
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{name} {raw!r} is not true or false")


def parse_http_url(name: str, raw: str) -> str:
    """Give an http(s) URL without credentials, without a trailing slash."""
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name} {raw!r} is not an http(s) URL")
    if parts.username or parts.password:
        raise ConfigError(f"{name} must not carry credentials in the URL")
    return raw.rstrip("/")


def parse_lake(name: str, raw: str) -> str:
    """Give a lake location, checked by the one validator (`LakeLocation.parse`)."""
    try:
        return LakeLocation.parse(raw).uri
    except ConfigError as exc:
        raise ConfigError(f"{name}: {exc}") from None


def parse_path(name: str, raw: str) -> Path | None:
    """Give a path, or None for ''."""
    return Path(raw) if raw.strip() else None


def parse_secret(name: str, raw: str) -> Secret | None:
    """Give a credential wrapped in `Secret`, or None for ''."""
    value = raw.strip()
    if not value:
        return None
    if any(ch.isspace() for ch in value) or not value.isprintable():
        raise ConfigError(f"{name} contains whitespace or control characters")
    return Secret(value)


def parse_optional_str(name: str, raw: str) -> str | None:
    """Give the text, or None for ''."""
    return raw.strip() or None


_NAMESPACE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)
_UNITS = {
    **{"kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12},
    **{"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40},
}


def parse_memory(name: str, raw: str) -> str:
    """Give a memory size like 1GB or 512MB (DuckDB's `memory_limit`)."""
    value = raw.strip()
    if not _SIZE.match(value):
        raise ConfigError(f"{name} {raw!r} is not a size like 1GB or 512MB")
    return value


def parse_optional_positive_int(name: str, raw: str) -> int | None:
    """Give a whole number of at least 1, or None for ''."""
    return parse_positive_int(name, raw) if raw.strip() else None


CatalogKind = Literal["sql", "rest", "glue"]


def parse_table_format(name: str, raw: str) -> TableFormat:
    """Give a table format: parquet or iceberg."""
    value = _choice(name, raw, ("parquet", "iceberg"), "table format")
    return "iceberg" if value == "iceberg" else "parquet"


def parse_catalog(name: str, raw: str) -> CatalogKind | None:
    """Give an Iceberg catalog kind: sql, rest or glue; None for '' (the lake's default)."""
    if not raw.strip():
        return None
    value = _choice(name, raw, ("sql", "rest", "glue"), "catalog")
    return "rest" if value == "rest" else "glue" if value == "glue" else "sql"


def parse_namespace(name: str, raw: str) -> str:
    """Give a catalog namespace (prefix): lowercase letters, digits and '_' (Glue's rule)."""
    value = raw.strip()
    if not _NAMESPACE.match(value):
        raise ConfigError(
            f"{name} {raw!r} is not a namespace (lowercase letters, digits, '_', "
            "starting with a letter, at most 40 characters)"
        )
    return value


def parse_days(name: str, raw: str) -> float:
    """Give a number of days, zero or more (fractions allowed: 0.5 is 12 hours)."""
    value = parse_optional_float(name, raw)
    if value is None:
        raise ConfigError(f"{name} is empty: give a number of days")
    return value


def parse_size_bytes(name: str, raw: str) -> int:
    """Give a size like 64MB as bytes (1 MB = 1,000,000 bytes; MiB = 1,048,576)."""
    found = _SIZE.match(raw.strip())
    if not found:
        raise ConfigError(f"{name} {raw!r} is not a size like 64MB or 1GB")
    return int(float(found.group(1)) * _UNITS[found.group(2).lower()])
