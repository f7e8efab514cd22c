"""The data files of an Iceberg table: written by DuckDB, listed and removed through FileIO.

DuckDB writes a built relation straight into the table's location, in a folder of its own
per build (`data/dt=YYYY-MM-DD/<build_id>/<table>_<n>.parquet`): zstd, about 256 MB a file,
and the table's field ids in the Parquet schema (`FIELD_IDS`). Nothing reads those files
until a snapshot references them, so no staging copy is needed: an uncommitted build's
folder is simply deleted (the build intent names it).

Listing and deleting go through the table's pyiceberg FileIO (pyarrow's file systems), so
they work wherever the catalog put the table: the lake, or a REST catalog's table bucket.
"""

from __future__ import annotations

import datetime as dt_module
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from tmdb_lake.errors import StorageError
from tmdb_lake.lake.location import local_path
from tmdb_lake.lake.s3_options import S3Options
from tmdb_lake.trusted.duckdb_engine import (
    FILE_SIZE,
    DuckDBEngine,
    S3Access,
    load_httpfs,
    s3_secret_sql,
)
from tmdb_lake.trusted.reading import literal

if TYPE_CHECKING:
    from pyiceberg.io import FileIO


def write_data_files(
    engine: DuckDBEngine,
    relation: str,
    columns: Sequence[str],
    folder: str,
    stem: str,
    field_ids: str,
    dt: dt_module.date | None,
) -> list[str]:
    """Write relation `relation` (plus `dt`, when dated) as Parquet files in `folder`; give URLs."""
    path = local_path(folder)
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
    selected = ", ".join(f'"{c}"' for c in columns)
    if dt is not None:
        selected += f", DATE {literal(dt.isoformat())} AS dt"
    sql = (
        f"COPY (SELECT {selected} FROM {relation}) TO {literal(folder.rstrip('/'))} "
        f"(FORMAT parquet, COMPRESSION zstd, FILE_SIZE_BYTES {literal(FILE_SIZE)}, "
        f"FILENAME_PATTERN {literal(stem + '_{i}')}, FIELD_IDS {field_ids}, RETURN_FILES true)"
    )
    try:
        row = engine.db.execute(sql).fetchone()
    except duckdb.IOException as exc:
        raise StorageError(f"DuckDB could not write {folder}: {_one_line(exc)}") from None
    return sorted(str(f) for f in (row[1] if row else []))


def allow_s3(engine: DuckDBEngine, url: str, options: S3Options) -> None:
    """Let DuckDB read and write the S3 bucket of `url` with the lake's S3 settings.

    A REST catalog keeps its tables in its own bucket (S3 Tables, SeaweedFS): DuckDB gets a
    secret scoped to that bucket too (no-op for a local path).
    """
    if not url.startswith("s3://"):
        return
    bucket = url[len("s3://") :].partition("/")[0]
    load_httpfs(engine.db)
    name = "tmdb_lake_" + "".join(ch if ch.isalnum() else "_" for ch in bucket)
    try:
        engine.db.execute(s3_secret_sql(S3Access(bucket, "", options), name=name))
    except duckdb.Error:  # its message could quote the statement, credentials and all
        raise StorageError(f"DuckDB refused the S3 settings for bucket {bucket}") from None


def list_folder(io: FileIO, folder: str) -> list[str]:
    """Give the URL of every file under `folder` (recursively; none when it is missing)."""
    return sorted(file_ages(io, folder))


def file_ages(io: FileIO, folder: str) -> dict[str, float]:
    """Give each file under `folder` and its age in seconds (from its modification time)."""
    from pyarrow import fs as pafs  # type: ignore[import-untyped]

    scheme, netloc, path = _parse(io, folder)
    filesystem = _filesystem(io, scheme, netloc)
    selector = pafs.FileSelector(path.rstrip("/"), recursive=True, allow_not_found=True)
    now = dt_module.datetime.now(dt_module.UTC)
    prefix = f"{scheme}://" if scheme not in ("file", "") else ""
    ages: dict[str, float] = {}
    for info in filesystem.get_file_info(selector):
        if info.type != pafs.FileType.File:
            continue
        mtime = info.mtime or now
        mtime = mtime if mtime.tzinfo else mtime.replace(tzinfo=dt_module.UTC)
        ages[f"{prefix}{info.path}"] = (now - mtime).total_seconds()
    return ages


def delete_files(io: FileIO, urls: Sequence[str]) -> None:
    """Delete files (missing ones are fine)."""
    for url in urls:
        try:
            io.delete(url)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise StorageError(f"cannot delete {url}: {_one_line(exc)}") from None


def _parse(io: FileIO, url: str) -> tuple[str, str, str]:
    from pyiceberg.io.pyarrow import PyArrowFileIO

    return PyArrowFileIO.parse_location(url, io.properties)


def _filesystem(io: FileIO, scheme: str, netloc: str) -> Any:
    from pyiceberg.io.pyarrow import PyArrowFileIO

    if not isinstance(io, PyArrowFileIO):  # pragma: no cover - pyarrow is pyiceberg's default
        raise StorageError(f"tmdb-lake needs pyiceberg's PyArrowFileIO, not {type(io).__name__}")
    return io.fs_by_scheme(scheme, netloc)


def is_under(url: str, folder: str) -> bool:
    """Tell whether a file URL lies in a folder URL (plain paths and file:// alike)."""
    return _plain(url).startswith(_plain(folder).rstrip("/") + "/")


def _plain(url: str) -> str:
    path = local_path(url)
    return str(Path(path).resolve()) if path is not None else url


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]
