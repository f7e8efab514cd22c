"""The settings objects: frozen, validated on construction, secrets wrapped in `Secret`.

`LakeSettings` is what every command needs to open the lake; `Settings` (an ingest)
adds TMDB, the leases and what to collect. Later stages add their own groups the same
way, on top of `LakeSettings`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from tmdb_lake.errors import ConfigError
from tmdb_lake.lake.layout import FileFormat, TableFormat
from tmdb_lake.lake.s3_options import DEFAULT_STORAGE_ATTEMPTS, DEFAULT_STORAGE_TIMEOUT_S, S3Options
from tmdb_lake.secret import Secret
from tmdb_lake.settings.parsers import CatalogKind, EngineName, RunMode, limit_over_the_cap
from tmdb_lake.tmdb.queries import MAX_RESULTS_PER_QUERY, MediaType

DEFAULT_API_URL = "https://api.themoviedb.org/3"
DEFAULT_EXPORTS_URL = "https://files.tmdb.org/p/exports"
RESERVED_DATASETS = frozenset(
    {
        "movie_details",
        "series_details",
        "movie_changes",
        "series_changes",
        "genres_movie",
        "genres_tv",
    }
)


@dataclass(frozen=True)
class LakeSettings:
    """Where the lake is and how to reach it: what every command needs."""

    lake: str = "./lake"
    keep_local: Path | None = None
    storage_timeout: float = DEFAULT_STORAGE_TIMEOUT_S
    storage_attempts: int = DEFAULT_STORAGE_ATTEMPTS
    s3_endpoint_url: str | None = None
    aws_region: str | None = None
    aws_access_key_id: Secret | None = None
    aws_secret_access_key: Secret | None = None
    aws_session_token: Secret | None = None

    def s3_options(self) -> S3Options:
        """Give how to reach the lake when it is on S3."""
        return S3Options(
            endpoint_url=self.s3_endpoint_url,
            region=self.aws_region,
            access_key_id=self.aws_access_key_id,
            secret_access_key=self.aws_secret_access_key,
            session_token=self.aws_session_token,
            timeout=self.storage_timeout,
            max_attempts=self.storage_attempts,
        )

    def secrets(self) -> tuple[Secret | None, ...]:
        """Give every credential these settings hold, for the redactor."""
        values = (getattr(self, f.name) for f in fields(self))
        return tuple(value for value in values if isinstance(value, Secret))

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


@dataclass(frozen=True)
class Settings(LakeSettings):
    """Everything an ingest needs to know, already validated."""

    api_key: Secret | None = None
    access_token: Secret | None = None
    api_url: str = DEFAULT_API_URL
    exports_url: str = DEFAULT_EXPORTS_URL
    rate_limit: float = 40.0
    concurrency: int = 16
    timeout: float = 10.0
    max_attempts: int = 6
    wait: float = 0.0
    lease_ttl: float = 120.0
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
    since: date | None = None
    min_popularity: float | None = None
    details: bool = False
    appends_movie: tuple[str, ...] = ("credits", "keywords", "external_ids", "release_dates")
    appends_tv: tuple[str, ...] = ("credits", "keywords", "external_ids", "content_ratings")
    replace: bool = False

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
            raise ConfigError(limit_over_the_cap("--limit", self.limit))
        for name in (self.movies_dataset, self.series_dataset):
            if name in RESERVED_DATASETS:
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
        """Fail before any request when no TMDB credential is configured."""
        if self.api_key is None and self.access_token is None:
            raise ConfigError(
                "no TMDB credential: set TMDB_ACCESS_TOKEN (v4 read access token) "
                "or TMDB_API_KEY (v3 key), in the environment or in .env"
            )


@dataclass(frozen=True)
class EngineSettings(LakeSettings):
    """The lake, which engine runs the tables' SQL, and how it may use this machine."""

    engine: EngineName = "duckdb"
    memory_limit: str = "1GB"
    threads: int | None = None
    work_dir: Path = Path(".tmdb-lake")
    table_format: TableFormat = "parquet"
    catalog: CatalogKind | None = None
    catalog_uri: str | None = None
    catalog_warehouse: str | None = None
    catalog_signing: str | None = None
    catalog_namespace: str = "tmdb"
    catalog_token: Secret | None = None
    catalog_credential: Secret | None = None


@dataclass(frozen=True)
class RefineSettings(EngineSettings):
    """A build of a zone of tables (`refine`): its leases, a full rebuild, failed checks."""

    wait: float = 0.0
    lease_ttl: float = 120.0
    full: bool = False
    warn_only: bool = False


@dataclass(frozen=True)
class TransformSettings(RefineSettings):
    """A `transform`: a `refine`'s settings, plus which raw days."""

    day: date | None = None
    since: date | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        if self.day is not None and (self.since is not None or self.until is not None):
            raise ConfigError("--date selects one day: do not combine it with --since/--until")
        if self.since is not None and self.until is not None and self.since > self.until:
            raise ConfigError(f"--since {self.since} is after --until {self.until}")

    @property
    def first_day(self) -> date | None:
        """Give the first raw day selected (None: from the first there is)."""
        return self.day or self.since

    @property
    def last_day(self) -> date | None:
        """Give the last raw day selected (None: up to the last there is)."""
        return self.day or self.until


@dataclass(frozen=True)
class MaintainSettings(EngineSettings):
    """A `maintain`: how much Iceberg history to keep, what counts as a small file."""

    wait: float = 0.0
    lease_ttl: float = 120.0
    retention_days: float = 7.0
    retain_last: int = 1
    small_file: int = 32_000_000


@dataclass(frozen=True)
class ReportSettings(EngineSettings):
    """A `report`: where to write the page, and whether to put it into the lake too."""

    out: Path = Path("tmdb-lake-report.html")
    into_lake: bool = False

    def __post_init__(self) -> None:
        if self.out is None or not str(self.out).strip():
            raise ConfigError("--out needs a file name")
