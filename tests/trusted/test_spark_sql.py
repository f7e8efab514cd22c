"""The Spark side without a JVM: translation, the reading SQL, sizes, settings, the catalog."""

from __future__ import annotations

import boto3
import pytest
import sqlglot
from botocore.validate import ParamValidator

from tmdb_lake.errors import ConfigError
from tmdb_lake.settings import TRANSFORM_GROUPS, EngineSettings, TransformSettings, load
from tmdb_lake.trusted.glue_catalog import athena_ddl, table_input, table_location, zone_ddl
from tmdb_lake.trusted.session import query_lake
from tmdb_lake.trusted.sources import SPECS
from tmdb_lake.trusted.spark_reading import non_string, record_select, schema_ddl
from tmdb_lake.trusted.spark_session import spark_memory
from tmdb_lake.trusted.spark_sql import naive_timestamps, spark_type, to_spark
from tmdb_lake.trusted.tables import BY_NAME, TABLES
from trusted.test_contract import every_sql  # type: ignore[import-not-found]


@pytest.mark.parametrize(("name", "sql"), every_sql(), ids=[n for n, _ in every_sql()])
def test_every_statement_has_a_spark_form_that_spark_sql_parses(name: str, sql: str) -> None:
    spark = to_spark(sql)
    assert "UNNEST" not in spark.upper() and "QUALIFY" not in spark.upper()
    assert sqlglot.parse_one(spark, read="spark") is not None


def test_duckdb_timestamps_are_spark_timestamp_ntz() -> None:
    spark = to_spark(BY_NAME["movie"].typed_sql())
    assert "CAST(`_ingested_at` AS TIMESTAMP_NTZ)" in spark
    tree = sqlglot.parse_one("SELECT CAST(x AS TIMESTAMP)", read="duckdb")
    assert naive_timestamps(tree).sql(dialect="spark") == "SELECT CAST(x AS TIMESTAMP_NTZ)"


def test_declared_column_types_have_their_spark_types() -> None:
    assert [spark_type(t) for t in ("INTEGER", "VARCHAR", "TIMESTAMP", "INTEGER[]")] == [
        "INT", "STRING", "TIMESTAMP_NTZ", "ARRAY<INT>",
    ]  # fmt: skip


def test_sql_sqlglot_cannot_read_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="sqlglot cannot parse"):
        to_spark("SELECT FROM WHERE (")


def test_the_reading_sql_declares_every_field_and_flags_each_top_level_scalar() -> None:
    sql = record_select(SPECS["movie"], "_movie_text", ("_source", "_run_id", "_ingested_at"))
    assert "`order`: INT" in schema_ddl({"credits": {"cast": [{"order": "INTEGER"}]}})
    for name in ("runtime", "vote_count", "adult", "release_date", "title"):
        assert f"`_bad__{name}`" in sql
    assert "`_extra`" not in sql and "CAST(NULL AS STRING) AS _extra" in sql
    with_extra = record_select(SPECS["movie"], "t", (), ["streaming"])
    assert "from_json(json, '`streaming` STRING')" in with_extra
    # a string is parsed again only when its text could be another kind of JSON value
    assert "RLIKE '^-?[0-9]'" in non_string("j.x", "x")


def test_memory_sizes_become_jvm_settings() -> None:
    assert [spark_memory(s) for s in ("1GB", "512MB", "2GiB", "1.5GB")] == [
        "1024m", "512m", "2048m", "1536m",
    ]  # fmt: skip
    with pytest.raises(ConfigError):
        spark_memory("lots")


def test_the_engine_is_one_option_of_the_engine_group() -> None:
    assert load(TransformSettings, TRANSFORM_GROUPS, {"engine": "Spark"}).engine == "spark"
    env = load(TransformSettings, TRANSFORM_GROUPS, {}, {"TMDB_LAKE_ENGINE": "spark"})
    assert env.engine == "spark"
    assert TransformSettings().engine == "duckdb"
    with pytest.raises(ConfigError, match="--engine 'flink' is not an engine"):
        load(TransformSettings, TRANSFORM_GROUPS, {"engine": "flink"})
    with pytest.raises(ConfigError, match="query runs on DuckDB"):
        query_lake(EngineSettings(engine="spark"), "SELECT 1")


def test_athena_ddl_parses_and_glue_table_inputs_fit_the_glue_api() -> None:
    root = "s3://bucket/lake/"
    text = zone_ddl(TABLES, root, "trusted")
    statements = [s for s in sqlglot.parse(text, read="athena") if s is not None]
    assert len(statements) == len(TABLES)
    movie = athena_ddl(BY_NAME["movie"], table_location(root, "trusted", "movie"))
    assert "LOCATION 's3://bucket/lake/trusted/TMDB/PARQUET/movie/'" in movie
    assert (
        "'storage.location.template' = 's3://bucket/lake/trusted/TMDB/PARQUET/movie/dt=${dt}/'"
        in movie
    )
    model = boto3.session.Session(region_name="us-east-1").client("glue").meta.service_model
    shape = model.operation_model("CreateTable").input_shape
    for table in TABLES:
        body = table_input(table, table_location(root, "trusted", table.name))
        report = ParamValidator().validate({"DatabaseName": "tmdb", "TableInput": body}, shape)
        assert not report.has_errors(), report.generate_report()
        assert [c["Name"] for c in body["StorageDescriptor"]["Columns"]] == list(table.column_names)
        assert body["PartitionKeys"] == [
            {"Name": "dt", "Type": "date", "Comment": "collection day"}
        ]


def test_query_on_spark_is_refused_in_one_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tmdb_lake.errors import ConfigError
    from tmdb_lake.settings import RefineSettings
    from tmdb_lake.trusted.session import query_lake

    settings = RefineSettings(lake=str(tmp_path), engine="spark", work_dir=tmp_path / "w")
    with pytest.raises(ConfigError, match="query runs on DuckDB"):
        query_lake(settings, "SELECT 1")


def test_the_refined_tables_are_registered_current_ones_without_partitions(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import boto3
    from moto import mock_aws

    from tmdb_lake.refined.tables import CURRENT, DATED
    from tmdb_lake.trusted.jobs import register

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_GLUE"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        glue = boto3.client("glue")
        glue.create_database(DatabaseInput={"Name": "tmdb"})
        names = register("tmdb", "s3://my-lake/datalake", "refined")
        assert sorted(names) == sorted(t.name for t in (*CURRENT, *DATED))
        tables = {t["Name"]: t for t in glue.get_tables(DatabaseName="tmdb")["TableList"]}
    movie = tables["dim_movie"]
    assert movie["PartitionKeys"] == []
    assert movie["StorageDescriptor"]["Location"] == (
        "s3://my-lake/datalake/refined/TMDB/PARQUET/dim_movie/"
    )
    assert "projection.enabled" not in movie["Parameters"]
    snapshot = tables["fact_title_snapshot"]
    assert [k["Name"] for k in snapshot["PartitionKeys"]] == ["dt"]
    assert snapshot["Parameters"]["projection.dt.type"] == "date"
