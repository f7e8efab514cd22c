"""Open the lake and the engine for `refine` and the demo, run them, close both.

DuckDB is imported on first use (through `tmdb_lake.trusted.session`), as for `transform`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tmdb_lake.refined.formats import ParquetTables, TableFormat
from tmdb_lake.refined.refine import RefineReport, refine
from tmdb_lake.settings import EngineSettings, RefineSettings, TransformSettings
from tmdb_lake.trusted.session import (
    open_duckdb,
    open_sink,
    query_lake,
    run_build,
    transform_lake,
)

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from tmdb_lake.trusted.duckdb_engine import DuckDBEngine
    from tmdb_lake.trusted.spark_engine import SparkRelations

MOST_POPULAR = """
SELECT title, release_year, round(popularity, 1) AS popularity, genres
FROM movie_current
ORDER BY popularity DESC, movie_id
LIMIT 5
"""


def refine_lake(settings: RefineSettings, spark: SparkSession | None = None) -> RefineReport:
    """Bring the lake's refined zone up to date with its trusted zone (or rebuild it).

    On DuckDB or on Spark (`--engine spark`; `spark`: run on this SparkSession, a Glue
    job's or a notebook's, whatever the engine setting says): the same declarations, the
    same files (a test holds both engines to the same refined zone, row for row).
    `--table-format iceberg` reads the trusted zone's Iceberg tables and writes the
    refined ones (`tmdb_lake.refined.iceberg`), on either engine.
    """
    tables: TableFormat = ParquetTables()
    if settings.table_format == "iceberg":
        from tmdb_lake.refined.iceberg import IcebergTables

        source = open_sink(settings, "trusted")
        tables = IcebergTables(source, source.zone("refined"))
    return run_build(
        settings,
        "refine",
        lambda: open_refined_engine(settings, spark),
        lambda storage, engine, policy: refine(
            storage,
            engine,
            policy,
            full=settings.full,
            warn_only=settings.warn_only,
            tables=tables,
        ),
    )


def open_refined_engine(
    settings: EngineSettings, spark: SparkSession | None = None
) -> DuckDBEngine | SparkRelations:
    """Open the engine the settings name (`spark`: this session, else the environment's)."""
    if settings.engine == "spark" or spark is not None:
        from tmdb_lake.trusted.spark_session import open_spark_engine

        return open_spark_engine(settings, spark)
    return open_duckdb(settings)


def render(summary: dict[str, Any]) -> str:
    """Render a refine's summary for people: one line per unit built, then the totals."""
    lines: list[str] = []
    current = summary["current"]
    if current:
        added = len(current["added"])
        how = "full build" if current["mode"] == "full" else "merged"
        lines.append(
            f"current tables: {current['status']} ({how}, {added} trusted dt"
            f"{'' if added == 1 else 's'}), {sum(current['tables'].values()):,} rows in "
            f"{len(current['tables'])} tables ({current['seconds']:.1f} s)"
        )
    for day in summary["days"]:
        lines.append(
            f"dt={day['unit']}: {day['status']}, {sum(day['tables'].values()):,} snapshot rows "
            f"({day['seconds']:.1f} s)"
        )
    if not current and not summary["days"] and not summary["removed"]:
        return "nothing to do: the refined zone reflects every trusted dt"
    built = len(summary["built"])
    lines.append(
        f"{built} dt{'' if built == 1 else 's'} of fact_title_snapshot built, "
        f"{len(summary['failed'])} failed, {summary['up_to_date']} already up to date"
        + (f", {len(summary['removed'])} removed" if summary["removed"] else "")
        + f"; report: {summary['report_key']}"
    )
    return "\n".join(lines)


def demo_epilogue(settings: EngineSettings) -> str:
    """Transform and refine a (demo) lake, then give a query of the model and how to query more."""
    from tmdb_lake.trusted.quality import render as render_transform
    from tmdb_lake.trusted.query import render_rows

    fields = {name: getattr(settings, name) for name in EngineSettings.__dataclass_fields__}
    transformed = transform_lake(TransformSettings(**fields))
    refined = refine_lake(RefineSettings(**fields))
    names, rows = query_lake(settings, MOST_POPULAR)
    return "\n".join(
        [
            render_transform(transformed.as_dict()),
            render(refined.as_dict()),
            "",
            "the most popular movies (tmdb-lake query over the refined model's movie_current):",
            render_rows(names, rows, "table"),
            "",
            "query more (tables and views: tmdb-lake ddl --engine duckdb; examples: "
            "docs/queries.md):",
            f'  tmdb-lake query --lake {settings.lake} "SELECT * FROM movie_current LIMIT 10"',
        ]
    )
