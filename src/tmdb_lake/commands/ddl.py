"""`tmdb-lake ddl`: print the CREATE statements of the lake's tables for a catalog."""

from __future__ import annotations

import argparse
from datetime import date

from tmdb_lake.commands.base import Command, register
from tmdb_lake.errors import EXIT_OK, ConfigError
from tmdb_lake.lake.location import LakeLocation
from tmdb_lake.redact import Redactor
from tmdb_lake.settings import LAKE_GROUPS, LakeSettings

NOTES = {
    "athena": (
        "Athena / Glue Data Catalog. Partition projection on dt: no crawler, no MSCK REPAIR.",
        "Raw tables read JSON Lines (ingest --format jsonl) with the OpenX JSON SerDe: a "
        "--format json file (one indented array) is not Athena-readable.",
    ),
    "duckdb": (
        "DuckDB views over the lake's folders (an S3 lake: LOAD httpfs and CREATE SECRET first).",
        "tmdb-lake query reads the same tables through their manifests instead. A dataset "
        "without files yet (no --changes run) fails until it has some.",
    ),
    "spark": (
        "Spark SQL tables over the lake's folders; RECOVER PARTITIONS registers new dt= folders.",
        "Raw tables read JSON Lines; a --format json file needs OPTIONS (multiLine 'true').",
    ),
}
"""Printed as comments at the head of each engine's script."""


def _add_ddl_flags(parser: argparse.ArgumentParser) -> None:
    from tmdb_lake.ddl import DEFAULT_DATABASE, DEFAULT_PROJECTION_START, ENGINES, ZONES

    parser.add_argument("--engine", choices=ENGINES, required=True, help="whose dialect")
    parser.add_argument(
        "--zone", choices=ZONES, action="append", help="a zone (repeatable; default: all three)"
    )
    parser.add_argument(
        "--database",
        default=DEFAULT_DATABASE,
        help=f"Athena/Glue and Spark database (default: {DEFAULT_DATABASE})",
    )
    parser.add_argument(
        "--table-format",
        choices=("parquet", "iceberg"),
        default="parquet",
        help="iceberg: the trusted and refined tables' Iceberg forms (Athena TBLPROPERTIES "
        "('table_type'='ICEBERG'), Spark USING iceberg in glue_catalog) (default: parquet)",
    )
    parser.add_argument(
        "--projection-start",
        type=date.fromisoformat,
        default=DEFAULT_PROJECTION_START,
        metavar="DATE",
        help="Athena: first day of the dt projection range (default: "
        f"{DEFAULT_PROJECTION_START.isoformat()})",
    )


def root_url(lake: str, engine: str) -> str:
    """Give the URL the statements locate tables under: s3://..., a path, or file:/path."""
    location = LakeLocation.parse(lake)
    if location.kind == "s3":
        return f"s3://{location.bucket}/{location.prefix + '/' if location.prefix else ''}"
    assert location.path is not None
    path = str(location.path.resolve()) + "/"
    return path if engine == "duckdb" else f"file:{path}"


def run_ddl(args: argparse.Namespace, redactor: Redactor) -> int:
    """Run `tmdb-lake ddl`: print the statements, one `;` after each."""
    settings: LakeSettings = DDL.load_settings(args)
    register(redactor, settings)
    from tmdb_lake.ddl import ZONES, script, statements

    if not args.database.isidentifier():
        raise ConfigError(f"--database {args.database!r} is not a plain name")
    zones = tuple(args.zone) if args.zone else ZONES
    found = statements(
        args.engine,
        zones,
        root_url(settings.lake, args.engine),
        database=args.database,
        projection_start=args.projection_start,
        table_format=args.table_format,
    )
    notes = (f"tmdb-lake ddl --engine {args.engine}: {', '.join(zones)}", *NOTES[args.engine])
    print(redactor.redact(script(args.engine, found, notes)), end="")
    return EXIT_OK


DDL = Command(
    name="ddl",
    help="print the CREATE statements of the lake's tables (Athena, DuckDB or Spark)",
    description="Print CREATE statements for every table of the raw, trusted and refined "
    "zones (or --zone), generated from the declarations: Athena/Glue external tables with "
    "partition projection, DuckDB views, Spark tables.",
    settings=LakeSettings,
    groups=LAKE_GROUPS,
    run=run_ddl,
    add_arguments=_add_ddl_flags,
)
