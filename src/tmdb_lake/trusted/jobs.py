"""The transform as a job of the stack: a Glue job (Spark) or a Lambda function (DuckDB).

Both are thin: settings come from the job's arguments or the function's environment (the
same options as the command line), the zone's build runs, its summary is logged, the
tables are (re)registered in the Glue Data Catalog, and a failed data check fails the
job, so the Step Functions chain stops at that stage. `deploy/glue/*.py` and the
transform image's handler call these.

The refined zone is built on the job's own engine, as the trusted zone is: Spark (the
Glue job's session) or DuckDB (the Lambda function), reading the trusted manifests.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tmdb_lake.errors import TmdbLakeError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from tmdb_lake.settings import RefineSettings, TransformSettings

Zone = Literal["trusted", "refined"]
log = logging.getLogger("tmdb_lake.jobs")


class ChecksFailed(TmdbLakeError):
    """A data check failed: nothing of that dt was published (the job fails)."""


def build_zone(
    zone: Zone, settings: TransformSettings, glue_database: str | None, spark: Any = None
) -> dict[str, Any]:
    """Build one zone, register its tables, give the summary; `ChecksFailed` on a failed check."""
    if zone == "refined":
        return build_refined(settings, glue_database, spark)
    from tmdb_lake.trusted.quality import render
    from tmdb_lake.trusted.session import transform_lake

    report = transform_lake(settings, spark)
    summary = report.as_dict()
    log.warning("%s", render(summary))
    if glue_database and settings.table_format == "parquet":
        register(glue_database, settings.lake, zone)
    elif glue_database:  # Iceberg tables are in their catalog already (--catalog glue)
        log.warning("Iceberg tables: the catalog holds them; %s is not changed", glue_database)
    if report.failed:
        checks = [f"{c.table}: {c.check}" for d in report.failed for c in d.failed_checks]
        raise ChecksFailed(f"checks failed on {summary['failed']}: {'; '.join(checks)}")
    return {"zone": zone, "built": summary["built"], "up_to_date": summary["up_to_date"]}


def build_refined(
    settings: RefineSettings, glue_database: str | None, spark: Any = None
) -> dict[str, Any]:
    """Refine the lake on the job's engine (`spark`: this session), register its tables.

    `ChecksFailed` on a failed check.
    """
    from tmdb_lake.refined.session import refine_lake, render

    report = refine_lake(settings, spark)
    summary = report.as_dict()
    log.warning("%s", render(summary))
    if glue_database and settings.table_format == "parquet":
        register(glue_database, settings.lake, "refined")
    elif glue_database:
        log.warning("Iceberg tables: the catalog holds them; %s is not changed", glue_database)
    if report.failed:
        checks = [f"{c.table}: {c.check}" for u in report.failed for c in u.failed_checks]
        raise ChecksFailed(f"checks failed on {summary['failed']}: {'; '.join(checks)}")
    return {"zone": "refined", "built": summary["built"], "up_to_date": summary["up_to_date"]}


def register(database: str, lake: str, zone: Zone) -> list[str]:
    """Create or update the zone's tables in the Glue database."""
    import boto3

    from tmdb_lake.trusted.glue_catalog import register_tables
    from tmdb_lake.trusted.spark_session import lake_root_url

    root, glue = lake_root_url(lake), boto3.client("glue")
    if zone == "refined":
        from tmdb_lake.refined.tables import CURRENT, DATED

        undated = frozenset(t.name for t in CURRENT)
        return register_tables(glue, database, root, zone, (*CURRENT, *DATED), undated)
    from tmdb_lake.trusted.tables import TABLES

    return register_tables(glue, database, root, zone, TABLES)


def glue_job(zone: Zone, argv: Sequence[str], spark: SparkSession) -> dict[str, Any]:
    """Run a Glue job: `--lake s3://... [--glue-database NAME] [--warn-only true]`.

    With `--table-format iceberg` the tables are Iceberg tables in a catalog (`--catalog`,
    default `glue`; `--catalog-namespace` prefixes the zones' databases): Spark writes the
    data files, tmdb-lake commits them (`tmdb_lake.iceberg.spark_files`). Glue adds its own
    arguments (`--JOB_NAME`, ...); they are ignored.
    """
    from tmdb_lake.settings import TransformSettings

    parser = argparse.ArgumentParser(prog=f"tmdb-lake-{zone}-job")
    parser.add_argument("--lake", required=True)
    parser.add_argument("--glue-database", default=None)
    parser.add_argument("--warn-only", default="false")
    parser.add_argument("--table-format", choices=("parquet", "iceberg"), default="parquet")
    parser.add_argument("--catalog", choices=("glue", "rest", "sql"), default=None)
    parser.add_argument("--catalog-uri", default=None)
    parser.add_argument("--catalog-warehouse", default=None)
    parser.add_argument("--catalog-signing", default=None)
    parser.add_argument("--catalog-namespace", default="tmdb")
    args, _ = parser.parse_known_args(list(argv))
    iceberg = args.table_format == "iceberg"
    settings = TransformSettings(
        lake=args.lake,
        engine="spark",
        work_dir=Path("/tmp/tmdb-lake"),  # noqa: S108  # the job's own scratch space
        warn_only=args.warn_only.lower() == "true",
        wait=600.0,  # a manual run may still hold a day: wait for it, then go on
        table_format=args.table_format,
        catalog=(args.catalog or "glue") if iceberg else None,
        catalog_uri=args.catalog_uri,
        catalog_warehouse=args.catalog_warehouse,
        catalog_signing=args.catalog_signing,
        catalog_namespace=args.catalog_namespace,
    )
    return build_zone(zone, settings, args.glue_database, spark)


def lambda_handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """Run the transform of `event["zone"]` in a Lambda (DuckDB), settings from the environment.

    `TMDB_LAKE_GLUE_DATABASE` names the Glue database to register the tables in.
    """
    import os

    from tmdb_lake.settings import (
        REFINE_GROUPS,
        TRANSFORM_GROUPS,
        RefineSettings,
        TransformSettings,
        load,
    )

    database = os.environ.get("TMDB_LAKE_GLUE_DATABASE")
    if event.get("zone") == "refined":  # its own options: TMDB_LAKE_REFINE_FULL, ...
        refine = load(RefineSettings, REFINE_GROUPS, {}, os.environ)
        return build_refined(refine, database)
    settings = load(TransformSettings, TRANSFORM_GROUPS, {}, os.environ)
    return build_zone("trusted", settings, database)
