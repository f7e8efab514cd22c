"""Building settings: CLI flags > environment > `.env` file > defaults, validated once.

A `.env` written for the original student script works unchanged (`API_KEY`,
`BUCKET_NAME`, ...): its names are declared as each option's second environment name.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any, TypeVar

from tmdb_lake.errors import ConfigError
from tmdb_lake.settings.model import LakeSettings, Settings
from tmdb_lake.settings.options import (
    ENGINE,
    INGEST,
    LAKE,
    LEASES,
    MAINTAIN,
    REFINE,
    REPORT,
    TABLES,
    TMDB,
    TRANSFORM,
    Option,
    OptionGroup,
)
from tmdb_lake.settings.parsers import parse_lake

T = TypeVar("T", bound=LakeSettings)

INGEST_GROUPS: tuple[OptionGroup, ...] = (LAKE, TMDB, LEASES, INGEST)
LAKE_GROUPS: tuple[OptionGroup, ...] = (LAKE,)
ENGINE_GROUPS: tuple[OptionGroup, ...] = (LAKE, ENGINE, TABLES)
TRANSFORM_GROUPS: tuple[OptionGroup, ...] = (LAKE, ENGINE, TABLES, LEASES, TRANSFORM)
REFINE_GROUPS: tuple[OptionGroup, ...] = (LAKE, ENGINE, TABLES, LEASES, REFINE)
MAINTAIN_GROUPS: tuple[OptionGroup, ...] = (LAKE, ENGINE, TABLES, LEASES, MAINTAIN)
REPORT_GROUPS: tuple[OptionGroup, ...] = (LAKE, ENGINE, REPORT)


def options_of(groups: Sequence[OptionGroup]) -> list[Option]:
    """Give the options of some groups, in declaration order."""
    return [option for group in groups for option in group]


def load(
    cls: type[T],
    groups: Sequence[OptionGroup],
    cli: Mapping[str, str | None] | None = None,
    environ: Mapping[str, str] | None = None,
    dotenv: Mapping[str, str | None] | None = None,
) -> T:
    """Build `cls` from CLI values (by field name), environment and `.env` values.

    Raises `ConfigError` naming the first invalid value, as the user set it.
    """
    cli = cli or {}
    sources: list[Mapping[str, str | None]] = [environ or {}, dotenv or {}]
    values: dict[str, Any] = {}
    for option in options_of(groups):
        raw, label = cli.get(option.field), option.label
        if raw is None:
            for source in sources:
                hit = next((name for name in option.env if source.get(name) is not None), None)
                if hit is not None:
                    raw, label = source[hit], hit
                    break
        if raw is not None:
            values[option.field] = option.parse(label, raw)
    if "lake" not in values:
        bucket = next((s.get("BUCKET_NAME") for s in sources if s.get("BUCKET_NAME")), None)
        if bucket:  # the original script's .env: BUCKET_NAME alone means s3://BUCKET_NAME
            values["lake"] = parse_lake("BUCKET_NAME", f"s3://{bucket}")
    return cls(**values)


def load_settings(
    cli: Mapping[str, str | None] | None = None,
    environ: Mapping[str, str] | None = None,
    dotenv: Mapping[str, str | None] | None = None,
) -> Settings:
    """Build an ingest's `Settings` (every group)."""
    return load(Settings, INGEST_GROUPS, cli, environ, dotenv)


def default_text(cls: type[LakeSettings], option: Option) -> str:
    """Say an option's default, from the settings field itself (for `--help`)."""
    if option.default_note is not None:
        return option.default_note
    found = next(f for f in fields(cls) if f.name == option.field)
    value = found.default if found.default is not MISSING else None
    if value is None or value is False:
        return "none" if value is None else "off"
    if isinstance(value, tuple):
        return ",".join(str(item) for item in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def read_dotenv(path: Path, required: bool = False) -> dict[str, str | None]:
    """Read a `.env` file without touching `os.environ`.

    A missing file gives no settings unless `required` (a file the user named: a typo
    must not silently run with other settings). Raises `ConfigError` naming the file when
    it cannot be read or is not UTF-8 text (a leading byte-order mark is fine).
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if required:
            raise ConfigError(f"the settings file {path} does not exist") from None
        return {}
    except IsADirectoryError:
        if required:
            raise ConfigError(f"the settings file {path} is a folder, not a file") from None
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read the settings file {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"the settings file {path} is not UTF-8 text (byte 0x{data[exc.start]:02x} on "
            f"line {line}): save it as UTF-8"
        ) from None
    from dotenv import dotenv_values

    return dict(dotenv_values(stream=io.StringIO(text)))
