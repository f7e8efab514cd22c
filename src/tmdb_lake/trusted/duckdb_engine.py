"""The DuckDB engine: embedded, bounded memory, extensions from the package, S3 through httpfs.

DuckDB runs in-process with

- `memory_limit` (default 1GB) and a `temp_directory` it spills to when a build needs
  more (sorting the merge rule's window over a million details, for instance);
- extensions only from files shipped in Python packages: `httpfs` comes from the
  `duckdb-extension-httpfs` wheel (`duckdb_extension_httpfs/extensions/v<version>/
  httpfs.duckdb_extension`) and is installed into our own `extension_directory`, with
  autoinstall and autoload off, so DuckDB never tries to download anything;
- for an S3 lake, one secret built from the same settings as the raw zone's boto3 client
  (explicit keys, else boto3's default chain: environment, profile, SSO, role), with the
  custom endpoint (SeaweedFS, MinIO) in path style.
"""

from __future__ import annotations

import importlib
import importlib.resources
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb

from tmdb_lake.errors import ConfigError, StorageError
from tmdb_lake.lake.s3_options import S3Options, reveal
from tmdb_lake.trusted.contract import Column, IntermediateModel
from tmdb_lake.trusted.engine import RawInput, SourceAudit, WrittenFile, unique_shortcut
from tmdb_lake.trusted.reading import (
    literal,
    mismatch_counts_sql,
    null_mismatches_sql,
    record_select,
)
from tmdb_lake.trusted.sources import SOURCES, SPECS, SourceName

DEFAULT_MEMORY_LIMIT = "1GB"
FILE_SIZE = "256MB"
"""Target Parquet file size: one file for a small partition, engine-friendly ones for big."""
REJECTED_KEYS_SHOWN = 3


@dataclass(frozen=True)
class S3Access:
    """Where an S3 lake is, and how to reach it (the raw zone's `S3Options`)."""

    bucket: str
    prefix: str
    options: S3Options


@dataclass(frozen=True)
class DuckDBOptions:
    """How DuckDB may use this machine; every default is documented in docs/lake.md."""

    work_dir: Path = Path(".tmdb-lake/duckdb")
    """Holds `extensions/` and `tmp/` (spill files)."""
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    threads: int | None = None
    """Default: every core."""


