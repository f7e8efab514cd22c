"""The Iceberg forms of the CREATE statements, parsed in their engines' dialects by sqlglot.

Spark's statement cannot be executed here: pyspark on PyPI ships no Iceberg runtime
(`iceberg-spark-runtime` is a Maven jar, and the machine reaches PyPI only). DuckDB's view
is executed against a built lake in test_local.py.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from tmdb_lake.iceberg.ddl import athena_create, athena_statements, spark_create
from tmdb_lake.trusted.tables import TABLES

LOCATION = "s3://my-lake/datalake/trusted/TMDB/ICEBERG/{}"


def properties(statement: exp.Expression) -> dict[str, str]:
    found = statement.find(exp.Properties)
    assert found is not None
    return {
        p.name: p.text("value")
        for p in found.expressions
        if type(p) is exp.Property  # the TBLPROPERTIES, not LOCATION or PARTITIONED BY
    }


def test_athena_creates_iceberg_tables_partitioned_by_dt() -> None:
    text = athena_statements(
        TABLES, "tmdb_trusted", {t.name: LOCATION.format(t.name) for t in TABLES}
    )
    statements = sqlglot.parse(text, read="athena")
    assert len([s for s in statements if s is not None]) == len(TABLES)
    for table, statement in zip(TABLES, statements, strict=True):
        assert isinstance(statement, exp.Create)
        assert statement.this.this.name == table.name
        columns = [c.name for c in statement.find_all(exp.ColumnDef)]
        assert columns == [*table.column_names, "dt"]
        assert properties(statement) == {
            "table_type": "ICEBERG",
            "format": "parquet",
            "write_compression": "zstd",
        }
        partitioned = statement.find(exp.PartitionedByProperty)
        assert partitioned is not None
        assert [i.name for i in partitioned.this.expressions] == ["dt"]
        assert "EXTERNAL" not in athena_create(table, "db", "s3://x/y")


def test_spark_creates_the_same_tables_with_the_same_properties() -> None:
    movie = next(t for t in TABLES if t.name == "movie")
    statement = sqlglot.parse_one(
        spark_create(movie, "glue_catalog", "tmdb_trusted", LOCATION.format("movie")), read="spark"
    )
    assert isinstance(statement, exp.Create)
    assert statement.find(exp.FileFormatProperty).this.name.lower() == "iceberg"
    types = {c.name: c.args["kind"].sql("spark") for c in statement.find_all(exp.ColumnDef)}
    assert types["genre_ids"] == "ARRAY<INT>" and types["dt"] == "DATE"
    assert properties(statement)["write.parquet.compression-codec"] == "zstd"


def test_ddl_prints_the_iceberg_forms_of_both_zones_of_tables() -> None:
    import pytest

    from tmdb_lake.ddl import statements
    from tmdb_lake.errors import ConfigError
    from tmdb_lake.refined.tables import TABLES as REFINED
    from tmdb_lake.refined.tables import VIEWS

    root = "s3://my-lake/datalake/"
    found = statements("athena", ("raw", "trusted", "refined"), root, table_format="iceberg")
    iceberg = [s for s in found if "'table_type'='ICEBERG'" in s]
    assert len(iceberg) == len(TABLES) + len(REFINED)
    assert f"LOCATION '{LOCATION.format('movie')}'" in next(s for s in iceberg if "`movie`" in s)
    parquet = [s for s in found if "STORED AS PARQUET" in s]
    assert parquet == []  # the raw zone is JSON, the others Iceberg
    for statement in sqlglot.parse(";".join(iceberg), read="athena"):
        assert isinstance(statement, exp.Create)
        name = statement.this.this.name
        if name in {t.name for t in REFINED}:
            dated = name == "fact_title_snapshot"
            assert (statement.find(exp.PartitionedByProperty) is not None) == dated, name
            location = f"s3://my-lake/datalake/refined/TMDB/ICEBERG/{name}"
            assert statement.find(exp.LocationProperty).this.name == location
    views = [s for s in found if "CREATE OR REPLACE VIEW" in s]
    assert len(views) == len(VIEWS) and found[-len(VIEWS) :] == views  # after every table
    spark = statements("spark", ("trusted", "refined"), root, table_format="iceberg")
    assert sum("USING iceberg" in s for s in spark) == len(TABLES) + len(REFINED)
    assert not any("USING parquet" in s for s in spark)
    # Spark's views read the Iceberg tables in the catalog they were created in
    created = {".".join(p.name for p in s.this.this.parts)
               for s in sqlglot.parse(";".join(spark[:-len(VIEWS)]), read="spark")
               if isinstance(s, exp.Create) and s.kind == "TABLE"}  # fmt: skip
    for view in sqlglot.parse(";".join(spark[-len(VIEWS) :]), read="spark"):
        read = {".".join(p.name for p in t.parts) for t in view.expression.find_all(exp.Table)}
        assert read and read <= created, read - created
    with pytest.raises(ConfigError, match="no Iceberg form"):
        statements("duckdb", ("trusted",), root, table_format="iceberg")
