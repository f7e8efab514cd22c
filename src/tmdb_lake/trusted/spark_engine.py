"""The Spark engine: the same table declarations, run on a SparkSession (local or a cluster's).

`SparkRelations` is the zone-independent half of the engine seam (`materialize`,
`materialize_model`, `scalar`, `write_parquet`, `reset`, `close`): relations are
persisted DataFrames registered as temp views, SQL is the declarations' DuckDB SQL
translated by `tmdb_lake.trusted.spark_sql.to_spark`, and Parquet files are written under
the lake-relative prefix the build gives (zstd, `dt` only in the path; one file for a
small table, about 256 MB of the cached relation per file for big ones), and
`view_files` makes a view over exactly the Parquet files a manifest lists (the refined
zone's sources: `SparkRelations` is a `tmdb_lake.refined.engine.RefinedEngine`).
`SparkEngine` adds the trusted zone's raw reading (`tmdb_lake.trusted.spark_sources`).

Paths: the lake root is a URL Spark's file systems understand: `file:` paths for a local
lake (tested here), `s3://bucket/prefix/` on Glue or EMR (EMRFS; not reachable from this
machine: no hadoop-aws jars offline), `s3a://` where hadoop-aws is installed. Keys stay
lake-relative everywhere else, exactly as with DuckDB.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tmdb_lake.errors import StorageError
from tmdb_lake.lake.location import local_path
from tmdb_lake.trusted.contract import Column, IntermediateModel
from tmdb_lake.trusted.engine import RawInput, SourceAudit, WrittenFile, unique_shortcut
from tmdb_lake.trusted.spark_sql import spark_type, to_spark

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

FILE_BYTES = 256 * 1024 * 1024
"""In-memory size of a cached relation per Parquet file (the file is smaller: zstd)."""


class SparkRelations:
    """Relations, SQL and Parquet files on a SparkSession, for any zone's engine."""

    name = "spark"

    def __init__(self, spark: SparkSession, root_url: str, *, owns_session: bool) -> None:
        self.spark = spark
        self.root_url = root_url if root_url.endswith("/") else root_url + "/"
        self.owns_session = owns_session
        self._frames: dict[str, DataFrame] = {}
        self._rows: dict[str, int] = {}
        self.spark_root = qualified_root(spark, self.root_url)

    # -- relations ------------------------------------------------------------------------

    def register(self, name: str, frame: DataFrame) -> int:
        """Keep `frame` as relation `name`: persisted (memory, then disk), a view; give rows."""
        from pyspark import StorageLevel

        self.view(name, frame.persist(StorageLevel.MEMORY_AND_DISK))
        self._rows[name] = frame.count()
        return self._rows[name]

    def view(self, name: str, frame: DataFrame) -> None:
        """Name `frame` (computed when read; nothing is cached) so that later SQL can read it."""
        old = self._frames.pop(name, None)
        if old is not None:
            old.unpersist()
        frame.createOrReplaceTempView(name)
        self._frames[name] = frame

    def materialize_model(self, model: IntermediateModel) -> int:
        """Build an intermediate model; a merge over already-unique ids is the source itself."""
        relation = unique_shortcut(self, model)
        if relation is not None:
            self.view(model.name, self.spark.table(relation))
            self._rows[model.name] = self._rows.get(relation) or self.spark.table(relation).count()
            return self._rows[model.name]
        return self.materialize(model.name, model.sql)

    def materialize(self, name: str, sql: str) -> int:
        """Run DuckDB-dialect `sql`, translated, into relation `name`; give its rows."""
        return self.register(name, self.sql(sql))

    def view_files(
        self, name: str, columns: Sequence[Column], keys: Sequence[str], *, dated: bool
    ) -> None:
        """Make view `name` over exactly these Parquet files (lake keys), declared columns.

        Each column is cast to its declared type (`spark_type`); `dated` tables get `dt`
        (a DATE) from the `dt=YYYY-MM-DD` folder of each file's path. With no file, the
        view is empty, with the declared columns and types. `reset` drops it.
        """
        from pyspark.sql import functions as F

        kinds = [spark_type(c.type) for c in columns]
        if not keys:
            schema = ", ".join(f"`{c.name}` {k}" for c, k in zip(columns, kinds, strict=True))
            self.view(name, self.spark.createDataFrame([], schema + (", dt DATE" if dated else "")))
            return
        try:
            files = self.spark.read.parquet(*(self.url(key) for key in keys))
        except Exception as exc:  # py4j wraps the JVM's I/O errors in its own types
            raise StorageError(f"Spark could not read {name}'s files: {_one_line(exc)}") from None
        selected = [
            F.col(f"`{c.name}`").cast(k).alias(c.name) for c, k in zip(columns, kinds, strict=True)
        ]
        if dated:
            folder = F.regexp_extract(F.col("_metadata.file_path"), r"/dt=(\d{4}-\d{2}-\d{2})/", 1)
            selected.append(F.to_date(folder).alias("dt"))
        self.view(name, files.select(*selected))

    def view_data_files(
        self, name: str, columns: Sequence[Column], urls: Sequence[str], *, dated: bool
    ) -> None:
        """Make view `name` over exactly these Parquet files (URLs), columns matched by name.

        For an Iceberg table's data files, which hold `dt` as a column and may predate a
        column the table gained since (it reads as NULL, as Iceberg readers give it). The
        files' schemas are merged, so files of several builds can be read together.
        """
        from pyspark.sql import functions as F

        if not urls:
            self.view_files(name, columns, [], dated=dated)
            return
        try:
            files = self.spark.read.option("mergeSchema", "true").parquet(*urls)
        except Exception as exc:  # py4j wraps the JVM's I/O errors in its own types
            raise StorageError(f"Spark could not read {name}'s files: {_one_line(exc)}") from None
        present = set(files.columns)
        selected = [
            (F.col(f"`{c.name}`") if c.name in present else F.lit(None))
            .cast(spark_type(c.type))
            .alias(c.name)
            for c in columns
        ]
        if dated:
            selected.append(F.col("dt").cast("date").alias("dt"))
        self.view(name, files.select(*selected))

    def frame(self, name: str) -> DataFrame:
        """Give relation `name`'s DataFrame (to write it elsewhere than the lake's files)."""
        return self._frames[name]

    def scalar(self, sql: str) -> int:
        """Give the single integer DuckDB-dialect `sql` selects."""
        row = self.sql(sql).first()
        return int(row[0]) if row is not None and row[0] is not None else 0

    def scalars(self, sqls: Sequence[str]) -> list[int]:
        """Give the integer each of `sqls` selects, from one Spark query (scalar subqueries).

        Spark runs the subqueries of one query concurrently, and plans them once: for the
        fifty checks of a dt, one query instead of fifty.
        """
        if not sqls:
            return []
        selects = ", ".join(f"({to_spark(sql)}) AS c{i}" for i, sql in enumerate(sqls))
        row = self.spark.sql(f"SELECT {selects}").first()
        values = list(row) if row is not None else [None] * len(sqls)
        return [int(v) if v is not None else 0 for v in values]

    def sql(self, duckdb_sql: str) -> DataFrame:
        """Give the DataFrame of DuckDB-dialect SQL, translated to Spark's."""
        return self.spark.sql(to_spark(duckdb_sql))

    # -- files ----------------------------------------------------------------------------

    def write_parquet(self, name: str, prefix: str, stem: str) -> list[WrittenFile]:
        """Write relation `name` as `<prefix><stem>_<n>.parquet` (zstd); give keys and rows."""
        frame = self._frames[name]
        urls = self.write_folder(frame, self.url(prefix), stem, sized_by=frame)
        keys = [prefix + url.rpartition("/")[2] for url in urls]
        if len(keys) == 1:
            return [WrittenFile(keys[0], self._rows[name])]
        return self._counted(keys)

    def write_folder(
        self, frame: DataFrame, folder: str, stem: str, *, sized_by: DataFrame
    ) -> list[str]:
        """Write `frame` as `<folder>/<stem>_<n>.parquet` (zstd); give the files' URLs.

        One file per about 256 MB of `sized_by` (a cached relation) in memory. Spark writes
        into a scratch folder beside them, whose part files are then renamed.
        """
        folder = folder.rstrip("/")
        files = max(1, math.ceil(cached_bytes(sized_by) / FILE_BYTES))
        scratch = f"{folder}/_spark_{stem}"
        try:
            frame.coalesce(files).write.mode("overwrite").option("compression", "zstd").parquet(
                scratch
            )
        except Exception as exc:  # py4j wraps the JVM's I/O errors in its own types
            raise StorageError(f"Spark could not write {scratch}: {_one_line(exc)}") from None
        parts = sorted(p for p in self._list(scratch) if p.endswith(".parquet"))
        urls = [f"{folder}/{stem}_{n}.parquet" for n in range(len(parts))]
        for part, url in zip(parts, urls, strict=True):
            self._move(f"{scratch}/{part}", url)
        self._remove(scratch)
        return urls

    def _counted(self, keys: list[str]) -> list[WrittenFile]:
        counts = {
            self.key_of(str(row[0])): int(row[1])
            for row in self.spark.read.parquet(*(self.url(k) for k in keys))
            .groupBy("_metadata.file_path")
            .count()
            .collect()
        }
        return [WrittenFile(key, counts.get(key, 0)) for key in keys]

    def url(self, key: str) -> str:
        """Give the URL Spark reads or writes for a lake-relative key."""
        return self.root_url + key

    def key_of(self, path: str) -> str:
        """Give the lake-relative key of a path Spark reports (`_metadata.file_path`)."""
        key = path.removeprefix(self.spark_root)
        if key == path:
            raise StorageError(f"Spark read or wrote outside the lake: {path}")
        return key

    def _list(self, url: str) -> list[str]:
        local = local_path(url)
        if local is not None:
            return [p.name for p in local.iterdir() if p.is_file()]
        fs, path = self._hadoop(url)
        return [str(status.getPath().getName()) for status in fs.listStatus(path)]

    def _move(self, source: str, target: str) -> None:
        local, destination = local_path(source), local_path(target)
        if local is not None and destination is not None:
            local.replace(destination)
            return
        fs, path = self._hadoop(source)
        _, moved = self._hadoop(target)
        if not fs.rename(path, moved):
            raise StorageError(f"Spark could not move {source} to {target}")

    def _remove(self, url: str) -> None:
        local = local_path(url)
        if local is not None:  # Hadoop's local file system leaves .crc files beside its own
            shutil.rmtree(local, ignore_errors=True)
            return
        fs, path = self._hadoop(url)
        fs.delete(path, True)

    def _hadoop(self, url: str) -> tuple[Any, Any]:
        jvm: Any = self.spark._jvm
        path = jvm.org.apache.hadoop.fs.Path(url)
        conf = self.spark._jsc.hadoopConfiguration()
        return path.getFileSystem(conf), path

    # -- lifecycle ------------------------------------------------------------------------

    def reset(self) -> None:
        """Drop every relation of the current dt (views and cached data)."""
        for name, frame in reversed(list(self._frames.items())):
            self.spark.catalog.dropTempView(name)
            frame.unpersist()
        self._frames.clear()
        self._rows.clear()

    def close(self) -> None:
        """Release the relations; stop the session only if this engine started it."""
        self.reset()
        if self.owns_session:
            self.spark.stop()


