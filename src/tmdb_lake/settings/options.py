"""Every option, declared once: its field, flag, environment variables, parser and help.

Options come in groups, and each command takes the groups it needs: `ingest` takes the
lake, TMDB, lease and ingest groups; a command that only reads the lake takes the lake
group alone. The default shown in `--help` comes from the settings field itself, never
from the help text, so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tmdb_lake.settings import parsers as p


@dataclass(frozen=True)
class Option:
    """One setting: where it comes from and how its text becomes a value."""

    field: str
    env: tuple[str, ...]
    parse: Callable[[str, str], Any]
    help: str
    flag: str | None = None
    metavar: str | None = None
    default_note: str | None = None
    """How to show a default the field cannot show itself (e.g. 'today, UTC')."""

    @property
    def label(self) -> str:
        """Name the option as the user set it, for error messages."""
        return self.flag or self.env[0]


OptionGroup = tuple[Option, ...]

LAKE: OptionGroup = (
    Option(
        "lake", ("TMDB_LAKE_URI",), p.parse_lake, "a folder or s3://bucket/prefix", "--lake", "URI"
    ),
    Option(
        "keep_local",
        ("TMDB_LAKE_KEEP_LOCAL",),
        p.parse_path,
        "also keep a local copy of every file written to the lake",
        "--keep-local",
        "DIR",
    ),
    Option(
        "storage_timeout",
        ("TMDB_LAKE_STORAGE_TIMEOUT",),
        p.parse_positive_float,
        "S3: connect timeout, and timeout of each socket read or write of a call",
        "--storage-timeout",
        "SECONDS",
    ),
    Option(
        "storage_attempts",
        ("TMDB_LAKE_STORAGE_ATTEMPTS",),
        p.parse_positive_int,
        "S3: attempts per call before the command fails",
        "--storage-attempts",
        "N",
    ),
    Option(
        "s3_endpoint_url",
        ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"),
        p.parse_optional_str,
        "S3-compatible endpoint (MinIO, SeaweedFS, ...)",
    ),
    Option("aws_region", ("AWS_REGION", "AWS_DEFAULT_REGION"), p.parse_optional_str, "AWS region"),
    Option(
        "aws_access_key_id",
        ("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY"),
        p.parse_secret,
        "AWS access key id (the original script's AWS_ACCESS_KEY works too)",
    ),
    Option(
        "aws_secret_access_key",
        ("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY"),
        p.parse_secret,
        "AWS secret access key (the original script's AWS_SECRET_KEY works too)",
    ),
    Option(
        "aws_session_token",
        ("AWS_SESSION_TOKEN", "SESSION_TOKEN"),
        p.parse_secret,
        "AWS session token (the original script's SESSION_TOKEN works too)",
    ),
)

LEASES: OptionGroup = (
    Option(
        "wait",
        ("TMDB_LAKE_WAIT",),
        p.parse_seconds,
        "wait up to this long for another run of the same day to finish (0: exit 75 at once)",
        "--wait",
        "SECONDS",
    ),
    Option(
        "lease_ttl",
        ("TMDB_LAKE_LEASE_TTL",),
        p.parse_positive_float,
        "seconds after its last renewal that a dead run's lease on a day may be taken over",
        "--lease-ttl",
        "SECONDS",
    ),
)

TMDB: OptionGroup = (
    Option(
        "api_key",
        ("TMDB_API_KEY", "API_KEY"),
        p.parse_secret,
        "TMDB v3 API key (sent as the api_key query parameter)",
    ),
    Option(
        "access_token",
        ("TMDB_ACCESS_TOKEN",),
        p.parse_secret,
        "TMDB v4 read access token (sent as Authorization: Bearer; preferred)",
    ),
    Option("api_url", ("TMDB_API_URL",), p.parse_http_url, "TMDB API base URL"),
    Option("exports_url", ("TMDB_EXPORTS_URL",), p.parse_http_url, "TMDB daily ID exports URL"),
    Option(
        "rate_limit",
        ("TMDB_LAKE_RATE_LIMIT",),
        p.parse_positive_float,
        "client-side limit in requests per second",
        "--rate-limit",
        "RPS",
    ),
    Option(
        "concurrency",
        ("TMDB_LAKE_CONCURRENCY",),
        p.parse_positive_int,
        "requests in flight at once",
        "--concurrency",
        "N",
    ),
    Option(
        "timeout",
        ("TMDB_LAKE_TIMEOUT",),
        p.parse_positive_float,
        "seconds a whole TMDB request may take: connect, headers and body",
        "--timeout",
        "SECONDS",
    ),
    Option(
        "max_attempts",
        ("TMDB_LAKE_MAX_ATTEMPTS",),
        p.parse_positive_int,
        "attempts per request before the run fails",
        "--max-attempts",
        "N",
    ),
)

INGEST: OptionGroup = (
    Option(
        "media",
        ("TMDB_LAKE_MEDIA",),
        p.parse_media,
        "media types, comma-separated",
        "--media",
        "LIST",
    ),
    Option(
        "limit",
        ("TMDB_LAKE_LIMIT",),
        p.parse_limit,
        "at most N records per media type, most popular first, N <= 10000 "
        "(--limit 100 reproduces the original script)",
        "--limit",
        "N",
        default_note="every matching record",
    ),
    Option(
        "records_per_file",
        ("TMDB_LAKE_RECORDS_PER_FILE",),
        p.parse_records_per_file,
        "records per file, 1..10000; files also stay under 10 MB",
        "--records-per-file",
        "N",
    ),
    Option(
        "partition_date",
        ("TMDB_LAKE_DATE",),
        p.parse_date,
        "partition date YYYY-MM-DD",
        "--date",
        "DATE",
        default_note="today, UTC",
    ),
    Option(
        "genres",
        ("TMDB_LAKE_GENRES",),
        p.parse_genres,
        "TMDB genre ids in TMDB's own syntax: comma = AND, pipe = OR (16,35: animation AND "
        "comedy; empty for all)",
        "--genres",
        "IDS",
    ),
    Option(
        "language",
        ("TMDB_LAKE_LANGUAGE",),
        p.parse_language,
        "response language",
        "--language",
        "TAG",
    ),
    Option(
        "released_from",
        ("TMDB_LAKE_RELEASED_FROM",),
        p.parse_optional_date,
        "earliest release date: primary_release_date.gte for movies, first_air_date.gte for TV",
        "--released-from",
        "DATE",
    ),
    Option(
        "released_until",
        ("TMDB_LAKE_RELEASED_UNTIL",),
        p.parse_optional_date,
        "latest release date: primary_release_date.lte for movies, first_air_date.lte for TV "
        "('none' for no bound)",
        "--released-until",
        "DATE",
    ),
    Option(
        "file_format",
        ("TMDB_LAKE_FORMAT",),
        p.parse_format,
        "json: one indented JSON array per file, as the original; jsonl: one record per line "
        "(Athena, Spark)",
        "--format",
        "FORMAT",
    ),
    Option(
        "movies_dataset",
        ("TMDB_LAKE_MOVIES_DATASET",),
        p.parse_dataset,
        "dataset (folder) name for movies",
        "--movies-dataset",
        "NAME",
    ),
    Option(
        "series_dataset",
        ("TMDB_LAKE_SERIES_DATASET",),
        p.parse_dataset,
        "dataset (folder) name for series",
        "--series-dataset",
        "NAME",
    ),
    Option(
        "mode",
        ("TMDB_LAKE_MODE",),
        p.parse_mode,
        "discover, catalog (--catalog) or changes (--changes)",
    ),
    Option(
        "since",
        ("TMDB_LAKE_SINCE",),
        p.parse_optional_date,
        "--changes: start of the window",
        "--since",
        "DATE",
        default_note="where the last --changes run's window ended, else the day before",
    ),
    Option(
        "min_popularity",
        ("TMDB_LAKE_MIN_POPULARITY",),
        p.parse_optional_float,
        "--catalog: skip export entries less popular than this",
        "--min-popularity",
        "X",
    ),
    Option(
        "details",
        ("TMDB_LAKE_DETAILS",),
        p.parse_bool,
        "also fetch /movie/{id} and /tv/{id} details of every collected title",
    ),
    Option(
        "appends_movie",
        ("TMDB_LAKE_APPENDS_MOVIE",),
        p.parse_appends,
        "append_to_response for movie details",
        "--appends-movie",
        "LIST",
    ),
    Option(
        "appends_tv",
        ("TMDB_LAKE_APPENDS_TV",),
        p.parse_appends,
        "append_to_response for TV details",
        "--appends-tv",
        "LIST",
    ),
    Option(
        "replace",
        ("TMDB_LAKE_REPLACE",),
        p.parse_bool,
        "replace a day's dataset that a different ingest definition published",
    ),
)

ENGINE: OptionGroup = (
    Option(
        "engine",
        ("TMDB_LAKE_ENGINE",),
        p.parse_engine,
        "what runs the tables' SQL: duckdb (embedded) or spark (the environment's "
        'SparkSession, else a local one; pip install "tmdb-lake[spark]")',
        "--engine",
        "ENGINE",
    ),
    Option(
        "memory_limit",
        ("TMDB_LAKE_DUCKDB_MEMORY_LIMIT",),
        p.parse_memory,
        "DuckDB's memory limit, past which it spills to --work-dir (a local Spark: the "
        "driver's memory)",
        "--memory-limit",
        "SIZE",
    ),
    Option(
        "threads",
        ("TMDB_LAKE_DUCKDB_THREADS",),
        p.parse_optional_positive_int,
        "DuckDB threads (a local Spark: local[N])",
        "--threads",
        "N",
        default_note="every core",
    ),
    Option(
        "work_dir",
        ("TMDB_LAKE_WORK_DIR",),
        p.parse_path,
        "DuckDB's extensions and spill files (a local Spark: its scratch space)",
        "--work-dir",
        "DIR",
    ),
)

WARN_ONLY = Option(
    "warn_only",
    ("TMDB_LAKE_WARN_ONLY",),
    p.parse_bool,
    "publish even when a data check fails (exit 0; the report says which)",
)

TRANSFORM: OptionGroup = (
    Option(
        "day",
        ("TMDB_LAKE_TRANSFORM_DATE",),
        p.parse_optional_date,
        "only this raw day",
        "--date",
        "DATE",
        default_note="every raw day not transformed yet",
    ),
    Option(
        "since",
        ("TMDB_LAKE_TRANSFORM_SINCE",),
        p.parse_optional_date,
        "raw days from this one",
        "--since",
        "DATE",
    ),
    Option(
        "until",
        ("TMDB_LAKE_TRANSFORM_UNTIL",),
        p.parse_optional_date,
        "raw days up to this one",
        "--until",
        "DATE",
    ),
    Option(
        "full",
        ("TMDB_LAKE_TRANSFORM_FULL",),
        p.parse_bool,
        "rebuild the selected days even when they are up to date",
    ),
    WARN_ONLY,
)

REFINE: OptionGroup = (
    Option(
        "full",
        ("TMDB_LAKE_REFINE_FULL",),
        p.parse_bool,
        "rebuild every refined table even when it is up to date",
    ),
    WARN_ONLY,
)

TABLES: OptionGroup = (
    Option(
        "table_format",
        ("TMDB_LAKE_TABLE_FORMAT",),
        p.parse_table_format,
        "parquet: Parquet folders with per-dt manifests; iceberg: Apache Iceberg tables in a "
        "catalog (same names, columns and dt partitions)",
        "--table-format",
        "FORMAT",
    ),
    Option(
        "catalog",
        ("TMDB_LAKE_CATALOG",),
        p.parse_catalog,
        "the Iceberg catalog: sql (SQLite; in the lake folder for a local lake), rest (any "
        "Iceberg REST catalog: S3 Tables, SeaweedFS, Polaris), glue (the AWS Glue Data Catalog)",
        "--catalog",
        "KIND",
        default_note="sql for a local lake; an S3 lake must choose",
    ),
    Option(
        "catalog_uri",
        ("TMDB_LAKE_CATALOG_URI",),
        p.parse_optional_str,
        "sql: the SQLAlchemy URL (sqlite:///path.db); rest: the catalog's URL; glue: an "
        "endpoint other than AWS's",
        "--catalog-uri",
        "URI",
        default_note="sql: <lake>/_catalog/iceberg.db",
    ),
    Option(
        "catalog_warehouse",
        ("TMDB_LAKE_CATALOG_WAREHOUSE",),
        p.parse_optional_str,
        "rest: the warehouse (S3 Tables: the table bucket's ARN; SeaweedFS: its name)",
        "--catalog-warehouse",
        "NAME",
    ),
    Option(
        "catalog_signing",
        ("TMDB_LAKE_CATALOG_SIGNING",),
        p.parse_optional_str,
        "rest: sign requests with AWS SigV4 under this service name (s3tables for S3 Tables "
        "and SeaweedFS, glue for Glue's Iceberg endpoint)",
        "--catalog-signing",
        "NAME",
        default_note="no SigV4",
    ),
    Option(
        "catalog_namespace",
        ("TMDB_LAKE_CATALOG_NAMESPACE",),
        p.parse_namespace,
        "namespace prefix: the tables of a zone are in <prefix>_<zone> (a Glue database)",
        "--catalog-namespace",
        "NAME",
    ),
    Option(
        "catalog_token",
        ("TMDB_LAKE_CATALOG_TOKEN",),
        p.parse_secret,
        "rest: a bearer token for the catalog",
    ),
    Option(
        "catalog_credential",
        ("TMDB_LAKE_CATALOG_CREDENTIAL",),
        p.parse_secret,
        "rest: an OAuth2 client credential id:secret (Polaris)",
    ),
)

MAINTAIN: OptionGroup = (
    Option(
        "retention_days",
        ("TMDB_LAKE_RETENTION_DAYS",),
        p.parse_days,
        "keep snapshots younger than this many days (time travel reaches that far back)",
        "--retention-days",
        "DAYS",
    ),
    Option(
        "retain_last",
        ("TMDB_LAKE_RETAIN_LAST",),
        p.parse_positive_int,
        "keep at least this many snapshots per table, however old",
        "--retain-last",
        "N",
    ),
    Option(
        "small_file",
        ("TMDB_LAKE_SMALL_FILE",),
        p.parse_size_bytes,
        "compact a partition's data files smaller than this (when it has two or more)",
        "--small-file",
        "SIZE",
        default_note="32MB",
    ),
)

REPORT: OptionGroup = (
    Option(
        "out",
        ("TMDB_LAKE_REPORT_OUT",),
        p.parse_path,
        "the HTML file to write",
        "--out",
        "FILE",
    ),
    Option(
        "into_lake",
        ("TMDB_LAKE_REPORT_INTO_LAKE",),
        p.parse_bool,
        "also put the page into the lake, at report/TMDB/tmdb-lake-report.html",
    ),
)
