"""The catalogs on real servers: Glue (moto's server), SeaweedFS's Iceberg REST catalog
(SigV4, `s3tables`, tables in its table bucket) and a SQLite catalog over an S3 lake."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest

from iceberg.icelake import (  # type: ignore[import-not-found]
    NAMES,
    columns,
    parquet_rows,
    refined_columns,
)
from s3server import TABLE_BUCKET
from tmdb_lake.secret import Secret
from tmdb_lake.settings import EngineSettings
from tmdb_lake.trusted.session import query_lake
from trusted.conftest import DAY1, DAY1_ARGS, DAY2, DAY2_ARGS  # type: ignore[import-not-found]

GLUE_KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def table_rows(
    settings: EngineSettings, name: str, of: list[str] | None = None
) -> list[tuple[Any, ...]]:
    """A table's rows through `tmdb-lake query`'s own views (either format)."""
    names = ", ".join(f'"{c}"' for c in of or columns(name))
    _, rows = query_lake(settings, f"SELECT {names} FROM {name}")
    return sorted(rows, key=repr)


def test_glue_catalog(cli, raw_lake: Path, glue_endpoint: str, tmp_path: Path) -> None:
    namespace = f"g{uuid.uuid4().hex[:8]}"
    env = {**GLUE_KEYS, "AWS_REGION": "us-east-1"}
    glue = ("--table-format", "iceberg", "--catalog", "glue", "--catalog-uri", glue_endpoint)
    built = cli(
        "transform", "--lake", "lake", *glue, "--catalog-namespace", namespace, "--json", env=env
    )
    assert built.code == 0, built.stderr
    assert built.json()["built"] == [DAY1, DAY2]
    assert cli("transform", "--lake", "lake", "--quiet").code == 0
    client = boto3.client(
        "glue",
        endpoint_url=glue_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    found = client.get_tables(DatabaseName=f"{namespace}_trusted")["TableList"]
    assert sorted(t["Name"] for t in found) == sorted(NAMES)
    for table in found:
        assert table["Parameters"]["table_type"] == "ICEBERG"
        assert table["Parameters"]["metadata_location"].startswith(str(raw_lake.resolve()))
    settings = EngineSettings(
        lake=str(raw_lake),
        table_format="iceberg",
        catalog="glue",
        catalog_uri=glue_endpoint,
        catalog_namespace=namespace,
        aws_region="us-east-1",
        work_dir=tmp_path / "work",
        aws_access_key_id=Secret("testing"),
        aws_secret_access_key=Secret("testing"),
    )
    for name in NAMES:
        assert table_rows(settings, name) == parquet_rows(raw_lake, name), name


@pytest.mark.s3
def test_rest_catalog_of_seaweedfs_and_a_sql_catalog_on_an_s3_lake(
    cli, s3_bucket, tmp_path: Path
) -> None:
    server = s3_bucket.server
    env = server.env()
    lake = f"s3://{s3_bucket.name}/datalake"
    for args in (DAY1_ARGS, DAY2_ARGS):
        assert cli("ingest", "--lake", lake, "--quiet", *args, env=env).code == 0
    assert cli("transform", "--lake", lake, "--quiet", env=env).code == 0
    namespace = f"r{uuid.uuid4().hex[:8]}"
    rest = (
        "--table-format",
        "iceberg",
        "--catalog",
        "rest",
        "--catalog-uri",
        server.iceberg_url,
        "--catalog-warehouse",
        TABLE_BUCKET,
        "--catalog-signing",
        "s3tables",
        "--catalog-namespace",
        namespace,
    )
    built = cli("transform", "--lake", lake, *rest, "--json", env=env)
    assert built.code == 0, built.stderr
    assert built.json()["built"] == [DAY1, DAY2]
    assert server.secret_key not in built.stdout + built.stderr

    base = {
        "lake": lake,
        "s3_endpoint_url": server.endpoint_url,
        "aws_region": server.region,
        "aws_access_key_id": Secret(server.access_key),
        "work_dir": tmp_path / "work",
        "aws_secret_access_key": Secret(server.secret_key),
    }
    parquet = EngineSettings(**base)
    in_rest = EngineSettings(
        **base,
        table_format="iceberg",
        catalog="rest",
        catalog_uri=server.iceberg_url,
        catalog_warehouse=TABLE_BUCKET,
        catalog_signing="s3tables",
        catalog_namespace=namespace,
    )
    expected = {name: table_rows(parquet, name) for name in NAMES}
    for name in NAMES:
        assert table_rows(in_rest, name) == expected[name], name
    objects = server.client().list_objects_v2(Bucket=TABLE_BUCKET).get("Contents", [])
    assert any(o["Key"].endswith(".parquet") for o in objects)  # the catalog's table bucket

    # The refined zone from those tables, into the same REST catalog: the Parquet refine's rows.
    for args in ((), rest):
        refined = cli("refine", "--lake", lake, *args, "--json", env=env)
        assert refined.code == 0, refined.stderr
        assert refined.json()["built"] == [DAY1, DAY2]
    for name in ("dim_movie", "fact_credit", "fact_title_snapshot", "bridge_series_genre"):
        assert table_rows(in_rest, name, refined_columns(name)) == table_rows(
            parquet, name, refined_columns(name)
        ), name

    # The same S3 lake with a local SQLite catalog: its own tables, in the lake's bucket.
    uri = f"sqlite:///{tmp_path / 'catalog.db'}"
    sql = ("--table-format", "iceberg", "--catalog", "sql", "--catalog-uri", uri)
    built = cli("transform", "--lake", lake, *sql, "--json", env=env)
    assert built.code == 0, built.stderr
    assert built.json()["built"] == [DAY1, DAY2]  # another catalog: built again
    in_sql = EngineSettings(**base, table_format="iceberg", catalog="sql", catalog_uri=uri)
    for name in ("movie", "movie_cast", "genre"):
        assert table_rows(in_sql, name) == expected[name], name
    listed = server.client().list_objects_v2(
        Bucket=s3_bucket.name, Prefix="datalake/trusted/TMDB/ICEBERG/movie/data/"
    )
    assert listed.get("KeyCount", 0) > 0


def test_an_s3_lake_must_name_its_catalog(cli, s3_bucket) -> None:
    result = cli(
        "transform",
        "--lake",
        f"s3://{s3_bucket.name}",
        "--table-format",
        "iceberg",
        env=s3_bucket.server.env(),
    )
    assert result.code == 2 and "needs a catalog" in result.stderr