class DuckDBEngine:
    """Builds trusted tables of one dt at a time in an in-memory DuckDB.

    >>> engine = DuckDBEngine("/abs/lake/", DuckDBOptions())
    >>> audit = engine.load_sources(inputs)
    >>> engine.materialize("movie_merged", sql)
    """

    name = "duckdb"

    def __init__(self, root_url: str, options: DuckDBOptions, s3: S3Access | None = None) -> None:
        self.root_url = root_url
        self.local = s3 is None
        self._relations: list[str] = []
        work = options.work_dir.resolve()
        (work / "tmp").mkdir(parents=True, exist_ok=True)
        (work / "extensions").mkdir(parents=True, exist_ok=True)
        config: dict[str, Any] = {
            "memory_limit": options.memory_limit,
            "temp_directory": str(work / "tmp"),
            "extension_directory": str(work / "extensions"),
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "preserve_insertion_order": False,
        }
        if options.threads:
            config["threads"] = options.threads
        try:
            self.db = duckdb.connect(":memory:", config=config)
        except duckdb.Error as exc:
            raise ConfigError(f"cannot start DuckDB: {_one_line(exc)}") from None
        self.db.execute("SET enable_progress_bar = false")
        self.db.execute("SET TimeZone = 'UTC'")
        # DuckDB 1.5.5 crashes (INTERNAL Error: "Attempted to access index 5 within vector
        # of size 5") on MIN/MAX of a hive partition column when one file is left to read,
        # as `SELECT max(dt) FROM movie` does on a one-day lake (duckdb/duckdb#25629, fixed
        # after 1.5.5). That optimizer only folds statistics into plans; file and row-group
        # pruning by filters does not depend on it.
        self.db.execute("SET disabled_optimizers = 'statistics_propagation'")
        if s3 is not None:
            load_httpfs(self.db)
            try:
                self.db.execute(s3_secret_sql(s3))
            except duckdb.Error:  # its message could quote the statement, credentials and all
                raise ConfigError("DuckDB refused the S3 settings of the lake") from None

    # -- sources ---------------------------------------------------------------------------

    def load_sources(self, inputs: Sequence[RawInput]) -> SourceAudit:
        """Read every input of one dt into `movie_record`, `series_record`, `genre_record`."""
        audit = SourceAudit()
        for source in SOURCES:
            view = f"{source}_record"
            mine = [i for i in inputs if i.source == source]
            self._create(view, self._select(source, None))
            for item in mine:
                self._sql(f"INSERT INTO {view} " + self._select(source, item))
                self._reject(view, item, audit)
            self._audit(source, view, audit)
        return audit

    def _select(self, source: SourceName, item: RawInput | None) -> str:
        constants = [
            ("_source", literal(item.kind) if item else "NULL::VARCHAR"),
            ("_run_id", literal(item.run_id) if item else "NULL::VARCHAR"),
            (
                "_ingested_at",
                f"CAST({literal(item.ingested_at)} AS TIMESTAMPTZ)::TIMESTAMP"
                if item
                else "NULL::TIMESTAMP",
            ),
        ]
        if source == "genre":
            constants += [
                ("media", literal(item.media) if item else "NULL::VARCHAR"),
                (
                    "language",
                    literal(item.language) if item and item.language else "NULL::VARCHAR",
                ),
            ]
        files = [self.url(key) for key in item.files] if item else []
        fmt = item.format if item else "json"
        return record_select(SPECS[source], files, fmt, len(self.root_url), constants)

    def _reject(self, view: str, item: RawInput, audit: SourceAudit) -> None:
        where = f"_run_id = {literal(item.run_id)} AND _source = {literal(item.kind)}"
        total = self.scalar(f"SELECT count(*) FROM {view} WHERE {where}")
        audit.records[item.dataset] = audit.records.get(item.dataset, 0) + total
        bad = self.db.execute(
            "SELECT count(*), list(DISTINCT _source_key ORDER BY _source_key)"
            f"[1:{REJECTED_KEYS_SHOWN}] "
            f"FROM {view} WHERE {where} AND id IS NULL"
        ).fetchone()
        if bad and bad[0]:
            audit.rejected[item.dataset] = audit.rejected.get(item.dataset, 0) + int(bad[0])
            audit.rejected_keys[item.dataset] = list(bad[1] or [])
            self._sql(f"DELETE FROM {view} WHERE {where} AND id IS NULL")

    def _audit(self, source: SourceName, view: str, audit: SourceAudit) -> None:
        for name, count, first in self.db.execute(
            f"SELECT f, count(*), min(_source_key) FROM "
            f"(SELECT unnest(_unknown) AS f, _source_key FROM {view}) GROUP BY f ORDER BY f"
        ).fetchall():
            audit.unknown.append((source, str(name), int(count), str(first)))
        for name, count, first in self.db.execute(
            f"SELECT f, count(*), min(_source_key) FROM "
            f"(SELECT unnest(_unknown_nested) AS f, _source_key FROM {view} WHERE _sampled) "
            f"GROUP BY f ORDER BY f"
        ).fetchall():
            audit.unknown_sampled.append((source, str(name), int(count), str(first)))
        audit.sampled_records += self.scalar(f"SELECT count(*) FROM {view} WHERE _sampled")
        fields, sql = mismatch_counts_sql(SPECS[source], view)
        counts = self._sql(sql).fetchone() or ()
        for name, count in zip(fields, counts, strict=True):
            if count:
                audit.mismatched.append((source, name, int(count)))
                self._sql(null_mismatches_sql(SPECS[source], view, name))
        self._sql(f"ALTER TABLE {view} DROP COLUMN _leaves")

    # -- models, tables, checks -------------------------------------------------------------

    def materialize_model(self, model: IntermediateModel) -> int:
        """Build an intermediate model; a merge over already-unique ids is the source itself."""
        relation = unique_shortcut(self, model)
        if relation is not None:
            self._sql(f"CREATE OR REPLACE TEMP VIEW {model.name} AS SELECT * FROM {relation}")
            self._relations.append(model.name)
            return self.scalar(f"SELECT count(*) FROM {relation}")
        return self.materialize(model.name, model.sql)

    def materialize(self, name: str, sql: str) -> int:
        """Create temp table `name` from `sql`; give its row count."""
        self._create(name, sql)
        return self.scalar(f"SELECT count(*) FROM {name}")

    def scalar(self, sql: str) -> int:
        """Give the single integer `sql` selects."""
        row = self._sql(sql).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def scalars(self, sqls: Sequence[str]) -> list[int]:
        """Give the integer each of `sqls` selects."""
        return [self.scalar(sql) for sql in sqls]

    def write_parquet(self, name: str, prefix: str, stem: str) -> list[WrittenFile]:
        """COPY temp table `name` to Parquet (zstd) files under lake key `prefix`."""
        target = self.url(prefix.rstrip("/"))
        if self.local:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        row = self._sql(
            f"COPY {name} TO {literal(target)} (FORMAT parquet, COMPRESSION zstd, "
            f"FILE_SIZE_BYTES {literal(FILE_SIZE)}, FILENAME_PATTERN {literal(stem + '_{i}')}, "
            "RETURN_FILES true)"
        ).fetchone()
        files = sorted(str(f) for f in (row[1] if row else []))
        if not files:
            return []
        counts = dict(
            self._sql(
                "SELECT file_name, num_rows FROM parquet_file_metadata("
                + "["
                + ", ".join(literal(f) for f in files)
                + "])"
            ).fetchall()
        )
        return [WrittenFile(self.key_of(f), int(counts.get(f, 0))) for f in files]

    def view_files(
        self, name: str, columns: Sequence[Column], keys: Sequence[str], *, dated: bool
    ) -> None:
        """Create view `name` over exactly these Parquet files (lake keys), declared columns.

        `dated` tables get `dt` from their path (hive partitioning). With no file, the
        view is empty, with the declared columns and types. `reset` drops it.
        """
        names = ", ".join(f'"{c.name}"' for c in columns) + (", dt" if dated else "")
        if keys:
            listed = "[" + ", ".join(literal(self.url(key)) for key in keys) + "]"
            hive = "true, hive_types = {'dt': DATE}" if dated else "false"
            body = f"SELECT {names} FROM read_parquet({listed}, hive_partitioning = {hive})"
        else:
            typed = ", ".join(f'CAST(NULL AS {c.type}) AS "{c.name}"' for c in columns)
            body = f"SELECT {typed}{', CAST(NULL AS DATE) AS dt' if dated else ''} WHERE false"
        self.view_sql(name, body)

    def view_sql(self, name: str, body: str) -> None:
        """Create temp view `name` as the SELECT `body` (an Iceberg scan, say); `reset` drops it."""
        self._sql(f'CREATE OR REPLACE TEMP VIEW "{name}" AS {body}')
        if name not in self._relations:
            self._relations.append(name)

    def reset(self) -> None:
        """Drop every relation built for the current dt."""
        for name in reversed(self._relations):
            kind = self.db.execute(
                "SELECT table_type FROM information_schema.tables WHERE table_name = ?", [name]
            ).fetchone()
            if kind is not None:
                self._sql(f"DROP {'VIEW' if kind[0] == 'VIEW' else 'TABLE'} {name}")
        self._relations.clear()

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def query(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run any SQL; give (column names, rows)."""
        result = self._sql(sql)
        names = [d[0] for d in (result.description or [])]
        return names, result.fetchall()

    # -- helpers ----------------------------------------------------------------------------

    def url(self, key: str) -> str:
        """Give the URL DuckDB reads or writes for a lake-relative key."""
        return self.root_url + key

    def key_of(self, url: str) -> str:
        """Give the lake-relative key of a URL under the root."""
        if not url.startswith(self.root_url):
            raise StorageError(f"DuckDB wrote outside the lake: {url}")
        return url[len(self.root_url) :]

    def _create(self, name: str, sql: str) -> None:
        self._sql(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
        if name not in self._relations:
            self._relations.append(name)

    def _sql(self, sql: str) -> duckdb.DuckDBPyConnection:
        try:
            return self.db.execute(sql)
        except duckdb.IOException as exc:
            raise StorageError(f"DuckDB I/O failed: {_one_line(exc)}") from None


def load_httpfs(db: duckdb.DuckDBPyConnection) -> None:
    """Install httpfs from the `duckdb-extension-httpfs` wheel's file, then load it."""
    load_extension(db, "httpfs", "an S3 lake")


def load_extension(db: duckdb.DuckDBPyConnection, name: str, needed_for: str) -> None:
    """Install an extension from its `duckdb-extension-<name>` wheel's file, then load it."""
    try:
        importlib.import_module(f"duckdb_extension_{name}")
    except ImportError:
        raise ConfigError(
            f"{needed_for} needs DuckDB's {name} extension: pip install duckdb-extension-{name}"
        ) from None
    path = extension_file(name)
    try:
        db.execute(f"INSTALL {literal(str(path))}")
        db.execute(f"LOAD {name}")
    except duckdb.Error as exc:
        raise ConfigError(f"cannot load DuckDB's {name} extension: {_one_line(exc)}") from None


def extension_file(name: str) -> Path:
    """Find the extension file a `duckdb-extension-<name>` wheel ships for this DuckDB."""
    package = importlib.resources.files(f"duckdb_extension_{name}")
    found = package / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    path = Path(str(found))
    if not path.is_file():
        raise ConfigError(
            f"duckdb-extension-{name} does not match duckdb {duckdb.__version__}: "
            f"pin both to the same version"
        )
    return path


def s3_secret_sql(s3: S3Access, name: str = "tmdb_lake") -> str:
    """Give the CREATE SECRET statement for the lake's bucket (holds credentials: never log)."""
    parts = ["TYPE s3", f"SCOPE {literal(f's3://{s3.bucket}')}"]
    options = s3.options
    key_id = reveal(options.access_key_id)
    secret, token = reveal(options.secret_access_key), reveal(options.session_token)
    if key_id is None:
        key_id, secret, token = default_chain_credentials()
    if key_id is not None and secret is not None:
        parts += [f"KEY_ID {literal(key_id)}", f"SECRET {literal(secret)}"]
        if token:
            parts.append(f"SESSION_TOKEN {literal(token)}")
    parts.append(f"REGION {literal(options.region or 'us-east-1')}")
    endpoint = options.endpoint_url
    if endpoint:
        split = urlsplit(endpoint)
        parts += [
            f"ENDPOINT {literal(split.netloc)}",
            "URL_STYLE 'path'",
            f"USE_SSL {'true' if split.scheme == 'https' else 'false'}",
        ]
    return f"CREATE OR REPLACE SECRET {name} (" + ", ".join(parts) + ")"


def default_chain_credentials() -> tuple[str | None, str | None, str | None]:
    """Resolve boto3's default credential chain (env, profile, SSO, container or instance role)."""
    import boto3

    credentials = boto3.session.Session().get_credentials()
    if credentials is None:
        return None, None, None
    frozen = credentials.get_frozen_credentials()
    return frozen.access_key, frozen.secret_key, frozen.token


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]
