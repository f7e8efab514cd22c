"""The data files of an Iceberg table, written by Spark (`--engine spark --table-format iceberg`).

Spark computes a built relation and writes it as plain Parquet files (zstd, about 256 MB of
the cached relation a file) into the build's folder of the table, exactly where DuckDB
would (`tmdb_lake.iceberg.files`); the sink then commits them with pyiceberg, through the
same intent, lease and manifest as a DuckDB build. No Iceberg runtime is needed in the
Spark session: Glue 5, EMR or a local `pyspark` all work as they are.

Field ids: Spark writes a column's id (`parquet.field.id` metadata) but cannot write one for
a list's element, and a file with ids on some fields only would leave those elements
unmapped. So
Spark's files carry no ids, and every table has a name mapping
(`schema.name-mapping.default`, kept up to date when the table evolves) by which readers
(Athena, Spark, Trino, pyiceberg, DuckDB) map their columns, the way they read files added
by `add_files`. Columns are never renamed here, so names are as stable as ids.
"""

from __future__ import annotations

import datetime as dt_module
from collections.abc import Sequence

from tmdb_lake.iceberg.schema import PARTITION_COLUMN, ColumnLike
from tmdb_lake.trusted.spark_engine import SparkRelations
from tmdb_lake.trusted.spark_sql import spark_type


def write_spark_data_files(
    engine: SparkRelations,
    relation: str,
    columns: Sequence[ColumnLike],
    folder: str,
    stem: str,
    dt: dt_module.date | None,
) -> list[str]:
    """Write relation `relation` (plus `dt`, when dated) as Parquet files in `folder`; give URLs."""
    from pyspark.sql import functions as F

    frame = engine.frame(relation)
    selected = [F.col(f"`{c.name}`").cast(spark_type(c.type)).alias(c.name) for c in columns]
    if dt is not None:
        selected.append(F.lit(dt.isoformat()).cast("date").alias(PARTITION_COLUMN))
    return engine.write_folder(frame.select(*selected), folder, stem, sized_by=frame)