class SparkEngine(SparkRelations):
    """The trusted zone on Spark: raw records in, the same tables out.

    >>> engine = SparkEngine(spark, "/abs/lake/", owns_session=False)
    >>> audit = engine.load_sources(inputs)
    """

    def load_sources(self, inputs: Sequence[RawInput]) -> SourceAudit:
        """Read every input of one dt into `movie_record`, `series_record`, `genre_record`."""
        from tmdb_lake.trusted.spark_sources import load_sources

        return load_sources(self, inputs)


def qualified_root(spark: SparkSession, root_url: str) -> str:
    """Give the lake root as Spark reports file paths under it (`file:/abs/lake/`, `s3://b/p/`)."""
    try:
        jvm: Any = spark._jvm
        path = jvm.org.apache.hadoop.fs.Path(root_url)
        fs = path.getFileSystem(spark._jsc.hadoopConfiguration())
        root = str(fs.makeQualified(path).toUri().toString())
    except Exception:  # no JVM in this process (Spark Connect): the URL as given
        root = root_url if "://" in root_url else "file:" + root_url
    return root if root.endswith("/") else root + "/"


def cached_bytes(frame: DataFrame) -> int:
    """Give the size Spark's optimizer gives a (cached) relation; 0 when it cannot say."""
    try:
        stats = frame._jdf.queryExecution().optimizedPlan().stats()
        return int(str(stats.sizeInBytes()))
    except Exception:
        return 0


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]
