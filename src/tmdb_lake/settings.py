"""One frozen `Settings` object, validated up front.

Every option has one row in `OPTIONS`: its CLI flag, its environment variables, its
parser and its default. The CLI builds its flags from that table, the Lambda handler
reads the same variables, so the two runners can never disagree.

Precedence: CLI flags > environment > `.env` file > defaults. A `.env` written for
the original student script works unchanged (`API_KEY`, `BUCKET_NAME`, ...).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from urllib.parse import urlsplit

from tmdb_lake.errors import ConfigError
from tmdb_lake.lake.layout import FileFormat
from tmdb_lake.lake.storage import DEFAULT_STORAGE_ATTEMPTS, DEFAULT_STORAGE_TIMEOUT_S
from tmdb_lake.tmdb.queries import MAX_RESULTS_PER_QUERY, MediaType

RunMode = Literal["discover", "catalog", "changes"]

MAX_RECORDS_PER_FILE = 10_000
MAX_APPENDS = 20
DEFAULT_API_URL = "https://api.themoviedb.org/3"
DEFAULT_EXPORTS_URL = "https://files.tmdb.org/p/exports"

_GENRES = re.compile(r"^\d+(?:[,|]\d+)*$")
_LANGUAGE = re.compile(r"^[a-z]{2}(?:-[A-Z]{2})?$")
_DATASET = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_APPEND = re.compile(r"^[a-z_]+$")


class Secret:
    """A credential that never shows itself in `repr`, `str`, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Give the raw value: call this only where the value is sent to its owner."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know, already validated."""

    lake: str = "./lake"
    media: tuple[MediaType, ...] = (MediaType.MOVIE, MediaType.TV)
    limit: int | None = None
    records_per_file: int = 100
    partition_date: date = field(default_factory=lambda: datetime.now(UTC).date())
    genres: str = "16,35"
    language: str = "pt-BR"
    released_from: date | None = None
    released_until: date | None = date(2023, 12, 31)
    file_format: FileFormat = "json"
    movies_dataset: str = "movies"
    series_dataset: str = "series"
    mode: RunMode = "discover"
    details: bool = False
    since: date | None = None
    min_popularity: float | None = None
    appends_movie: tuple[str, ...] = ("credits", "keywords", "external_ids", "release_dates")
    appends_tv: tuple[str, ...] = ("credits", "keywords", "external_ids", "content_ratings")
    api_key: Secret | None = None
    access_token: Secret | None = None
    api_url: str = DEFAULT_API_URL
    exports_url: str = DEFAULT_EXPORTS_URL
    rate_limit: float = 40.0
    concurrency: int = 16
    timeout: float = 10.0
    max_attempts: int = 6
    storage_timeout: float = DEFAULT_STORAGE_TIMEOUT_S
    storage_attempts: int = DEFAULT_STORAGE_ATTEMPTS
    keep_local: Path | None = None
    replace: bool = False
    wait: float = 0.0
    lease_ttl: float = 120.0
    s3_endpoint_url: str | None = None
    aws_region: str | None = None
    aws_access_key_id: Secret | None = None
    aws_secret_access_key: Secret | None = None
    aws_session_token: Secret | None = None

    def __post_init__(self) -> None:
        if (
            self.released_from is not None
            and self.released_until is not None
            and self.released_from > self.released_until
        ):
            raise ConfigError(
                f"--released-from {self.released_from} is after "
                f"--released-until {self.released_until}"
            )
        if self.since is not None and self.mode != "changes":
            raise ConfigError("--since only applies to --changes runs")
        if self.mode != "discover" and self.limit is not None:
            raise ConfigError(f"--limit does not apply to --{self.mode} runs")
        if self.limit is not None and self.limit > MAX_RESULTS_PER_QUERY:
            raise ConfigError(_limit_over_the_cap("--limit", self.limit))
        reserved = {
            "movie_details",
            "series_details",
            "movie_changes",
            "series_changes",
            "genres_movie",
            "genres_tv",
        }
        for name in (self.movies_dataset, self.series_dataset):
            if name in reserved:
                raise ConfigError(f"dataset name {name!r} is reserved for tmdb-lake's own datasets")
        if self.movies_dataset == self.series_dataset:
            raise ConfigError(
                f"movies and series datasets must differ (both {self.movies_dataset!r}): "
                "never two structures in one file"
            )

    def dataset_for(self, media: MediaType) -> str:
        """Name the dataset (folder) that holds discover records of one media type."""
        return self.movies_dataset if media is MediaType.MOVIE else self.series_dataset

    def details_dataset_for(self, media: MediaType) -> str:
        """Name the dataset that holds details of one media type (`*_changes` for --changes).

        Changes are a delta by nature, so they never share a dataset with the snapshots
        of --details and --catalog: neither can replace the other's day.
        """
        kind = "changes" if self.mode == "changes" else "details"
        return f"{'movie' if media is MediaType.MOVIE else 'series'}_{kind}"

    def genres_dataset_for(self, media: MediaType) -> str:
        """Name the dataset that holds the genre list of one media type."""
        return f"genres_{media.value}"

    def appends_for(self, media: MediaType) -> tuple[str, ...]:
        """Give the `append_to_response` items for details of one media type."""
        return self.appends_movie if media is MediaType.MOVIE else self.appends_tv

    def require_credentials(self) -> None:
        """Fail early, before any request, when no TMDB credential is configured."""
        if self.api_key is None and self.access_token is None:
            raise ConfigError(
                "no TMDB credential: set TMDB_ACCESS_TOKEN (v4 read access token) "
                "or TMDB_API_KEY (v3 key), in the environment or in .env"
            )

    def public_view(self) -> dict[str, Any]:
        """Give the settings as JSON-ready values with every secret left out."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Secret):
                continue
            if isinstance(value, date | Path):
                value = str(value)
            elif isinstance(value, tuple):
                value = [str(v) for v in value]
            out[f.name] = value
        return out


# ---------------------------------------------------------------- parsers -----


def _parse_date(name: str, raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ConfigError(f"{name} {raw!r} is not a date (YYYY-MM-DD)") from None


def _parse_optional_date(name: str, raw: str) -> date | None:
    return None if raw.strip().lower() in ("", "none") else _parse_date(name, raw)


def _parse_positive_int(name: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} {raw!r} is not a whole number") from None
    if value <= 0:
        raise ConfigError(f"{name} must be at least 1, got {value}")
    return value


def _parse_limit(name: str, raw: str) -> int | None:
    if raw.strip().lower() in ("", "all", "none"):
        return None
    value = _parse_positive_int(name, raw)
    if value > MAX_RESULTS_PER_QUERY:
        raise ConfigError(_limit_over_the_cap(name, value))
    return value


def _limit_over_the_cap(name: str, value: int) -> str:
    # One popularity-ordered query stops at 10,000; the N most popular of a bigger match
    # would need every record first, which is what a run without a limit collects.
    return (
        f"{name} {value} is over {MAX_RESULTS_PER_QUERY:,}, the most TMDB serves of one "
        f"query in popularity order; leave {name} out to collect every matching record "
        "(past the cap, in release-date windows)"
    )


def _parse_records_per_file(name: str, raw: str) -> int:
    value = _parse_positive_int(name, raw)
    if value > MAX_RECORDS_PER_FILE:
        raise ConfigError(f"{name} must be at most {MAX_RECORDS_PER_FILE}, got {value}")
    return value


def _parse_positive_float(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} {raw!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise ConfigError(f"{name} must be a positive number, got {raw}")
    return value


def _parse_media(name: str, raw: str) -> tuple[MediaType, ...]:
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


def _parse_genres(name: str, raw: str) -> str:
    value = raw.replace(" ", "")
    if value and not _GENRES.match(value):
        raise ConfigError(
            f"{name} {raw!r} is not TMDB genre syntax: ids joined by ',' (AND) or '|' (OR)"
        )
    return value


def _parse_language(name: str, raw: str) -> str:
    if not _LANGUAGE.match(raw):
        raise ConfigError(f"{name} {raw!r} is not a language tag like pt-BR or en")
    return raw


def _parse_format(name: str, raw: str) -> FileFormat:
    value = raw.strip().lower()
    if value == "json":
        return "json"
    if value == "jsonl":
        return "jsonl"
    raise ConfigError(f"{name} {raw!r} is not a file format (use json or jsonl)")


def _parse_dataset(name: str, raw: str) -> str:
    if not _DATASET.match(raw):
        raise ConfigError(
            f"{name} {raw!r} is not a safe dataset name "
            "(lowercase letters, digits, '_' or '-', at most 63 characters)"
        )
    return raw


def _parse_appends(name: str, raw: str) -> tuple[str, ...]:
    items = tuple(item.strip() for item in raw.split(",") if item.strip())
    if len(items) > MAX_APPENDS:
        raise ConfigError(f"{name}: TMDB allows at most {MAX_APPENDS} appends, got {len(items)}")
    for item in items:
        if not _APPEND.match(item):
            raise ConfigError(f"{name}: {item!r} is not an append_to_response item")
    return items


def _parse_mode(name: str, raw: str) -> RunMode:
    value = raw.strip().lower()
    if value == "discover":
        return "discover"
    if value == "catalog":
        return "catalog"
    if value == "changes":
        return "changes"
    raise ConfigError(f"{name} {raw!r} is not a run mode (discover, catalog or changes)")


def _parse_seconds(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} {raw!r} is not a number of seconds") from None
    if not value >= 0 or value == float("inf"):
        raise ConfigError(f"{name} must be zero or more seconds, got {raw}")
    return value


def _parse_optional_float(name: str, raw: str) -> float | None:
    if not raw.strip():
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} {raw!r} is not a number") from None
    if not value >= 0 or value == float("inf"):
        raise ConfigError(f"{name} must be zero or more, got {raw}")
    return value


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{name} {raw!r} is not true or false")


def _parse_http_url(name: str, raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name} {raw!r} is not an http(s) URL")
    if parts.username or parts.password:
        raise ConfigError(f"{name} must not carry credentials in the URL")
    return raw.rstrip("/")


def _parse_lake(name: str, raw: str) -> str:
    value = raw.strip()
    if not value:
        raise ConfigError(f"{name} is empty")
    scheme = urlsplit(value).scheme if "://" in value else ""
    if scheme not in ("", "file", "s3"):
        raise ConfigError(f"{name} {raw!r}: unsupported scheme {scheme!r} (use a path or s3://)")
    path = value.split("://", 1)[1] if scheme else value
    if ".." in PurePosixPath(path.replace("\\", "/")).parts:
        raise ConfigError(f"{name} {raw!r} must not contain '..' segments")
    if scheme == "s3":
        bucket = path.split("/", 1)[0]
        from tmdb_lake.lake.storage import validate_bucket_name

        validate_bucket_name(bucket)
    return value


def _parse_path(name: str, raw: str) -> Path | None:
    return Path(raw) if raw.strip() else None


def _parse_secret(name: str, raw: str) -> Secret | None:
    value = raw.strip()
    if not value:
        return None
    if any(ch.isspace() for ch in value) or not value.isprintable():
        raise ConfigError(f"{name} contains whitespace or control characters")
    return Secret(value)


def _parse_optional_str(name: str, raw: str) -> str | None:
    return raw.strip() or None


# ------------------------------------------------------------ option table -----


@dataclass(frozen=True)
class Option:
    """One setting: where it comes from and how its text becomes a value."""

    field: str
    env: tuple[str, ...]
    parse: Callable[[str, str], Any]
    help: str
    flag: str | None = None
    metavar: str | None = None

    @property
    def label(self) -> str:
        """Name the option as the user set it, for error messages."""
        return self.flag or self.env[0]


OPTIONS: tuple[Option, ...] = (
    Option(
        "lake",
        ("TMDB_LAKE_URI",),
        _parse_lake,
        "lake root: a folder (default ./lake) or s3://bucket/prefix",
        "--lake",
        "URI",
    ),
    Option(
        "media",
        ("TMDB_LAKE_MEDIA",),
        _parse_media,
        "media types, comma-separated (default movie,tv)",
        "--media",
        "LIST",
    ),
    Option(
        "limit",
        ("TMDB_LAKE_LIMIT",),
        _parse_limit,
        "at most N records per media type, most popular first, N <= 10000 "
        "(default: every matching record; --limit 100 reproduces the original script)",
        "--limit",
        "N",
    ),
    Option(
        "records_per_file",
        ("TMDB_LAKE_RECORDS_PER_FILE",),
        _parse_records_per_file,
        "records per file, 1..10000 (default 100); files also stay under 10 MB",
        "--records-per-file",
        "N",
    ),
    Option(
        "partition_date",
        ("TMDB_LAKE_DATE",),
        _parse_date,
        "partition date YYYY-MM-DD (default today, UTC)",
        "--date",
        "DATE",
    ),
    Option(
        "genres",
        ("TMDB_LAKE_GENRES",),
        _parse_genres,
        "TMDB genre ids in TMDB's own syntax: comma = AND, pipe = OR "
        "(default 16,35: animation AND comedy; empty for all)",
        "--genres",
        "IDS",
    ),
    Option(
        "language",
        ("TMDB_LAKE_LANGUAGE",),
        _parse_language,
        "response language (default pt-BR)",
        "--language",
        "TAG",
    ),
    Option(
        "released_from",
        ("TMDB_LAKE_RELEASED_FROM",),
        _parse_optional_date,
        "earliest release date: primary_release_date.gte for movies, "
        "first_air_date.gte for TV (default none)",
        "--released-from",
        "DATE",
    ),
    Option(
        "released_until",
        ("TMDB_LAKE_RELEASED_UNTIL",),
        _parse_optional_date,
        "latest release date: primary_release_date.lte for movies, "
        "first_air_date.lte for TV (default 2023-12-31; 'none' for no bound)",
        "--released-until",
        "DATE",
    ),
    Option(
        "file_format",
        ("TMDB_LAKE_FORMAT",),
        _parse_format,
        "json: one indented JSON array per file (default, as the original); "
        "jsonl: one record per line (Athena, Spark)",
        "--format",
        "FORMAT",
    ),
    Option(
        "movies_dataset",
        ("TMDB_LAKE_MOVIES_DATASET",),
        _parse_dataset,
        "dataset (folder) name for movies (default movies)",
        "--movies-dataset",
        "NAME",
    ),
    Option(
        "series_dataset",
        ("TMDB_LAKE_SERIES_DATASET",),
        _parse_dataset,
        "dataset (folder) name for series (default series)",
        "--series-dataset",
        "NAME",
    ),
    Option(
        "mode",
        ("TMDB_LAKE_MODE",),
        _parse_mode,
        "discover (default), catalog (--catalog) or changes (--changes)",
        None,
    ),
    Option(
        "since",
        ("TMDB_LAKE_SINCE",),
        _parse_optional_date,
        "--changes: start of the window (default: the end of the last successful "
        "--changes run, else the day before the run's date)",
        "--since",
        "DATE",
    ),
    Option(
        "min_popularity",
        ("TMDB_LAKE_MIN_POPULARITY",),
        _parse_optional_float,
        "--catalog: skip export entries less popular than this",
        "--min-popularity",
        "X",
    ),
    Option(
        "details",
        ("TMDB_LAKE_DETAILS",),
        _parse_bool,
        "also fetch /movie/{id} and /tv/{id} details for every collected id",
        None,
    ),
    Option(
        "appends_movie",
        ("TMDB_LAKE_APPENDS_MOVIE",),
        _parse_appends,
        "append_to_response for movie details (default "
        "credits,keywords,external_ids,release_dates)",
        "--appends-movie",
        "LIST",
    ),
    Option(
        "appends_tv",
        ("TMDB_LAKE_APPENDS_TV",),
        _parse_appends,
        "append_to_response for TV details (default credits,keywords,external_ids,content_ratings)",
        "--appends-tv",
        "LIST",
    ),
    Option(
        "api_key",
        ("TMDB_API_KEY", "API_KEY"),
        _parse_secret,
        "TMDB v3 API key (sent as the api_key query parameter)",
    ),
    Option(
        "access_token",
        ("TMDB_ACCESS_TOKEN",),
        _parse_secret,
        "TMDB v4 read access token (sent as Authorization: Bearer; preferred)",
    ),
    Option(
        "api_url",
        ("TMDB_API_URL",),
        _parse_http_url,
        f"TMDB API base URL (default {DEFAULT_API_URL})",
    ),
    Option(
        "exports_url",
        ("TMDB_EXPORTS_URL",),
        _parse_http_url,
        f"TMDB daily ID exports base URL (default {DEFAULT_EXPORTS_URL})",
    ),
    Option(
        "rate_limit",
        ("TMDB_LAKE_RATE_LIMIT",),
        _parse_positive_float,
        "client-side limit in requests per second (default 40)",
        "--rate-limit",
        "RPS",
    ),
    Option(
        "concurrency",
        ("TMDB_LAKE_CONCURRENCY",),
        _parse_positive_int,
        "requests in flight at once (default 16)",
        "--concurrency",
        "N",
    ),
    Option(
        "timeout",
        ("TMDB_LAKE_TIMEOUT",),
        _parse_positive_float,
        "seconds a whole TMDB request may take: connect, headers and body (default 10)",
        "--timeout",
        "SECONDS",
    ),
    Option(
        "max_attempts",
        ("TMDB_LAKE_MAX_ATTEMPTS",),
        _parse_positive_int,
        "attempts per request before the run fails (default 6)",
        "--max-attempts",
        "N",
    ),
    Option(
        "storage_timeout",
        ("TMDB_LAKE_STORAGE_TIMEOUT",),
        _parse_positive_float,
        "S3: connect timeout, and timeout of each socket read or write of a call "
        f"(default {DEFAULT_STORAGE_TIMEOUT_S:g})",
        "--storage-timeout",
        "SECONDS",
    ),
    Option(
        "storage_attempts",
        ("TMDB_LAKE_STORAGE_ATTEMPTS",),
        _parse_positive_int,
        f"S3: attempts per call before the run fails (default {DEFAULT_STORAGE_ATTEMPTS})",
        "--storage-attempts",
        "N",
    ),
    Option(
        "keep_local",
        ("TMDB_LAKE_KEEP_LOCAL",),
        _parse_path,
        "also keep a local copy of every file written to the lake",
        "--keep-local",
        "DIR",
    ),
    Option(
        "replace",
        ("TMDB_LAKE_REPLACE",),
        _parse_bool,
        "replace a day's dataset that a different ingest definition published",
        None,
    ),
    Option(
        "wait",
        ("TMDB_LAKE_WAIT",),
        _parse_seconds,
        "wait up to this long for another run of the same day to finish (default 0: exit 75)",
        "--wait",
        "SECONDS",
    ),
    Option(
        "lease_ttl",
        ("TMDB_LAKE_LEASE_TTL",),
        _parse_positive_float,
        "seconds after which a dead run's lease on a day may be taken over (default 120)",
        "--lease-ttl",
        "SECONDS",
    ),
    Option(
        "s3_endpoint_url",
        ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"),
        _parse_optional_str,
        "S3-compatible endpoint (MinIO, SeaweedFS, ...)",
    ),
    Option(
        "aws_region",
        ("AWS_REGION", "AWS_DEFAULT_REGION"),
        _parse_optional_str,
        "AWS region of the bucket",
    ),
    Option(
        "aws_access_key_id",
        ("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY"),
        _parse_secret,
        "AWS access key id (the original script's AWS_ACCESS_KEY works too)",
    ),
    Option(
        "aws_secret_access_key",
        ("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY"),
        _parse_secret,
        "AWS secret access key (the original script's AWS_SECRET_KEY works too)",
    ),
    Option(
        "aws_session_token",
        ("AWS_SESSION_TOKEN", "SESSION_TOKEN"),
        _parse_secret,
        "AWS session token (the original script's SESSION_TOKEN works too)",
    ),
)


def load_settings(
    cli: Mapping[str, str | None] | None = None,
    environ: Mapping[str, str] | None = None,
    dotenv: Mapping[str, str | None] | None = None,
) -> Settings:
    """Build `Settings` from CLI values (by field name), environment and `.env` values.

    Raises `ConfigError` naming the first invalid value.
    """
    cli = cli or {}
    sources: list[Mapping[str, str | None]] = [environ or {}, dotenv or {}]
    values: dict[str, Any] = {}
    for option in OPTIONS:
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
            values["lake"] = _parse_lake("BUCKET_NAME", f"s3://{bucket}")
    return Settings(**values)


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
