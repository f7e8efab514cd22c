"""Which SparkSession the Spark engine runs on, and the settings it needs from it.

- **Given by the environment**: a SparkSession already active in the process (a Glue or
  EMR job script, a Databricks or Jupyter notebook, a test), or the one `spark-submit`
  launched this Python for (`PYSPARK_GATEWAY_PORT` is set). tmdb-lake uses it as it is
  (master, executors, memory, S3 access are the platform's) and never stops it.
- **Local** otherwise (`pip install "tmdb-lake[spark]"`, Java 17): `local[N]` with N =
  `--threads` (default every core), driver memory = `--memory-limit`, scratch space and
  warehouse under `--work-dir`, no UI. tmdb-lake stops it when the command ends.

Either way a few SQL settings are set on the session, because the tables' meaning
depends on them: the session time zone is UTC (lineage times), ANSI mode is off (Glue 5's
Spark 3.5 default, so Spark 4 behaves the same), JSON partial results are on (a value
that does not fit nulls that field only, as the contract says; Spark >= 3.4), Parquet
timestamps are INT64 microseconds, and no `_SUCCESS` marker files are written.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from tmdb_lake.errors import ConfigError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from tmdb_lake.settings import EngineSettings
    from tmdb_lake.trusted.spark_engine import SparkEngine

SQL_SETTINGS = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
    "spark.sql.json.enablePartialResults": "true",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.sources.partitionOverwriteMode": "static",
}
HADOOP_SETTINGS = {"mapreduce.fileoutputcommitter.marksuccessfuljobs": "false"}
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*([KMGT])i?B$", re.IGNORECASE)


def spark_memory(size: str) -> str:
    """Give a DuckDB-style size (`1GB`, `512MiB`) as a JVM memory setting (`1024m`)."""
    match = _SIZE.match(size.strip())
    if match is None:
        raise ConfigError(f"{size!r} is not a size like 1GB or 512MB")
    scale = {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}[match.group(2).upper()]
    return f"{max(1, round(float(match.group(1)) * scale))}m"


def configure(spark: SparkSession) -> SparkSession:
    """Set the settings the tables depend on (session-scoped; the platform's stay)."""
    for key, value in SQL_SETTINGS.items():
        spark.conf.set(key, value)
    try:
        conf = spark._jsc.hadoopConfiguration()
        for key, value in HADOOP_SETTINGS.items():
            conf.set(key, value)
    except AttributeError:  # Spark Connect: the server's Hadoop settings apply
        pass
    return spark


def given_session() -> SparkSession | None:
    """Give the SparkSession the environment provides, if any."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigError(
            'the Spark engine needs pyspark: pip install "tmdb-lake[spark]" (and Java 17)'
        ) from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if os.environ.get("PYSPARK_GATEWAY_PORT"):  # spark-submit started this Python
        return SparkSession.builder.getOrCreate()
    return None


def local_session(threads: int | None, memory: str, work_dir: Path) -> SparkSession:
    """Start a local SparkSession bounded by the engine settings."""
    from pyspark.sql import SparkSession

    cores = threads or os.cpu_count() or 1
    scratch = (work_dir / "spark").resolve()
    (scratch / "tmp").mkdir(parents=True, exist_ok=True)
    builder = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("tmdb-lake")
        .config("spark.driver.memory", spark_memory(memory))
        .config("spark.local.dir", str(scratch / "tmp"))
        .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # One dt of a small lake is a few MB: 200 shuffle tasks would be mostly overhead.
        .config("spark.sql.shuffle.partitions", str(cores))
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={scratch}")
    )
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # no Java, a JVM that does not start
        message = " ".join(str(exc).split())[:300]
        raise ConfigError(f"cannot start a local Spark session (Java 17?): {message}") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def lake_root_url(lake: str) -> str:
    """Give the lake root as a URL Spark's file systems read (`file:/abs/`, `s3://b/p/`)."""
    from tmdb_lake.lake.location import LakeLocation

    location = LakeLocation.parse(lake)
    if location.kind == "s3":
        return f"s3://{location.bucket}/{location.prefix + '/' if location.prefix else ''}"
    assert location.path is not None
    location.path.mkdir(parents=True, exist_ok=True)
    return "file:" + str(location.path.resolve()) + "/"


def open_spark_engine(settings: EngineSettings, spark: SparkSession | None = None) -> SparkEngine:
    """Open the Spark engine on `spark`, else the environment's session, else a local one."""
    given = spark or given_session()
    session = given or local_session(settings.threads, settings.memory_limit, settings.work_dir)
    from tmdb_lake.trusted.spark_engine import SparkEngine

    return SparkEngine(configure(session), lake_root_url(settings.lake), owns_session=not given)
